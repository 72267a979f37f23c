"""Figures for sweeps and warm-up: matplotlib ``Figure`` objects rendered by Agg, saved as PNG.

No pyplot and no GUI backend: a figure is built, saved and discarded. Every figure has a title,
axis labels with units and a source line naming the scenario, replications and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hubsim.experiments.warmup import WARMUP_SERIES, WarmupSuggestion
from hubsim.figures.curves import draw_lines, draw_points, is_categorical
from hubsim.figures.labels import kpi_title, parameter_label
from hubsim.results.columns import kpi_unit

FIG_SIZE_IN = (8.0, 4.8)  # inches: readable on screen and in a report page
DPI = 150  # PNG resolution: sharp when zoomed
BAND_ALPHA = 0.2  # interval bands light enough to see overlapping lines through
TRACE_ALPHA = 0.25  # single replications behind the mean
TRACE_WIDTH = 0.8  # points: thinner than the mean line drawn over them
GRID_ALPHA = 0.3  # a faint grid that does not compete with the data
SOURCE_FONT_SIZE = 8
SOURCE_XY = (0.01, 0.01)  # figure coordinates of the source line (bottom left)
BOTTOM_MARGIN = 0.16  # room below the axes for the source line
TITLE_WRAP_CHARS = 80  # a KPI title wraps at this many characters


def source_line(scenario: str, replications: int, seed: int) -> str:
    """The foot-of-figure source: scenario, replications, seed."""
    noun = "replication" if replications == 1 else "replications"
    return f"Source: hubsim simulation. Scenario: {scenario}; {replications} {noun}; seed {seed}"


def _figure(title: str, source: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIG_SIZE_IN)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.grid(True, alpha=GRID_ALPHA)
    fig.subplots_adjust(bottom=BOTTOM_MARGIN)
    fig.text(*SOURCE_XY, source, fontsize=SOURCE_FONT_SIZE, color="dimgray")
    return fig, ax


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``."""
    fig.savefig(path, dpi=DPI, format="png")
    return path


def sweep_figure(table: pd.DataFrame, kpi: str, keys: Sequence[str], source: str) -> Figure:
    """A KPI's mean and 95% interval against the first varied key: a line over a band for
    numbers, points with error bars for categories (e.g. waiting-list policies). One series per
    value of a second varied key. ``table`` is the tidy sweep table."""
    rows = table[table["kpi"] == kpi]
    x_key, others = keys[0], list(keys[1:])
    hue = others[0] if others else None
    if len(others) > 1:  # more than two keys: one series per combination of the others
        rows = rows.assign(**{" / ".join(others): rows[others].astype(str).agg(", ".join, axis=1)})
        hue = " / ".join(others)
    fig, ax = _figure(kpi_title(kpi, TITLE_WRAP_CHARS), source)
    draw = draw_points if is_categorical(rows[x_key]) else draw_lines
    draw(ax, rows, x_key, hue)
    unit = kpi_unit(kpi)
    ax.set_xlabel(parameter_label(x_key))
    ax.set_ylabel(f"mean and 95% interval ({unit})" if unit else "mean and 95% interval")
    if hue:
        ax.legend()
    return fig


def _as_tuple(name: object) -> tuple:
    return name if isinstance(name, tuple) else (name,)


def warmup_figure(suggestion: WarmupSuggestion, source: str) -> Figure:
    """Daily waiting list of each replication, their mean, and the suggested warm-up."""
    fig, ax = _figure(f"Warm-up by MSER-5 on the daily {WARMUP_SERIES}", source)
    for _, rep in suggestion.per_replication.groupby("replication"):
        ax.plot(rep["day"], rep["value"], color="gray", alpha=TRACE_ALPHA, linewidth=TRACE_WIDTH)
    mean = suggestion.mean_series
    ax.plot(mean.index, mean.to_numpy(), color="black", label="mean of replications")
    ax.axvline(suggestion.warmup_days, color="tab:red", linestyle="--",
               label=f"suggested warm-up: {suggestion.warmup_days} days")
    ax.set_xlabel("day of simulation (days)")
    ax.set_ylabel("clients waiting for Hub therapy (clients)")
    ax.legend()
    return fig
