"""``simulate(scenario, seed, replication) -> Run``: one replication, a pure function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from hubsim.arrivals import all_arrivals
from hubsim.kpis import Usage, combine_kpis, compute_kpis
from hubsim.model import SAMPLED_SERIES, HubModel
from hubsim.population import sample_all
from hubsim.rng import Streams
from hubsim.scenario import AnyScenario, Scenario


@dataclass(frozen=True)
class Run:
    """The result of one replication.

    Attributes
    ----------
    clients : one row per client (see README "Outputs" for the columns)
    timeseries : one row per simulated day (queues and caseloads at the end of the day)
    kpis : KPI name -> value (read-only mapping)
    """

    scenario: AnyScenario
    seed: int
    replication: int
    clients: pd.DataFrame
    timeseries: pd.DataFrame
    kpis: MappingProxyType[str, float]


def _slot_days(clients: pd.DataFrame, pathway: str, lo: float, hi: float) -> float:
    """Caseload slot-days occupied by clients within [lo, hi] days."""
    rows = clients[(clients["pathway"] == pathway) & clients["course_start_day"].notna()]
    start = rows["course_start_day"].clip(lower=lo).to_numpy()
    end = rows["exit_day"].fillna(hi).clip(upper=hi).to_numpy()
    return float(np.clip(end - start, 0.0, None).sum())


def _timeseries(model: HubModel, scenario: Scenario) -> pd.DataFrame:
    days = len(model.series["triage_backlog"])
    frame = pd.DataFrame({"hub": scenario.hub, "day": np.arange(days)})
    frame["date"] = [scenario.start_date + dt.timedelta(days=int(d)) for d in frame["day"]]
    frame["arrivals"] = np.bincount(
        np.floor(model.draws.arrival_day).astype(np.int64), minlength=days
    )[:days]
    for name in SAMPLED_SERIES:
        frame[name] = model.series[name]
    return frame


def simulate_hub(scenario: Scenario, seed: int, replication: int):
    """One Hub: (clients, timeseries, usage). Streams are keyed by the Hub's id."""
    streams = Streams(seed, replication, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    model = HubModel(scenario, sample_all(scenario, streams, days, profile), streams)
    model.run()
    clients = model.log.to_frame(model.draws, scenario)
    lo, hi = scenario.warmup_days, scenario.horizon_days
    usage: Usage = {
        "triage": (model.triage.busy_minutes(lo, hi), model.triage.available_minutes(lo, hi)),
        "therapists": (_slot_days(clients, "hub_therapy", lo, hi),
                       model.therapy.slot_days(lo, hi)),
        "brief": (_slot_days(clients, "brief_support", lo, hi), model.brief.slot_days(lo, hi)),
        "paid_wte_years": model.capacity.paid_wte_years(lo, hi),
        "redeployed_weeks": model.capacity.redeployed_weeks,
    }
    return clients, _timeseries(model, scenario), usage


def simulate(scenario: AnyScenario, seed: int = 0, replication: int = 0) -> Run:
    """Simulate one replication of ``scenario``.

    Parameters
    ----------
    scenario : a validated ``Scenario`` or ``MultiHubScenario`` (never modified)
    seed : experiment seed; with ``replication`` it fixes every random stream
    replication : replication index

    Returns
    -------
    Run with ``clients``, ``timeseries`` (both with a ``hub`` column) and ``kpis``. For several
    Hubs the KPIs are the totals, plus each Hub's KPIs named ``HUB:KPI``.
    """
    if isinstance(scenario, Scenario):
        clients, timeseries, usage = simulate_hub(scenario, seed, replication)
        kpis = compute_kpis(clients, timeseries, scenario, usage, Streams(seed, replication))
        return Run(scenario, seed, replication, clients, timeseries, MappingProxyType(kpis))
    parts = [(hub, *simulate_hub(hub, seed, replication)) for hub in scenario.hubs]
    kpis = combine_kpis(parts, Streams(seed, replication))
    for hub, clients, timeseries, usage in parts:
        hub_kpis = compute_kpis(clients, timeseries, hub, usage, Streams(seed, replication))
        for name, value in hub_kpis.items():
            kpis[f"{hub.hub}:{name}"] = value
    clients = pd.concat([p[1] for p in parts], ignore_index=True)
    timeseries = pd.concat([p[2] for p in parts], ignore_index=True)
    return Run(scenario, seed, replication, clients, timeseries, MappingProxyType(kpis))
