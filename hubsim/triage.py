"""Clinical triage: a pool of triage clinicians working to their calendars, and call attempts.

Each post-holder (see :mod:`hubsim.staffing`) is a server with a ``WorkCalendar``: a daily
clinical window, in post only between their start and leaving days, absent during leave and
sickness. A waiting call goes to the free server that can start it soonest; a server that is
absent or not yet in post is skipped until it is back.

Tie rule: the queue is ordered by priority, then by the time the request was made. A client coming
back for another call attempt has priority over a client's first attempt, so at the same instant a
returning client is called first.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Generator

import simpy

from hubsim.calendar import WorkCalendar
from hubsim.scenario import Scenario
from hubsim.staffing import RoleTimeline

RETRY_PRIORITY = 0
FIRST_ATTEMPT_PRIORITY = 1
WORKING_DAYS_PER_WEEK = 5


def daily_hours(scenario: Scenario) -> float:
    """Clinical hours a whole-time triage clinician works per working day."""
    return scenario.staff.triage.clinical_hours_per_week / WORKING_DAYS_PER_WEEK


def triage_calendars(scenario: Scenario, timeline: RoleTimeline) -> list[WorkCalendar]:
    """One calendar per post-holder spell; a part-time post works that share of the daily hours.

    On a ``continuous`` calendar each server works 24/7 while in post.
    """
    weekday = scenario.start_date.weekday()
    continuous = scenario.calendar == "continuous"
    return [
        WorkCalendar(continuous, weekday, scenario.working_day_start_hour,
                     daily_hours(scenario) * spell.fte, [(spell.start, spell.end)], spell.absences)
        for spell in timeline.spells
    ]


class TriagePool:
    """Triage clinicians and the queue of call attempts waiting for one."""

    def __init__(self, env: simpy.Environment, calendars: list[WorkCalendar]) -> None:
        self.env = env
        self.calendars: list[WorkCalendar] = []
        self._idle: set[int] = set()
        self._queue: list[tuple[int, float, int, simpy.Event]] = []
        self._order = itertools.count()
        self._wakeups: set[float] = set()
        self._cancelled: set[simpy.Event] = set()
        self.work: list[tuple[int, float, float]] = []  # (server, start day, end day)
        for calendar in calendars:
            self.add_server(calendar)

    def add_server(self, calendar: WorkCalendar) -> int:
        """Add a server (e.g. a redeployed clinician); returns its index."""
        self.calendars.append(calendar)
        self._idle.add(len(self.calendars) - 1)
        return len(self.calendars) - 1

    @property
    def waiting(self) -> int:
        """Call attempts waiting for a clinician."""
        return len(self._queue) - len(self._cancelled)

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request that has not been given a server."""
        if not event.triggered:
            self._cancelled.add(event)

    def request(self, priority: int) -> simpy.Event:
        """An event that fires with a server index once a clinician is assigned."""
        event = self.env.event()
        heapq.heappush(self._queue, (priority, self.env.now, next(self._order), event))
        self.dispatch()
        return event

    def release(self, server: int) -> None:
        """Return a server to the pool.

        The server is handed on by a zero-delay event, so that a returning client whose retry
        falls due at this instant (through a condition event, one hop later) is already queued
        when the server is assigned, and the priority rule decides.
        """
        self._idle.add(server)
        handover = self.env.timeout(0)
        handover.callbacks.append(lambda _event: self.dispatch())

    def _best_server(self) -> int | None:
        """The idle server that can start soonest without waiting out an absence."""
        now, best, best_key = self.env.now, None, math.inf
        for server in sorted(self._idle):
            calendar = self.calendars[server]
            start = calendar.next_open(now)
            if math.isinf(start):
                continue
            if start > calendar.next_window_open(now) + 1e-9:  # absent or not yet in post
                self._wake_at(start)
                continue
            if start < best_key:
                best, best_key = server, start
        return best

    def _wake_at(self, day: float) -> None:
        if day not in self._wakeups:
            self._wakeups.add(day)
            self.env.process(self._wake(day))

    def _wake(self, day: float) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(day - self.env.now)
        self._wakeups.discard(day)
        self.dispatch()

    def dispatch(self) -> None:
        """Assign free servers to waiting attempts, in queue order."""
        while self._queue:
            if self._queue[0][3] in self._cancelled:
                self._cancelled.discard(heapq.heappop(self._queue)[3])
                continue
            server = self._best_server()
            if server is None:
                return
            self._idle.discard(server)
            _, _, _, event = heapq.heappop(self._queue)
            event.succeed(server)

    def attempt(
        self, priority: int, minutes: float, stop: simpy.Event | None = None
    ) -> Generator[simpy.Event, object, float | None]:
        """Wait for a clinician and spend ``minutes`` of their working time; return the start.

        Returns None, without a call, if ``stop`` fires before a clinician is free.
        """
        request = self.request(priority)
        if stop is not None and not request.triggered:
            yield request | stop
            if not request.triggered:
                self.cancel(request)
                return None
        server = yield request
        calendar = self.calendars[server]
        start = calendar.next_open(self.env.now)
        end = calendar.add_work(start, minutes)
        self.work.append((server, start, end))
        yield self.env.timeout(end - self.env.now)
        self.release(server)
        return start

    def busy_minutes(self, lo: float, hi: float) -> float:
        """Working minutes spent on triage within [lo, hi] days."""
        return sum(
            self.calendars[s].work_minutes_between(max(a, lo), min(b, hi))
            for s, a, b in self.work if b > lo and a < hi
        )

    def available_minutes(self, lo: float, hi: float) -> float:
        """Working minutes the clinicians had within [lo, hi] days."""
        return sum(c.work_minutes_between(lo, hi) for c in self.calendars)
