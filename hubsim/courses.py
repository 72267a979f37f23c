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

from collections.abc import Generator

import numpy as np
import simpy

from hubsim.distributions import Fixed
from hubsim.records import ClientLog
from hubsim.scenario import Course


class CoursePool:
    """Caseload slots for one kind of course; the waiting list is the resource's queue."""

    def __init__(self, env: simpy.Environment, slots: int, course: Course) -> None:
        self.env = env
        self.slots = slots
        self.course = course
        self.resource = simpy.PriorityResource(env, capacity=slots)
        interval = course.session_interval_days
        self._fixed_interval = interval.value if isinstance(interval, Fixed) else None

    @property
    def waiting(self) -> int:
        """Clients on the waiting list now."""
        return len(self.resource.queue)

    @property
    def in_use(self) -> int:
        """Caseload slots occupied now."""
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
