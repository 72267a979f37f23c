"""``hubsim staff``: the smallest WTE of a role that meets a KPI target (issue 6).

The search runs through the executor chosen by ``--workers``, ``--scheduler`` or
``--dask-local``, prints each evaluated WTE as it completes, and exits 130 on Ctrl-C without
writing. Bad input exits 2 with one line naming the option.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hubsim import __version__
from hubsim.cli.common import (
    MAX_REPLICATIONS,
    DaskLocalOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    check_out_dir,
    executor_for,
    fail,
    load_or_fail,
    overrides_from,
    set_verbosity,
)
from hubsim.experiments.defaults import (
    DEFAULT_WTE_MAX,
    DEFAULT_WTE_MIN,
    DEFAULT_WTE_STEP,
    SEARCH_CONFIDENCE,
    SEARCH_REPLICATIONS,
)
from hubsim.experiments.stopping import exit_code
from hubsim.scenario.loader import ScenarioError

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    from hubsim.experiments.executors import ExecutorHandle
    from hubsim.experiments.wte_search import (
        SearchResult,
        Target,
    )
    from hubsim.results.role_cost import RoleCost

OPTION_OF: dict[str, str] = {
    "role": "--role", "target": "--target", "hub": "--hub", "wte_min": "--min",
    "wte_max": "--max", "step": "--step", "confidence": "--confidence",
    "replications": "--replications", "overrides": "--set",
}
"""Search parameter -> the option that sets it, for one-line error messages."""
COLUMNS = (("WTE", 8), ("meeting target", 16), ("KPI mean (95% interval)", 32),
           ("waited >52w %", 13), ("role GBP/year payroll / full", 28), ("holds", 5))
"""Printed columns and their widths (characters); "waited >52w %" is the long-wait share of the
target's list (blank for a target that is not a wait), so a level that shortens the typical wait
by lengthening the tail shows; "role GBP/year" is the searched role's own annual cost at that WTE
(payroll cost / full economic cost), not the whole Hub's staff bill."""
RIGHT_ALIGNED = (0, 1, 3, 4)  # numeric columns: WTE, share meeting, long waits, staff cost


def _line(cells: list[str]) -> str:
    return "  ".join(c.rjust(w) if i in RIGHT_ALIGNED else c.ljust(w)
                     for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS, strict=True))).rstrip()


def _cells(row: Any, replications: int, unit: str) -> list[str]:
    """One level's printed cells (``COLUMNS``): KPI mean with its interval in the KPI's unit."""
    from hubsim.cli.tables import fmt_estimate, fmt_number

    share = row["share_of_replications_meeting"]
    long_waits = row["waited_over_52w_pct_mean"]
    return [
        f"{row['wte']:g}", f"{round(share * replications)}/{replications} = {share:.0%}",
        fmt_estimate(row["kpi_mean"], row["ci_low"], row["ci_high"], unit),
        "" if math.isnan(long_waits) else fmt_number(long_waits, "%"),
        f"{fmt_number(row['role_payroll_cost_gbp_per_year'], 'GBP')} / "
        f"{fmt_number(row['role_full_cost_gbp_per_year'], 'GBP')}",
        "yes" if row["meets_target"] else "no",
    ]


def _printer(heading: str, replications: int):
    """A hook printing each evaluated point as the search reaches it (search order: --min,
    --max, then bisection), after ``heading`` at the first; the table in WTE order follows at
    the end (``_levels_table``)."""

    def show(row: dict[str, Any]) -> None:
        if row["evaluation"] == 1:  # printed only once the input has passed every check
            typer.echo(heading)
            typer.echo("evaluated, in search order:")
        share = row["share_of_replications_meeting"]
        typer.echo(f"  {row['wte']:g} WTE: {round(share * replications)}/{replications} "
                   f"replications meet the target")

    return show


def _levels_table(result: SearchResult) -> list[str]:
    """Every evaluated level in WTE order, one line each (``COLUMNS``)."""
    from hubsim.results.columns import kpi_unit

    unit = kpi_unit(result.target.kpi)
    lines = ["\nlevels evaluated, in WTE order:", _line([h for h, _ in COLUMNS]),
             _line(["-" * w for _, w in COLUMNS])]
    for _, row in result.points.sort_values("wte").iterrows():
        lines.append(_line(_cells(row, result.replications, unit)))
    return lines


def _heading(name: str, role: str, target: Target, confidence: float, replications: int,
             seed: int, executor: str) -> str:
    from hubsim.results.kpis import KPI_UNITS
    unit = KPI_UNITS.get(target.kpi.split(":")[-1])
    return (f"{name}: smallest {role} WTE for {target}{f' ({unit})' if unit else ''} in at "
            f"least {confidence:.0%} of {replications} replications; seed {seed}, {executor}\n")


def _role_cost_lines(cost: RoleCost) -> list[str]:
    """The role's own annual cost at the answer and the marginal cost of the change."""
    from hubsim.results.role_cost import VIEWS
    views = ("payroll cost", "full economic cost")
    each = [f"GBP {cost.annual[v]:,.0f} at {name} (GBP {cost.per_wte[v]:,.0f} per WTE)"
            for v, name in zip(VIEWS, views, strict=True)]
    change = cost.wte - cost.current_wte
    marginal = " and ".join(f"GBP {cost.marginal[v]:+,.0f} at {name}"
                            for v, name in zip(VIEWS, views, strict=True))
    return [
        f"cost of {cost.wte:g} WTE {cost.role} (band {cost.band}) a year, GBP at "
        f"{cost.price_year} prices: {each[0]}; {each[1]}",
        f"marginal cost against the scenario's {cost.current_wte:g} WTE ({change:+g} WTE): "
        f"{marginal} a year",
    ]


def _answer_lines(result: SearchResult) -> list[str]:
    lines = [f"\nanswer: {result.describe()}"]
    if result.answer is not None:
        window = (f"the {result.window_days:g}-day run (horizon less warm-up)"
                  if result.window_days is not None else "each Hub's run")
        if result.answer_role_cost is not None:
            lines += _role_cost_lines(result.answer_role_cost)
        lines.append(f"whole Hub's staff cost in the run at the answer (mean {result.cost_kpi}, "
                     f"posts as filled): GBP {result.answer_staff_cost_gbp_per_year:,.0f} per "
                     f"year; GBP {result.answer_staff_cost_gbp:,.0f} over {window}")
    lines.append(f"{len(result.points)} of {len(result.grid)} grid points evaluated (bisection, "
                 f"same seed {result.seed} and replications at every WTE)")
    return lines


def _write(out: Path, force: bool, result: SearchResult, meta: dict[str, Any]) -> None:
    from hubsim.figures.sweeps import save_png, source_line
    from hubsim.figures.wte_search import search_figure
    from hubsim.results.write import atomic_folder
    source = source_line(meta["scenario_name"], result.replications, result.seed)
    try:
        with atomic_folder(out, force) as tmp:
            result.points.to_csv(tmp / "search.csv", index=False)
            result.replication_kpis.to_csv(tmp / "search_replications.csv", index=False)
            save_png(search_figure(result, source), tmp / "search.png")
            (tmp / "run_metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write results ({exc.strerror or exc})")
    typer.echo(f"results: {out}")


def _metadata(scenario: Path, set_: list[str] | None, result: SearchResult, loaded,
              wall: float) -> dict[str, Any]:
    from hubsim.results.write import scenario_hash, scenario_json
    return {
        "hubsim_version": __version__, "command": "staff",
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_file": str(scenario), "overrides": set_ or [], "scenario_name": loaded.name,
        "role": result.role, "hub": result.hub, "target": str(result.target),
        "confidence": result.confidence, "wte_min": result.grid[0], "wte_max": result.grid[-1],
        "grid_points": len(result.grid), "replications": result.replications,
        "seed": result.seed, "answer_wte": result.answer, "cost_kpi": result.cost_kpi,
        "answer_staff_cost_gbp_per_year": result.answer_staff_cost_gbp_per_year,
        "answer_role_cost": (None if result.answer_role_cost is None
                             else dataclasses.asdict(result.answer_role_cost)),
        "wall_time_seconds": round(wall, 3), "scenario_hash": scenario_hash(loaded),
        "scenario": scenario_json(loaded),
    }


RoleOpt = Annotated[str, typer.Option(
    help="Role to search: one of the scenario's \\[staff] roles, e.g. therapists.",
    show_default=False)]
TargetOpt = Annotated[str, typer.Option(
    help="KPI target 'KPI OP VALUE', OP one of >=, <=, >, <; e.g. "
         "'therapy_started_within_18w_pct >= 95'.", show_default=False)]
ConfidenceOpt = Annotated[float, typer.Option(
    help="Share of replications (0-1) that must meet the target.")]
MinOpt = Annotated[float, typer.Option("--min", help="Smallest WTE searched.")]
MaxOpt = Annotated[float, typer.Option("--max", help="Largest WTE searched.")]
StepOpt = Annotated[float, typer.Option(help="WTE resolution of the search.")]
ReplicationsOpt = Annotated[int, typer.Option(help="Replications at each WTE.")]
HubOpt = Annotated[str | None, typer.Option(
    help="With several Hubs: the Hub whose staff are searched.")]
OutOpt = Annotated[Path | None, typer.Option(
    help="Also write search.csv, search_replications.csv, search.png and run_metadata.json "
         "to this folder.")]
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing --out folder.")]


@app.command()
def staff(
    scenario: ScenarioArg,
    role: RoleOpt,
    target: TargetOpt,
    confidence: ConfidenceOpt = SEARCH_CONFIDENCE,
    wte_min: MinOpt = DEFAULT_WTE_MIN,
    wte_max: MaxOpt = DEFAULT_WTE_MAX,
    step: StepOpt = DEFAULT_WTE_STEP,
    replications: ReplicationsOpt = SEARCH_REPLICATIONS,
    seed: SeedOpt = 0,
    hub: HubOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Smallest WTE of a role for which a KPI target holds in enough replications.

    Every WTE runs the same seed and replication ids (common random numbers); the search
    evaluates --min, then --max, then bisects between them, assuming the share of replications
    meeting the target does not fall as WTE rises.
    """
    loaded = load_or_fail(scenario, set_)
    if not 1 <= replications <= MAX_REPLICATIONS:
        fail(f"--replications: must be between 1 and {MAX_REPLICATIONS}")
    if out is not None:
        check_out_dir(out, force)
    set_verbosity(verbose)
    started = time.perf_counter()
    settings = dict(hub=hub, confidence=confidence, wte_min=wte_min, wte_max=wte_max, step=step,
                    replications=replications, seed=seed)
    with executor_for(workers, scheduler, dask_local) as handle:
        result = _search(scenario, loaded.name, set_, role, target, settings, handle)
    typer.echo("\n".join([*_levels_table(result), *_answer_lines(result)]))
    if out is not None:
        wall = time.perf_counter() - started
        _write(out, force, result, _metadata(scenario, set_, result, loaded, wall))


def _search(scenario: Path, name: str, set_: list[str] | None, role: str, target: str,
            settings: dict[str, Any], handle: ExecutorHandle) -> SearchResult:
    """Run the search, printing each point; bad input and Ctrl-C exit with one line."""
    from hubsim.experiments.wte_search import SearchInputError, parse_target, search_wte
    try:
        parsed = parse_target(target)
        heading = _heading(name, role, parsed, settings["confidence"], settings["replications"],
                           settings["seed"], handle.description)
        return search_wte(
            scenario, role, parsed, overrides=overrides_from(set_), executor=handle.executor,
            progress=True, on_point=_printer(heading, settings["replications"]), **settings,
        )
    except SearchInputError as exc:
        fail(f"{OPTION_OF.get(exc.parameter, exc.parameter)}: {exc.message}")
    except ScenarioError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())
