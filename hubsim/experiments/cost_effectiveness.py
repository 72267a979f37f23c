"""Cost-effectiveness from PSA draws: the ICER with its interval from parameter uncertainty (read
off the acceptability curve, :mod:`hubsim.experiments.acceptability`), P(cost-effective) at given
thresholds, and the count of assumed inputs an ICER rests on. Data only: the commands format it.

Each PSA draw gives the mean incremental cost (GBP, discounted) and incremental QALYs
(discounted) of the intervention against its comparator over the draw's replications. The ICER
is the ratio of the means over draws. Its 95% interval from parameter uncertainty is read off the
acceptability curve, which exists whatever quadrants the draws fall in: the lower end is the
smallest willingness to pay at which at least 2.5% of draws are cost-effective, the upper end the
smallest at which at least 97.5% are. When every draw gains QALYs at extra cost these are the
2.5th and 97.5th percentiles of the per-draw ICERs (inverted-CDF percentiles). The upper end is
unbounded (NaN) when more than 2.5% of draws are never cost-effective (fewer QALYs at more cost);
the lower end is 0 when at least 2.5% are cost-effective at any price (more QALYs at less cost).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubsim.experiments.acceptability import CEAC_MAX_GBP, CEAC_POINTS, COST, QALYS, ceac
from hubsim.scenario import registry
from hubsim.scenario.schema import AnyScenario, MultiHubScenario, Scenario

NICE_THRESHOLDS_GBP: tuple[float, ...] = (20_000.0, 30_000.0)
"""NICE's usual range of cost-effectiveness thresholds (PMG36, 2022, 4.10), GBP per QALY."""
PERCENTILES = (2.5, 97.5)  # the central 95% of draws
ASSUMPTION = "assumption"
NOT_IN_ICER = ("name", "description", "hub", "followup.", "evaluation.")
"""Registry rows that never reach costs or QALYs: labels, and the follow-up survey and evaluation
window (what the published figures are compared with)."""
PRESETS = "outcomes.presets."


def default_ceac(psa: pd.DataFrame) -> pd.DataFrame:
    """``ceac`` from 0 to ``CEAC_MAX_GBP`` in ``CEAC_POINTS`` steps."""
    return ceac(psa, np.linspace(0.0, CEAC_MAX_GBP, CEAC_POINTS))


@dataclass(frozen=True)
class PsaIcer:
    """The ICER over PSA draws (GBP per QALY) and its parameter-uncertainty interval.

    ``low`` / ``high``: the 95% interval read off the acceptability curve (NaN: unbounded);
    ``quadrants`` gives the share of draws gaining QALYs at extra cost (``NE``), gaining and
    saving (``SE``), losing and costing more (``NW``) and losing and saving (``SW``);
    ``probability_cost_effective`` maps each threshold to the share of draws with positive net
    monetary benefit.
    """

    icer: float
    low: float
    high: float
    draws: int
    quadrants: dict[str, float]
    probability_cost_effective: dict[float, float]

    @property
    def bounded(self) -> bool:
        """Whether both ends of the interval are finite."""
        return not (math.isnan(self.low) or math.isnan(self.high))


def _ceac_interval(d_cost: np.ndarray, d_qalys: np.ndarray) -> tuple[float, float]:
    """(lowest WTP with P(CE) >= 2.5%, lowest with >= 97.5%), NaN where none: exact, from the
    step function of P(CE) in the WTP (it steps only at per-draw ICERs)."""
    n = len(d_qalys)
    if n == 0:
        return math.nan, math.nan
    gain, more = d_qalys > 0, d_cost > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d_cost / d_qalys
    ne = np.sort(ratio[gain & more])  # cost-effective above their ratio
    sw = np.sort(ratio[~gain & (d_cost < 0) & (d_qalys < 0)])  # ... below their ratio
    always = int((gain & ~more).sum())  # more QALYs at no extra cost
    candidates = np.unique(np.concatenate([[0.0], ne, sw]))

    def share(wtp: np.ndarray) -> np.ndarray:
        above = np.searchsorted(ne, wtp, side="right")  # NE draws with ratio <= wtp
        below = len(sw) - np.searchsorted(sw, wtp, side="right")  # SW draws with ratio > wtp
        return (above + below + always) / n

    shares = share(candidates)
    ends = []
    for level in (PERCENTILES[0] / 100, PERCENTILES[1] / 100):
        hit = np.nonzero(shares >= level - 1e-12)[0]
        ends.append(float(candidates[hit[0]]) if len(hit) else math.nan)
    return ends[0], ends[1]


def psa_icer(psa: pd.DataFrame, thresholds: Iterable[float] = NICE_THRESHOLDS_GBP) -> PsaIcer:
    """The ICER of PSA draws with its interval (see the module docstring)."""
    d_cost = psa[COST].to_numpy(float)
    d_qalys = psa[QALYS].to_numpy(float)
    mean_q = float(d_qalys.mean()) if len(d_qalys) else 0.0
    icer = float(d_cost.mean()) / mean_q if mean_q != 0 else math.nan
    low, high = _ceac_interval(d_cost, d_qalys)
    gain, more = d_qalys > 0, d_cost > 0
    quadrants = {"NE": float((gain & more).mean()), "SE": float((gain & ~more).mean()),
                 "NW": float((~gain & more).mean()), "SW": float((~gain & ~more).mean())}
    curve = ceac(psa, list(thresholds))
    probability = dict(zip(curve["wtp_gbp_per_qaly"].astype(float),
                           curve["probability_cost_effective"].astype(float), strict=True))
    return PsaIcer(icer, low, high, len(d_qalys), quadrants, probability)


def _hubs(scenario: AnyScenario) -> tuple[Scenario, ...]:
    return scenario.hubs if isinstance(scenario, MultiHubScenario) else (scenario,)


def _uses(name: str, hub: Scenario) -> bool:
    """Whether registry row ``name`` reaches the costs or QALYs of ``hub``."""
    if name.startswith(NOT_IN_ICER):
        return False
    if name.startswith(PRESETS):
        return name.startswith(f"{PRESETS}{hub.outcomes.preset}")
    return True


def assumed_inputs(*scenarios: AnyScenario) -> list[str]:
    """Names of the registry rows with status ``assumption`` that the costs and QALYs of
    ``scenarios`` rest on (each Hub's own row where it has one; the chosen logic-model preset
    only; labels and the published figures' survey settings left out), sorted and unique.

    A value a scenario sets itself replaces the registry's, but it is still an input chosen
    without evidence unless the file says otherwise, so it is counted too: the count is the
    registry's view of how much of the ICER is assumed.
    """
    names: set[str] = set()
    for scenario in scenarios:
        for hub in _hubs(scenario):
            rows = {r.name: r for r in registry.entries() if r.hub is None}
            rows.update({r.name: r for r in registry.entries() if r.hub == hub.hub})
            names |= {n for n, r in rows.items() if r.status == ASSUMPTION and _uses(n, hub)}
    return sorted(names)


def exploratory_line(count: int) -> str:
    """The one-line caveat printed wherever an ICER is."""
    return (f"Exploratory: this cost per QALY rests on {count} assumed inputs (registry rows "
            "with status 'assumption'; `hubsim evidence` lists them).")
