"""Waits over everyone who joined a list: the Kaplan-Meier curve (hand-worked cases, ties, all
censored, empty, and against scipy's estimator), the KPIs read from it, and list snapshots."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hubsim.results.waitlist_snapshots import month_end_days, snapshot, waitlist_monthly
from hubsim.results.waits import (
    CAP_DAYS,
    WEEKS_6_DAYS,
    WEEKS_18_DAYS,
    ListRecords,
    _started_percentiles,
    kaplan_meier,
    list_records,
    wait_kpis,
)

EXACT = 1e-12  # the same arithmetic done two ways: only rounding error may differ


def _scipy_sf(durations: np.ndarray, started: np.ndarray):
    data = stats.CensoredData(uncensored=durations[started], right=durations[~started])
    return stats.ecdf(data).sf


def test_hand_worked_curve():
    """Five joiners: starts at 1, 3, 4; censored at 2 and 5. S = 4/5, then 4/5 x 2/3, then x 1/2."""
    curve = kaplan_meier(np.array([1.0, 2, 3, 4, 5]), np.array([1, 0, 1, 1, 0], bool))
    np.testing.assert_allclose(curve.times_days, [1, 3, 4])
    np.testing.assert_allclose(curve.still_waiting, [0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 / 2],
                               rtol=0, atol=EXACT)
    assert curve.share_waiting(0.5) == 1.0
    assert curve.share_waiting(3.0) == pytest.approx(0.8 * 2 / 3, abs=EXACT)
    assert curve.quantile_days(0.5) == 4.0  # first time S <= 0.5
    assert math.isnan(curve.quantile_days(0.9))  # S never falls to 0.1: not reached
    # ∫ S from 0 to 10 is cut at the last observation, day 5: 1x1 + 0.8x2 + 0.5333x1 + 0.2667x1
    assert curve.restricted_mean_days(10.0) == pytest.approx(1 + 1.6 + 1.6 / 3 + 0.8 / 3,
                                                             abs=EXACT)
    assert curve.restricted_mean_days(3.5) == pytest.approx(1 + 1.6 + 0.8 / 3, abs=EXACT)
    assert math.isnan(curve.share_waiting(6.0))  # beyond the follow-up (5 days), S > 0
    assert curve.joiners == 5 and curve.follow_up_days == curve.last_observed_days == 5.0


def test_tail_beyond_the_last_observation():
    """Watched for at most 5 days in a run that could have watched 400: nobody is known to wait
    beyond day 5, so S is 0 there (Efron) up to the follow-up and unknown after it; quantiles the
    observed curve never reaches stay NaN."""
    curve = kaplan_meier(np.array([1.0, 5.0, 5.0]), np.array([1, 0, 0], bool), 400.0)
    assert curve.share_waiting(5.0) == pytest.approx(2 / 3, abs=EXACT)
    assert curve.share_waiting(364.0) == 0.0
    assert math.isnan(curve.share_waiting(401.0))
    assert math.isnan(curve.quantile_days(0.5))
    assert curve.restricted_mean_days(CAP_DAYS) == pytest.approx(1 + 4 * 2 / 3, abs=EXACT)
    assert kaplan_meier(np.array([1.0]), np.array([True]), 0.5).follow_up_days == 1.0


def test_ties_events_before_censorings():
    """At day 2 two start and one is censored: the censored client is still at risk at day 2, so
    S(2) = 1 - 2/4 (not 1 - 2/3); at day 3 the last one at risk starts: S = 0."""
    curve = kaplan_meier(np.array([2.0, 2, 2, 3]), np.array([1, 1, 0, 1], bool))
    np.testing.assert_allclose(curve.still_waiting, [0.5, 0.0], rtol=0, atol=EXACT)
    assert curve.restricted_mean_days(CAP_DAYS) == pytest.approx(2.5, abs=EXACT)
    assert curve.quantile_days(0.5) == 2.0
    assert curve.quantile_days(0.9) == 3.0
    assert curve.share_waiting(400.0) == 0.0  # the curve reached 0: known beyond the follow-up


def test_no_censoring_gives_the_sample_mean():
    """With every joiner started and all waits under the cap, the restricted mean is the plain
    mean and S(t) the share of waits above t."""
    waits = np.random.default_rng(3).exponential(20.0, 500)
    curve = kaplan_meier(waits, np.ones(500, bool))
    assert curve.restricted_mean_days(waits.max() + 1) == pytest.approx(waits.mean(), rel=1e-12)
    assert curve.share_waiting(20.0) == pytest.approx(np.mean(waits > 20.0), abs=EXACT)
    assert curve.quantile_days(0.5) == np.sort(waits)[249]  # the 250th of 500 waits


def test_all_censored_and_empty():
    """Nobody started: S = 1 up to the last observation, no quantile, the mean is the longest
    time watched; nobody joined: every figure is NaN."""
    curve = kaplan_meier(np.array([5.0, 10.0]), np.zeros(2, bool))
    assert curve.times_days.size == 0 and curve.share_waiting(10.0) == 1.0
    assert math.isnan(curve.quantile_days(0.5))
    assert curve.restricted_mean_days(CAP_DAYS) == 10.0
    assert math.isnan(curve.share_waiting(11.0))
    empty = kaplan_meier(np.empty(0), np.empty(0, bool))
    assert empty.joiners == 0
    for value in (empty.share_waiting(1.0), empty.quantile_days(0.5),
                  empty.restricted_mean_days(CAP_DAYS)):
        assert math.isnan(value)


@pytest.mark.parametrize("bad", [np.array([-1.0]), np.array([np.nan]), np.array([np.inf])])
def test_bad_durations_rejected(bad):
    with pytest.raises(ValueError, match="finite and >= 0"):
        kaplan_meier(bad, np.ones(1, bool))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("rounded", [False, True])
def test_matches_scipy_on_random_censored_data(seed, rounded):
    """Against ``scipy.stats.ecdf`` of right-censored data, with and without tied times
    (rounded to whole days): S at many times, quantiles and the restricted mean agree to
    rounding error (both are the same product-limit arithmetic)."""
    rng = np.random.default_rng(seed)
    n = 300
    wait, censor = rng.exponential(60.0, n), rng.exponential(90.0, n)
    durations = np.minimum(wait, censor)
    if rounded:
        durations = np.round(durations)
    started = wait <= censor
    curve, sf = kaplan_meier(durations, started), _scipy_sf(durations, started)
    grid = np.linspace(0.0, durations.max(), 997)
    ours = np.array([curve.share_waiting(t) for t in grid])
    np.testing.assert_allclose(ours, sf.evaluate(grid), rtol=0, atol=1e-12)
    for share in (0.25, 0.5, 0.9):
        q = curve.quantile_days(share)
        if math.isnan(q):
            assert sf.evaluate(durations.max()) > 1 - share
        else:
            assert sf.evaluate(q) <= 1 - share + EXACT
            assert sf.evaluate(np.nextafter(q, -np.inf)) > 1 - share - EXACT
    # scipy's step function integrated by hand up to the cap or the last observation
    end = min(CAP_DAYS, durations.max())
    times = np.concatenate(([0.0], sf.quantiles, [end]))
    heights = np.concatenate(([1.0], sf.probabilities))
    expected = np.sum(heights * np.diff(np.minimum(times, end)))
    assert curve.restricted_mean_days(CAP_DAYS) == pytest.approx(expected, rel=1e-12)


def _records(join, start, exit_day) -> ListRecords:
    return ListRecords(np.array(join, float), np.array(start, float), np.array(exit_day, float))


def test_wait_kpis_hand_worked():
    """Four therapy joiners, horizon day 100: started after 10 and 50 days; one left after 30
    days (censored); one still waiting since day 20 (censored at 80)."""
    records = _records([0, 0, 10, 20], [10, 50, np.nan, np.nan], [60, 90, 40, np.nan])
    kpis = wait_kpis("therapy", records, 100.0)
    # at risk 4 at day 10 -> S = 3/4; at day 50 at risk 2 (the leaver went at 30) -> S = 3/8,
    # integrated to the last observation (80 days)
    assert kpis["therapy_wait_days_mean"] == pytest.approx(10 + 0.75 * 40 + 0.375 * 30)
    assert kpis["therapy_wait_days_median"] == 50.0
    assert math.isnan(kpis["therapy_wait_days_p90"])
    assert math.isnan(kpis["therapy_waited_over_52w_pct"])  # followed up only 100 days
    assert kpis["therapy_started_within_6w_pct"] == pytest.approx(25.0)
    assert math.isnan(kpis["therapy_started_within_18w_pct"])  # nobody watched for 126 days
    longer = wait_kpis("therapy", records, 200.0)  # the last one censored at 180 instead
    assert longer["therapy_started_within_18w_pct"] == pytest.approx(62.5)
    assert kpis["therapy_wait_days_mean_lower_bound"] == pytest.approx((10 + 50 + 30 + 80) / 4)
    assert kpis["therapy_wait_days_mean_started"] == 30.0
    assert kpis["therapy_wait_days_median_started"] == 30.0
    assert kpis["therapy_wait_days_mean"] >= kpis["therapy_wait_days_mean_lower_bound"]


def test_long_wait_share_when_followed_up():
    """Two of four joiners still waiting at the horizon after 400 days: half wait over 52 weeks,
    and the curve (held at 1/2 beyond the last start) gives a capped mean of 10/2 + 364/2."""
    records = _records([0, 0, 0, 0], [10, 10, np.nan, np.nan], [np.nan] * 4)
    kpis = wait_kpis("triage", records, 400.0)
    assert kpis["triage_waited_over_52w_pct"] == pytest.approx(50.0)
    assert kpis["triage_wait_days_mean"] == pytest.approx(10 + 0.5 * (CAP_DAYS - 10))
    assert kpis["triage_wait_days_mean_lower_bound"] == pytest.approx((10 + 10 + 364 + 364) / 4)
    assert "therapy_started_within_6w_pct" not in kpis


@pytest.mark.parametrize("seed", range(20))
def test_headline_mean_never_below_lower_bound(seed):
    """The Kaplan-Meier curve is never below the share still on the list counting censorings as
    starts, so its integral is never below the mean time on the list (both capped at 364 days)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    join = rng.uniform(0, 700, n)
    start = np.where(rng.random(n) < 0.6, join + rng.exponential(150, n), np.nan)
    exit_day = np.where(rng.random(n) < 0.3, join + rng.exponential(100, n), np.nan)
    start[start > 730] = np.nan
    exit_day[(exit_day > 730) | ~np.isnan(start)] = np.nan
    kpis = wait_kpis("brief", _records(join, start, exit_day), 730.0)
    assert kpis["brief_wait_days_mean"] >= kpis["brief_wait_days_mean_lower_bound"] - EXACT


def test_snapshot_counts_who_is_on_the_list():
    """At day 200: joined by then and neither started nor left. Waits 190 (over 18 weeks), 100,
    and 0 (joined at that instant); the one who started at 150 and the one who joined later and
    the one who left at 200 are off the list."""
    records = _records([10, 100, 200, 0, 250, 50], [np.nan, np.nan, np.nan, 150, np.nan, np.nan],
                       [np.nan, np.nan, np.nan, 300, np.nan, 200])
    snap = snapshot(records, 200.0)
    assert snap == {"waitlist": 3.0, "waiting_under_18w_pct": pytest.approx(200 / 3),
                    "waiting_over_18w": 1.0, "waiting_over_52w": 0.0,
                    "longest_wait_days": 190.0}
    empty = snapshot(records, 5.0)
    assert empty["waitlist"] == 1.0
    assert snapshot(_records([], [], []), 5.0)["longest_wait_days"] == 0.0
    assert math.isnan(snapshot(_records([], [], []), 5.0)["waiting_under_18w_pct"])


def test_standard_constants_come_from_the_registry():
    assert (WEEKS_6_DAYS, WEEKS_18_DAYS, CAP_DAYS) == (42.0, 126.0, 364.0)


def test_month_ends_within_the_horizon():
    """Each month end is sampled at the end of its day (day index + 1)."""
    start = dt.date(2020, 4, 1)
    assert [(str(d), day) for d, day in month_end_days(start, 61.0)] == [
        ("2020-04-30", 30.0), ("2020-05-31", 61.0)]
    assert [str(d) for d, _ in month_end_days(start, 60.5)] == ["2020-04-30"]
    assert [str(d) for d, _ in month_end_days(dt.date(2020, 4, 30), 1.0)] == ["2020-04-30"]
    assert month_end_days(start, 29.0) == []


def test_list_records_and_monthly_table():
    """Joiners by list, and one monthly row per list and month end."""
    clients = pd.DataFrame({
        "arrival_day": [0.0, 1.0, 2.0, 3.0],
        "exit_reason": ["open", "screen_negative", "open", "left_waitlist"],
        "triage_day": [5.0, np.nan, 6.0, 7.0],
        "pathway": ["hub_therapy", "none", "brief_support", "hub_therapy"],
        "waitlist_join_day": [6.0, np.nan, 7.0, 8.0],
        "course_start_day": [np.nan, np.nan, 9.0, np.nan],
        "exit_day": [np.nan, 1.0, np.nan, 40.0],
    })
    triage = list_records(clients, "triage")
    np.testing.assert_array_equal(triage.join_day, [0.0, 2.0, 3.0])
    therapy = list_records(clients, "therapy")
    np.testing.assert_array_equal(therapy.join_day, [6.0, 8.0])
    with pytest.raises(ValueError, match="unknown waiting list"):
        list_records(clients, "surgery")
    table = waitlist_monthly(clients, "gm", dt.date(2020, 4, 1), 61.0)
    assert len(table) == 3 * 2
    may = table[(table["list"] == "therapy") & (table["date"] == "2020-05-31")].iloc[0]
    assert may["waiting_clients"] == 1 and may["longest_wait_days"] == 61.0 - 6.0


def test_started_percentiles_equal_one_call_per_percentile():
    """The median and 90th percentile from one ``np.percentile`` call are, bit for bit, those
    of a call for each (the KPIs must not move when the calls are merged)."""
    rng = np.random.default_rng(9)
    for size in [*range(1, 40), 101, 1000]:
        waits = np.round(rng.exponential(60.0, size), int(rng.integers(0, 4)))
        assert _started_percentiles(waits) == (float(np.percentile(waits, 50)),
                                               float(np.percentile(waits, 90)))
    assert all(math.isnan(v) for v in _started_percentiles(np.empty(0)))
