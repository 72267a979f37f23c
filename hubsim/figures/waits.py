"""Distribution of waits for Hub therapy against the 6- and 18-week standards."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hubsim.figures.style import (
    GREY,
    LIGHT_GREY,
    LINE_WIDTH,
    NOTE_CORNER,
    OKABE_ITO,
    REFERENCE_WIDTH,
    SNUG_HEADROOM,
    finish,
    house_style,
    new_figure,
    percent_axis,
)
from hubsim.kpis import WEEKS_6_DAYS, WEEKS_18_DAYS

DAYS_PER_WEEK = 7.0
STANDARDS_WEEKS = (WEEKS_6_DAYS / DAYS_PER_WEEK, WEEKS_18_DAYS / DAYS_PER_WEEK)
MIN_AXIS_WEEKS = 20.0  # the axis always reaches past the 18-week line
PERCENT = 100.0


def _standards(ax: Axes, label: bool) -> None:
    for weeks, colour in zip(STANDARDS_WEEKS, (OKABE_ITO["green"], OKABE_ITO["vermillion"]),
                             strict=True):
        ax.axvline(weeks, color=colour, linestyle="--", linewidth=REFERENCE_WIDTH,
                   label=f"{weeks:g}-week standard" if label else None)


def week_ticks(ax: Axes, top: float) -> None:
    """Whole weeks on the x axis, from 0 to ``top``."""
    ax.set_xlim(0, top)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _histogram(ax: Axes, weeks: np.ndarray, top: float) -> None:
    bins = np.arange(0.0, math.ceil(top) + 1.0)
    weights = np.full(weeks.size, PERCENT / weeks.size) if weeks.size else None
    ax.hist(weeks, bins=bins, weights=weights, color=OKABE_ITO["blue"], edgecolor="white")
    _standards(ax, label=True)
    week_ticks(ax, top)
    ax.set_xlabel("wait from joining the list to first session (weeks)")
    ax.set_ylabel("% of clients who started therapy\n(one bar per week of wait)")
    percent_axis(ax)
    ax.legend(loc="center right")


def _ecdf(ax: Axes, weeks: np.ndarray, top: float) -> None:
    ordered = np.sort(weeks)
    share = PERCENT * np.arange(1, ordered.size + 1) / max(ordered.size, 1)
    ax.step(np.append(ordered, top), np.append(share, PERCENT if ordered.size else 0),
            where="post", color=OKABE_ITO["blue"], linewidth=LINE_WIDTH)
    _standards(ax, label=False)
    lines = []
    for limit in STANDARDS_WEEKS:
        within = PERCENT * float(np.mean(weeks <= limit)) if weeks.size else float("nan")
        lines.append(f"{within:.1f}% started within {limit:g} weeks")
    ax.text(*NOTE_CORNER, "\n".join(lines), transform=ax.transAxes, ha="right", va="bottom",
            color=GREY, bbox={"facecolor": "white", "edgecolor": LIGHT_GREY})
    week_ticks(ax, top)
    ax.set_ylim(0, PERCENT * SNUG_HEADROOM)
    ax.set_xlabel("wait (weeks)")
    ax.set_ylabel("cumulative % of clients\nwho started therapy")
    percent_axis(ax)


def therapy_waits(clients: pd.DataFrame, *, source: str | None = None) -> Figure:
    """Histogram and cumulative distribution of waits for Hub therapy, with 6 / 18-week lines.

    Parameters
    ----------
    clients : one row per client; columns ``pathway``, ``therapy_wait_days`` (days; blank when
        therapy never started) and ``exit_reason``. Pooled over all replications present.
    source : source line for the foot of the figure

    Notes
    -----
    Only clients who started therapy have a wait; those still waiting at the end of the horizon
    or who left the list are counted in the subtitle, not drawn. The ``therapy_started_within_*``
    KPIs count them too, so their shares can be lower than the curve's.
    """
    waiters = clients[clients["pathway"] == "hub_therapy"]
    weeks = (waiters["therapy_wait_days"].dropna() / DAYS_PER_WEEK).to_numpy(float)
    not_started = waiters["therapy_wait_days"].isna()
    left = int((not_started & (waiters["exit_reason"] == "left_waitlist")).sum())
    top = max(MIN_AXIS_WEEKS, float(weeks.max()) + 1.0 if weeks.size else 0.0)
    with house_style():
        fig, (left_ax, right_ax) = new_figure(1, 2)
        _histogram(left_ax, weeks, top)
        _ecdf(right_ax, weeks, top)
        note = (f"{weeks.size:,} clients started therapy (all replications pooled); "
                f"{int(not_started.sum()) - left:,} still waiting at the end and {left:,} who "
                "left the list are not drawn")
        left_ax.set_title(note, loc="left", fontsize="small", color=GREY)
        return finish(fig, "Waits for Hub therapy against the 6- and 18-week standards", source)
