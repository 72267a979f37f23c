"""The app's levers as dotted scenario overrides, like the command line's ``--set KEY=VALUE``.

A lever value is kept under the dotted name of the field it sets (``staff.therapists.wte``), plus
two composite levers: ``surge`` (one extra incident surge) and ``staff.ROLE.change`` (one extra
WTE change from a date). ``hub_overrides`` turns the values that differ from the scenario into
overrides; ``hubsim.scenario.loader.build`` then validates them, so a bad value gets the command
line's message. Nothing here knows a bound or a rule of the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Routing, Scenario

ROLES: tuple[str, ...] = ("triage", "therapists", "psychologists", "brief")
"""Roles whose staffing limits the flow (coordinators are costed but never a bottleneck)."""
ROLE_WORDS: dict[str, str] = {
    "triage": "Triage clinicians", "therapists": "Therapists", "psychologists": "Psychologists",
    "brief": "Brief-support practitioners",
}
TIER_WORDS: dict[str, str] = {"low": "Low need", "moderate": "Moderate need", "high": "High need"}
PRIORITY_WORDS: dict[str, str] = {
    "fifo": "First come, first served",
    "need": "Highest need first",
    "breach": "Highest need first, but long waiters jump the queue",
}
PRESET_WORDS: dict[str, str] = {  # presets without words here are shown by name
    "pessimistic": "Pessimistic (smaller treatment effects)",
    "central": "Central (the evaluation's best estimate)",
    "optimistic": "Optimistic (larger treatment effects)",
}
SURGE = "surge"
COURSE_FIELDS: tuple[str, ...] = ("mean", "value")
"""Field that sets a course-length distribution's average: ``mean``, or ``value`` when fixed."""
HUB_THERAPY = "hub_therapy"
SHARE_DECIMALS = 9  # pathway shares rounded so they still sum to 1 within 1e-6 (the schema's)


def change_key(role: str) -> str:
    """The lever holding one extra WTE change of ``role``: ``{"from": date, "wte": x}``."""
    return f"staff.{role}.change"


def course_field(hub: Scenario, tier: str) -> str | None:
    """The field of ``therapy.sessions.TIER`` that sets its average, or None (e.g. empirical)."""
    dist = getattr(hub.therapy.sessions, tier)
    return next((f for f in COURSE_FIELDS if f in type(dist).model_fields), None)


def defaults(hub: Scenario) -> dict[str, Any]:
    """The scenario's own value of every simple lever (dotted field -> value)."""
    values: dict[str, Any] = {"arrivals.scale": hub.arrivals.scale}
    for role in ROLES:
        values[f"staff.{role}.wte"] = getattr(hub.staff, role).wte
    for tier in NEED_TIERS:
        values[f"routing.{tier}.{HUB_THERAPY}"] = getattr(hub.routing, tier).hub_therapy
        field = course_field(hub, tier)
        if field is not None:
            values[f"therapy.sessions.{tier}.{field}"] = getattr(
                getattr(hub.therapy.sessions, tier), field)
    values["therapy.priority"] = hub.therapy.priority
    values["therapy.breach_after_days"] = hub.therapy.breach_after_days
    values["outcomes.preset"] = hub.outcomes.preset
    return values


def rescale_routing(routing: Routing, hub_share: float) -> dict[str, float]:
    """Pathway shares with ``hub_share`` offered Hub therapy, the others keeping their proportions.

    When no other pathway had a share, the rest is split equally between them.
    """
    others = [p for p in PATHWAYS if p != HUB_THERAPY]
    before = {p: getattr(routing, p) for p in others}
    rest_before, rest_after = sum(before.values()), 1.0 - hub_share
    shares = {
        p: (before[p] / rest_before if rest_before > 0 else 1.0 / len(others)) * rest_after
        for p in others
    }
    shares = {p: round(v, SHARE_DECIMALS) for p, v in shares.items()}
    return {HUB_THERAPY: hub_share, **shares}


def _surges(hub: Scenario, surge: Mapping[str, Any]) -> list[dict[str, Any]]:
    existing = [s.model_dump(by_alias=True, exclude_none=True) for s in hub.arrivals.surges]
    return [*existing, dict(surge)]


def _changes(hub: Scenario, role: str, change: Mapping[str, Any]) -> list[dict[str, Any]]:
    kept = [c.model_dump(by_alias=True) for c in getattr(hub.staff, role).changes
            if c.start != change["from"]]
    return sorted([*kept, dict(change)], key=lambda c: c["from"])


def hub_overrides(hub: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted overrides for the lever ``values`` that differ from ``hub``'s own.

    Parameters
    ----------
    hub : the scenario (one Hub) before any lever
    values : lever name -> value; ``surge`` and ``staff.ROLE.change`` are None when not used
    """
    own = defaults(hub)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in own and value != own[key]:
            out[key] = value
    for tier in NEED_TIERS:
        key = f"routing.{tier}.{HUB_THERAPY}"
        if key in out:
            del out[key]
            shares = rescale_routing(getattr(hub.routing, tier), float(values[key]))
            out.update({f"routing.{tier}.{p}": v for p, v in shares.items()})
    if values.get(SURGE):
        out["arrivals.surges"] = _surges(hub, values[SURGE])
    for role in ROLES:
        change = values.get(change_key(role))
        if change:
            out[f"staff.{role}.changes"] = _changes(hub, role, change)
    return out


def prefixed(overrides: Mapping[str, Any], hub_id: str | None) -> dict[str, Any]:
    """``overrides`` for one Hub of several (``hubs.ID.KEY``), or unchanged for one Hub."""
    if hub_id is None:
        return dict(overrides)
    return {f"hubs.{hub_id}.{key}": value for key, value in overrides.items()}


def describe(key: str, value: Any) -> str:
    """One override in words for the 'what you changed' list."""
    if isinstance(value, list):
        items = "; ".join(", ".join(f"{k} {_word(v)}" for k, v in item.items()) for item in value)
        return f"{key} = [{items}]"
    return f"{key} = {_word(value)}"


def _word(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


CHANGE_WORDS: dict[str, str] = {
    "arrivals.scale": "arrival volume (× the scenario's own)",
    "therapy.priority": "who is offered the next therapy place",
    "therapy.breach_after_days": "long wait limit (days)",
    "outcomes.preset": "logic-model preset",
    "horizon_days": "horizon (days)",
    "name": "name",
}
"""Plain words of the simple levers, as the scenario page labels them."""


def _lever_words(key: str) -> str:
    parts = key.split(".")
    if key in CHANGE_WORDS:
        return CHANGE_WORDS[key]
    if parts[0] == "staff" and parts[-1] == "wte":
        return f"{ROLE_WORDS.get(parts[1], parts[1]).lower()} (WTE)"
    if parts[0] == "therapy" and parts[1] == "sessions":
        return f"{TIER_WORDS.get(parts[2], parts[2]).lower()}: average sessions per course"
    if parts[0] == "routing":
        return f"{TIER_WORDS.get(parts[1], parts[1]).lower()}: share offered Hub therapy"
    return key


def _shown(key: str, value: Any) -> str:
    if key == "therapy.priority":
        return PRIORITY_WORDS.get(str(value), str(value))
    if key.startswith("routing."):
        return f"{100 * float(value):.0f}%"
    return _word(value)


def _dotted(data: Mapping[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def _split_hub(key: str, original: Any) -> tuple[str, Mapping[str, Any], str]:
    """(``"ID: "`` or '', that Hub's scenario data, the key within the Hub)."""
    hubs = getattr(original, "hubs", None)
    if hubs is not None and key.startswith("hubs."):
        _, hub_id, rest = key.split(".", 2)
        hub = next((h for h in hubs if h.hub == hub_id), hubs[0])
        return f"{hub_id}: ", hub.model_dump(by_alias=True), rest
    return "", original.model_dump(by_alias=True), key


def _added(rest: str, value: list, before: list | None) -> str:
    known = [dict(v) for v in before or ()]
    new = [v for v in value if dict(v) not in known] or value[-1:]
    items = "; ".join(", ".join(f"{k} {_word(x)}" for k, x in item.items()) for item in new)
    if rest == "arrivals.surges":
        return f"incident surge added ({items})"
    role = rest.split(".")[1]
    return f"{ROLE_WORDS.get(role, role).lower()} WTE change added ({items})"


def change_list(original: Any, overrides: Mapping[str, Any]) -> list[str]:
    """Each lever change in words, old value to new: 'therapists (WTE): 2.4 → 3'.

    Parameters
    ----------
    original : the scenario as its file has it (``Scenario`` or ``MultiHubScenario``)
    overrides : the levers' dotted overrides (``hubs.ID.KEY`` for one Hub of several); the
        pathway shares a routing lever rescales are named once, by the Hub therapy share
    """
    out = []
    for key, value in overrides.items():
        hub, data, rest = _split_hub(key, original)
        if rest.startswith("routing.") and not rest.endswith(f".{HUB_THERAPY}"):
            continue  # the other pathways follow the Hub therapy share
        before = _dotted(data, rest)
        if isinstance(value, list):
            out.append(hub + _added(rest, value, before))
            continue
        was = "" if before is None else f"{_shown(rest, before)} → "
        out.append(f"{hub}{_lever_words(rest)}: {was}{_shown(rest, value)}")
    return out
