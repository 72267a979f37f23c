"""Waiting lists as NHS referral-to-treatment statistics report them: snapshots of who is on a
list on a day (list size, share under 18 weeks, numbers over 18 and 52 weeks, longest wait), at
the horizon and at every calendar month end, and the "when" KPIs read from the month ends (the
month a list peaks, the month it first meets the 18-week standard for good).

The waits of everyone who joined a list (Kaplan-Meier, forecasts) are :mod:`hubsim.results.waits`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubsim.model.records import WAIT_LISTS
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.waits import (
    RTT_STANDARD_PCT,
    WEEKS_18_DAYS,
    WEEKS_52_DAYS,
    ListRecords,
    client_rows,
    list_rows,
)

SNAPSHOT_MEASURES: tuple[str, ...] = (
    "waitlist", "waiting_under_18w_pct", "waiting_over_18w", "waiting_over_52w",
    "longest_wait_days",
)
"""Snapshot measures, as KPI name parts: ``{list}_{measure}_end`` (``therapy_waitlist_end``)."""


def snapshot(records: ListRecords, at_day: float) -> dict[str, float]:
    """The list at time ``at_day`` (days from the start date), as the NHS RTT statistics report
    it: clients waiting, the share (%) waiting within 18 weeks (126 days or less; NaN for an
    empty list), the numbers waiting over 18 and over 52 weeks, and the longest wait so far
    (days; 0 for an empty list). Keys are ``SNAPSHOT_MEASURES``."""
    left = records.left_day()
    waiting = (records.join_day <= at_day) & ~(left <= at_day)
    return _snapshot_of(at_day - records.join_day[waiting])


def _snapshot_of(waited: np.ndarray) -> dict[str, float]:
    count = waited.size
    return {
        "waitlist": float(count),
        "waiting_under_18w_pct": (100.0 * float(np.count_nonzero(waited <= WEEKS_18_DAYS)) / count
                                  if count else float("nan")),
        "waiting_over_18w": float(np.count_nonzero(waited > WEEKS_18_DAYS)),
        "waiting_over_52w": float(np.count_nonzero(waited > WEEKS_52_DAYS)),
        "longest_wait_days": float(waited.max()) if count else 0.0,
    }


def pooled_snapshot(parts: list[tuple[ListRecords, float]]) -> dict[str, float]:
    """One snapshot of several Hubs' lists, each ``(records, at_day)`` at its own clock (days
    from its own start date) but the same calendar instant."""
    return _pooled([(r.join_day, r.left_day(), at) for r, at in parts])


def _pooled(parts: list[tuple[np.ndarray, np.ndarray, float]]) -> dict[str, float]:
    """``pooled_snapshot`` of parts given as (join days, left days, at day)."""
    waited = [at - join[(join <= at) & ~(left <= at)] for join, left, at in parts]
    return _snapshot_of(np.concatenate(waited) if waited else np.empty(0))


def snapshot_kpis(kind: str, snap: Mapping[str, float]) -> dict[str, float]:
    """Name a ``snapshot`` of list ``kind`` at the horizon as KPIs (``therapy_waitlist_end``)."""
    return {f"{kind}_{measure}_end": value for measure, value in snap.items()}


def _day_ends(dates: np.ndarray, start: np.datetime64) -> np.ndarray:
    """The end of each of ``dates`` in days from ``start`` (floats)."""
    return ((dates - start).astype(int) + 1).astype(float)


def _month_ends(start_date: dt.date, horizon_days: float) -> np.ndarray:
    """The dates (``datetime64[D]``) of ``month_end_days``."""
    start = np.datetime64(start_date, "D")
    last = start + np.timedelta64(int(np.floor(horizon_days)), "D")
    months = np.arange(start.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    ends = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return ends[(ends >= start) & (_day_ends(ends, start) <= horizon_days)]


def month_end_days(start_date: dt.date, horizon_days: float) -> list[tuple[np.datetime64, float]]:
    """Every calendar month end within the horizon: ``(date, day)`` where ``day`` is the end of
    that date in days from ``start_date`` (the time of the daily sample dated that day)."""
    ends = _month_ends(start_date, horizon_days)
    return list(zip(ends, _day_ends(ends, np.datetime64(start_date, "D")).tolist(),
                    strict=True))


WHEN_LISTS: tuple[str, ...] = ("therapy",)
"""The lists with "when" KPIs (``when_kpis``)."""


def when_kpis(
    kind: str, parts: list[tuple[ListRecords, dt.date, float]]
) -> dict[str, float]:
    """When list ``kind`` peaks and when it meets the 18-week standard, from month-end snapshots.

    Parameters
    ----------
    kind : the list (a name part of the KPIs)
    parts : per Hub, (its joiners of the list, its start date, its horizon in days); several
        Hubs' lists are added up at each calendar month end, from the first Hub's start to the
        earliest end of any Hub's horizon

    Returns
    -------
    ``{kind}_waitlist_peak_month``: the month end at which the list is largest (the first such);
    ``{kind}_18w_met_from_month``: the first month end from which the list meets the 18-week
    standard (``RTT_STANDARD_PCT`` of it waiting 18 weeks or less; an empty list meets it) at
    every later month end, NaN if it misses it at the last. Months are numbered from the start
    date: 1 is the first calendar month end on or after it. NaN with no month end.
    """
    starts = [np.datetime64(start, "D") for _, start, _ in parts]
    first = min(starts)
    end = min(float((s - first).astype(int)) + h for s, (_, _, h) in zip(starts, parts,
                                                                          strict=True))
    dates = _month_ends(first.item(), end)  # the same day, as a date
    if not dates.size:
        return {f"{kind}_waitlist_peak_month": float("nan"),
                f"{kind}_18w_met_from_month": float("nan")}
    sizes = np.zeros(dates.size, dtype=np.int64)  # clients waiting at each month end ...
    within = np.zeros(dates.size, dtype=np.int64)  # ... and those of them within 18 weeks
    for (records, _, _), start in zip(parts, starts, strict=True):
        snap = snapshots_at(records, _day_ends(dates, start))
        counted = dates >= start  # a Hub counts from its own start date
        sizes += np.where(counted, snap["waitlist"], 0.0).astype(np.int64)
        within += np.where(counted, snap["waitlist"] - snap["waiting_over_18w"],
                           0.0).astype(np.int64)
    # an empty list meets the standard; the share is computed as ``snapshot`` computes it
    met = [count == 0 or 100.0 * float(ok) / count >= RTT_STANDARD_PCT
           for count, ok in zip(sizes.tolist(), within.tolist(), strict=True)]
    missed = [i for i, ok in enumerate(met) if not ok]
    met_from = float("nan") if not met[-1] else float((missed[-1] + 1 if missed else 0) + 1)
    return {f"{kind}_waitlist_peak_month": float(np.argmax(sizes) + 1),
            f"{kind}_18w_met_from_month": met_from}


_CELLS_PER_BLOCK = 1 << 20
"""``snapshots_at`` compares joiners with month ends in blocks of at most this many pairs (about
a megabyte of flags each), so a long run with many joiners needs no more memory than that."""


def _ever_on_list(join: np.ndarray, left: np.ndarray, at_days: np.ndarray) -> np.ndarray:
    """Boolean array: joiners on the list (joined by then, not left by then, as ``snapshot``
    counts them) at one of ``at_days`` or more, i.e. with a time ``t``, ``join <= t < left``
    (any ``t >= join`` if not left), found by counting the times before each day."""
    times = np.sort(at_days)
    # times before leaving (all of them if not left: NaN sorts last) less times before joining
    return np.searchsorted(times, left, "left") > np.searchsorted(times, join, "left")


def month_date(start_date: dt.date, month: float) -> np.datetime64 | None:
    """The calendar month end numbered ``month`` by ``when_kpis`` (1: the first month end on or
    after ``start_date``), rounded to the nearest month; None for NaN."""
    if month is None or np.isnan(month):
        return None
    first = np.datetime64(start_date, "D").astype("datetime64[M]")
    return (first + int(round(month))).astype("datetime64[D]") - np.timedelta64(1, "D")


MONTHLY_COLUMNS: tuple[str, ...] = (
    "hub", "list", "date", "day", "waiting_clients", "waiting_under_18w_pct",
    "waiting_over_18w_clients", "waiting_over_52w_clients", "longest_wait_days",
)
_MONTHLY_NAMES = dict(zip(SNAPSHOT_MEASURES, MONTHLY_COLUMNS[4:], strict=True))


def waitlist_monthly(clients: pd.DataFrame, hub: str, start_date: dt.date,
                     horizon_days: float) -> pd.DataFrame:
    """Month-end snapshots of one Hub's three lists in one replication.

    Returns
    -------
    One row per list and calendar month end within the horizon; columns ``MONTHLY_COLUMNS``
    (``day``: days from the start date, at the end of ``date``).
    """
    return monthly_snapshots(ClientColumns(clients), hub, start_date, horizon_days)


def monthly_snapshots(clients: ClientTable, hub: str, start_date: dt.date, horizon_days: float,
                      replication: int | np.integer | None = None) -> pd.DataFrame:
    """``waitlist_monthly`` of clients given as a frame or as ``ClientColumns`` (a subset of a
    larger frame's rows, read once for every replication and Hub).

    Parameters
    ----------
    clients : one replication's clients of the Hub
    hub : the Hub's id
    start_date, horizon_days : the Hub's start date and horizon (days)
    replication : the replication's id, for a first ``replication`` column; None: none

    Returns
    -------
    Columns ``MONTHLY_COLUMNS``, after ``replication`` if given. Each list's joiners are read
    once and snapshotted at every month end at once (``snapshots_at``); the frame is built from
    its columns. With no month end, a frame of no rows and object columns (as one built from
    no rows has).
    """
    ends = month_end_days(start_date, horizon_days)
    if not ends:
        empty = pd.DataFrame([], columns=list(MONTHLY_COLUMNS))
        if replication is not None:
            empty.insert(0, "replication", replication)
        return empty
    rows = client_rows(clients)
    dates = [str(date) for date, _ in ends]
    days = np.array([day for _, day in ends], dtype=float)
    lists = [list_rows(rows, kind)[1] for kind in WAIT_LISTS]
    snaps = [snapshots_at(records, days) for records in lists]
    count = len(WAIT_LISTS) * len(ends)
    table: dict[str, object] = {} if replication is None else {
        "replication": np.full(count, replication)}
    table.update({
        "hub": [hub] * count,
        "list": [kind for kind in WAIT_LISTS for _ in ends],
        "date": dates * len(WAIT_LISTS),
        "day": np.tile(days, len(WAIT_LISTS)),
    })
    for measure in SNAPSHOT_MEASURES:
        table[_MONTHLY_NAMES[measure]] = np.concatenate([snap[measure] for snap in snaps])
    return pd.DataFrame(table, copy=False)  # new arrays and lists: no copy needed


def snapshots_at(records: ListRecords, at_days: np.ndarray) -> dict[str, np.ndarray]:
    """``snapshot`` of a list at each of ``at_days`` at once, bit for bit the same values.

    Parameters
    ----------
    records : the list's joiners
    at_days : times of the snapshots, days from the start date

    Returns
    -------
    ``SNAPSHOT_MEASURES`` -> one float per time: clients waiting, % of them waiting 18 weeks or
    less (NaN for an empty list), numbers waiting over 18 and over 52 weeks, longest wait so far
    (days; 0 for an empty list). Worked out as a (times x joiners) table of flags, in blocks of
    at most ``_CELLS_PER_BLOCK`` cells, over the joiners on the list at one of the times or
    more (``_ever_on_list``): the others count at none of them.
    """
    join, left = records.join_day, records.left_day()
    ever = _ever_on_list(join, left, at_days)
    join, left = join[ever], left[ever]
    times = at_days.size
    waiting, within, over_52w = (np.zeros(times, dtype=np.int64) for _ in range(3))
    longest = np.zeros(times, dtype=float)
    block = max(1, _CELLS_PER_BLOCK // max(1, join.size))
    for lo in range(0, times, block):
        part = slice(lo, lo + block)
        at = at_days[part, None]
        on_list = (join <= at) & ~(left <= at)
        waited = at - join
        waiting[part] = np.count_nonzero(on_list, axis=1)
        within[part] = np.count_nonzero(on_list & (waited <= WEEKS_18_DAYS), axis=1)
        over_52w[part] = np.count_nonzero(on_list & (waited > WEEKS_52_DAYS), axis=1)
        longest[part] = np.max(waited, axis=1, where=on_list, initial=-np.inf)
    some = waiting > 0
    # 100 * within / waiting in the order ``snapshot`` computes it, so the floats are the same
    share = np.divide(100.0 * within, waiting, out=np.full(times, np.nan), where=some)
    return {
        "waitlist": waiting.astype(float),
        "waiting_under_18w_pct": share,
        # a waiter's wait (finite: joined by ``at``) is either within 18 weeks or over
        "waiting_over_18w": (waiting - within).astype(float),
        "waiting_over_52w": over_52w.astype(float),
        "longest_wait_days": np.where(some, longest, 0.0),
    }
