"""The Hub pathway as SimPy processes: one process per client, from screen to exit.

``HubModel(scenario, draws, streams).run()`` simulates one replication of one Hub (``draws``: its
clients, sampled on arrival by ``hubsim.model.population.sample_all``); it never reads files,
prints or plots. Clock: days from ``scenario.start_date``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Generator
from typing import Final

import numpy as np
import simpy
from simpy.core import URGENT
from simpy.resources.resource import PriorityRequest

from hubsim.model.capacity import HubCapacity
from hubsim.model.client_streams import ClientStreams
from hubsim.model.courses import BREACH_PRIORITY, ENDED_BY_CLOSURE, IN_COURSE_PRIORITY, CoursePool
from hubsim.model.population import ClientDraws
from hubsim.model.records import STAGES, WAIT_LISTS, ClientLog
from hubsim.model.rng import Streams
from hubsim.model.starting_state import StartingPlaces
from hubsim.model.triage import FIRST_ATTEMPT_PRIORITY, RETRY_PRIORITY
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario

_NEED_PRIORITY = {NEED_TIERS.index(t): rank for rank, t in enumerate(reversed(NEED_TIERS))}
_STAGE = {name: i for i, name in enumerate(STAGES)}
_HUB_THERAPY, _BRIEF, _EXTERNAL, _SIGNPOST, _NONE = range(len(PATHWAYS))
_PATHWAY_EXIT = {_SIGNPOST: "signposted", _NONE: "no_further_support"}


class _Closed(enum.Enum):
    CLOSED = enum.auto()  # returned by a wait that the service's closure ended


_CLOSED: Final = _Closed.CLOSED
DRAIN_CHECK_DAYS = 7.0  # a drain checks weekly whether every list is empty
SAMPLED_SERIES = (
    "triage_backlog", "therapy_waitlist", "therapy_caseload", "therapy_slots", "brief_waitlist",
    "brief_caseload", "brief_slots",
    "therapy_paused", "brief_paused",  # courses in a slot but paused for want of staff
)


_HOT_DRAWS = (  # the draws the processes read, one client at a time, as Python lists
    "arrival_day", "onward", "pathway", "contact_u", "call_minutes", "failed_minutes",
    "admin_minutes", "tier", "patience_days", "navigation_days", "therapy_sessions",
    "brief_sessions",
)


class _Lists:
    """``ClientDraws`` fields as flat Python lists: reading one element of a list costs a fraction
    of reading it from a numpy array, and gives a Python float, int or bool of the same value.
    A per-attempt field (one row per client) is flattened: attempt ``a`` of client ``c`` is at
    ``c * attempts + a`` (a list of lists would cost a garbage-collected object per client)."""

    arrival_day: list[float]
    onward: list[bool]
    pathway: list[int]
    contact_u: list[float]
    call_minutes: list[float]
    failed_minutes: list[float]
    admin_minutes: list[float]
    tier: list[int]
    patience_days: list[float]
    navigation_days: list[float]
    therapy_sessions: list[int]
    brief_sessions: list[int]

    def __init__(self, draws: ClientDraws) -> None:
        for name in _HOT_DRAWS:
            setattr(self, name, getattr(draws, name).ravel().tolist())
        self.attempts = draws.contact_u.shape[1]


class HubModel:
    """One replication of one Hub.

    With ``places`` (``hubsim.model.starting_state``) the first ``places.n`` clients of ``draws``
    are with the Hub at time 0, where ``places`` puts them; the rest arrive as drawn.
    """

    def __init__(self, scenario: Scenario, draws: ClientDraws, streams: Streams,
                 places: StartingPlaces | None = None) -> None:
        self.scenario = scenario
        self.draws = draws
        self.places = places
        self._first_arrival = 0 if places is None else places.n
        self._d = _Lists(draws)
        self._streams = ClientStreams.several({  # each course's own DNA and drop-out stream,
            # for the clients routed there
            kind: (getattr(draws, f"{kind}_seed"), draws.pathway == pathway)
            for kind, pathway in (("therapy", _HUB_THERAPY), ("brief", _BRIEF))
        })
        self.env = simpy.Environment()
        self.capacity = HubCapacity(self.env, scenario, streams)
        self.triage = self.capacity.triage
        self.therapy = self.capacity.therapy
        self.brief = self.capacity.brief
        self.capacity.start_redeployment(lambda: self.awaiting_triage)
        self.log = ClientLog(draws.n)
        self.closed = self.env.event()
        self._stop: simpy.Event | None = None  # what ends waiting: the closure, if there is one
        if scenario.service.closes is not None:
            self._stop = self.closed
            self.env.process(self._close(float((scenario.service.closes
                                                 - scenario.start_date).days)))
        self.awaiting_triage = 0
        self._days = math.ceil(scenario.horizon_days)
        self._sampled: list[tuple[int, ...]] = []  # SAMPLED_SERIES values ...
        self._sampled_days: list[int] = []  # ... at the end of these days
        self._next_sample = 0  # the day the sampler records next
        self.series: dict[str, np.ndarray] = {}  # filled in at the end of the run

    def run(
        self, drain_after_days: float | None = None, drain_lists: tuple[str, ...] = WAIT_LISTS,
        pause: tuple[float, Callable[[], None]] | None = None,
    ) -> None:
        """Simulate to the end of the horizon.

        With ``drain_after_days`` (the "drain" used to find true waits): no client arrives after
        that day (the arrival draws already end there) and the run stops at the first whole week
        after it on which every list in ``drain_lists`` is empty, or at the horizon, whichever
        comes first.

        With ``pause = (day, look)``: ``look()`` is called when the clock reaches ``day`` (before
        that instant's events), e.g. to copy the records as they stood; the run then goes on.
        """
        if self.places is not None:  # before any arrival: they hold their places at time 0
            for client, stage in enumerate(self.places.stage):
                self.env.process(self._resume(client, stage))
        self.env.process(self._arrivals())
        self._start_sampler()
        until: float | simpy.Event = self.scenario.horizon_days
        if drain_after_days is not None:
            until = self.env.process(self._drained(drain_after_days, drain_lists))
        if pause is not None:
            self.env.run(until=pause[0])
            pause[1]()
        self.env.run(until=until)
        self._record(self._days - 1)  # the state at the end
        self.log.freeze()
        table = np.zeros((self._days, len(SAMPLED_SERIES)), dtype=np.int64)
        if self._sampled:
            table[self._sampled_days] = self._sampled
        self.series = {name: table[:, i] for i, name in enumerate(SAMPLED_SERIES)}

    def lists_empty(self, lists: tuple[str, ...] = WAIT_LISTS) -> bool:
        """True when nobody waits on any of ``lists`` (``triage``, ``therapy``, ``brief``)."""
        waiting = {"triage": self.awaiting_triage, "therapy": self.therapy.waiting,
                   "brief": self.brief.waiting}
        return not any(waiting[name] for name in lists)

    def _drained(
        self, after_days: float, lists: tuple[str, ...]
    ) -> Generator[simpy.Event, object, None]:
        """Ends when ``lists`` are empty, checked weekly from ``after_days``, or at the horizon."""
        yield self.env.timeout(after_days)
        horizon = self.scenario.horizon_days
        while not self.lists_empty(lists) and self.env.now + DRAIN_CHECK_DAYS < horizon:
            yield self.env.timeout(DRAIN_CHECK_DAYS)
        if not self.lists_empty(lists):
            yield self.env.timeout(horizon - self.env.now)

    def _arrivals(self) -> Generator[simpy.Event, object, None]:
        first = self._first_arrival
        for client, day in enumerate(self._d.arrival_day[first:], start=first):
            yield self.env.timeout(day - self.env.now)
            self.env.process(self._client(client))

    def _start_sampler(self) -> None:
        """Record queue and caseload sizes at the end of each simulated day; the last day is
        recorded after the run, as the state at the horizon (the run stops before events at the
        horizon itself).

        A chain of timeouts, each recording its day and starting the next from its callback,
        started by an urgent event at time 0: the events, times and order of a process that
        waits for the end of each day in turn (SimPy starts a process by such an event), without
        resuming a process for each day. Like ``simpy.events.Initialize``, the start event is
        built triggered and scheduled urgent (SimPy internals, pinned in ``pyproject.toml``).
        """
        start = self.env.event()
        start._ok, start._value = True, None
        start.callbacks.append(self._sample_next)
        self.env.schedule(start, URGENT)

    def _sample_next(self, _event: simpy.Event) -> None:
        """Wait for the end of the day to be sampled next (if it is before the last), then
        record it."""
        day = self._next_sample
        if day < self._days - 1:
            wait = self.env.timeout(day + 1.0 - self.env.now)
            wait.callbacks.append(self._day_ended)

    def _day_ended(self, event: simpy.Event) -> None:
        self._record(self._next_sample)
        self._next_sample += 1
        self._sample_next(event)

    def _record(self, day: int) -> None:
        """Note the values of ``SAMPLED_SERIES`` (in that order) at the end of ``day``."""
        therapy_waiting, therapy_in_use, therapy_staffed, therapy_paused = self.therapy.sizes()
        brief_waiting, brief_in_use, brief_staffed, brief_paused = self.brief.sizes()
        self._sampled_days.append(day)
        self._sampled.append((
            self.awaiting_triage, therapy_waiting, therapy_in_use, therapy_staffed,
            brief_waiting, brief_in_use, brief_staffed, therapy_paused, brief_paused,
        ))

    def _close(self, day: float) -> Generator[simpy.Event, object, None]:
        if day > 0:
            yield self.env.timeout(day)
        self.closed.succeed()
        self.therapy.close()  # no staffed slots from now: courses under way end
        self.brief.close()

    def _closed_out(self, client: int, reason: str = "service_closed") -> None:
        """A client still waiting, or in a course (``reason`` ``ENDED_BY_CLOSURE``), when the
        service closes: referred on (``service.on_close = "refer_external"``) or discharged with
        ``reason``."""
        if self.scenario.service.on_close == "refer_external":
            self.log.referral_day[client] = self.env.now
            self.log.exit(client, "referred_external", self.env.now)
        else:
            self.log.exit(client, reason, self.env.now)

    def _client(self, client: int) -> Generator[simpy.Event, object, None]:
        if not self._d.onward[client]:
            # the arrival day itself: the clock reached it by a timeout, which may round by an ulp
            self.log.exit(client, "screen_negative", self._d.arrival_day[client])
            return
        reached = yield from self._triage(client)
        if reached:
            after = self._triaged(client)
            if after is not None:
                yield from after

    def _triaged(self, client: int) -> Generator[simpy.Event, object, None] | None:
        """After a triage call reached the client: the process of their pathway, run by the
        caller in place (one generator fewer to resume at each event); None if they leave."""
        pathway = self._d.pathway[client]
        self.log.pathway[client] = pathway
        if pathway == _HUB_THERAPY:
            return self._therapy(client)
        if pathway == _BRIEF:
            return self._course(client, self.brief, "brief", 0, np.inf)
        if pathway == _EXTERNAL:
            return self._external(client)
        self.log.exit(client, _PATHWAY_EXIT[pathway], self.env.now)
        return None

    def _triage(self, client: int) -> Generator[simpy.Event, object, bool]:
        draws, log, triage, pool = self._d, self.log, self.scenario.triage, self.triage
        self.awaiting_triage += 1
        try:
            for attempt in range(triage.max_attempts):
                log.triage_attempts[client] += 1
                priority = RETRY_PRIORITY if attempt else FIRST_ATTEMPT_PRIORITY
                at = client * draws.attempts + attempt
                reached = draws.contact_u[at] < triage.contact_success
                minutes = (draws.call_minutes[at] + draws.admin_minutes[client]
                           if reached else draws.failed_minutes[at])
                # a clinician free now: the call without the queue's generator (as ``attempt``)
                now_call = pool.call_now(priority, minutes)
                if now_call is None:
                    start = yield from pool.queued_attempt(priority, minutes, self._stop)
                else:
                    server, start, end = now_call
                    yield self.env.timeout(end - self.env.now)
                    pool.release(server)
                if start is None:
                    self._closed_out(client)
                    return False
                if reached:
                    log.triage_day[client] = start
                    return True
                if attempt + 1 < triage.max_attempts:
                    retry = self.env.timeout(triage.retry_after_days)
                    due = self.env.now + triage.retry_after_days  # as SimPy times the timeout
                    self.triage.expect_retry(due)
                    yield retry if self._stop is None else retry | self._stop
                    if self._stop is not None and self._stop.triggered:
                        self.triage.retry_withdrawn(due)
                        self._closed_out(client)
                        return False
            log.exit(client, "not_reached", self.env.now)
            return False
        finally:
            self.awaiting_triage -= 1

    def _resume(self, client: int, stage: str) -> Generator[simpy.Event, object, None]:
        """A client with the Hub at time 0 (``self.places``) carries on from ``stage``."""
        places, log = self.places, self.log
        assert places is not None
        if stage == "awaiting_triage":
            yield from self._client(client)
            return
        log.triage_day[client] = places.triage_day[client]
        kind = stage.partition("_")[2]
        log.pathway[client] = _HUB_THERAPY if kind == "therapy" else _BRIEF
        joined = float(places.join_day[client])
        if stage.startswith("waiting_"):
            if kind == "therapy":
                yield from self._therapy(client, joined)
            else:
                yield from self._course(client, self.brief, "brief", 0, np.inf, joined=joined)
            return
        pool = self.therapy if kind == "therapy" else self.brief
        log.waitlist_join_day[client] = joined
        log.course_start_day[client] = places.start_day[client]
        log.sessions_attended[client] = places.attended[client]
        log.sessions_missed[client] = places.missed[client]
        log.stage[client] = _STAGE[f"in_{kind}"]
        slot = pool.resource.request(priority=IN_COURSE_PRIORITY)
        yield slot
        yield from self._sessions(client, pool, kind, slot)

    def _therapy(
        self, client: int, joined: float | None = None
    ) -> Generator[simpy.Event, object, None]:
        """The therapy course process of ``client`` (built here, run by the caller)."""
        therapy = self.scenario.therapy
        need = therapy.priority in ("need", "breach")
        priority = _NEED_PRIORITY[self._d.tier[client]] if need else 0
        breach = therapy.breach_after_days if therapy.priority == "breach" else math.inf
        patience = self._d.patience_days[client]
        return self._course(client, self.therapy, "therapy", priority, patience, breach, joined)

    def _wait_for_slot(
        self, pool: CoursePool, priority: int, patience_days: float, breach_days: float,
        joined: float | None = None,
    ) -> Generator[simpy.Event, object, PriorityRequest | _Closed | None]:
        """Wait on the list; return the granted request, or None if the client gave up.

        A client still waiting ``breach_days`` after joining re-joins the list with breach
        priority; as all breach at the same wait, they keep their order of joining. ``joined``:
        the day they joined (before now for a client already waiting at the start; default now).
        """
        if joined is None:
            joined = self.env.now
        elif joined + breach_days <= self.env.now:  # already past the breach threshold
            priority, breach_days = BREACH_PRIORITY, math.inf
        slot = pool.resource.request(priority=priority)
        while True:
            deadline = min(joined + patience_days, joined + breach_days)
            wait: list[simpy.Event] = [slot] if self._stop is None else [slot, self._stop]
            if not math.isinf(deadline):
                wait.append(self.env.timeout(deadline - self.env.now))
            yield wait[0] if len(wait) == 1 else self.env.any_of(wait)
            if self.closed.triggered:  # a slot granted at the closure instant is not taken up
                if slot.triggered:
                    pool.resource.release(slot)
                else:
                    slot.cancel()
                return _CLOSED
            if slot.triggered:
                return slot
            slot.cancel()
            if self.env.now >= joined + patience_days:
                return None
            slot = pool.resource.request(priority=BREACH_PRIORITY)
            breach_days = math.inf

    def _course(
        self, client: int, pool: CoursePool, kind: str, priority: int, patience_days: float,
        breach_days: float = math.inf, joined: float | None = None,
    ) -> Generator[simpy.Event, object, None]:
        log = self.log
        log.waitlist_join_day[client] = self.env.now if joined is None else joined
        log.stage[client] = _STAGE[f"waiting_{kind}"]
        slot = yield from self._wait_for_slot(pool, priority, patience_days, breach_days, joined)
        if slot is None:
            log.exit(client, "left_waitlist", self.env.now)
            return
        if slot is _CLOSED:
            self._closed_out(client)
            return
        log.course_start_day[client] = self.env.now
        log.stage[client] = _STAGE[f"in_{kind}"]
        yield from self._sessions(client, pool, kind, slot)

    def _sessions(
        self, client: int, pool: CoursePool, kind: str, slot: PriorityRequest
    ) -> Generator[simpy.Event, object, None]:
        """A course in its slot, to its end; the slot is released after."""
        log = self.log
        try:
            planned = getattr(self._d, f"{kind}_sessions")[client]
            seed = getattr(self.draws, f"{kind}_seed")[client]
            reason = yield from pool.sessions(client, planned, int(seed), log,
                                              self._streams[kind])
            if reason == ENDED_BY_CLOSURE:
                self._closed_out(client, reason)
            else:
                log.exit(client, reason, self.env.now)
        finally:
            pool.resource.release(slot)

    def _external(self, client: int) -> Generator[simpy.Event, object, None]:
        self.log.stage[client] = _STAGE["navigation"]
        yield self.env.timeout(self._d.navigation_days[client])
        self.log.referral_day[client] = self.env.now
        self.log.exit(client, "referred_external", self.env.now)
