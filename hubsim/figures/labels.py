"""Axis labels a person can read: scenario keys and KPIs in words, with their units.

KPI words and units come from ``hubsim.columns`` (the same words as the report and the Excel
README sheet); scenario keys are named by their role and field, with the unit from the evidence
registry when it is short enough for an axis.
"""

from __future__ import annotations

import textwrap

from hubsim.results.columns import kpi_label, kpi_unit
from hubsim.results.run_facts import ROLE_LABELS
from hubsim.scenario import registry

TITLE_WRAP_CHARS = 55  # a panel title wraps at this many characters (half a figure width)
SUPTITLE_WRAP_CHARS = 66  # a bold figure title wraps at this many characters
MAX_UNIT_CHARS = 24  # a longer registry unit is a sentence, not an axis unit
SHORT_UNITS: dict[str, str] = {"wte": "WTE", "share 0-1": "share, 0-1"}
"""Field or unit -> the form written on an axis."""


def _unit(key: str) -> str:
    field = key.rpartition(".")[2]
    if field in SHORT_UNITS:
        return SHORT_UNITS[field]
    try:
        unit = registry.entry(key).unit
    except KeyError:
        return ""
    unit = SHORT_UNITS.get(unit, unit)
    choices = "|" in unit  # a list of allowed values, not a unit
    return unit if len(unit) <= MAX_UNIT_CHARS and not choices else ""


def parameter_label(key: str) -> str:
    """'therapists (WTE)' for ``staff.therapists.wte``; other keys as their last parts in words,
    with the unit where known (e.g. 'therapy: priority' for ``therapy.priority``)."""
    parts = key.split(".")
    if len(parts) >= 3 and parts[0] == "staff":
        role = ROLE_LABELS.get(parts[1], parts[1])
        field = ".".join(parts[2:])
        words = role if field == "wte" else f"{role}: {field.replace('_', ' ').replace('.', ' ')}"
    else:
        words = ": ".join(p.replace("_", " ") for p in parts[-2:])
    unit = _unit(key)
    return f"{words} ({unit})" if unit else words


def kpi_axis_label(kpi: str) -> str:
    """The KPI in words with its unit in brackets ('%' for percentages)."""
    unit = kpi_unit(kpi)
    return f"{kpi_label(kpi)} ({unit})" if unit else kpi_label(kpi)


def kpi_title(kpi: str, width: int = TITLE_WRAP_CHARS) -> str:
    """The KPI in words, wrapped to ``width`` characters, for a panel title."""
    return textwrap.fill(kpi_label(kpi), width)


def target_words(target: str, width: int = SUPTITLE_WRAP_CHARS) -> str:
    """A staffing target such as ``therapy_started_within_18w_pct >= 95`` in words, with the
    unit: 'share of all who joined ... ≥ 95 %' (wrapped to ``width`` characters; 0: not
    wrapped)."""
    kpi, _, rest = target.strip().partition(" ")
    unit = kpi_unit(kpi)
    rest = rest.replace(">=", "≥").replace("<=", "≤")
    words = f"{kpi_label(kpi)} {rest}{' ' + unit if unit and rest else ''}"
    return textwrap.fill(words.strip(), width) if width else words.strip()


__all__ = ["SUPTITLE_WRAP_CHARS", "kpi_axis_label", "kpi_title", "parameter_label", "target_words"]
