"""Choose the number of replications: run until the chosen KPIs are precise enough.

The replication algorithm of Hoad, Robinson and Davies (2010, JORS 61:1632-1644), via
``hubsim.results.stats.ReplicationController``: replications run in batches (one per worker) until
every controlled KPI's 95% half-width is within ``precision`` of its mean at ``n`` replications and
at each of the next five counts, or until the cap.

The replications kept are the smallest count at which that test first holds, so the experiment is
the same whatever the batch size, executor or worker count. A KPI that has no value yet (NaN in
every replication so far, e.g. therapy waits when nobody has started therapy) is not controlled;
a KPI that is always 0 is known exactly and counts as precise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from hubsim.experiments.defaults import AUTO_FIRST_BATCH, AUTO_MAX_REPLICATIONS
from hubsim.experiments.replications import (
    Experiment,
    ExperimentInterrupted,
    OnResult,
    Replicate,
    assemble,
    interrupted,
    run_replications,
)
from hubsim.results.stats import (
    DEFAULT_PRECISION,
    ReplicationController,
)
from hubsim.scenario.schema import AnyScenario

logger = logging.getLogger(__name__)


AUTO_KPIS: tuple[str, ...] = (
    "triage_wait_days_mean", "therapy_wait_days_mean", "therapy_waitlist_max",
    "triage_utilisation", "therapist_utilisation",
)
"""Default controlled KPIs: the mean waits (all who joined: restricted means, capped at 364 days),
the largest waiting list and staff utilisation.

Means rather than percentiles or medians, whose relative precision can stay poor when most
values are 0 (a short queue); counts of arrivals are precise from the first replications."""


Found = tuple[int, ReplicationController, list[str]] | None
"""(replications kept, their controller, the KPIs it controlled), or None if not converged."""


@dataclass(frozen=True)
class PrecisionRun:
    """An experiment whose replication count was chosen by the precision rule.

    Attributes
    ----------
    experiment : the replications kept (``n_solution + lookahead`` when converged, else the cap)
    converged : whether every controlled KPI reached the precision
    n_solution : the replication count HRD recommend (None when not converged)
    controlled : KPIs whose precision was controlled
    status : per controlled KPI: ``kpi, n, mean, half_width, relative_precision, met``
    precision : the target relative half-width (dimensionless)
    """

    experiment: Experiment
    converged: bool
    n_solution: int | None
    controlled: tuple[str, ...]
    status: pd.DataFrame
    precision: float


def _controller(
    frame: pd.DataFrame, kpis: Sequence[str], precision: float
) -> tuple[ReplicationController, list[str]]:
    measurable = [k for k in kpis if frame[k].notna().any()]
    return ReplicationController(precision=precision, kpis=measurable), measurable


def first_converged(
    frame: pd.DataFrame, kpis: Sequence[str], precision: float, start: int
) -> Found:
    """The smallest count ``k >= start`` at which the first ``k`` rows converge, or None.

    Returns (k, its controller, the KPIs it controlled).
    """
    for k in range(max(start, AUTO_FIRST_BATCH), len(frame) + 1):
        controller, measurable = _controller(frame.iloc[:k], kpis, precision)
        if controller.update(frame.iloc[:k]):
            return k, controller, measurable
    return None


def _check_kpis(scenario: AnyScenario, kpis: Sequence[str], frame: pd.DataFrame) -> None:
    unknown = [k for k in kpis if k not in frame.columns]
    if unknown:
        raise KeyError(f"{scenario.name}: no such KPI: {', '.join(unknown)}")


def run_to_precision(
    scenario: AnyScenario,
    precision: float = DEFAULT_PRECISION,
    kpis: Sequence[str] = AUTO_KPIS,
    max_replications: int = AUTO_MAX_REPLICATIONS,
    seed: int = 0,
    executor: Executor | None = None,
    batch_size: int = 1,
    progress: bool = False,
    keep_records: bool = True,
    on_result: OnResult | None = None,
) -> PrecisionRun:
    """Run replications of ``scenario`` until the KPIs ``kpis`` are precise (see module doc).

    Parameters
    ----------
    precision : target 95% CI half-width relative to the mean (0.05 = 5%)
    kpis : KPI names to control
    max_replications : cap on the replications run
    batch_size : replications submitted at once (the worker count; at least 1)
    Other parameters as for ``run_experiment``.

    Raises
    ------
    KeyError
        a name in ``kpis`` is not a KPI of this scenario.
    ExperimentInterrupted
        on Ctrl-C, holding every replication completed so far.
    """
    bar = tqdm(total=max_replications, desc="replications (auto)", unit="rep",
               disable=not progress or None)

    def hook(replication: int) -> None:
        bar.update(1)
        if on_result is not None:
            on_result(replication)

    try:
        results, found = _batches(scenario, precision, kpis, max_replications, seed, executor,
                                  batch_size, keep_records, hook)
    finally:
        bar.close()
    return _finish(scenario, seed, results, found, kpis, precision)


def _batches(
    scenario: AnyScenario, precision: float, kpis: Sequence[str], max_replications: int,
    seed: int, executor: Executor | None, batch_size: int, keep_records: bool, hook: OnResult,
) -> tuple[list[Replicate], Found]:
    """Run batches until converged or capped: (results in replication order, convergence)."""
    results: list[Replicate] = []
    found = None
    while found is None and len(results) < max_replications:
        size = max(batch_size, 1, AUTO_FIRST_BATCH if not results else 1)
        ids = range(len(results), min(len(results) + size, max_replications))
        try:
            results += run_replications(scenario, ids, seed, executor, False, keep_records, hook)
        except ExperimentInterrupted as stop:
            completed = {**dict(enumerate(results)), **stop.completed}
            raise interrupted(scenario, seed, completed) from None
        frame = pd.DataFrame([r.kpis for r in results])
        _check_kpis(scenario, kpis, frame)
        found = first_converged(frame, kpis, precision, ids.start + 1)
    return results, found


def _finish(
    scenario: AnyScenario, seed: int, results: list[Replicate], found: Found,
    kpis: Sequence[str], precision: float,
) -> PrecisionRun:
    if found is None:
        frame = pd.DataFrame([r.kpis for r in results])
        controller, measurable = _controller(frame, kpis, precision)
        controller.update(frame)
        logger.warning("precision %g not reached in %d replications", precision, len(results))
        n_kept, n_solution = len(results), None
    else:
        n_kept, controller, measurable = found
        n_solution = controller.n_solution
    experiment = assemble(scenario, seed, list(range(n_kept)), results[:n_kept])
    return PrecisionRun(
        experiment, found is not None, n_solution, tuple(measurable), controller.status(),
        precision,
    )


def auto_metadata(run: PrecisionRun, max_replications: int) -> dict[str, object]:
    """Fields for ``run_metadata.json`` describing how the replication count was chosen."""
    return {
        "replications_mode": "auto", "precision": run.precision,
        "max_replications": max_replications, "converged": run.converged,
        "n_solution": run.n_solution, "controlled_kpis": list(run.controlled),
    }


def auto_report(run: PrecisionRun) -> str:
    """A plain-words account of the replication count, for the terminal."""
    kept = run.experiment.replications
    target = f"95% half-width within {run.precision:.0%} of the mean"
    if run.converged and run.n_solution is not None:  # n_solution is set when converged
        return (
            f"replications: auto: {target} for {len(run.controlled)} KPIs from n = "
            f"{run.n_solution} (Hoad, Robinson & Davies 2010), confirmed over the next "
            f"{kept - run.n_solution}; {kept} replications kept"
        )
    message = f"replications: auto: {target} NOT reached in {kept} replications (the cap)"
    if run.status.empty:
        return message
    worst = run.status.sort_values("relative_precision", ascending=False).iloc[0]
    return f"{message}; least precise: {worst['kpi']} at {worst['relative_precision']:.1%}"
