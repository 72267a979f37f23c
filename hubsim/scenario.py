"""Scenario schema: frozen pydantic models with bounds on every number.

A scenario says *what* to simulate. Every field is required here; defaults are merged in from the
evidence registry by ``hubsim.loader`` before validation, so no default lives in this file.
Units: days for the clock and waits, minutes for calls and sessions, GBP for money.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hubsim.distributions import Distribution
from hubsim.need import DOMAINS

PATHWAYS: tuple[str, ...] = (
    "hub_therapy", "brief_support", "external_referral", "signpost", "no_further_support",
)
NEED_TIERS: tuple[str, ...] = ("low", "moderate", "high")
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_WEEK = 7.0
_SUM_TOLERANCE = 1e-6  # routing probabilities must sum to 1 within rounding of 6 decimals
MAX_HORIZON_DAYS = 40_000  # ~110 years: long only for steady-state verification runs

Probability = float


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RateSegment(Frozen):
    """Expected screenings from ``from`` onwards: give ``per_week`` or ``per_month``."""

    start: dt.date = Field(alias="from")
    per_week: float | None = Field(default=None, ge=0, le=10_000)
    per_month: float | None = Field(default=None, ge=0, le=50_000)

    @model_validator(mode="after")
    def _one_rate(self) -> RateSegment:
        if (self.per_week is None) == (self.per_month is None):
            raise ValueError("per_week: give exactly one of per_week or per_month")
        return self

    @property
    def per_day(self) -> float:
        """Expected arrivals per day."""
        if self.per_week is not None:
            return self.per_week / DAYS_PER_WEEK
        return self.per_month / DAYS_PER_MONTH


class Arrivals(Frozen):
    """Arrivals: a constant ``per_week`` or a piecewise-constant ``profile``, times ``scale``."""

    per_week: float | None = Field(default=None, ge=0, le=10_000)
    profile: tuple[RateSegment, ...] | None = Field(default=None, min_length=1)
    scale: float = Field(default=1.0, ge=0, le=100)  # identity multiplier, for sweeps

    @model_validator(mode="after")
    def _one_mode(self) -> Arrivals:
        if (self.per_week is None) == (self.profile is None):
            raise ValueError("per_week: give exactly one of per_week (constant rate) or profile")
        if self.profile is not None:
            starts = [s.start for s in self.profile]
            if starts != sorted(starts) or len(set(starts)) != len(starts):
                raise ValueError("profile: dates must be strictly increasing")
        return self


class Screening(Frozen):
    """Need model: per-domain prevalence and the common latent correlation."""

    prevalence: dict[Literal[DOMAINS], float]  # type: ignore[valid-type]
    correlation: float = Field(ge=0, le=0.95)
    moderate_min_domains: int = Field(ge=1, le=5)
    high_min_domains: int = Field(ge=1, le=5)

    @model_validator(mode="after")
    def _check(self) -> Screening:
        missing = [d for d in DOMAINS if d not in self.prevalence]
        if missing:
            raise ValueError(f"prevalence.{missing[0]}: missing (every domain needs a prevalence)")
        bad = [d for d, p in self.prevalence.items() if not 0 < p < 1]
        if bad:
            raise ValueError(f"prevalence.{bad[0]}: must be in (0, 1)")
        if self.high_min_domains <= self.moderate_min_domains:
            raise ValueError("high_min_domains: must be greater than moderate_min_domains")
        return self


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
    priority: Literal["fifo", "need"]
    patience_days: Distribution | None = None


class BriefSupport(Course):
    """Brief Hub support: a few sessions from its own practitioners (``staff.brief``)."""

    sessions: Distribution


class External(Frozen):
    """Onward referral: Hub navigation time, then the external service's wait (days)."""

    navigation_days: Distribution
    wait_days: Distribution


class TriageStaff(Frozen):
    wte: float = Field(gt=0, le=500)
    clinical_hours_per_week: float = Field(gt=0, le=84)
    annual_cost_gbp: float = Field(ge=0, le=1_000_000)


class CaseloadStaff(Frozen):
    wte: float = Field(gt=0, le=500)
    caseload_per_wte: float = Field(gt=0, le=10_000)
    annual_cost_gbp: float = Field(ge=0, le=1_000_000)

    @property
    def slots(self) -> int:
        """Clients that can be seen at once: ``round(wte * caseload_per_wte)``."""
        return int(round(self.wte * self.caseload_per_wte))

    @model_validator(mode="after")
    def _at_least_one_slot(self) -> CaseloadStaff:
        if self.slots < 1:
            raise ValueError("wte: wte * caseload_per_wte must give at least one caseload slot")
        return self


class Staff(Frozen):
    triage: TriageStaff
    therapists: CaseloadStaff
    brief: CaseloadStaff


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
    screening: Screening
    triage: Triage
    routing: RoutingByTier
    therapy: Therapy
    brief_support: BriefSupport
    external: External
    staff: Staff

    @model_validator(mode="after")
    def _check(self) -> Scenario:
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
        return self

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
