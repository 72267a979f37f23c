"""Unit tests for hubsim.model.arrivals: piecewise rates and the thinning sampler."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from hubsim.model.arrivals import arrival_days, expected_arrivals, rate_at, rate_segments
from hubsim.model.rng import make_stream
from hubsim.scenario.schema import Arrivals
from hubsim.scenario.units import DAYS_PER_MONTH

START = dt.date(2020, 4, 1)
REPS = 400
# Counts are sums of independent Poisson variables, so Poisson themselves: sd = sqrt(mean).
# Tolerance 4 sd (a correct sampler fails for fewer than 1 seed in ~15,000; seeds are fixed).
Z = 4.0


def arrivals(**data) -> Arrivals:
    return Arrivals.model_validate(data)


def segment(date: dt.date, **rate) -> dict:
    return {"from": date, **rate}


def pooled_counts(starts, rates, horizon, edges, seed=11):
    """Arrivals in each [edges[i], edges[i+1]) summed over REPS replications."""
    counts = np.zeros(len(edges) - 1)
    for rep in range(REPS):
        days = arrival_days(make_stream(seed, rep, "arrivals"), starts, rates, horizon)
        assert np.all(np.diff(days) >= 0)
        assert days.size == 0 or (days.min() >= 0 and days.max() < horizon)
        counts += np.histogram(days, bins=edges)[0]
    return counts


def test_constant_rate_segments() -> None:
    starts, rates = rate_segments(arrivals(per_week=14), START, 60)
    assert starts.tolist() == [0.0]
    assert rates.tolist() == pytest.approx([2.0])


def test_profile_segments_and_units() -> None:
    profile = [
        segment(START, per_week=7),
        segment(dt.date(2020, 4, 11), per_month=DAYS_PER_MONTH * 3),  # 3 a day
        segment(dt.date(2020, 5, 1), per_week=3.5),
        segment(dt.date(2021, 1, 1), per_week=100),  # after the horizon: dropped
    ]
    starts, rates = rate_segments(arrivals(profile=profile), START, 60)
    assert starts.tolist() == [0.0, 10.0, 30.0]
    assert rates.tolist() == pytest.approx([1.0, 3.0, 0.5])
    assert expected_arrivals(starts, rates, 60) == pytest.approx(10 * 1 + 20 * 3 + 30 * 0.5)
    assert rate_at(np.array([0.0, 9.99, 10.0, 29.9, 30.0, 59.9]), starts, rates).tolist() == (
        pytest.approx([1.0, 1.0, 3.0, 3.0, 0.5, 0.5])
    )


@pytest.mark.parametrize("scale", [0.5, 2.0, 3.0])
def test_rate_segments_respects_scale(scale: float) -> None:
    profile = [segment(START, per_week=7), segment(dt.date(2020, 4, 11), per_week=21)]
    _, plain = rate_segments(arrivals(profile=profile), START, 60)
    _, scaled = rate_segments(arrivals(profile=profile, scale=scale), START, 60)
    assert scaled.tolist() == pytest.approx((plain * scale).tolist())
    _, constant = rate_segments(arrivals(per_week=7, scale=scale), START, 60)
    assert constant.tolist() == pytest.approx([scale])


def test_profile_starting_before_start_date() -> None:
    profile = [
        segment(dt.date(2019, 1, 1), per_week=700),  # superseded before day 0
        segment(dt.date(2020, 3, 1), per_week=7),  # in force on day 0
        segment(dt.date(2020, 4, 11), per_week=14),
    ]
    starts, rates = rate_segments(arrivals(profile=profile), START, 60)
    assert starts.tolist() == [0.0, 10.0]
    assert rates.tolist() == pytest.approx([1.0, 2.0])


def test_profile_segment_on_start_date_supersedes_earlier_ones() -> None:
    profile = [segment(dt.date(2020, 3, 1), per_week=700), segment(START, per_week=7)]
    starts, rates = rate_segments(arrivals(profile=profile), START, 60)
    assert starts.tolist() == [0.0]
    assert rates.tolist() == pytest.approx([1.0])


def test_thinning_counts_per_segment_match_rate_times_length() -> None:
    profile = [
        segment(dt.date(2020, 3, 1), per_week=7),  # 1/day on [0, 10)
        segment(dt.date(2020, 4, 11), per_week=21),  # 3/day on [10, 30)
        segment(dt.date(2020, 5, 1), per_week=3.5),  # 0.5/day on [30, 60)
    ]
    horizon = 60
    starts, rates = rate_segments(arrivals(profile=profile), START, horizon)
    edges = np.array([0.0, 10.0, 30.0, horizon])
    counts = pooled_counts(starts, rates, horizon, edges)
    expected = REPS * rates * np.diff(edges)  # 4,000, 24,000, 6,000
    for got, want in zip(counts, expected, strict=True):
        assert abs(got - want) < Z * math.sqrt(want), (got, want)


def test_thinning_within_a_segment_is_uniform() -> None:
    # a constant rate: the two halves of the horizon get equal shares
    starts, rates = rate_segments(arrivals(per_week=14), START, 40)
    counts = pooled_counts(starts, rates, 40, np.array([0.0, 20.0, 40.0]), seed=12)
    want = REPS * 2.0 * 20
    assert all(abs(c - want) < Z * math.sqrt(want) for c in counts), counts


def test_zero_rate_segment_has_no_arrivals() -> None:
    profile = [
        segment(START, per_week=14),
        segment(dt.date(2020, 4, 11), per_week=0),
        segment(dt.date(2020, 5, 1), per_week=14),
    ]
    starts, rates = rate_segments(arrivals(profile=profile), START, 60)
    counts = pooled_counts(starts, rates, 60, np.array([0.0, 10.0, 30.0, 60.0]), seed=13)
    assert counts[1] == 0
    assert counts[0] > 0 and counts[2] > 0


@pytest.mark.parametrize("data", [{"per_week": 0}, {"per_week": 14, "scale": 0}])
def test_zero_rate_gives_no_arrivals(data: dict) -> None:
    starts, rates = rate_segments(arrivals(**data), START, 365)
    for rep in range(5):
        assert arrival_days(make_stream(1, rep, "arrivals"), starts, rates, 365).size == 0


def test_scale_multiplies_simulated_arrivals() -> None:
    # total over REPS replications at rate 1/day x scale 2.5 over 30 days: Poisson(30,000)
    starts, rates = rate_segments(arrivals(per_week=7, scale=2.5), START, 30)
    total = pooled_counts(starts, rates, 30, np.array([0.0, 30.0]), seed=14).sum()
    want = REPS * 2.5 * 30
    assert abs(total - want) < Z * math.sqrt(want)


def test_same_stream_same_arrivals() -> None:
    starts, rates = rate_segments(arrivals(per_week=20), START, 100)
    a = arrival_days(make_stream(5, 2, "arrivals"), starts, rates, 100)
    b = arrival_days(make_stream(5, 2, "arrivals"), starts, rates, 100)
    c = arrival_days(make_stream(5, 3, "arrivals"), starts, rates, 100)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
