"""Numbers as a person reads them: one format per unit, for every table a person reads (the
terminal, the Excel headline).

Money as £ with thousands separators; percentages (and shares 0-1, shown as percentages) to 1
decimal place; days to 1 decimal place; counts of people with thousands separators (whole
numbers from 100, else 1 decimal place, since they are means over replications); a mean and its
95% interval as ``93.0 (88.0 to 97.0) %``, the interval cut at the possible range.
"""

from __future__ import annotations

import math

_BIG = 1000
PERCENT = 100.0
WHOLE_FROM = 100.0  # counts at or above this are shown as whole numbers
_COUNTS = ("clients", "staff", "count", "working days", "slots", "courses")


def fmt(value: float) -> str:
    """A number without a known unit: thousands separated, 2 decimals for small values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= _BIG:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float, unit: str, like: float | None = None) -> str:
    """``value`` in ``unit`` as digits only (no unit words; money keeps its £), '-' if missing.

    ``like``: format as that value would be (so a mean and its interval ends, whole or with a
    decimal, read alike)."""
    if _missing(value):
        return "-"
    value = float(value)
    size = abs(value if like is None or _missing(like) else float(like))
    if unit == "share 0-1":
        return f"{PERCENT * value:.1f}"
    if unit == "%":
        return f"{value:.1f}"
    if unit.startswith("GBP"):
        return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"
    if unit == "days":
        return f"{value:,.1f}"
    if unit in _COUNTS or unit == "month":
        return f"{value:,.0f}" if size >= WHOLE_FROM else f"{value:,.1f}"
    if unit.startswith("QALY"):
        return f"{value:,.2f}"
    return fmt(value)


def unit_suffix(unit: str) -> str:
    """What follows a number in ``unit``: ' %', ' days', ' per client', ''."""
    if unit in ("%", "share 0-1"):
        return " %"
    if unit == "days":
        return " days"
    if unit.startswith("GBP per "):
        return f" {unit[len('GBP '):]}"
    if unit.startswith("GBP") or unit in ("clients", "month", ""):
        return ""
    return f" {unit}"


def fmt_value(value: float, unit: str) -> str:
    """``value`` with its unit: '93.0 %', '£2,226,150', '139.3 days', '1,168'."""
    if _missing(value):
        return "-"
    return fmt_number(value, unit) + unit_suffix(unit)


def clip_to_range(value: float, unit: str) -> float:
    """An interval end cut at the KPI's possible range (0 for counts, days and shares; 100% for
    percentages, 1 for shares 0-1): a t-interval can run past them."""
    if _missing(value):
        return value
    top = PERCENT if unit == "%" else 1.0 if unit == "share 0-1" else math.inf
    bottom = 0.0 if (unit in ("%", "share 0-1", "days", "month") or unit in _COUNTS) \
        else -math.inf
    return min(max(value, bottom), top)


def fmt_estimate(mean: float, low: float, high: float, unit: str) -> str:
    """A mean and its 95% interval: '93.0 (88.0 to 97.0) %'; no interval: '93.0 %'."""
    if _missing(mean):
        return "-"
    if _missing(low) or _missing(high):
        return fmt_value(mean, unit)
    low, high = clip_to_range(float(low), unit), clip_to_range(float(high), unit)
    return (f"{fmt_number(mean, unit)} ({fmt_number(low, unit, mean)} to "
            f"{fmt_number(high, unit, mean)}){unit_suffix(unit)}")


def fmt_difference(mean: float, low: float, high: float, unit: str) -> str:
    """A difference and its interval, signed: '+12.5 (3.1 to 21.9) days'."""
    if _missing(mean):
        return "-"
    sign = "+" if float(mean) > 0 else ""
    interval = ("" if _missing(low) or _missing(high)
                else f" ({fmt_number(low, unit, mean)} to {fmt_number(high, unit, mean)})")
    return f"{sign}{fmt_number(mean, unit)}{interval}{unit_suffix(unit)}"
