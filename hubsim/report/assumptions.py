"""The assumptions table: evidence-registry rows for the parameters a run used.

Each row shows the value the run used, the registry's status, confidence and source;
``assumption`` rows are highlighted, and values the scenario (or ``--set``) changed from the
registry default are flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hubsim import __version__
from hubsim.report.html import breakable, esc, para
from hubsim.report.words import describe_dist, num
from hubsim.results.run_facts import hubs
from hubsim.scenario import registry
from hubsim.scenario.registry import Entry

MAX_LISTED = 4  # longer lists are summarised by their length
_MISSING = object()


def canonical(value: Any) -> Any:
    """``value`` in a form where equal parameters compare equal: tables without unset (None)
    entries, numbers as floats, dates as ISO text, tuples as lists."""
    if isinstance(value, Mapping) and value.get("dist") == "fixed":
        return canonical(value.get("value"))  # a fixed distribution is its number
    if isinstance(value, Mapping):
        return {k: canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dotted(tree: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in nested mappings, or ``_MISSING``."""
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def compact(value: Any) -> str:
    """A parameter value in a few words."""
    if isinstance(value, Mapping) and "dist" in value:
        return describe_dist(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {compact(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list | tuple):
        if len(value) > MAX_LISTED:
            return f"{len(value)} entries"
        return ", ".join(compact(v) for v in value)
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float):
        return num(value)
    return str(value)


def _value_text(name: str, value: Any) -> str:
    """``compact(value)``, but a year as a year (2021, not 2,021)."""
    if name.endswith("year") and isinstance(value, int | float) and float(value).is_integer():
        return str(int(value))
    return compact(value)


def _entry_groups(name: str, runs: list[dict[str, Any]]) -> list[tuple[Entry, list[dict]]]:
    """The registry row each Hub of the run takes ``name`` from, grouping Hubs that share one."""
    groups: dict[int, tuple[Entry, list[dict]]] = {}
    for hub in runs:
        if dotted(hub, name) is _MISSING:
            continue
        try:
            row = registry.entry(name, hub.get("hub"))
        except KeyError:
            continue
        groups.setdefault(id(row), (row, []))[1].append(hub)
    return list(groups.values())


def _row(name: str, row: Entry, group: list[dict], several: bool) -> dict[str, Any]:
    shown = {h.get("hub", "?"): _value_text(name, dotted(h, name)) for h in group}
    value = next(iter(shown.values())) if len(set(shown.values())) == 1 else "; ".join(
        f"{k}: {v}" for k, v in shown.items())
    default = canonical(row.value)
    return {
        "name": f"{name} ({', '.join(shown)})" if several else name, "value": value,
        "default": _value_text(name, row.value),
        "overridden": any(canonical(dotted(h, name)) != default for h in group),
        "unit": row.unit, "status": row.status, "confidence": row.confidence,
        "source": row.source,
        "range": f"{num(row.range[0])} to {num(row.range[1])}" if row.range else "",
    }


def assumption_rows(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per registry parameter present in the run's scenario (per registry row, when the
    Hubs of a multi-Hub run take it from different rows).

    Keys: ``name, value, default, overridden, unit, status, confidence, source, range``.
    """
    runs = hubs(meta)
    rows = []
    for name in dict.fromkeys(e.name for e in registry.entries()):
        groups = _entry_groups(name, runs)
        rows += [_row(name, row, group, len(groups) > 1) for row, group in groups]
    return rows


def _row_html(row: Mapping[str, Any]) -> str:
    badges = f'<span class="badge {esc(row["status"])}">{esc(row["status"])}</span>'
    badges += f' <span class="note">{esc(row["confidence"])} confidence</span>'
    value = esc(row["value"])
    if row["overridden"]:
        badges += ' <span class="badge overridden">differs from registry</span>'
        value += f'<br><span class="note">registry default: {esc(row["default"])}</span>'
    cls = ' class="assumption"' if row["status"] == "assumption" else ""
    return (f"<tr{cls}><td><code>{breakable(row['name'])}</code></td>"
            f'<td class="long">{value}</td>'
            f'<td class="long">{esc(row["unit"])}</td><td>{badges}</td><td>{esc(row["range"])}</td>'
            f'<td class="long">{esc(row["source"])}</td></tr>')


def assumptions_section(meta: Mapping[str, Any]) -> str:
    """HTML body of "Assumptions"."""
    rows = assumption_rows(meta)
    if not rows:
        return para("Not part of this run: the results folder does not record the scenario.")
    counts = {s: sum(r["status"] == s for r in rows) for s in registry.STATUSES}
    changed = sum(r["overridden"] for r in rows)
    confidence = ", ".join(f"{sum(r['confidence'] == c for r in rows)} {c}"
                           for c in registry.CONFIDENCES)
    intro = (f"{len(rows)} parameters from the evidence registry: {counts['evidenced']} "
             f"evidenced, {counts['derived']} derived, {counts['assumption']} assumptions "
             f"(highlighted: no direct evidence; the source column says why the value was "
             f"chosen); by confidence {confidence}. {changed} differ from the default in the "
             f"registry of hubsim {__version__} (making this report): set by the scenario or its "
             "overrides, or changed in the registry since the run.")
    head = "".join(f"<th>{esc(h)}</th>" for h in
                   ("parameter", "value in this run", "unit", "status and confidence",
                    "plausible range",
                    "source or reason"))
    body = "".join(_row_html(r) for r in rows)
    return para(intro) + (f'<table class="wide"><thead><tr>{head}</tr></thead>'
                          f"<tbody>{body}</tbody></table>")
