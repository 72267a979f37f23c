"""Commands that turn results folders into figures, reports and workbooks.

Each reads a results folder written by ``hubsim run`` (or a sweep, search or PSA) and re-makes its
outputs without re-running the simulation. A folder that cannot be read exits with code 2 and one
line naming the folder or file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hubsim.cli.common import app, fail

ResultsArg = Annotated[Path, typer.Argument(
    help="A results folder (with run_metadata.json).", show_default=False)]
DEFAULT_WORKBOOK = "results.xlsx"


def _cannot_write(path: Path, exc: OSError) -> None:
    fail(f"{path}: cannot write ({exc.strerror or exc})")


@app.command()
def report(
    results_dir: ResultsArg,
    out: Annotated[Path | None, typer.Option(
        help="HTML file to write \\[default: RESULTS_DIR/report.html].")] = None,
    figures: Annotated[bool, typer.Option(
        help="Also save each figure as PNG and SVG in RESULTS_DIR/figures.")] = True,
) -> None:
    """Write a self-contained HTML report of a results folder (figures embedded; opens offline)."""
    from hubsim.report import write_report
    from hubsim.results.read import ResultsFolderError

    try:
        path = write_report(results_dir, out, save_figures=figures)
    except ResultsFolderError as exc:
        fail(str(exc))
    except OSError as exc:
        _cannot_write(out or results_dir, exc)
    typer.echo(f"report: {path}")


@app.command("figures")
def figures_command(
    results_dir: ResultsArg,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the figures \\[default: RESULTS_DIR/figures].")] = None,
) -> None:
    """Save every figure that applies to a results folder as PNG and SVG."""
    from hubsim.figures import build_figures, save_figure
    from hubsim.results.read import ResultsFolderError, load_results

    try:
        results = load_results(results_dir)
    except ResultsFolderError as exc:
        fail(str(exc))
    folder = out or results_dir / "figures"
    try:
        for spec, figure, reason in build_figures(results):
            if figure is None:
                typer.echo(f"skipped {spec.name}: {reason}")
                continue
            png, _ = save_figure(figure, folder / spec.name)
            typer.echo(f"written: {png.with_suffix('.{png,svg}')}")
    except OSError as exc:
        _cannot_write(folder, exc)


BYTES_PER_MB = 1_000_000


@app.command()
def export(
    results_dir: ResultsArg,
    xlsx: Annotated[bool, typer.Option(
        "--xlsx", help="Write an Excel workbook: one sheet per table and a README sheet.")]
    = False,
    out: Annotated[Path | None, typer.Option(
        help="Workbook to write \\[default: RESULTS_DIR/results.xlsx].")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing workbook.")] = False,
    records: Annotated[bool, typer.Option(
        "--records", help="Also write the per-client and per-day records (clients, "
                          "timeseries sheets): large and slow for big runs.")] = False,
) -> None:
    """Export a results folder's tables (for now as an Excel workbook, --xlsx): a Headline
    sheet for a commissioner, a README sheet on every column, then one sheet per table."""
    import time

    from hubsim.results.excel import ExportExistsError, write_workbook
    from hubsim.results.read import ResultsFolderError, load_results

    if not xlsx:
        fail("export: choose a format: --xlsx")
    started = time.perf_counter()
    try:
        results = load_results(results_dir, records=records)
    except ResultsFolderError as exc:
        fail(str(exc))
    path = out or results_dir / DEFAULT_WORKBOOK
    try:
        write_workbook(results, path, force, records=records)
    except ExportExistsError as exc:
        fail(str(exc))
    except OSError as exc:
        _cannot_write(path, exc)
    size_mb = path.stat().st_size / BYTES_PER_MB
    typer.echo(f"workbook: {path} ({size_mb:.1f} MB, {time.perf_counter() - started:.1f} s"
               f"{'' if records else '; records left out, add --records for them'})")
