"""Commands about the evidence: the registry, calibration, checks against the evaluation."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

from hubsim import registry
from hubsim.cli import app, fail
from hubsim.tables import render


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
        cols = ["name", "value", "unit", "status"]
        typer.echo(render([tuple(cols)] + [tuple(str(v) for v in r) for r in frame[cols].values]))
    else:
        fail("--format: must be one of table, csv, markdown")


def _markdown(frame) -> str:
    cols = ["name", "value", "unit", "status", "source"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame[cols].itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
