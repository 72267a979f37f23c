"""Sweep curves (a KPI against a varied parameter) and the staffing-search curve."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hubsim.figures.labels import (
    SUPTITLE_WRAP_CHARS,
    kpi_title,
    parameter_label,
    target_words,
)
from hubsim.figures.style import (
    FULL_SCALE_HEADROOM,
    GREY,
    OKABE_ITO,
    PANEL_HEIGHT_IN,
    SERIES_COLOURS,
    finish,
    house_style,
    new_figure,
    percent_axis,
)
from hubsim.results.columns import kpi_unit

STAT_COLUMNS = frozenset(
    {"kpi", "mean", "sd", "ci_low", "ci_high", "half_width", "n", "unit", "scenario", "label"}
)
MAX_PANELS = 6
DEFAULT_KPIS = (
    "therapy_wait_days_mean", "therapy_waited_over_52w_pct", "therapy_started_within_18w_pct",
    "therapy_waitlist_max", "therapist_utilisation", "cost_total_gbp",
)
"""KPIs drawn by default when the table has them: the ones staffing and demand move, the mean
therapy wait (all who joined) beside its tail (the share waiting over 52 weeks)."""
PANEL_COLUMNS = 2
INTERVAL_ALPHA = 0.2
DODGE = 0.12  # x-axis units between series drawn side by side at one category
CAP_SIZE = 4  # points: error-bar caps
ZOOM_NEIGHBOURS = 2  # levels tried on each side of the answer kept in view
ZOOM_PAD = 0.08  # share of the shown span left empty at each end
ZOOM_MIN_SPAN = 0.5  # WTE: the narrowest span shown
PERCENT = 100.0


def varied_keys(sweep: pd.DataFrame) -> list[str]:
    """The columns of a tidy sweep table that hold the varied parameters."""
    return [c for c in sweep.columns if c not in STAT_COLUMNS]


def is_categorical(values: pd.Series) -> bool:
    """True when the swept values are not all numbers (e.g. waiting-list policies)."""
    return bool(pd.to_numeric(values, errors="coerce").isna().any())


def draw_points(ax: Axes, rows: pd.DataFrame, x: str, hue: str | None) -> None:
    """A category sweep: one point per value with its 95% interval as an error bar, no line
    (nothing lies between categories); several series side by side, a little apart."""
    categories = list(dict.fromkeys(rows[x].astype(str)))
    groups = list(rows.groupby(hue, sort=True)) if hue else [(None, rows)]
    for i, (colour, (value, group)) in enumerate(zip(SERIES_COLOURS, groups, strict=False)):
        offset = (i - (len(groups) - 1) / 2) * DODGE
        position = group[x].astype(str).map({c: j for j, c in enumerate(categories)}) + offset
        mean = group["mean"].to_numpy(float)
        error = None
        if {"ci_low", "ci_high"} <= set(group.columns):
            error = [mean - group["ci_low"].to_numpy(float),
                     group["ci_high"].to_numpy(float) - mean]
        ax.errorbar(position, mean, yerr=error, fmt="o", color=colour, capsize=CAP_SIZE,
                    label=f"{parameter_label(hue)} = {value!s}" if hue else None)
    ax.set_xticks(range(len(categories)), categories)
    ax.set_xlim(-0.5, len(categories) - 0.5)


def draw_lines(ax: Axes, rows: pd.DataFrame, x: str, hue: str | None) -> None:
    """A numeric sweep: mean joined by a line over a shaded 95% interval, per series."""
    groups = rows.groupby(hue, sort=True) if hue else [(None, rows)]
    for colour, (value, group) in zip(SERIES_COLOURS, groups, strict=False):
        group = group.assign(**{x: pd.to_numeric(group[x])}).sort_values(x)
        label = f"{parameter_label(hue)} = {value!s}" if hue else None
        ax.plot(group[x], group["mean"], marker="o", color=colour, label=label)
        if {"ci_low", "ci_high"} <= set(group.columns):
            ax.fill_between(group[x], group["ci_low"], group["ci_high"], color=colour,
                            alpha=INTERVAL_ALPHA, linewidth=0)


def _panel(ax: Axes, rows: pd.DataFrame, x: str, hue: str | None, kpi: str) -> None:
    draw = draw_points if is_categorical(rows[x]) else draw_lines
    draw(ax, rows, x, hue)
    unit = kpi_unit(kpi)
    ax.set_title(kpi_title(kpi), loc="left", fontsize="medium")
    ax.set_ylabel(f"mean and 95% interval ({unit})" if unit else "mean and 95% interval")
    ax.set_xlabel(parameter_label(x))
    if hue:
        ax.legend(fontsize="small")


def sweep_curves(
    sweep: pd.DataFrame, *, source: str | None = None, x: str | None = None,
    kpis: list[str] | None = None,
) -> Figure:
    """One panel per KPI: mean and 95% interval against the varied parameter.

    Parameters
    ----------
    sweep : tidy table, one row per (parameter value(s), KPI); columns: the varied key(s) (named
        by their dotted scenario key, e.g. ``staff.therapists.wte``), ``kpi``, ``mean`` and,
        optionally, ``ci_low``, ``ci_high`` (in the KPI's unit). Other statistic columns (``sd``,
        ``half_width``, ``n``) are ignored. A second varied key draws one line per value.
    source : source line for the foot of the figure
    x : the varied key for the x axis (default: the first)
    kpis : KPIs to draw (default: those of ``DEFAULT_KPIS`` in the table, else the table's
        first six)
    """
    keys = varied_keys(sweep)
    if not keys:
        raise ValueError("sweep table has no varied-parameter column")
    x = x or keys[0]
    hue = next((k for k in keys if k != x), None)
    present = list(dict.fromkeys(sweep["kpi"]))
    names = kpis or [k for k in DEFAULT_KPIS if k in present] or present[:MAX_PANELS]
    rows = math.ceil(len(names) / PANEL_COLUMNS)
    cols = min(len(names), PANEL_COLUMNS)
    with house_style():
        fig, axes = new_figure(rows, cols, height=PANEL_HEIGHT_IN * rows)
        for ax, kpi in zip(axes, names, strict=False):
            _panel(ax, sweep[sweep["kpi"] == kpi], x, hue, kpi)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        return finish(fig, f"KPIs against {parameter_label(x)} (mean and 95% interval)",
                      source)


SHARE_COLUMNS: dict[str, float] = {
    "share_of_replications_meeting": PERCENT, "share_meeting_target": PERCENT,
    "share_meeting_target_pct": 1.0,
}
"""Accepted names of the share column -> factor to percent (``hubsim staff`` writes the first)."""


def _search_share(search: pd.DataFrame) -> pd.Series:
    for column, factor in SHARE_COLUMNS.items():
        if column in search:
            return search[column] * factor
    raise ValueError(f"staffing search table has none of the columns {', '.join(SHARE_COLUMNS)}")


def zoom_window(tried: pd.Series, chosen: float | None,
                neighbours: int = ZOOM_NEIGHBOURS) -> tuple[float, float] | None:
    """x limits showing the answer and the ``neighbours`` levels tried nearest each side of it
    (a bisection tries levels far from the answer first; they would squeeze the region that
    decides it). None when there is no answer or nothing to zoom."""
    if chosen is None or not len(tried):
        return None
    levels = sorted(set(pd.to_numeric(tried).astype(float)))
    below = [v for v in levels if v < chosen][-neighbours:]
    above = [v for v in levels if v > chosen][:neighbours]
    lo, hi = min([chosen, *below]), max([chosen, *above])
    if lo == levels[0] and hi == levels[-1]:
        return None
    pad = ZOOM_PAD * max(hi - lo, ZOOM_MIN_SPAN)
    return lo - pad, hi + pad


def staffing_search_curve(
    search: pd.DataFrame, *, source: str | None = None, x: str = "wte",
    target_pct: float | None = None, chosen: float | None = None, role: str = "staff",
    target: str | None = None,
) -> Figure:
    """Share of replications meeting the target at each staffing level tried.

    Parameters
    ----------
    search : one row per staffing level tried (``search.csv`` of ``hubsim staff --out``):
        ``x`` (default ``wte``, whole-time equivalents) and the share of replications meeting
        the target, as ``share_of_replications_meeting`` or ``share_meeting_target`` (0-1) or
        ``share_meeting_target_pct`` (0-100); optionally ``meets_target`` (filled points)
    source : source line for the foot of the figure
    x : the staffing column
    target_pct : required share of replications meeting the target (%), drawn as a line
    chosen : the staffing level the search chose, marked on the x axis
    role, target : the role searched and the target, for the labels (e.g. ``therapists``,
        ``therapy_started_within_18w_pct >= 95``)
    """
    points = search.sort_values(x)
    share = _search_share(points)
    held = points["meets_target"].astype(bool) if "meets_target" in points else None
    with house_style():
        fig, (ax,) = new_figure()
        colour = OKABE_ITO["blue"]
        ax.plot(points[x], share, color=colour, linestyle=":", label="staffing levels tried")
        faces = colour if held is None else [colour if h else "white" for h in held]
        ax.scatter(points[x], share, facecolors=faces, edgecolors=colour, zorder=3)
        if held is not None:  # a legend entry with a filled point (the first point may be hollow)
            ax.plot([], [], marker="o", color=colour, linestyle="none",
                    label="filled: target met often enough")
        if target_pct is not None:
            ax.axhline(target_pct, color=OKABE_ITO["vermillion"], linestyle="--",
                       label=f"required: {target_pct:g}% of replications")
        if chosen is not None:
            ax.axvline(chosen, color=GREY, linestyle="-.", label=f"answer: {chosen:g} WTE")
        ax.set_ylim(0, PERCENT * FULL_SCALE_HEADROOM)
        percent_axis(ax)
        window = zoom_window(points[x], chosen)
        label = f"{role} (whole-time equivalents, WTE)" if x == "wte" else x
        if window is not None:
            ax.set_xlim(*window)
            outside = int(((points[x] < window[0]) | (points[x] > window[1])).sum())
            if outside:
                label += (f"\nzoomed on the answer: {outside} of {len(points)} levels tried "
                          f"lie outside ({points[x].min():g} to {points[x].max():g} WTE)")
        ax.set_xlabel(label)
        ax.set_ylabel("replications meeting the target (%)")
        ax.legend(loc="lower right")
        title = (textwrap.fill(f"Staffing search: {target_words(target, 0)}", SUPTITLE_WRAP_CHARS)
                 if target else "Staffing search")
        return finish(fig, title, source)
