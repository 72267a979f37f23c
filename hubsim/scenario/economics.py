"""Scenario sections ``[costs]`` and ``[outcomes]``: unit costs, price years, downstream service
use, and the logic model of benefits.

Every field is required here: defaults come from the evidence registry
(``hubsim/data/evidence-economics.toml``), merged in by :mod:`hubsim.scenario.loader`. Units: GBP
at the price year each section states, minutes for staff time, weeks and years for the logic model,
EQ-5D index values (UK tariff; 1 = full health) for utilities.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from hubsim.scenario.base import NEED_TIERS, Frozen, freeze

PRESETS: tuple[str, ...] = ("pessimistic", "central", "optimistic")
"""Named logic-model scenarios (effect sizes about the Hub's benefit)."""
ROUTES: tuple[str, ...] = (
    "not_triaged", "hub_therapy", "brief_support", "external_referral", "signpost",
    "no_further_support",
)
"""Where a client went after screening, for downstream service use (``not_triaged``: never
reached or still awaiting triage; ``external_referral``: referred on, destination not yet reached;
a client with a destination uses ``mental_health_external``)."""
MIN_YEAR, MAX_YEAR = 2000, 2100  # price years: the same bounds as the scenario's ``price_year``
MAX_GBP = 10_000_000.0  # per client or per Hub-year: far beyond any real value, catches unit slips
MAX_MINUTES = 480.0  # one working day
MAX_WEEKS = 104.0
MAX_HORIZON_YEARS = 10.0
MAX_RATE = 1.0  # per week or per year: a hazard above 1 means (nearly) everyone, within the unit
MIN_EQ5D = -0.594  # the lowest EQ-5D-3L UK tariff value (Dolan 1997)
MAX_DOSE_SESSIONS = 50.0
MAX_DAYS_PER_YEAR = 366.0
Probability = Annotated[float, Field(ge=0, le=1)]


class CostDistribution(Frozen):
    """Cost per client, gamma-distributed with this mean and sd (GBP); ``mean = 0``: no cost."""

    mean: float = Field(ge=0, le=MAX_GBP)
    sd: float = Field(ge=0, le=MAX_GBP)

    @model_validator(mode="after")
    def _sd_needs_mean(self) -> CostDistribution:
        if self.mean == 0 and self.sd > 0:
            raise ValueError("sd: must be 0 when mean is 0")
        return self


def _check_keys(field: str, values: dict, names: tuple[str, ...]) -> None:
    """Exactly the keys ``names`` (messages name the field)."""
    missing = [k for k in names if k not in values]
    if missing:
        raise ValueError(f"{field}.{missing[0]}: missing (give one for each of {names})")
    unknown = [k for k in values if k not in names]
    if unknown:
        raise ValueError(f"{field}.{unknown[0]}: unknown (expected one of {names})")


class Downstream(Frozen):
    """Service use outside the Hub per client over the ~6 months after screening (GBP at
    ``price_year``). Hub-delivered contacts are not here: they are staff time."""

    mental_health: Annotated[dict[str, CostDistribution], AfterValidator(freeze)]
    mental_health_external: Annotated[dict[str, CostDistribution], AfterValidator(freeze)] = (
        Field(min_length=1)
    )
    wider: CostDistribution
    price_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)

    @model_validator(mode="after")
    def _every_route(self) -> Downstream:
        _check_keys("mental_health", self.mental_health, ROUTES)
        return self


class Costs(Frozen):
    """Unit costs by Agenda for Change band, price years, Hub set-up and non-staff running costs,
    staff time per onward referral, and downstream service use."""

    band_hourly_gbp: Annotated[dict[str, float], AfterValidator(freeze)] = Field(min_length=1)
    band_annual_gbp: Annotated[dict[str, float], AfterValidator(freeze)] = Field(min_length=1)
    unit_costs_edition: str = Field(min_length=1)
    unit_costs_price_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    nhs_cost_inflation_pct: Annotated[dict[int, float], AfterValidator(freeze)] = Field(
        min_length=1
    )
    setup_gbp: float = Field(ge=0, le=MAX_GBP)
    non_staff_annual_gbp: float = Field(ge=0, le=MAX_GBP)
    navigation_minutes: float = Field(ge=0, le=MAX_MINUTES)
    downstream: Downstream

    @model_validator(mode="after")
    def _bounds(self) -> Costs:
        for field in ("band_hourly_gbp", "band_annual_gbp"):
            bad = [k for k, v in getattr(self, field).items() if not 0 <= v <= MAX_GBP]
            if bad:
                raise ValueError(f"{field}.{bad[0]}: must be in [0, {MAX_GBP:g}]")
        bad_years = [y for y in self.nhs_cost_inflation_pct if not MIN_YEAR <= y <= MAX_YEAR]
        if bad_years:
            raise ValueError(f"nhs_cost_inflation_pct.{bad_years[0]}: not a price year")
        if any(not -100 < v <= 100 for v in self.nhs_cost_inflation_pct.values()):
            raise ValueError("nhs_cost_inflation_pct: each yearly change must be in (-100, 100]")
        return self


class DoseResponse(Frozen):
    """P(reliable improvement) after a course of ``n`` attended sessions:
    ``max_probability * (1 - exp(-n / dose_sessions))``."""

    max_probability: float = Field(ge=0, le=1)
    dose_sessions: float = Field(gt=0, le=MAX_DOSE_SESSIONS)


class Effects(Frozen):
    """Effect sizes of one logic-model preset (all assumptions; see the registry for reasons)."""

    remission_per_week: float = Field(ge=0, le=MAX_RATE)
    deterioration_per_week: float = Field(ge=0, le=MAX_RATE)
    hub_therapy: DoseResponse
    brief_support: DoseResponse
    external: Annotated[dict[str, Probability], AfterValidator(freeze)] = Field(min_length=1)
    self_help: float = Field(ge=0, le=1)
    utility_gain: float = Field(ge=0, le=1)
    utility_loss: float = Field(ge=0, le=1)
    absence_reduction: float = Field(ge=0, le=1)
    turnover_reduction: float = Field(ge=0, le=1)


class Outcomes(Frozen):
    """The logic model: natural course while untreated, improvement after treatment, EQ-5D,
    QALYs, sickness absence and turnover (see :mod:`hubsim.results.outcomes`)."""

    preset: Literal[PRESETS]  # type: ignore[valid-type]
    presets: Annotated[dict[str, Effects], AfterValidator(freeze)]
    horizon_years: float = Field(gt=0, le=MAX_HORIZON_YEARS)
    discount_rate: float = Field(ge=0, le=1)
    baseline_utility: Annotated[dict[str, float], AfterValidator(freeze)]
    external_course_weeks: float = Field(ge=0, le=MAX_WEEKS)
    self_help_weeks: float = Field(ge=0, le=MAX_WEEKS)
    absence_days_per_year_unwell: float = Field(ge=0, le=MAX_DAYS_PER_YEAR)
    absence_day_value_gbp: float = Field(ge=0, le=MAX_GBP)
    turnover_per_year_unwell: float = Field(ge=0, le=MAX_RATE)
    leaver_cost_gbp: float = Field(ge=0, le=MAX_GBP)
    values_price_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)

    @model_validator(mode="after")
    def _check(self) -> Outcomes:
        _check_keys("presets", self.presets, PRESETS)
        _check_keys("baseline_utility", self.baseline_utility, NEED_TIERS)
        bad = [t for t, u in self.baseline_utility.items() if not MIN_EQ5D <= u <= 1]
        if bad:
            raise ValueError(f"baseline_utility.{bad[0]}: must be in [{MIN_EQ5D}, 1]")
        return self

    @property
    def effects(self) -> Effects:
        """The effect sizes of the chosen ``preset``."""
        return self.presets[self.preset]
