"""Commands for experiments: comparisons, sweeps, warm-up.

Each runs replications through the executor chosen by ``--workers``, ``--scheduler`` or
``--dask-local``, shows a progress bar on a terminal, and exits 130 on Ctrl-C without writing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hubsim.cli.common import (
    DEFAULT_REPLICATIONS,
    MAX_REPLICATIONS,
    MAX_REPLICATIONS_PER_POINT,
    MIN_PAIRED_REPLICATIONS,
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
    executor_for,
    fail,
    load_or_fail,
    overrides_from,
    set_verbosity,
    warn_dask_local,
)
from hubsim.experiments.defaults import DEFAULT_WARMUP_REPLICATIONS
from hubsim.experiments.stopping import exit_code
from hubsim.scenario.loader import ScenarioError, load_scenario

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd

ForceOpt = Annotated[bool, typer.Option(help="Replace an existing output.")]
ReplicationsOpt = Annotated[
    int, typer.Option(min=MIN_PAIRED_REPLICATIONS, max=MAX_REPLICATIONS,
                      help="Replications per scenario.")
]
KpiOpt = Annotated[list[str] | None, typer.Option(help="KPI to show, repeatable.")]


@contextmanager
def _exit_on_interrupt() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())


def _refuse_existing(path: Path | None, force: bool, option: str) -> None:
    """Exit 2 if ``path`` exists and ``--force`` was not given."""
    if path is not None and path.exists() and not force:
        fail(f"{path} exists; choose another {option} or add --force")


@contextmanager
def _atomic_file(path: Path, force: bool, option: str) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed to ``path`` when the block ends without error."""
    _refuse_existing(path, force, option)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def comparison_table(differences: pd.DataFrame, kpis: list[str]) -> str:
    """Paired differences as text: KPI title, A mean, B mean, B - A with its 95% interval,
    significant, KPI name; in the order of ``kpis`` (so each wait's long-wait share sits beside
    its mean). Numbers in the KPI's unit (``hubsim.tables``)."""
    from hubsim.cli.tables import fmt_difference, fmt_value, render
    from hubsim.results.columns import kpi_title, kpi_unit

    lines = [("KPI", "A mean", "B mean", "B - A (95% interval)", "significant", "name")]
    present = set(differences["kpi"])
    shown = differences.set_index("kpi").loc[[k for k in kpis if k in present]].reset_index()
    row: Any  # a row of itertuples: its fields are typed at run time
    for row in shown.itertuples(index=False):
        unit = kpi_unit(row.kpi)
        lines.append((kpi_title(row.kpi), fmt_value(row.mean_a, unit), fmt_value(row.mean_b, unit),
                      fmt_difference(row.diff_mean, row.ci_low, row.ci_high, unit),
                      "yes" if row.significant else "no", row.kpi))
    return render(lines) + _wait_note(kpis)


COMPARE_WORDS: tuple[tuple[str, str, str, str, str], ...] = (
    ("cost_total_gbp", "B costs", "more", "less", "than A over the results window"),
    ("triage_wait_days_mean", "B's mean wait for triage is", "longer", "shorter", "than A's"),
    ("therapy_wait_days_mean", "B's mean wait for therapy is", "longer", "shorter", "than A's"),
    ("therapy_started_within_18w_pct", "B's share of therapy clients starting within 18 weeks "
     "is", "higher", "lower", "than A's"),
    ("therapy_waitlist_end", "B's therapy waiting list at the end is", "longer", "shorter",
     "than A's"),
)
"""KPIs the comparison states in words: (KPI, subject, word if B is larger, if smaller, end)."""


_AMOUNT_WORDS = {"%": " percentage points", "clients": " clients"}


def _amount(value: float, unit: str, words: bool = True) -> str:
    """A size of difference: percentages in percentage points, counts as clients (``words``
    False: the number alone, as for the low end of an interval)."""
    from hubsim.cli.tables import fmt_number, fmt_value

    if unit in _AMOUNT_WORDS:
        return fmt_number(value, unit) + (_AMOUNT_WORDS[unit] if words else "")
    return fmt_value(value, unit) if words or unit.startswith("GBP") else fmt_number(value, unit)


def comparison_sentences(differences: pd.DataFrame) -> list[str]:
    """Plain sentences on the main differences B - A: 'B costs £1,234 less than A over the
    results window (95% interval £1,000 to £1,500)'; 'no clear difference' when the interval
    includes 0."""
    from hubsim.cli.tables import fmt_difference, rows_of
    from hubsim.results.columns import kpi_unit

    rows = {r.kpi: r for r in rows_of(differences)}
    out = []
    for kpi, subject, larger, smaller, end in COMPARE_WORDS:
        row = rows.get(kpi)
        if row is None or math.isnan(row.diff_mean):
            continue
        unit = kpi_unit(kpi)
        if row.diff_mean == 0 and row.ci_low == row.ci_high:
            out.append(f"{subject} the same {end.replace('than', 'as')} in every replication.")
            continue
        if not row.significant:
            out.append(f"{subject} not clearly different {end.replace('than', 'from')} (the "
                       "95% interval of the "
                       f"difference, {fmt_difference(row.diff_mean, row.ci_low, row.ci_high, unit)}"
                       ", includes 0).")
            continue
        low, high = sorted((abs(row.ci_low), abs(row.ci_high)))
        out.append(f"{subject} {_amount(abs(row.diff_mean), unit)} "
                   f"{larger if row.diff_mean > 0 else smaller} {end} (95% interval "
                   f"{_amount(low, unit, words=False)} to {_amount(high, unit)}).")
    return out


def _wait_note(kpis: list[str]) -> str:
    """How waits are counted, under a table that shows a wait KPI."""
    from hubsim.cli.tables import WAIT_NOTE
    return f"\n{WAIT_NOTE}" if any("_wait" in k for k in kpis) else ""


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="Scenario A (the base).", show_default=False)],
    b: Annotated[Path, typer.Argument(help="Scenario B (the alternative).", show_default=False)],
    replications: ReplicationsOpt = DEFAULT_REPLICATIONS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    set_a: Annotated[list[str] | None, typer.Option(
        "--set-a", help="Override a field of A only: KEY=VALUE, repeatable (after --set).")]
    = None,
    set_b: Annotated[list[str] | None, typer.Option(
        "--set-b", help="Override a field of B only: KEY=VALUE, repeatable (after --set); "
                        "with A and B the same file, compares one change.")] = None,
    kpi: KpiOpt = None,
    out: Annotated[Path | None, typer.Option(help="Also write every KPI's row to this CSV.")]
    = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run A and B with the same seeds; print paired differences B - A with 95% intervals.

    Common random numbers: replication r of A and of B see the same clients, so the paired
    intervals are narrow; a difference is significant when its interval excludes 0.
    """
    from hubsim.cli.economics_tables import incremental_report
    from hubsim.experiments.compare import compare_scenarios
    from hubsim.results.kpis import CORE_KPIS
    scenario_a = load_or_fail(a, [*(set_ or []), *(set_a or [])])
    scenario_b = load_or_fail(b, [*(set_ or []), *(set_b or [])])
    _check_same_hubs(a, scenario_a, b, scenario_b)
    shown = check_kpi_names(scenario_a, kpi or CORE_KPIS)
    _refuse_existing(out, force, "--out")
    set_verbosity(verbose)
    warn_dask_local(dask_local, 2 * replications)
    with _exit_on_interrupt(), executor_for(workers, scheduler, dask_local) as handle:
        result = compare_scenarios(scenario_a, scenario_b, replications, seed, handle.executor,
                                   progress=True)
    diffs = result.differences
    typer.echo(f"A: {a} ({scenario_a.name}){_changes(set_a)}\n"
               f"B: {b} ({scenario_b.name}){_changes(set_b)}\n"
               f"{replications} paired replications, seed {seed}\n")
    typer.echo(comparison_table(diffs, shown))
    shown_rows = diffs[diffs["kpi"].isin(shown)]
    typer.echo(f"\n{int(shown_rows['significant'].sum())} of {len(shown_rows)} differences "
               "significant at the 5% level (paired t-interval excludes 0)")
    words = comparison_sentences(diffs)
    if words:
        typer.echo("\nIn plain words:\n" + "\n".join(f"- {w}" for w in words))
    report = incremental_report(result.a.kpis, result.b.kpis, scenario_a, scenario_b)
    if report:
        typer.echo("\n" + report)
    if out is not None:
        with _atomic_file(out, force, "--out") as tmp:
            diffs.to_csv(tmp, index=False)
        typer.echo(f"table: {out}")


def _changes(pairs: list[str] | None) -> str:
    """' with KEY=VALUE, ...' for the overrides of one side ('' without)."""
    return f" with {', '.join(pairs)}" if pairs else ""


def _hub_ids(scenario) -> list[str]:
    return [h.hub for h in getattr(scenario, "hubs", (scenario,))]


def _check_same_hubs(a: Path, scenario_a, b: Path, scenario_b) -> None:
    """Exit 2 unless A and B are both one Hub, or both the same set of Hubs.

    Paired differences of a one-Hub and a several-Hub scenario compare different things (one Hub's
    KPIs with totals over several), so they are refused rather than printed.
    """
    ids_a, ids_b = _hub_ids(scenario_a), _hub_ids(scenario_b)
    single = len(ids_a) == 1 and len(ids_b) == 1
    if not single and sorted(ids_a) != sorted(ids_b):
        fail(f"{b}: hubs: has {len(ids_b)} Hub(s) ({', '.join(ids_b)}) but {a} has "
             f"{len(ids_a)} ({', '.join(ids_a)}); compare needs the same Hubs in A and B")


def _sweep_points(scenario: Path, vary: list[str], set_: list[str] | None):
    """Grid points and their validated scenarios (exit 2 naming the field on bad input)."""
    from hubsim.experiments.sweep import grid, parse_vary
    try:
        points = grid([parse_vary(v) for v in vary])
        base = overrides_from(set_)
        scenarios = [load_scenario(scenario, {**base, **p}) for p in points]
    except ScenarioError as exc:
        fail(str(exc))
    return points, scenarios


def _write_sweep(out_dir: Path, force: bool, table, reps, figures, meta) -> None:
    from hubsim.figures.sweeps import save_png
    from hubsim.results.write import atomic_folder
    try:
        with atomic_folder(out_dir, force) as tmp:
            table.to_csv(tmp / "sweep.csv", index=False)
            reps.to_csv(tmp / "sweep_replications.csv", index=False)
            for name, fig in figures.items():
                save_png(fig, tmp / f"{name.replace(':', '_')}.png")
            (tmp / "run_metadata.json").write_text(meta, encoding="utf-8")
    except OSError as exc:
        fail(f"{out_dir}: cannot write results ({exc.strerror or exc})")


@app.command()
def sweep(
    scenario: ScenarioArg,
    vary: Annotated[list[str], typer.Option(
        help="KEY=V1,V2,... (TOML literals); repeat for a grid.", show_default=False)],
    replications: ReplicationsOpt = DEFAULT_REPLICATIONS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    kpi: Annotated[list[str] | None, typer.Option(
        help="KPI to plot, repeatable \\[default: therapy_wait_days_mean, "
             "therapy_waited_over_52w_pct, therapy_started_within_18w_pct, "
             "therapist_utilisation].")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder \\[default: results/sweep-HUB-TIME].")] = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run every point of a grid with the same seeds; write sweep.csv and a plot per KPI.

    sweep.csv has one row per point and KPI: the varied keys, kpi, mean, ci_low, ci_high, n.
    """
    from hubsim.experiments.sweep import SWEEP_KPIS, replications_table, run_sweep, tidy
    from hubsim.figures.sweeps import source_line, sweep_figure
    from hubsim.results.write import build_metadata
    points, scenarios = _sweep_points(scenario, vary, set_)
    plotted = check_kpi_names(scenarios[0], kpi or SWEEP_KPIS)
    out_dir = out or Path("results") / f"sweep-{scenarios[0].hub}-{datetime.now():%Y%m%d-%H%M%S}"
    check_out_dir(out_dir, force)
    set_verbosity(verbose)
    warn_dask_local(dask_local, len(points) * replications)
    started = time.perf_counter()
    with _exit_on_interrupt():
        with executor_for(workers, scheduler, dask_local) as handle:
            experiments = run_sweep(scenarios, replications, seed, handle.executor, progress=True)
        table, keys = tidy(points, experiments), list(points[0])
        source = source_line(scenarios[0].name, replications, seed)
        figures = {k: sweep_figure(table, k, keys, source) for k in plotted}
        base = dataclasses.replace(experiments[0], scenario=load_or_fail(scenario, set_))
        meta = build_metadata(
            base, time.perf_counter() - started, command="sweep", scenario_file=str(scenario),
            overrides=set_ or [], vary=vary, points=len(points), executor=handle.description,
        )
        _write_sweep(out_dir, force, table, replications_table(points, experiments), figures,
                     json.dumps(meta, indent=2))
    typer.echo(_sweep_means(points, experiments, plotted))
    typer.echo(f"\n{len(points)} points x {replications} replications, seed {seed}: {out_dir}")


def _sweep_means(points, experiments, kpis: list[str]) -> str:
    """One line per point: the varied values and each plotted KPI's mean and 95% interval, in
    the KPI's unit, with the KPIs' titles as headers."""
    from hubsim.cli.tables import fmt_estimate, render
    from hubsim.results.columns import kpi_title, kpi_unit

    lines = [("point", *(kpi_title(k) for k in kpis))]
    for point, experiment in zip(points, experiments, strict=True):
        rows = experiment.summary.set_index("kpi")
        label = ", ".join(f"{k}={v}" for k, v in point.items())
        lines.append((label, *(fmt_estimate(rows.loc[k, "mean"], rows.loc[k, "ci_low"],
                                            rows.loc[k, "ci_high"], kpi_unit(k))
                               for k in kpis)))
    return render(lines) + _wait_note(kpis)


@app.command()
def warmup(
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS_PER_POINT,
                                             help="Replications to average.")]
    = DEFAULT_WARMUP_REPLICATIONS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    plot: Annotated[Path | None, typer.Option(help="Write the warm-up figure to this PNG.")]
    = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Suggest warmup_days by MSER-5 on the mean daily therapy waiting list."""
    from hubsim.experiments.warmup import WARMUP_SERIES, suggest_warmup
    from hubsim.figures.sweeps import save_png, source_line, warmup_figure
    loaded = load_or_fail(scenario, [*(set_ or []), "warmup_days=0"])
    _refuse_existing(plot, force, "--plot")
    set_verbosity(verbose)
    with _exit_on_interrupt():
        with executor_for(workers, scheduler, dask_local) as handle:
            found = suggest_warmup(loaded, replications, seed, handle.executor, progress=True)
        typer.echo(f"suggested warm-up: {found.warmup_days} days (MSER-5 on the mean daily "
                   f"{WARMUP_SERIES} of {replications} replications, seed {seed})")
        typer.echo(f"to use it, set in the scenario: warmup_days = {found.warmup_days}")
        for note in _warmup_notes(found):
            typer.echo(f"note: {note}")
        if plot is not None:
            fig = warmup_figure(found, source_line(loaded.name, replications, seed))
            with _atomic_file(plot, force, "--plot") as tmp:
                save_png(fig, tmp)
            typer.echo(f"figure: {plot}")


def _warmup_notes(found) -> list[str]:
    notes = []
    if found.at_limit:
        notes.append("the waiting list may not settle within the horizon (MSER-5 chose the "
                     "longest truncation it considers): lengthen horizon_days and check again")
    if not found.steady_arrivals:
        notes.append("the arrival rate changes over the horizon, so there is no steady state; "
                     "a warm-up is for steady-state studies")
    return notes
