"""The evidence registry: every default parameter with its value, unit, source, status and
confidence.

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
CONFIDENCES = ("high", "medium", "low")
"""How far a row's value can be trusted (rules in the README, "Evidence registry"): ``high`` =
read in the evaluation itself or an official standard; ``medium`` = a secondary source (news item,
transcription, a standard value not re-read) or an assumption held in a narrow published range;
``low`` = recalled, inferred, a placeholder, or calibrated through assumed inputs."""
ROW_KINDS = ("parameter", "target", "constant")


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
    confidence: str = "low"  # one of CONFIDENCES (every file row must say; see check_row)


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    """All registry files merged: ``data/evidence.toml`` first, then ``data/evidence-*.toml``
    (one file per topic, e.g. economics) in name order."""
    data = resources.files("hubsim").joinpath("data")
    topics = (p.name for p in data.iterdir() if p.name.startswith("evidence-"))
    names = ["evidence.toml", *sorted(n for n in topics if n.endswith(".toml"))]
    merged: dict[str, list] = {kind: [] for kind in ROW_KINDS}
    for name in names:
        part = tomllib.loads(data.joinpath(name).read_text(encoding="utf-8"))
        for key in merged:
            for row in part.get(key, []):
                check_row(row, f"{name} [[{key}]]")
            merged[key].extend(part.get(key, []))
    return merged


def check_row(row: dict[str, Any], where: str) -> None:
    """ValueError naming the file, row and field unless ``row`` has a known status and
    confidence (and a name)."""
    name = row.get("name", "?")
    for field, allowed in (("status", STATUSES), ("confidence", CONFIDENCES)):
        if field not in row:
            raise ValueError(f"evidence registry: {where} {name}: {field} is missing "
                             f"(one of {', '.join(allowed)})")
        if row[field] not in allowed:
            raise ValueError(f"evidence registry: {where} {name}: unknown {field} "
                             f"{row[field]!r} (one of {', '.join(allowed)})")


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """All parameter rows, in file order."""
    rows = []
    for row in _raw()["parameter"]:
        rng = tuple(row["range"]) if "range" in row else None
        rows.append(
            Entry(row["name"], row["value"], row["unit"], row["status"], row["source"], rng,
                  row.get("hub"), row["confidence"])
        )
    return tuple(rows)


def constant(name: str) -> Entry:
    """A fixed constant of the analysis (not a scenario parameter, so never in a scenario file):
    a ``[[constant]]`` row, e.g. ``waits.cap_days``."""
    for row in _raw()["constant"]:
        if row["name"] == name:
            return Entry(row["name"], row["value"], row["unit"], row["status"], row["source"],
                         confidence=row["confidence"])
    raise KeyError(name)


def targets() -> tuple[dict[str, Any], ...]:
    """Published figures the model is checked against (name, value, unit, source, status,
    confidence)."""
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
             "status": row.status, "confidence": row.confidence, "range_low": low,
             "range_high": high, "source": row.source}
        )
    return out
