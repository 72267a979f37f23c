"""Scenario schema: frozen pydantic models with bounds on every number.

A scenario says *what* to simulate. Every field is required here; defaults are merged in from the
evidence registry by ``hubsim.scenario.loader`` before validation, so no default lives in this file.
Units: days for the clock and waits, minutes for calls and sessions, GBP for money.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from hubsim.scenario import correlation as need_correlation
from hubsim.scenario.arrivals import Arrivals
from hubsim.scenario.base import DOMAINS, NEED_TIERS, PATHWAYS, Frozen, FrozenMap, freeze  # noqa: F401 (re-exported)
from hubsim.scenario.distributions import Distribution
from hubsim.scenario.economics import Costs, Outcomes
from hubsim.scenario.staff import Staff
from hubsim.scenario.state import Demand, State

SECTORS: tuple[str, ...] = ("nhs", "social_care", "emergency_services", "other")
ETHNICITIES: tuple[str, ...] = ("white_british", "minority_ethnic", "not_stated")
RISK_FACTORS: tuple[str, ...] = (
    "prior_mh_concerns", "financial_loss", "disability", "sexual_minority",
    "icu_or_emergency_work", "redeployed", "covid_illness", "bereaved",
)
"""Predictors of higher need found by the evaluation (HSDR-SS)."""
_SUM_TOLERANCE = 1e-6  # routing probabilities must sum to 1 within rounding of 6 decimals
OPTIONAL_SECTIONS = ("state", "demand")  # left out of dumps when absent
MAX_HORIZON_DAYS = 40_000  # ~110 years: long only for steady-state verification runs

MAX_SHIFT_SD = 3.0  # a risk factor moving need by 3 sd would put nearly everyone above threshold

Probability = float


def _check_shares(field: str, shares: dict[str, float], names: tuple[str, ...]) -> None:
    """Shares over ``names``: each present, in [0, 1], summing to 1 (messages name the field)."""
    missing = [k for k in names if k not in shares]
    if missing:
        raise ValueError(f"{field}.{missing[0]}: missing (give a share for each of {names})")
    bad = [k for k, v in shares.items() if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"{field}.{bad[0]}: must be in [0, 1]")
    total = sum(shares.values())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"{field}: shares must sum to 1 (they sum to {total:.6g})")


class Population(Frozen):
    """Who screens: sector, sex and ethnicity mix, and prevalence of each risk factor."""

    # Literal[TUPLE] keys: pydantic reads the allowed keys from the tuple at run time, which a
    # static checker cannot (hence the ignores below).
    sector: Annotated[dict[Literal[SECTORS], float], AfterValidator(freeze)]  # type: ignore[valid-type]
    female: Probability = Field(ge=0, le=1)
    ethnicity: Annotated[
        dict[Literal[ETHNICITIES], float], AfterValidator(freeze)  # type: ignore[valid-type]
    ]
    risk_factors: Annotated[
        dict[Literal[RISK_FACTORS], Probability], AfterValidator(freeze)  # type: ignore[valid-type]
    ]

    @model_validator(mode="after")
    def _check(self) -> Population:
        _check_shares("sector", self.sector, SECTORS)
        _check_shares("ethnicity", self.ethnicity, ETHNICITIES)
        missing = [k for k in RISK_FACTORS if k not in self.risk_factors]
        if missing:
            raise ValueError(f"risk_factors.{missing[0]}: missing")
        bad = [k for k, v in self.risk_factors.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"risk_factors.{bad[0]}: must be in [0, 1]")
        return self


def _shift_number(value: Any, where: str) -> float:
    """A shift in sd units within +-MAX_SHIFT_SD; ValueError starting with ``where`` if not."""
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{prefix}must be a number of sd (or a table by domain), got {value!r}")
    if not abs(value) <= MAX_SHIFT_SD:
        raise ValueError(f"{prefix}must be within +-{MAX_SHIFT_SD} sd, got {value!r}")
    return float(value)


def _risk_shift(value: Any) -> float | FrozenMap:
    """One risk factor's latent shift: a number (every domain) or a table with every domain."""
    if not isinstance(value, dict):
        return _shift_number(value, "")
    unknown = [k for k in value if k not in DOMAINS]
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown domain; expected {', '.join(DOMAINS)}")
    missing = [d for d in DOMAINS if d not in value]
    if missing:
        raise ValueError(f"{missing[0]}: missing (a table of shifts gives every domain: "
                         f"{', '.join(DOMAINS)}; or give one number for all)")
    return freeze({d: _shift_number(value[d], d) for d in DOMAINS})


RiskShift = Annotated[
    Any, PlainValidator(_risk_shift),
    PlainSerializer(lambda v: dict(v) if isinstance(v, dict) else v),
]
Correlation = Annotated[
    Any, PlainValidator(need_correlation.parse), PlainSerializer(need_correlation.dump),
]


class Screening(Frozen):
    """Need model: prevalence per domain for a client with no risk factor, the latent correlation
    between domains (a number, a ``{general, affective, alcohol_ratio}`` table or a 5 x 5 matrix:
    see :mod:`hubsim.scenario.correlation`), and how far each risk factor shifts the latent scores
    (sd units; one number for every domain, or a table by domain)."""

    # Literal[TUPLE] keys: checked by pydantic at run time, not statically (see Population)
    prevalence: Annotated[
        dict[Literal[DOMAINS], float], AfterValidator(freeze)  # type: ignore[valid-type]
    ]
    correlation: Correlation
    risk_shift_sd: Annotated[
        dict[Literal[RISK_FACTORS], RiskShift], AfterValidator(freeze)  # type: ignore[valid-type]
    ]
    moderate_min_domains: int = Field(ge=1, le=5)
    high_min_domains: int = Field(ge=1, le=5)
    onward_min_domains: int = Field(ge=0, le=5)  # fewer positive measures: closed after the screen

    @model_validator(mode="after")
    def _check(self) -> Screening:
        missing = [d for d in DOMAINS if d not in self.prevalence]
        if missing:
            raise ValueError(f"prevalence.{missing[0]}: missing (every domain needs a prevalence)")
        bad = [d for d, p in self.prevalence.items() if not 0 < p < 1]
        if bad:
            raise ValueError(f"prevalence.{bad[0]}: must be in (0, 1)")
        absent = [k for k in RISK_FACTORS if k not in self.risk_shift_sd]
        if absent:
            raise ValueError(f"risk_shift_sd.{absent[0]}: missing")
        if self.high_min_domains <= self.moderate_min_domains:
            raise ValueError("high_min_domains: must be greater than moderate_min_domains")
        return self

    def correlation_matrix(self) -> np.ndarray:
        """The 5 x 5 latent correlation matrix, ``DOMAINS`` order."""
        return need_correlation.as_matrix(self.correlation)

    def shift_matrix(self) -> np.ndarray:
        """Latent shift of each domain (columns, ``DOMAINS`` order) when each risk factor (rows,
        ``RISK_FACTORS`` order) is present, sd units: shape (8, 5)."""
        rows = []
        for factor in RISK_FACTORS:
            shift = self.risk_shift_sd[factor]
            rows.append([shift[d] for d in DOMAINS] if isinstance(shift, dict)
                        else [shift] * len(DOMAINS))
        return np.array(rows, dtype=float)


class Triage(Frozen):
    """Clinical triage call: durations in minutes, delays in days."""

    call_minutes: Distribution
    admin_minutes: Distribution
    failed_attempt_minutes: Distribution
    contact_success: Probability = Field(ge=0, le=1)
    retry_after_days: float = Field(ge=0, le=365)
    max_attempts: int = Field(ge=1, le=20)


class Routing(Frozen):
    """Pathway probabilities after triage for one need tier; they sum to 1."""

    hub_therapy: Probability = Field(ge=0, le=1)
    brief_support: Probability = Field(ge=0, le=1)
    external_referral: Probability = Field(ge=0, le=1)
    signpost: Probability = Field(ge=0, le=1)
    no_further_support: Probability = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Routing:
        total = sum(getattr(self, p) for p in PATHWAYS)
        if abs(total - 1.0) > _SUM_TOLERANCE:
            raise ValueError(f"probabilities must sum to 1 (they sum to {total:.6g})")
        return self

    def probabilities(self) -> tuple[float, ...]:
        return tuple(getattr(self, p) for p in PATHWAYS)


class RoutingByTier(Frozen):
    low: Routing
    moderate: Routing
    high: Routing


class Course(Frozen):
    """A course of weekly sessions (therapy or brief support)."""

    session_interval_days: Distribution
    session_minutes: float = Field(gt=0, le=480)
    dna_probability: Probability = Field(ge=0, lt=1)
    max_consecutive_dna: int = Field(ge=1, le=20)
    dropout_per_session: Probability = Field(ge=0, le=1)


class SessionsByTier(Frozen):
    low: Distribution
    moderate: Distribution
    high: Distribution


class Therapy(Course):
    """Hub therapy: waiting list for caseload slots, then a course of sessions."""

    sessions: SessionsByTier
    max_sessions: int = Field(ge=1, le=200)
    priority: Literal["fifo", "need", "breach"]  # breach: by need, but long waiters go first
    breach_after_days: float = Field(gt=0, le=MAX_HORIZON_DAYS)
    patience_days: Distribution | None = None


class BriefSupport(Course):
    """Brief Hub support: a few sessions from its own practitioners (``staff.brief``)."""

    sessions: Distribution


class Destination(Frozen):
    """One kind of external service: its share of onward referrals and its wait (days).

    ``wait_days`` runs from referral to the first treatment appointment; ``hidden_wait_days``
    (optional) from the first to the second appointment, where the treatment the Hub referred
    for begins (the "hidden wait" of NHS Talking Therapies). The client waits for both.
    """

    share: Probability = Field(ge=0, le=1)
    wait_days: Distribution
    hidden_wait_days: Distribution | None = None


class External(Frozen):
    """Onward referral: Hub navigation time (days), then a destination and its wait."""

    navigation_days: Distribution
    destinations: Annotated[dict[str, Destination], AfterValidator(freeze)] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares(self) -> External:
        total = sum(d.share for d in self.destinations.values())
        if abs(total - 1.0) > _SUM_TOLERANCE:
            raise ValueError(f"destinations: shares must sum to 1 (they sum to {total:.6g})")
        return self


class Signpost(Frozen):
    """Signposting: the share who go on to self-help or self-referred support, and when (days)."""

    uptake: Probability = Field(ge=0, le=1)
    days_to_support: Distribution


class Profile(Frozen):
    """Another population (e.g. people affected by a new incident), its need and pathways.

    The loader fills any section a profile leaves out from the scenario's own sections.
    """

    population: Population
    screening: Screening
    routing: RoutingByTier
    sessions: SessionsByTier


class Service(Frozen):
    """When the Hub stops (e.g. funding ends) and what happens to clients still waiting then."""

    closes: dt.date | None = None
    on_close: Literal["discharge", "refer_external"]


class FollowUp(Frozen):
    """The evaluation's follow-up survey: asked between these days (after screening)."""

    min_days: float = Field(ge=0, le=MAX_HORIZON_DAYS)
    max_days: float = Field(ge=0, le=MAX_HORIZON_DAYS)

    @model_validator(mode="after")
    def _ordered(self) -> FollowUp:
        if self.max_days < self.min_days:
            raise ValueError("max_days: must be >= min_days")
        return self


class Evaluation(Frozen):
    """Dates of the evaluation's routine screening data (for checks against published figures)."""

    window_start: dt.date
    window_end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Evaluation:
        if self.window_end <= self.window_start:
            raise ValueError("window_end: must be after window_start")
        return self


class Scenario(Frozen):
    """One Hub scenario (immutable)."""

    name: str = Field(min_length=1)
    hub: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    start_date: dt.date
    horizon_days: float = Field(gt=0, le=MAX_HORIZON_DAYS)
    warmup_days: float = Field(ge=0)
    calendar: Literal["weekdays", "continuous"]
    working_day_start_hour: float = Field(ge=0, lt=24)
    price_year: int = Field(ge=2000, le=2100)
    arrivals: Arrivals
    population: Population
    screening: Screening
    triage: Triage
    routing: RoutingByTier
    therapy: Therapy
    brief_support: BriefSupport
    external: External
    signpost: Signpost
    staff: Staff
    service: Service
    profiles: Annotated[dict[str, Profile], AfterValidator(freeze)] = Field(
        default_factory=FrozenMap
    )
    followup: FollowUp
    evaluation: Evaluation
    costs: Costs
    outcomes: Outcomes
    state: State | None = None  # clients with the Hub on the start date (``hubsim fit``)
    demand: Demand | None = None  # background demand fitted to the Hub's history

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.state is not None:
            if self.state.as_of != self.start_date:
                raise ValueError(f"state.as_of: must be start_date ({self.start_date})")
            if self.warmup_days != 0:
                raise ValueError("warmup_days: must be 0 with a [state] (no warm-up is needed)")
        if self.warmup_days >= self.horizon_days:
            raise ValueError("warmup_days: must be less than horizon_days")
        if self.calendar == "weekdays":
            hours = self.staff.triage.clinical_hours_per_week / 5
            if self.working_day_start_hour + hours > 24:
                raise ValueError(
                    "staff.triage.clinical_hours_per_week: a fifth of it must fit in the day "
                    "after working_day_start_hour"
                )
        if self.arrivals.profile is not None and self.arrivals.profile[0].start > self.start_date:
            raise ValueError("arrivals.profile: must start on or before start_date")
        named = [s.population for s in self.arrivals.profile or ()]
        named += [s.population for s in self.arrivals.surges]
        named += [c.population for c in self.arrivals.cohorts]
        unknown = [n for n in named if n is not None and n not in self.profiles]
        if unknown:
            raise ValueError(f"arrivals: population {unknown[0]!r} is not one of [profiles]")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_sections(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dumps leave out ``state`` and ``demand`` when absent, so a scenario without them
        dumps (and hashes) as before they existed."""
        data = handler(self)
        for key in OPTIONAL_SECTIONS:
            if key in data and data[key] is None:
                del data[key]
        return data

    @property
    def end_date(self) -> dt.date:
        """Calendar date of the end of the horizon."""
        return self.start_date + dt.timedelta(days=math.floor(self.horizon_days))


class MultiHubScenario(Frozen):
    """Several Hubs simulated side by side (each with its own staff, clients and calendar)."""

    name: str = Field(min_length=1)
    description: str = ""
    hubs: tuple[Scenario, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> MultiHubScenario:
        ids = [h.hub for h in self.hubs]
        if len(set(ids)) != len(ids):
            raise ValueError("hubs: each Hub needs its own `hub` identifier")
        return self

    @property
    def hub(self) -> str:
        """Identifier for results folders: the Hub ids joined."""
        return "+".join(h.hub for h in self.hubs) if len(self.hubs) < 3 else "multi-hub"

    @property
    def warmup_days(self) -> float:
        return min(h.warmup_days for h in self.hubs)


AnyScenario = Scenario | MultiHubScenario
