"""Scenario sections for costs and the logic model (benefits). Filled in by the economics work."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Costs(_Frozen):
    """Costs beyond staff time (set-up, non-staff running costs, unit costs, downstream use)."""


class Outcomes(_Frozen):
    """Logic-model outcomes (improvement, EQ-5D, QALYs, absence, turnover)."""
