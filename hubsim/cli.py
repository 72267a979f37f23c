"""The ``hubsim`` command line.

Exit codes: 0 success; 1 a check failed; 2 bad input (file, scenario field or option), reported in
one line naming the file and the field, without a traceback.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hubsim.auto_replications import (
    AUTO_KPIS,
    DEFAULT_MAX_REPLICATIONS,
    FIRST_BATCH,
    auto_metadata,
    auto_report,
    run_to_precision,
)
from hubsim.executors import ExecutorError, ExecutorHandle, open_executor
from hubsim.experiment import Experiment, ExperimentInterrupted, run_experiment
from hubsim.kpis import CORE_KPIS, KPI_UNITS
from hubsim.loader import ScenarioError, load_scenario, parse_override
from hubsim.output import (
    OutputExistsError,
    build_metadata,
    check_destination,
    claim_folder,
    free_sibling,
    staging_folder,
    write_results,
)
from hubsim.scenario import AnyScenario
from hubsim.stats import DEFAULT_PRECISION
from hubsim.stopping import EXIT_INTERRUPTED, exit_code, sigterm_as_interrupt
from hubsim.tables import kpi_table
from hubsim.workload import CONFIRM_EVENTS_PER_REPLICATION, Workload, estimate

try:  # typer vendors its own click from 0.2x on
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer, on the click package
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Simulate NHS staff mental-health Resilience Hubs: demand, triage, therapy waits, costs.",
)
logger = logging.getLogger(__name__)

BAD_INPUT = 2
INTERRUPTED = EXIT_INTERRUPTED  # 128 + SIGINT (2); 143 (128 + SIGTERM) after a SIGTERM
DEFAULT_REPLICATIONS = 30
MAX_REPLICATIONS = 100_000  # a sanity bound on --replications, far beyond any real analysis
PROGRESS_MIN_REPLICATIONS = 4  # a progress bar is worth showing from a few replications up
DASK_LOCAL_MIN_REPLICATIONS = 100
"""Below this many replications a local Dask cluster costs more than it saves: the README's
Performance benchmark measured cluster start-up and shut-down at about 12-18 s against about 0.4 s
per baseline replication, with no break-even below about 100 replications on 2 vCPUs."""

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario TOML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: KEY=VALUE (TOML literal), repeatable."),
]
SeedOpt = Annotated[int, typer.Option(min=0, help="Experiment seed (same seed, same results).")]
WorkersOpt = Annotated[int | None, typer.Option(min=1, help="Local worker processes.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    help="Run on an existing Dask scheduler: tcp://HOST:PORT (needs hubsim\\[dask]).")]
DaskLocalOpt = Annotated[int | None, typer.Option(
    "--dask-local", min=1,
    help="Start a Dask cluster of N worker processes on this machine (needs hubsim\\[dask]).")]
PrecisionOpt = Annotated[float, typer.Option(
    min=0.001, max=1.0, help="With --replications auto: target 95% half-width / mean.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each replication.")]
YesOpt = Annotated[bool, typer.Option(
    "--yes", "-y", help="Run without asking even if the work estimate is very large.")]


class Records(StrEnum):
    """``--records``: keep per-client and per-day records, or KPIs only."""

    ALL = "all"
    NONE = "none"


def fail(message: str, code: int = BAD_INPUT) -> None:
    """Print one line to stderr and exit."""
    typer.echo(f"hubsim: error: {message}", err=True)
    raise typer.Exit(code)


def _overrides(pairs: list[str] | None) -> dict[str, object]:
    return dict(parse_override(p) for p in pairs or [])


def _load(path: Path, pairs: list[str] | None):
    try:
        return load_scenario(path, _overrides(pairs))
    except ScenarioError as exc:
        fail(str(exc))


@app.command()
def validate(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Check a scenario file and its overrides; run nothing."""
    loaded = _load(scenario, set_)
    typer.echo(f"ok: {scenario}: {loaded.name}")
    for hub in getattr(loaded, "hubs", (loaded,)):
        typer.echo(
            f"  {hub.hub}: {hub.horizon_days:g} days from {hub.start_date}, "
            f"{hub.staff.triage.wte:g} triage WTE, {hub.staff.therapists.wte:g} therapist WTE "
            f"({hub.staff.therapists.slots} therapy slots), {hub.staff.brief.wte:g} brief WTE"
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
        min=FIRST_BATCH, max=MAX_REPLICATIONS, help="Cap for --replications auto.")]
    = DEFAULT_MAX_REPLICATIONS,
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
    loaded = _load(scenario, set_)
    controlled = check_kpi_names(loaded, kpi or AUTO_KPIS)
    out_dir = out or Path("results") / f"{loaded.hub}-{datetime.now():%Y%m%d-%H%M%S}"
    _check_out(out_dir, force)
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
    ``out_dir`` as they arrive (``hubsim.experiment.RecordStream``), so this process's memory
    does not grow with the replications; ``auto`` keeps them in memory, since it may drop the
    last batch's extra replications.
    """
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
        _write(experiment, out_dir, force, build_metadata(experiment, wall, **meta))
    except ExperimentInterrupted as stop:
        _write_partial(stop, out_dir, force, meta, time.perf_counter() - started, replications)
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())


def _read_partial(folder: Path):
    """The partial run in ``folder`` (``hubsim.resume.read_partial``), or exit 2 naming why."""
    from hubsim.results_folder import ResultsFolderError
    from hubsim.resume import read_partial

    try:
        return read_partial(folder)
    except ResultsFolderError as exc:
        fail(str(exc))


def _resume(folder: Path, workers: int | None, scheduler: str | None,
            dask_local: int | None, report: bool) -> None:
    """``run --resume``: the missing replications of a partial folder, merged into it."""
    from hubsim.experiment import run_replications
    from hubsim.resume import merge_results

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


def check_kpi_names(scenario: AnyScenario, names: Sequence[str]) -> list[str]:
    """``names`` if each is a KPI of ``scenario`` (or ``HUB:KPI`` for several Hubs); else exit 2."""
    known = set(KPI_UNITS)
    for hub in getattr(scenario, "hubs", ()):
        known |= {f"{hub.hub}:{k}" for k in KPI_UNITS}
    unknown = [n for n in names if n not in known]
    if unknown:
        fail(f"--kpi: unknown KPI {unknown[0]!r}; KPIs are: {', '.join(KPI_UNITS)}")
    return list(names)


def warn_dask_local(dask_local: int | None, replications: int | None) -> None:
    """Log a warning when ``--dask-local`` starts a cluster for fewer replications than
    ``DASK_LOCAL_MIN_REPLICATIONS`` (``replications`` None, as for ``auto``, is not judged)."""
    if dask_local is not None and replications is not None \
            and replications < DASK_LOCAL_MIN_REPLICATIONS:
        logger.warning(
            "--dask-local: a local Dask cluster takes about 12-18 s to start and stop, more than "
            "it saves for %d replications (break-even is about %d on 2 cores); "
            "--workers %d is likely faster", replications, DASK_LOCAL_MIN_REPLICATIONS,
            dask_local)


def set_verbosity(verbose: bool) -> None:
    """With ``--verbose``, log hubsim's progress messages (one line per replication)."""
    if verbose:
        logging.getLogger("hubsim").setLevel(logging.INFO)


@contextmanager
def executor_for(
    workers: int | None, scheduler: str | None, dask_local: int | None
) -> Iterator[ExecutorHandle]:
    """The executor chosen by ``--workers``, ``--scheduler`` or ``--dask-local`` (exit 2 if bad).

    Dask's own log messages show only with ``--verbose`` (see ``set_verbosity``).
    """
    verbose = logging.getLogger("hubsim").getEffectiveLevel() <= logging.INFO
    dask_level = logging.INFO if verbose else logging.WARNING  # Dask logs much at INFO
    try:
        with open_executor(workers, scheduler, dask_local, dask_level) as handle:
            yield handle
    except ExecutorError as exc:  # raised only while opening: bad options, Dask missing
        fail(str(exc))


def _check_out(out_dir: Path, force: bool) -> None:
    try:
        check_destination(out_dir, force)
    except OutputExistsError as exc:
        fail(str(exc))


@contextmanager
def claimed(out_dir: Path, force: bool) -> Iterator[None]:
    """Hold ``out_dir`` for this run (``hubsim.output.claim_folder``); exit 2 if it is taken."""
    entered = False
    try:
        with claim_folder(out_dir, force):
            entered = True
            yield
    except OSError as exc:  # OutputExistsError (and OutputBusyError) among them
        if entered:
            raise
        if isinstance(exc, OutputExistsError):
            fail(str(exc))
        fail(f"{out_dir}: cannot create the results folder ({exc.strerror or exc})")


def _write(experiment: Experiment, out_dir: Path, force: bool, meta: dict) -> None:
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


def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = app(standalone_mode=False)
    except ScenarioError as exc:  # e.g. a bad --set caught outside a command's own handling
        typer.echo(f"hubsim: error: {exc}", err=True)
        sys.exit(BAD_INPUT)
    except NoArgsIsHelpError as exc:  # bare ``hubsim``: the help, as before
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:  # a bad option or argument: one line, not a box
        typer.echo(f"hubsim: error: {one_line(exc.format_message())}", err=True)
        sys.exit(BAD_INPUT)
    except ClickException as exc:
        typer.echo(f"hubsim: error: {one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("hubsim: interrupted", err=True)
        sys.exit(INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def one_line(text: str) -> str:
    """``text`` with its lines joined, for a one-line error message."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


# Commands grouped by topic register themselves on ``app`` when imported.
from hubsim.commands import (  # noqa: E402, F401
    economics,
    evidence,
    experiments,
    projection,
    reporting,
    staffing,
    webapp,
)
