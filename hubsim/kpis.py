"""Key performance indicators of one replication, from its records and sampled series.

Percentages are 0-100, waits in days, money in GBP at the scenario's price year. Only clients who
arrive on or after ``warmup_days`` count, and series count from that day on.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubsim.costs import COUNT_COLUMNS
from hubsim.economics import ECONOMIC_KPI_UNITS, combine_economic_kpis, economic_kpis
from hubsim.records import has_label, label_codes
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


def _mean(values: np.ndarray) -> float:
    """Mean of the non-NaN ``values`` (NaN if none), bit-identical to ``Series.mean()``: NaN
    counted as 0 in place in the sum, which is divided by the count of the others."""
    present = ~np.isnan(values)
    count = np.count_nonzero(present)
    return float(np.where(present, values, 0.0).sum() / count) if count else float("nan")


def _percentile(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _started_within_pct(
    joined: Mapping[str, np.ndarray], limit_days: float, horizon_days: float | np.ndarray
) -> float:
    """``started_within_pct`` of the therapy joiners' arrays (``_client_arrays`` rows with
    ``therapy``); ``horizon_days`` a number or one per joiner."""
    wait = joined["therapy_wait_days"]
    started = ~np.isnan(wait)
    waited_long_enough = (horizon_days - joined["waitlist_join_day"]) >= limit_days
    known = started | waited_long_enough | joined["left_waitlist"]
    if not known.any():
        return float("nan")
    return float(100.0 * np.count_nonzero(started & (wait <= limit_days))
                 / np.count_nonzero(known))


def started_within_pct(
    clients: pd.DataFrame, limit_days: float, horizon_days: float | pd.Series
) -> float:
    """Share (%) of Hub-therapy waiters whose first session came within ``limit_days``.

    The denominator is every client who joined the therapy waiting list and whose outcome at
    ``limit_days`` is known by the end of the horizon: those who started, and those still waiting
    or who left the list once ``limit_days`` had passed or before it (counted as not started).
    ``horizon_days`` may be a Series aligned with ``clients`` (several Hubs pooled).
    """
    rows = _client_arrays(clients)
    therapy = rows["therapy"]
    if isinstance(horizon_days, pd.Series):
        horizon_days = horizon_days.to_numpy(float)[therapy]
    return _started_within_pct(_rows(rows, therapy), limit_days, horizon_days)


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
    """(clients who arrived on or after ``warmup_days``, ``therapy_waitlist`` on those days):
    ``clients`` itself when every client counts (no copy)."""
    keep = clients["arrival_day"].to_numpy() >= warmup_days
    waitlist = timeseries["therapy_waitlist"].to_numpy()
    return (clients if keep.all() else clients[keep],
            waitlist[timeseries["day"].to_numpy() >= warmup_days])


_FLOAT_COLUMNS = ("triage_day", "triage_wait_days", "therapy_wait_days", "brief_wait_days",
                  "waitlist_join_day")
_EXIT_FLAGS = ("not_reached", "completed", "referred_external", "left_waitlist")


def _client_arrays(window: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns the client KPIs read, as arrays: ``_FLOAT_COLUMNS``, ``therapy`` (joined
    the Hub therapy pathway) and one flag per exit reason in ``_EXIT_FLAGS``."""
    reason, reasons = label_codes(window["exit_reason"])
    return {
        **{name: window[name].to_numpy(float) for name in _FLOAT_COLUMNS},
        "therapy": has_label(window["pathway"], "hub_therapy"),
        **{flag: np.array([r == flag for r in reasons])[reason] for flag in _EXIT_FLAGS},
    }


def _rows(arrays: Mapping[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[keep] for name, values in arrays.items()}


def _peak(waitlist: np.ndarray) -> float:
    return float(waitlist.max()) if waitlist.size else float("nan")


def _client_kpis(
    rows: Mapping[str, np.ndarray], horizon_days: float | np.ndarray
) -> dict[str, float]:
    """Client KPIs of ``_client_arrays`` rows; ``horizon_days`` a number or one per row."""
    therapy = rows["therapy"]
    joined = _rows(rows, therapy)
    horizon = horizon_days[therapy] if isinstance(horizon_days, np.ndarray) else horizon_days
    therapy_wait = rows["therapy_wait_days"]
    return {
        "clients_arrived": float(len(therapy)),
        "clients_triaged": float(np.count_nonzero(~np.isnan(rows["triage_day"]))),
        "clients_not_reached": float(np.count_nonzero(rows["not_reached"])),
        "triage_wait_days_mean": _mean(rows["triage_wait_days"]),
        "triage_wait_days_p90": _percentile(rows["triage_wait_days"], P90),
        "therapy_started": float(np.count_nonzero(~np.isnan(therapy_wait))),
        "therapy_completed": float(np.count_nonzero(therapy & rows["completed"])),
        "therapy_wait_days_mean": _mean(therapy_wait),
        "therapy_wait_days_median": _percentile(therapy_wait, 50),
        "therapy_wait_days_p90": _percentile(therapy_wait, P90),
        "therapy_started_within_6w_pct": _started_within_pct(joined, WEEKS_6_DAYS, horizon),
        "therapy_started_within_18w_pct": _started_within_pct(joined, WEEKS_18_DAYS, horizon),
        "brief_wait_days_mean": _mean(rows["brief_wait_days"]),
        "external_referrals": float(np.count_nonzero(rows["referred_external"])),
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
    window, waitlist = _window(clients, timeseries, scenario.warmup_days)
    kpis = _client_kpis(_client_arrays(window), scenario.horizon_days)
    kpis = _finish(
        kpis, float(timeseries["therapy_waitlist"].iloc[-1]), _peak(waitlist), usage,
        staff_cost_gbp(scenario, usage),
    )
    kpis.update(economic_kpis(window, scenario, usage, streams))
    return kpis


def _pooled_waitlist(parts: list[tuple[Scenario, pd.DataFrame, pd.DataFrame, Usage]]) -> float:
    """Peak over the dates in any Hub's KPI window of the Hubs' therapy waiting lists summed by
    date (each Hub counted from its own ``warmup_days``)."""
    dates, waitlists = [], []
    for scenario, _, timeseries, _ in parts:
        in_window = timeseries["day"].to_numpy() >= scenario.warmup_days
        dates.append(timeseries["date"].to_numpy()[in_window].astype("datetime64[D]"))
        waitlists.append(timeseries["therapy_waitlist"].to_numpy()[in_window])
    waitlist = np.concatenate(waitlists)
    if not waitlist.size:
        return float("nan")
    _, date = np.unique(np.concatenate(dates), return_inverse=True)
    by_date = np.zeros(date.max() + 1, dtype=waitlist.dtype)
    np.add.at(by_date, date, waitlist)
    return float(by_date.max())


def combine_kpis(
    parts: list[tuple[Scenario, pd.DataFrame, pd.DataFrame, Usage]],
    streams: Streams | None = None,
) -> dict[str, float]:
    """KPIs of several Hubs together: clients pooled, queues summed by date, usage and costs added.

    ``parts`` holds, per Hub, its scenario, clients, timeseries and usage.
    """
    windows = [_window(clients, timeseries, scenario.warmup_days)[0]
               for scenario, clients, timeseries, _ in parts]
    arrays = [_client_arrays(window) for window in windows]
    pooled = {name: np.concatenate([a[name] for a in arrays]) for name in arrays[0]}
    horizon = np.concatenate([np.full(len(w), p[0].horizon_days, dtype=float)
                              for p, w in zip(parts, windows, strict=True)])
    usage = {
        name: (sum(p[3][name][0] for p in parts), sum(p[3][name][1] for p in parts))
        for name in ("triage", "therapists", "brief")
    }
    kpis = _finish(
        _client_kpis(pooled, horizon),
        float(sum(p[2]["therapy_waitlist"].iloc[-1] for p in parts)),
        _pooled_waitlist(parts), usage, sum(staff_cost_gbp(p[0], p[3]) for p in parts),
    )
    per_hub = [(p[0], w, p[3]) for p, w in zip(parts, windows, strict=True)]
    counted = pd.concat([w[list(COUNT_COLUMNS)] for w in windows], ignore_index=True)
    kpis.update(combine_economic_kpis(per_hub, counted, streams))
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
