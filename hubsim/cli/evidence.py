"""Commands about the evidence: the registry, calibration, checks against the evaluation."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hubsim.cli.common import ScenarioArg, SetOpt, app, fail, load_or_fail
from hubsim.cli.tables import render
from hubsim.scenario import registry
from hubsim.scenario.files import InputFileError, check_regular_file, read_bounded
from hubsim.scenario.loader import validate

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd

TABLE_WIDTH = 120  # characters per line of the text table (values and sources are cut to fit)
VALUE_WIDTH = 28  # characters of a value shown in the text table
_ELLIPSIS = "..."


def _cut(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with "..." if longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - len(_ELLIPSIS)] + _ELLIPSIS


def hub_code(hub: str) -> str:
    """A short code for a Hub identifier in the text table: its words' initials."""
    return hub if hub == "all" else "".join(word[0] for word in hub.split("-"))


def _table(frame: pd.DataFrame, sources: bool) -> str:
    """The registry as an aligned text table of lines up to TABLE_WIDTH characters; with
    ``sources``, each row is followed by an indented line with its unit and source."""
    cols = ("name", "hub", "value", "status", "confidence")
    records: list[Any] = list(frame.itertuples(index=False))  # fields typed at run time
    rows = [cols] + [
        (r.name, hub_code(r.hub), _cut(r.value, VALUE_WIDTH), r.status, r.confidence)
        for r in records
    ]
    lines = render(rows).splitlines()
    if sources:
        indent = "    "
        details = [_cut(f"{r.unit}. Source: {r.source}", TABLE_WIDTH - len(indent))
                   for r in frame.itertuples(index=False)]
        lines = lines[:2] + [x for line, detail in zip(lines[2:], details, strict=True)
                             for x in (line, indent + detail)]
    codes = {hub_code(h): h for h in frame["hub"].unique() if h != "all"}
    legend = ", ".join(f"{code} = {hub}" for code, hub in codes.items())
    note = ("hub: all = every Hub" + (f"; {legend}" if legend else "") + ". Full units and "
            "sources: --sources (cut to fit), or --format csv / markdown.")
    return "\n".join(line.rstrip() for line in lines) + "\n\n" + textwrap.fill(note, TABLE_WIDTH)


@app.command()
def evidence(
    status: Annotated[str | None, typer.Option(help="Only rows with this status.")] = None,
    confidence: Annotated[str | None, typer.Option(
        help="Only rows with this confidence (high, medium, low).")] = None,
    format_: Annotated[str, typer.Option("--format", help="table, csv or markdown.")] = "table",
    sources: Annotated[bool, typer.Option(
        help="table: add each row's unit and source on an indented line.")] = False,
) -> None:
    """Print the evidence registry: every default with its unit, source, status and confidence."""
    import pandas as pd

    if status is not None and status not in registry.STATUSES:
        fail(f"--status: must be one of {', '.join(registry.STATUSES)}")
    if confidence is not None and confidence not in registry.CONFIDENCES:
        fail(f"--confidence: must be one of {', '.join(registry.CONFIDENCES)}")
    frame = pd.DataFrame(registry.as_records())
    if status is not None:
        frame = frame[frame["status"] == status]
    if confidence is not None:
        frame = frame[frame["confidence"] == confidence]
    if format_ == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
    elif format_ == "markdown":
        typer.echo(_markdown(frame))
    elif format_ == "table":
        typer.echo(_table(frame, sources))
    else:
        fail("--format: must be one of table, csv, markdown")


def _markdown(frame) -> str:
    cols = ["name", "hub", "value", "unit", "status", "confidence", "source"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame[cols].itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _read_targets(path: Path):
    """Targets from a TOML targets file or a CSV screening extract (by file suffix)."""
    import pandas as pd

    from hubsim.experiments.calibration_targets import targets_from_extract, targets_from_mapping

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
    free: Annotated[str, typer.Option(
        help="Correlation-structure parameters to fit, comma-separated, of general, "
             "anxiety_depression, alcohol_ratio; the others keep the scenario's values.")]
    = "general",
) -> None:
    """Fit the need model (thresholds and the general latent correlation; --free for more) to
    screening figures; print a [screening] table to paste into a scenario file."""
    from hubsim.experiments.calibration import calibrate as fit
    from hubsim.model.need import shift_distribution
    from hubsim.results.write import write_text_atomic
    from hubsim.scenario.correlation import STRUCTURE_FIELDS, Structure
    from hubsim.scenario.schema import RISK_FACTORS

    wanted = _read_targets(targets)
    loaded = load_or_fail(scenario, None) if scenario else validate(registry.scenario_defaults())
    hub = getattr(loaded, "hubs", (loaded,))[0]
    shifts = shift_distribution([hub.population.risk_factors[k] for k in RISK_FACTORS],
                                hub.screening.shift_matrix())
    if out is not None and out.exists() and not force:
        fail(f"{out} exists; choose another --out or add --force")
    structure = hub.screening.correlation
    names = tuple(name.strip() for name in free.split(",") if name.strip())
    unknown = [name for name in names if name not in STRUCTURE_FIELDS]
    if unknown or not names:
        fail(f"--free: {unknown[0] if unknown else free!r} is not one of "
             f"{', '.join(STRUCTURE_FIELDS)}")
    held = ({k: v for k, v in structure.as_dict().items() if k not in names}
            if isinstance(structure, Structure) else {})  # the scenario's values are kept
    result = fit(wanted, start=held, shifts=shifts, free=names)
    rows: list[tuple[str, ...]] = [("figure", "target", "fitted")]
    rows += [(k, f"{v:.4f}", f"{result.fitted[k]:.4f}") for k, v in result.targets.items()]
    typer.echo(render(rows))
    typer.echo(f"\n# prevalence is for a client with no risk factor; loss {result.loss:.3g}")
    spread = ", ".join(f"{k} {getattr(result.structure, k):.4f} (sd ~{v:.2g})"
                       for k, v in result.sd.items())
    typer.echo(f"# fitted: {spread}; sd by the delta method, if the weights are inverse "
               "variances of the targets")
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
    """Run a scenario and compare it with the evaluation's published figures, each labelled
    input, calibrated or out-of-sample; exit 1 if an input or calibrated figure is outside its
    tolerance (out-of-sample figures are reported, passing or failing)."""
    from hubsim.experiments.evidence_check import (
        NOT_MATCHED,
        check_table,
        failures,
        figures_by_replication,
    )
    from hubsim.experiments.replications import run_experiment
    from hubsim.results.write import write_text_atomic

    loaded = load_or_fail(scenario, set_)
    if csv is not None:  # before the run: a bad --csv must not cost a whole simulation
        check_writable_file(csv, "--csv")
    experiment = run_experiment(loaded, replications, seed, progress=replications >= 4)
    assert experiment.clients is not None  # records are kept by default
    table = check_table(figures_by_replication(experiment.clients, loaded), loaded)
    typer.echo(f"{loaded.name}: {replications} replications, seed {seed}\n")
    typer.echo(validation_text(table))
    passed = int(table["passed"].sum())
    failed = ", ".join(table.loc[~table["passed"].astype(bool), "figure"].astype(str))
    typer.echo(f"\nIn plain words: {passed} of {len(table)} published figures are reproduced "
               "within tolerance" + (f"; outside it: {failed}." if failed else "."))
    typer.echo(f"\n{TOLERANCE_RULE}")
    typer.echo("\nNot compared here:")
    for figure, reason in NOT_MATCHED:
        typer.echo(f"  - {figure}: {reason}")
    if csv is not None:
        write_text_atomic(csv, table.to_csv(index=False))
    strict, reported = failures(table)
    if reported:
        typer.echo(f"\nOut-of-sample figures outside tolerance (reported, not an error): "
                   f"{', '.join(reported)}")
    if strict:
        typer.echo(f"\nInput or calibrated figures outside tolerance: {', '.join(strict)}")
        raise typer.Exit(1)


TOLERANCE_RULE = (
    "Tolerance: the published figure's 95% interval (Wilson at its n for a share, Poisson for a "
    "count, the published CI for EQ-5D) widened in quadrature by the half-width of the simulated "
    "mean's 95% interval; a range across Hubs: every Hub's mean within the range +- rounding + 3 "
    "standard errors. Input and calibrated figures must pass; out-of-sample figures are "
    "validation and are reported either way."
)


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
    rows: list[tuple[str, ...]] = [("figure", "role", "published (n)", "simulated",
                                    "95% interval", "accepted", "result")]
    r: Any  # a row of itertuples: its fields are typed at run time
    for r in table.itertuples(index=False):
        n = f" ({r.published_n})" if str(r.published_n) not in ("", "nan") else ""
        digits = 3 if abs(r.simulated) < 1.5 else 1
        rows.append((r.figure, r.role, f"{r.published}{n}", f"{r.simulated:.{digits}f}",
                     f"{r.ci_low:.{digits}f} to {r.ci_high:.{digits}f}",
                     f"{r.accept_low:.{digits}f} to {r.accept_high:.{digits}f}",
                     "pass" if r.passed else "FAIL"))
    return render(rows)
