"""Key performance indicators of one replication, from its records and sampled series.

Percentages are 0-100, waits in days, money in GBP at the scenario's price year. Only clients who
arrive on or after ``warmup_days`` count, and series count from that day on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.economics import ECONOMIC_KPI_UNITS, combine_economic_kpis, economic_kpis
from hubsim.rng import Streams
from hubsim.scenario import Scenario

DAYS_PER_YEAR = 365.25
WEEKS_6_DAYS = 42.0  # NHS Talking Therapies standard: 75% start within 6 weeks
WEEKS_18_DAYS = 126.0  # NHS Talking Therapies standard: 95% start within 18 weeks
P90 = 90

CORE_KPIS: tuple[str, ...] = (
    "clients_arrived", "clients_triaged", "triage_wait_days_mean", "triage_wait_days_p90",
    "therapy_wait_days_mean", "therapy_wait_days_median", "therapy_wait_days_p90",
    "therapy_started_within_6w_pct", "therapy_started_within_18w_pct", "therapy_waitlist_end",
    "therapy_waitlist_max", "triage_utilisation", "therapist_utilisation", "cost_total_gbp",
    "cost_per_client_gbp",
)


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if values.notna().any() else float("nan")


def _percentile(values: pd.Series, q: float) -> float:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else float("nan")


def started_within_pct(
    clients: pd.DataFrame, limit_days: float, horizon_days: float | pd.Series
) -> float:
    """Share (%) of Hub-therapy waiters whose first session came within ``limit_days``.

    The denominator is every client who joined the therapy waiting list and whose outcome at
    ``limit_days`` is known by the end of the horizon: those who started, and those still waiting
    or who left the list once ``limit_days`` had passed or before it (counted as not started).
    ``horizon_days`` may be a Series aligned with ``clients`` (several Hubs pooled).
    """
    joined = clients[clients["pathway"] == "hub_therapy"]
    if isinstance(horizon_days, pd.Series):
        horizon_days = horizon_days[joined.index]
    wait = joined["therapy_wait_days"]
    started = wait.notna()
    waited_long_enough = (horizon_days - joined["waitlist_join_day"]) >= limit_days
    left = joined["exit_reason"] == "left_waitlist"
    known = started | waited_long_enough | left
    if not known.any():
        return float("nan")
    return float(100.0 * (started & (wait <= limit_days)).sum() / known.sum())


def staff_cost_gbp(scenario: Scenario, usage: Usage) -> float:
    """Staff cost over the KPI window, GBP: WTE-years paid (``usage["paid_wte_years"]``, posts
    filled, absences included, vacancies not) x each role's annual cost per WTE."""
    roles = scenario.staff.roles()
    return sum(years * roles[name].annual_cost_gbp
               for name, years in usage["paid_wte_years"].items())


Usage = dict[str, object]
"""Resource use of one Hub's run: ``triage``, ``therapists``, ``brief`` -> (used, available) in
working minutes or caseload slot-days; ``paid_wte_years`` -> role -> WTE-years paid;
``redeployed_weeks`` -> weeks therapists spent partly on triage."""


def _ratio(used: float, available: float) -> float:
    return used / available if available > 0 else float("nan")


def _window(clients: pd.DataFrame, timeseries: pd.DataFrame, warmup_days: float):
    return (clients[clients["arrival_day"] >= warmup_days],
            timeseries[timeseries["day"] >= warmup_days])


def _client_kpis(window: pd.DataFrame, horizon_days: float | pd.Series) -> dict[str, float]:
    therapy_wait = window["therapy_wait_days"]
    therapy = window["pathway"] == "hub_therapy"
    return {
        "clients_arrived": float(len(window)),
        "clients_triaged": float(window["triage_day"].notna().sum()),
        "clients_not_reached": float((window["exit_reason"] == "not_reached").sum()),
        "triage_wait_days_mean": _mean(window["triage_wait_days"]),
        "triage_wait_days_p90": _percentile(window["triage_wait_days"], P90),
        "therapy_started": float(therapy_wait.notna().sum()),
        "therapy_completed": float((therapy & (window["exit_reason"] == "completed")).sum()),
        "therapy_wait_days_mean": _mean(therapy_wait),
        "therapy_wait_days_median": _percentile(therapy_wait, 50),
        "therapy_wait_days_p90": _percentile(therapy_wait, P90),
        "therapy_started_within_6w_pct": started_within_pct(window, WEEKS_6_DAYS, horizon_days),
        "therapy_started_within_18w_pct": started_within_pct(window, WEEKS_18_DAYS, horizon_days),
        "brief_wait_days_mean": _mean(window["brief_wait_days"]),
        "external_referrals": float((window["exit_reason"] == "referred_external").sum()),
    }


def _finish(
    kpis: dict[str, float], waitlist_end: float, waitlist_max: float, usage: Usage, cost: float
) -> dict[str, float]:
    kpis["therapy_waitlist_end"] = waitlist_end
    kpis["therapy_waitlist_max"] = waitlist_max
    kpis["triage_utilisation"] = _ratio(*usage["triage"])
    kpis["therapist_utilisation"] = _ratio(*usage["therapists"])
    kpis["brief_utilisation"] = _ratio(*usage["brief"])
    kpis["cost_total_gbp"] = cost
    arrived = kpis["clients_arrived"]
    kpis["cost_per_client_gbp"] = cost / arrived if arrived else float("nan")
    return kpis


def compute_kpis(
    clients: pd.DataFrame, timeseries: pd.DataFrame, scenario: Scenario, usage: Usage,
    streams: Streams | None = None,
) -> dict[str, float]:
    """All KPIs of one replication of one Hub (see ``CORE_KPIS`` for the interface names)."""
    window, series = _window(clients, timeseries, scenario.warmup_days)
    kpis = _client_kpis(window, scenario.horizon_days)
    kpis = _finish(
        kpis, float(timeseries["therapy_waitlist"].iloc[-1]),
        float(series["therapy_waitlist"].max()), usage, staff_cost_gbp(scenario, usage),
    )
    kpis.update(economic_kpis(window, scenario, usage, streams))
    return kpis


def combine_kpis(
    parts: list[tuple[Scenario, pd.DataFrame, pd.DataFrame, Usage]],
    streams: Streams | None = None,
) -> dict[str, float]:
    """KPIs of several Hubs together: clients pooled, queues summed by date, usage and costs added.

    ``parts`` holds, per Hub, its scenario, clients, timeseries and usage.
    """
    windows, horizons, series = [], [], []
    for scenario, clients, timeseries, _ in parts:
        window, hub_series = _window(clients, timeseries, scenario.warmup_days)
        windows.append(window)
        horizons.append(pd.Series(scenario.horizon_days, index=window.index))
        series.append(hub_series)
    pooled = pd.concat(windows, ignore_index=True)
    horizon = pd.concat(horizons, ignore_index=True)
    by_date = pd.concat(series).groupby("date")["therapy_waitlist"].sum()
    usage = {
        name: (sum(p[3][name][0] for p in parts), sum(p[3][name][1] for p in parts))
        for name in ("triage", "therapists", "brief")
    }
    kpis = _finish(
        _client_kpis(pooled, horizon),
        float(sum(p[2]["therapy_waitlist"].iloc[-1] for p in parts)),
        float(by_date.max()), usage, sum(staff_cost_gbp(p[0], p[3]) for p in parts),
    )
    per_hub = [(p[0], w, p[3]) for p, w in zip(parts, windows, strict=True)]
    kpis.update(combine_economic_kpis(per_hub, pooled, streams))
    return kpis


KPI_UNITS: dict[str, str] = {
    **ECONOMIC_KPI_UNITS,  # first, so the core units below win
    "clients_arrived": "clients", "clients_triaged": "clients", "clients_not_reached": "clients",
    "triage_wait_days_mean": "days", "triage_wait_days_p90": "days",
    "therapy_started": "clients", "therapy_completed": "clients",
    "therapy_wait_days_mean": "days", "therapy_wait_days_median": "days",
    "therapy_wait_days_p90": "days", "therapy_started_within_6w_pct": "%",
    "therapy_started_within_18w_pct": "%", "therapy_waitlist_end": "clients",
    "therapy_waitlist_max": "clients", "brief_wait_days_mean": "days",
    "external_referrals": "clients", "triage_utilisation": "share 0-1",
    "therapist_utilisation": "share 0-1", "brief_utilisation": "share 0-1",
    "cost_total_gbp": "GBP", "cost_per_client_gbp": "GBP",
}
"""Unit of each KPI, for tables."""
