"""Costs: price years, costs that add up exactly from the records and the staffing, downstream
service-use draws (reproducible, common random numbers), schema checks.

Fixed seeds. "Exact" sums are compared with a relative tolerance of 1e-12: the only difference
allowed is floating-point rounding from adding the same numbers in another order.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate, simulate_hub
from hubsim.model.rng import Streams
from hubsim.results.costs import (
    ACTIVITIES,
    activity_costs,
    downstream_costs,
    downstream_route,
    to_price_year,
)
from hubsim.results.economic_kpis import combine_economic_kpis, costs_rng, economic_kpis
from hubsim.results.prices import PriceYearError, price_factor
from hubsim.scenario import registry
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.units import DAYS_PER_YEAR

SEED = 5
EXACT = 1e-12  # relative: the same numbers summed in another order


@pytest.fixture(scope="module")
def hub_run(small_scenario):
    """(scenario, clients, timeseries, usage) of one 120-day replication."""
    return (small_scenario, *simulate_hub(small_scenario, SEED, 0))


def test_price_factor_compounds_the_yearly_changes() -> None:
    index = {2022: 7.32, 2023: 4.31}
    assert price_factor(index, 2021, 2023) == pytest.approx(1.0732 * 1.0431, rel=EXACT)
    assert price_factor(index, 2023, 2021) == pytest.approx(1 / (1.0732 * 1.0431), rel=EXACT)
    assert price_factor(index, 2022, 2022) == 1.0


def test_price_factor_names_the_missing_year() -> None:
    with pytest.raises(PriceYearError, match=r"costs\.nhs_cost_inflation_pct\.2024"):
        price_factor({2023: 4.31}, 2023, 2024)


def test_total_is_staff_plus_setup_plus_non_staff_plus_downstream(hub_run) -> None:
    scenario, clients, _, usage = hub_run
    k = economic_kpis(clients, scenario, usage, Streams(SEED, 0))
    parts = (k["cost_staff_gbp"] + k["cost_setup_gbp"] + k["cost_non_staff_gbp"]
             + k["cost_downstream_gbp"])
    assert k["cost_total_gbp"] == pytest.approx(parts, rel=EXACT)
    assert k["cost_downstream_gbp"] == pytest.approx(
        k["downstream_mh_gbp"] + k["downstream_wider_gbp"], rel=EXACT)
    assert k["cost_per_client_gbp"] == pytest.approx(k["cost_total_gbp"] / len(clients), rel=EXACT)


def test_staff_cost_is_paid_wte_years_times_annual_cost(hub_run) -> None:
    """Recomputed by hand from the staffing: busy or idle, every paid WTE-year is costed."""
    scenario, clients, _, usage = hub_run
    k = economic_kpis(clients, scenario, usage)
    roles = scenario.staff.roles()
    by_hand = sum(usage["paid_wte_years"][n] * roles[n].annual_cost_gbp for n in roles)
    factor = to_price_year(scenario, scenario.costs.unit_costs_price_year)
    assert k["cost_staff_gbp"] == pytest.approx(by_hand * factor, rel=EXACT)


def test_staff_cost_without_paid_wte_years_uses_wte_over_the_window(hub_run) -> None:
    scenario, clients, _, usage = hub_run
    k = economic_kpis(clients, scenario, {n: v for n, v in usage.items() if n != "paid_wte_years"})
    years = (scenario.horizon_days - scenario.warmup_days) / DAYS_PER_YEAR
    by_hand = sum(r.wte * r.annual_cost_gbp * years for r in scenario.staff.roles().values())
    assert k["cost_staff_gbp"] == pytest.approx(by_hand, rel=EXACT)


def test_setup_and_non_staff_costs_from_the_scenario(hub_run) -> None:
    scenario, clients, _, usage = hub_run
    k = economic_kpis(clients, scenario, usage)
    years = (scenario.horizon_days - scenario.warmup_days) / DAYS_PER_YEAR
    assert k["cost_setup_gbp"] == pytest.approx(scenario.costs.setup_gbp, rel=EXACT)
    assert k["cost_non_staff_gbp"] == pytest.approx(
        scenario.costs.non_staff_annual_gbp * years, rel=EXACT)


def test_activity_costs_from_the_records(hub_run) -> None:
    """Triage and therapy activity recomputed column by column from the records."""
    scenario, clients, _, usage = hub_run
    k = economic_kpis(clients, scenario, usage)
    band = scenario.costs.band_hourly_gbp
    reached = clients["triage_day"].notna()
    t = scenario.triage
    minutes = (reached * (t.call_minutes.mean_value + t.admin_minutes.mean_value)
               + (clients["triage_attempts"] - reached) * t.failed_attempt_minutes.mean_value)
    triage = minutes.sum() * band[scenario.staff.triage.band] / 60
    assert k["activity_triage_gbp"] == pytest.approx(triage, rel=EXACT)
    therapy = clients[clients["pathway"] == "hub_therapy"]
    booked = (therapy["sessions_attended"] + therapy["sessions_missed"]).sum()
    hourly = band[scenario.staff.therapists.band]  # psychologists have 0 WTE by default
    assert k["activity_therapy_gbp"] == pytest.approx(
        booked * scenario.therapy.session_minutes * hourly / 60, rel=EXACT)
    assert k["activity_total_gbp"] == pytest.approx(
        sum(k[f"activity_{a}_gbp"] for a in ACTIVITIES), rel=EXACT)


def test_hub_contacts_are_never_downstream_costs(hub_run, make_small) -> None:
    """No double counting: with zero downstream costs, Hub sessions still cost staff time but the
    downstream KPI is 0, and the total is the Hub's own cost."""
    scenario, clients, _, usage = hub_run
    downstream = scenario.costs.downstream
    keys = ([f"mental_health.{k}" for k in downstream.mental_health]
            + [f"mental_health_external.{k}" for k in downstream.mental_health_external]
            + ["wider"])
    free = make_small({f"costs.downstream.{k}": {"mean": 0.0, "sd": 0.0} for k in keys})
    k = economic_kpis(clients, free, usage, Streams(SEED, 0))
    assert k["activity_therapy_gbp"] > 0
    assert k["cost_downstream_gbp"] == 0
    assert k["cost_total_gbp"] == pytest.approx(k["hub_cost_gbp"], rel=EXACT)


def test_simulate_reports_the_economic_totals(small_scenario) -> None:
    """The hook's totals replace the provisional staff-only cost that kpis.py sets."""
    kpis = simulate(small_scenario, SEED, 1).kpis
    parts = (kpis["cost_staff_gbp"] + kpis["cost_setup_gbp"] + kpis["cost_non_staff_gbp"]
             + kpis["cost_downstream_gbp"])
    assert kpis["cost_total_gbp"] == pytest.approx(parts, rel=EXACT)


def test_expected_downstream_costs_are_the_route_means(hub_run) -> None:
    scenario, clients, _, _ = hub_run
    costs = downstream_costs(clients, scenario, None)
    factor = to_price_year(scenario, scenario.costs.downstream.price_year)
    table = {**{k: d.mean for k, d in scenario.costs.downstream.mental_health.items()},
             **{f"external:{k}": d.mean
                for k, d in scenario.costs.downstream.mental_health_external.items()}}
    expected = np.array([table[r] for r in downstream_route(clients)]) * factor
    np.testing.assert_allclose(costs["downstream_mh_gbp"], expected, rtol=EXACT)
    assert set(costs["route"]) <= set(table)


def test_downstream_draws_are_reproducible_and_shared_across_routes(make_small) -> None:
    """Same seed, same draws; a scenario that changes every client's route keeps each client's
    wider-care cost (its distribution does not depend on the route): common random numbers."""
    hub = make_small()
    other = make_small({"routing.high.hub_therapy": 0.0, "routing.high.signpost": 0.55})
    clients, _, _ = simulate_hub(hub, SEED, 0)
    clients_b, _, _ = simulate_hub(other, SEED, 0)
    a1 = downstream_costs(clients, hub, costs_rng(hub, Streams(SEED, 0)))
    a2 = downstream_costs(clients, hub, costs_rng(hub, Streams(SEED, 0)))
    b = downstream_costs(clients_b, other, costs_rng(other, Streams(SEED, 0)))
    pd.testing.assert_frame_equal(a1, a2, check_exact=True)
    np.testing.assert_array_equal(a1["downstream_wider_gbp"], b["downstream_wider_gbp"])
    assert not a1["downstream_mh_gbp"].equals(b["downstream_mh_gbp"])


def test_a_destination_without_a_cost_is_named(hub_run) -> None:
    scenario, clients, _, _ = hub_run
    renamed = clients.assign(external_destination=clients["external_destination"].astype(str)
                             .replace("talking_therapies", "new_service"))
    with pytest.raises(ValueError, match="mental_health_external.new_service"):
        downstream_costs(renamed, scenario, None)


def test_several_hubs_add_up_to_their_parts(make_small) -> None:
    hubs = [make_small(), make_small({"hub": "second-hub"})]
    runs = [(h, *simulate_hub(h, SEED, 0)) for h in hubs]
    per_hub = [(h, c, u) for h, c, _, u in runs]
    pooled = pd.concat([c for _, c, _ in per_hub], ignore_index=True)
    together = combine_economic_kpis(per_hub, pooled, Streams(SEED, 0))
    alone = [economic_kpis(c, h, u, Streams(SEED, 0)) for h, c, u in per_hub]
    for name in ("cost_total_gbp", "cost_staff_gbp", "cost_downstream_gbp", "qalys", "leavers"):
        assert together[name] == pytest.approx(sum(a[name] for a in alone), rel=EXACT)
    assert together["cost_per_client_gbp"] == pytest.approx(
        together["cost_total_gbp"] / len(pooled), rel=EXACT)


def test_activity_costs_are_per_client(hub_run) -> None:
    scenario, clients, _, _ = hub_run
    frame = activity_costs(clients, scenario)
    assert list(frame.columns) == list(ACTIVITIES)
    assert (frame >= 0).all().all() and frame.index.equals(clients.index)


def test_registry_staff_costs_match_the_band_table() -> None:
    """staff.<role>.annual_cost_gbp repeats the PSSRU band row; the two must not drift."""
    for hub in (None, *registry.hubs()):
        tree = registry.scenario_defaults(hub)
        bands = tree["costs"]["band_annual_gbp"]
        for role, table in tree["staff"].items():
            assert table["annual_cost_gbp"] == bands[table["band"]], (hub, role)


@pytest.mark.parametrize(("key", "value", "field"), [
    ("costs.setup_gbp", -1, "costs.setup_gbp"),
    ("costs.downstream.wider", {"mean": 0, "sd": 5}, "costs.downstream.wider"),
    ("costs.downstream.mental_health.elsewhere", {"mean": 1, "sd": 1},
     "costs.downstream.mental_health"),
    ("costs.navigation_minutes", 10_000, "costs.navigation_minutes"),
])
def test_bad_cost_inputs_name_the_field(make_small, key, value, field) -> None:
    with pytest.raises(ScenarioError) as info:
        make_small({key: value})
    assert info.value.field.startswith(field)


def test_a_price_year_outside_the_index_fails_clearly(make_small) -> None:
    scenario = make_small({"price_year": 2030})
    clients, _, usage = simulate_hub(scenario, SEED, 0)
    with pytest.raises(PriceYearError, match="nhs_cost_inflation_pct.2024"):
        economic_kpis(clients, scenario, usage)
    assert math.isfinite(to_price_year(make_small(), 2020))
