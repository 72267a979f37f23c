"""Clinical triage: a pool of triage clinicians working to their calendars, and call attempts.

Each post-holder (see :mod:`hubsim.model.staff_timeline`) is a server with a ``WorkCalendar``: a
daily clinical window on weekdays that are not bank holidays in England, in post only between their
start and leaving days, absent during leave and sickness. A waiting call goes to the free server
that can start it soonest; a server that is absent or not yet in post is skipped until it is back.
A call is not given to a free server if a busy one will be free, and at work, sooner than the free
one can start (e.g. a part-timer whose day has ended): it waits, and that server takes it when its
current call ends. So no call is overtaken by a later one of the same priority.

Tie rule: the queue is ordered by priority, then by the time the request was made. A client coming
back for another call attempt has priority over a client's first attempt, so at the same instant a
returning client is called first: the model announces each retry (``expect_retry``), and a
clinician freed at that instant waits for the returning client's request, whatever the order of
the instant's events.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Generator
from typing import NamedTuple, cast

import numpy as np
import simpy

from hubsim.model.calendar import EDGE_TOLERANCE_DAYS, WorkCalendar, bank_holiday_days, holds_work
from hubsim.model.staff_timeline import RoleTimeline
from hubsim.scenario.schema import Scenario
from hubsim.scenario.units import WORKING_DAYS_PER_WEEK

RETRY_PRIORITY = 0
FIRST_ATTEMPT_PRIORITY = 1


def daily_hours(scenario: Scenario) -> float:
    """Clinical hours a whole-time triage clinician works per working day."""
    return scenario.staff.triage.clinical_hours_per_week / WORKING_DAYS_PER_WEEK


def triage_calendars(scenario: Scenario, timeline: RoleTimeline) -> list[WorkCalendar]:
    """One calendar per post-holder spell; a part-time post works that share of the daily hours.

    Bank holidays in England are closed days. On a ``continuous`` calendar each server works 24/7
    while in post (no bank holidays).
    """
    weekday = scenario.start_date.weekday()
    continuous = scenario.calendar == "continuous"
    closed = closed_days(scenario)
    return [
        WorkCalendar(continuous, weekday, scenario.working_day_start_hour,
                     daily_hours(scenario) * spell.wte, [(spell.start, spell.end)], spell.absences,
                     closed)
        for spell in timeline.spells
        if holds_work(continuous, daily_hours(scenario) * spell.wte)
    ]


def closed_days(scenario: Scenario) -> tuple[int, ...]:
    """Days (from the start date) on which triage is closed: bank holidays in England on a
    ``weekdays`` calendar, none on a ``continuous`` one."""
    if scenario.calendar == "continuous":
        return ()
    return bank_holiday_days(scenario.start_date, scenario.horizon_days)


class CallRequest(NamedTuple):
    """A call attempt waiting in the triage queue: the fields of its entry, a plain tuple in
    this order (built faster than this class).

    Compared as a tuple, field by field, so the queue (a heap) is ordered by priority, then by
    the day the request was made, then by the order requests were made (unique: ``event`` is
    never compared).
    """

    priority: int
    requested_day: float
    order: int
    event: simpy.Event  # fires with (server index, start day) once a clinician is assigned
    minutes: float  # working minutes of the call


class TriagePool:
    """Triage clinicians and the queue of call attempts waiting for one."""

    def __init__(self, env: simpy.Environment, calendars: list[WorkCalendar]) -> None:
        self.env = env
        self.calendars: list[WorkCalendar] = []
        self._idle: list[int] = []  # idle servers in post or yet to come, by index
        self._queue: list[tuple[int, float, int, simpy.Event, float]] = []  # ``CallRequest``s
        self._order = itertools.count()
        self._wakeups: set[float] = set()
        self._cancelled: set[simpy.Event] = set()
        self._retries_due: dict[float, int] = {}  # day -> returning clients due, not yet queued
        self._busy_until: dict[int, float] = {}  # busy server -> day its current call ends
        self._work_server: list[int] = []  # calls made: server, start and end day
        self._work_start: list[float] = []
        self._work_end: list[float] = []
        for calendar in calendars:
            self.add_server(calendar)

    def add_server(self, calendar: WorkCalendar) -> int:
        """Add a server (e.g. a redeployed clinician); returns its index."""
        self.calendars.append(calendar)
        server = len(self.calendars) - 1
        bisect.insort(self._idle, server)
        return server

    @property
    def waiting(self) -> int:
        """Call attempts waiting for a clinician."""
        return len(self._queue) - len(self._cancelled)

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request that has not been given a server."""
        if not event.triggered:
            self._cancelled.add(event)

    def expect_retry(self, day: float) -> None:
        """Note that a returning client will ask for a call at ``day``.

        Until that request is made, a clinician freed at ``day`` is not given to a first attempt:
        whatever the order of the events of that instant, the returning client is called first.
        ``day`` must be computed as SimPy computes the retry timeout (now + delay), to the bit.
        """
        self._retries_due[day] = self._retries_due.get(day, 0) + 1

    def retry_withdrawn(self, day: float) -> None:
        """A client expected back at ``day`` will not ask after all (e.g. the service closed)."""
        self._forget_retry(day)
        self.dispatch()

    def _forget_retry(self, day: float) -> None:
        left = self._retries_due.pop(day, 0) - 1
        if left > 0:
            self._retries_due[day] = left

    def _arrived(self, priority: int) -> None:
        """A request is being made now: a returning client expected now is no longer awaited."""
        if priority == RETRY_PRIORITY and self.env.now in self._retries_due:
            self._forget_retry(self.env.now)

    def request(self, priority: int, minutes: float = 0.0) -> simpy.Event:
        """An event that fires with (server index, start day) once a clinician is assigned to a
        call of ``minutes`` working minutes (the server is busy until it ends)."""
        now = self.env.now
        if self._retries_due:
            self._arrived(priority)
        event = self.env.event()
        heapq.heappush(self._queue, (priority, now, next(self._order), event, minutes))
        self.dispatch()
        return event

    def _assign(self, server: int, start: float, minutes: float) -> None:
        """Make ``server`` busy with a call of ``minutes`` starting at ``start`` (days)."""
        idle = self._idle  # ``_drop_idle``, inline
        index = bisect.bisect_left(idle, server)
        if index < len(idle) and idle[index] == server:
            del idle[index]
        self._busy_until[server] = self.calendars[server].add_work(start, minutes)

    def release(self, server: int) -> None:
        """Return a server to the pool and hand it to the next waiting attempt."""
        self._busy_until.pop(server, None)
        bisect.insort(self._idle, server)
        if self._queue:  # ``dispatch`` has nothing to do otherwise
            self.dispatch()

    def _best_server(self) -> tuple[int, float] | None:
        """The idle server that can start soonest without waiting out an absence, and when.

        The idle list is in server order and holds no leaver (a server whose calendar never
        opens again is dropped from it when met), and the scan stops at the first server free
        now: no later one can start sooner, and on a tie the lower index wins.

        None if none can, or if a busy server will be free, and at work, sooner than the best
        idle one can start: the call then waits for that server, whose release dispatches it.
        """
        now, best, best_start = self.env.now, None, math.inf
        idle, calendars = self._idle, self.calendars
        index = 0
        while index < len(idle):
            server = idle[index]
            calendar = calendars[server]
            start = calendar.next_open(now)
            if start == math.inf:  # never at work again (left post): out of the idle list
                del idle[index]
                continue
            index += 1
            if start >= best_start:
                continue
            if start > now and start > calendar.next_window_open(now) + EDGE_TOLERANCE_DAYS:
                self._wake_at(start)  # absent or not yet in post: asked again on return
                continue
            best, best_start = server, start
            if start <= now:  # no later server can start sooner, nor earlier on a tie
                break
        if best is not None and best_start > now + EDGE_TOLERANCE_DAYS:
            for server, free in self._busy_until.items():
                calendar = self.calendars[server]
                start = calendar.next_open(free)
                back = start <= calendar.next_window_open(free) + EDGE_TOLERANCE_DAYS
                if back and start < best_start - EDGE_TOLERANCE_DAYS:
                    return None  # that server's release (at ``free``) dispatches the call
        return None if best is None else (best, best_start)

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
        queue = self._queue
        while queue and self._idle:
            priority, _day, _order, event, minutes = queue[0]
            if event in self._cancelled:
                heapq.heappop(queue)
                self._cancelled.discard(event)
                continue
            if (priority != RETRY_PRIORITY and self._retries_due
                    and self.env.now in self._retries_due):
                return  # a returning client is due this instant: keep the clinician for them
            chosen = self._best_server()
            if chosen is None:
                return
            self._assign(chosen[0], chosen[1], minutes)
            heapq.heappop(queue)
            event.succeed(chosen)

    def call_now(self, priority: int, minutes: float) -> tuple[int, float, float] | None:
        """Start a call of ``minutes`` at once if a clinician is free for it now (as ``attempt``
        would, without queueing): (server, start day, end day); else None, with nothing done.

        The caller waits until the end day, then ``release``s the server.
        """
        if self._queue or not self._idle:
            return None
        due = self._retries_due
        if due and priority != RETRY_PRIORITY and self.env.now in due:
            return None  # a returning client is due this instant: they are called first
        chosen = self._best_server()
        if chosen is None:
            return None
        if due:  # nothing to forget when no returning client is due
            self._arrived(priority)
        server, start = chosen
        self._assign(server, start, minutes)
        return server, start, self._note_call(server, start)

    def _note_call(self, server: int, start: float) -> float:
        """Record a call given to ``server`` starting at ``start``; return its end day."""
        end = self._busy_until[server]
        self._work_server.append(server)
        self._work_start.append(start)
        self._work_end.append(end)
        return end

    def attempt(
        self, priority: int, minutes: float, stop: simpy.Event | None = None
    ) -> Generator[simpy.Event, object, float | None]:
        """Wait for a clinician and spend ``minutes`` of their working time; return the start.

        Returns None, without a call, if ``stop`` fires before a clinician is free.
        """
        now_call = self.call_now(priority, minutes)
        if now_call is None:
            return (yield from self.queued_attempt(priority, minutes, stop))
        server, start, end = now_call
        yield self.env.timeout(end - self.env.now)
        self.release(server)
        return start

    def queued_attempt(
        self, priority: int, minutes: float, stop: simpy.Event | None = None
    ) -> Generator[simpy.Event, object, float | None]:
        """``attempt`` when ``call_now`` found no clinician free: queue, then call."""
        request = self.request(priority, minutes)
        if stop is not None and not request.triggered:
            yield request | stop
            if not request.triggered:
                self.cancel(request)
                return None
        server, start = cast("tuple[int, float]", (yield request))
        end = self._note_call(server, start)
        yield self.env.timeout(end - self.env.now)
        self.release(server)
        return start

    def busy_minutes(self, lo: float, hi: float) -> float:
        """Working minutes spent on triage within [lo, hi] days (calls clipped to the window; a
        call a clinician finishes after leaving post counts only its minutes in post)."""
        servers = np.asarray(self._work_server, dtype=np.int64)
        start = np.clip(np.asarray(self._work_start, dtype=float), lo, hi)
        end = np.clip(np.asarray(self._work_end, dtype=float), lo, hi)
        total = 0.0
        for server in np.unique(servers):
            mine = servers == server
            until = self.calendars[server].work_minutes_until
            total += float(np.sum(until(end[mine]) - until(start[mine])))
        return total

    def available_minutes(self, lo: float, hi: float) -> float:
        """Working minutes the clinicians had within [lo, hi] days."""
        return sum(c.work_minutes_between(lo, hi) for c in self.calendars)
