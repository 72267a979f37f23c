"""``simulate(scenario, seed, replication) -> Run``: one replication, a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from hubsim.model.arrivals import all_arrivals
from hubsim.model.pathway import SAMPLED_SERIES, HubModel
from hubsim.model.population import sample_all
from hubsim.model.records import WAIT_LISTS, repeated_text
from hubsim.model.rng import Streams
from hubsim.model.starting_state import StartingPlaces, prepend, starting_draws
from hubsim.results import financial_year
from hubsim.results.client_columns import ClientColumns
from hubsim.results.kpis import HubPart, Usage, combine_kpis, compute_kpis
from hubsim.results.wait_forecast import forecast_start_day
from hubsim.results.waits import FORECAST_COLUMN
from hubsim.scenario.schema import AnyScenario, Scenario


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


def _timeseries_columns(model: HubModel, scenario: Scenario) -> dict[str, Any]:
    """The columns of ``_timeseries``, in order, as arrays."""
    days = len(model.series["triage_backlog"])
    day = np.arange(days)
    arrived = model.draws.arrival_day[model.places.n if model.places is not None else 0:]
    arrivals = np.bincount(np.floor(arrived).astype(np.int64), minlength=days)
    return {
        "hub": repeated_text(scenario.hub, days),
        "day": day,
        "date": (np.datetime64(scenario.start_date, "D") + day).astype(object),
        "arrivals": arrivals[:days],
        **{name: model.series[name] for name in SAMPLED_SERIES},
    }


def _timeseries(model: HubModel, scenario: Scenario) -> pd.DataFrame:
    """One row per simulated day: arrivals that day and the sampled series at its end.
    ``date`` holds ``datetime.date`` objects (object dtype)."""
    return pd.DataFrame(_timeseries_columns(model, scenario))


def hub_model(scenario: Scenario, seed: int, replication: int,
              run_scenario: Scenario | None = None) -> HubModel:
    """The model of one replication of one Hub, ready to run: its clients drawn, those of the
    scenario's ``[state]`` first (``hubsim.model.starting_state``). Streams are keyed by the Hub's
    id. ``run_scenario``: the scenario the model runs (e.g. a longer horizon), if not ``scenario``,
    from whose horizon arrivals are drawn."""
    streams = Streams(seed, replication, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    draws = sample_all(scenario, streams, days, profile)
    places: StartingPlaces | None = None
    if scenario.state is not None and scenario.state.clients:
        first, places = starting_draws(scenario, streams, scenario.state)
        draws = prepend(first, draws)
    return HubModel(run_scenario or scenario, draws, streams, places)


class HubResult(NamedTuple):
    """One Hub's replication: its per-client records and daily timeseries, each as a frame and
    as the columns it was built from (which the KPIs read), and its resource use."""

    clients: pd.DataFrame
    columns: ClientColumns
    timeseries: pd.DataFrame
    series: dict[str, Any]
    usage: Usage


def run_hub(scenario: Scenario, seed: int, replication: int) -> HubResult:
    """One Hub's replication (streams keyed by the Hub's id). The clients' columns are built
    once, as arrays: the forecast starts are computed from them, and the frame is built from
    them, forecasts included, in one constructor."""
    model = hub_model(scenario, seed, replication)
    model.run()
    columns = model.log.columns(model.draws, scenario)
    table = ClientColumns(columns)
    table = table.with_column(FORECAST_COLUMN, forecast_start_day(table, scenario))
    clients = pd.DataFrame({**columns, FORECAST_COLUMN: table.floats(FORECAST_COLUMN)})
    lo, hi = scenario.warmup_days, scenario.horizon_days
    usage: Usage = {
        "triage": (model.triage.busy_minutes(lo, hi), model.triage.available_minutes(lo, hi)),
        "therapists": model.therapy.usage(lo, hi),
        "brief": model.brief.usage(lo, hi),
        "paid_wte_years": model.capacity.paid_wte_years(lo, hi),
        "discounted_paid_wte_years": model.capacity.discounted_paid_wte_years(
            lo, hi, scenario.costs.discount_rate),
        "paid_wte_years_by_fy": {year: model.capacity.paid_wte_years(a, b)
                                 for year, a, b in financial_year.spans(scenario.start_date,
                                                                        lo, hi)},
        "redeployed_weeks": model.capacity.redeployed_weeks,
    }
    series = _timeseries_columns(model, scenario)
    return HubResult(clients, table, pd.DataFrame(series), series, usage)


def simulate_hub(
    scenario: Scenario, seed: int, replication: int,
) -> tuple[pd.DataFrame, pd.DataFrame, Usage]:
    """One Hub: (clients, timeseries, usage). Streams are keyed by the Hub's id."""
    result = run_hub(scenario, seed, replication)
    return result.clients, result.timeseries, result.usage


DRAIN_FIRST_EXTRA_DAYS = 1461.0  # a drain first tries four more years ...
DRAIN_GROWTH = 4.0  # ... then four times as long each try ...
DRAIN_MAX_EXTRA_DAYS = 36525.0  # ... and gives up after 100 more years (an error)


def simulate_drain(
    scenario: Scenario, seed: int = 0, replication: int = 0,
    max_extra_days: float = DRAIN_MAX_EXTRA_DAYS, lists: tuple[str, ...] = WAIT_LISTS,
) -> pd.DataFrame:
    """The "drain" of one replication of one Hub: each client's true wait.

    The same clients as ``simulate(scenario, seed, replication)`` arrive (arrivals stop at the
    horizon), and the run goes on, staffed as the scenario staffs it, until every list is empty
    (checked weekly; a run that does not empty in ``DRAIN_FIRST_EXTRA_DAYS`` is repeated longer),
    so every wait that the horizon cut short is observed. Staff draws do not
    depend on the horizon, so the days before it see the same staff, absences and calls: what a
    run to the horizon leaves unobserved, the drain shows. Staffing changes dated after the
    horizon apply in the drain.

    Returns
    -------
    The per-client records of the drained run (as ``Run.clients``).

    Raises
    ------
    RuntimeError
        If a list is still not empty ``max_extra_days`` after the horizon.
    """
    extra_days = min(DRAIN_FIRST_EXTRA_DAYS, max_extra_days)
    while True:  # staff draws are prefix-stable, so a longer try repeats a shorter one's start
        longer = scenario.model_copy(update={"horizon_days": scenario.horizon_days + extra_days})
        model = hub_model(scenario, seed, replication, longer)
        model.run(drain_after_days=scenario.horizon_days, drain_lists=lists)
        if model.lists_empty(lists):
            return model.log.to_frame(model.draws, scenario)
        if extra_days >= max_extra_days:
            raise RuntimeError(f"{scenario.name}: lists not empty {max_extra_days} days after "
                               "the horizon; the drain gave up")
        extra_days = min(extra_days * DRAIN_GROWTH, max_extra_days)


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
        one = run_hub(scenario, seed, replication)
        kpis = compute_kpis(one.columns, one.series, scenario, one.usage,
                            Streams(seed, replication))
        return Run(scenario, seed, replication, one.clients, one.timeseries,
                   MappingProxyType(kpis))
    results = [run_hub(hub, seed, replication) for hub in scenario.hubs]
    parts = [HubPart(hub, r.clients, r.timeseries, r.usage)
             for hub, r in zip(scenario.hubs, results, strict=True)]
    kpis = combine_kpis(parts, Streams(seed, replication))
    for hub, r in zip(scenario.hubs, results, strict=True):
        hub_kpis = compute_kpis(r.columns, r.series, hub, r.usage, Streams(seed, replication))
        for name, value in hub_kpis.items():
            kpis[f"{hub.hub}:{name}"] = value
    clients = pd.concat([p.clients for p in parts], ignore_index=True)
    timeseries = pd.concat([p.timeseries for p in parts], ignore_index=True)
    return Run(scenario, seed, replication, clients, timeseries, MappingProxyType(kpis))


def simulate_to_extract(
    scenario: Scenario, as_of_day: float, seed: int = 0, replication: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replication of one Hub, with its clients' records as they stood at ``as_of_day``.

    Returns
    -------
    (clients at ``as_of_day``, the whole run's daily timeseries): the first is what a Hub's
    records would have held then (for ``hubsim.results.extract_writer``), the second what happened
    after.
    """
    if not 0 < as_of_day < scenario.horizon_days:
        raise ValueError(f"as_of_day: must be within the horizon (0, {scenario.horizon_days})")
    model = hub_model(scenario, seed, replication)
    taken: list[pd.DataFrame] = []
    model.run(pause=(as_of_day, lambda: taken.append(
        model.log.to_frame(model.draws, scenario).copy(deep=True))))
    return taken[0], _timeseries(model, scenario)
