"""Scenario section ``[arrivals]``: background demand, incident surges and invited cohorts.

Rates are expected screenings completed per week or per month; days are calendar days.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from hubsim.scenario.base import Frozen
from hubsim.scenario.distributions import Distribution
from hubsim.scenario.units import DAYS_PER_MONTH, DAYS_PER_WEEK


class RateSegment(Frozen):
    """Expected screenings from ``from`` onwards: give ``per_week`` or ``per_month``; the clients
    come from the ``population`` profile named (the scenario's own population when omitted)."""

    start: dt.date = Field(alias="from")
    per_week: float | None = Field(default=None, ge=0, le=10_000)
    per_month: float | None = Field(default=None, ge=0, le=50_000)
    population: str | None = None

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
        assert self.per_month is not None  # the validator requires exactly one of the two
        return self.per_month / DAYS_PER_MONTH


class Surge(Frozen):
    """Extra demand after an incident: ``peak_per_week`` on ``from``, halving every
    ``half_life_days``."""

    start: dt.date = Field(alias="from")
    peak_per_week: float = Field(ge=0, le=10_000)
    half_life_days: float = Field(gt=0, le=3650)
    population: str | None = None


class Cohort(Frozen):
    """An exposed cohort invited to screen (screen-and-treat after a major incident).

    ``size`` people are invited on ``invited``; at each offset in ``rounds_days`` (days after the
    invitation: e.g. 3, 6, 9 and 12 months) each responds with probability ``response`` and
    screens ``respond_within_days`` later. Each screening is a new client record.
    """

    name: str = Field(min_length=1)
    size: int = Field(ge=0, le=1_000_000)
    invited: dt.date
    rounds_days: tuple[float, ...] = Field(min_length=1)
    response: float = Field(ge=0, le=1)
    respond_within_days: Distribution
    population: str | None = None


class Arrivals(Frozen):
    """Arrivals: a constant ``per_week`` or a piecewise-constant ``profile``, times ``scale``,
    plus incident ``surges`` and invited ``cohorts``."""

    per_week: float | None = Field(default=None, ge=0, le=10_000)
    profile: tuple[RateSegment, ...] | None = Field(default=None, min_length=1)
    scale: float = Field(default=1.0, ge=0, le=100)  # identity multiplier, for sweeps
    surges: tuple[Surge, ...] = ()
    cohorts: tuple[Cohort, ...] = ()

    @model_validator(mode="after")
    def _one_mode(self) -> Arrivals:
        if (self.per_week is None) == (self.profile is None):
            raise ValueError("per_week: give exactly one of per_week (constant rate) or profile")
        if self.profile is not None:
            starts = [s.start for s in self.profile]
            if starts != sorted(starts) or len(set(starts)) != len(starts):
                raise ValueError("profile: dates must be strictly increasing")
        return self
