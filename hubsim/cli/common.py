"""Shared plumbing of the ``hubsim`` commands: the Typer app, common options, errors and
executors."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from hubsim.experiments.stopping import EXIT_INTERRUPTED
from hubsim.scenario.loader import ScenarioError, load_scenario, parse_override
from hubsim.scenario.schema import AnyScenario

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    from hubsim.experiments.executors import ExecutorHandle

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Simulate NHS staff mental-health Resilience Hubs: demand, triage, therapy waits, costs.",
)
logger = logging.getLogger(__name__)

BAD_INPUT = 2
INTERRUPTED = EXIT_INTERRUPTED  # 128 + SIGINT (2); 143 (128 + SIGTERM) after a SIGTERM
DEFAULT_REPLICATIONS = 30
MAX_REPLICATIONS = 100_000  # a sanity bound on --replications, far beyond any real analysis
MAX_REPLICATIONS_PER_POINT = 1000  # a sanity bound on replications averaged per point (a PSA
# draw, a warm-up curve), far beyond any real analysis
MIN_PAIRED_REPLICATIONS = 2  # a paired t-interval needs at least two differences
DASK_LOCAL_MIN_REPLICATIONS = 100
"""Below this many replications a local Dask cluster costs more than it saves: on 2 vCPUs the
README's Performance benchmark (``benchmarks/dask_breakeven.py``) measured a break-even at about 66
baseline replications on a quiet machine (start-up and shut-down 1 s; Dask first faster at 100) and
none up to 200 on a busy one (start-up and shut-down 6-18 s)."""

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
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each replication.")]


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print one line to stderr and exit."""
    typer.echo(f"hubsim: error: {message}", err=True)
    raise typer.Exit(code)


def overrides_from(pairs: list[str] | None) -> dict[str, object]:
    return dict(parse_override(p) for p in pairs or [])


def load_or_fail(path: Path, pairs: list[str] | None):
    try:
        return load_scenario(path, overrides_from(pairs))
    except ScenarioError as exc:
        fail(str(exc))


def check_kpi_names(scenario: AnyScenario, names: Sequence[str]) -> list[str]:
    """``names`` if each is a KPI of ``scenario`` (or ``HUB:KPI`` for several Hubs); else exit 2."""
    from hubsim.results.kpis import KPI_UNITS
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
            "--dask-local: a local Dask cluster costs more to start and stop than it saves for "
            "%d replications (on 2 cores it first paid off at %d baseline replications, and on "
            "a busy machine not up to 200); --workers %d is likely faster", replications,
            DASK_LOCAL_MIN_REPLICATIONS, dask_local)


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
    from hubsim.experiments.executors import ExecutorError, open_executor
    verbose = logging.getLogger("hubsim").getEffectiveLevel() <= logging.INFO
    dask_level = logging.INFO if verbose else logging.WARNING  # Dask logs much at INFO
    try:
        with open_executor(workers, scheduler, dask_local, dask_level) as handle:
            yield handle
    except ExecutorError as exc:  # raised only while opening: bad options, Dask missing
        fail(str(exc))


def check_out_dir(out_dir: Path, force: bool) -> None:
    from hubsim.results.write import OutputExistsError, check_destination
    try:
        check_destination(out_dir, force)
    except OutputExistsError as exc:
        fail(str(exc))


@contextmanager
def claimed(out_dir: Path, force: bool) -> Iterator[None]:
    """Hold ``out_dir`` for this run (``hubsim.results.write.claim_folder``).

    Exits 2 if another run holds it."""
    from hubsim.results.write import OutputExistsError, claim_folder
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
