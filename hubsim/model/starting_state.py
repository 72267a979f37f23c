"""The clients a run starts with: the scenario's ``[state]`` turned into client draws and places.

Each client with the Hub on the start date becomes a client of the run with a negative arrival day
(the screen, in days before the start date), placed where the state puts them:

- ``awaiting_triage``: asks for a first triage call at time 0 (their triage wait counts from the
  screen);
- ``waiting_therapy`` / ``waiting_brief``: on the list from the day they joined it (negative), in
  order of joining and ahead of anyone joining later; their patience and the breach rule count from
  that day; a client whose drawn patience has already run out by the start date is taken to wait
  that long again from the start (they are known to be still waiting);
- ``in_therapy`` / ``in_brief``: hold a caseload slot from time 0 (before any waiting client is
  admitted) with the sessions attended and missed so far already counted; their planned course is
  drawn from the course-length distribution given that it is longer than the sessions attended
  (they are known to be still in it), on the stream ``state/sessions.in_course``.

Attributes not in the state (demography, call durations, patience, course lengths, pathway of a
client yet to be triaged, and need tier when not given) are drawn as for any client, from streams
named ``state/...``, so a run without a state draws exactly the numbers it drew before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hubsim.model.population import ClientDraws, _pathways, sample_clients
from hubsim.model.rng import Streams
from hubsim.scenario.distributions import Distribution
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario
from hubsim.scenario.state import State, StateClient

_STATE_PREFIX = "state/"
_PATHWAY_OF = {"therapy": PATHWAYS.index("hub_therapy"), "brief": PATHWAYS.index("brief_support")}


@dataclass(frozen=True)
class StartingPlaces:
    """Where each of the first ``n`` clients of a run stands at time 0 (arrays by client).

    ``stage``: a ``STATE_STAGES`` name; days are from the start date (negative: before it; NaN:
    not known or not reached). Clients are ordered: in a course first, then waiting in order of
    joining, then awaiting triage in order of screening.
    """

    stage: tuple[str, ...]
    triage_day: np.ndarray
    join_day: np.ndarray
    start_day: np.ndarray
    attended: np.ndarray
    missed: np.ndarray

    @property
    def n(self) -> int:
        return len(self.stage)


_ORDER = {"in_therapy": 0, "in_brief": 0, "waiting_therapy": 1, "waiting_brief": 1,
          "awaiting_triage": 2}


def _days(state: State, name: str, clients: list[StateClient]) -> np.ndarray:
    return np.array([np.nan if (d := getattr(c, name)) is None else float((d - state.as_of).days)
                     for c in clients], dtype=float)


def starting_places(state: State) -> tuple[StartingPlaces, list[StateClient]]:
    """The state's clients in the order they take their places (see ``StartingPlaces``), and
    the state's entries in that order."""
    clients = sorted(state.clients, key=lambda c: (
        _ORDER[c.stage], c.started or c.joined or c.screened, c.joined or c.screened,
        c.screened))
    return StartingPlaces(
        stage=tuple(c.stage for c in clients),
        triage_day=_days(state, "triaged", clients),
        join_day=_days(state, "joined", clients),
        start_day=_days(state, "started", clients),
        attended=np.array([c.attended for c in clients], dtype=np.int64),
        missed=np.array([c.missed for c in clients], dtype=np.int64),
    ), clients


def starting_draws(
    scenario: Scenario, streams: Streams, state: State
) -> tuple[ClientDraws, StartingPlaces]:
    """Draws and places of the state's clients (see the module docstring)."""
    places, clients = starting_places(state)
    own = streams.child(_STATE_PREFIX)
    screened = _days(state, "screened", clients)
    draws = sample_clients(scenario, own, screened)
    tier = draws.tier.copy()
    given = np.array([c.tier is not None for c in clients], dtype=bool)
    tier[given] = [NEED_TIERS.index(c.tier) for c in clients if c.tier is not None]
    therapy = scenario.therapy
    by_tier = [getattr(therapy.sessions, t).sample(own["therapy.sessions.tier"], places.n)
               for t in NEED_TIERS]
    sessions = np.where(given, np.clip(np.rint(np.choose(tier, by_tier)), 1,
                                       therapy.max_sessions).astype(np.int64),
                        draws.therapy_sessions)
    pathway = np.where(given, _pathways(own["routing.tier"].random(places.n), tier, scenario),
                       draws.pathway)
    for kind, code in _PATHWAY_OF.items():
        placed = np.array([s.endswith(kind) for s in places.stage], dtype=bool)
        pathway[placed] = code
    stage = np.array(places.stage)
    in_course = np.char.startswith(stage.astype(str), "in_") if places.n else np.zeros(0, bool)
    sessions, brief = sessions.copy(), draws.brief_sessions.copy()
    rng = own["sessions.in_course"]
    for i in np.flatnonzero(in_course):
        therapy_course = places.stage[i] == "in_therapy"
        dist = (getattr(therapy.sessions, NEED_TIERS[tier[i]]) if therapy_course
                else scenario.brief_support.sessions)
        planned = _longer_than(dist, int(places.attended[i]), therapy.max_sessions, rng)
        (sessions if therapy_course else brief)[i] = planned
    waiting = ~np.isnan(places.join_day)
    patience = draws.patience_days.copy()
    ran_out = waiting & (places.join_day + patience <= 0.0)
    patience[ran_out] -= places.join_day[ran_out]
    draws = replace(draws, tier=tier, therapy_sessions=sessions, brief_sessions=brief,
                    pathway=pathway, patience_days=patience,
                    onward=np.ones(places.n, dtype=bool))
    return draws, places


COURSE_TRIES = 256
"""Draws per client in a course to find a course length longer than the sessions attended; a
client whose course is that unusually long already gets one more session."""


def _longer_than(dist: Distribution, attended: int, cap: int, rng: np.random.Generator) -> int:
    """A course length (sessions, rounded and capped as ``population`` rounds them) drawn from
    ``dist`` given that it is longer than ``attended``: the first of ``COURSE_TRIES`` draws that
    is (rejection sampling), else ``attended + 1``."""
    lengths = np.clip(np.rint(dist.sample(rng, COURSE_TRIES)), 1, cap).astype(np.int64)
    longer = lengths[lengths > attended]
    return int(longer[0]) if longer.size else attended + 1


def prepend(first: ClientDraws, rest: ClientDraws) -> ClientDraws:
    """The clients of ``first`` then those of ``rest``, as one ``ClientDraws``."""
    return ClientDraws(**{
        name: np.concatenate([getattr(first, name), getattr(rest, name)])
        for name in ClientDraws.__dataclass_fields__
    })
