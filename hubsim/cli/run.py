"""``hubsim validate`` and ``hubsim run``: check a scenario, run its replications and write the
results folder."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hubsim.cli.common import (
    DEFAULT_REPLICATIONS,
    MAX_REPLICATIONS,
    DaskLocalOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    check_kpi_names,
    check_out_dir,
    claimed,
    executor_for,
    fail,
    load_or_fail,
    set_verbosity,
    warn_dask_local,
)
from hubsim.experiments.defaults import AUTO_FIRST_BATCH, AUTO_MAX_REPLICATIONS
from hubsim.experiments.stopping import exit_code, sigterm_as_interrupt
from hubsim.results.analysis_defaults import DEFAULT_PRECISION
from hubsim.scenario.schema import AnyScenario

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    from hubsim.experiments.executors import ExecutorHandle
    from hubsim.experiments.replications import Experiment, ExperimentInterrupted
    from hubsim.experiments.workload import Workload

PROGRESS_MIN_REPLICATIONS = 4  # a progress bar is worth showing from a few replications up
PrecisionOpt = Annotated[float, typer.Option(
    min=0.001, max=1.0, help="With --replications auto: target 95% half-width / mean.")]
YesOpt = Annotated[bool, typer.Option(
    "--yes", "-y", help="Run without asking even if the work estimate is very large.")]


class Records(StrEnum):
    """``--records``: keep per-client and per-day records, or KPIs only."""

    ALL = "all"
    NONE = "none"


@app.command()
def validate(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Check a scenario file and its overrides; run nothing."""
    loaded = load_or_fail(scenario, set_)
    typer.echo(f"ok: {scenario}: {loaded.name}")
    for hub in getattr(loaded, "hubs", (loaded,)):
        typer.echo(
            f"  {hub.hub}: {hub.horizon_days:g} days from {hub.start_date}, "
            f"{hub.staff.triage.wte:g} triage WTE, {hub.staff.therapists.wte:g} therapist WTE "
            f"({hub.staff.pool_slots('therapy')} therapy slots), {hub.staff.brief.wte:g} brief WTE"
        )


@app.command()
def run(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario TOML file (not with --resume).", show_default=False)] = None,
    replications: Annotated[str, typer.Option(
        help="Number of replications, or 'auto' to run until --precision is reached.")]
    = str(DEFAULT_REPLICATIONS),
    precision: PrecisionOpt = DEFAULT_PRECISION,
    max_replications: Annotated[int, typer.Option(
        min=AUTO_FIRST_BATCH, max=MAX_REPLICATIONS, help="Cap for --replications auto.")]
    = AUTO_MAX_REPLICATIONS,
    kpi: Annotated[list[str] | None, typer.Option(
        help="KPI to control with --replications auto, repeatable \\[default: mean waits, "
             "largest therapy waiting list, utilisation].")] = None,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Results folder \\[default: results/HUB-TIME].")]
    = None,
    force: Annotated[bool, typer.Option(help="Replace an existing results folder.")] = False,
    report: Annotated[bool, typer.Option(
        help="Write report.html and figures into the results folder.")] = True,
    yes: YesOpt = False,
    records: Annotated[Records, typer.Option(
        help="all: write per-client and per-day records (clients.csv, timeseries.csv); none: "
             "KPIs only, for large runs (the parent then holds no records).")] = Records.ALL,
    resume: Annotated[Path | None, typer.Option(
        help="Continue the interrupted run in this partial results folder: run only the "
             "replications it lacks, with its scenario and seed.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run replications, print the KPI table and write a results folder.

    Ctrl-C or SIGTERM stops cleanly: the replications completed so far are written (marked partial
    in run_metadata.json) and the exit code is 130 (143 after SIGTERM). With --force an existing
    folder is replaced only by a complete run; an interrupted one writes beside it (DIR.partial).
    Only one run at a time may write a results folder: a second is refused.
    """
    from hubsim.experiments.auto_replications import AUTO_KPIS
    if resume is not None:
        if scenario is not None or set_:
            fail("--resume: give the partial results folder only (its scenario is inside it)")
        set_verbosity(verbose)
        _read_partial(resume)  # before claiming the folder: a bad one changes nothing
        with sigterm_as_interrupt(), claimed(resume, True):
            _resume(resume, workers, scheduler, dask_local, report)
        return
    if scenario is None:
        fail("run: give a SCENARIO file, or --resume DIR")
    count = replication_count(replications)
    loaded = load_or_fail(scenario, set_)
    controlled = check_kpi_names(loaded, kpi or AUTO_KPIS)
    out_dir = out or Path("results") / f"{loaded.hub}-{datetime.now():%Y%m%d-%H%M%S}"
    check_out_dir(out_dir, force)
    work = confirm_workload(scenario, loaded, count or max_replications, yes)
    set_verbosity(verbose)
    warn_dask_local(dask_local, count)
    meta: dict[str, object] = {"scenario_file": str(scenario), "overrides": set_ or [],
                               "workload_estimate": work.as_dict(), "records": records.value}
    with sigterm_as_interrupt(), claimed(out_dir, force):
        _run_and_write(loaded, count, seed, workers, scheduler, dask_local, precision,
                       max_replications, controlled, meta, out_dir, force, report, replications,
                       records is Records.ALL)


def _run_and_write(
    loaded: AnyScenario, count: int | None, seed: int, workers: int | None,
    scheduler: str | None, dask_local: int | None, precision: float, max_replications: int,
    controlled: list[str], meta: dict[str, object], out_dir: Path, force: bool, report: bool,
    replications: str, keep_records: bool,
) -> None:
    """The body of ``run``, with the results folder claimed.

    A fixed number of replications with records streams them to a staging folder beside
    ``out_dir`` as they arrive (``hubsim.experiments.replications.RecordStream``), so this
    process's memory does not grow with the replications; ``auto`` keeps them in memory, since
    it may drop the last batch's extra replications.
    """
    from hubsim.results.write import staging_folder
    started = time.perf_counter()
    with ExitStack() as stack:
        staging = None
        if keep_records and count is not None:
            staging = stack.enter_context(staging_folder(out_dir))
        _run_in(loaded, count, seed, workers, scheduler, dask_local, precision,
                max_replications, controlled, meta, out_dir, force, replications, keep_records,
                staging, started)
    if report:
        from hubsim.report import write_report

        try:
            typer.echo(f"report: {write_report(out_dir)}")
        except KeyboardInterrupt:
            fail(f"interrupted while writing the report: the results in {out_dir} are complete; "
                 f"make the report with: hubsim report {out_dir}", exit_code())


def _run_in(
    loaded: AnyScenario, count: int | None, seed: int, workers: int | None,
    scheduler: str | None, dask_local: int | None, precision: float, max_replications: int,
    controlled: list[str], meta: dict[str, object], out_dir: Path, force: bool,
    replications: str, keep_records: bool, staging: Path | None, started: float,
) -> None:
    """Run and write the results folder (records streamed to ``staging`` when given)."""
    from hubsim.cli.tables import kpi_table
    from hubsim.experiments.replications import ExperimentInterrupted
    from hubsim.results.kpis import CORE_KPIS
    from hubsim.results.write import build_metadata
    try:
        with executor_for(workers, scheduler, dask_local) as handle:
            meta.update(workers=handle.workers, executor=handle.description)
            experiment, note = _replicate(loaded, count, seed, handle, precision,
                                          max_replications, controlled, meta, keep_records,
                                          staging)
        wall = time.perf_counter() - started
        typer.echo(f"{loaded.name}: {experiment.replications} replications, seed {seed}, "
                   f"{wall:.1f} s ({meta['executor']})\n")
        typer.echo(kpi_table(experiment.summary, CORE_KPIS) + note)
        typer.echo("\n" + _run_summary(experiment, meta.get("scenario_file")))
        _write(experiment, out_dir, force, build_metadata(experiment, wall, **meta))
    except ExperimentInterrupted as stop:
        _write_partial(stop, out_dir, force, meta, time.perf_counter() - started, replications)
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())


def _run_summary(experiment: Experiment, scenario_file: object = None) -> str:
    """The tables and sentences under the KPI table (``hubsim.run_summary``)."""
    from hubsim.cli.run_summary import run_summary
    from hubsim.results.groups import summarise_groups

    groups = (None if experiment.kpis_by_group is None
              else summarise_groups(experiment.kpis_by_group))
    return run_summary(experiment.summary, experiment.scenario, groups,
                       compare_command(scenario_file))


def compare_command(scenario_file: object) -> str:
    """``hubsim compare BASE THIS`` for a scenario file that ``extends`` another ('' if it does
    not, or cannot be read)."""
    import tomllib

    if scenario_file is None:
        return ""
    path = Path(str(scenario_file))
    try:
        base = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    if not isinstance(base, str):
        return ""
    return f"hubsim compare {path.parent / base} {path}"


def _read_partial(folder: Path):
    """The partial run in ``folder`` (``hubsim.experiments.resume.read_partial``).

    Exits 2 naming why it cannot be resumed."""
    from hubsim.experiments.resume import read_partial
    from hubsim.results.read import ResultsFolderError

    try:
        return read_partial(folder)
    except ResultsFolderError as exc:
        fail(str(exc))


def _resume(folder: Path, workers: int | None, scheduler: str | None,
            dask_local: int | None, report: bool) -> None:
    """``run --resume``: the missing replications of a partial folder, merged into it."""
    from hubsim.cli.tables import kpi_table
    from hubsim.experiments.replications import ExperimentInterrupted, run_replications
    from hubsim.experiments.resume import merge_results
    from hubsim.results.kpis import CORE_KPIS
    from hubsim.results.write import build_metadata

    partial = _read_partial(folder)  # again, now that no other run can change it
    missing = partial.missing
    keep = ("scenario_file", "overrides", "workload_estimate")
    meta: dict[str, object] = {k: partial.metadata[k] for k in keep if k in partial.metadata}
    meta["resumed_from"] = list(partial.done)
    typer.echo(f"{partial.scenario.name}: resuming {folder}: {len(partial.done)} of "
               f"{partial.requested} replications done, {len(missing)} to run")
    started = time.perf_counter()
    try:
        with executor_for(workers, scheduler, dask_local) as handle:
            meta.update(workers=handle.workers, executor=handle.description)
            results = run_replications(partial.scenario, missing, partial.seed, handle.executor,
                                       progress=len(missing) >= PROGRESS_MIN_REPLICATIONS,
                                       keep_records=partial.records)
    except ExperimentInterrupted as stop:
        ids = sorted(stop.completed)
        experiment = merge_results(partial, ids, [stop.completed[r] for r in ids], False)
        done = [int(r) for r in experiment.kpis["replication"]]
        meta.update(partial=True, replications_requested=str(partial.requested),
                    completed_replications=done)
        typer.echo(f"interrupted: writing the {len(done)} completed replications", err=True)
        _write(experiment, folder, True,
               build_metadata(experiment, time.perf_counter() - started, **meta))
        raise typer.Exit(exit_code()) from None
    experiment = merge_results(partial, missing, results, True)
    wall = time.perf_counter() - started
    typer.echo(kpi_table(experiment.summary, CORE_KPIS))
    _write(experiment, folder, True, build_metadata(experiment, wall, **meta))
    if report and partial.records:
        from hubsim.report import write_report

        typer.echo(f"report: {write_report(folder)}")


def _replicate(
    scenario: AnyScenario, count: int | None, seed: int, handle: ExecutorHandle,
    precision: float, max_replications: int, controlled: list[str], meta: dict[str, object],
    keep_records: bool = True, records_dir: Path | None = None,
) -> tuple[Experiment, str]:
    """A fixed ``count`` of replications, or (None) as many as ``precision`` needs.

    ``records_dir``: stream a fixed count's records there (``run_experiment``).

    Returns the experiment and a note for the terminal; adds the auto mode's facts to ``meta``.
    """
    from hubsim.experiments.auto_replications import auto_metadata, auto_report, run_to_precision
    from hubsim.experiments.replications import run_experiment
    if count is not None:
        progress = count >= PROGRESS_MIN_REPLICATIONS
        return run_experiment(scenario, count, seed, executor=handle.executor,
                              progress=progress, keep_records=keep_records,
                              records_dir=records_dir), ""
    auto = run_to_precision(scenario, precision, controlled, max_replications, seed,
                            handle.executor, handle.workers, progress=True,
                            keep_records=keep_records)
    meta.update(auto_metadata(auto, max_replications))
    return auto.experiment, "\n\n" + auto_report(auto)


def confirm_workload(path: Path, scenario: AnyScenario, replications: int, yes: bool) -> Workload:
    """The run's work estimate; above the confirmation threshold, ask (or, without a terminal to
    ask on, exit 2 naming the field behind the work) unless ``yes``."""
    from hubsim.experiments.workload import CONFIRM_EVENTS_PER_REPLICATION, estimate
    work = estimate(scenario, replications)
    if yes or not work.needs_confirmation():
        return work
    field = work.driver if work.events > CONFIRM_EVENTS_PER_REPLICATION else "--replications"
    what = f"{path}: {field}: {work.describe()}"
    if not sys.stdin.isatty():
        fail(f"{what}; this is beyond the threshold for running without asking: "
             "check the scenario, or add --yes to run it anyway")
    if not typer.confirm(f"{what}. Run it?", default=False, err=True):
        fail("not confirmed: nothing run")
    return work


def replication_count(text: str) -> int | None:
    """``--replications``: a whole number in range, or None for ``auto``."""
    if text.strip().lower() == "auto":
        return None
    try:
        count = int(text)
    except ValueError:
        fail(f"--replications: expected a whole number or 'auto', got {text!r}")
    if not 1 <= count <= MAX_REPLICATIONS:
        fail(f"--replications: must be between 1 and {MAX_REPLICATIONS}")
    return count


def _write(experiment: Experiment, out_dir: Path, force: bool, meta: dict) -> None:
    from hubsim.results.write import write_results
    frames = {} if experiment.bands is None else {"timeseries_bands.csv": experiment.bands}
    try:
        write_results(experiment, out_dir, meta, force, frames)
    except OSError as exc:
        fail(f"{out_dir}: cannot write results ({exc.strerror or exc})")
    typer.echo(f"\nresults: {out_dir}")


def _write_partial(
    stop: ExperimentInterrupted, out_dir: Path, force: bool, meta: dict, wall: float,
    requested: str,
) -> None:
    """After Ctrl-C or SIGTERM: write the completed replications, marked partial; exit 130/143.

    An existing folder (``force``) is kept: the partial results go beside it, in ``DIR.partial``.
    """
    from hubsim.results.write import build_metadata, free_sibling
    experiment = stop.experiment
    code = exit_code()
    if experiment is None:
        fail("interrupted before any replication completed: nothing written", code)
    done = [int(r) for r in experiment.kpis["replication"]]
    meta = build_metadata(experiment, wall, **meta, partial=True, replications_requested=requested,
                          completed_replications=done)
    if out_dir.exists():
        kept, out_dir = out_dir, free_sibling(out_dir, ".partial")
        typer.echo(f"interrupted: {kept} is kept as it was; writing the {len(done)} completed "
                   f"replications to {out_dir}", err=True)
    else:
        typer.echo(f"interrupted: writing the {len(done)} completed replications", err=True)
    try:
        _write(experiment, out_dir, False, meta)
    except KeyboardInterrupt:
        fail("interrupted again while writing: nothing written", code)
    raise typer.Exit(code)
