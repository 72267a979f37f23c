"""Verification: Little's law for the Hub therapy waiting list in a congested baseline.

Over a window [0, T] starting from an empty list, L = lambda * W holds exactly when

* L is the time-average number on the list,
* lambda is the number who joined the list within the window divided by T, and
* W is their mean time on the list *within the window*: to their first session, to leaving the
  list, or to T for those still waiting at the end.

The model gives L independently of the records: ``timeseries.therapy_waitlist`` samples the list
at the end of each simulated day, so its mean is a right-endpoint Riemann sum of L(t). The two
agree up to that daily sampling (with tens of clients on the list and changes of a few a day,
~0.5%), so a per-replication tolerance of 5% and a pooled one of 2% catch any real mismatch
(a series lagging or leading by a day, a list that drops clients who leave or keeps those who
start, records with wrong join or start days) while never failing on sampling error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubsim

BASELINE_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
CONGESTED = {"staff.therapists.wte": 2.2}  # fewer slots than demand at the peaks: a real list
REPLICATIONS = 8
SEED = 7
PER_REPLICATION_TOLERANCE = 0.05
POOLED_TOLERANCE = 0.02
MIN_MEAN_LIST = 5.0  # the check is only meaningful if the list is non-trivial


def littles_law_sides(clients: pd.DataFrame, series: pd.Series, horizon: float) -> dict:
    """L from the daily samples and lambda, W from the records, over [0, horizon]."""
    joined = clients[(clients["pathway"] == "hub_therapy") & clients["waitlist_join_day"].notna()]
    left = joined["exit_day"].where(joined["exit_reason"] == "left_waitlist")
    off_list = joined["course_start_day"].fillna(left).fillna(horizon).clip(upper=horizon)
    time_on_list = off_list - joined["waitlist_join_day"]
    assert (time_on_list >= 0).all()
    lam = len(joined) / horizon
    w = float(time_on_list.mean()) if len(joined) else 0.0
    return {"L": float(series.mean()), "lambda": lam, "W": w, "lambda_W": lam * w,
            "joined": len(joined), "still_waiting": int(joined["course_start_day"].isna().sum())}


@pytest.fixture(scope="module")
def experiment() -> hubsim.Experiment:
    scenario = hubsim.load_scenario(BASELINE_PATH, CONGESTED)
    return hubsim.run_experiment(scenario, replications=REPLICATIONS, seed=SEED)


def _per_replication(experiment: hubsim.Experiment) -> list[dict]:
    horizon = experiment.scenario.horizon_days
    rows = []
    for r in range(REPLICATIONS):
        clients = experiment.clients[experiment.clients["replication"] == r]
        days = experiment.timeseries[experiment.timeseries["replication"] == r]
        assert len(days) == int(np.ceil(horizon))  # one sample per day of the horizon
        rows.append(littles_law_sides(clients, days["therapy_waitlist"], horizon))
    return rows


def test_littles_law_per_replication(experiment):
    rows = _per_replication(experiment)
    for r, row in enumerate(rows):
        print(f"replication {r}: L = {row['L']:.3f}, lambda = {row['lambda']:.4f}/day, "
              f"W = {row['W']:.2f} days, lambda*W = {row['lambda_W']:.3f}, "
              f"{row['joined']} joined, {row['still_waiting']} still waiting at the end")
        assert row["L"] >= MIN_MEAN_LIST, "scenario not congested enough for a meaningful check"
        assert row["L"] == pytest.approx(row["lambda_W"], rel=PER_REPLICATION_TOLERANCE), r


def test_littles_law_pooled(experiment):
    rows = _per_replication(experiment)
    total_l = sum(row["L"] for row in rows)
    total_lw = sum(row["lambda_W"] for row in rows)
    n = len(rows)
    print(f"pooled: mean L = {total_l / n:.3f}, mean lambda*W = {total_lw / n:.3f}, "
          f"ratio {total_l / total_lw:.4f}")
    assert total_l == pytest.approx(total_lw, rel=POOLED_TOLERANCE)


def test_littles_law_sides_are_computed_as_stated():
    """The record side of the check on a hand-made list: two clients over a 10-day window, one
    waits days 1-3 and starts, one joins at day 6 and is still waiting at day 10 (counted to 10).
    Samples at the end of each day: on the list during (1, 3] and (6, 10]."""
    clients = pd.DataFrame({
        "pathway": ["hub_therapy", "hub_therapy", "signpost"],
        "waitlist_join_day": [1.0, 6.0, np.nan],
        "course_start_day": [3.0, np.nan, np.nan],
        "exit_day": [8.0, np.nan, 2.0],
        "exit_reason": ["completed", "open", "signposted"],
    })
    series = pd.Series([0, 1, 1, 0, 0, 0, 1, 1, 1, 1])  # end of days 0..9 (times 1..10)
    sides = littles_law_sides(clients, series, 10.0)
    assert sides["lambda"] == pytest.approx(0.2)
    assert sides["W"] == pytest.approx((2.0 + 4.0) / 2)
    assert sides["lambda_W"] == pytest.approx(0.6)
    assert sides["L"] == pytest.approx(0.6)
