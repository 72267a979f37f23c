"""Working-time calendars for Hub staff.

The simulation clock counts days from the scenario's ``start_date`` (day 0.0 is its midnight).
A ``WorkCalendar`` says when one member of staff does clinical work: on a ``weekdays`` calendar a
daily window of ``hours_per_day`` starting at ``open_hour`` on Monday to Friday, except on
``closed_days`` (bank holidays: see ``bank_holiday_days``); on a ``continuous`` calendar all the
time (used for queueing-theory checks; no bank holidays). On top of the daily window,
a person works only inside their ``allowed`` intervals (in post) and outside ``blocked`` ones
(leave, sickness). Work that runs past the end of a window resumes at the next window, so
durations are counted in working minutes.

Implementation: the calendar is turned, a half-year at a time as queries reach further, into a
sorted list of disjoint working segments with the cumulative working time at each segment's start
and end. Every query is then a binary search: the next opening, the end of a stretch of work and
the working minutes between two times cost O(log n) however long the stretch.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from collections.abc import Iterable

import holidays
import numpy as np

from hubsim.scenario.units import (
    DAYS_PER_WEEK,
    HOURS_PER_DAY,
    MINUTES_PER_DAY,
    WORKING_DAYS_PER_WEEK,
)

EDGE_TOLERANCE_DAYS = 1e-9  # days (~0.1 ms): times this close to a working edge count as at it
_CHUNK_DAYS = 182  # working segments are built this many days at a time, as queries need them
Interval = tuple[float, float]
BANK_HOLIDAY_COUNTRY = "GB"  # the four Hubs are in the North of England
BANK_HOLIDAY_SUBDIVISION = "ENG"  # England (and Wales share these dates; Scotland and NI differ)


@functools.lru_cache(maxsize=64)
def bank_holiday_days(start_date: dt.date, horizon_days: float) -> tuple[int, ...]:
    """Bank holidays in England within ``[0, horizon_days)``, as day indices from ``start_date``.

    The dates, substitute days ("observed", when a holiday falls at a weekend) and one-off days
    (e.g. the 2022 Platinum Jubilee) come from the ``holidays`` package's rules for England,
    which follow the gov.uk list of bank holidays. The days before ``horizon_days`` do not depend
    on it.
    """
    last = start_date + dt.timedelta(days=math.ceil(horizon_days))
    years = range(start_date.year, last.year + 1)
    dates = holidays.country_holidays(BANK_HOLIDAY_COUNTRY, subdiv=BANK_HOLIDAY_SUBDIVISION,
                                      years=years)
    days = ((d - start_date).days for d in dates)
    return tuple(sorted(d for d in days if 0 <= d < horizon_days))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of ``intervals`` (days)."""
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _clip_to(starts: np.ndarray, ends: np.ndarray, allowed: list[Interval]):
    """Segments (days) intersected with the union of ``allowed`` intervals."""
    lo, hi = (starts[0], ends[-1]) if len(starts) else (0.0, 0.0)
    parts_s, parts_e = [], []
    for a, b in allowed:
        if b <= lo or a >= hi:
            continue
        keep = (ends > a) & (starts < b)
        parts_s.append(np.maximum(starts[keep], a))
        parts_e.append(np.minimum(ends[keep], b))
    if not parts_s:
        return starts[:0], ends[:0]
    return np.concatenate(parts_s), np.concatenate(parts_e)


def _cut_out(starts: np.ndarray, ends: np.ndarray, blocked: list[Interval]):
    """Segments (days) with the ``blocked`` intervals removed."""
    for a, b in blocked:
        if not len(starts) or b <= starts[0] or a >= ends[-1]:
            continue
        before, after = starts < a, ends > b
        starts = np.concatenate([starts[before], np.maximum(starts[after], b)])
        ends = np.concatenate([np.minimum(ends[before], a), ends[after]])
    return starts, ends


def holds_work(continuous: bool, hours_per_day: float) -> bool:
    """True if a daily window of ``hours_per_day`` can hold any work (a sliver of a post, such as
    a funded 2.0000001 WTE's last 1e-7, cannot: it is no server at all)."""
    return continuous or hours_per_day / HOURS_PER_DAY > EDGE_TOLERANCE_DAYS


class WorkCalendar:
    """When one member of staff works.

    Parameters
    ----------
    continuous : True for a 24/7 daily window (``open_hour`` and ``hours_per_day`` ignored)
    start_weekday : weekday of simulation day 0 (Monday = 0 ... Sunday = 6)
    open_hour : hour of the day (0-24) at which the daily clinical window opens
    hours_per_day : length of the daily clinical window, hours
    allowed : intervals (days) in post; None means always
    blocked : intervals (days) of absence within the allowed ones
    closed_days : day indices with no window (bank holidays); ignored on a continuous calendar
    """

    def __init__(
        self,
        continuous: bool,
        start_weekday: int = 0,
        open_hour: float = 9.0,
        hours_per_day: float = 8.0,
        allowed: Iterable[Interval] | None = None,
        blocked: Iterable[Interval] = (),
        closed_days: Iterable[int] = (),
    ) -> None:
        if not continuous and not 0 < hours_per_day <= HOURS_PER_DAY - open_hour:
            raise ValueError("hours_per_day must be in (0, 24 - open_hour]")
        if not continuous and hours_per_day / HOURS_PER_DAY <= EDGE_TOLERANCE_DAYS:
            raise ValueError("hours_per_day is too short to hold any work")
        self.continuous = continuous
        self.start_weekday = start_weekday
        self.open = open_hour / HOURS_PER_DAY
        self.length = hours_per_day / HOURS_PER_DAY
        self.allowed = None if allowed is None else merge(allowed)
        self.blocked = merge(blocked)
        self.closed = np.array([] if continuous else sorted(set(closed_days)), dtype=np.int64)
        self._closed_set = frozenset(self.closed.tolist())
        self._always = continuous and self.allowed is None and not self.blocked
        self._reset()

    def _reset(self) -> None:
        """Forget the built segments; they are built again as queries need them."""
        first = self.allowed[0][0] if self.allowed else 0.0
        self._first_day = self._next_day = math.floor(first) if math.isfinite(first) else 0
        self._earliest = self.allowed[0][0] if self.allowed else -math.inf  # first day in post
        # the last day that can hold work: the end of the last allowed interval
        self._last_day = (math.inf if self.allowed is None
                          else self.allowed[-1][1] if self.allowed else -math.inf)
        # after this day no interval starts or ends: only the weekly pattern varies, so a chunk
        # of segments that is empty from then on means no work ever again (an absence without end)
        edges = [x for a, b in [*(self.allowed or ()), *self.blocked] for x in (a, b)
                 if math.isfinite(x)]
        edges += [float(self.closed[-1]) + 1.0] if len(self.closed) else []
        self._settled_day = math.ceil(max(edges)) if edges else 0
        self._starts: list[float] = []  # working segments (days), sorted and disjoint
        self._ends: list[float] = []
        # working days from the first day built (negative before it) to each segment's start, end
        self._work_before: list[float] = []
        self._work_after: list[float] = []
        self._work_total = 0.0

    def is_working_day(self, day: int) -> bool:
        """True if calendar day ``day`` (an integer day index) is a working day."""
        if self.continuous:
            return True
        weekday = (self.start_weekday + day) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK
        return weekday and not self._is_closed(day)

    def _is_closed(self, day: int) -> bool:
        """True if ``day`` is one of the calendar's closed days (a bank holiday)."""
        return day in self._closed_set

    def next_window_open(self, t: float) -> float:
        """Earliest time >= ``t`` inside a daily window, ignoring allowed and blocked intervals."""
        if self.continuous:
            return t
        day = math.floor(t)
        weekday, closed, open_, length = (self.start_weekday, self._closed_set, self.open,
                                          self.length)
        while True:  # ``is_working_day``, inline
            if ((weekday + day) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK and day not in closed
                    and t < day + open_ + length - EDGE_TOLERANCE_DAYS):
                return max(t, day + open_)
            day += 1

    # -- building segments ---------------------------------------------------------------------

    def _windows(self, d0: int, d1: int) -> tuple[np.ndarray, np.ndarray]:
        """Daily windows (days) of calendar days ``d0`` to ``d1 - 1``."""
        if self.continuous:
            return np.array([float(d0)]), np.array([float(d1)])
        days = np.arange(d0, d1)
        days = days[(self.start_weekday + days) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK]
        if len(self.closed):
            days = days[~np.isin(days, self.closed)]
        starts = days + self.open
        return starts, starts + self.length

    def _segments(self, d0: int, d1: int) -> tuple[np.ndarray, np.ndarray]:
        """Working segments (days) of calendar days ``d0`` to ``d1 - 1``."""
        starts, ends = self._windows(d0, d1)
        if self.allowed is not None:
            starts, ends = _clip_to(starts, ends, self.allowed)
        starts, ends = _cut_out(starts, ends, self.blocked)
        keep = ends > starts + EDGE_TOLERANCE_DAYS  # a shorter sliver is no work
        return starts[keep], ends[keep]

    def _extend(self) -> bool:
        """Build the next chunk of segments; False once no more work can ever come."""
        d0 = self._next_day
        if d0 >= self._last_day:
            return False
        d1 = d0 + _CHUNK_DAYS
        if self.continuous and not math.isinf(self._last_day):
            d1 = max(d1, math.ceil(self._last_day))  # one piece: no seams inside a stretch
        self._next_day = d1
        starts, ends = self._segments(d0, d1)
        if not len(starts) and d0 >= self._settled_day:
            self._last_day = d0  # nothing in this chunk and nothing will change: no more work
            return False
        after = self._work_total + np.cumsum(ends - starts)
        self._starts.extend(starts.tolist())
        self._ends.extend(ends.tolist())
        self._work_before.extend((after - (ends - starts)).tolist())
        self._work_after.extend(after.tolist())
        if len(after):
            self._work_total = float(after[-1])
        return True

    def _extend_back(self, t: float) -> None:
        """Build segments back to day ``floor(t)`` (a query before the first day built), keeping
        the cumulative working times already handed out: earlier ones are negative."""
        d0 = math.floor(t)
        starts, ends = self._segments(d0, self._first_day)
        self._first_day = d0
        at_old_first = self._work_before[0] if self._starts else self._work_total
        before = at_old_first - np.cumsum((ends - starts)[::-1])[::-1]
        self._starts[:0] = starts.tolist()
        self._ends[:0] = ends.tolist()
        self._work_before[:0] = before.tolist()
        self._work_after[:0] = (before + (ends - starts)).tolist()

    def _cover(self, t: float) -> None:
        """Build segments until one ends after ``t`` (days), or no more work can come."""
        if t < self._first_day and self._earliest < self._first_day and math.isfinite(t):
            self._extend_back(t)
        while (not self._ends or self._ends[-1] <= t + EDGE_TOLERANCE_DAYS) and self._extend():
            pass

    def _cover_work(self, work: float) -> None:
        """Build segments until their cumulative working time reaches ``work`` (days)."""
        while self._work_total < work + EDGE_TOLERANCE_DAYS and self._extend():
            pass

    # -- queries -------------------------------------------------------------------------------

    def _segment_at(self, t: float) -> int:
        """Index of the first segment ending after ``t`` (len if none ever will)."""
        ends = self._ends  # extended in place
        edge = t + EDGE_TOLERANCE_DAYS
        if not (ends and ends[-1] > edge and t >= self._first_day):  # else built already
            self._cover(t)
        return bisect.bisect_right(ends, edge)

    def next_open(self, t: float) -> float:
        """Earliest time >= ``t`` (days) at which this person works; ``inf`` if never again."""
        if self._always or math.isinf(t):
            return t
        ends = self._ends  # as ``_segment_at``, inline (the hottest query)
        edge = t + EDGE_TOLERANCE_DAYS
        if not (ends and ends[-1] > edge and t >= self._first_day):
            self._cover(t)
        i = bisect.bisect_right(ends, edge)
        if i == len(ends):
            return math.inf
        start = self._starts[i]
        return start if start > t else t

    def add_work(self, t: float, minutes: float) -> float:
        """Time (days) at which ``minutes`` of work started at ``t`` (or the next opening) ends.

        Work begun before a person leaves post is finished as if they stayed (a call is not cut).
        """
        remaining = minutes / MINUTES_PER_DAY
        if self._always:
            return t + remaining
        i = self._segment_at(t)
        if i == len(self._ends):
            return t + remaining  # never works again: as if they stayed
        start = max(t, self._starts[i])
        if start + remaining <= self._ends[i] + EDGE_TOLERANCE_DAYS:
            return start + remaining
        target = self._work_before[i] + (start - self._starts[i]) + remaining
        self._cover_work(target)
        j = bisect.bisect_left(self._work_after, target - EDGE_TOLERANCE_DAYS, lo=i)
        if j == len(self._ends):  # left post meanwhile: the rest as if they stayed
            return self._ends[-1] + (target - self._work_total)
        return self._starts[j] + (target - self._work_before[j])

    def _work_until(self, t: float) -> float:
        """Working time (days) from the first segment up to ``t``."""
        self._cover(t)
        k = bisect.bisect_right(self._starts, t) - 1
        if k < 0:  # before every segment: the count at the first one
            return self._work_before[0] if self._starts else 0.0
        return self._work_before[k] + min(t, self._ends[k]) - self._starts[k]

    def work_minutes_until(self, times: np.ndarray) -> np.ndarray:
        """Working minutes from a fixed origin up to each of ``times`` (days), vectorised: the
        difference of two values is the working minutes between them."""
        times = np.asarray(times, dtype=float)
        if self._always or not len(times):
            return times * MINUTES_PER_DAY
        self._cover(float(times.min()))
        self._cover(float(times.max()))
        if not self._starts:
            return np.zeros(len(times))
        starts, ends = np.asarray(self._starts), np.asarray(self._ends)
        k = np.searchsorted(starts, times, side="right") - 1
        inside = k >= 0
        k = np.maximum(k, 0)
        work = np.asarray(self._work_before)[k] + np.minimum(times, ends[k]) - starts[k]
        return np.where(inside, work, self._work_before[0]) * MINUTES_PER_DAY

    def work_minutes_between(self, a: float, b: float) -> float:
        """Working minutes in the interval [a, b] (days)."""
        if b <= a:
            return 0.0
        if self._always:
            return (b - a) * MINUTES_PER_DAY
        if math.isinf(b) and math.isinf(self._last_day):
            return math.inf
        return (self._work_until(b) - self._work_until(a)) * MINUTES_PER_DAY
