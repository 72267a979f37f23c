"""Fit a scenario to a Hub's extract: demand, pathway parameters and the state at the as-of date.

What is fitted (each parameter from the extract only where at least ``fit.min_rows`` clients
inform it; otherwise the base scenario's value, usually the evidence registry's, is kept, and the
table of ``FittedParameter`` says which source won and from how many rows):

- demand: ``hubsim.experiments.demand_fit`` (every screening counts);
- ``routing.<tier>``: the share of each pathway among clients of that need tier who were triaged;
- ``triage.contact_success``: from the share of clients resolved at triage who were never reached,
  ``q = (1 - p) ** max_attempts``, so ``p = 1 - q ** (1 / max_attempts)``;
- ``therapy.dna_probability`` / ``brief_support.dna_probability``: missed over booked sessions;
- ``therapy.dropout_per_session`` / ``brief_support.dropout_per_session``: drop-outs over the
  attended sessions after which a client could have dropped out (every attended session but a
  completed course's last), among ended courses;
- ``therapy.sessions.<tier>`` and ``brief_support.sessions``: the mean and sd of completed
  courses' lengths (a lognormal), among
  courses started at least ``COURSE_LOOKBACK_DAYS`` before the as-of date (so nearly all have
  ended) and weighted by ``1 / (1 - dropout) ** (n - 1)``, undoing the drop-out that makes long
  courses less likely to be completed.

The state (``[state]``): every client not discharged by the as-of date, at their stage (a client
triaged onto a list but with no join date joins it on the triage date). Clients referred on but
not yet discharged (navigation) hold no Hub capacity and are not carried; their number is
reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubsim.experiments.demand_fit import DemandFit, fit_demand
from hubsim.scenario import registry
from hubsim.scenario.extract import Extract
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario

MIN_ROWS = int(registry.constant("fit.min_rows").value)
COURSE_LOOKBACK_DAYS = 365  # courses started a year before the as-of date have nearly all ended
MIN_SESSIONS_SD = 0.5  # sessions: a fitted sd never below half a session (a degenerate lognormal)
EXTRACT, BASE = "extract", "base scenario"


@dataclass(frozen=True)
class FittedParameter:
    """One scenario parameter: its value, which source won and how many rows informed it."""

    name: str
    value: Any
    source: str
    rows: int
    note: str = ""
    trials: int = 0  # a share's denominator (sessions, attempts resolved, ...), for its error


@dataclass(frozen=True)
class ScenarioFit:
    """Everything ``hubsim fit`` found: the parameters, the demand fit, the state."""

    parameters: tuple[FittedParameter, ...]
    demand: DemandFit
    state: dict[str, Any]
    not_carried: int  # clients in navigation to an external service

    def overrides(self) -> dict[str, Any]:
        """Dotted scenario fields set from the extract (only where the extract won)."""
        return {p.name: p.value for p in self.parameters if p.source == EXTRACT}

    def table(self) -> pd.DataFrame:
        """One row per parameter: name, value, source, rows, note."""
        return pd.DataFrame([{"parameter": p.name, "value": _show(p.value), "source": p.source,
                              "rows": p.rows, "note": p.note} for p in self.parameters])


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    return str(value)


def _dump(value: Any) -> Any:
    return value.model_dump(mode="python") if hasattr(value, "model_dump") else value


def _choose(name: str, fitted: Any, rows: int, base: Any, note: str = "",
            trials: int = 0) -> FittedParameter:
    if rows >= MIN_ROWS and fitted is not None:
        return FittedParameter(name, fitted, EXTRACT, rows, note, trials or rows)
    return FittedParameter(name, _dump(base), BASE, rows,
                           f"fewer than {MIN_ROWS} rows" if rows < MIN_ROWS else note,
                           trials or rows)


def _routing(rows: pd.DataFrame, base: Scenario) -> list[FittedParameter]:
    out = []
    triaged = rows[rows["pathway"].notna() & rows["need_tier"].notna()]
    for tier in NEED_TIERS:
        mine = triaged[triaged["need_tier"] == tier]["pathway"]
        shares = {p: float((mine == p).sum()) / len(mine) for p in PATHWAYS} if len(mine) else None
        out.append(_choose(f"routing.{tier}", shares, len(mine), getattr(base.routing, tier)))
    return out


def _contact(rows: pd.DataFrame, base: Scenario) -> FittedParameter:
    resolved = rows["triage_date"].notna() | (rows["discharge_reason"] == "not_reached")
    n = int(resolved.sum())
    unreached = int((rows["discharge_reason"] == "not_reached").sum())
    attempts = base.triage.max_attempts
    p = 1.0 - (unreached / n) ** (1.0 / attempts) if n else None
    return _choose("triage.contact_success", p, n, base.triage.contact_success,
                   f"{unreached} of {n} never reached after {attempts} attempts", n)


def _course_rows(rows: pd.DataFrame, pathway: str) -> pd.DataFrame:
    return rows[(rows["pathway"] == pathway) & rows["first_session_date"].notna()]


def _dna(rows: pd.DataFrame, base: Scenario, pathway: str, section: str) -> FittedParameter:
    courses = _course_rows(rows, pathway)
    attended, missed = courses["sessions_attended"].sum(), courses["sessions_missed"].sum()
    booked = int(attended + missed)
    value = float(missed) / booked if booked else None
    return _choose(f"{section}.dna_probability", value, len(courses),
                   getattr(base, section).dna_probability, f"{int(missed)} of {booked} sessions",
                   booked)


def _dropout(rows: pd.DataFrame, base: Scenario, pathway: str,
             section: str) -> tuple[FittedParameter, float]:
    courses = _course_rows(rows, pathway)
    ended = courses[courses["discharge_reason"].isin(("completed", "dropped_out",
                                                      "discharged_dna"))]
    completed = int((ended["discharge_reason"] == "completed").sum())
    dropped = int((ended["discharge_reason"] == "dropped_out").sum())
    chances = int(ended["sessions_attended"].sum()) - completed
    value = dropped / chances if chances > 0 else None
    chosen = _choose(f"{section}.dropout_per_session", value, len(ended),
                     getattr(base, section).dropout_per_session, f"{dropped} drop-outs in "
                     f"{chances} sessions that could be a last", max(chances, 0))
    return chosen, float(chosen.value)


def _lengths(done: pd.DataFrame, dropout: float) -> tuple[dict[str, Any] | None, int]:
    """A lognormal of completed courses' lengths, weighted to undo drop-out, and the count."""
    n = done["sessions_attended"].to_numpy(float)
    if not n.size:
        return None, 0
    weight = (1.0 - dropout) ** -(n - 1.0)
    mean = float(np.average(n, weights=weight))
    sd = float(np.sqrt(np.average((n - mean) ** 2, weights=weight)))
    return {"dist": "lognormal", "mean": mean, "sd": max(sd, MIN_SESSIONS_SD)}, int(n.size)


def _completed(rows: pd.DataFrame, pathway: str, cutoff: dt.date) -> pd.DataFrame:
    courses = _course_rows(rows, pathway)
    return courses[(courses["discharge_reason"] == "completed")
                   & (courses["first_session_date"] <= cutoff)]


def _sessions(rows: pd.DataFrame, base: Scenario, as_of: dt.date, therapy_dropout: float,
              brief_dropout: float) -> list[FittedParameter]:
    cutoff = as_of - dt.timedelta(days=COURSE_LOOKBACK_DAYS)
    note = f"completed courses started by {cutoff}"
    done = _completed(rows, "hub_therapy", cutoff)
    out = []
    for tier in NEED_TIERS:
        fitted, count = _lengths(done[done["need_tier"] == tier], therapy_dropout)
        out.append(_choose(f"therapy.sessions.{tier}", fitted, count,
                           getattr(base.therapy.sessions, tier), note))
    fitted, count = _lengths(_completed(rows, "brief_support", cutoff), brief_dropout)
    out.append(_choose("brief_support.sessions", fitted, count, base.brief_support.sessions,
                       note))
    return out


def _text(value: Any) -> str | None:
    """A text cell, or None when blank (pandas may hold a blank as None or NaN)."""
    return value if isinstance(value, str) and value else None


def _day(value: Any) -> dt.date | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def state_table(rows: pd.DataFrame, as_of: dt.date) -> tuple[dict[str, Any], int]:
    """(the ``[state]`` table of the clients with the Hub on ``as_of``, clients not carried)."""
    open_ = rows[rows["discharge_date"].isna()]
    clients, navigation = [], 0
    for record in open_.to_dict("records"):
        pathway = record["pathway"]
        entry: dict[str, Any] = {"screened": record["screen_date"]}
        tier = _text(record.get("need_tier"))
        if tier is not None:
            entry["tier"] = tier
        if _text(pathway) is None:
            entry["stage"] = "awaiting_triage"
        elif pathway in ("hub_therapy", "brief_support"):
            kind = "therapy" if pathway == "hub_therapy" else "brief"
            entry["triaged"] = record["triage_date"]
            entry["joined"] = _day(record["list_join_date"]) or record["triage_date"]
            started = _day(record["first_session_date"])
            if started is None:
                entry["stage"] = f"waiting_{kind}"
            else:
                entry.update(stage=f"in_{kind}", started=started,
                             attended=int(record["sessions_attended"]),
                             missed=int(record["sessions_missed"]))
        else:
            navigation += 1
            continue
        clients.append(entry)
    return {"as_of": as_of, "clients": clients}, navigation


def fit_scenario(extract: Extract, base: Scenario) -> ScenarioFit:
    """Fit demand, parameters and state to ``extract`` over ``base`` (see the module docstring).

    Raises
    ------
    ValueError
        too little history to fit demand (the message names the column).
    """
    rows = extract.rows
    demand = fit_demand(list(rows["screen_date"]), extract.as_of)
    parameters = [*_routing(rows, base), _contact(rows, base)]
    parameters.append(_dna(rows, base, "hub_therapy", "therapy"))
    parameters.append(_dna(rows, base, "brief_support", "brief_support"))
    therapy, therapy_hazard = _dropout(rows, base, "hub_therapy", "therapy")
    brief, brief_hazard = _dropout(rows, base, "brief_support", "brief_support")
    parameters += [therapy, brief,
                   *_sessions(rows, base, extract.as_of, therapy_hazard, brief_hazard)]
    state, navigation = state_table(rows, extract.as_of)
    return ScenarioFit(tuple(parameters), demand, state, navigation)
