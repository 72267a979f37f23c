"""Facts about a run read from its ``run_metadata.json``: Hubs, staffing over time, source line.

The metadata holds the resolved scenario as plain JSON data (see ``hubsim.results.write``). Results
folders outlive code versions, so these helpers read that data defensively: a field a newer or
older version does not write is treated as absent, never as an error.

Staffing over time is read from ``staff.<role>.changes``, a list of ``{from = DATE, wte = NUMBER}``
entries (the funded WTE from that date), and ``staff.<role>.borrowed``, a list of
``{from = DATE, to = DATE, wte = NUMBER}`` (staff lent in between the dates); a role without them
keeps its ``wte`` throughout.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import pandas as pd
from pydantic import ValidationError

from hubsim.scenario.schema import AnyScenario, MultiHubScenario, Scenario
from hubsim.scenario.staff import CASELOAD_POOLS

logger = logging.getLogger(__name__)

# CASELOAD_POOLS (the scenario's staff section): the timeseries holds ``<pool>_caseload`` (slots in
# use) and, in newer runs, ``<pool>_slots`` (slots open that day)
POOL_LABELS: dict[str, str] = {"therapy": "Hub therapy", "brief": "brief support"}
ROLE_LABELS: dict[str, str] = {
    "triage": "triage clinicians", "therapists": "therapists", "brief": "brief-support staff",
    "psychologists": "psychologists", "coordinators": "pathway coordinators",
}


def hubs(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resolved scenario of each Hub in the run (one for a single-Hub scenario)."""
    scenario = meta.get("scenario") or {}
    if "hubs" in scenario:
        return list(scenario["hubs"])
    return [scenario] if scenario else []


def run_name(meta: Mapping[str, Any]) -> str:
    """The scenario's name; for a run that records only its file (``hubsim psa``), the file's
    stem, and against what it was compared."""
    name = meta.get("scenario_name") or (meta.get("scenario") or {}).get("name")
    if not name and meta.get("scenario_file"):
        name = PurePath(str(meta["scenario_file"])).stem
    if name and meta.get("command") == "psa" and meta.get("comparator"):
        return f"{name} against {meta['comparator']}"
    return str(name or "unnamed scenario")


def source_line(meta: Mapping[str, Any]) -> str:
    """'Scenario: NAME · N replications · seed S' for the foot of a figure (a PSA adds its
    number of draws: 'D draws x N replications')."""
    reps = meta.get("replications", "?")
    noun = "replication" if reps == 1 else "replications"
    draws = f"{meta['draws']} draws × " if meta.get("command") == "psa" and "draws" in meta else ""
    return f"Scenario: {run_name(meta)} · {draws}{reps} {noun} · seed {meta.get('seed', '?')}"


def to_date(value: Any) -> dt.date:
    """A date from an ISO string or a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def wte_on(role: Mapping[str, Any], start: dt.date, dates: pd.Series) -> pd.Series:
    """WTE in force on each of ``dates`` (datetimes): ``wte``, then each of ``changes`` from its
    date, plus any ``borrowed`` staff between their ``from`` and ``to`` dates."""
    wte = pd.Series(float(role["wte"]), index=dates.index)
    for change in sorted(role.get("changes") or (), key=lambda c: to_date(c["from"])):
        wte[dates >= pd.Timestamp(to_date(change["from"]))] = float(change["wte"])
    for loan in role.get("borrowed") or ():
        inside = (dates >= pd.Timestamp(to_date(loan["from"]))) & (
            dates < pd.Timestamp(to_date(loan["to"])))
        wte[inside] += float(loan["wte"])
    return wte


def _boundaries(role: Mapping[str, Any], start: dt.date) -> list[dt.date]:
    days = [to_date(c["from"]) for c in role.get("changes") or ()]
    for loan in role.get("borrowed") or ():
        days += [to_date(loan["from"]), to_date(loan["to"])]
    return sorted({d for d in days if d > start})


def staffing_changes(meta: Mapping[str, Any]) -> pd.DataFrame:
    """Every change of staffing after the start: columns ``hub, role, date, wte_before, wte``.

    Empty when no role has ``changes`` or ``borrowed`` staff.
    """
    rows = []
    for hub in hubs(meta):
        start = to_date(hub.get("start_date", dt.date.min))
        for role, table in (hub.get("staff") or {}).items():
            days = _boundaries(table, start)
            if not days:
                continue
            stamps = pd.Series(pd.to_datetime(days))
            after = wte_on(table, start, stamps)
            before = wte_on(table, start, stamps - pd.Timedelta(days=1))
            rows += [(hub.get("hub", ""), role, d, b, a)
                     for d, b, a in zip(days, before, after, strict=True) if b != a]
    return pd.DataFrame(rows, columns=["hub", "role", "date", "wte_before", "wte"])


def _pool_slots(hub: Mapping[str, Any], roles: tuple[str, ...], dates: pd.Series) -> pd.Series:
    """Funded slots of one Hub's pool: ``round(sum of wte * caseload_per_wte over its roles)``."""
    start = to_date(hub.get("start_date", dt.date.min))
    exact = pd.Series(0.0, index=dates.index)
    for role in roles:
        table = (hub.get("staff") or {}).get(role)
        if table and "caseload_per_wte" in table:
            exact += wte_on(table, start, dates) * float(table["caseload_per_wte"])
    return exact.round()


def caseload_slots(meta: Mapping[str, Any], dates: pd.Series) -> pd.DataFrame:
    """Funded caseload slots on each date, summed over Hubs: columns ``date, pool, slots``.

    A pool's slots are ``round(sum over its roles of wte * caseload_per_wte)`` as in the model,
    from the funded WTE on each date (see ``wte_on``; posts are filled after a recruitment lag,
    so staff in post can be fewer). ``dates`` are datetimes.
    """
    dates = pd.Series(pd.to_datetime(dates).unique()).sort_values(ignore_index=True)
    frames = []
    for pool, roles in CASELOAD_POOLS.items():
        total = pd.Series(0.0, index=dates.index)
        for hub in hubs(meta):
            total += _pool_slots(hub, roles, dates)
        if total.gt(0).any():
            frames.append(pd.DataFrame({"date": dates, "pool": pool, "slots": total}))
    if not frames:
        return pd.DataFrame(columns=["date", "pool", "slots"])
    return pd.concat(frames, ignore_index=True)


def command_line(meta: Mapping[str, Any]) -> str:
    """The ``hubsim run`` command that reproduces the run (as far as the metadata says)."""
    parts = ["hubsim", "run", str(meta.get("scenario_file", "SCENARIO.toml"))]
    parts += ["--replications", str(meta.get("replications", "N"))]
    parts += ["--seed", str(meta.get("seed", 0))]
    for pair in meta.get("overrides") or ():
        parts += ["--set", f"'{pair}'" if " " in str(pair) else str(pair)]
    return " ".join(parts)


def scenario_object(meta: Mapping[str, Any]) -> AnyScenario | None:
    """The run's scenario validated again from the metadata, or None when it no longer validates
    (a folder written by another version) or was not recorded."""
    data = meta.get("scenario")
    if not data:
        return None
    model = MultiHubScenario if "hubs" in data else Scenario
    try:
        return model.model_validate(data)
    except ValidationError:
        logger.info("the stored scenario does not validate with this version of hubsim")
        return None
