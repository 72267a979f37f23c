"""Arrivals: a non-homogeneous Poisson process of keyworkers who complete the online screen."""

from __future__ import annotations

import datetime as dt

import numpy as np

from hubsim.scenario import DAYS_PER_WEEK, Arrivals


def rate_segments(
    arrivals: Arrivals, start_date: dt.date, horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant arrival rate over the horizon.

    Returns
    -------
    (starts_days, rates_per_day): segment start times (days from ``start_date``, the first 0.0) and
    the expected arrivals per day in each segment, ``scale`` applied.
    """
    if arrivals.profile is None:
        return np.array([0.0]), np.array([arrivals.per_week / DAYS_PER_WEEK * arrivals.scale])
    starts, rates = [], []
    for segment in arrivals.profile:
        day = float((segment.start - start_date).days)
        if day >= horizon_days:
            break
        starts.append(max(day, 0.0))
        rates.append(segment.per_day * arrivals.scale)
    # a segment that began before the start date is superseded by later ones that also did
    keep = [i for i in range(len(starts)) if i + 1 == len(starts) or starts[i + 1] > starts[i]]
    return np.array([starts[i] for i in keep]), np.array([rates[i] for i in keep])


def rate_at(days: np.ndarray, starts: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Arrival rate (per day) in force at each time in ``days``."""
    return rates[np.searchsorted(starts, days, side="right") - 1]


def expected_arrivals(starts: np.ndarray, rates: np.ndarray, horizon_days: float) -> float:
    """Expected number of arrivals over [0, horizon_days)."""
    ends = np.append(starts[1:], horizon_days)
    return float(np.sum(rates * (ends - starts)))


def arrival_days(
    rng: np.random.Generator, starts: np.ndarray, rates: np.ndarray, horizon_days: float
) -> np.ndarray:
    """Sorted arrival times (days) by thinning a homogeneous process at the peak rate.

    Candidate times come from a Poisson process at ``max(rates)``; each is kept with probability
    ``rate(t) / max(rates)`` (Lewis and Shedler 1979).
    """
    peak = float(rates.max()) if rates.size else 0.0
    if peak <= 0.0:
        return np.empty(0)
    count = rng.poisson(peak * horizon_days)
    candidates = np.sort(rng.uniform(0.0, horizon_days, count))
    keep = rng.uniform(0.0, peak, count) < rate_at(candidates, starts, rates)
    return candidates[keep]
