"""Backtest of "project from today": fit on 24 months of a synthetic extract, project 12, and
compare with what happened (``hubsim.projection_backtest``).

The generating scenario is the baseline with demand, triage contact, DNA, drop-out and routing
the fit is not told (``HIDDEN``, a seasonal demand with a trend); ``fit`` sees only the extract
and the baseline file. Print the figures with
``python -m pytest tests/backtest/test_projection_backtest.py -s -m "slow or not slow"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.projection_backtest import backtest_run, recovery, seasonal_profile
from hubsim.scenario.loader import load_scenario

HISTORY_MONTHS, HELD_OUT_MONTHS = 24, 12
PER_MONTH, TREND, AMPLITUDE = 45.0, 0.01, 0.2  # demand: 45 a month, +1% a month, +-20% seasonal
HIDDEN = {
    "triage.contact_success": 0.45, "therapy.dna_probability": 0.15,
    "therapy.dropout_per_session": 0.04, "routing.high.hub_therapy": 0.40,
    "routing.high.external_referral": 0.35,
}
RECOVERY_SE = 3.5
"""Each fitted parameter within 3.5 standard errors of the generating value: for one unbiased
estimate the chance of a larger error is 0.05%, so over the 6 checks of each of 12 runs about
one failure in 30 from chance alone; a biased estimator (e.g. a drop-out rate not corrected for
the sessions that cannot end in a drop-out) is off by many standard errors."""
COVERAGE_RUNS = 12  # independent generating runs (seeds 0 to 11)
REPLICATIONS = 20  # per projection; the 80% interval is at Weibull ranks, nominal for any count
COVERAGE_LOW, COVERAGE_HIGH = 0.60, 0.95
"""The 80% interval's coverage of the held-out month ends, over 12 runs x 12 months. The months
of one run are strongly correlated (a list above the band one month is likely above it the
next), so the effective sample is nearer 12 runs than 144 months: with 12, the standard error of
a coverage of 0.8 is 0.115, and 0.60 is 1.75 standard errors below nominal. Projections that
are over-confident or biased (demand uncertainty dropped, the list started empty) cover well
under half the months; too-wide bands cover nearly all of them."""


@pytest.fixture(scope="module")
def generating(repo_root):
    base = repo_root / "scenarios" / "baseline.toml"
    start = load_scenario(base).start_date
    months = HISTORY_MONTHS + HELD_OUT_MONTHS + 1
    profile = seasonal_profile(start, months, PER_MONTH, TREND, AMPLITUDE)
    return base, load_scenario(base, {**HIDDEN, "arrivals.profile": profile})


def _recovery(run, scenario) -> pd.DataFrame:
    return recovery(run.fit, HIDDEN, TREND, AMPLITUDE, scenario.triage.max_attempts)


def test_fit_recovers_the_generating_parameters(generating):
    base, scenario = generating
    run = backtest_run(scenario, base, HISTORY_MONTHS, HELD_OUT_MONTHS, 2, seed=0)
    table = _recovery(run, scenario)
    print("\n" + table.to_string(index=False))
    assert len(table) == 6
    assert (table["error_in_se"].abs() <= RECOVERY_SE).all(), table


@pytest.mark.slow
def test_the_80_percent_band_covers_the_held_out_months(generating):
    base, scenario = generating
    covered, errors = [], []
    for seed in range(COVERAGE_RUNS):
        run = backtest_run(scenario, base, HISTORY_MONTHS, HELD_OUT_MONTHS, REPLICATIONS, seed)
        covered.append(run.covered)
        errors.append(_recovery(run, scenario).assign(seed=seed))
    coverage = float(np.mean(covered))
    by_run = [f"{c.mean():.2f}" for c in covered]
    worst = pd.concat(errors).groupby("parameter")["error_in_se"].apply(lambda z: z.abs().max())
    print(f"\ncoverage of the 80% band: {coverage:.3f} over {COVERAGE_RUNS} runs x "
          f"{HELD_OUT_MONTHS} months ({REPLICATIONS} replications each); by run {by_run}")
    print("largest |error| in standard errors over the runs:\n" + worst.to_string())
    assert COVERAGE_LOW <= coverage <= COVERAGE_HIGH
    assert (worst <= RECOVERY_SE).all()
