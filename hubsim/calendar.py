"""Working-time calendars for Hub staff.

The simulation clock counts days from the scenario's ``start_date`` (day 0.0 is its midnight).
A ``WorkCalendar`` says when one member of staff does clinical work: on a ``weekdays`` calendar a
daily window of ``hours_per_day`` starting at ``open_hour`` on Monday to Friday; on a
``continuous`` calendar all the time (used for queueing-theory checks). Work that runs past the end
of a window resumes at the next window, so durations are counted in working minutes.
"""

from __future__ import annotations

import math

MINUTES_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
WORKING_DAYS_PER_WEEK = 5  # Monday to Friday
_EPS = 1e-12


class WorkCalendar:
    """When one member of staff works.

    Parameters
    ----------
    continuous : True for a 24/7 calendar (``open_hour`` and ``hours_per_day`` are then ignored)
    start_weekday : weekday of simulation day 0 (Monday = 0 ... Sunday = 6)
    open_hour : hour of the day (0-24) at which the daily clinical window opens
    hours_per_day : length of the daily clinical window, hours (0 < h <= 24 - open_hour)
    """

    def __init__(
        self,
        continuous: bool,
        start_weekday: int = 0,
        open_hour: float = 9.0,
        hours_per_day: float = 8.0,
    ) -> None:
        if not continuous and not 0 < hours_per_day <= HOURS_PER_DAY - open_hour:
            raise ValueError("hours_per_day must be in (0, 24 - open_hour]")
        self.continuous = continuous
        self.start_weekday = start_weekday
        self.open = open_hour / HOURS_PER_DAY
        self.length = hours_per_day / HOURS_PER_DAY

    def is_working_day(self, day: int) -> bool:
        """True if calendar day ``day`` (an integer day index) is a working day."""
        return self.continuous or (self.start_weekday + day) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK

    def next_open(self, t: float) -> float:
        """Earliest time >= ``t`` (days) at which this member of staff is working."""
        if self.continuous:
            return t
        day = math.floor(t)
        while True:
            if self.is_working_day(day):
                lo, hi = day + self.open, day + self.open + self.length
                if t < hi - _EPS:
                    return max(t, lo)
            day += 1

    def add_work(self, t: float, minutes: float) -> float:
        """Time (days) at which ``minutes`` of work started at ``t`` (or the next opening) ends."""
        if self.continuous:
            return t + minutes / MINUTES_PER_DAY
        remaining = minutes / MINUTES_PER_DAY
        t = self.next_open(t)
        while True:
            window_end = math.floor(t) + self.open + self.length
            if t + remaining <= window_end + _EPS:
                return t + remaining
            remaining -= window_end - t
            t = self.next_open(window_end + _EPS)

    def work_minutes_between(self, a: float, b: float) -> float:
        """Working minutes in the interval [a, b] (days)."""
        if b <= a:
            return 0.0
        if self.continuous:
            return (b - a) * MINUTES_PER_DAY
        total = 0.0
        for day in range(math.floor(a), math.floor(b) + 1):
            if self.is_working_day(day):
                lo, hi = day + self.open, day + self.open + self.length
                total += max(0.0, min(b, hi) - max(a, lo))
        return total * MINUTES_PER_DAY
