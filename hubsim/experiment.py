"""Replications of one scenario through any ``concurrent.futures`` executor.

Replication ``r`` always uses streams seeded by ``(seed, r)``, so results are identical in
replication order whatever the executor (serial, a process pool, Dask) or worker count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from hubsim.scenario import Scenario
from hubsim.simulation import simulate
from hubsim.stats import summarise

logger = logging.getLogger(__name__)

Replicate = tuple[dict[str, float], pd.DataFrame | None, pd.DataFrame | None]


@dataclass(frozen=True)
class Experiment:
    """Replications of one scenario.

    Attributes
    ----------
    kpis : one row per replication (``replication`` then the KPI columns)
    summary : one row per KPI: ``kpi, mean, sd, ci_low, ci_high, half_width, n`` (95% t-interval)
    clients, timeseries : per-client and per-day frames of every replication (with a
        ``replication`` column), or None when records were not kept
    """

    scenario: Scenario
    seed: int
    replications: int
    kpis: pd.DataFrame
    summary: pd.DataFrame
    clients: pd.DataFrame | None
    timeseries: pd.DataFrame | None


def replicate(scenario: Scenario, seed: int, replication: int, keep_records: bool) -> Replicate:
    """One replication as plain data (picklable, for any executor)."""
    run = simulate(scenario, seed=seed, replication=replication)
    if not keep_records:
        return dict(run.kpis), None, None
    return dict(run.kpis), run.clients, run.timeseries


def _gather(
    futures: list[Future], progress: bool, on_done: Callable[[int], None] | None
) -> list[Replicate]:
    index = {id(f): i for i, f in enumerate(futures)}
    results: list[Replicate | None] = [None] * len(futures)
    bar = tqdm(total=len(futures), desc="replications", unit="rep", disable=not progress or None)
    try:
        for future in as_completed(futures):
            i = index[id(future)]
            results[i] = future.result()
            bar.update(1)
            if on_done is not None:
                on_done(i)
    finally:
        bar.close()
    return results  # type: ignore[return-value]


def run_replications(
    scenario: Scenario,
    replication_ids: Iterable[int],
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    keep_records: bool = True,
) -> list[Replicate]:
    """Run the given replications (serially when ``executor`` is None), in the given order."""
    ids = list(replication_ids)
    if executor is None:
        out = []
        for r in tqdm(ids, desc="replications", unit="rep", disable=not progress or None):
            out.append(replicate(scenario, seed, r, keep_records))
        return out
    futures = [executor.submit(replicate, scenario, seed, r, keep_records) for r in ids]
    return _gather(futures, progress, None)


def assemble(
    scenario: Scenario, seed: int, ids: list[int], results: list[Replicate]
) -> Experiment:
    """Build an ``Experiment`` from per-replication results in replication order."""
    kpis = pd.DataFrame([r[0] for r in results])
    kpis.insert(0, "replication", ids)
    clients = timeseries = None
    if results and results[0][1] is not None:
        clients = pd.concat([r[1].assign(replication=i) for i, r in zip(ids, results, strict=True)],
                            ignore_index=True)
        timeseries = pd.concat(
            [r[2].assign(replication=i) for i, r in zip(ids, results, strict=True)],
            ignore_index=True,
        )
    return Experiment(scenario, seed, len(ids), kpis, summarise(kpis), clients, timeseries)


def run_experiment(
    scenario: Scenario,
    replications: int = 30,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    keep_records: bool = True,
) -> Experiment:
    """Run ``replications`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : validated scenario
    replications : number of replications (>= 1)
    seed : experiment seed
    workers : local worker processes (None or 1 = serial); ignored when ``executor`` is given
    executor : any ``concurrent.futures.Executor`` (e.g. Dask ``Client.get_executor(pure=False)``)
    progress : show a progress bar (only on a terminal)
    keep_records : keep per-client and per-day frames (turn off for very large experiments)
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    ids = list(range(replications))
    if executor is None and workers is not None and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = run_replications(scenario, ids, seed, pool, progress, keep_records)
    else:
        results = run_replications(scenario, ids, seed, executor, progress, keep_records)
    logger.info("ran %d replications of %s", replications, scenario.name)
    return assemble(scenario, seed, ids, results)
