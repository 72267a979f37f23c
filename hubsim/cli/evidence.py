"""Commands about the evidence: the registry, calibration, checks against the evaluation."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from hubsim.cli.common import ScenarioArg, SetOpt, app, fail, load_or_fail
from hubsim.cli.tables import render
from hubsim.results.write import write_text_atomic
from hubsim.scenario import registry
from hubsim.scenario.files import InputFileError, check_regular_file, read_bounded
from hubsim.scenario.loader import validate


@app.command()
def evidence(
    status: Annotated[str | None, typer.Option(help="Only rows with this status.")] = None,
    format_: Annotated[str, typer.Option("--format", help="table, csv or markdown.")] = "table",
) -> None:
    """Print the evidence registry: every default with its unit, source and status."""
    if status is not None and status not in registry.STATUSES:
        fail(f"--status: must be one of {', '.join(registry.STATUSES)}")
    frame = pd.DataFrame(registry.as_records())
    if status is not None:
        frame = frame[frame["status"] == status]
    if format_ == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
    elif format_ == "markdown":
        typer.echo(_markdown(frame))
    elif format_ == "table":
        cols = ["name", "hub", "value", "unit", "status"]
        typer.echo(render([tuple(cols)] + [tuple(str(v) for v in r) for r in frame[cols].values]))
    else:
        fail("--format: must be one of table, csv, markdown")


def _markdown(frame) -> str:
    cols = ["name", "hub", "value", "unit", "status", "source"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame[cols].itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _read_targets(path: Path):
    """Targets from a TOML targets file or a CSV screening extract (by file suffix)."""
    from hubsim.experiments.calibration import targets_from_extract, targets_from_mapping

    try:
        if path.suffix.lower() == ".csv":
            check_regular_file(path)
            return targets_from_extract(pd.read_csv(path))
        return targets_from_mapping(tomllib.loads(read_bounded(path).decode("utf-8")))
    except InputFileError as exc:
        fail(f"{path}: {exc}")
    except RecursionError:
        fail(f"{path}: cannot be read (nested too deeply)")
    except FileNotFoundError:
        fail(f"{path}: file not found")
    except (tomllib.TOMLDecodeError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot be read ({exc})")
    except ValueError as exc:
        fail(f"{path}: {exc}")


@app.command()
def calibrate(
    targets: Annotated[Path, typer.Argument(help="Targets TOML file, or a CSV screening extract "
                                            "(one 0/1 column per domain).")],
    scenario: Annotated[Path | None, typer.Option(help="Take the risk-factor mix from this "
                                                  "scenario [default: the registry's].")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the [screening] table to this file.")]
    = None,
    force: Annotated[bool, typer.Option(help="Replace an existing --out file.")] = False,
) -> None:
    """Fit the need model (thresholds and correlation) to screening figures; print a [screening]
    table to paste into a scenario file."""
    from hubsim.experiments.calibration import calibrate as fit
    from hubsim.model.need import shift_distribution
    from hubsim.scenario.schema import RISK_FACTORS

    wanted = _read_targets(targets)
    loaded = load_or_fail(scenario, None) if scenario else validate(registry.scenario_defaults())
    hub = getattr(loaded, "hubs", (loaded,))[0]
    shifts = shift_distribution([hub.population.risk_factors[k] for k in RISK_FACTORS],
                                [hub.screening.risk_shift_sd[k] for k in RISK_FACTORS])
    if out is not None and out.exists() and not force:
        fail(f"{out} exists; choose another --out or add --force")
    result = fit(wanted, shifts=shifts)
    rows = [("figure", "target", "fitted")]
    rows += [(k, f"{v:.4f}", f"{result.fitted[k]:.4f}") for k, v in result.targets.items()]
    typer.echo(render(rows))
    typer.echo(f"\n# prevalence is for a client with no risk factor; loss {result.loss:.3g}")
    typer.echo(result.to_toml())
    if out is not None:
        write_text_atomic(out, result.to_toml())
        typer.echo(f"written: {out}")


@app.command("check-evidence")
def check_evidence(
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option(min=2, max=10_000)] = 10,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    set_: SetOpt = None,
    csv: Annotated[Path | None, typer.Option(help="Also write the table to this CSV file.")]
    = None,
) -> None:
    """Run a scenario and compare it with the evaluation's published figures; exit 1 if any
    figure is outside its tolerance."""
    from hubsim.experiments.evidence_check import NOT_MATCHED, check_table, figures_by_replication
    from hubsim.experiments.replications import run_experiment

    loaded = load_or_fail(scenario, set_)
    if csv is not None:  # before the run: a bad --csv must not cost a whole simulation
        check_writable_file(csv, "--csv")
    experiment = run_experiment(loaded, replications, seed, progress=replications >= 4)
    table = check_table(figures_by_replication(experiment.clients, loaded), loaded)
    typer.echo(f"{loaded.name}: {replications} replications, seed {seed}\n")
    typer.echo(validation_text(table))
    typer.echo("\nNot matched by design:")
    for figure, reason in NOT_MATCHED:
        typer.echo(f"  - {figure}: {reason}")
    if csv is not None:
        write_text_atomic(csv, table.to_csv(index=False))
    if not table["passed"].all():
        raise typer.Exit(1)


def check_writable_file(path: Path, option: str) -> None:
    """Exit 2 unless ``path`` can be written as a file: not a folder, its folder there."""
    if path.is_dir():
        fail(f"{option} {path}: is a folder; give a file name")
    if path.exists() and not path.is_file():
        fail(f"{option} {path}: is not a regular file")
    if not path.parent.is_dir():
        fail(f"{option} {path}: the folder {path.parent} does not exist")


def validation_text(table: pd.DataFrame) -> str:
    """The validation table as aligned text."""
    rows = [("figure", "published", "simulated", "95% interval", "tolerance", "result")]
    for r in table.itertuples(index=False):
        rows.append((r.figure, str(r.published), f"{r.simulated:.1f}",
                     f"{r.ci_low:.1f} to {r.ci_high:.1f}", f"±{r.tolerance:g}",
                     "pass" if r.passed else "FAIL"))
    return render(rows)
