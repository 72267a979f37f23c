"""Cost-effectiveness acceptability: the share of PSA draws cost-effective at each willingness to
pay (GBP per QALY)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CEAC_MAX_GBP = 50_000.0
CEAC_POINTS = 101
COST = "incremental_cost_gbp"
QALYS = "incremental_qalys"


def ceac(psa: pd.DataFrame, wtp_gbp: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Probability that the intervention is cost-effective at each willingness to pay.

    Parameters
    ----------
    psa : one row per PSA draw; ``incremental_cost_gbp`` (GBP) and ``incremental_qalys``
        (QALYs) of the intervention against its comparator
    wtp_gbp : willingness-to-pay values, GBP per QALY

    Returns
    -------
    columns ``wtp_gbp_per_qaly`` and ``probability_cost_effective`` (0-1): the share of draws
    with positive net monetary benefit ``wtp * incremental_qalys - incremental_cost_gbp``.
    """
    wtp = np.asarray(wtp_gbp, dtype=float)
    benefit = np.outer(wtp, psa[QALYS].to_numpy(float)) - psa[COST].to_numpy(float)
    return pd.DataFrame({"wtp_gbp_per_qaly": wtp,
                         "probability_cost_effective": (benefit > 0).mean(axis=1)})
