"""Incremental cost-effectiveness of scenario B against comparator A from paired replications.

Replication ``r`` of A and of B share their random numbers (same seed and replication id), so the
per-replication differences carry little noise. From them: the incremental cost and QALYs (95%
paired t-intervals), the ICER (ratio of mean differences) with Fieller's interval, and the net
monetary benefit ``wtp * incremental QALYs - incremental cost`` at each willingness to pay, with
and without the employer's savings on sickness absence and turnover. Money in GBP at the
scenarios' ``price_year``; QALYs discounted as in :mod:`hubsim.results.outcomes`. Costs are the NHS
perspective (Hub and downstream); employer savings are shown separately and in a second NMB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from hubsim.results.stats import DEFAULT_CONFIDENCE, REPLICATION_COLUMN, t_interval

NICE_WTP_GBP_PER_QALY: tuple[float, ...] = (20_000.0, 30_000.0)
"""NICE's usual range of cost-effectiveness thresholds (PMG36, 2022, 4.10), GBP per QALY."""
COST, EFFECT, EMPLOYER = "cost_total_gbp", "qalys", "employer_cost_gbp"
COLUMNS = ["measure", "wtp_gbp_per_qaly", "mean", "ci_low", "ci_high", "n", "note"]
UNITS = {
    "incremental_cost_gbp": "GBP", "incremental_qalys": "QALYs",
    "employer_savings_gbp": "GBP", "icer_gbp_per_qaly": "GBP per QALY",
    "nmb_gbp": "GBP", "nmb_with_employer_gbp": "GBP",
}
UNBOUNDED = "interval unbounded: incremental QALYs not distinguishable from 0"


def fieller_interval(
    d_cost: np.ndarray, d_effect: np.ndarray, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Fieller's interval for ``mean(d_cost) / mean(d_effect)`` from paired differences.

    Returns (low, high), or (nan, nan) when the interval is unbounded (the mean effect
    difference is not significantly different from 0) or there are fewer than 2 pairs.
    """
    n = len(d_cost)
    if n < 2:
        return math.nan, math.nan
    c, q = float(np.mean(d_cost)), float(np.mean(d_effect))
    cov = np.cov(d_cost, d_effect, ddof=1) / n
    t2 = float(sps.t.ppf((1.0 + confidence) / 2.0, n - 1)) ** 2
    a = q * q - t2 * cov[1, 1]
    b = c * q - t2 * cov[0, 1]
    disc = b * b - a * (c * c - t2 * cov[0, 0])
    if a <= 0 or disc < 0:
        return math.nan, math.nan
    root = math.sqrt(disc)
    low, high = sorted(((b - root) / a, (b + root) / a))
    return low, high


def _dominance(d_cost: float, d_effect: float) -> str:
    if d_effect > 0 and d_cost <= 0:
        return "B dominates A: more QALYs at no more cost"
    if d_effect < 0 and d_cost >= 0:
        return "B is dominated by A: fewer QALYs at no less cost"
    if d_effect < 0:
        return "B saves money but loses QALYs: the ratio is GBP saved per QALY lost"
    return ""


def _row(measure: str, wtp: float, values: np.ndarray, confidence: float) -> list:
    mean, _sd, low, high, n = t_interval(values, confidence)
    return [measure, wtp, mean, low, high, n, ""]


def incremental(
    a_kpis: pd.DataFrame, b_kpis: pd.DataFrame,
    wtp: Sequence[float] = NICE_WTP_GBP_PER_QALY, confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Cost-effectiveness of B against comparator A (see the module docstring).

    Parameters
    ----------
    a_kpis, b_kpis : per-replication KPI frames (``replication``, ``cost_total_gbp``, ``qalys``,
        ``employer_cost_gbp``), paired on ``replication``
    wtp : willingness to pay, GBP per QALY
    confidence : two-sided level of the intervals

    Returns
    -------
    columns ``measure, wtp_gbp_per_qaly, mean, ci_low, ci_high, n, note``; measures
    ``incremental_cost_gbp``, ``incremental_qalys``, ``employer_savings_gbp``,
    ``icer_gbp_per_qaly``, then ``nmb_gbp`` and ``nmb_with_employer_gbp`` per WTP.
    """
    cols = [REPLICATION_COLUMN, COST, EFFECT, EMPLOYER]
    pairs = a_kpis[cols].merge(b_kpis[cols], on=REPLICATION_COLUMN, suffixes=("_a", "_b"),
                               validate="one_to_one").dropna()
    d_cost = (pairs[f"{COST}_b"] - pairs[f"{COST}_a"]).to_numpy(float)
    d_qalys = (pairs[f"{EFFECT}_b"] - pairs[f"{EFFECT}_a"]).to_numpy(float)
    savings = (pairs[f"{EMPLOYER}_a"] - pairs[f"{EMPLOYER}_b"]).to_numpy(float)
    rows = [_row("incremental_cost_gbp", math.nan, d_cost, confidence),
            _row("incremental_qalys", math.nan, d_qalys, confidence),
            _row("employer_savings_gbp", math.nan, savings, confidence)]
    mean_c, mean_q = float(np.mean(d_cost)), float(np.mean(d_qalys))
    icer = mean_c / mean_q if mean_q != 0 else math.nan
    low, high = fieller_interval(d_cost, d_qalys, confidence)
    note = _dominance(mean_c, mean_q) or ("" if not math.isnan(low) else UNBOUNDED)
    rows.append(["icer_gbp_per_qaly", math.nan, icer, low, high, len(d_cost), note])
    for w in wtp:
        rows.append(_row("nmb_gbp", float(w), w * d_qalys - d_cost, confidence))
        rows.append(_row("nmb_with_employer_gbp", float(w), w * d_qalys - d_cost + savings,
                         confidence))
    return pd.DataFrame(rows, columns=COLUMNS)
