"""Key performance indicators of one replication, from its records and sampled series.

Percentages are 0-100, waits in days, money in GBP at the scenario's price year. Only clients who
arrive on or after ``warmup_days`` count, and series count from that day on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeAlias, TypedDict

import numpy as np
import pandas as pd

from hubsim.model.records import WAIT_LISTS
from hubsim.model.rng import Streams
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.closure import CLOSURE_KPIS, closure_kpis, combine_closure_kpis
from hubsim.results.costs import COUNT_COLUMNS
from hubsim.results.economic_kpis import ECONOMIC_KPI_UNITS, combine_economic_kpis, economic_kpis
from hubsim.results.waitlist_snapshots import WHEN_LISTS, pooled_snapshot, snapshot_kpis, when_kpis
from hubsim.results.waits import FORECAST_COLUMN, LONGEST_WAIT_LISTS, list_rows, wait_kpis
from hubsim.scenario.schema import Scenario

CORE_KPIS: tuple[str, ...] = (
    "clients_arrived", "clients_triaged", "triage_wait_days_mean", "triage_wait_days_p90",
    "therapy_wait_days_mean", "therapy_waited_over_52w_pct", "therapy_wait_days_median",
    "therapy_wait_days_p90", "therapy_started_within_6w_pct", "therapy_started_within_18w_pct",
    "therapy_waitlist_end", "therapy_waitlist_max", "therapy_waiting_under_18w_pct_end",
    "therapy_waiting_over_18w_end", "therapy_waiting_over_52w_end",
    "therapy_longest_wait_days_end", "triage_utilisation", "therapist_utilisation",
    "cost_total_gbp", "cost_per_client_gbp",
)
"""The interface KPIs (DESIGN.md 6). Wait KPIs count every joiner of a list
(``hubsim.results.waits``)."""


DailySeries: TypeAlias = pd.DataFrame | Mapping[str, Any]
"""A Hub's daily timeseries: the frame, or its columns (name -> array; ``day`` and
``therapy_waitlist`` are read)."""


class Usage(TypedDict):
    """Resource use of one Hub's run: ``triage``, ``therapists``, ``brief`` -> (used, available)
    in working minutes or caseload slot-days; ``paid_wte_years`` -> role -> WTE-years paid;
    ``discounted_paid_wte_years`` -> role -> the same discounted at ``costs.discount_rate`` to
    the start of the KPI window; ``paid_wte_years_by_fy`` -> financial year -> role -> WTE-years
    paid in it;
    ``redeployed_weeks`` -> weeks therapists spent partly on triage."""

    triage: tuple[float, float]
    therapists: tuple[float, float]
    brief: tuple[float, float]
    paid_wte_years: dict[str, float]
    discounted_paid_wte_years: dict[str, float]
    paid_wte_years_by_fy: dict[int, dict[str, float]]
    redeployed_weeks: int


class HubPart(NamedTuple):
    """One Hub's run, as several Hubs' KPIs are combined from."""

    scenario: Scenario
    clients: pd.DataFrame
    timeseries: pd.DataFrame
    usage: Usage


def _ratio(used: float, available: float) -> float:
    return used / available if available > 0 else float("nan")


def counted_clients(arrival_day: np.ndarray, warmup_days: float | np.ndarray) -> np.ndarray:
    """Which clients the KPIs count: those who arrived on or after the warm-up, and with no
    warm-up everyone (clients of a starting ``[state]`` arrived before day 0)."""
    return (arrival_day >= warmup_days) | (np.asarray(warmup_days) <= 0)


def _window(
    clients: ClientColumns, timeseries: DailySeries, warmup_days: float
) -> tuple[ClientColumns, np.ndarray]:
    """(clients who arrived on or after ``warmup_days``, ``therapy_waitlist`` on those days):
    ``clients`` itself when every client counts (no copy). With no warm-up every client counts,
    those already with the Hub at the start (a ``[state]``, arrived before day 0) too."""
    keep = counted_clients(clients.values("arrival_day"), warmup_days)
    waitlist = np.asarray(timeseries["therapy_waitlist"])
    return (clients if keep.all() else clients.subset(keep),
            waitlist[np.asarray(timeseries["day"]) >= warmup_days])


_FLOAT_COLUMNS = ("arrival_day", "triage_day", "waitlist_join_day", "course_start_day",
                  "exit_day")
_EXIT_FLAGS = ("not_reached", "completed", "referred_external", "screen_negative")


def _client_arrays(window: ClientTable) -> dict[str, np.ndarray]:
    """The columns the client KPIs read, as arrays: ``_FLOAT_COLUMNS``, ``therapy`` and ``brief``
    (joined that pathway) and one flag per exit reason in ``_EXIT_FLAGS``."""
    columns = ClientColumns.of(window)
    forecast = (columns.floats(FORECAST_COLUMN) if FORECAST_COLUMN in columns
                else np.full(len(columns), np.nan))
    return {
        **{name: columns.floats(name) for name in _FLOAT_COLUMNS},
        FORECAST_COLUMN: forecast,
        "therapy": columns.has_label("pathway", "hub_therapy"),
        "brief": columns.has_label("pathway", "brief_support"),
        **{flag: columns.has_label("exit_reason", flag) for flag in _EXIT_FLAGS},
    }


def _peak(waitlist: np.ndarray) -> float:
    return float(waitlist.max()) if waitlist.size else float("nan")


def _client_kpis(
    rows: Mapping[str, np.ndarray], horizon_days: float | np.ndarray,
    lists: Sequence[str] = WAIT_LISTS,
) -> dict[str, float]:
    """Client KPIs of ``_client_arrays`` rows; ``horizon_days`` a number or one per row; the wait
    KPIs of ``lists`` only."""
    therapy = rows["therapy"]
    kpis = {
        "clients_arrived": float(len(therapy)),
        "clients_triaged": float(np.count_nonzero(~np.isnan(rows["triage_day"]))),
        "clients_not_reached": float(np.count_nonzero(rows["not_reached"])),
        "therapy_started": float(np.count_nonzero(therapy & ~np.isnan(rows["course_start_day"]))),
        "therapy_completed": float(np.count_nonzero(therapy & rows["completed"])),
        "external_referrals": float(np.count_nonzero(rows["referred_external"])),
    }
    for kind in lists:
        joined, records = list_rows(rows, kind)
        horizon = horizon_days[joined] if isinstance(horizon_days, np.ndarray) else horizon_days
        kpis.update(wait_kpis(kind, records, horizon))
    return kpis


def _snapshots_end(parts: Sequence[tuple[Mapping[str, np.ndarray], float]]) -> dict[str, float]:
    """Snapshot KPIs (``therapy_waitlist_end``, ...) of the triage and therapy lists of one or
    more Hubs, each ``(all its clients' _client_arrays, time of the snapshot on its clock)``."""
    kpis: dict[str, float] = {}
    for kind in ("triage", "therapy"):
        snap = pooled_snapshot([(list_rows(rows, kind)[1], at) for rows, at in parts])
        kpis.update(snapshot_kpis(kind, snap))
    return kpis


def _finish(
    kpis: dict[str, float], snapshots_end: Mapping[str, float], waitlist_max: float,
    usage: Usage | Mapping[str, tuple[float, float]],
) -> dict[str, float]:
    """Snapshot, peak and utilisation KPIs added to the client KPIs. Costs are not set here:
    ``hubsim.costs`` owns ``cost_total_gbp`` and ``cost_per_client_gbp`` (via
    ``hubsim.economics``)."""
    kpis.update(snapshots_end)
    kpis["therapy_waitlist_max"] = waitlist_max
    kpis["triage_utilisation"] = _ratio(*usage["triage"])
    kpis["therapist_utilisation"] = _ratio(*usage["therapists"])
    kpis["brief_utilisation"] = _ratio(*usage["brief"])
    return kpis


def compute_kpis(
    clients: ClientTable, timeseries: DailySeries, scenario: Scenario, usage: Usage,
    streams: Streams | None = None,
) -> dict[str, float]:
    """All KPIs of one replication of one Hub (see ``CORE_KPIS`` for the interface names).

    Wait KPIs count the clients who arrived in the KPI window; the snapshot KPIs (``*_end``)
    count everyone on a list at the horizon, as the daily series do. ``clients``: the Hub's
    per-client records, as a frame or as ``ClientColumns``; ``timeseries``: its daily series,
    as a frame or its columns (name -> array).
    """
    clients = ClientColumns.of(clients)
    window, waitlist = _window(clients, timeseries, scenario.warmup_days)
    arrays = _client_arrays(window)
    everyone = arrays if window is clients else _client_arrays(clients)
    kpis = _finish(
        _client_kpis(arrays, scenario.horizon_days),
        _snapshots_end([(everyone, scenario.horizon_days)]), _peak(waitlist), usage,
    )
    kpis.update(economic_kpis(window, scenario, usage, streams))
    for kind in WHEN_LISTS:
        kpis.update(when_kpis(kind, [(list_rows(everyone, kind)[1], scenario.start_date,
                                      scenario.horizon_days)]))
    kpis.update(closure_kpis(clients, scenario))
    return kpis


def _pooled_waitlist(parts: list[HubPart]) -> float:
    """Peak of the Hubs' therapy waiting lists summed by date (every Hub's list on each date),
    over the dates in any Hub's KPI window (each Hub's from its own ``warmup_days``)."""
    dates, waitlists, counted = [], [], []
    for scenario, _, timeseries, _ in parts:
        dates.append(timeseries["date"].to_numpy().astype("datetime64[D]"))
        waitlists.append(timeseries["therapy_waitlist"].to_numpy())
        counted.append(timeseries["day"].to_numpy() >= scenario.warmup_days)
    waitlist, in_window = np.concatenate(waitlists), np.concatenate(counted)
    if not in_window.any():
        return float("nan")
    _, date = np.unique(np.concatenate(dates), return_inverse=True)
    by_date = np.zeros(date.max() + 1, dtype=waitlist.dtype)
    np.add.at(by_date, date, waitlist)
    return float(by_date[np.unique(date[in_window])].max())


def _common_end(
    parts: list[HubPart],
) -> list[tuple[dict[str, np.ndarray], float]]:
    """Each Hub's clients (all of them) and the time, on its own clock, of one common instant:
    the end of the last day of the Hub whose horizon ends first (the time of its last daily
    sample), or a Hub's own horizon if that comes sooner. Snapshots of all the Hubs at it are
    added, as the daily series are summed by date."""
    first = min(p.scenario.start_date for p in parts)
    offset_days = [float((p.scenario.start_date - first).days) for p in parts]
    end_days = math.ceil(min(off + p.scenario.horizon_days
                             for off, p in zip(offset_days, parts, strict=True)))
    return [(_client_arrays(p.clients), min(p.scenario.horizon_days, end_days - off))
            for off, p in zip(offset_days, parts, strict=True)]


def combine_kpis(
    parts: list[HubPart],
    streams: Streams | None = None,
) -> dict[str, float]:
    """KPIs of several Hubs together: clients pooled, queues summed by date, usage and costs added.

    ``parts`` holds, per Hub, its scenario, clients, timeseries and usage. The snapshot KPIs
    (``therapy_waitlist_end``, ``therapy_waiting_over_52w_end``, ...) are taken on one common
    date for every Hub, the last day of the Hub whose horizon ends first, since the Hubs'
    horizons may differ; each Hub's own ``HUB:therapy_waitlist_end`` is at its own horizon.
    """
    keeps = [counted_clients(p.clients["arrival_day"].to_numpy(), p.scenario.warmup_days)
             for p in parts]
    windows = [ClientColumns(p.clients).subset(keep)
               for p, keep in zip(parts, keeps, strict=True)]
    arrays = [_client_arrays(window) for window in windows]
    pooled = {name: np.concatenate([a[name] for a in arrays]) for name in arrays[0]}
    horizon = np.concatenate([np.full(len(w), p.scenario.horizon_days, dtype=float)
                              for p, w in zip(parts, windows, strict=True)])
    usage = {
        name: (sum(p.usage[name][0] for p in parts), sum(p.usage[name][1] for p in parts))
        for name in ("triage", "therapists", "brief")
    }
    kpis = _finish(
        _client_kpis(pooled, horizon), _snapshots_end(_common_end(parts)),
        _pooled_waitlist(parts), usage,
    )
    per_hub = [(p.scenario, w, p.usage) for p, w in zip(parts, windows, strict=True)]
    counted = pd.concat([p.clients.loc[keep, list(COUNT_COLUMNS)]
                         for p, keep in zip(parts, keeps, strict=True)], ignore_index=True)
    kpis.update(combine_economic_kpis(per_hub, counted, streams))
    everyone = [_client_arrays(p.clients) for p in parts]
    for kind in WHEN_LISTS:
        kpis.update(when_kpis(kind, [(list_rows(rows, kind)[1], p.scenario.start_date,
                                      p.scenario.horizon_days)
                                     for rows, p in zip(everyone, parts, strict=True)]))
    kpis.update(combine_closure_kpis([(p.scenario, p.clients) for p in parts]))
    return kpis


def _wait_units(kind: str) -> dict[str, str]:
    """Units of one list's wait KPIs. The units stay plain (``days``, ``%``) for the faces that
    format by unit; what a figure counts (restricted mean capped at 364 days over all joiners, or
    started only) is in its label (``hubsim.results.columns.KPI_LABELS``)."""
    units = {f"{kind}_wait_days_{stat}{suffix}": "days" for stat in ("mean", "median", "p90")
             for suffix in ("", "_started")}
    units[f"{kind}_wait_days_mean_lower_bound"] = "days"
    units[f"{kind}_waited_over_52w_pct"] = "%"
    if kind != "brief":
        units.update({
            f"{kind}_waitlist_end": "clients", f"{kind}_waiting_under_18w_pct_end": "%",
            f"{kind}_waiting_over_18w_end": "clients", f"{kind}_waiting_over_52w_end": "clients",
            f"{kind}_longest_wait_days_end": "days",
        })
    if kind in LONGEST_WAIT_LISTS:
        units.update({f"{kind}_wait_days_p95": "days", f"{kind}_longest_wait_days": "days",
                      f"{kind}_waited_over_18w": "clients",
                      f"{kind}_waited_over_52w": "clients"})
    if kind in WHEN_LISTS:
        units.update({f"{kind}_waitlist_peak_month": "month",
                      f"{kind}_18w_met_from_month": "month"})
    return units


KPI_UNITS: dict[str, str] = {
    **ECONOMIC_KPI_UNITS,  # first, so the core units below win
    "clients_arrived": "clients", "clients_triaged": "clients", "clients_not_reached": "clients",
    "therapy_started": "clients", "therapy_completed": "clients",
    **{name: unit for kind in WAIT_LISTS for name, unit in _wait_units(kind).items()},
    "therapy_started_within_6w_pct": "%", "therapy_started_within_18w_pct": "%",
    "therapy_waitlist_max": "clients",
    "external_referrals": "clients", "triage_utilisation": "share 0-1",
    "therapist_utilisation": "share 0-1", "brief_utilisation": "share 0-1",
    "cost_total_gbp": "GBP", "cost_per_client_gbp": "GBP",
    **{name: "clients" for name in CLOSURE_KPIS},
}
"""Unit of each KPI, for tables."""


def client_arrays(window: ClientTable) -> dict[str, np.ndarray]:
    """The per-client arrays the client KPIs read (see ``client_kpis``), from a clients frame
    (or ``ClientColumns``)."""
    return _client_arrays(window)


def client_kpis(
    rows: Mapping[str, np.ndarray], horizon_days: float | np.ndarray,
    lists: Sequence[str] = WAIT_LISTS,
) -> dict[str, float]:
    """The client KPIs (counts and the wait KPIs of ``lists``, by default every list) of
    ``client_arrays`` rows, each followed to ``horizon_days`` (a number, or one per row): the
    same definitions as the Hub's KPIs, for any subset of its clients."""
    return _client_kpis(rows, horizon_days, lists)
