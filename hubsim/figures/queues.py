"""Fan charts of queues over time: median and 50% / 90% bands across replications."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from hubsim.figures.style import (
    GREY,
    LABEL_TOP,
    LIGHT_GREY,
    LINE_WIDTH,
    OKABE_ITO,
    SHADE_ALPHA,
    SOURCE_SIZE,
    date_axis,
    finish,
    house_style,
    new_figure,
)
from hubsim.results.run_facts import ROLE_LABELS
from hubsim.results.stats import percentile_bands

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 90% band, the 50% band and the median
OUTER_ALPHA = 0.22
INNER_ALPHA = 0.45


def replication_totals(timeseries: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` summed over Hubs for each replication and date (``date`` as datetime)."""
    frame = timeseries.assign(date=pd.to_datetime(timeseries["date"]))
    return frame.groupby(["replication", "date"], as_index=False)[columns].sum()


def draw_bands(
    ax: Axes, bands: pd.DataFrame, x: str, colour: str, label: str = "", outer: bool = True
) -> None:
    """Median line with 50% (and 90%) bands from ``percentile_bands`` output (q05 ... q95).

    ``label`` prefixes the legend entries (for several series on one axis); ``outer=False``
    leaves out the 90% band.
    """
    prefix = f"{label}: " if label else ""
    if outer:
        ax.fill_between(bands[x], bands["q05"], bands["q95"], color=colour, alpha=OUTER_ALPHA,
                        linewidth=0, label=f"{prefix}middle 90% of replications")
    ax.fill_between(bands[x], bands["q25"], bands["q75"], color=colour, alpha=INNER_ALPHA,
                    linewidth=0, label=f"{prefix}middle 50%")
    ax.plot(bands[x], bands["q50"], color=colour, linewidth=LINE_WIDTH, label=f"{prefix}median")


def band_handle(colour: str, label: str) -> tuple:
    """A legend entry showing a median line on its 50% band: use as ``handles=[...]``."""
    patch = Patch(color=colour, alpha=INNER_ALPHA, linewidth=0)
    line = Line2D([], [], color=colour, linewidth=LINE_WIDTH)
    return _Labelled((patch, line), label)


class _Labelled(tuple):
    """A (patch, line) legend handle that carries its label (matplotlib reads ``get_label``)."""

    def __new__(cls, handles: tuple, label: str) -> _Labelled:
        obj = super().__new__(cls, handles)
        obj._label = label
        return obj

    def get_label(self) -> str:
        return self._label


def mark_changes(ax: Axes, changes: pd.DataFrame | None) -> None:
    """Dashed vertical lines at staffing changes (``hub, role, date, wte_before, wte`` rows);
    changes on the same date share one line and one label."""
    if changes is None or changes.empty:
        return
    several_hubs = changes["hub"].nunique() > 1
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for when, rows in changes.groupby("date", sort=True):
        words = []
        for row in rows.itertuples(index=False):
            who = ROLE_LABELS.get(row.role, row.role)
            hub = f"{row.hub} " if several_hubs else ""
            words.append(f"{hub}{who} {row.wte_before:g}→{row.wte:g} WTE")
        stamp = pd.Timestamp(when)
        ax.axvline(stamp, color=GREY, linestyle="--", linewidth=1)
        ax.text(stamp, LABEL_TOP, f" {'; '.join(words)}", transform=top, rotation=90, va="top",
                ha="right", fontsize=SOURCE_SIZE, color=GREY)


def shade_warmup(ax: Axes, start: dt.date | None, until: dt.date | None) -> None:
    """Grey span over the warm-up period (results do not count it)."""
    if start is None or until is None or until <= start:
        return
    ax.axvspan(pd.Timestamp(start), pd.Timestamp(until), color=LIGHT_GREY, alpha=SHADE_ALPHA,
               linewidth=0, label="warm-up (not in results)")


def fan_chart(
    timeseries: pd.DataFrame, column: str, *, title: str, ylabel: str,
    source: str | None = None, changes: pd.DataFrame | None = None,
    warmup: tuple[dt.date, dt.date] | None = None, colour: str = OKABE_ITO["blue"],
) -> Figure:
    """Median and 50% / 90% bands of a daily series across replications.

    Parameters
    ----------
    timeseries : one row per day per Hub per replication; columns ``date``, ``replication`` and
        ``column`` (several Hubs are summed for each date)
    column : the series to draw (e.g. ``therapy_waitlist``, clients)
    title, ylabel : figure title and y-axis label (with the unit)
    source : source line for the foot of the figure
    changes : staffing changes to mark (see ``hubsim.results.run_facts.staffing_changes``)
    warmup : (start date, end of warm-up) to shade, or None
    """
    bands = percentile_bands(replication_totals(timeseries, [column]), column, by="date",
                             quantiles=QUANTILES)
    with house_style():
        fig, (ax,) = new_figure()
        shade_warmup(ax, *(warmup or (None, None)))
        draw_bands(ax, bands, "date", colour)
        mark_changes(ax, changes)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("date")
        ax.set_ylim(bottom=0)
        date_axis(ax)
        ax.legend(loc="upper left")
        return finish(fig, title, source)


def therapy_waitlist_fan(timeseries: pd.DataFrame, **kwargs) -> Figure:
    """Fan chart of the Hub therapy waiting list (clients waiting at the end of each day).

    ``kwargs`` as for ``fan_chart`` (``source``, ``changes``, ``warmup``).
    """
    return fan_chart(
        timeseries, "therapy_waitlist", title="Hub therapy waiting list over time",
        ylabel="clients waiting for Hub therapy\n(end of day)", **kwargs,
    )


def triage_backlog_fan(timeseries: pd.DataFrame, **kwargs) -> Figure:
    """Fan chart of the triage queue (clients awaiting a triage call at the end of each day)."""
    return fan_chart(
        timeseries, "triage_backlog", title="Triage queue over time",
        ylabel="clients awaiting a triage call\n(end of day)", colour=OKABE_ITO["vermillion"],
        **kwargs,
    )
