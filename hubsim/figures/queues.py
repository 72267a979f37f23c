"""Fan charts of queues over time: median and 50% / 90% bands across replications."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import cast

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
    SERIES_COLOURS,
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

    _label: str

    def __new__(cls, handles: tuple, label: str) -> _Labelled:
        obj = super().__new__(cls, handles)
        obj._label = label
        return obj

    def get_label(self) -> str:
        return self._label


KEY_WRAP_CHARS = 70  # a change's key entry wraps at this many characters
KEY_BELOW = (0.0, -0.16)  # axes fraction: the key of changes starts under the date labels
MARKER_SIZE = 11  # points: the numbered marker at the top of a change's line


def _change_words(rows: pd.DataFrame, several_hubs: bool) -> str:
    """'therapists 1→3 WTE; ...' for the changes of one date ('all staff posts end' when every
    role of every Hub goes to 0 WTE, as when funding ends)."""
    if len(rows) > 1 and (rows["wte"] == 0).all():
        hubs = ", ".join(sorted(rows["hub"].unique())) if several_hubs else ""
        return f"{hubs + ': ' if hubs else ''}all staff posts end (funding ends)"
    words = []
    for row in rows.itertuples(index=False):
        role = str(row.role)
        who = ROLE_LABELS.get(role, role)
        hub = f"{row.hub} " if several_hubs else ""
        words.append(f"{hub}{who} {row.wte_before:g}→{row.wte:g} WTE")
    return "; ".join(words)


def mark_changes(ax: Axes, changes: pd.DataFrame | None) -> list:
    """Staffing changes (``hub, role, date, wte_before, wte`` rows) as dashed vertical lines,
    each with a numbered marker at the top; changes on the same date share one line.

    Returns one legend handle per date (the number, then the date and the change in words), to
    be shown in a key: see ``change_key``. Empty when there are no changes.
    """
    if changes is None or changes.empty:
        return []
    several_hubs = changes["hub"].nunique() > 1
    top = blended_transform_factory(ax.transData, ax.transAxes)
    handles = []
    for number, (when, rows) in enumerate(changes.groupby("date", sort=True), start=1):
        stamp = pd.Timestamp(cast(dt.date, when))
        # matplotlib's stubs take floats; its unit registry converts dates (as for the lines)
        ax.axvline(stamp, color=GREY, linestyle="--", linewidth=1)  # type: ignore[arg-type]
        ax.plot([stamp], [LABEL_TOP], transform=top, marker=f"${number}$",  # type: ignore[arg-type]
                color=GREY, markersize=MARKER_SIZE, linestyle="none", clip_on=False)
        words = f"{stamp:%-d %b %Y}: {_change_words(rows, several_hubs)}"
        handles.append(Line2D([], [], color=GREY, marker=f"${number}$", linestyle="none",
                              markersize=MARKER_SIZE,
                              label=textwrap.fill(words, KEY_WRAP_CHARS,
                                                  subsequent_indent="  ")))
    return handles


def change_key(ax: Axes, handles: list, below: tuple[float, float] = KEY_BELOW) -> None:
    """The key of numbered staffing changes under the axes (keeps any legend already drawn)."""
    if not handles:
        return
    current = ax.get_legend()
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=below,
              title="staffing changes (dashed lines)", alignment="left",
              fontsize=SOURCE_SIZE + 0.5, title_fontsize=SOURCE_SIZE + 0.5)
    if current is not None:
        ax.add_artist(current)


def shade_warmup(ax: Axes, start: dt.date | None, until: dt.date | None) -> None:
    """Grey span over the warm-up period (results do not count it)."""
    if start is None or until is None or until <= start:
        return
    ax.axvspan(pd.Timestamp(start), pd.Timestamp(until),  # type: ignore[arg-type]  # dates
               color=LIGHT_GREY, alpha=SHADE_ALPHA,
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
        key = mark_changes(ax, changes)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("date (end of day)")
        ax.set_ylim(bottom=0)
        date_axis(ax)
        ax.legend(loc="upper left")
        change_key(ax, key)
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


OVERLAY_SERIES: dict[str, tuple[str, str]] = {
    "therapy_waitlist": ("Hub therapy waiting list", "clients waiting for Hub therapy"),
    "triage_backlog": ("Triage queue", "clients awaiting a triage call"),
}
"""Series that ``waitlists_overlaid`` draws: (title words, y-axis words)."""


def waitlists_overlaid(
    series: dict[str, pd.DataFrame], column: str = "therapy_waitlist", *,
    source: str | None = None,
) -> Figure:
    """One daily series of several scenarios on one axis: each scenario's median across
    replications on its middle-50% band, in its own colour.

    Parameters
    ----------
    series : scenario label -> its timeseries (as for ``fan_chart``; Hubs are summed)
    column : ``therapy_waitlist`` or ``triage_backlog``
    source : source line for the foot of the figure
    """
    title, ylabel = OVERLAY_SERIES[column]
    with house_style():
        fig, (ax,) = new_figure()
        handles = []
        for colour, (label, timeseries) in zip(SERIES_COLOURS, series.items(), strict=False):
            bands = percentile_bands(replication_totals(timeseries, [column]), column, by="date",
                                     quantiles=QUANTILES)
            draw_bands(ax, bands, "date", colour, outer=False)
            handles.append(band_handle(colour, label))
        ax.set_ylabel(f"{ylabel}\n(end of day)")
        ax.set_xlabel("date (end of day)")
        ax.set_ylim(bottom=0)
        date_axis(ax)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2,
                  title="median and middle 50% of replications")
        return finish(fig, f"{title}: scenarios compared", source)
