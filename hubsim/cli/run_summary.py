"""What ``hubsim run`` prints under its KPI table: the answers a planner asks for, in tables and
plain words.

- *When and who waits longest*: the month the therapy list peaks, the month from which it meets
  the 18-week standard, and the longest waiters (95th percentile, longest wait, numbers over
  18 and 52 weeks);
- *closure*, for a scenario whose service closes: who was waiting, handed on, discharged;
- *costs by financial year* (April-March);
- *by group*, when clients come from more than one population: each population's and need
  tier's KPIs side by side.

Every number is a mean over replications with its 95% interval (``hubsim.tables``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd

from hubsim.cli.tables import fmt_estimate, fmt_value, kpi_table, render, rows_of
from hubsim.results.closure import CLOSURE_KPIS
from hubsim.results.columns import kpi_title, kpi_unit
from hubsim.results.financial_year import cost_table
from hubsim.results.groups import GROUP_KPIS, group_word, populations, side_by_side
from hubsim.results.waitlist_snapshots import month_date, month_end_days
from hubsim.scenario.schema import AnyScenario, Scenario

WHEN_KPIS: tuple[str, ...] = ("therapy_waitlist_peak_month", "therapy_18w_met_from_month")
LONGEST_KPIS: tuple[str, ...] = (
    "therapy_wait_days_p95", "therapy_longest_wait_days", "therapy_waited_over_18w",
    "therapy_waited_over_52w",
)
SIDE_BY_SIDE_KPIS: tuple[str, ...] = GROUP_KPIS
"""The by-group KPIs shown side by side (all of ``GROUP_KPIS``)."""


def start_date(scenario: AnyScenario) -> dt.date:
    """The earliest start date of the scenario's Hubs (month 1 of the "when" KPIs)."""
    if isinstance(scenario, Scenario):
        return scenario.start_date
    return min(hub.start_date for hub in scenario.hubs)


def month_count(scenario: AnyScenario) -> int:
    """How many calendar month ends the "when" KPIs can fall on (to the earliest Hub end)."""
    start = start_date(scenario)
    hubs = [scenario] if isinstance(scenario, Scenario) else list(scenario.hubs)
    end = min((h.start_date - start).days + h.horizon_days for h in hubs)
    return len(month_end_days(start, end))


def _rows(summary: pd.DataFrame) -> dict[str, Mapping]:
    return {str(r["kpi"]): r for r in summary.to_dict("records")}


def month_words(month: float, start: dt.date) -> str:
    """'month 20 (November 2021)' for a month number of the "when" KPIs."""
    date = month_date(start, month)
    if date is None:
        return "never"
    return f"month {month:.0f} ({pd.Timestamp(date):%B %Y})"


def when_lines(summary: pd.DataFrame, start: dt.date, months: int | None = None) -> list[str]:
    """Plain sentences on when the therapy list peaks and meets the 18-week standard
    (``months``: month ends in the run, where an interval is cut)."""
    rows = _rows(summary)
    out = []
    peak = rows.get("therapy_waitlist_peak_month")
    if peak is not None and not math.isnan(peak["mean"]):
        sizes = ""
        if "therapy_waitlist_max" in rows and "therapy_waitlist_end" in rows:
            sizes = (f", at {fmt_value(rows['therapy_waitlist_max']['mean'], 'clients')} "
                     f"clients; at the end it holds "
                     f"{fmt_value(rows['therapy_waitlist_end']['mean'], 'clients')}")
        out.append(f"The therapy waiting list is largest at {month_words(peak['mean'], start)} "
                   f"on average over replications (95% interval {_months(peak, start, months)})"
                   f"{sizes}.")
    met = rows.get("therapy_18w_met_from_month")
    if met is not None:
        n = int(met["n"])
        total = int(peak["n"]) if peak is not None else n
        if n == 0 or math.isnan(met["mean"]):
            out.append("The therapy waiting list does not meet the 18-week standard at the end "
                       "of the horizon in any replication.")
        elif n < total:
            out.append(f"In {n} of {total} replications the therapy waiting list meets the "
                       f"18-week standard for good, from {month_words(met['mean'], start)} on "
                       "average; in the others it still misses it at the end.")
        else:
            out.append(f"The therapy waiting list meets the 18-week standard for good from "
                       f"{month_words(met['mean'], start)} on average "
                       f"({_months(met, start, months)}).")
    return out


def _months(row: Mapping, start: dt.date, months: int | None = None) -> str:
    """A month-number interval as dates, cut to the run's month ends."""
    low, high = row["ci_low"], row["ci_high"]
    if low is None or math.isnan(low):
        return "no interval"
    high = min(high, months) if months else high
    first, last = month_date(start, max(low, 1.0)), month_date(start, high)
    if first is None or last is None:  # a NaN end
        return "no interval"
    return f"{pd.Timestamp(first):%b %Y} to {pd.Timestamp(last):%b %Y}"


def longest_lines(summary: pd.DataFrame) -> list[str]:
    """A plain sentence on the longest waiters for therapy."""
    rows = _rows(summary)
    if not all(k in rows for k in LONGEST_KPIS):
        return []
    text = {k: fmt_estimate(rows[k]["mean"], rows[k]["ci_low"], rows[k]["ci_high"], kpi_unit(k))
            for k in LONGEST_KPIS}
    return [f"Longest waiters for therapy: 95% of those who joined the list start within "
            f"{text['therapy_wait_days_p95']} (forecast for those still waiting at the end); "
            f"the longest wait seen was {text['therapy_longest_wait_days']}; "
            f"{text['therapy_waited_over_18w']} clients waited over 18 weeks and "
            f"{text['therapy_waited_over_52w']} over 52 weeks."]


def closure_lines(summary: pd.DataFrame, scenario: AnyScenario,
                  compare_command: str = "") -> list[str]:
    """Plain sentences on the closure (none without one); ``compare_command`` compares the same
    Hub without the closure (how to see what it saves)."""
    rows = _rows(summary)
    if "handed_on_at_closure" not in rows:
        return []
    text = {k: fmt_value(rows[k]["mean"], "clients") for k in CLOSURE_KPIS if k in rows}
    hubs = [scenario] if isinstance(scenario, Scenario) else list(scenario.hubs)
    closes = sorted({str(h.service.closes) for h in hubs if h.service.closes is not None})
    return [
        f"When the service closes ({', '.join(closes)}), on average "
        f"{text['triage_waiting_at_closure']} clients are waiting for triage, "
        f"{text['therapy_waiting_at_closure']} for therapy and "
        f"{text['brief_waiting_at_closure']} for brief support, and "
        f"{text['courses_ended_at_closure']} are in a course that ends.",
        f"Of these, {text['handed_on_at_closure']} are handed on to other services and "
        f"{text['discharged_at_closure']} discharged.",
        "What the closure saves against the same Hub without it: "
        f"{compare_command or 'hubsim compare BASE.toml THIS.toml'} (its total-cost row).",
    ]


def cost_lines(summary: pd.DataFrame) -> str:
    """Costs by financial year as a table ('' if the summary has none)."""
    table = cost_table(summary)
    if table.empty:
        return ""
    lines = [("Financial year (April-March)", "total cost (95% interval)")]
    for row in rows_of(table):
        lines.append((row.financial_year, fmt_estimate(row.mean, row.ci_low, row.ci_high,
                                                       "GBP")))
    return render(lines)


def group_table(groups: pd.DataFrame, grouping: str) -> str:
    """KPIs of one grouping (``population`` or ``need_tier``) side by side: one column per
    group, means over replications ('' when the table has no such group)."""
    if groups is None or groups.empty:
        return ""
    part = groups[groups["group_by"] == grouping]
    if part.empty:
        return ""
    wide = side_by_side(part, SIDE_BY_SIDE_KPIS)
    columns = cast("list[tuple[str, str]]", list(wide.columns))  # (grouping, group) pairs
    lines = [("KPI (mean)", *(group_word(g) for _, g in columns))]
    for kpi in wide.index:
        unit = kpi_unit(kpi)
        lines.append((kpi_title(kpi), *(fmt_value(wide.loc[kpi, c], unit) for c in columns)))
    return render(lines)


def extra_kpi_table(summary: pd.DataFrame) -> str:
    """The longest-waiter and "when" KPIs as table rows ('' if absent)."""
    names = [k for k in (*LONGEST_KPIS, *WHEN_KPIS) if k in set(summary["kpi"])]
    return kpi_table(summary, tuple(names)).split("\nWaits count")[0] if names else ""


def run_summary(summary: pd.DataFrame, scenario: AnyScenario,
                groups: pd.DataFrame | None, compare_command: str = "") -> str:
    """Everything ``hubsim run`` prints after its KPI table (see the module docstring).

    Parameters
    ----------
    summary : the run's KPI summary
    scenario : its scenario
    groups : the KPIs by group (``hubsim.groups.summarise_groups``), or None (records not kept)
    compare_command : the command comparing the scenario with the one it extends (suggested for
        what a closure saves)
    """
    start = start_date(scenario)
    parts = []
    longest = extra_kpi_table(summary)
    if longest:
        parts.append("Longest waiters and when (months from the start date, 1 = the first "
                     f"month end):\n{longest}")
    closure = [k for k in CLOSURE_KPIS if k in set(summary["kpi"])]
    if closure:
        parts.append("At the closure:\n" + kpi_table(summary, tuple(closure)))
    costs = cost_lines(summary)
    if costs:
        parts.append(costs)
    if groups is not None and len(populations(groups)) > 1:
        parts.append("By population (where clients came from); 95% intervals in "
                     f"kpis_by_group.csv:\n{group_table(groups, 'population')}")
        parts.append(f"By need tier:\n{group_table(groups, 'need_tier')}")
    words = [*when_lines(summary, start, month_count(scenario)), *longest_lines(summary),
             *closure_lines(summary, scenario, compare_command), *population_lines(groups)]
    if words:
        parts.append("In plain words:\n" + "\n".join(f"- {w}" for w in words))
    return "\n\n".join(parts)


def population_lines(groups: pd.DataFrame | None) -> list[str]:
    """A sentence comparing the populations' waits (none with one population)."""
    if groups is None or len(populations(groups)) < 2:
        return []
    rows = groups[groups["group_by"] == "population"]
    out = []
    for kpi in ("triage_wait_days_mean", "therapy_wait_days_mean"):
        part = rows[rows["kpi"] == kpi]
        if part.empty:
            continue
        each = [f"{group_word(r.group)} {fmt_estimate(r.mean, r.ci_low, r.ci_high, 'days')}"
                for r in rows_of(part) if not np.isnan(r.mean)]
        out.append(f"{kpi_title(kpi)} by population: {'; '.join(each)}.")
    return out
