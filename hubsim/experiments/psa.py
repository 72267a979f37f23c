"""Probabilistic sensitivity analysis (PSA): an outer loop of parameter draws, an inner loop of
replications with common random numbers across the scenario and its comparator.

For each draw (see :mod:`hubsim.experiments.psa_params`) both scenarios are rebuilt with the draw's
overrides and run for replications ``0 .. R-1`` with the PSA seed, so within a draw the two see the
same keyworkers, and every draw sees the same keyworkers too: differences between draws come from
the parameters. Every (draw, scenario, replication) run is one task for the executor (serial, a
process pool or Dask), results in task order, so the same seed gives the same table anywhere.

The comparator defaults to ``signpost_only_overrides``: the scenario with every triaged client
signposted (or given no further support, as the scenario routes them) and Hub therapy and brief
support cut to one caseload slot each, the least the schema allows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from hubsim.experiments.acceptability import CEAC_MAX_GBP, CEAC_POINTS, ceac
from hubsim.experiments.dispatch import run_tasks
from hubsim.experiments.incremental import NICE_WTP_GBP_PER_QALY
from hubsim.experiments.psa_params import PsaParameter, draw_overrides, psa_parameters, sample
from hubsim.experiments.replications import Replicate, replicate
from hubsim.experiments.sensitivity import rank_inputs
from hubsim.scenario.loader import build
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, AnyScenario, Scenario
from hubsim.scenario.staff import CaseloadRole

logger = logging.getLogger(__name__)

OUTPUT_KPIS = ("cost_total_gbp", "qalys", "employer_cost_gbp")
ARMS = ("comparator", "intervention")
ONE_SLOT_ROLES = ("therapists", "brief")  # the schema needs WTE > 0 giving one caseload slot
ZERO_ROLES = ("psychologists",)
NOT_LAYER_KEYS = ("extends", "name", "description", "hub")


@dataclass(frozen=True)
class PsaSetup:
    """What to analyse: scenario layers (a file merged over its ``extends`` chain), the
    comparator's (None: signpost-only), overrides fixed for both, names for messages, and
    ``only``: name prefixes of the registry rows to sample (empty: every eligible row)."""

    intervention: Mapping[str, Any]
    comparator: Mapping[str, Any] | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<scenario>"
    comparator_source: str = "signpost-only comparator"
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class PsaResult:
    """Per-draw inputs and results, the acceptability curve and the input ranking.

    ``draws``: ``draw``, one column per parameter (drawn value), then per arm mean cost (GBP)
    and QALYs over the replications, ``incremental_cost_gbp``, ``incremental_qalys``,
    ``employer_savings_gbp`` and ``nmb_<wtp>_gbp`` per willingness to pay. ``ceac``:
    ``wtp_gbp_per_qaly``, ``probability_cost_effective``. ``ranking``: see
    :func:`hubsim.experiments.sensitivity.rank_inputs` (outputs: NMB at the first WTP, incremental
    cost, incremental QALYs).
    """

    parameters: list[PsaParameter]
    draws: pd.DataFrame
    ceac: pd.DataFrame
    ranking: pd.DataFrame
    scenario_name: str
    comparator_name: str
    seed: int
    replications: int
    wtp: tuple[float, ...]


def signpost_only_overrides(scenario: Scenario) -> dict[str, Any]:
    """Overrides turning ``scenario`` into its signpost-only comparator (see the module doc)."""
    out: dict[str, Any] = {"name": f"{scenario.name}: signpost-only comparator"}
    for tier in NEED_TIERS:
        none = getattr(scenario.routing, tier).no_further_support
        for pathway in PATHWAYS:
            out[f"routing.{tier}.{pathway}"] = 0.0
        out[f"routing.{tier}.signpost"] = 1.0 - none
        out[f"routing.{tier}.no_further_support"] = none
    roles = scenario.staff.roles()
    for name in (*ONE_SLOT_ROLES, *ZERO_ROLES):
        role = roles[name]
        assert isinstance(role, CaseloadRole)  # the therapy and brief roles have caseloads
        one_slot = 1.0 / role.caseload_per_wte
        out[f"staff.{name}.wte"] = one_slot if name in ONE_SLOT_ROLES else 0.0
        out[f"staff.{name}.changes"] = []
        out[f"staff.{name}.borrowed"] = []
    return out


def layer_keys(layers: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Dotted keys of every value set in ``layers`` (the user's fixed choices)."""
    keys = set()
    for key, value in layers.items():
        if not prefix and key in NOT_LAYER_KEYS:
            continue
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            keys |= layer_keys(value, f"{dotted}.") or {dotted}
        else:
            keys.add(dotted)
    return keys


def _one_hub(scenario: AnyScenario) -> Scenario:
    if not isinstance(scenario, Scenario):
        raise ValueError("psa: one Hub at a time; give a single-Hub scenario file")
    return scenario


def build_pair(setup: PsaSetup, draw: Mapping[str, Any]) -> tuple[Scenario, Scenario]:
    """(comparator, intervention) scenarios of one draw."""
    fixed = {**draw, **setup.overrides}
    intervention = _one_hub(build(setup.intervention, fixed, setup.source))
    if setup.comparator is None:
        comparator = build(setup.intervention,
                           {**fixed, **signpost_only_overrides(intervention)}, setup.source)
    else:
        comparator = build(setup.comparator, fixed, setup.comparator_source)
    return _one_hub(comparator), intervention


def per_draw(values: pd.DataFrame, results: Sequence[Replicate], replications: int,
             wtp: Sequence[float]) -> pd.DataFrame:
    """``values`` joined with each draw's mean costs, QALYs, increments and NMB."""
    kpis = np.array([[r.kpis[k] for k in OUTPUT_KPIS] for r in results], dtype=float)
    means = kpis.reshape(len(values), len(ARMS), replications, len(OUTPUT_KPIS)).mean(axis=2)
    table = values.copy()
    for i, arm in enumerate(ARMS):
        table[f"cost_{arm}_gbp"] = means[:, i, 0]
        table[f"qalys_{arm}"] = means[:, i, 1]
    table["incremental_cost_gbp"] = means[:, 1, 0] - means[:, 0, 0]
    table["incremental_qalys"] = means[:, 1, 1] - means[:, 0, 1]
    table["employer_savings_gbp"] = means[:, 0, 2] - means[:, 1, 2]
    for w in wtp:
        table[f"nmb_{w:.0f}_gbp"] = w * table["incremental_qalys"] - table["incremental_cost_gbp"]
    return table


def run_psa(
    setup: PsaSetup, draws: int, replications: int, seed: int = 0,
    executor: Executor | None = None, progress: bool = False,
    wtp: Sequence[float] = NICE_WTP_GBP_PER_QALY,
) -> PsaResult:
    """Run the PSA (see the module docstring).

    Raises
    ------
    ValueError
        for a scenario with several Hubs (run one Hub's file), or fewer than 1 draw or
        replication.
    hubsim.scenario.loader.ScenarioError
        when a draw gives an invalid scenario (the message names the draw's field).
    hubsim.experiments.dispatch.Interrupted
        on Ctrl-C.
    """
    if "hubs" in setup.intervention or (setup.comparator and "hubs" in setup.comparator):
        raise ValueError("psa: one Hub at a time; give a single-Hub scenario file")
    if draws < 1 or replications < 1:
        raise ValueError("psa: draws and replications must be >= 1")
    base = _one_hub(build(setup.intervention, setup.overrides, setup.source))
    fixed = layer_keys(setup.intervention) | layer_keys(setup.comparator or {}) | set(
        setup.overrides)
    parameters = psa_parameters(base, fixed, setup.only)
    if not parameters:
        raise ValueError("psa: no uncertain inputs left to sample (check --only and --set)")
    values = sample(parameters, draws, seed)
    rows = cast("list[dict[str, float]]", values.to_dict("records"))  # columns: parameter names
    pairs = [build_pair(setup, draw_overrides(parameters, row)) for row in rows]
    items = [(s, seed, r, False) for pair in pairs for s in pair for r in range(replications)]
    logger.info("psa: %d parameters, %d draws, %d runs", len(parameters), draws, len(items))
    results = run_tasks(replicate, items, executor, progress, desc="psa", unit="run")
    table = per_draw(values, results, replications, wtp)
    outputs = {f"nmb_{wtp[0]:.0f}_gbp": table[f"nmb_{wtp[0]:.0f}_gbp"],
               "incremental_cost_gbp": table["incremental_cost_gbp"],
               "incremental_qalys": table["incremental_qalys"]}
    ranking = rank_inputs(values[[p.name for p in parameters]], outputs)
    curve = ceac(table, np.linspace(0.0, CEAC_MAX_GBP, CEAC_POINTS))
    return PsaResult(parameters, table, curve, ranking, pairs[0][1].name, pairs[0][0].name,
                     seed, replications, tuple(float(w) for w in wtp))
