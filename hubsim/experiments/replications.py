"""Replications of one scenario through any ``concurrent.futures`` executor.

Replication ``r`` always uses streams seeded by ``(seed, r)``, so results are identical in
replication order whatever the executor (serial, a process pool, Dask) or worker count. A pool
process that dies is replaced and its replications re-run; Ctrl-C raises
``ExperimentInterrupted`` holding the replications that completed (see
``hubsim.experiments.dispatch``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from hubsim.experiments.dispatch import Interrupted, run_tasks
from hubsim.experiments.executors import process_pool
from hubsim.experiments.simulate import simulate
from hubsim.results.experiment import (  # noqa: F401 (Experiment re-exported: public API)
    BAND_SERIES,
    CLIENTS_FILE,
    TIMESERIES_FILE,
    Experiment,
    summarise_waitlist_monthly,
    timeseries_bands,
    waitlist_monthly_table,
)
from hubsim.results.groups import group_kpis_table
from hubsim.results.stats import summarise
from hubsim.scenario.schema import AnyScenario

logger = logging.getLogger(__name__)



class Replicate(NamedTuple):
    """One replication's results as plain data (picklable, for any executor).

    ``monthly`` and ``groups`` are this replication's rows of the experiment's month-end table
    (``waitlist_monthly_table``) and group KPI table (``group_kpis_table``), worked out where the
    replication ran, so that a pool's workers share that work and the parent only joins them.
    """

    kpis: dict[str, float]
    clients: pd.DataFrame | None  # None when its records are not kept
    timeseries: pd.DataFrame | None
    monthly: pd.DataFrame | None = None  # None when its records are not kept
    groups: pd.DataFrame | None = None

    def records(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(clients, timeseries); ValueError if the records were not kept."""
        if self.clients is None or self.timeseries is None:
            raise ValueError("this replication's records were not kept")
        return self.clients, self.timeseries


OnResult = Callable[[int], None]
"""Hook called in the calling process with each replication id as it completes."""
COMPACT_EVERY = 16
"""Small per-replication tables are joined into one every this many: a DataFrame of a few rows
costs kilobytes of bookkeeping, more than its data."""


class _Pile:
    """Frames with the same columns, appended one by one and joined every ``COMPACT_EVERY``."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def append(self, frame: pd.DataFrame) -> None:
        self.parts.append(frame)
        if len(self.parts) > COMPACT_EVERY:
            self.parts = [pd.concat(self.parts, ignore_index=True)]

    def frame(self) -> pd.DataFrame | None:
        """All the frames, one under another, or None if there are none."""
        return pd.concat(self.parts, ignore_index=True) if self.parts else None


class RecordStream:
    """Per-client and per-day records appended to CSV files as replications arrive.

    Rows are written in replication order even when replications complete out of order: only
    the replications that arrive ahead of a missing one are held in memory until it comes. What
    the results need from all records is kept small: the daily series of ``BAND_SERIES`` (for
    the percentile bands) and each replication's month-end waiting lists. The files are
    byte-identical to writing the stacked frames of ``assemble`` with ``to_csv(index=False)``.

    Parameters
    ----------
    scenario : the experiment's scenario
    folder : an existing folder for ``clients.csv`` and ``timeseries.csv``
    ids : the replication ids expected, in the order they are written
    """

    def __init__(self, scenario: AnyScenario, folder: Path, ids: Sequence[int]) -> None:
        self.scenario = scenario
        self.folder = folder
        self.order = list(ids)
        self.written: list[int] = []
        self._next = 0
        self._waiting: dict[int, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None,
                                       pd.DataFrame | None]] = {}
        self._bands = _Pile()
        self._monthly = _Pile()
        self._groups = _Pile()

    def add(self, replication: int, clients: pd.DataFrame, timeseries: pd.DataFrame,
            monthly: pd.DataFrame | None = None, groups: pd.DataFrame | None = None) -> None:
        """Take one replication's records (and its month-end and group KPI tables, if worked
        out already: see ``Replicate``); write it and any held ones that may now follow."""
        self._waiting[replication] = (clients, timeseries, monthly, groups)
        while self._next < len(self.order) and self.order[self._next] in self._waiting:
            self._write(self.order[self._next])
            self._next += 1

    def flush(self, completed: dict[int, Replicate] | None = None) -> None:
        """Write the held replications (in order, gaps left): for a run that stops early.

        ``completed`` (replication id -> result): results whose records never reached ``add``
        (a Ctrl-C landed between a result's arrival and ``add``) are taken from there.
        """
        for replication, result in (completed or {}).items():
            if result.clients is not None and replication not in self.written:
                self._waiting.setdefault(
                    replication, (*result.records(), result.monthly, result.groups))
        for replication in [r for r in self.order if r in self._waiting]:
            self._write(replication)

    def _write(self, replication: int) -> None:
        """Append one replication's rows; a write cut short (Ctrl-C in a serial run, a full disk)
        is undone, the replication kept for ``flush``, and the error raised again."""
        records, timeseries_rows, monthly, groups = self._waiting[replication]
        clients = _stack([records], [replication])
        timeseries = _stack([timeseries_rows], [replication])
        first = not self.written
        paths = [self.folder / CLIENTS_FILE, self.folder / TIMESERIES_FILE]
        sizes = [path.stat().st_size if not first else 0 for path in paths]
        try:
            for frame, path in zip((clients, timeseries), paths, strict=True):
                frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        except BaseException:
            for path, size in zip(paths, sizes, strict=True):
                if path.exists():
                    os.truncate(path, size)
            raise
        del self._waiting[replication]
        self._bands.append(timeseries[["hub", "day", *BAND_SERIES, "replication"]])
        self._monthly.append(waitlist_monthly_table(self.scenario, clients)
                             if monthly is None else monthly)
        self._groups.append(group_kpis_table(self.scenario, clients) if groups is None else groups)
        self.written.append(replication)

    def bands(self) -> pd.DataFrame | None:
        """``timeseries_bands`` of the replications written, or None if none was."""
        series = self._bands.frame()
        return None if series is None else timeseries_bands(series)

    def monthly(self) -> pd.DataFrame | None:
        """``waitlist_monthly_table`` of the replications written, or None if none was."""
        return self._monthly.frame()

    def groups(self) -> pd.DataFrame | None:
        """``group_kpis_table`` of the replications written, or None if none was."""
        return self._groups.frame()


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
        return Replicate(dict(run.kpis), None, None)
    stacked = _stack([run.clients], [replication])
    return Replicate(dict(run.kpis), run.clients, run.timeseries,
                     waitlist_monthly_table(scenario, stacked),
                     group_kpis_table(scenario, stacked))


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
    stream: RecordStream | None = None,
) -> Experiment:
    """Build an ``Experiment`` from per-replication results in replication order.

    With ``stream``, the records are in its files (``Experiment.records``) and the bands and
    month-end tables come from what it kept. Otherwise the month-end and group KPI tables worked
    out with each replication (``Replicate.monthly``, ``Replicate.groups``) are joined, or worked
    out here from all the records if a replication's are missing or empty.
    """
    kpis = pd.DataFrame([r.kpis for r in results])
    kpis.insert(0, "replication", list(ids))
    clients = timeseries = bands = monthly = groups = None
    if stream is not None:
        return Experiment(
            scenario, seed, len(ids), kpis, summarise(kpis), None, None, stream.bands(), partial,
            stream.monthly(), stream.folder if stream.written else None, stream.groups(),
        )
    if results and results[0].clients is not None:
        records = [r.records() for r in results]
        clients = _stack([c for c, _ in records], ids)
        timeseries = _stack([t for _, t in records], ids)
        bands = timeseries_bands(timeseries)
        monthly = _joined([r.monthly for r in results])
        if monthly is None:
            monthly = waitlist_monthly_table(scenario, clients)
        groups = _joined([r.groups for r in results])
        if groups is None:
            groups = group_kpis_table(scenario, clients)
    return Experiment(
        scenario, seed, len(ids), kpis, summarise(kpis), clients, timeseries, bands, partial,
        monthly, kpis_by_group=groups,
    )


def _joined(parts: Sequence[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Per-replication tables one under another, in the order given; None if one is missing or
    empty (the caller then works out the whole table from all the records, whose empty case
    has its own columns and types)."""
    if not parts or any(p is None or p.empty for p in parts):
        return None
    return pd.concat(parts, ignore_index=True)


def _log_done(ids: Sequence[int], total: int, on_result: OnResult | None,
              stream: RecordStream | None = None):
    def hook(index: int, result: Replicate) -> None:
        if stream is not None:
            stream.add(ids[index], *result.records(), result.monthly, result.groups)
        logger.info("replication %d done (%d requested)", ids[index], total)
        if on_result is not None:
            on_result(ids[index])

    return hook


def _kpis_only(_index: int, result: Replicate) -> Replicate:
    """A result without its records or tables (already streamed to disk)."""
    return Replicate(result.kpis, None, None)


def run_replications(
    scenario: AnyScenario,
    replication_ids: Iterable[int],
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    keep_records: bool = True,
    on_result: OnResult | None = None,
    stream: RecordStream | None = None,
) -> list[Replicate]:
    """Run the given replications (serially when ``executor`` is None), results in that order.

    With ``stream``, each replication's records are written to its files as it arrives and the
    results returned hold KPIs only (``keep_records`` is then implied). Each replication with
    its records kept also works out its own month-end and group KPI tables (``Replicate``).

    Raises
    ------
    ExperimentInterrupted
        on Ctrl-C, holding the replications that completed.
    """
    ids = list(replication_ids)
    items = [(scenario, seed, r, keep_records or stream is not None) for r in ids]
    try:
        return run_tasks(
            replicate, items, executor, progress,
            on_done=_log_done(ids, len(ids), on_result, stream),
            retain=None if stream is None else _kpis_only,
        )
    except Interrupted as stop:
        completed = {ids[i]: stop.done[i] for i in sorted(stop.done)}
        if stream is not None:
            stream.flush(completed)
            completed = {r: _kpis_only(r, result) for r, result in completed.items()}
        raise interrupted(scenario, seed, completed, stream) from None


def interrupted(
    scenario: AnyScenario, seed: int, completed: dict[int, Replicate],
    stream: RecordStream | None = None,
) -> ExperimentInterrupted:
    """``ExperimentInterrupted`` holding ``completed`` (replication id -> result) as partial."""
    ids = sorted(completed)
    partial = None
    if ids:
        partial = assemble(scenario, seed, ids, [completed[r] for r in ids], partial=True,
                           stream=stream)
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
    records_dir: Path | None = None,
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
    records_dir : an existing folder: with ``keep_records``, write the records there as each
        replication arrives (``clients.csv``, ``timeseries.csv``; see ``RecordStream``) instead
        of keeping them in memory; the experiment's ``records`` names the folder

    Raises
    ------
    ExperimentInterrupted
        on Ctrl-C; its ``experiment`` holds the completed replications, marked partial.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    ids = list(range(replications))
    stream = None
    if keep_records and records_dir is not None:
        stream = RecordStream(scenario, records_dir, ids)
    with local_executor(workers, executor) as ex:
        results = run_replications(scenario, ids, seed, ex, progress, keep_records, on_result,
                                   stream)
    logger.info("ran %d replications of %s", replications, scenario.name)
    return assemble(scenario, seed, ids, results, stream=stream)


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
