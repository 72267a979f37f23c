"""Property tests: the segment-based ``WorkCalendar`` agrees with a plain step-by-step walk.

``_Walk`` below is the obvious implementation - step from window to window, in and out of post,
around absences - written without the segment index, prefix sums or lazy building that make
``WorkCalendar`` fast. Both must give the same next opening, end of a stretch of work and working
minutes for any daily window, weekday, posts and absences.

Both treat a working stretch shorter than the 1e-9-day edge tolerance (e.g. between two absences
a float rounding apart) as no work.

Tolerances: times within 1e-6 days (~0.1 s) and minutes within 1e-4: the two sum the same
working time in a different order, so they may differ by float rounding (and by the 1e-9-day edge
tolerance both use), nothing more.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hubsim.model.calendar import EDGE_TOLERANCE_DAYS, WorkCalendar, merge
from hubsim.scenario.units import MINUTES_PER_DAY

EPS = EDGE_TOLERANCE_DAYS  # days: the same edge tolerance as the calendar
TIME_TOL = 1e-6  # days
MINUTES_TOL = 1e-4  # minutes
QUARTER_HOUR = 1 / 96  # days: edges on a 15-minute grid make exact ties with window edges common


class _Walk:
    """Reference calendar: walks windows, posts and absences one step at a time."""

    def __init__(self, continuous, weekday, open_hour, hours, allowed, blocked):
        self.args = (continuous, weekday, open_hour, hours, allowed, blocked)
        self.continuous, self.weekday = continuous, weekday
        self.open, self.length = open_hour / 24, hours / 24
        self.allowed = None if allowed is None else merge(allowed)
        self.blocked = merge(blocked)

    def __repr__(self) -> str:
        return f"WorkCalendar{self.args!r}"

    def _find(self, intervals, t):
        i = max(bisect.bisect_right([a for a, _ in intervals], t) - 1, 0)
        while i < len(intervals) and intervals[i][1] <= t + EPS:
            i += 1
        return i

    def window_open(self, t):
        if self.continuous:
            return t
        day = math.floor(t)
        while (self.weekday + day) % 7 >= 5 or t >= day + self.open + self.length - EPS:
            day += 1
        return max(t, day + self.open)

    def next_open(self, t):
        while True:
            t = self.window_open(t)
            if self.allowed is not None:
                i = self._find(self.allowed, t)
                if i == len(self.allowed):
                    return math.inf
                if t < self.allowed[i][0]:
                    t = self.allowed[i][0]
                    continue
            j = self._find(self.blocked, t)
            if j < len(self.blocked) and self.blocked[j][0] <= t:
                t = self.blocked[j][1]
                continue
            end = self.segment_end(t)
            if end <= t + EPS:  # a sliver shorter than the edge tolerance is no work
                t = end
                continue
            return t

    def segment_end(self, t):
        end = math.inf if self.continuous else math.floor(t) + self.open + self.length
        if self.allowed is not None:
            i = self._find(self.allowed, t)
            end = min(end, self.allowed[i][1]) if i < len(self.allowed) else end
        j = self._find(self.blocked, t)
        return min(end, self.blocked[j][0]) if j < len(self.blocked) else end

    def add_work(self, t, minutes):
        remaining, t = minutes / MINUTES_PER_DAY, self.next_open(t)
        if math.isinf(t):
            return math.inf
        while True:
            end = self.segment_end(t)
            if t + remaining <= end + EPS:
                return t + remaining
            remaining -= end - t
            following = self.next_open(end + EPS)
            if math.isinf(following):
                return end + remaining
            t = following

    def minutes_between(self, a, b):
        total, t = 0.0, self.next_open(a)
        while t < b:
            end = min(self.segment_end(t), b)
            total += end - t
            t = self.next_open(end + EPS)
        return total * MINUTES_PER_DAY


def _grid_day(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.integers(round(lo / QUARTER_HOUR), round(hi / QUARTER_HOUR)).map(
        lambda k: k * QUARTER_HOUR)


_interval = st.tuples(_grid_day(-5, 500), _grid_day(0, 60)).map(lambda p: (p[0], p[0] + p[1]))


@st.composite
def calendars(draw):
    continuous = draw(st.booleans())
    open_hour = draw(st.sampled_from([0.0, 7.5, 9.0, 13.0]))
    hours = draw(st.sampled_from([0.25, 4.5, 8.0, 24.0 - open_hour]))
    allowed = draw(st.none() | st.lists(_interval, min_size=1, max_size=3))
    blocked = draw(st.lists(_interval, max_size=6))
    args = (continuous, draw(st.integers(0, 6)), open_hour, hours, allowed, blocked)
    return WorkCalendar(*args), _Walk(*args)


def _clear_of_edges(t: float) -> bool:
    """Not within 1e-6 days of a quarter-hour (where every edge lies) unless exactly on one: the
    two implementations apply the 1e-9-day edge tolerance at different steps, so a time a hair
    before an edge may be 'at' it for one and not the other."""
    off = abs(t / QUARTER_HOUR - round(t / QUARTER_HOUR)) * QUARTER_HOUR
    return off == 0 or off > TIME_TOL


_time = st.one_of(_grid_day(-10, 600), st.floats(-10, 600).filter(_clear_of_edges))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(calendars(), _time)
def test_next_open_agrees_with_a_plain_walk(pair, t) -> None:
    fast, walk = pair
    expected = walk.next_open(t)
    got = fast.next_open(t)
    assert got == expected if math.isinf(expected) else abs(got - expected) <= TIME_TOL


@settings(max_examples=300, deadline=None, derandomize=True)
@given(calendars(), _time, st.floats(0, 20_000))
def test_add_work_agrees_with_a_plain_walk(pair, t, minutes) -> None:
    fast, walk = pair
    expected = walk.add_work(t, minutes)
    got = fast.add_work(t, minutes)
    if math.isinf(expected):  # never in post again: hubsim counts it from t, as if they stayed
        assert got == t + minutes / MINUTES_PER_DAY
    else:
        assert abs(got - expected) <= TIME_TOL


@settings(max_examples=300, deadline=None, derandomize=True)
@given(calendars(), _time, st.floats(0, 400))
def test_work_minutes_between_agrees_with_a_plain_walk(pair, a, span) -> None:
    fast, walk = pair
    assert abs(fast.work_minutes_between(a, a + span) - walk.minutes_between(a, a + span)) \
        <= MINUTES_TOL + 1e-9 * span * MINUTES_PER_DAY


@settings(max_examples=300, deadline=None, derandomize=True)
@given(calendars(), _time, st.floats(0, 5_000))
def test_work_added_is_work_counted(pair, t, minutes) -> None:
    fast, _ = pair
    start = fast.next_open(t)
    end = fast.add_work(t, minutes)
    if math.isfinite(start) and fast.next_open(end) < math.inf:
        assert abs(fast.work_minutes_between(start, end) - minutes) <= MINUTES_TOL


@settings(max_examples=300, deadline=None, derandomize=True)
@given(calendars(), st.lists(st.tuples(_time, st.floats(0, 400)), min_size=1, max_size=8))
def test_vectorised_work_minutes_agree_with_work_minutes_between(pair, spans) -> None:
    fast, _ = pair
    starts = np.array([a for a, _ in spans])
    ends = starts + np.array([span for _, span in spans])
    got = fast.work_minutes_until(ends) - fast.work_minutes_until(starts)
    for (a, span), minutes in zip(spans, got, strict=True):
        assert abs(minutes - fast.work_minutes_between(a, a + span)) <= MINUTES_TOL
