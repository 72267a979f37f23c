"""Shared look of hubsim figures: colour-blind-safe palette, font sizes, titles and source lines,
and writing a figure to PNG and SVG.

Figures are built as ``matplotlib.figure.Figure`` objects without pyplot, so no GUI backend is ever
touched: PNG is rendered by Agg, SVG by matplotlib's SVG writer. In a notebook, run
``%matplotlib inline`` once and a returned figure displays itself.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

# Okabe & Ito (2008) "Color Universal Design": distinguishable with common colour-vision deficiency
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
}
SERIES_COLOURS: tuple[str, ...] = tuple(OKABE_ITO.values())
GREY = "#6E6E6E"
LIGHT_GREY = "#D9D9D9"

WIDTH_IN = 9.0  # inches: a full-width figure in a report page
HEIGHT_IN = 4.8
PANEL_HEIGHT_IN = 3.4  # height per row of panels in multi-panel figures
FILE_DPI = 150  # PNG files: sharp when zoomed
REPORT_DPI = 110  # PNGs embedded in the HTML report: small files, readable on screen

LINE_WIDTH = 1.8  # points: data lines
REFERENCE_WIDTH = 1.4  # points: standards, thresholds and other reference lines
AXIS_LINE_WIDTH = 0.8  # points: zero lines
FULL_SCALE_HEADROOM = 1.05  # y axis top as a multiple of 100% (room for a line at 100%)
SNUG_HEADROOM = 1.02
TITLE_X = 0.01  # figure fraction: title and source line start at the left edge
NOTE_CORNER = (0.97, 0.05)  # axes fraction: bottom-right corner for a text box
LABEL_TOP = 0.98  # axes fraction: the top end of labels written along vertical lines
SHADE_ALPHA = 0.5
PERCENT_SCALE = 100.0  # a share 0-1 times this is a percentage
MIN_DATE_TICKS, MAX_DATE_TICKS = 4, 10

FONT_SIZE = 10.5
TITLE_SIZE = 13
SOURCE_SIZE = 8.5
_RC: dict[RcKeyType, object] = {
    "font.size": FONT_SIZE, "axes.titlesize": TITLE_SIZE, "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 1, "ytick.labelsize": FONT_SIZE - 1,
    "legend.fontsize": FONT_SIZE - 1, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": LIGHT_GREY, "grid.linewidth": 0.6, "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=SERIES_COLOURS),
}


@contextmanager
def house_style() -> Iterator[None]:
    """Apply hubsim's matplotlib settings while building a figure."""
    with mpl.rc_context(_RC):
        yield


def new_figure(
    nrows: int = 1, ncols: int = 1, height: float | None = None,
) -> tuple[Figure, list[Axes]]:
    """A figure and its axes (always a flat list), with constrained layout."""
    fig = Figure(figsize=(WIDTH_IN, height or HEIGHT_IN), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    return fig, axes


def finish(fig: Figure, title: str, source: str | None) -> Figure:
    """Add the title and, at the foot, the source line."""
    fig.suptitle(title, fontsize=TITLE_SIZE, fontweight="bold", x=TITLE_X, ha="left")
    if source:
        fig.supxlabel(source, fontsize=SOURCE_SIZE, color=GREY, x=TITLE_X, ha="left")
    return fig


def percent_axis(ax: Axes, axis: str = "y") -> None:
    """Format an axis in 0-100 as percentages."""
    formatter = mpl.ticker.PercentFormatter(xmax=100, decimals=0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def date_axis(ax: Axes) -> None:
    """Concise calendar dates on the x axis."""
    locator = mdates.AutoDateLocator(minticks=MIN_DATE_TICKS, maxticks=MAX_DATE_TICKS)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def png_bytes(fig: Figure, dpi: int = REPORT_DPI) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _write_atomic(fig: Figure, path: Path, fmt: str, dpi: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            fig.savefig(handle, format=fmt, dpi=dpi, facecolor="white")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, path_stem: str | Path, dpi: int = FILE_DPI) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` (each atomically); return the two paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in ("png", "svg"):
        path = stem.with_name(f"{stem.name}.{fmt}")
        _write_atomic(fig, path, fmt, dpi)
        paths.append(path)
    return paths
