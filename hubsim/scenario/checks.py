"""Checks on scenario data beyond the schema's bounds, each giving the dotted field and a message.

- ``too_deep``: nesting beyond ``MAX_DEPTH`` (a hostile file could otherwise exhaust the stack);
- ``not_finite``: NaN and infinity are not numbers a scenario can use;
- ``not_a_number``: ``true``/``false`` or text where the schema wants a number (pydantic would
  otherwise read ``wte = true`` as 1 and ``wte = "3"`` as 3);
- ``date_problems``: dated items that could never take effect (before ``start_date`` or after the
  horizon). These are errors, not warnings: such a date is almost always a typing slip (a wrong
  year), and a warning is easily lost in a batch of runs whose results look plausible.

Each returns None when all is well, else ``(field, message)``; the loader turns that into a
``ScenarioError`` naming the file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from typing import Any

MAX_DEPTH = 32  # tables and arrays within each other; real scenarios use 5 or fewer

Problem = tuple[str, str] | None


def _walk(data: Any) -> Iterator[tuple[str, Any, int]]:
    """Every value in nested tables and arrays as (dotted path, value, depth), without recursion."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, Mapping):
            children = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list | tuple):
            children = [(str(i), v) for i, v in enumerate(value)]
        else:
            continue
        if depth >= MAX_DEPTH:  # do not descend further; too_deep reports it
            continue
        for key, child in reversed(children):
            stack.append((f"{path}.{key}" if path else key, child, depth + 1))


def too_deep(data: Mapping[str, Any]) -> Problem:
    """The first table or array nested more than ``MAX_DEPTH`` levels down."""
    for path, value, depth in _walk(data):
        if depth >= MAX_DEPTH and isinstance(value, Mapping | list | tuple) and value:
            return path, f"nested more than {MAX_DEPTH} levels deep"
    return None


def not_finite(data: Mapping[str, Any]) -> Problem:
    """The first NaN or infinite number in ``data``."""
    for path, value, _ in _walk(data):
        if isinstance(value, float) and not math.isfinite(value):
            return path, f"must be a finite number, not {value}"
    return None


def lookup(data: Any, path: str) -> Any:
    """The value at the dotted ``path`` in nested tables and arrays, or None if there is none."""
    return _lookup(data, path)[1]


def _lookup(data: Any, path: str) -> tuple[bool, Any]:
    node = data
    for key in path.split("."):
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list | tuple) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False, None
    return True, node


def not_a_number(raw: Mapping[str, Any], validated: Mapping[str, Any]) -> Problem:
    """The first ``true``/``false`` or text in ``raw`` that validation turned into a number.

    ``validated`` is the validated scenario dumped with field names as in files.
    """
    for path, value, _ in _walk(raw):
        if not isinstance(value, bool | str):
            continue
        found, result = _lookup(validated, path)
        if found and isinstance(result, int | float) and not isinstance(result, bool):
            what = "true/false" if isinstance(value, bool) else f"text ({value!r})"
            return path, f"must be a number, not {what}"
    return None


def date_problems(scenario: Any) -> Problem:
    """The first dated item of a single-Hub ``scenario`` that could never take effect."""
    start, end = scenario.start_date, scenario.end_date

    def iso(day: dt.date) -> str:
        return day.isoformat()

    horizon = f"the horizon ends {iso(end)}"
    closes = scenario.service.closes
    if closes is not None and closes <= start:
        return "service.closes", f"must be after start_date ({iso(start)})"
    for role_name, role in scenario.staff.roles().items():
        for i, change in enumerate(role.changes):
            if change.start >= end:
                return (f"staff.{role_name}.changes.{i}.from",
                        f"{iso(change.start)} is not before the end of the run ({horizon})")
        for i, loan in enumerate(role.borrowed):
            if loan.start >= end:
                return (f"staff.{role_name}.borrowed.{i}.from",
                        f"{iso(loan.start)} is not before the end of the run ({horizon})")
            if loan.end <= start:
                return (f"staff.{role_name}.borrowed.{i}.to",
                        f"{iso(loan.end)} is not after start_date ({iso(start)})")
    arrivals = scenario.arrivals
    for i, surge in enumerate(arrivals.surges):
        if start <= surge.start < end:
            continue
        extra = _surge_clients(surge, scenario)
        if extra < 1:
            where = "before start_date" if surge.start < start else f"after the run ({horizon})"
            return (f"arrivals.surges.{i}.from",
                    f"{iso(surge.start)} is {where}: the surge would add {extra:.2g} expected "
                    "clients within the run")
    for i, cohort in enumerate(arrivals.cohorts):
        if any(r < 0 for r in cohort.rounds_days):
            return f"arrivals.cohorts.{i}.rounds_days", "each round must be >= 0 days"
        if cohort.invited >= end:
            return (f"arrivals.cohorts.{i}.invited",
                    f"{iso(cohort.invited)} is not before the end of the run ({horizon})")
    return None


def _surge_clients(surge: Any, scenario: Any) -> float:
    """Expected clients a surge adds within the run (its decaying rate integrated over it)."""
    offset = float((surge.start - scenario.start_date).days)
    begin, end = max(offset, 0.0), float(scenario.horizon_days)
    if begin >= end:
        return 0.0
    per_day = surge.peak_per_week / 7 * scenario.arrivals.scale
    half = surge.half_life_days
    remaining = 0.5 ** ((begin - offset) / half) - 0.5 ** ((end - offset) / half)
    return per_day * half / math.log(2) * remaining
