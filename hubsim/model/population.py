"""Client attributes, sampled per client in arrival order from named streams.

Everything about a client that does not depend on the state of the Hub (need profile, contact
outcomes, call durations, pathway, course length, ...) is drawn here, one block of draws per client
from the stream of that activity. Two scenarios that differ only in staffing therefore see exactly
the same clients (synchronised common random numbers). Arrays are drawn for all clients at once;
client ``i`` always gets the ``i``-th block of each stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubsim.model.need import DOMAINS, sample_need
from hubsim.model.rng import Streams
from hubsim.scenario.schema import (
    ETHNICITIES,
    NEED_TIERS,
    PATHWAYS,
    RISK_FACTORS,
    SECTORS,
    Scenario,
)

_SEED_BOUND = 2**63  # per-client seeds are drawn as non-negative 63-bit integers


@dataclass(frozen=True)
class ClientDraws:
    """Per-client attributes (arrays indexed by client id, in arrival order)."""

    arrival_day: np.ndarray  # days from start_date
    sector: np.ndarray  # int index into SECTORS
    female: np.ndarray  # bool
    ethnicity: np.ndarray  # int index into ETHNICITIES
    risk: np.ndarray  # bool (n, 8), RISK_FACTORS order
    need: np.ndarray  # bool (n, 5), DOMAINS order
    tier: np.ndarray  # int index into NEED_TIERS
    contact_u: np.ndarray  # uniforms (n, max_attempts): attempt k reaches client if < p
    call_minutes: np.ndarray  # (n, max_attempts) clinician minutes of a completed call
    admin_minutes: np.ndarray  # (n,) minutes after a completed call
    failed_minutes: np.ndarray  # (n, max_attempts) minutes of an unanswered attempt
    pathway: np.ndarray  # int index into PATHWAYS
    therapy_sessions: np.ndarray  # int sessions if routed to Hub therapy
    therapy_seed: np.ndarray  # uint seeds for the client's own session-by-session stream
    brief_sessions: np.ndarray  # int sessions if routed to brief support
    brief_seed: np.ndarray
    navigation_days: np.ndarray  # days to an accepted onward referral
    destination: np.ndarray  # int index into the scenario's external destinations
    external_wait_days: np.ndarray  # days from referral to external treatment
    patience_days: np.ndarray  # days a client will wait for therapy (inf = waits indefinitely)
    followup_day: np.ndarray  # day of the client's follow-up survey (arrival + 5 to 8 months)
    self_help: np.ndarray  # bool: would take up support if signposted
    self_help_days: np.ndarray  # days from signposting to that support
    profile: np.ndarray  # int: population profile (0 = the scenario's own)
    onward: np.ndarray  # bool: enough positive measures to be offered triage

    @property
    def n(self) -> int:
        return int(self.arrival_day.size)


def need_tiers(need: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Tier index (0 low, 1 moderate, 2 high) from the number of domains above threshold."""
    count = need.sum(axis=1)
    tier = np.zeros(count.size, dtype=np.int64)
    tier[count >= scenario.screening.moderate_min_domains] = NEED_TIERS.index("moderate")
    tier[count >= scenario.screening.high_min_domains] = NEED_TIERS.index("high")
    return tier


def _pathways(u: np.ndarray, tier: np.ndarray, scenario: Scenario) -> np.ndarray:
    cumulative = np.array(
        [np.cumsum(getattr(scenario.routing, t).probabilities()) for t in NEED_TIERS]
    )
    pathway = np.empty(u.size, dtype=np.int64)
    for t in range(len(NEED_TIERS)):
        mask = tier == t
        pathway[mask] = np.searchsorted(cumulative[t], u[mask], side="right")
    return np.minimum(pathway, len(PATHWAYS) - 1)  # guards u beyond a cumulative sum of 1 - eps


def _course_lengths(draws_by_tier: list[np.ndarray], tier: np.ndarray, cap: int) -> np.ndarray:
    chosen = np.choose(tier, draws_by_tier)
    return np.clip(np.rint(chosen), 1, cap).astype(np.int64)


def _categorical(rng: np.random.Generator, shares: dict[str, float], names, n: int) -> np.ndarray:
    """Index into ``names`` drawn with probabilities ``shares`` (one uniform per client)."""
    cumulative = np.cumsum([shares[k] for k in names])
    return np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(names) - 1)


def _demography(scenario: Scenario, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Sector, sex, ethnicity and risk factors (one fixed-size block of draws per client)."""
    population = scenario.population
    prevalence = np.array([population.risk_factors[k] for k in RISK_FACTORS])
    return {
        "sector": _categorical(rng, population.sector, SECTORS, n),
        "female": rng.random(n) < population.female,
        "ethnicity": _categorical(rng, population.ethnicity, ETHNICITIES, n),
        "risk": rng.random((n, len(RISK_FACTORS))) < prevalence,
    }


def _external(scenario: Scenario, streams: Streams, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Destination of an onward referral and that destination's wait, per client."""
    destinations = scenario.external.destinations
    names = tuple(destinations)
    which = _categorical(streams["external.destination"], {k: d.share for k, d in
                                                           destinations.items()}, names, n)
    wait_rng, hidden_rng = streams["external.wait"], streams["external.hidden_wait"]
    waits = [destinations[k].wait_days.sample(wait_rng, n) for k in names]
    for i, k in enumerate(names):  # first to second appointment, where it is modelled
        hidden = destinations[k].hidden_wait_days
        if hidden is not None:
            waits[i] = waits[i] + hidden.sample(hidden_rng, n)
    return which, np.choose(which, waits) if len(names) > 1 else waits[0]


def sample_clients(
    scenario: Scenario, streams: Streams, arrival_day: np.ndarray, profile: int = 0
) -> ClientDraws:
    """Draw every client's attributes (see the module docstring), all from population
    profile ``profile`` (whose sections ``scenario`` already carries)."""
    n = arrival_day.size
    attempts = scenario.triage.max_attempts
    people = _demography(scenario, streams["population"], n)
    screening = scenario.screening
    shift = people["risk"] @ screening.shift_matrix()  # (n, 5): sd units, by domain
    correlation = (screening.correlation if isinstance(screening.correlation, float)
                   else screening.correlation_matrix())  # a number keeps the one-factor draws
    need = sample_need(streams["screening"], n, screening.prevalence, correlation, shift)
    tier = need_tiers(need, scenario)
    duration = streams["triage.duration"]
    sessions_rng = streams["therapy.sessions"]
    therapy = scenario.therapy
    by_tier = [getattr(therapy.sessions, t).sample(sessions_rng, n) for t in NEED_TIERS]
    patience = (
        therapy.patience_days.sample(streams["therapy.patience"], n)
        if therapy.patience_days is not None else np.full(n, np.inf)
    )
    brief_cap = therapy.max_sessions
    destination, external_wait = _external(scenario, streams, n)
    followup = scenario.followup
    return ClientDraws(
        arrival_day=arrival_day,
        **people,
        need=need,
        tier=tier,
        contact_u=streams["triage.contact"].random((n, attempts)),
        call_minutes=scenario.triage.call_minutes.sample(duration, n * attempts)
        .reshape(n, attempts),
        admin_minutes=scenario.triage.admin_minutes.sample(duration, n),
        failed_minutes=scenario.triage.failed_attempt_minutes.sample(duration, n * attempts)
        .reshape(n, attempts),
        pathway=_pathways(streams["routing"].random(n), tier, scenario),
        therapy_sessions=_course_lengths(by_tier, tier, therapy.max_sessions),
        therapy_seed=streams["therapy.dna"].integers(0, _SEED_BOUND, n),
        brief_sessions=_course_lengths(
            [scenario.brief_support.sessions.sample(streams["brief.sessions"], n)], 0 * tier,
            brief_cap,
        ),
        brief_seed=streams["brief.dna"].integers(0, _SEED_BOUND, n),
        navigation_days=scenario.external.navigation_days.sample(streams["external.navigation"], n),
        destination=destination,
        external_wait_days=external_wait,
        patience_days=patience,
        followup_day=arrival_day
        + streams["followup"].uniform(followup.min_days, followup.max_days, n),
        self_help=streams["signpost"].random(n) < scenario.signpost.uptake,
        self_help_days=scenario.signpost.days_to_support.sample(streams["signpost"], n),
        profile=np.full(n, profile, dtype=np.int64),
        onward=need.sum(axis=1) >= screening.onward_min_domains,
    )


def profile_scenario(scenario: Scenario, name: str) -> Scenario:
    """``scenario`` with the population, need model, routing and course lengths of profile
    ``name`` (already validated sections, so no re-validation is needed)."""
    profile = scenario.profiles[name]
    therapy = scenario.therapy.model_copy(update={"sessions": profile.sessions})
    return scenario.model_copy(update={
        "population": profile.population, "screening": profile.screening,
        "routing": profile.routing, "therapy": therapy,
    })


def sample_all(
    scenario: Scenario, streams: Streams, arrival_day: np.ndarray, profile: np.ndarray
) -> ClientDraws:
    """Attributes of every client, each from their own population profile's parameters and
    streams (profile ``name`` draws from streams prefixed ``name/``)."""
    groups = []
    for index, name in enumerate([None, *scenario.profiles]):
        members = np.flatnonzero(profile == index)
        if index and not members.size:
            continue
        own = scenario if name is None else profile_scenario(scenario, name)
        own_streams = streams if name is None else streams.child(f"{name}/")
        groups.append((members, sample_clients(own, own_streams, arrival_day[members], index)))
    if len(groups) == 1:
        return groups[0][1]
    return _interleave(groups, arrival_day.size)


def _interleave(groups: list[tuple[np.ndarray, ClientDraws]], n: int) -> ClientDraws:
    fields = {}
    for name in ClientDraws.__dataclass_fields__:
        first = getattr(groups[0][1], name)
        out = np.empty((n, *first.shape[1:]), dtype=first.dtype)
        for members, draws in groups:
            out[members] = getattr(draws, name)
        fields[name] = out
    return ClientDraws(**fields)


__all__ = ["DOMAINS", "ClientDraws", "need_tiers", "sample_clients"]
