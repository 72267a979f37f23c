"""The ``hubsim`` command line.

Exit codes: 0 success; 1 a check failed; 2 bad input (file, scenario field or option), reported in
one line naming the file and the field, without a traceback.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from hubsim.experiment import run_experiment
from hubsim.kpis import CORE_KPIS
from hubsim.loader import ScenarioError, load_scenario, parse_override
from hubsim.output import OutputExistsError, build_metadata, check_destination, write_results
from hubsim.tables import kpi_table

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Simulate NHS staff mental-health Resilience Hubs: demand, triage, therapy waits, costs.",
)
BAD_INPUT = 2
DEFAULT_REPLICATIONS = 30
PROGRESS_MIN_REPLICATIONS = 4  # a progress bar is worth showing from a few replications up

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario TOML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: KEY=VALUE (TOML literal), repeatable."),
]


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
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option(min=1, max=100_000)] = DEFAULT_REPLICATIONS,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    workers: Annotated[int | None, typer.Option(min=1, help="Local worker processes.")] = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Results folder [default: results/HUB-TIME].")]
    = None,
    force: Annotated[bool, typer.Option(help="Replace an existing results folder.")] = False,
) -> None:
    """Run replications, print the KPI table and write a results folder."""
    loaded = _load(scenario, set_)
    out_dir = out or Path("results") / f"{loaded.hub}-{datetime.now():%Y%m%d-%H%M%S}"
    try:
        check_destination(out_dir, force)
    except OutputExistsError as exc:
        fail(str(exc))
    started = time.perf_counter()
    progress = replications >= PROGRESS_MIN_REPLICATIONS
    experiment = run_experiment(loaded, replications, seed, workers, progress=progress)
    wall = time.perf_counter() - started
    typer.echo(f"{loaded.name}: {replications} replications, seed {seed}, {wall:.1f} s\n")
    typer.echo(kpi_table(experiment.summary, CORE_KPIS))
    meta = build_metadata(
        experiment, wall, scenario_file=str(scenario), overrides=set_ or [], workers=workers,
    )
    try:
        write_results(experiment, out_dir, meta, force)
    except OSError as exc:
        fail(f"{out_dir}: cannot write results ({exc.strerror or exc})")
    typer.echo(f"\nresults: {out_dir}")


def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except ScenarioError as exc:  # e.g. a bad --set caught outside a command's own handling
        typer.echo(f"hubsim: error: {exc}", err=True)
        sys.exit(BAD_INPUT)


# Commands grouped by topic register themselves on ``app`` when imported.
from hubsim.commands import evidence, experiments, reporting  # noqa: E402, F401
