"""Key results: KPI means with 95% intervals, as a table and as plain-English sentences."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import pandas as pd

from hubsim.report.html import bullets, esc, para, table
from hubsim.results.columns import kpi_label, kpi_unit
from hubsim.results.kpis import CORE_KPIS
from hubsim.results.run_facts import hubs

PERCENT = 100.0
SENTENCES: dict[str, str] = {
    "clients_arrived": "{mean} keyworkers completed the online screen over the period",
    "triage_wait_days_mean": "Clients sent on to triage waited {mean} on average from screen to "
                             "triage call (restricted mean, capped at 364 days; those still "
                             "waiting counted)",
    "therapy_started_within_6w_pct": "{mean} of clients who joined the Hub therapy waiting list "
                                     "started therapy within 6 weeks (those still waiting "
                                     "counted)",
    "therapy_started_within_18w_pct": "{mean} of clients who joined the Hub therapy waiting list "
                                      "started therapy within 18 weeks",
    "therapy_wait_days_mean": "Clients who joined the Hub therapy waiting list waited {mean} on "
                              "average (restricted mean, capped at 364 days; those still "
                              "waiting counted)",
    "therapy_waited_over_52w_pct": "{mean} of them waited over 52 weeks",
    "therapy_wait_days_mean_started": "Counting only those who started, the mean wait was {mean}",
    "therapy_waitlist_end": "At the end {mean} clients were on the therapy waiting list",
    "therapy_waiting_over_52w_end": "{mean} of them had waited over 52 weeks",
    "therapy_waitlist_max": "The therapy waiting list peaked at {mean} clients on average",
    "therapist_utilisation": "Therapists' caseload slots were {mean} occupied",
    "triage_utilisation": "Triage clinicians spent {mean} of their clinical time on triage",
    "cost_total_gbp": "The total cost, Hub and downstream service use, was {mean} over the "
                      "results window",
    "cost_per_client_gbp": "That is {mean} per keyworker screened",
}
"""Headline sentences; the interval (or why there is none) is added in brackets."""
INTERVAL_NOTE = ("Means over replications with 95% t-intervals (the interval for the mean, not "
                 "the spread of single runs), cut at the possible range: 0, and 100% for "
                 "percentages and shares.")


def fmt_value(value: float, unit: str) -> str:
    """A KPI value with its unit as people read it (shares 0-1 shown as percentages)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "share 0-1":
        return f"{PERCENT * value:.1f}%"
    if unit == "GBP":
        return f"£{value:,.0f}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}" if abs(value) >= PERCENT else f"{value:,.1f}"


def _clip(value: float, unit: str) -> float:
    top = PERCENT if unit == "%" else 1.0 if unit == "share 0-1" else math.inf
    return min(max(value, 0.0), top)


def formatted(row: Mapping[str, Any], unit: str) -> dict[str, str]:
    """``mean``, ``low``, ``high`` of a summary row as text (interval cut to the range)."""
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if math.isnan(low) or math.isnan(high):
        return {"mean": fmt_value(row["mean"], unit), "low": "n/a", "high": "n/a"}
    return {"mean": fmt_value(row["mean"], unit), "low": fmt_value(_clip(low, unit), unit),
            "high": fmt_value(_clip(high, unit), unit)}


def _ordered(summary: pd.DataFrame, hub: str = "") -> list[dict[str, Any]]:
    prefix = f"{hub}:" if hub else ""
    records = cast("list[dict[str, Any]]", summary.to_dict("records"))  # columns are names
    rows = {r["kpi"][len(prefix):]: r for r in records
            if str(r["kpi"]).startswith(prefix) and ":" not in str(r["kpi"])[len(prefix):]}
    names = [k for k in CORE_KPIS if k in rows] + [k for k in rows if k not in CORE_KPIS]
    return [rows[k] | {"base": k} for k in names]


def kpi_table(summary: pd.DataFrame, hub: str = "") -> str:
    """Every KPI (of one Hub when ``hub`` is given) with unit, mean and 95% interval."""
    lines = []
    for row in _ordered(summary, hub):
        unit = kpi_unit(row["base"])
        text = formatted(row, unit)
        interval = "no interval" if text["low"] == "n/a" else f"{text['low']} to {text['high']}"
        lines.append([kpi_label(row["base"]), row["base"], unit, text["mean"], interval])
    return table(["KPI", "name", "unit", "mean", "95% interval"], lines, numeric=(3, 4))


def sentences(summary: pd.DataFrame) -> list[str]:
    """Plain-English sentences for the headline KPIs present in ``summary``."""
    rows = {r["base"]: r for r in _ordered(summary)}
    out = []
    for name, template in SENTENCES.items():
        if name in rows:
            text = formatted(rows[name], kpi_unit(name))
            out.append(f"{template.format(**text)} ({interval_words(text)}).")
    return out


def interval_words(text: Mapping[str, str]) -> str:
    """'95% CI a to b', or why there is no interval."""
    if text["low"] == "n/a":
        return "one replication: no interval"
    if text["low"] == text["high"] == text["mean"]:
        return "the same in every replication"
    return f"95% CI {text['low']} to {text['high']}"


def key_results_section(summary: pd.DataFrame | None, meta: Mapping[str, Any]) -> str:
    """HTML body of "Key results"."""
    if summary is None or summary.empty:
        return para("Not part of this run: the results folder has no summary table.")
    reps = meta.get("replications", "?")
    out = [para(f"From {reps} replications. " + INTERVAL_NOTE, "note"),
           bullets(sentences(summary), "results"), kpi_table(summary)]
    runs = hubs(meta)
    if len(runs) > 1:
        for hub in runs:
            hub_id = hub.get("hub", "")
            out.append(f"<h3>{esc(hub.get('name', hub_id))} ({esc(hub_id)})</h3>")
            out.append(kpi_table(summary, hub_id))
    return "".join(out)
