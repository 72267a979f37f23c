"""The evidence registry: every default parameter with its value, unit, source and status.

The registry is ``hubsim/data/evidence.toml`` plus topic files ``hubsim/data/evidence-*.toml``.
Scenario defaults are built from it (see ``scenario_defaults``), so no default value is written a
second time in schema or model code.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

STATUSES = ("evidenced", "derived", "assumption")


@dataclass(frozen=True)
class Entry:
    """One registry row."""

    name: str
    value: Any
    unit: str
    status: str
    source: str
    range: tuple[float, float] | None = None
    hub: str | None = None  # a Hub-specific value (overrides the general one for that Hub)


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    """All registry files merged: ``data/evidence.toml`` first, then ``data/evidence-*.toml``
    (one file per topic, e.g. economics) in name order."""
    data = resources.files("hubsim").joinpath("data")
    topics = (p.name for p in data.iterdir() if p.name.startswith("evidence-"))
    names = ["evidence.toml", *sorted(n for n in topics if n.endswith(".toml"))]
    merged: dict[str, list] = {"parameter": [], "target": [], "constant": []}
    for name in names:
        part = tomllib.loads(data.joinpath(name).read_text(encoding="utf-8"))
        for key in merged:
            merged[key].extend(part.get(key, []))
    return merged


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """All parameter rows, in file order."""
    rows = []
    for row in _raw()["parameter"]:
        if row["status"] not in STATUSES:
            raise ValueError(f"evidence registry: {row['name']}: unknown status {row['status']!r}")
        rng = tuple(row["range"]) if "range" in row else None
        rows.append(
            Entry(row["name"], row["value"], row["unit"], row["status"], row["source"], rng,
                  row.get("hub"))
        )
    return tuple(rows)


def constant(name: str) -> Entry:
    """A fixed constant of the analysis (not a scenario parameter, so never in a scenario file):
    a ``[[constant]]`` row, e.g. ``waits.cap_days``."""
    for row in _raw()["constant"]:
        if row["name"] == name:
            return Entry(row["name"], row["value"], row["unit"], row["status"], row["source"])
    raise KeyError(name)


def targets() -> tuple[dict[str, Any], ...]:
    """Published figures the model is checked against (name, value, unit, source)."""
    return tuple(_raw().get("target", ()))


def entry(name: str, hub: str | None = None) -> Entry:
    """The registry row for dotted scenario path ``name`` (``hub``'s own value if it has one)."""
    general = None
    for row in entries():
        if row.name == name and row.hub == hub and hub is not None:
            return row
        if row.name == name and row.hub is None:
            general = row
    if general is None:
        raise KeyError(name)
    return general


def hubs() -> tuple[str, ...]:
    """Hub identifiers with Hub-specific registry values."""
    return tuple(dict.fromkeys(r.hub for r in entries() if r.hub is not None))


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def scenario_defaults(hub: str | None = None) -> dict[str, Any]:
    """Nested dict of default scenario values, a fresh deep copy on every call.

    General rows first; then, if ``hub`` has Hub-specific rows, those replace the general ones.
    """
    tree: dict[str, Any] = {}
    for row in entries():
        if row.hub is None and "*" not in row.name:
            _set_dotted(tree, row.name, copy.deepcopy(row.value))
    for row in entries():
        if hub is not None and row.hub == hub:
            _set_dotted(tree, row.name, copy.deepcopy(row.value))
    for row in entries():  # "staff.*.x": a default for every staff role that has no own value
        if "*" in row.name and row.hub is None:
            head, _, tail = row.name.partition(".*.")
            for node in _get_dotted(tree, head).values():
                if isinstance(node, dict) and tail not in node:
                    node[tail] = copy.deepcopy(row.value)
    return tree


def _get_dotted(tree: dict[str, Any], dotted: str) -> dict[str, Any]:
    for key in dotted.split("."):
        tree = tree.get(key, {})
    return tree


def as_records() -> list[dict[str, Any]]:
    """Rows as plain dicts (for tables and CSV), values rendered as text where not scalar."""
    out = []
    for row in entries():
        value = row.value
        if isinstance(value, dict | list | dt.date):
            value = str(value)
        low, high = row.range if row.range else (None, None)
        out.append(
            {"name": row.name, "hub": row.hub or "all", "value": value, "unit": row.unit,
             "status": row.status, "range_low": low, "range_high": high, "source": row.source}
        )
    return out
