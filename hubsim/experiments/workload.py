"""How much work a run will be, estimated before it starts: simulation events, not only clients.

A tiny scenario file can ask for enormous work without many clients: a 50% sickness absence in
spells of a few seconds is millions of absence spells per post. The estimate counts what the model
schedules: per client (screening, triage call attempts, therapy and brief sessions), per staff
post (leave weeks and sickness spells) and per simulated day. It is an upper-leaning estimate
(every client counted as if routed to the longest course), for caps and a confirmation, not
for planning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hubsim.model.arrivals import expected_arrivals, rate_segments
from hubsim.scenario.schema import AnyScenario, Scenario
from hubsim.scenario.units import DAYS_PER_WEEK, DAYS_PER_YEAR

LEAVE_DAYS_PER_WEEK_OFF = 5  # annual leave is taken in working weeks
EVENTS_PER_CLIENT_FIXED = 6  # arrival, screen, triage decision, routing, exit, follow-up
EVENTS_PER_DAY = 4  # the daily snapshot and the day's working-time boundaries
EVENTS_PER_SPELL = 6
"""An absence spell costs about six events' time: it starts, ends and is cut out of the staff
timeline (730,000 spells in one baseline replication took 45 s)."""
EVENTS_PER_SECOND = 1.0e5
"""Estimated events a core gets through per second: the baseline's replication (~44,000 events)
takes about 0.6 s and the major-incident surge's (~240,000) about 1.5 s; used only to say roughly
how long a run will take."""
CONFIRM_EVENTS_PER_REPLICATION = 5.0e6
"""Above this (20 times the largest shipped scenario) the command line asks before running."""
CONFIRM_CPU_SECONDS = 3600.0  # ... or above an hour on one core for the whole run


@dataclass(frozen=True)
class Workload:
    """The estimated work of one replication and of the whole run.

    Attributes
    ----------
    clients : expected clients per replication (all Hubs)
    spells : expected staff absence spells per replication (leave and sickness)
    events : estimated simulation events per replication
    replications : replications in the run
    driver : the scenario field behind most of the events (for messages), e.g.
        ``staff.triage.sickness_spell_days``
    """

    clients: float
    spells: float
    events: float
    replications: int
    driver: str = "arrivals"

    def needs_confirmation(self) -> bool:
        """True if the command line should ask before running this."""
        return (self.events > CONFIRM_EVENTS_PER_REPLICATION
                or self.cpu_seconds > CONFIRM_CPU_SECONDS)

    def as_dict(self) -> dict[str, float | int | str]:
        """For run metadata."""
        return {"clients_per_replication": round(self.clients),
                "absence_spells_per_replication": round(self.spells),
                "events_per_replication": round(self.events), "replications": self.replications,
                "cpu_seconds_estimate": round(self.cpu_seconds, 1)}

    @property
    def total_events(self) -> float:
        """Events over the whole run."""
        return self.events * self.replications

    @property
    def cpu_seconds(self) -> float:
        """Rough single-core time for the whole run."""
        return self.total_events / EVENTS_PER_SECOND

    def describe(self) -> str:
        """One line: clients, spells, events and time."""
        return (f"about {self.clients:,.0f} clients and {self.spells:,.0f} staff absence spells "
                f"per replication, {self.total_events:,.3g} events in all "
                f"(roughly {_duration(self.cpu_seconds)} on one core)")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.1f} h"


def _hubs(scenario: AnyScenario) -> tuple[Scenario, ...]:
    return (scenario,) if isinstance(scenario, Scenario) else scenario.hubs


def expected_clients(scenario: AnyScenario) -> float:
    """Expected clients in one replication: background arrivals, surges and invited cohorts.

    Surges are integrated to infinity and every invited cohort round counted at its response rate
    (an upper-leaning estimate).
    """
    total = 0.0
    for hub in _hubs(scenario):
        arrivals = hub.arrivals
        starts, rates = rate_segments(arrivals, hub.start_date, hub.horizon_days)
        total += expected_arrivals(starts, rates, hub.horizon_days)
        total += sum(s.peak_per_week / DAYS_PER_WEEK * s.half_life_days / math.log(2)
                     for s in arrivals.surges)
        total += sum(c.size * len(c.rounds_days) * c.response for c in arrivals.cohorts)
    return total


def _events_per_client(hub: Scenario) -> float:
    longest_therapy = max(d.mean_value for d in (hub.therapy.sessions.low,
                                                 hub.therapy.sessions.moderate,
                                                 hub.therapy.sessions.high))
    brief = hub.brief_support.sessions.mean_value
    sessions = min(longest_therapy, hub.therapy.max_sessions) + brief
    return EVENTS_PER_CLIENT_FIXED + hub.triage.max_attempts + 2 * sessions


def _spells(hub: Scenario) -> dict[str, float]:
    """Expected absence spells over the run, by role: each post's leave weeks and sickness."""
    years = hub.horizon_days / DAYS_PER_YEAR
    total: dict[str, float] = {}
    for name, role in hub.staff.roles().items():
        peak_wte = max([role.wte, *(c.wte for c in role.changes)])
        posts = math.ceil(peak_wte) + sum(math.ceil(b.wte) for b in role.borrowed)
        leave = role.annual_leave_days / LEAVE_DAYS_PER_WEEK_OFF * years
        mean_spell = role.sickness_spell_days.mean_value
        sick = (role.sickness_absence_pct / 100 * hub.horizon_days / mean_spell
                if mean_spell > 0 else 0.0)
        total[name] = posts * (leave + sick)
    return total


def estimate(scenario: AnyScenario, replications: int = 1) -> Workload:
    """The estimated work of ``replications`` replications of ``scenario``."""
    clients = spells = events = 0.0
    parts: dict[str, float] = {}  # events by the field that drives them
    several = not isinstance(scenario, Scenario)
    for hub in _hubs(scenario):
        prefix = f"hubs.{hub.hub}." if several else ""
        hub_clients = expected_clients(hub)
        clients += hub_clients
        parts[f"{prefix}arrivals"] = hub_clients * _events_per_client(hub)
        for role, count in _spells(hub).items():
            spells += count
            parts[f"{prefix}staff.{role}.sickness_spell_days"] = count * EVENTS_PER_SPELL
        parts[f"{prefix}horizon_days"] = hub.horizon_days * EVENTS_PER_DAY
    events = sum(parts.values())
    driver = max(parts, key=parts.__getitem__)
    return Workload(clients, spells, events, replications, driver)
