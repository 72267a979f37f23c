"""Courses of sessions (Hub therapy and brief support) held in caseload slots and delivered only
while staff are at work.

A course books appointments one ``session_interval_days`` apart from the day a caseload slot is
allocated. Each booked appointment holds the slot for one interval of delivery (the session and
the week it covers), so a course of ``N`` booked appointments holds its slot for ``N`` intervals of
delivery. An appointment is missed (DNA) with ``dna_probability`` and rebooked;
``max_consecutive_dna`` misses in a row end the course (``discharged_dna``). After an attended
session the client drops out with ``dropout_per_session``. The slot is freed when the last
interval ends.

Pause rule: the staffed slots follow the staff at work (absence, redeployment, leavers, posts
ending). A fall never takes a client's slot away, but no more courses are *active* than there are
staffed slots: the courses under way are ranked by when they started; the first
``min(occupied, staffed)`` are active and the rest are paused. So the most recently started
courses pause first, and the earliest-started paused course resumes first. A paused course's clock
stops: the interval under way is frozen and runs on from where it stopped when the course
resumes, so its next appointment, attended or missed, is postponed by the time paused. (Freezing
the clock, rather than only holding back the next appointment and booking it at once on return,
makes a week of absence cost each paused course a week; the other rule would cost half a week on
average and crowd every postponed appointment into the first day back.) Pausing draws nothing: a
client's own stream of DNAs, intervals and drop-out is drawn in the same order whatever the
pauses, so a run is as deterministic as before.

Closure (``CoursePool.close``): from then no slot is staffed and every course under way ends at
once, paused or not, returning ``ENDED_BY_CLOSURE``; no appointment is booked at or after it.

Tie rules: a freed slot goes to the first client in the waiting list at the same instant (SimPy
grants the waiting request when the slot is released), before any client who joins the list at
that instant. A paused course keeps its slot, so a slot freed (or staffed again) while courses
are paused resumes the earliest-started paused course before any waiting client is admitted:
clients are admitted only when every course under way is active and a staffed slot is free.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.resources.resource import PriorityRequest, SortedQueue

from hubsim.model.client_streams import ClientStreams
from hubsim.model.records import ClientLog
from hubsim.scenario.distributions import Fixed
from hubsim.scenario.schema import Course

BREACH_PRIORITY = -1  # clients past the breach threshold go ahead of other clients
IN_COURSE_PRIORITY = -2  # a course under way when a run starts takes its slot before anyone
ENDED_BY_CLOSURE = "course_ended_closure"  # what ``CoursePool.sessions`` returns at a closure
DRAWS_PER_SESSION = 2  # uniforms drawn per planned session in a block: a DNA and a drop-out
_STAFFED, _ACTIVE, _OCCUPIED = 1, 2, 3  # columns of ``CoursePool._slots_log`` after the day


class _BisectQueue(SortedQueue):
    """SimPy's ``SortedQueue`` (the waiting list of a ``PriorityResource``), inserting each
    request by bisection instead of re-sorting the whole list.

    The order is SimPy's: by the request's ``key`` (priority, time of the request, not
    preempting), then in order of arrival, since an item goes after the items with an equal key
    (as a stable sort puts it).
    """

    def append(self, item: PriorityRequest) -> None:
        """Insert ``item`` in key order, after the items with an equal key.

        Raises
        ------
        RuntimeError
            If the queue is full (as ``SortedQueue.append``).
        """
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        self.insert(bisect.bisect_right(self, item.key, key=_key), item)


def _key(request: PriorityRequest) -> tuple[int, float, bool]:
    return request.key


class _AdjustableResource(simpy.PriorityResource):
    """A ``PriorityResource`` whose capacity can change; a fall never preempts a user.

    Relies on SimPy internals, pinned in ``pyproject.toml`` and tested in
    ``tests/unit/test_courses.py``: the ``PutQueue`` class the waiting list is made from, the
    ``_capacity`` attribute behind ``capacity``, and ``_trigger_put``/``_do_put``, which grant
    waiting requests when a slot is released.
    """

    PutQueue = _BisectQueue

    def set_capacity(self, capacity: int) -> None:
        """Set the staffed slots and grant waiting requests while slots are free."""
        self._capacity = capacity
        self._trigger_put(None)

    def _trigger_put(self, get_event: object) -> None:
        """Grant free slots by the tie rule: a client already waiting before this instant goes
        ahead of one joining at it, whatever their priorities and however SimPy orders the
        events of the instant; otherwise by priority, then time of joining.

        The scan stops at the first client who joined before now: the queue is in key order, so
        that client is the first of the earlier ones, as a full scan would find.
        """
        now = self._env.now
        queue, users = self.put_queue, self.users
        while queue and len(users) < self._capacity:
            # most often the head joined before now: no scan
            index = 0 if queue[0].time < now else next(
                (i for i, r in enumerate(queue) if r.time < now), 0)
            self._do_put(queue.pop(index))


class _Uniforms:
    """A client's uniform draws on [0, 1), taken from its stream in blocks.

    For the PCG64 bit generator (``np.random.default_rng``), ``rng.random(k)`` gives the same
    numbers as ``k`` calls of ``rng.random()`` (tested), so the draws are those of one call each,
    in the same order. Only for a stream that draws nothing else: the block is drawn ahead.
    The stream is either the client's own generator or, with ``streams``, the client's stream in
    ``streams`` (the same numbers, without building a generator). ``next`` (or calling the
    object) gives the next draw; a block is drawn when the one before is used up.
    """

    __slots__ = ("next",)

    def __init__(self, rng: np.random.Generator | None, block: int,
                 streams: ClientStreams | None = None, client: int = 0) -> None:
        self.next: Callable[[], float] = _blocks(rng, max(1, block), streams, client).__next__

    def __call__(self) -> float:
        """The next uniform draw."""
        return self.next()


def _blocks(rng: np.random.Generator | None, block: int, streams: ClientStreams | None,
            client: int) -> Iterator[float]:
    """The draws of ``_Uniforms``, a block at a time (the first when the first is asked for)."""
    skip = 0  # draws taken in earlier blocks
    while True:
        if streams is not None:
            drawn = streams.uniforms(client, block, skip)
        else:
            assert rng is not None
            drawn = rng.random(block).tolist()
        skip += block
        yield from drawn


@dataclass(eq=False)
class _Course:
    """A course under way: whether it is active now, and what its process waits on: ``timer``
    while an interval is being delivered (a pause interrupts the process), ``wake`` while paused
    (a resumption or the closure triggers it)."""

    process: simpy.Process | None
    active: bool = False
    timer: simpy.Timeout | None = None
    wake: simpy.Event | None = None


class CoursePool:
    """Caseload slots for one kind of course; the waiting list is the resource's queue.

    Capacity (staffed slots) can change over time (staff joining, leaving, absent, redeployed).
    A fall never displaces a client from their slot: the courses beyond the staffed slots pause
    (see the module docstring) and new allocations stop until enough courses end; a rise resumes
    paused courses first, then admits waiting clients.
    """

    def __init__(self, env: simpy.Environment, max_slots: int, course: Course) -> None:
        self.env = env
        self.max_slots = max(1, int(max_slots))
        self.course = course
        self.resource = _AdjustableResource(env, capacity=self.max_slots)
        self.closed = False
        self._staffed = self.max_slots
        self._courses: list[_Course] = []  # courses under way, in the order they started
        self._active = 0  # the first ``_active`` of ``_courses`` are active, the rest paused
        self._slots_log: list[tuple[float, int, int, int]] = []  # (day, staffed, active, occupied)
        interval = course.session_interval_days
        self._fixed_interval = interval.value if isinstance(interval, Fixed) else None
        self.set_capacity(self.max_slots)

    @property
    def capacity(self) -> int:
        """Staffed slots now."""
        return self._staffed

    @property
    def waiting(self) -> int:
        """Clients on the waiting list now."""
        return len(self.resource.queue)

    @property
    def in_use(self) -> int:
        """Caseload slots occupied by clients now (courses active or paused)."""
        return self.resource.count

    def sizes(self) -> tuple[int, int, int, int]:
        """(``waiting``, ``in_use``, ``capacity``, ``paused``) now, in one call."""
        resource = self.resource
        return (len(resource.put_queue), len(resource.users), self._staffed,
                len(self._courses) - self._active)

    @property
    def active(self) -> int:
        """Courses under way and not paused now (never more than the staffed slots)."""
        return self._active

    @property
    def paused(self) -> int:
        """Courses under way but paused now, for want of a staffed slot."""
        return len(self._courses) - self._active

    def set_capacity(self, slots: int) -> None:
        """Change the staffed slots from now on (0 for good once the pool is closed).

        Paused courses resume (or courses pause) before the waiting list is served, so a slot
        staffed again goes to a paused course before a waiting client.
        """
        self._staffed = 0 if self.closed else min(max(int(slots), 0), self.max_slots)
        self._rebalance()
        self.resource.set_capacity(self._staffed)

    def close(self) -> None:
        """The service closes: no slot is staffed from now on and every course under way ends."""
        self.closed = True
        self.set_capacity(0)
        for course in self._courses:
            self._wake(course)

    # ---------------------------------------------------------------- active and paused courses

    def _rebalance(self) -> None:
        """Make the first ``min(occupied, staffed)`` courses active and the rest paused."""
        target = min(len(self._courses), self._staffed)
        while self._active < target:
            self._set_active(self._courses[self._active], True)
            self._active += 1
        while self._active > target:
            self._active -= 1
            self._set_active(self._courses[self._active], False)
        self._note()

    def _set_active(self, course: _Course, active: bool) -> None:
        course.active = active
        self._wake(course)

    def _wake(self, course: _Course) -> None:
        """Tell ``course`` its state changed: stop the interval it is delivering, or end its
        wait while paused."""
        if course.timer is not None:
            course.timer = None  # one interruption per interval
            process = course.process
            if process is not None and process.is_alive and process is not self.env.active_process:
                process.interrupt()
        elif course.wake is not None:
            wake, course.wake = course.wake, None
            wake.succeed()

    def _note(self) -> None:
        entry = (self.env.now, self._staffed, self._active, len(self._courses))
        if self._slots_log and self._slots_log[-1][0] == entry[0]:
            self._slots_log.pop()
        self._slots_log.append(entry)

    def _start(self) -> _Course:
        course = _Course(self.env.active_process)
        self._courses.append(course)
        self._rebalance()
        return course

    def _end(self, course: _Course) -> None:
        if course.active:
            self._active -= 1  # the courses before it stay active, so the ranking holds
        self._courses.remove(course)
        self._rebalance()

    # ---------------------------------------------------------------- slot-days

    def _slot_days(self, column: int, lo: float, hi: float) -> float:
        """Sum over the log's entries of ``column`` times the days of [lo, hi] the entry held.

        Each term is computed in numpy, elementwise as in Python, and the terms are added by
        Python's ``sum`` in log order, so the total is the same float as a plain loop's.
        """
        log = self._slots_log
        if not log:
            return 0.0
        table = np.array(log, dtype=float)  # small integer counts: exact as floats
        day = table[:, 0]
        until = np.append(day[1:], math.inf)
        held = np.maximum(np.minimum(until, hi) - np.maximum(day, lo), 0.0)
        return float(sum((table[:, column] * held).tolist()))

    def staffed_slot_days(self, lo: float, hi: float) -> float:
        """Staffed slot-days within [lo, hi] days."""
        return self._slot_days(_STAFFED, lo, hi)

    def active_slot_days(self, lo: float, hi: float) -> float:
        """Slot-days within [lo, hi] days with an active (not paused) course: never more than
        the staffed slot-days."""
        return self._slot_days(_ACTIVE, lo, hi)

    def usage(self, lo: float, hi: float) -> tuple[float, float]:
        """(active slot-days, staffed slot-days) within [lo, hi] days: their ratio, the share of
        staffed slot-days with an active course, is in [0, 1]."""
        return self.active_slot_days(lo, hi), self.staffed_slot_days(lo, hi)

    # ---------------------------------------------------------------- one course

    def _interval(self, rng: np.random.Generator | None) -> float:
        if self._fixed_interval is not None:
            return self._fixed_interval
        assert rng is not None  # drawn only when the interval is not fixed
        return float(self.course.session_interval_days.sample(rng, 1)[0])

    def sessions(
        self, client: int, planned: int, seed: int, log: ClientLog,
        streams: ClientStreams | None = None,
    ) -> Generator[simpy.Event, object, str]:
        """Run a course in an allocated slot, counting sessions in ``log``; return the exit
        reason (``ENDED_BY_CLOSURE`` if the pool closed while it was under way).

        ``seed`` seeds the client's own stream for DNAs, drop-out and intervals. ``streams``,
        if given, holds that same stream (``ClientStreams`` of every client's seed): with a fixed
        interval the course then draws from it and builds no generator.

        The appointments run in this generator itself (no nested one to resume at each event).
        """
        course = self._start()
        uniform: Callable[[], float]
        rng: np.random.Generator | None
        try:
            if self._fixed_interval is not None and streams is not None:
                rng = None
                uniform = _Uniforms(None, DRAWS_PER_SESSION * planned, streams, client).next
            else:
                # with a fixed interval the stream draws only uniforms (a DNA draw per
                # appointment, a drop-out draw per attended one): take them in blocks; else one
                # by one, in turn with the intervals
                rng = np.random.default_rng(seed)
                uniform = (rng.random if self._fixed_interval is None
                           else _Uniforms(rng, DRAWS_PER_SESSION * planned).next)
            spec, env = self.course, self.env
            in_a_row = 0
            while True:
                # an active course in an open pool goes on at once (as ``_until_active``
                # would, without building its generator)
                if (self.closed or not course.active) and not (
                        yield from self._until_active(course)):
                    return ENDED_BY_CLOSURE
                missed = uniform() < spec.dna_probability
                if missed:
                    log.sessions_missed[client] += 1
                    in_a_row += 1
                else:
                    log.sessions_attended[client] += 1
                    in_a_row = 0
                # the interval, delivered as ``_deliver`` does (the course is active in an
                # open pool here), without building its generator unless a pause interrupts it
                end = env.now + self._interval(rng)
                course.timer = timer = env.timeout(max(0.0, end - env.now))
                try:
                    yield timer
                except simpy.Interrupt:
                    if not (yield from self._interrupted(course, end)):
                        return ENDED_BY_CLOSURE
                else:
                    course.timer = None
                if missed:
                    if in_a_row >= spec.max_consecutive_dna:
                        return "discharged_dna"
                    continue
                if log.sessions_attended[client] >= planned:
                    return "completed"
                if uniform() < spec.dropout_per_session:
                    return "dropped_out"
        finally:
            self._end(course)

    def _until_active(self, course: _Course) -> Generator[simpy.Event, object, bool]:
        """Wait while ``course`` is paused; False if the pool closed."""
        while not self.closed:
            if course.active:
                return True
            course.wake = self.env.event()
            yield course.wake
        return False

    def _deliver(self, course: _Course, end: float) -> Generator[simpy.Event, object, bool]:
        """Hold the slot until ``end`` in active time (the clock stops while the course is
        paused); False if the pool closed first.

        The process waits on the interval's timeout itself (a pause interrupts it), so an
        interval that runs out resumes the course with no extra event, in the order SimPy
        processes the instant's events (the tie rules depend on it).
        """
        while (not self.closed and course.active) or (yield from self._until_active(course)):
            course.timer = self.env.timeout(max(0.0, end - self.env.now))
            try:
                yield course.timer
            except simpy.Interrupt:  # paused, or the pool closed: the clock stops
                return (yield from self._interrupted(course, end))
            course.timer = None
            return True
        return False

    def _interrupted(self, course: _Course, end: float) -> Generator[simpy.Event, object, bool]:
        """An interval due to end at ``end`` was paused now (or the pool closed): wait while
        paused, then deliver the rest; False if the pool closed first."""
        paused_at = self.env.now
        if end <= paused_at:  # the interval ran out at the instant of the pause
            return True
        if not (yield from self._until_active(course)):
            return False
        return (yield from self._deliver(course, end + (self.env.now - paused_at)))
