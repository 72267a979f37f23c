"""Sweep curves (a KPI against a varied parameter) and the staffing-search curve."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
from hubsim.results.columns import kpi_label, kpi_unit

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
PERCENT = 100.0


def varied_keys(sweep: pd.DataFrame) -> list[str]:
    """The columns of a tidy sweep table that hold the varied parameters."""
    return [c for c in sweep.columns if c not in STAT_COLUMNS]


def _panel(ax: Axes, rows: pd.DataFrame, x: str, hue: str | None, kpi: str) -> None:
    groups = rows.groupby(hue, sort=True) if hue else [(None, rows)]
    for colour, (value, group) in zip(SERIES_COLOURS, groups, strict=False):
        group = group.sort_values(x)
        label = f"{hue} = {value}" if hue else None
        ax.plot(group[x], group["mean"], marker="o", color=colour, label=label)
        if {"ci_low", "ci_high"} <= set(group.columns):
            ax.fill_between(group[x], group["ci_low"], group["ci_high"], color=colour,
                            alpha=INTERVAL_ALPHA, linewidth=0)
    unit = kpi_unit(kpi)
    ax.set_title(kpi_label(kpi), loc="left", fontsize="medium")
    ax.set_ylabel(unit or kpi)
    ax.set_xlabel(x)
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
        return finish(fig, f"KPIs against {x} (mean and 95% interval)", source)


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
        ax.scatter(points[x], share, facecolors=faces, edgecolors=colour, zorder=3,
                   label=None if held is None else "filled: target met often enough")
        if target_pct is not None:
            ax.axhline(target_pct, color=OKABE_ITO["vermillion"], linestyle="--",
                       label=f"required: {target_pct:g}% of replications")
        if chosen is not None:
            ax.axvline(chosen, color=GREY, linestyle="-.", label=f"answer: {chosen:g} WTE")
        ax.set_ylim(0, PERCENT * FULL_SCALE_HEADROOM)
        percent_axis(ax)
        ax.set_xlabel(f"{role} (whole-time equivalents)" if x == "wte" else x)
        ax.set_ylabel("replications meeting the target (%)")
        ax.legend(loc="lower right")
        title = f"Staffing search: {target}" if target else "Staffing search"
        return finish(fig, title, source)
