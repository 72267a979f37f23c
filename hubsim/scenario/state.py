"""Scenario sections ``[state]`` and ``[demand]``: where a Hub stands on its start date, and its
demand fitted to its own history (written by ``hubsim fit``).

``[state]`` lists the clients with the Hub on ``as_of`` (the scenario's ``start_date``), one inline
table each: awaiting a triage call, on the therapy or brief-support waiting list (with the day they
joined it), or in a course (with the day it started and the sessions attended and missed so far).
No client reference is held: a client is only their dates, need tier and counts.

``[demand]`` holds a Poisson regression of monthly screenings on a linear trend and month of year
(``hubsim.model.demand``): its coefficients and their covariance, so each replication can draw its
own demand path.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from hubsim.scenario.base import NEED_TIERS, Frozen

STATE_STAGES: tuple[str, ...] = (
    "awaiting_triage", "waiting_therapy", "waiting_brief", "in_therapy", "in_brief",
)
"""Where a client stands on the as-of date."""
MAX_STATE_CLIENTS = 20_000  # far above any Hub's caseload and lists (hundreds)
MAX_DEMAND_TERMS = 13  # intercept, trend and 11 month-of-year effects


class StateClient(Frozen):
    """One client with the Hub on the as-of date.

    ``screened``: the day of the online screen (a triage wait counts from it). ``joined``: the day
    they joined the therapy or brief-support waiting list (required for every stage but
    ``awaiting_triage``). ``started``: the first session (the ``in_*`` stages). ``tier``: need
    tier when known (else drawn from the scenario's need model).
    """

    stage: Literal[STATE_STAGES]  # type: ignore[valid-type]
    screened: dt.date
    triaged: dt.date | None = None
    joined: dt.date | None = None
    started: dt.date | None = None
    attended: int = Field(default=0, ge=0, le=1000)
    missed: int = Field(default=0, ge=0, le=1000)
    tier: Literal[NEED_TIERS] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _check(self) -> StateClient:
        waiting = self.stage.startswith("waiting_")
        in_course = self.stage.startswith("in_")
        if (waiting or in_course) and self.joined is None:
            raise ValueError(f"joined: required for a client {self.stage}")
        if in_course and self.started is None:
            raise ValueError(f"started: required for a client {self.stage}")
        if not in_course and (self.started is not None or self.attended or self.missed):
            raise ValueError("started: only a client in a course has started sessions")
        order = [("screened", self.screened), ("triaged", self.triaged),
                 ("joined", self.joined), ("started", self.started)]
        known = [(name, day) for name, day in order if day is not None]
        for (before, first), (after, second) in zip(known, known[1:], strict=False):
            if second < first:
                raise ValueError(f"{after}: before {before}")
        return self


class State(Frozen):
    """The clients with the Hub on ``as_of``; every date is on or before it."""

    as_of: dt.date
    clients: tuple[StateClient, ...] = Field(default=(), max_length=MAX_STATE_CLIENTS)

    @model_validator(mode="after")
    def _check(self) -> State:
        for index, client in enumerate(self.clients):
            late = [name for name in ("screened", "triaged", "joined", "started")
                    if (day := getattr(client, name)) is not None and day > self.as_of]
            if late:
                raise ValueError(f"clients.{index}.{late[0]}: after as_of {self.as_of}")
        return self

    def count(self, stage: str) -> int:
        """Clients at ``stage`` (one of ``STATE_STAGES``)."""
        return sum(1 for c in self.clients if c.stage == stage)


class Demand(Frozen):
    """Monthly screenings ~ Poisson(exp(x . coefficients)), fitted to the Hub's history.

    ``x`` for the calendar month ``m`` months after ``origin``'s month: ``[1, m]`` then, with
    seasonality (13 coefficients), 11 indicators for February to December. ``covariance`` is the
    coefficients' sampling covariance; with ``uncertainty`` each replication draws its own
    coefficients from the normal distribution they define (else every replication uses the
    estimates).
    """

    origin: dt.date
    coefficients: tuple[float, ...] = Field(min_length=2, max_length=MAX_DEMAND_TERMS)
    covariance: tuple[tuple[float, ...], ...]
    uncertainty: bool = True

    @model_validator(mode="after")
    def _check(self) -> Demand:
        k = len(self.coefficients)
        if k not in (2, MAX_DEMAND_TERMS):
            raise ValueError(f"coefficients: give 2 (trend) or {MAX_DEMAND_TERMS} (trend and "
                             "month of year)")
        if len(self.covariance) != k or any(len(row) != k for row in self.covariance):
            raise ValueError(f"covariance: must be {k} x {k}")
        return self
