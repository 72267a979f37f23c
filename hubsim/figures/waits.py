"""Waits for Hub therapy against the 6- and 18-week standards.

The right panel is the share of *all* joiners of the therapy waiting list who had started within
each wait (Kaplan-Meier, still-waiting and leaving clients counted: ``hubsim.results.waits``),
averaged over replications: at 6 and 18 weeks it equals the ``therapy_started_within_6w_pct`` and
``therapy_started_within_18w_pct`` KPIs printed beside it. The left panel shows the waits of the
clients who started (the ``therapy_wait_days_*_started`` figures), labelled so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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
from hubsim.results.run_facts import hubs
from hubsim.results.waits import WEEKS_6_DAYS, WEEKS_18_DAYS, WEEKS_52_DAYS, WaitCurve, wait_curves
from hubsim.scenario.units import DAYS_PER_WEEK

GRID_STEPS_PER_WEEK = 14  # the curve is drawn at half-day steps
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
    ax.hist(weeks, bins=bins.tolist(), weights=weights, color=OKABE_ITO["blue"], edgecolor="white")
    _standards(ax, label=True)
    week_ticks(ax, top)
    ax.set_xlabel("wait from joining the list to first session (weeks)")
    ax.set_ylabel("% of clients who started therapy\n(started only; one bar per week)")
    percent_axis(ax)
    ax.legend(loc="center right")


def started_within_pct(curves: list[WaitCurve], days: float) -> float:
    """Mean over replications of ``100 (1 - S(days))``: the share of joiners started within
    ``days``, as the KPI summary averages it (replications where it is unknown left out)."""
    values = [100.0 * (1.0 - c.share_waiting(days)) for c in curves]
    values = [v for v in values if not math.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def _share_line(share_pct: float, words: str) -> str:
    if math.isnan(share_pct):
        return f"not known who {words}: not followed up that long"
    return f"{share_pct:.1f}% {words}"


def _started_curve(ax: Axes, curves: list[WaitCurve], top: float) -> None:
    days = np.linspace(0.0, top * DAYS_PER_WEEK, int(top * GRID_STEPS_PER_WEEK) + 1)
    share = np.array([started_within_pct(curves, d) for d in days])
    ax.step(days / DAYS_PER_WEEK, share, where="post", color=OKABE_ITO["blue"],
            linewidth=LINE_WIDTH)
    _standards(ax, label=False)
    lines = [_share_line(started_within_pct(curves, limit * DAYS_PER_WEEK),
                         f"started within {limit:g} weeks") for limit in STANDARDS_WEEKS]
    lines.append(_share_line(PERCENT - started_within_pct(curves, WEEKS_52_DAYS),
                             "waited over 52 weeks"))
    ax.text(*NOTE_CORNER, "\n".join(lines), transform=ax.transAxes, ha="right", va="bottom",
            color=GREY, bbox={"facecolor": "white", "edgecolor": LIGHT_GREY})
    week_ticks(ax, top)
    ax.set_ylim(0, PERCENT * SNUG_HEADROOM)
    ax.set_xlabel("wait (weeks)")
    ax.set_ylabel("% of all who joined the list\nwho had started (still waiting counted)")
    percent_axis(ax)


def kpi_windows(metadata: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Hub id -> (warm-up days, horizon days) of each Hub in a run's metadata (the resolved
    scenario), for ``therapy_waits``. Raises ``KeyError`` when a Hub has no horizon."""
    return {str(h.get("hub")): (float(h.get("warmup_days", 0.0)), float(h["horizon_days"]))
            for h in hubs(metadata)}


def therapy_waits(
    clients: pd.DataFrame, windows: Mapping[str, tuple[float, float]], *,
    source: str | None = None,
) -> Figure:
    """Waits for Hub therapy: started clients' waits, and the share of all joiners started
    within each wait, with the 6- and 18-week standards.

    Parameters
    ----------
    clients : one row per client; columns ``hub``, ``arrival_day``, ``pathway``,
        ``waitlist_join_day``, ``course_start_day``, ``therapy_wait_days``, ``exit_day``,
        ``exit_reason`` (days) and, for several replications, ``replication``
    windows : Hub id -> (warm-up days, horizon days), so clients count as in the KPIs
    source : source line for the foot of the figure

    Notes
    -----
    The right panel's shares at 6 and 18 weeks are the ``therapy_started_within_*_pct`` KPIs
    (the mean over replications); its 52-week line is ``therapy_waited_over_52w_pct``.
    """
    curves = wait_curves(clients, "therapy", windows)
    waiters = clients[clients["pathway"] == "hub_therapy"]
    weeks = (waiters["therapy_wait_days"].dropna() / DAYS_PER_WEEK).to_numpy(float)
    not_started = waiters["therapy_wait_days"].isna()
    left = int((not_started & (waiters["exit_reason"] == "left_waitlist")).sum())
    top = max(MIN_AXIS_WEEKS, float(weeks.max()) + 1.0 if weeks.size else 0.0)
    with house_style():
        fig, (left_ax, right_ax) = new_figure(1, 2)
        _histogram(left_ax, weeks, top)
        _started_curve(right_ax, curves, top)
        note = (f"{weeks.size:,} clients started therapy (all replications pooled); "
                f"{int(not_started.sum()) - left:,} still waiting at the end and {left:,} who "
                "left the list count in the right panel")
        left_ax.set_title(note, loc="left", fontsize="small", color=GREY)
        return finish(fig, "Waits for Hub therapy against the 6- and 18-week standards", source)
