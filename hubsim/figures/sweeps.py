"""Figures for sweeps and warm-up: matplotlib ``Figure`` objects rendered by Agg, saved as PNG.

No pyplot and no GUI backend: a figure is built, saved and discarded. Every figure has a title,
axis labels with units and a source line naming the scenario, replications and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hubsim.experiments.warmup import WARMUP_SERIES, WarmupSuggestion
from hubsim.results.kpis import KPI_UNITS
from hubsim.scenario import registry

FIG_SIZE_IN = (8.0, 4.8)  # inches: readable on screen and in a report page
DPI = 150  # PNG resolution: sharp when zoomed
BAND_ALPHA = 0.2  # interval bands light enough to see overlapping lines through
TRACE_ALPHA = 0.25  # single replications behind the mean
TRACE_WIDTH = 0.8  # points: thinner than the mean line drawn over them
GRID_ALPHA = 0.3  # a faint grid that does not compete with the data
SOURCE_FONT_SIZE = 8
SOURCE_XY = (0.01, 0.01)  # figure coordinates of the source line (bottom left)
BOTTOM_MARGIN = 0.16  # room below the axes for the source line


def source_line(scenario: str, replications: int, seed: int) -> str:
    """The foot-of-figure source: scenario, replications, seed."""
    noun = "replication" if replications == 1 else "replications"
    return f"Source: hubsim simulation. Scenario: {scenario}; {replications} {noun}; seed {seed}"


def _figure(title: str, source: str) -> tuple[Figure, object]:
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


def parameter_label(key: str) -> str:
    """Axis label for a scenario key, with its unit from the evidence registry when known."""
    try:
        unit = registry.entry(key).unit
    except KeyError:
        return key
    return f"{key} ({unit})"


def kpi_label(kpi: str) -> str:
    """Axis label for a KPI with its unit."""
    unit = KPI_UNITS.get(kpi.split(":")[-1])
    return f"{kpi} ({unit})" if unit else kpi


def _positions(values: pd.Series) -> tuple[pd.Series, list | None]:
    """Numeric x positions, and tick labels when the values are not numbers."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric, None
    labels = list(dict.fromkeys(values.astype(str)))
    return values.astype(str).map({v: i for i, v in enumerate(labels)}), labels


def sweep_figure(table: pd.DataFrame, kpi: str, keys: Sequence[str], source: str) -> Figure:
    """A KPI's mean and 95% interval band against the first varied key.

    One line per combination of the other varied keys. ``table`` is the tidy sweep table.
    """
    rows = table[table["kpi"] == kpi]
    x_key, others = keys[0], list(keys[1:])
    fig, ax = _figure(f"{kpi} by {x_key}", source)
    groups = rows.groupby(others, sort=False) if others else [((), rows)]
    for name, group in groups:
        x, labels = _positions(group[x_key])
        order = x.argsort().to_numpy()
        xs = x.to_numpy()[order]
        label = ", ".join(f"{k}={v}" for k, v in zip(others, _as_tuple(name), strict=True))
        line = ax.plot(xs, group["mean"].to_numpy()[order], marker="o", label=label or None)[0]
        ax.fill_between(xs, group["ci_low"].to_numpy()[order], group["ci_high"].to_numpy()[order],
                        color=line.get_color(), alpha=BAND_ALPHA, linewidth=0)
        if labels is not None:
            ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(parameter_label(x_key))
    ax.set_ylabel(kpi_label(kpi) + ", mean and 95% CI")
    if others:
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
