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
    force: Annotated[bool, typer.Option(help="Replace an existing workbook or extract.")]
    = False,
    records: Annotated[bool, typer.Option(
        "--records", help="Also write the per-client and per-day records (clients, "
                          "timeseries sheets): large and slow for big runs.")] = False,
    extract: Annotated[Path | None, typer.Option(
        help="Write a synthetic Hub extract (CSV, the format hubsim fit reads) of one "
             "replication's clients, as at the horizon.")] = None,
    replication: Annotated[int, typer.Option(
        min=0, help="With --extract: the replication.")] = 0,
    hub: Annotated[str | None, typer.Option(
        help="With --extract and several Hubs: the Hub.")] = None,
) -> None:
    """Export a results folder's tables as an Excel workbook (--xlsx): a Headline sheet for a
    commissioner, a README sheet on every column, then one sheet per table; or one
    replication's clients as a synthetic Hub extract (--extract FILE)."""
    import time

    from hubsim.results.excel import ExportExistsError, write_workbook
    from hubsim.results.read import ResultsFolderError, load_results

    if not xlsx and extract is None:
        fail("export: choose a format: --xlsx or --extract FILE")
    started = time.perf_counter()
    try:
        results = load_results(results_dir, records=records or extract is not None)
    except ResultsFolderError as exc:
        fail(str(exc))
    if extract is not None:
        _export_extract(results, extract, replication, hub, force)
        if not xlsx:
            return
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


def _export_extract(results, path: Path, replication: int, hub: str | None, force: bool) -> None:
    """Write one replication's clients of one Hub as a synthetic extract (as at the horizon)."""
    import datetime as dt

    from hubsim.results.extract_writer import extract_csv, extract_rows
    from hubsim.results.write import write_text_atomic

    if results.clients is None:
        fail(f"{results.path}: no clients.csv (run with --records all to keep client records)")
    if path.exists() and not force:
        fail(f"{path}: exists (give --force to replace it)")
    meta = results.metadata.get("scenario", {})
    hubs = {h["hub"]: h for h in meta.get("hubs", [meta])}
    chosen = hub or (next(iter(hubs)) if len(hubs) == 1 else None)
    if chosen not in hubs:
        fail(f"--hub: give one of {', '.join(hubs)}")
    clients = results.clients
    mine = clients[(clients["replication"] == replication) & (clients["hub"] == chosen)]
    if mine.empty:
        fail(f"--replication: {results.path} has no replication {replication}")
    scenario = hubs[chosen]
    rows = extract_rows(mine, dt.date.fromisoformat(scenario["start_date"]),
                        float(scenario["horizon_days"]))
    try:
        write_text_atomic(path, extract_csv(rows))
    except OSError as exc:
        _cannot_write(path, exc)
    as_at = (dt.date.fromisoformat(scenario["start_date"])
             + dt.timedelta(days=int(scenario["horizon_days"])))
    typer.echo(f"extract: {path} ({len(rows)} referrals, as at {as_at})")
