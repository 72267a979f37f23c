"""Working-time calendars for Hub staff.

The simulation clock counts days from the scenario's ``start_date`` (day 0.0 is its midnight).
A ``WorkCalendar`` says when one member of staff does clinical work: on a ``weekdays`` calendar a
daily window of ``hours_per_day`` starting at ``open_hour`` on Monday to Friday; on a
``continuous`` calendar all the time (used for queueing-theory checks). On top of the daily window,
a person works only inside their ``allowed`` intervals (in post) and outside ``blocked`` ones
(leave, sickness). Work that runs past the end of a window resumes at the next window, so
durations are counted in working minutes.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

MINUTES_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
WORKING_DAYS_PER_WEEK = 5  # Monday to Friday
_EPS = 1e-9  # days (~0.1 ms): tolerance when comparing window edges
Interval = tuple[float, float]


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


def _find(intervals: list[Interval], starts: list[float], t: float) -> int:
    """Index of the first interval ending after ``t`` (len if none)."""
    i = max(bisect.bisect_right(starts, t) - 1, 0)
    while i < len(intervals) and intervals[i][1] <= t + _EPS:
        i += 1
    return i


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
    """

    def __init__(
        self,
        continuous: bool,
        start_weekday: int = 0,
        open_hour: float = 9.0,
        hours_per_day: float = 8.0,
        allowed: Iterable[Interval] | None = None,
        blocked: Iterable[Interval] = (),
    ) -> None:
        if not continuous and not 0 < hours_per_day <= HOURS_PER_DAY - open_hour:
            raise ValueError("hours_per_day must be in (0, 24 - open_hour]")
        self.continuous = continuous
        self.start_weekday = start_weekday
        self.open = open_hour / HOURS_PER_DAY
        self.length = hours_per_day / HOURS_PER_DAY
        self.allowed = None if allowed is None else merge(allowed)
        self.blocked = merge(blocked)
        self._index()

    def _index(self) -> None:
        self._allowed_starts = [a for a, _ in self.allowed or ()]
        self._blocked_starts = [a for a, _ in self.blocked]

    def allow(self, a: float, b: float) -> None:
        """Add an interval in which this person works (e.g. a week redeployed to triage)."""
        self.allowed = merge([*(self.allowed or ()), (a, b)])
        self._index()

    def is_working_day(self, day: int) -> bool:
        """True if calendar day ``day`` (an integer day index) is a working day."""
        return self.continuous or (self.start_weekday + day) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK

    def next_window_open(self, t: float) -> float:
        """Earliest time >= ``t`` inside a daily window, ignoring allowed and blocked intervals."""
        if self.continuous:
            return t
        day = math.floor(t)
        while True:
            if self.is_working_day(day) and t < day + self.open + self.length - _EPS:
                return max(t, day + self.open)
            day += 1

    def _window_end(self, t: float) -> float:
        return math.inf if self.continuous else math.floor(t) + self.open + self.length

    def next_open(self, t: float) -> float:
        """Earliest time >= ``t`` (days) at which this person works; ``inf`` if never again."""
        while True:
            t = self.next_window_open(t)
            if self.allowed is not None:
                i = _find(self.allowed, self._allowed_starts, t)
                if i == len(self.allowed):
                    return math.inf
                if t < self.allowed[i][0]:
                    t = self.allowed[i][0]
                    continue
            j = _find(self.blocked, self._blocked_starts, t)
            if j < len(self.blocked) and self.blocked[j][0] <= t:
                t = self.blocked[j][1]
                continue
            return t

    def _segment_end(self, t: float) -> float:
        """End of the working stretch that contains ``t`` (window, post or next absence)."""
        end = self._window_end(t)
        if self.allowed is not None:
            i = _find(self.allowed, self._allowed_starts, t)
            end = min(end, self.allowed[i][1]) if i < len(self.allowed) else end
        j = _find(self.blocked, self._blocked_starts, t)
        return min(end, self.blocked[j][0]) if j < len(self.blocked) else end

    def add_work(self, t: float, minutes: float) -> float:
        """Time (days) at which ``minutes`` of work started at ``t`` (or the next opening) ends.

        Work begun before a person leaves post is finished as if they stayed (a call is not cut).
        """
        remaining = minutes / MINUTES_PER_DAY
        t = self.next_open(t)
        while True:
            end = self._segment_end(t)
            if t + remaining <= end + _EPS:
                return t + remaining
            remaining -= end - t
            following = self.next_open(end + _EPS)
            if math.isinf(following):
                return end + remaining
            t = following

    def work_minutes_between(self, a: float, b: float) -> float:
        """Working minutes in the interval [a, b] (days)."""
        if b <= a:
            return 0.0
        total, t = 0.0, self.next_open(a)
        while t < b:
            end = min(self._segment_end(t), b)
            total += end - t
            t = self.next_open(end + _EPS)
        return total * MINUTES_PER_DAY
