"""Economic KPIs of a replication: costs (:mod:`hubsim.results.costs`) and logic-model outcomes
(:mod:`hubsim.results.outcomes`). Hooks called by :mod:`hubsim.results.kpis`; their values replace
the provisional ``cost_total_gbp`` and ``cost_per_client_gbp`` that module sets.

Randomness: only downstream service-use costs are drawn, from the Hub's ``costs`` stream
(``make_stream(seed, replication, "<hub>/costs")``) when ``streams`` is given; without it each
client costs the mean of their route (expected values). Outcomes are exact expectations given
each client's record, so they need no stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hubsim.model.rng import Streams, make_stream
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.costs import client_counts, cost_parts, cost_ratios
from hubsim.results.outcomes import client_outcome_arrays, outcome_parts, outcome_ratios
from hubsim.scenario.schema import Scenario

COSTS_STREAM = "costs"

ECONOMIC_KPI_UNITS: dict[str, str] = {
    "cost_total_gbp": "GBP", "cost_staff_gbp": "GBP", "cost_setup_gbp": "GBP",
    "cost_non_staff_gbp": "GBP", "cost_downstream_gbp": "GBP", "hub_cost_gbp": "GBP",
    "downstream_mh_gbp": "GBP", "downstream_wider_gbp": "GBP",
    "cost_staff_payroll_gbp": "GBP", "cost_overheads_gbp": "GBP",
    "cost_staff_therapy_gbp": "GBP", "hub_cost_payroll_gbp": "GBP",
    "cost_total_payroll_gbp": "GBP", "cost_discounted_gbp": "GBP (discounted)",
    "cost_per_client_gbp": "GBP per client",
    "cost_per_therapy_completion_gbp": "GBP per completed course",
    "cost_per_keyworker_supported_gbp": "GBP per keyworker supported",
    "activity_triage_gbp": "GBP", "activity_therapy_gbp": "GBP", "activity_brief_gbp": "GBP",
    "activity_navigation_gbp": "GBP", "activity_total_gbp": "GBP",
    "qalys": "QALYs (discounted)", "qalys_per_client": "QALYs per client",
    "improved_clients": "clients", "improved_pct": "%",
    "absence_days": "working days", "absence_cost_gbp": "GBP", "leavers": "staff",
    "turnover_cost_gbp": "GBP", "employer_cost_gbp": "GBP",
}
"""Unit of each economic KPI (money in GBP at the scenario's ``price_year``)."""


def costs_rng(scenario: Scenario, streams: Streams | None) -> np.random.Generator | None:
    """The Hub's ``costs`` stream for the replication ``streams`` belongs to (None: none)."""
    if streams is None:
        return None
    return make_stream(streams.seed, streams.replication, f"{scenario.hub}/{COSTS_STREAM}")


def _parts(
    window: ClientColumns, scenario: Scenario, usage: Mapping, streams: Streams | None
) -> dict[str, float]:
    parts = cost_parts(window, scenario, usage, costs_rng(scenario, streams))
    parts.update(outcome_parts(client_outcome_arrays(window, scenario), scenario))
    return parts


def _finish(parts: dict[str, float], window: ClientTable) -> dict[str, float]:
    counts = client_counts(window)
    kpis = dict(parts)
    kpis.update(cost_ratios(parts, counts))
    kpis.update(outcome_ratios(parts, counts["arrived"]))
    return kpis


def economic_kpis(
    window: ClientTable, scenario: Scenario, usage: Mapping, streams: Streams | None = None
) -> dict[str, float]:
    """Economic KPIs of one Hub's replication (units in ``ECONOMIC_KPI_UNITS``).

    Parameters
    ----------
    window : the clients who count (arrived on or after ``warmup_days``), as a frame or as
        ``ClientColumns``
    scenario : the Hub's scenario
    usage : resource use; ``usage["paid_wte_years"]`` (role -> WTE-years paid in the window)
        gives staff costs (without it, each role's ``wte`` over the window)
    streams : the replication's named streams (any prefix: only ``seed`` and ``replication``
        are used); None costs each client at their route's mean
    """
    columns = ClientColumns.of(window)
    return _finish(_parts(columns, scenario, usage, streams), columns)


def combine_economic_kpis(
    per_hub: Sequence[tuple[Scenario, ClientTable, Mapping]], pooled: ClientTable,
    streams: Streams | None = None,
) -> dict[str, float]:
    """Economic KPIs of several Hubs together: each Hub's (scenario, window, usage) costed and
    valued with its own streams, additive parts summed, ratios over the ``pooled`` window."""
    total: dict[str, float] = {}
    for scenario, window, usage in per_hub:
        for name, value in _parts(ClientColumns.of(window), scenario, usage, streams).items():
            total[name] = total.get(name, 0.0) + value
    return _finish(total, pooled)
