"""The Hub pathway as SimPy processes: one process per client, from screen to exit.

``HubModel(scenario, draws).run()`` simulates one replication; it never reads files, prints or
plots. Clock: days from ``scenario.start_date``.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from hubsim.courses import CoursePool
from hubsim.population import ClientDraws
from hubsim.records import STAGES, ClientLog
from hubsim.scenario import NEED_TIERS, PATHWAYS, Scenario
from hubsim.triage import FIRST_ATTEMPT_PRIORITY, RETRY_PRIORITY, TriagePool, triage_calendars

_NEED_PRIORITY = {NEED_TIERS.index(t): rank for rank, t in enumerate(reversed(NEED_TIERS))}
_STAGE = {name: i for i, name in enumerate(STAGES)}
_HUB_THERAPY, _BRIEF, _EXTERNAL, _SIGNPOST, _NONE = range(len(PATHWAYS))
_PATHWAY_EXIT = {_SIGNPOST: "signposted", _NONE: "no_further_support"}
SAMPLED_SERIES = (
    "triage_backlog", "therapy_waitlist", "therapy_caseload", "brief_waitlist", "brief_caseload",
)


class HubModel:
    """One replication of one Hub."""

    def __init__(self, scenario: Scenario, draws: ClientDraws) -> None:
        self.scenario = scenario
        self.draws = draws
        self.env = simpy.Environment()
        weekday = scenario.start_date.weekday()
        self.triage = TriagePool(self.env, triage_calendars(scenario, weekday))
        self.therapy = CoursePool(self.env, scenario.staff.therapists.slots, scenario.therapy)
        self.brief = CoursePool(self.env, scenario.staff.brief.slots, scenario.brief_support)
        self.log = ClientLog(draws.n)
        self.awaiting_triage = 0
        days = math.ceil(scenario.horizon_days)
        self.series = {name: np.zeros(days, dtype=np.int64) for name in SAMPLED_SERIES}

    def run(self) -> None:
        """Simulate to the end of the horizon."""
        self.env.process(self._arrivals())
        self.env.process(self._sampler())
        self.env.run(until=self.scenario.horizon_days)

    def _arrivals(self) -> Generator[simpy.Event, object, None]:
        for client, day in enumerate(self.draws.arrival_day):
            yield self.env.timeout(day - self.env.now)
            self.env.process(self._client(client))

    def _sampler(self) -> Generator[simpy.Event, object, None]:
        """Record queue and caseload sizes at the end of each simulated day."""
        for day in range(len(self.series["triage_backlog"])):
            yield self.env.timeout(min(day + 1.0, self.scenario.horizon_days) - self.env.now)
            self.series["triage_backlog"][day] = self.awaiting_triage
            self.series["therapy_waitlist"][day] = self.therapy.waiting
            self.series["therapy_caseload"][day] = self.therapy.in_use
            self.series["brief_waitlist"][day] = self.brief.waiting
            self.series["brief_caseload"][day] = self.brief.in_use

    def _client(self, client: int) -> Generator[simpy.Event, object, None]:
        reached = yield from self._triage(client)
        if not reached:
            return
        pathway = int(self.draws.pathway[client])
        self.log.pathway[client] = pathway
        if pathway == _HUB_THERAPY:
            yield from self._therapy(client)
        elif pathway == _BRIEF:
            yield from self._course(client, self.brief, "brief", 0, np.inf)
        elif pathway == _EXTERNAL:
            yield from self._external(client)
        else:
            self.log.exit(client, _PATHWAY_EXIT[pathway], self.env.now)

    def _triage(self, client: int) -> Generator[simpy.Event, object, bool]:
        draws, log, triage = self.draws, self.log, self.scenario.triage
        self.awaiting_triage += 1
        try:
            for attempt in range(triage.max_attempts):
                log.triage_attempts[client] += 1
                priority = RETRY_PRIORITY if attempt else FIRST_ATTEMPT_PRIORITY
                if draws.contact_u[client, attempt] < triage.contact_success:
                    minutes = draws.call_minutes[client, attempt] + draws.admin_minutes[client]
                    log.triage_day[client] = yield from self.triage.attempt(priority, minutes)
                    return True
                yield from self.triage.attempt(priority, draws.failed_minutes[client, attempt])
                if attempt + 1 < triage.max_attempts:
                    yield self.env.timeout(triage.retry_after_days)
            log.exit(client, "not_reached", self.env.now)
            return False
        finally:
            self.awaiting_triage -= 1

    def _therapy(self, client: int) -> Generator[simpy.Event, object, None]:
        fifo = self.scenario.therapy.priority == "fifo"
        priority = 0 if fifo else _NEED_PRIORITY[int(self.draws.tier[client])]
        patience = float(self.draws.patience_days[client])
        yield from self._course(client, self.therapy, "therapy", priority, patience)

    def _course(
        self, client: int, pool: CoursePool, kind: str, priority: int, patience_days: float
    ) -> Generator[simpy.Event, object, None]:
        log = self.log
        log.waitlist_join_day[client] = self.env.now
        log.stage[client] = _STAGE[f"waiting_{kind}"]
        with pool.resource.request(priority=priority) as slot:
            if math.isinf(patience_days):
                yield slot
            else:
                yield slot | self.env.timeout(patience_days)
                if not slot.triggered:
                    log.exit(client, "left_waitlist", self.env.now)
                    return
            log.course_start_day[client] = self.env.now
            log.stage[client] = _STAGE[f"in_{kind}"]
            planned = getattr(self.draws, f"{kind}_sessions")[client]
            seed = getattr(self.draws, f"{kind}_seed")[client]
            reason = yield from pool.sessions(client, int(planned), int(seed), log)
            log.exit(client, reason, self.env.now)

    def _external(self, client: int) -> Generator[simpy.Event, object, None]:
        self.log.stage[client] = _STAGE["navigation"]
        yield self.env.timeout(float(self.draws.navigation_days[client]))
        self.log.referral_day[client] = self.env.now
        self.log.exit(client, "referred_external", self.env.now)
