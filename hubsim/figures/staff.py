"""Staff utilisation over time, by role."""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.queues import QUANTILES, band_handle, draw_bands, mark_changes
from hubsim.figures.style import (
    FULL_SCALE_HEADROOM,
    LINE_WIDTH,
    OKABE_ITO,
    PANEL_HEIGHT_IN,
    SOURCE_SIZE,
    date_axis,
    finish,
    house_style,
    new_figure,
    percent_axis,
)
from hubsim.results.run_facts import POOL_LABELS, ROLE_LABELS
from hubsim.results.stats import percentile_bands
from hubsim.scenario.staff import CASELOAD_POOLS

PERCENT = 100.0
LEGEND_BELOW = (0.5, -0.16)  # axes fraction: centred under the date labels
LEGEND_COLUMNS = 2
POOL_COLOURS = {"therapy": OKABE_ITO["blue"], "brief": OKABE_ITO["green"]}
TRIAGE_COLOUR = OKABE_ITO["vermillion"]
STAFF_HEADROOM = 1.15  # y axis top as a multiple of the most funded WTE (room for the marker)
OPEN_SMOOTHING_DAYS = 28  # rolling window for the slots-open line (leave and sickness are spiky)


def _daily(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` summed over Hubs per replication and date."""
    daily = frame.groupby(["replication", "date"], as_index=False)[column].sum()
    return cast(pd.DataFrame, daily)  # a frame with as_index=False (pandas-stubs say Series)


def _shares(timeseries: pd.DataFrame, slots: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """% of funded caseload slots that ``<pool>_<suffix>`` is, per replication and date."""
    frame = timeseries.assign(date=pd.to_datetime(timeseries["date"]))
    out = None
    for role in CASELOAD_POOLS:
        column = f"{role}_{suffix}"
        funded = slots.loc[slots["pool"] == role, ["date", "slots"]]
        if column not in frame or funded.empty:
            continue
        daily = _daily(frame, column).merge(
            funded.assign(date=pd.to_datetime(funded["date"])), on="date")
        share = PERCENT * daily[column] / daily["slots"].where(daily["slots"] > 0)
        part = daily[["replication", "date"]].assign(**{role: share})
        out = part if out is None else out.merge(part, on=["replication", "date"])
    return out if out is not None else pd.DataFrame(columns=["replication", "date"])


def caseload_utilisation(timeseries: pd.DataFrame, slots: pd.DataFrame) -> pd.DataFrame:
    """Caseload as a share (%) of the funded caseload slots, per replication and date.

    Parameters
    ----------
    timeseries : one row per day per Hub per replication with ``date``, ``replication`` and the
        caseload columns (``therapy_caseload``, ``brief_caseload``; clients)
    slots : funded caseload slots, columns ``date, pool, slots`` (see
        ``hubsim.results.run_facts.caseload_slots``)

    Returns
    -------
    ``replication, date`` and one column per caseload pool (``therapy``, ``brief``; %); above 100
    when more clients hold a slot than the funded staffing provides.
    """
    return _shares(timeseries, slots, "caseload")


def open_slots_share(timeseries: pd.DataFrame, slots: pd.DataFrame) -> pd.DataFrame:
    """Caseload slots open each day (staff in post and not on leave or sick: the timeseries'
    ``therapy_slots``, ``brief_slots``) as a share (%) of the funded slots; empty columns when
    the timeseries does not record them."""
    return _shares(timeseries, slots, "slots")


def _open_lines(ax, timeseries: pd.DataFrame, slots: pd.DataFrame, handles: list) -> None:
    opened = open_slots_share(timeseries, slots)
    for pool in [c for c in opened.columns if c not in ("replication", "date")]:
        median = opened.groupby("date")[pool].median()
        smooth = median.rolling(OPEN_SMOOTHING_DAYS, min_periods=1).mean()
        handles.extend(ax.plot(smooth.index, smooth.to_numpy(), color=POOL_COLOURS[pool],
                               linestyle=":", linewidth=LINE_WIDTH,
                               label=f"{POOL_LABELS[pool]}: slots open (median, "
                                     f"{OPEN_SMOOTHING_DAYS}-day mean)"))


def staff_utilisation(
    timeseries: pd.DataFrame, slots: pd.DataFrame, *, source: str | None = None,
    triage_mean: float | None = None, changes: pd.DataFrame | None = None,
) -> Figure:
    """Utilisation of each staff role over time: median and middle 50% across replications.

    Parameters
    ----------
    timeseries : as for ``caseload_utilisation``; the therapy staff (therapists and
        psychologists) and brief-support staff are drawn as caseload (clients holding a slot at
        the end of each day) against funded slots and, where the timeseries records them, the
        slots open (staff in post, not on leave or sick)
    slots : funded caseload slots (``hubsim.results.run_facts.caseload_slots``)
    source : source line for the foot of the figure
    triage_mean : whole-run triage utilisation (share 0-1, KPI ``triage_utilisation``), drawn as
        a flat line: the model records no daily series of triage clinicians' time
    changes : staffing changes to mark (see ``hubsim.results.run_facts.staffing_changes``)
    """
    shares = caseload_utilisation(timeseries, slots)
    roles = [c for c in shares.columns if c not in ("replication", "date")]
    with house_style():
        fig, (ax,) = new_figure()
        handles: list = []
        for pool in roles:
            bands = percentile_bands(shares, pool, by="date", quantiles=QUANTILES)
            draw_bands(ax, bands, "date", POOL_COLOURS[pool], outer=False)
            handles.append(band_handle(POOL_COLOURS[pool],
                                       f"{POOL_LABELS[pool]}: caseload (median, middle 50%)"))
        _open_lines(ax, timeseries, slots, handles)
        if triage_mean is not None and pd.notna(triage_mean):
            handles.append(ax.axhline(
                PERCENT * triage_mean, color=TRIAGE_COLOUR, linestyle="--",
                label="triage clinicians: time on triage (whole-run mean only)"))
        handles.extend(mark_changes(ax, changes))
        highest = shares[roles].max().max() if roles else PERCENT
        ax.set_ylim(0, max(PERCENT, float(highest)) * FULL_SCALE_HEADROOM)
        percent_axis(ax)
        ax.set_ylabel("% of funded capacity\n(caseload slots; triage: working time)")
        ax.set_xlabel("date")
        date_axis(ax)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=LEGEND_BELOW,
                  ncols=LEGEND_COLUMNS)
        return finish(fig, "Staff utilisation over time, by role", source)


STAFF_SERIES: dict[str, tuple[str, str]] = {
    "in_post_wte": ("in post", OKABE_ITO["blue"]),
    "at_work_wte": (f"at work: in post, not on leave or sick ({OPEN_SMOOTHING_DAYS}-day mean)",
                    OKABE_ITO["green"]),
}
FUNDED_COLOUR = OKABE_ITO["black"]
STAFF_PANEL_COLUMNS = 2


def staff_in_post(
    staff: pd.DataFrame, *, source: str | None = None, changes: pd.DataFrame | None = None,
) -> Figure:
    """Staff funded, in post and at work over time, one panel per role (WTE).

    Parameters
    ----------
    staff : one row per replication, Hub, role and date with ``funded_wte``, ``in_post_wte``
        and ``at_work_wte`` (see ``hubsim.staff_in_post.staff_over_time``); Hubs are summed
    source : source line for the foot of the figure
    changes : staffing changes to mark (see ``hubsim.run_facts.staffing_changes``)
    """
    totals = staff.groupby(["role", "replication", "date"], as_index=False)[
        ["funded_wte", *STAFF_SERIES]].sum().sort_values(["role", "replication", "date"])
    # leave and sickness make the daily WTE at work spiky: a rolling mean shows its level
    totals["at_work_wte"] = totals.groupby(["role", "replication"])["at_work_wte"].transform(
        lambda s: s.rolling(OPEN_SMOOTHING_DAYS, min_periods=1).mean())
    funded = totals.groupby("role")["funded_wte"].max()
    roles = [r for r in dict.fromkeys(staff["role"]) if funded.get(r, 0) > 0]
    rows = math.ceil(len(roles) / STAFF_PANEL_COLUMNS)
    with house_style():
        fig, axes = new_figure(rows, min(len(roles), STAFF_PANEL_COLUMNS),
                               height=PANEL_HEIGHT_IN * rows + 1.0)
        key: list = []
        for ax, role in zip(axes, roles, strict=False):
            part = totals[totals["role"] == role]
            line = part.groupby("date")["funded_wte"].median()
            handles: list[Any] = ax.step(line.index, line.to_numpy(), where="post",
                                         color=FUNDED_COLOUR, linewidth=LINE_WIDTH,
                                         label="funded")
            for column, (words, colour) in STAFF_SERIES.items():
                bands = percentile_bands(part, column, by="date", quantiles=QUANTILES)
                draw_bands(ax, bands, "date", colour, outer=False)
                handles.append(band_handle(colour, f"{words} (median, middle 50%)"))
            key = mark_changes(ax, changes) or key
            ax.set_title(ROLE_LABELS.get(role, role), loc="left", fontsize="medium")
            ax.set_ylabel("whole-time equivalents (WTE)")
            ax.set_xlabel("date (end of day)")
            ax.set_ylim(0, float(funded[role]) * STAFF_HEADROOM)
            date_axis(ax)
        spare = axes[len(roles):]
        for ax in spare:
            ax.set_visible(False)
        if spare:  # the key fills the empty panel
            spare[0].set_visible(True)
            spare[0].axis("off")
            spare[0].legend(handles=[*handles, *key], loc="center", fontsize=SOURCE_SIZE + 0.5)
        else:
            axes[-1].legend(handles=[*handles, *key], loc="upper center",
                            bbox_to_anchor=LEGEND_BELOW, ncols=1)
        return finish(fig, "Staff funded, in post and at work, by role", source)
