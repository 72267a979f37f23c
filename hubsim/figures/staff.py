"""Staff utilisation over time, by role."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.queues import QUANTILES, band_handle, draw_bands, mark_changes
from hubsim.figures.style import (
    FULL_SCALE_HEADROOM,
    LINE_WIDTH,
    OKABE_ITO,
    date_axis,
    finish,
    house_style,
    new_figure,
    percent_axis,
)
from hubsim.results.run_facts import CASELOAD_POOLS, POOL_LABELS
from hubsim.results.stats import percentile_bands

PERCENT = 100.0
LEGEND_BELOW = (0.5, -0.16)  # axes fraction: centred under the date labels
LEGEND_COLUMNS = 2
POOL_COLOURS = {"therapy": OKABE_ITO["blue"], "brief": OKABE_ITO["green"]}
TRIAGE_COLOUR = OKABE_ITO["vermillion"]
OPEN_SMOOTHING_DAYS = 28  # rolling window for the slots-open line (leave and sickness are spiky)


def _daily(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` summed over Hubs per replication and date."""
    return frame.groupby(["replication", "date"], as_index=False)[column].sum()


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
        mark_changes(ax, changes)
        highest = shares[roles].max().max() if roles else PERCENT
        ax.set_ylim(0, max(PERCENT, float(highest)) * FULL_SCALE_HEADROOM)
        percent_axis(ax)
        ax.set_ylabel("% of funded capacity\n(caseload slots; triage: working time)")
        ax.set_xlabel("date")
        date_axis(ax)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=LEGEND_BELOW,
                  ncols=LEGEND_COLUMNS)
        return finish(fig, "Staff utilisation over time, by role", source)
