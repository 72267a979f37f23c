"""What the pages show: numbers with units, intervals, KPI cards and tables, figures, errors.

An interval is always written ``mean (95% CI low–high)`` with the unit on every number; labels
are the plain-English KPI words of ``hubsim.results.columns``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import streamlit as st

from hubsim.results.columns import kpi_label, kpi_unit
from hubsim.results.kpis import CORE_KPIS

PERCENT = 100.0
MINUS = "−"  # a true minus sign: clearer than a hyphen beside an en dash in "−7–14 days"
CARDS_PER_ROW = 4
CARD_TITLES: dict[str, str] = {
    "therapy_wait_days_mean": "Therapy wait (mean, all who joined)",
    "therapy_waited_over_52w_pct": "Waited over 52 weeks",
    "therapy_started_within_6w_pct": "Started within 6 weeks (of all who joined)",
    "therapy_started_within_18w_pct": "Started within 18 weeks (of all who joined)",
    "therapy_waitlist_end": "Waiting list at the end",
    "therapy_waiting_over_52w_end": "Waiting over 52 weeks at the end",
    "triage_wait_days_mean": "Triage wait (mean, all who joined)",
    "therapist_utilisation": "Therapy caseload in use",
    "cost_total_gbp": "Total cost over the run (Hub and downstream)",
    "cost_per_client_gbp": "Cost per keyworker",
}
"""The headline KPIs shown as cards, in order, with short titles. Wait cards count everyone who
joined the list (still-waiting clients included), as does the waits figure beside them."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>$~])")
PERCENT_UNITS = ("%", "share 0-1")  # shown as percentages; their differences in points
UNIT_BY_SUFFIX: dict[str, str] = {"_gbp": "GBP", "_pct": "%", "_days": "days"}
"""Units of KPIs that ``hubsim.results.kpis.KPI_UNITS`` does not list (e.g. the economic ones)."""


def plain_text(text: str) -> str:
    """``text`` with Markdown's special characters escaped (messages may quote user input)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def show_error(exc: BaseException) -> None:
    """The command line's one-line message, in the page (never a traceback)."""
    st.error(plain_text(str(exc)), icon=":material/error:")


def unit_of(kpi: str) -> str:
    """The KPI's unit, from ``KPI_UNITS`` or its name's suffix ('' when unknown)."""
    unit = kpi_unit(kpi)
    if unit:
        return unit
    return next((u for suffix, u in UNIT_BY_SUFFIX.items() if kpi.endswith(suffix)), "")


def _parts(kpi: str) -> tuple[str, str, float, str]:
    """(prefix, number format, scale, suffix) to write a value of ``kpi``."""
    unit = unit_of(kpi)
    if unit == "days":
        return "", ",.1f", 1.0, " days"
    if unit == "%":
        return "", ".1f", 1.0, "%"
    if unit == "share 0-1":
        return "", ".1f", PERCENT, "%"
    if unit == "GBP":
        return "£", ",.0f", 1.0, ""
    if unit == "clients":
        return "", ",.0f", 1.0, " clients"
    return "", ",.3g", 1.0, f" {unit}" if unit else ""


def fmt(kpi: str, value: float, with_unit: bool = True) -> str:
    """``value`` of ``kpi`` as people read it, with its unit (days, %, £, clients)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    prefix, spec, scale, suffix = _parts(kpi)
    number = f"{abs(value) * scale:{spec}}"
    sign = MINUS if value < 0 and any(d in number for d in "123456789") else ""
    return f"{sign}{prefix}{number}{suffix}" if with_unit else f"{sign}{prefix}{number}"


def fmt_change(kpi: str, value: float) -> str:
    """A difference of ``kpi`` with a sign; differences of percentages are percentage points."""
    sign = "+" if value > 0 else ""
    if unit_of(kpi) in PERCENT_UNITS:
        return f"{sign}{fmt(kpi, value, with_unit=False)} percentage points"
    return f"{sign}{fmt(kpi, value)}"


def fmt_range(kpi: str, low: float, high: float) -> str:
    """``low–high`` with the unit once (``10.1–14.5 days``, ``£1,100–£1,300``, ``80–90%``), each
    end cut at the KPI's possible range (a t-interval of a count can run below 0)."""
    from hubsim.results.columns import kpi_unit
    from hubsim.results.number_format import clip_to_range

    unit = kpi_unit(kpi)
    low, high = clip_to_range(float(low), unit), clip_to_range(float(high), unit)
    suffix = _parts(kpi)[3]
    return f"{fmt(kpi, low, with_unit=False)}–{fmt(kpi, high, with_unit=False)}{suffix}"


def fmt_interval(kpi: str, mean: float, low: float, high: float) -> str:
    """``mean (95% CI low–high)`` with units, or the mean alone when there is no interval."""
    if low is None or math.isnan(low) or math.isnan(high):
        return fmt(kpi, mean)
    return f"{fmt(kpi, mean)} (95% CI {fmt_range(kpi, low, high)})"


def sentence(text: str) -> str:
    """``text`` with a capital first letter (KPI words start in lower case)."""
    return text[:1].upper() + text[1:]


def summary_row(summary: pd.DataFrame, kpi: str) -> pd.Series | None:
    """The summary row of ``kpi``, or None when the run has no such KPI."""
    rows = summary[summary["kpi"] == kpi]
    return None if rows.empty else rows.iloc[0]


def kpi_cards(summary: pd.DataFrame) -> None:
    """The headline KPIs as cards: the mean, and the 95% interval beneath it."""
    names = [k for k in CARD_TITLES if summary_row(summary, k) is not None]
    for start in range(0, len(names), CARDS_PER_ROW):
        for column, kpi in zip(st.columns(CARDS_PER_ROW), names[start:start + CARDS_PER_ROW],
                               strict=False):
            row = summary_row(summary, kpi)
            assert row is not None  # ``names`` holds the KPIs that have a row
            with column.container(border=True):
                st.metric(CARD_TITLES[kpi], fmt(kpi, row["mean"]), help=kpi_label(kpi))
                low, high = row["ci_low"], row["ci_high"]
                if not math.isnan(low):
                    st.caption(f"95% CI {fmt_range(kpi, low, high)}")


def table_rows(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as named tuples (fields typed at run time)."""
    return list(frame.itertuples(index=False))


def kpi_table(summary: pd.DataFrame, kpis: tuple[str, ...] | None = CORE_KPIS) -> pd.DataFrame:
    """One row per KPI: plain words, ``mean (95% CI low–high)`` with units, and the KPI name."""
    rows = summary
    if kpis is not None:
        present = set(summary["kpi"])
        rows = summary.set_index("kpi").loc[[k for k in kpis if k in present]].reset_index()
    return pd.DataFrame({
        "Measure": [sentence(kpi_label(k)) for k in rows["kpi"]],
        "Mean (95% CI)": [fmt_interval(r.kpi, r.mean, r.ci_low, r.ci_high)
                          for r in table_rows(rows)],
        "KPI name": list(rows["kpi"]),
    })


def figure_png(png: bytes | None, caption: str) -> None:
    """A hubsim figure (PNG) with its caption, or the reason it is missing."""
    if png is None:
        st.info(caption)
        return
    st.image(png, caption=caption, width="stretch")
