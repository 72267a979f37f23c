"""Suggest a warm-up period by MSER-5 on the daily therapy waiting list.

For scenarios that need a steady state (a constant arrival rate, a long horizon), results from
the first days, while the Hub fills from empty, bias the KPIs. ``suggest_warmup`` runs a few
replications, averages the daily waiting list across them, and applies MSER-5 (White 1997;
Hoad, Robinson & Davies 2010): the suggested ``warmup_days`` is the truncation point.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from hubsim.experiments.defaults import DEFAULT_WARMUP_REPLICATIONS  # noqa: F401 (re-exported)
from hubsim.experiments.replications import run_experiment
from hubsim.results.stats import MSER_BATCH_SIZE, MSER_MIN_REMAINING_BATCHES, mser5
from hubsim.scenario.schema import AnyScenario, MultiHubScenario

logger = logging.getLogger(__name__)

WARMUP_SERIES = "therapy_waitlist"  # clients waiting for Hub therapy at the end of each day


@dataclass(frozen=True)
class WarmupSuggestion:
    """A suggested warm-up and the series it came from.

    Attributes
    ----------
    warmup_days : suggested ``warmup_days`` (days)
    mean_series : daily series averaged over replications, index ``day`` (clients)
    per_replication : the daily series of each replication: columns ``replication, day, value``
    replications, seed : what was run
    at_limit : True when MSER-5 chose the longest truncation it considers (half the series):
        the series may not settle within the horizon, so lengthen it and check again
    steady_arrivals : False when the arrival rate changes over the horizon (no steady state)
    """

    warmup_days: int
    mean_series: pd.Series
    per_replication: pd.DataFrame
    replications: int
    seed: int
    at_limit: bool
    steady_arrivals: bool


def _constant_arrivals(scenario: AnyScenario) -> bool:
    hubs = scenario.hubs if isinstance(scenario, MultiHubScenario) else (scenario,)
    return all(h.arrivals.profile is None or len(h.arrivals.profile) == 1 for h in hubs)


def suggest_warmup(
    scenario: AnyScenario,
    replications: int = DEFAULT_WARMUP_REPLICATIONS,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
) -> WarmupSuggestion:
    """Suggest ``warmup_days`` for ``scenario`` by MSER-5 on the mean daily waiting list.

    With several Hubs, the waiting lists are added up day by day (days from each Hub's start).

    Parameters
    ----------
    scenario : validated scenario; its own ``warmup_days`` does not affect the daily series
    replications : replications to average (>= 1)
    seed : experiment seed
    executor : any ``concurrent.futures.Executor``; None runs serially
    progress : show a progress bar (only on a terminal)
    """
    experiment = run_experiment(scenario, replications, seed, executor=executor, progress=progress)
    assert experiment.timeseries is not None  # records are kept by default
    series = (
        experiment.timeseries.groupby(["replication", "day"], sort=True)[WARMUP_SERIES]
        .sum().rename("value").reset_index()
    )
    mean = series.groupby("day", sort=True)["value"].mean()
    days = mser5(mean.to_numpy())
    batches = len(mean) // MSER_BATCH_SIZE
    longest = min(batches // 2, batches - MSER_MIN_REMAINING_BATCHES)  # as mser5 considers
    at_limit = longest > 0 and days >= longest * MSER_BATCH_SIZE
    steady = _constant_arrivals(scenario)
    if at_limit:
        logger.warning("MSER-5 truncation at its limit: the series may not settle; lengthen it")
    return WarmupSuggestion(days, mean, series, replications, seed, at_limit, steady)
