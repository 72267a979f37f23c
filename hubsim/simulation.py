"""``simulate(scenario, seed, replication) -> Run``: one replication, a pure function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hubsim.arrivals import arrival_days, rate_segments
from hubsim.kpis import compute_kpis
from hubsim.model import SAMPLED_SERIES, HubModel
from hubsim.population import sample_clients
from hubsim.rng import Streams
from hubsim.scenario import Scenario


@dataclass(frozen=True)
class Run:
    """The result of one replication.

    Attributes
    ----------
    clients : one row per client (see README "Outputs" for the columns)
    timeseries : one row per simulated day (queues and caseloads at the end of the day)
    kpis : KPI name -> value (read-only mapping)
    """

    scenario: Scenario
    seed: int
    replication: int
    clients: pd.DataFrame
    timeseries: pd.DataFrame
    kpis: MappingProxyType[str, float]


def _caseload_utilisation(
    clients: pd.DataFrame, pathway: str, slots: int, lo: float, hi: float
) -> float:
    """Time-average share of caseload slots occupied within [lo, hi] days."""
    rows = clients[(clients["pathway"] == pathway) & clients["course_start_day"].notna()]
    start = rows["course_start_day"].clip(lower=lo).to_numpy()
    end = rows["exit_day"].fillna(hi).clip(upper=hi).to_numpy()
    occupied = np.clip(end - start, 0.0, None).sum()
    return float(occupied / (slots * (hi - lo)))


def _timeseries(model: HubModel, scenario: Scenario) -> pd.DataFrame:
    days = len(model.series["triage_backlog"])
    frame = pd.DataFrame({"day": np.arange(days)})
    frame["date"] = [scenario.start_date + dt.timedelta(days=int(d)) for d in frame["day"]]
    frame["arrivals"] = np.bincount(
        np.floor(model.draws.arrival_day).astype(np.int64), minlength=days
    )[:days]
    for name in SAMPLED_SERIES:
        frame[name] = model.series[name]
    return frame


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0) -> Run:
    """Simulate one replication of ``scenario``.

    Parameters
    ----------
    scenario : a validated ``Scenario`` (never modified)
    seed : experiment seed; with ``replication`` it fixes every random stream
    replication : replication index

    Returns
    -------
    Run with ``clients``, ``timeseries`` and ``kpis``.
    """
    streams = Streams(seed, replication, prefix=f"{scenario.hub}/")
    starts, rates = rate_segments(scenario.arrivals, scenario.start_date, scenario.horizon_days)
    arrivals = arrival_days(streams["arrivals"], starts, rates, scenario.horizon_days)
    model = HubModel(scenario, sample_clients(scenario, streams, arrivals))
    model.run()
    clients = model.log.to_frame(model.draws, scenario.hub, scenario.horizon_days)
    timeseries = _timeseries(model, scenario)
    lo, hi = scenario.warmup_days, scenario.horizon_days
    staff = scenario.staff
    utilisation = {
        "triage": model.triage.busy_minutes(lo, hi) / model.triage.available_minutes(lo, hi),
        "therapists": _caseload_utilisation(clients, "hub_therapy", staff.therapists.slots, lo, hi),
        "brief": _caseload_utilisation(clients, "brief_support", staff.brief.slots, lo, hi),
    }
    kpis = compute_kpis(clients, timeseries, scenario, utilisation)
    return Run(scenario, seed, replication, clients, timeseries, MappingProxyType(kpis))


def describe(run: Run) -> dict[str, Any]:
    """Identifying facts of a run (for logs and metadata)."""
    return {"scenario": run.scenario.name, "seed": run.seed, "replication": run.replication,
            "clients": len(run.clients)}
