"""Arrivals: keyworkers who complete the online screen, from every source of demand.

Background demand is a non-homogeneous Poisson process (piecewise-constant rate, by thinning);
incident surges add exponentially decaying rates; invited cohorts screen in rounds. Each arrival
carries the index of the population profile it comes from (0 = the scenario's own population).
Each source draws from its own stream, so adding a surge never shifts background arrivals. A
fitted ``[demand]`` (``hubsim.model.demand``) replaces the background rate by its monthly rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from hubsim.model.demand import coefficients_for, monthly_segments
from hubsim.model.rng import Streams
from hubsim.scenario.arrivals import Arrivals
from hubsim.scenario.schema import Scenario
from hubsim.scenario.units import DAYS_PER_WEEK


def rate_segments(
    arrivals: Arrivals, start_date: dt.date, horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant background arrival rate over the horizon.

    Returns
    -------
    (starts_days, rates_per_day): segment start times (days from ``start_date``, the first 0.0) and
    the expected arrivals per day in each segment, ``scale`` applied.
    """
    starts, rates, _ = _segments(arrivals, start_date, horizon_days)
    return starts, rates


def _segments(arrivals: Arrivals, start_date: dt.date, horizon_days: float):
    if arrivals.profile is None:
        assert arrivals.per_week is not None  # the schema requires per_week or a profile
        rate = arrivals.per_week / DAYS_PER_WEEK * arrivals.scale
        return np.array([0.0]), np.array([rate]), [None]
    starts, rates, names = [], [], []
    for segment in arrivals.profile:
        day = float((segment.start - start_date).days)
        if day >= horizon_days:
            break
        starts.append(max(day, 0.0))
        rates.append(segment.per_day * arrivals.scale)
        names.append(segment.population)
    # a segment that began before the start date is superseded by later ones that also did
    keep = [i for i in range(len(starts)) if i + 1 == len(starts) or starts[i + 1] > starts[i]]
    return (np.array([starts[i] for i in keep]), np.array([rates[i] for i in keep]),
            [names[i] for i in keep])


def rate_at(days: np.ndarray, starts: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Arrival rate (per day) in force at each time in ``days``."""
    return rates[np.searchsorted(starts, days, side="right") - 1]


def expected_arrivals(starts: np.ndarray, rates: np.ndarray, horizon_days: float) -> float:
    """Expected number of arrivals over [0, horizon_days)."""
    ends = np.append(starts[1:], horizon_days)
    return float(np.sum(rates * (ends - starts)))


def thinned(
    rng: np.random.Generator, rate: Callable[[np.ndarray], np.ndarray], peak: float,
    lo: float, hi: float,
) -> np.ndarray:
    """Sorted times in [lo, hi) of a Poisson process with intensity ``rate(t) <= peak``, by
    thinning a homogeneous process at ``peak`` (Lewis and Shedler 1979)."""
    if peak <= 0.0 or hi <= lo:
        return np.empty(0)
    count = rng.poisson(peak * (hi - lo))
    candidates = np.sort(rng.uniform(lo, hi, count))
    keep = rng.uniform(0.0, peak, count) < rate(candidates)
    return candidates[keep]


def arrival_days(
    rng: np.random.Generator, starts: np.ndarray, rates: np.ndarray, horizon_days: float
) -> np.ndarray:
    """Sorted background arrival times (days) over [0, horizon_days)."""
    peak = float(rates.max()) if rates.size else 0.0
    return thinned(rng, lambda t: rate_at(t, starts, rates), peak, 0.0, horizon_days)


def _surge_days(scenario: Scenario, streams: Streams) -> list[tuple[np.ndarray, str | None]]:
    out = []
    for i, surge in enumerate(scenario.arrivals.surges):
        start = float((surge.start - scenario.start_date).days)
        peak = surge.peak_per_week / DAYS_PER_WEEK * scenario.arrivals.scale

        def rate(t: np.ndarray, start: float = start, peak: float = peak,
                 half: float = surge.half_life_days) -> np.ndarray:
            return peak * np.exp2(-(t - start) / half)

        days = thinned(streams[f"arrivals.surge.{i}"], rate, peak, max(start, 0.0),
                       scenario.horizon_days)
        out.append((days, surge.population))
    return out


def _cohort_days(scenario: Scenario, streams: Streams) -> list[tuple[np.ndarray, str | None]]:
    out = []
    for cohort in scenario.arrivals.cohorts:
        rng = streams[f"arrivals.cohort.{cohort.name}"]
        invited = float((cohort.invited - scenario.start_date).days)
        rounds = []
        for offset in cohort.rounds_days:
            responders = rng.binomial(cohort.size, cohort.response)
            rounds.append(invited + offset + cohort.respond_within_days.sample(rng, responders))
        days = np.sort(np.concatenate(rounds)) if rounds else np.empty(0)
        out.append((days[(days >= 0) & (days < scenario.horizon_days)], cohort.population))
    return out


def all_arrivals(scenario: Scenario, streams: Streams) -> tuple[np.ndarray, np.ndarray]:
    """Every arrival: (days, population-profile index), sorted by day (stable by source).

    Profile index 0 is the scenario's own population; ``i`` is the ``i``-th entry of
    ``scenario.profiles``. Nobody arrives once the service has closed.
    """
    names = [None, *scenario.profiles]
    starts, rates, segment_names = _segments(
        scenario.arrivals, scenario.start_date, scenario.horizon_days
    )
    if scenario.demand is not None:  # fitted demand replaces the background rate
        beta = coefficients_for(scenario.demand, streams)
        starts, rates = monthly_segments(scenario.demand, scenario.start_date,
                                         scenario.horizon_days, beta)
        segment_names = [None] * starts.size
    background = arrival_days(streams["arrivals"], starts, rates, scenario.horizon_days)
    segment = np.searchsorted(starts, background, side="right") - 1
    sources = [(background, np.array([names.index(segment_names[s]) for s in segment], int))]
    for days, population in [*_surge_days(scenario, streams), *_cohort_days(scenario, streams)]:
        sources.append((days, np.full(days.size, names.index(population), dtype=int)))
    days = np.concatenate([d for d, _ in sources])
    profile = np.concatenate([p for _, p in sources]).astype(np.int64)
    if scenario.service.closes is not None:
        open_ = days < float((scenario.service.closes - scenario.start_date).days)
        days, profile = days[open_], profile[open_]
    order = np.argsort(days, kind="stable")
    return days[order], profile[order]
