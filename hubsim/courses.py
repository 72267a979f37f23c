"""Courses of sessions (Hub therapy and brief support) held in caseload slots.

A course books appointments one ``session_interval_days`` apart from the day a caseload slot is
allocated. Each booked appointment holds the slot for one interval (the session and the week it
covers), so a course of ``N`` booked appointments holds its slot for ``N`` intervals. An appointment
is missed (DNA) with ``dna_probability`` and rebooked; ``max_consecutive_dna`` misses in a row end
the course (``discharged_dna``). After an attended session the client drops out with
``dropout_per_session``. The slot is freed when the last interval ends.

Tie rule: a freed slot goes to the first client in the waiting list at the same instant (SimPy
grants the waiting request when the slot is released), before any client who joins the list at
that instant.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from hubsim.distributions import Fixed
from hubsim.records import ClientLog
from hubsim.scenario import Course

BREACH_PRIORITY = -1  # clients past the breach threshold go ahead of other clients


class _AdjustableResource(simpy.PriorityResource):
    """A ``PriorityResource`` whose capacity can change; a fall never preempts a user."""

    def set_capacity(self, capacity: int) -> None:
        self._capacity = capacity
        self._trigger_put(None)  # grants waiting requests while slots are free

    def _trigger_put(self, get_event: object) -> None:
        """Grant free slots by the tie rule: a client already waiting before this instant goes
        ahead of one joining at it, whatever their priorities and however SimPy orders the
        events of the instant; otherwise by priority, then time of joining."""
        now = self._env.now
        while self.put_queue and len(self.users) < self.capacity:
            earlier = [r for r in self.put_queue if r.time < now]
            request = (earlier or self.put_queue)[0]
            self.put_queue.remove(request)
            self._do_put(request)


class CoursePool:
    """Caseload slots for one kind of course; the waiting list is the resource's queue.

    Capacity can change over time (staff joining, leaving, absent, redeployed). A fall in
    capacity never displaces a client in a course: it stops new allocations until enough courses
    end; a rise admits waiting clients at once.
    """

    def __init__(self, env: simpy.Environment, max_slots: int, course: Course) -> None:
        self.env = env
        self.max_slots = max(1, int(max_slots))
        self.course = course
        self.resource = _AdjustableResource(env, capacity=self.max_slots)
        self.capacity_log: list[tuple[float, int]] = []  # (day, staffed slots from then)
        self._in_use = 0
        self._slots_log: list[tuple[float, int]] = []  # (day, max(staffed, occupied) from then)
        interval = course.session_interval_days
        self._fixed_interval = interval.value if isinstance(interval, Fixed) else None
        self.set_capacity(self.max_slots)

    @property
    def capacity(self) -> int:
        """Staffed slots now."""
        return self.capacity_log[-1][1]

    def set_capacity(self, slots: int) -> None:
        """Change the staffed slots from now on (clients in a course are never displaced)."""
        slots = min(max(int(slots), 0), self.max_slots)
        if self.capacity_log and self.capacity_log[-1][0] == self.env.now:
            self.capacity_log.pop()
        self.capacity_log.append((self.env.now, slots))
        self._note()
        self.resource.set_capacity(slots)

    def _note(self) -> None:
        level = max(self.capacity_log[-1][1], self._in_use)
        if self._slots_log and self._slots_log[-1][0] == self.env.now:
            self._slots_log.pop()
        self._slots_log.append((self.env.now, level))

    def course_started(self) -> None:
        """Record a client taking a slot."""
        self._in_use += 1
        self._note()

    def course_ended(self) -> None:
        """Record a client leaving a slot."""
        self._in_use -= 1
        self._note()

    def slot_days(self, lo: float, hi: float) -> float:
        """Slot-days within [lo, hi] days that were staffed, or occupied beyond the staffed number
        (clients keep their slot while their therapist is absent, so occupancy can exceed it)."""
        days = [d for d, _ in self._slots_log] + [math.inf]
        return sum(
            slots * max(0.0, min(days[i + 1], hi) - max(d, lo))
            for i, (d, slots) in enumerate(self._slots_log)
        )

    @property
    def waiting(self) -> int:
        """Clients on the waiting list now."""
        return len(self.resource.queue)

    @property
    def in_use(self) -> int:
        """Caseload slots occupied by clients now."""
        return self.resource.count

    def _interval(self, rng: np.random.Generator) -> float:
        if self._fixed_interval is not None:
            return self._fixed_interval
        return float(self.course.session_interval_days.sample(rng, 1)[0])

    def sessions(
        self, client: int, planned: int, seed: int, log: ClientLog
    ) -> Generator[simpy.Event, object, str]:
        """Run a course in an allocated slot, counting sessions in ``log``; return the exit reason.

        ``seed`` seeds the client's own stream for DNAs, drop-out and intervals.
        """
        rng = np.random.default_rng(seed)
        course = self.course
        in_a_row = 0
        while True:
            if rng.random() < course.dna_probability:
                log.sessions_missed[client] += 1
                in_a_row += 1
                yield self.env.timeout(self._interval(rng))
                if in_a_row >= course.max_consecutive_dna:
                    return "discharged_dna"
                continue
            log.sessions_attended[client] += 1
            in_a_row = 0
            yield self.env.timeout(self._interval(rng))
            if log.sessions_attended[client] >= planned:
                return "completed"
            if rng.random() < course.dropout_per_session:
                return "dropped_out"
