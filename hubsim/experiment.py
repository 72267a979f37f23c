"""Replications of one scenario through any ``concurrent.futures`` executor.

Replication ``r`` always uses streams seeded by ``(seed, r)``, so results are identical in
replication order whatever the executor (serial, a process pool, Dask) or worker count. A pool
process that dies is replaced and its replications re-run; Ctrl-C raises
``ExperimentInterrupted`` holding the replications that completed (see ``hubsim.dispatch``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubsim.dispatch import Interrupted, run_tasks
from hubsim.executors import process_pool
from hubsim.scenario import AnyScenario, Scenario
from hubsim.simulation import simulate
from hubsim.stats import percentile_bands, summarise, t_interval
from hubsim.waits import MONTHLY_COLUMNS, waitlist_monthly

logger = logging.getLogger(__name__)

Replicate = tuple[dict[str, float], pd.DataFrame | None, pd.DataFrame | None]
OnResult = Callable[[int], None]
"""Hook called in the calling process with each replication id as it completes."""

BAND_SERIES: tuple[str, ...] = ("therapy_waitlist", "triage_backlog", "therapy_caseload")
"""Daily series summarised across replications into percentile bands (fan charts), clients."""


@dataclass(frozen=True)
class Experiment:
    """Replications of one scenario.

    Attributes
    ----------
    kpis : one row per replication (``replication`` then the KPI columns)
    summary : one row per KPI: ``kpi, mean, sd, ci_low, ci_high, half_width, n`` (95% t-interval)
    clients, timeseries : per-client and per-day frames of every replication (with a
        ``replication`` column), or None when records were not kept
    bands : per Hub, day and series in ``BAND_SERIES``: across-replication mean and the 5, 25,
        50, 75 and 95th percentiles (clients), or None when records were not kept
    partial : True when the run was interrupted; ``kpis["replication"]`` lists those completed
    waitlist_monthly : the waiting lists at each calendar month end, one row per replication,
        Hub, list and month end (see ``waitlist_monthly_table``), or None when records were not
        kept
    """

    scenario: AnyScenario
    seed: int
    replications: int
    kpis: pd.DataFrame
    summary: pd.DataFrame
    clients: pd.DataFrame | None
    timeseries: pd.DataFrame | None
    bands: pd.DataFrame | None = None
    partial: bool = False
    waitlist_monthly: pd.DataFrame | None = None


class ExperimentInterrupted(KeyboardInterrupt):
    """Ctrl-C during an experiment.

    Attributes
    ----------
    experiment : the completed replications, marked partial (None when none completed)
    completed : replication id -> its result, for callers that run more replications later
    """

    def __init__(self, experiment: Experiment | None, completed: dict[int, Replicate]) -> None:
        super().__init__(f"interrupted after {len(completed)} completed replications")
        self.experiment = experiment
        self.completed = completed


def replicate(scenario: AnyScenario, seed: int, replication: int, keep_records: bool) -> Replicate:
    """One replication as plain data (picklable, for any executor)."""
    run = simulate(scenario, seed=seed, replication=replication)
    if not keep_records:
        return dict(run.kpis), None, None
    return dict(run.kpis), run.clients, run.timeseries


def timeseries_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Percentile bands of ``BAND_SERIES`` across replications, per Hub and day (fan charts).

    Returns
    -------
    Columns ``hub, day, variable, mean, q05, q25, q50, q75, q95`` (clients).
    """
    parts = []
    for hub, frame in timeseries.groupby("hub", sort=False):
        bands = percentile_bands(frame, list(BAND_SERIES))
        bands.insert(0, "hub", hub)
        parts.append(bands)
    return pd.concat(parts, ignore_index=True)


def waitlist_monthly_table(scenario: AnyScenario, clients: pd.DataFrame) -> pd.DataFrame:
    """The triage, therapy and brief-support waiting lists at every calendar month end within
    each Hub's horizon, as the NHS referral-to-treatment statistics report them.

    Parameters
    ----------
    scenario : the experiment's scenario (one Hub or several)
    clients : per-client records of every replication (with ``hub`` and ``replication``)

    Returns
    -------
    Columns ``replication`` then ``hubsim.waits.MONTHLY_COLUMNS``: ``hub, list, date, day,
    waiting_clients, waiting_under_18w_pct, waiting_over_18w_clients, waiting_over_52w_clients,
    longest_wait_days``; every client on a list counts (warm-up included), as in the daily
    series.
    """
    hubs = {scenario.hub: scenario} if isinstance(scenario, Scenario) else {
        hub.hub: hub for hub in scenario.hubs}
    parts = []
    for (replication, hub), frame in clients.groupby(["replication", "hub"], sort=True,
                                                      observed=True):
        table = waitlist_monthly(frame, str(hub), hubs[hub].start_date, hubs[hub].horizon_days)
        table.insert(0, "replication", replication)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["replication", *MONTHLY_COLUMNS])
    return pd.concat(parts, ignore_index=True)


MONTHLY_KEYS = ("hub", "list", "date", "day")


def summarise_waitlist_monthly(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval across replications of each month-end waiting-list measure.

    Returns
    -------
    Columns ``hub, list, date, day, measure, mean, ci_low, ci_high, n``, in the measure's unit
    (the unit is in the measure's name: clients, %, days).
    """
    measures = [c for c in MONTHLY_COLUMNS if c not in MONTHLY_KEYS]
    rows = []
    for keys, frame in table.groupby(list(MONTHLY_KEYS), sort=False):
        for measure in measures:
            mean, _, low, high, n = t_interval(frame[measure])
            rows.append([*keys, measure, mean, low, high, n])
    return pd.DataFrame(rows, columns=[*MONTHLY_KEYS, "measure", "mean", "ci_low", "ci_high", "n"])


def _stack(frames: Sequence[pd.DataFrame], ids: Sequence[int]) -> pd.DataFrame:
    """Per-replication frames one under another, with a last ``replication`` column."""
    stacked = pd.concat(frames, ignore_index=True)
    stacked["replication"] = np.repeat(np.asarray(ids, dtype=np.int64), [len(f) for f in frames])
    return stacked


def assemble(
    scenario: AnyScenario,
    seed: int,
    ids: Sequence[int],
    results: Sequence[Replicate],
    partial: bool = False,
) -> Experiment:
    """Build an ``Experiment`` from per-replication results in replication order."""
    kpis = pd.DataFrame([r[0] for r in results])
    kpis.insert(0, "replication", list(ids))
    clients = timeseries = bands = monthly = None
    if results and results[0][1] is not None:
        clients = _stack([r[1] for r in results], ids)
        timeseries = _stack([r[2] for r in results], ids)
        bands = timeseries_bands(timeseries)
        monthly = waitlist_monthly_table(scenario, clients)
    return Experiment(
        scenario, seed, len(ids), kpis, summarise(kpis), clients, timeseries, bands, partial,
        monthly,
    )


def _log_done(ids: Sequence[int], total: int, on_result: OnResult | None):
    def hook(index: int, _result: object) -> None:
        logger.info("replication %d done (%d requested)", ids[index], total)
        if on_result is not None:
            on_result(ids[index])

    return hook


def run_replications(
    scenario: AnyScenario,
    replication_ids: Iterable[int],
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    keep_records: bool = True,
    on_result: OnResult | None = None,
) -> list[Replicate]:
    """Run the given replications (serially when ``executor`` is None), results in that order.

    Raises
    ------
    ExperimentInterrupted
        on Ctrl-C, holding the replications that completed.
    """
    ids = list(replication_ids)
    items = [(scenario, seed, r, keep_records) for r in ids]
    try:
        return run_tasks(
            replicate, items, executor, progress, on_done=_log_done(ids, len(ids), on_result)
        )
    except Interrupted as stop:
        completed = {ids[i]: stop.done[i] for i in sorted(stop.done)}
        raise interrupted(scenario, seed, completed) from None


def interrupted(
    scenario: AnyScenario, seed: int, completed: dict[int, Replicate]
) -> ExperimentInterrupted:
    """``ExperimentInterrupted`` holding ``completed`` (replication id -> result) as partial."""
    ids = sorted(completed)
    partial = None
    if ids:
        partial = assemble(scenario, seed, ids, [completed[r] for r in ids], partial=True)
    return ExperimentInterrupted(partial, completed)


@contextmanager
def local_executor(workers: int | None, executor: Executor | None) -> Iterator[Executor | None]:
    """``executor`` if given, else a process pool of ``workers`` (> 1) closed on exit, else None."""
    if executor is not None or workers is None or workers <= 1:
        yield executor
        return
    with process_pool(workers) as pool:
        yield pool


def run_experiment(
    scenario: AnyScenario,
    replications: int = 30,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    keep_records: bool = True,
    on_result: OnResult | None = None,
) -> Experiment:
    """Run ``replications`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : validated scenario (one Hub or several)
    replications : number of replications (>= 1)
    seed : experiment seed
    workers : local worker processes (None or 1 = serial); ignored when ``executor`` is given
    executor : any ``concurrent.futures.Executor`` (e.g. Dask ``Client.get_executor(pure=False)``)
    progress : show a progress bar (only on a terminal)
    keep_records : keep per-client and per-day frames (turn off for very large experiments)
    on_result : hook called with each replication id as it completes (in the calling process)

    Raises
    ------
    ExperimentInterrupted
        on Ctrl-C; its ``experiment`` holds the completed replications, marked partial.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    ids = list(range(replications))
    with local_executor(workers, executor) as ex:
        results = run_replications(scenario, ids, seed, ex, progress, keep_records, on_result)
    logger.info("ran %d replications of %s", replications, scenario.name)
    return assemble(scenario, seed, ids, results)


def run_experiments(
    scenarios: Sequence[AnyScenario],
    replications: int,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    desc: str = "replications",
) -> list[Experiment]:
    """Several scenarios with the same seed and replication ids (common random numbers).

    Every (scenario, replication) pair is one task, so all of them share the executor at once.
    Per-client and per-day records are not kept. Ctrl-C raises ``Interrupted`` (no partial
    experiments: a comparison or sweep with missing points is not written).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    ids = list(range(replications))
    items = [(s, seed, r, False) for s in scenarios for r in ids]
    results = run_tasks(replicate, items, executor, progress, desc=desc)
    return [
        assemble(s, seed, ids, results[k * replications:(k + 1) * replications])
        for k, s in enumerate(scenarios)
    ]
