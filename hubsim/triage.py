"""Clinical triage: a pool of triage clinicians working to their calendars, and call attempts.

Tie rule: the queue is ordered by priority, then by the time the request was made. A client coming
back for another call attempt has priority over a client's first attempt, so at the same instant a
returning client is called first.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from hubsim.calendar import WorkCalendar
from hubsim.scenario import Scenario

RETRY_PRIORITY = 0
FIRST_ATTEMPT_PRIORITY = 1
_FULL_SERVER = 1.0


def triage_calendars(scenario: Scenario, start_weekday: int) -> list[WorkCalendar]:
    """One calendar per triage clinician: ``ceil(wte)`` servers, the last working ``wte % 1``.

    On a ``weekdays`` calendar each whole WTE works ``clinical_hours_per_week / 5`` hours a day;
    a fractional WTE works that share of those hours. On ``continuous`` each server works 24/7.
    """
    staff = scenario.staff.triage
    servers = math.ceil(staff.wte)
    fractions = [_FULL_SERVER] * servers
    if staff.wte % 1:
        fractions[-1] = staff.wte % 1
    daily_hours = staff.clinical_hours_per_week / 5
    continuous = scenario.calendar == "continuous"
    return [
        WorkCalendar(continuous, start_weekday, scenario.working_day_start_hour, daily_hours * f)
        for f in fractions
    ]


class TriagePool:
    """Triage clinicians: a priority queue for the next free clinician, then their calendar."""

    def __init__(self, env: simpy.Environment, calendars: list[WorkCalendar]) -> None:
        self.env = env
        self.calendars = calendars
        self.resource = simpy.PriorityResource(env, capacity=len(calendars))
        self._free = list(range(len(calendars)))
        self.work: list[tuple[int, float, float]] = []  # (server, start day, end day)

    def _take(self) -> int:
        now = self.env.now
        best = min(self._free, key=lambda s: (self.calendars[s].next_open(now), s))
        self._free.remove(best)
        return best

    def attempt(self, priority: int, minutes: float) -> Generator[simpy.Event, object, float]:
        """Wait for a clinician, spend ``minutes`` of their working time; return the start day."""
        with self.resource.request(priority=priority) as request:
            yield request
            server = self._take()
            calendar = self.calendars[server]
            start = calendar.next_open(self.env.now)
            end = calendar.add_work(start, minutes)
            self.work.append((server, start, end))
            yield self.env.timeout(end - self.env.now)
            self._free.append(server)
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
