"""Commands for economics: the cost-consequence table and probabilistic sensitivity analysis.

Both run through the executor chosen by ``--workers``, ``--scheduler`` or ``--dask-local`` and
exit 130 on Ctrl-C without writing anything.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from importlib import metadata
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
    check_out_dir,
    executor_for,
    fail,
    load_or_fail,
    overrides_from,
    set_verbosity,
)
from hubsim.experiments.stopping import exit_code
from hubsim.scenario.loader import ScenarioError, read_layers

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd

    from hubsim.experiments.psa import PsaResult, PsaSetup

DEFAULT_DRAWS = 500
DEFAULT_PSA_REPLICATIONS = 5
MAX_DRAWS = 100_000  # a sanity bound far beyond any real PSA
TOP_INPUTS = 5  # inputs listed on the terminal (the full ranking is in ranking.csv)
PERCENTILES = (2.5, 97.5)  # the central 95% of draws
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing output.")]
ComparatorOpt = Annotated[Path | None, typer.Option(
    help="Comparator scenario file (same Hub); psa defaults to the signpost-only version of "
         "SCENARIO.")]


def _write_csv(frame: pd.DataFrame, path: Path, force: bool) -> None:
    from hubsim.results.write import write_text_atomic
    if path.exists() and not force:
        fail(f"{path} exists; choose another --out or add --force")
    try:
        write_text_atomic(path, frame.to_csv(index=False))
    except OSError as exc:
        fail(f"{path}: cannot write ({exc.strerror or exc})")
    typer.echo(f"table: {path}")


@app.command("cost-consequence")
def cost_consequence_command(
    scenario: ScenarioArg,
    comparator: Annotated[Path | None, typer.Option(
        help="Comparator scenario (e.g. scenarios/comparator-signpost-only.toml): adds paired "
             "differences and the cost per QALY.")] = None,
    replications: Annotated[int, typer.Option(min=MIN_PAIRED_REPLICATIONS, max=MAX_REPLICATIONS,
                                                help="Replications.")]
    = DEFAULT_REPLICATIONS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Also write the table to this CSV.")] = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Costs beside benefits (95% intervals); with --comparator, differences and cost per QALY.

    Money in GBP at the scenario's price_year. Costs: Hub staff (paid, busy or idle), set-up,
    non-staff, and service use outside the Hub. Benefits: keyworkers supported, therapy, QALYs,
    clients improved, sickness absence and turnover (logic model, [outcomes] preset).
    """
    from hubsim.cli.economics_tables import (
        cost_consequence_text,
        incremental_report,
        team_cost_text,
    )
    from hubsim.experiments.cost_consequence import cost_consequence
    loaded = load_or_fail(scenario, set_)
    other = load_or_fail(comparator, set_) if comparator is not None else None
    if out is not None and out.exists() and not force:
        fail(f"{out} exists; choose another --out or add --force")
    set_verbosity(verbose)
    try:
        with executor_for(workers, scheduler, dask_local) as handle:
            base, exp = _experiments(loaded, other, replications, seed, handle.executor)
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())
    table = cost_consequence(exp.kpis, None if base is None else base.kpis)
    typer.echo(f"{loaded.name}: {replications} replications, seed {seed}; GBP at "
               f"{getattr(loaded, 'price_year', '')} prices, outcome preset "
               f"{_preset(loaded)}\n")
    typer.echo(cost_consequence_text(table))
    typer.echo("\n" + team_cost_text(loaded))
    if base is not None and other is not None:  # a comparator was given
        typer.echo(f"\nB = {loaded.name}; A = {other.name}\n")
        typer.echo(incremental_report(base.kpis, exp.kpis, other, loaded))
    if out is not None:
        _write_csv(table, out, force)


def _experiments(scenario, comparator, replications: int, seed: int, executor):
    """(comparator experiment or None, scenario experiment), same seeds for both."""
    from hubsim.experiments.replications import run_experiment, run_experiments
    if comparator is None:
        return None, run_experiment(scenario, replications, seed, executor=executor,
                                    progress=True, keep_records=False)
    base, exp = run_experiments([comparator, scenario], replications, seed, executor,
                                progress=True)
    return base, exp


def _preset(scenario: Any) -> str:
    hubs = getattr(scenario, "hubs", (scenario,))
    return ", ".join(sorted({h.outcomes.preset for h in hubs}))


def _layers(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return read_layers(path)
    except ScenarioError as exc:
        fail(str(exc))


def _psa_summary(result: PsaResult, pair: tuple[Any, ...]) -> str:
    import pandas as pd

    from hubsim.cli.economics_tables import exploratory, psa_icer_lines
    from hubsim.cli.tables import fmt_value, render
    from hubsim.experiments.cost_effectiveness import psa_icer
    draws = result.draws
    lines = [("", "mean", "2.5th to 97.5th percentile of draws")]
    for column in ("incremental_cost_gbp", "incremental_qalys", "employer_savings_gbp",
                   *(f"nmb_{w:.0f}_gbp" for w in result.wtp)):
        low, high = pd.Series(draws[column]).quantile([p / 100 for p in PERCENTILES])
        unit = "GBP" if column.endswith("_gbp") else "QALYs"
        lines.append((column, fmt_value(draws[column].mean(), unit),
                      f"{fmt_value(low, unit)} to {fmt_value(high, unit)}"))
    text = [render(lines), "", *psa_icer_lines(psa_icer(draws, result.wtp)),
            exploratory(*pair)]
    top = result.ranking.head(TOP_INPUTS)["parameter"].tolist()
    text.append("inputs that matter most (NMB): " + ", ".join(top))
    return "\n".join(text)


def _psa_pair(setup: PsaSetup) -> tuple[Any, ...]:
    """(comparator, intervention) at the registry values, for the count of assumed inputs."""
    from hubsim.experiments.psa import build_pair
    return build_pair(setup, {})


def _psa_figures(result: PsaResult) -> dict[str, Any]:
    from hubsim.figures.psa import acceptability_curve, psa_plane
    from hubsim.figures.psa_ranking import psa_source, ranking_chart
    source = psa_source(result.scenario_name, result.comparator_name, len(result.draws),
                        result.replications, result.seed)
    column = f"prcc_nmb_{result.wtp[0]:.0f}_gbp"
    return {"ce_plane.png": psa_plane(result.draws, source=source, thresholds_gbp=result.wtp),
            "ceac.png": acceptability_curve(result.draws, source=source,
                                            thresholds_gbp=result.wtp),
            "ranking.png": ranking_chart(result.ranking, column, source=source)}


def _psa_meta(result: PsaResult, setup: PsaSetup, overrides: list[str], executor: str,
              wall_time_s: float) -> dict[str, Any]:
    """What ``run_metadata.json`` records: enough to rerun the PSA."""
    return {"command": "psa", "hubsim_version": metadata.version("hubsim"),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario_file": setup.source, "comparator": setup.comparator_source,
            "overrides": overrides, "seed": result.seed, "draws": len(result.draws),
            "replications": result.replications, "executor": executor,
            "wtp_gbp_per_qaly": list(result.wtp), "parameters": len(result.parameters),
            "only": list(setup.only),
            "wall_time_seconds": round(wall_time_s, 3),
            "cost_effectiveness": _ce_summary(result, _psa_pair(setup))}


def _ce_summary(result: PsaResult, pair: tuple[Any, ...]) -> dict[str, Any]:
    """The ICER over the draws, its interval, P(cost-effective) and the exploratory line, for
    reports that read the folder (the same figures the terminal shows)."""
    from hubsim.experiments.cost_effectiveness import assumed_inputs, exploratory_line, psa_icer
    ce = psa_icer(result.draws, result.wtp)
    assumed = assumed_inputs(*pair)
    return {"icer_gbp_per_qaly": ce.icer,
            "icer_interval_gbp_per_qaly": [ce.low, ce.high] if ce.bounded else None,
            "quadrants": ce.quadrants,
            "probability_cost_effective": {f"{w:.0f}": p
                                           for w, p in ce.probability_cost_effective.items()},
            "assumed_inputs": assumed, "exploratory": exploratory_line(len(assumed))}


def _write_psa(result: PsaResult, out_dir: Path, force: bool, meta: dict[str, Any]) -> None:
    from hubsim.experiments.psa_params import describe
    from hubsim.figures.sweeps import save_png
    from hubsim.results.write import atomic_folder
    try:
        with atomic_folder(out_dir, force) as tmp:
            result.draws.to_csv(tmp / "psa_draws.csv", index=False)
            result.ceac.to_csv(tmp / "ceac.csv", index=False)
            result.ranking.to_csv(tmp / "ranking.csv", index=False)
            describe(result.parameters).to_csv(tmp / "psa_parameters.csv", index=False)
            for name, fig in _psa_figures(result).items():
                save_png(fig, tmp / name)
            (tmp / "run_metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    except OSError as exc:
        fail(f"{out_dir}: cannot write results ({exc.strerror or exc})")


@app.command()
def psa(
    scenario: Annotated[Path, typer.Argument(help="Single-Hub scenario TOML file.",
                                             show_default=False)],
    comparator: ComparatorOpt = None,
    draws: Annotated[int, typer.Option(min=1, max=MAX_DRAWS, help="Parameter draws.")]
    = DEFAULT_DRAWS,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS_PER_POINT,
                                                help="Replications per draw.")]
    = DEFAULT_PSA_REPLICATIONS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    set_: SetOpt = None,
    only: Annotated[list[str] | None, typer.Option(
        help="Sample only registry rows whose name starts with this prefix, repeatable "
             "(e.g. --only costs. --only outcomes.).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder \\[default: results/psa-HUB-TIME].")] = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Probabilistic sensitivity analysis against a comparator.

    Each draw samples every registry parameter that has a range (beta for probabilities, gamma
    otherwise; the range read as a 95% interval) except decision levers (WTE, horizon) and
    values fixed in the file or by --set, then runs SCENARIO and the comparator for the same
    replications (common random numbers). Writes psa_draws.csv, ceac.csv, ranking.csv,
    psa_parameters.csv, ce_plane.png, ceac.png, ranking.png and run_metadata.json.
    """
    from hubsim.experiments.psa import PsaSetup, run_psa
    setup = PsaSetup(_layers(scenario) or {}, _layers(comparator), overrides_from(set_),
                     str(scenario), str(comparator or "signpost-only comparator"),
                     tuple(only or ()))
    loaded = load_or_fail(scenario, set_)
    out_dir = out or Path("results") / f"psa-{loaded.hub}-{datetime.now():%Y%m%d-%H%M%S}"
    check_out_dir(out_dir, force)
    set_verbosity(verbose)
    started = time.perf_counter()
    try:
        with executor_for(workers, scheduler, dask_local) as handle:
            result = run_psa(setup, draws, replications, seed, handle.executor, progress=True)
    except KeyboardInterrupt:
        fail("interrupted: nothing written", exit_code())
    except (ScenarioError, ValueError) as exc:
        fail(str(exc))
    meta = _psa_meta(result, setup, set_ or [], handle.description,
                     time.perf_counter() - started)
    _write_psa(result, out_dir, force, meta)
    typer.echo(f"{result.scenario_name} vs {result.comparator_name}: {draws} draws x "
               f"{replications} replications, seed {seed}, {len(result.parameters)} uncertain "
               f"inputs\n")
    typer.echo(_psa_summary(result, _psa_pair(setup)))
    typer.echo(f"\nresults: {out_dir}")
