"""Check a scenario against the evaluation's published figures (HSDR-SS), with intervals.

Every published figure in the evidence registry's targets that has a ``role`` is compared with the
mean of the same measure over replications (see :mod:`hubsim.results.published_measures`). Roles:

* ``input``: the figure was used to set a parameter directly (the population mix inside the
  published ranges); matching it only shows the input reached the output.
* ``calibrated``: parameters were fitted or tuned so the model reproduces it; matching it shows
  the fit holds in a full run.
* ``out-of-sample``: no parameter was set from it; matching it is validation.

The tolerance rule (one rule, no flat points):

* A share (%) published for ``n`` people: its 95% Wilson score interval at ``n`` (the published
  figure's own sampling error: 1,973 screened clients, 299 follow-up respondents, or the
  respondents the share is of). A count: its Poisson interval (``1.96 sqrt(count)``). A figure
  published with its own 95% interval (EQ-5D): that interval.
* The simulation's own error: the half-width of the 95% t-interval of the mean over replications.
* The figure passes when the simulated mean lies within the published interval widened on each
  side, in quadrature, by the simulation half-width:
  ``published - sqrt(below^2 + h^2) <= simulated <= published + sqrt(above^2 + h^2)``.
* A range across Hubs (sector, sex, ethnicity; no per-Hub ``n`` published): every Hub's mean must
  lie within the range widened by its rounding (``tolerance``) plus ``RANGE_SE_MULTIPLIER``
  standard errors of that Hub's mean.

``input`` and ``calibrated`` rows must pass; ``out-of-sample`` rows are reported whether they pass
or not (see :func:`must_pass`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hubsim.results.published_measures import evaluation_figures, hub_ids
from hubsim.results.stats import t_interval
from hubsim.scenario import registry
from hubsim.scenario.schema import AnyScenario

FOUR_HUBS = frozenset({registry.entry("hub").value, *registry.hubs()})
"""The evaluated Hubs: the registry's general Hub and those with Hub-specific rows."""
ROLES = ("input", "calibrated", "out-of-sample")
RANGE_SE_MULTIPLIER = 3.0  # ~99.7% of sampling error of a Hub's mean share
Z_95 = 1.959963984540054  # two-sided 95% normal quantile
PERCENT = 100.0
_MEASURE = {"screened_clients_four_hubs": "screened_clients"}

NOT_MATCHED: tuple[tuple[str, str], ...] = (
    ("Mean MH support cost £376 (95% CI 294-459), n = 299",
     "out-of-sample, partly calibrated: recomputed from the simulated pathway by the cost model "
     "(Hub contacts plus outside mental-health care, whose level was scaled to a derived £75); "
     "checked by tests/verification/test_cost_figures.py, not by a service run"),
    ("Mean wider health and social care cost £138 (95% CI 73-202), n = 299",
     "input: the downstream wider-cost rows are set from it, so matching it is an input check "
     "(tests/verification/test_cost_figures.py)"),
    ("Needs fully met 46-49.5%, partly 18%, not met 4%; median helpfulness 92/100",
     "Client-reported satisfaction is outside a service-flow model"),
    ("Per-measure prevalence (anxiety, depression, PTSD, alcohol)",
     "Not retrieved from the report; assumed values are calibration inputs, not checks"),
)
"""Published figures not compared by ``check-evidence``, with their role or the reason."""


def figures_by_replication(clients: pd.DataFrame, scenario: AnyScenario) -> pd.DataFrame:
    """Published-figure measures per replication (``clients`` has a ``replication`` column)."""
    rows = []
    for replication, frame in clients.groupby("replication", sort=True):
        rows.append({"replication": replication, **evaluation_figures(frame, scenario)})
    return pd.DataFrame(rows)


def wilson_interval(share: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``share`` (0-1) observed in ``n`` people."""
    denominator = 1.0 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def published_interval(target: dict) -> tuple[float, float]:
    """The 95% interval of a published point figure, from its own sampling error (see the
    module docstring)."""
    value = float(target["value"])
    if "ci" in target:
        low, high = target["ci"]
        return float(low), float(high)
    if "%" in target["unit"]:
        low, high = wilson_interval(value / PERCENT, int(target["n"]))
        return PERCENT * low, PERCENT * high
    half = Z_95 * math.sqrt(value)  # a count: Poisson
    return value - half, value + half


def _point_row(target: dict, values: pd.Series) -> dict:
    mean, _, low, high, n = t_interval(values)
    half = (high - low) / 2 if n > 1 else 0.0
    value = float(target["value"])
    pub_low, pub_high = published_interval(target)
    accept_low = value - math.hypot(value - pub_low, half)
    accept_high = value + math.hypot(pub_high - value, half)
    passed = bool(accept_low <= mean <= accept_high)
    return {"simulated": mean, "ci_low": low, "ci_high": high, "published_low": pub_low,
            "published_high": pub_high, "accept_low": accept_low, "accept_high": accept_high,
            "passed": passed, "n": n}


def _range_row(target: dict, figures: pd.DataFrame, hubs: tuple[str, ...]) -> dict:
    """Every Hub's mean within the published range, widened by the tolerance plus
    ``RANGE_SE_MULTIPLIER`` standard errors of that mean (a small Hub's shares are noisy)."""
    columns = [f"{h}:{target['name']}" for h in hubs] if len(hubs) > 1 else [target["name"]]
    means = np.array([figures[c].mean() for c in columns])
    se = np.array([figures[c].std(ddof=1) / np.sqrt(len(figures)) for c in columns])
    low, high = target["value"]
    slack = target["tolerance"] + RANGE_SE_MULTIPLIER * np.nan_to_num(se)
    passed = bool(np.all((means >= low - slack) & (means <= high + slack)))
    return {"simulated": float(means.mean()), "ci_low": float(means.min()),
            "ci_high": float(means.max()), "published_low": float(low),
            "published_high": float(high), "accept_low": float(np.min(low - slack)),
            "accept_high": float(np.max(high + slack)), "passed": passed, "n": len(figures)}


def checked_targets() -> tuple[dict, ...]:
    """Registry targets ``check-evidence`` compares: those with a ``role`` and no
    ``checked_by`` (a figure checked elsewhere, e.g. by the cost tests)."""
    return tuple(t for t in registry.targets() if "role" in t and "checked_by" not in t)


def check_table(figures: pd.DataFrame, scenario: AnyScenario) -> pd.DataFrame:
    """One row per checked figure: role, published value and interval (``n`` it rests on),
    simulated mean and interval, the accepted range, pass or fail.

    For a range figure ``ci_low`` and ``ci_high`` are the lowest and highest Hub means.
    """
    hubs = hub_ids(scenario)
    rows = []
    for target in checked_targets():
        if target["role"] not in ROLES:
            raise ValueError(f"target {target['name']}: role must be one of {', '.join(ROLES)}")
        if target["name"] == "screened_clients_four_hubs" and set(hubs) != FOUR_HUBS:
            continue  # only meaningful for the four evaluated Hubs together
        if isinstance(target["value"], list):
            result = _range_row(target, figures, hubs)
            published = f"{target['value'][0]}-{target['value'][1]}"
        else:
            result = _point_row(target, figures[_MEASURE.get(target["name"], target["name"])])
            published = target["value"]
        rows.append({"figure": target["name"], "role": target["role"], "published": published,
                     "published_n": target.get("n", ""), "unit": target["unit"], **result,
                     "source": target["source"]})
    return pd.DataFrame(rows)


def must_pass(table: pd.DataFrame) -> pd.Series:
    """Rows whose failure fails the check: ``input`` and ``calibrated`` ones."""
    return table["role"].isin(("input", "calibrated"))


def failures(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(failing input/calibrated figures, failing out-of-sample figures)."""
    failed = ~table["passed"].astype(bool)
    strict = table[failed & must_pass(table)]["figure"].tolist()
    reported = table[failed & ~must_pass(table)]["figure"].tolist()
    return strict, reported
