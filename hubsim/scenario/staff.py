"""Scenario section ``[staff]``: roles with band, WTE over time, recruitment, attrition, absence.

Units: WTE (whole-time equivalents), days (calendar days unless said), GBP per WTE per year.
Every default comes from the evidence registry (rows ``staff.<role>.<field>``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from hubsim.scenario.base import Frozen
from hubsim.scenario.distributions import Distribution

BANDS: tuple[str, ...] = ("2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
"""Agenda for Change pay bands."""
MAX_WTE = 500.0  # far beyond any Hub (the largest had ~22 staff): catches unit slips
MAX_ANNUAL_COST_GBP = 1_000_000.0  # per WTE; PSSRU band 9 is ~236,000
DAYS_PER_YEAR_MAX_LEAVE = 100.0  # working days of leave per year: far above any contract
MIN_MEAN_SICKNESS_SPELL_DAYS = 1.0
"""Shortest mean sickness spell (days) when there is sickness absence. NHS sickness absence is
recorded in whole days, so a shorter mean is a unit slip; it also bounds the work: at most
``365 x (share of time sick) / 1`` spells per person-year (about 180 at the 50% maximum)."""


THERAPY_ROLES: tuple[str, ...] = ("therapists", "psychologists")
CASELOAD_POOLS: dict[str, tuple[str, ...]] = {"therapy": THERAPY_ROLES, "brief": ("brief",)}
"""Caseload pools -> the staff roles whose WTE gives their slots."""


def caseload_slots(clients: float | np.ndarray) -> np.ndarray:
    """The slot rule, the one place it is written: a caseload pool has
    ``round(sum over its roles of WTE x caseload_per_wte)`` slots, rounded half to even (numpy
    ``rint``), whether the WTE is funded, at work or lent. Works on a number or an array."""
    return np.rint(np.asarray(clients, dtype=float)).astype(np.int64)


class WteChange(Frozen):
    """Funded WTE from a date on (posts funded on the date are filled after a recruitment lag)."""

    start: dt.date = Field(alias="from")
    wte: float = Field(ge=0, le=MAX_WTE)


class Borrowed(Frozen):
    """Staff borrowed from other services between two dates (in post at once, no lag)."""

    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    wte: float = Field(gt=0, le=MAX_WTE)

    @model_validator(mode="after")
    def _ordered(self) -> Borrowed:
        if self.end <= self.start:
            raise ValueError("to: must be after from")
        return self


class Redeploy(Frozen):
    """Move a share of this role's time to triage while the triage backlog is long.

    Checked weekly: if more than ``when_backlog_above`` clients await triage, ``share`` of the
    role's available WTE does triage calls that week instead of its own work. ``share = 0``
    switches redeployment off.
    """

    share: float = Field(ge=0, le=1)
    when_backlog_above: int = Field(ge=0)


class Role(Frozen):
    """One staff group."""

    wte: float = Field(ge=0, le=MAX_WTE)
    band: Literal[BANDS]  # type: ignore[valid-type]
    annual_cost_gbp: float = Field(ge=0, le=MAX_ANNUAL_COST_GBP)
    changes: tuple[WteChange, ...] = ()
    borrowed: tuple[Borrowed, ...] = ()
    recruitment_lag_days: Distribution
    attrition_per_year: float = Field(ge=0, le=2)
    replacement_lag_days: Distribution
    annual_leave_days: float = Field(ge=0, le=DAYS_PER_YEAR_MAX_LEAVE)
    sickness_absence_pct: float = Field(ge=0, le=50)
    sickness_spell_days: Distribution

    @model_validator(mode="after")
    def _ordered(self) -> Role:
        starts = [c.start for c in self.changes]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("changes: dates must be strictly increasing")
        spell = self.sickness_spell_days.mean_value
        if self.sickness_absence_pct > 0 and spell < MIN_MEAN_SICKNESS_SPELL_DAYS:
            raise ValueError(f"sickness_spell_days: the mean must be at least "
                             f"{MIN_MEAN_SICKNESS_SPELL_DAYS:g} day when sickness_absence_pct > 0")
        return self


class TriageRole(Role):
    """Triage clinicians: calls in a daily clinical window of ``clinical_hours_per_week / 5``."""

    wte: float = Field(gt=0, le=MAX_WTE)
    clinical_hours_per_week: float = Field(gt=0, le=84)


class CaseloadRole(Role):
    """Staff who hold a caseload of clients in courses of sessions."""

    caseload_per_wte: float = Field(gt=0, le=10_000)
    redeploy: Redeploy | None = None

    @property
    def slots(self) -> int:
        """This role's caseload slots at its funded WTE (``caseload_slots``)."""
        return int(caseload_slots(self.wte * self.caseload_per_wte))



class Staff(Frozen):
    """The Hub's staff groups. ``therapists`` and ``psychologists`` share the therapy caseload;
    ``coordinators`` (pathway coordinators and admin) are costed but do not limit the flow."""

    triage: TriageRole
    therapists: CaseloadRole
    psychologists: CaseloadRole
    brief: CaseloadRole
    coordinators: Role

    @model_validator(mode="after")
    def _capacity(self) -> Staff:
        for name in ("therapists", "brief"):
            role = getattr(self, name)
            if role.wte <= 0:
                raise ValueError(f"{name}.wte: must be > 0")
        therapy = self.pool_slots("therapy")
        if therapy < 1 or self.pool_slots("brief") < 1:
            which = "brief" if therapy >= 1 else "therapists"
            raise ValueError(f"{which}.wte: wte * caseload_per_wte must give at least one slot")
        return self

    def pool_slots(self, pool: str) -> int:
        """Caseload slots of ``pool`` ("therapy" or "brief") at funded WTE (``caseload_slots``)."""
        roles = [getattr(self, name) for name in CASELOAD_POOLS[pool]]
        return int(caseload_slots(sum(r.wte * r.caseload_per_wte for r in roles)))

    def roles(self) -> dict[str, Role]:
        """Role name -> role, in a fixed order."""
        return {name: getattr(self, name) for name in type(self).model_fields}


ACTIVITY_OF_ROLE: dict[str, str] = {
    "triage": "triage", "therapists": "therapy", "psychologists": "therapy", "brief": "brief",
    "coordinators": "navigation",
}
