"""Payroll and full economic cost side by side, overheads counted once, discounting of costs,
the therapy share of costs, a role's own and marginal cost, the PSA ICER interval, the count of
assumed inputs, and which modules may import which.

Fixed seeds. "Exact" compares with a relative tolerance of 1e-12 (floating-point order only).
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.acceptability import ceac
from hubsim.experiments.cost_effectiveness import assumed_inputs, exploratory_line, psa_icer
from hubsim.experiments.simulate import simulate_hub
from hubsim.model.rng import Streams
from hubsim.model.staff_timeline import RoleTimeline, Spell
from hubsim.results.costs import payroll_cost_per_wte_gbp, role_cost_per_wte_gbp, to_price_year
from hubsim.results.economic_kpis import economic_kpis
from hubsim.results.role_cost import role_cost, team_cost
from hubsim.scenario import registry

SEED = 11
EXACT = 1e-12
PACKAGE = Path(__file__).resolve().parents[2] / "hubsim"


@pytest.fixture(scope="module")
def hub_run(small_scenario):
    """(scenario, clients, usage) of one 120-day replication."""
    clients, _, usage = simulate_hub(small_scenario, SEED, 0)
    return small_scenario, clients, usage


def test_payroll_cost_of_band_7_by_hand(baseline) -> None:
    """AfC 2021/22 band 7 mid-point, employer NI above the threshold, employer pension."""
    salary = (40_057 + 45_839) / 2
    expected = salary + 0.138 * (salary - 8_840) + 0.2068 * salary
    assert payroll_cost_per_wte_gbp(baseline.costs, "7") == pytest.approx(expected, rel=EXACT)
    per_wte = role_cost_per_wte_gbp(baseline, "therapists")
    assert per_wte["payroll"] == pytest.approx(
        expected * to_price_year(baseline, baseline.costs.salary_price_year), rel=EXACT)
    assert per_wte["full"] == pytest.approx(
        106_873 * to_price_year(baseline, baseline.costs.unit_costs_price_year), rel=EXACT)
    # PSSRU's full cost adds overheads and capital: about 1.7 times payroll (evidence.md)
    assert 1.5 < per_wte["full"] / per_wte["payroll"] < 2.0


def test_a_role_priced_at_zero_costs_nothing_in_either_view(make_small) -> None:
    scenario = make_small({"staff.triage.annual_cost_gbp": 0.0})
    assert role_cost_per_wte_gbp(scenario, "triage") == {"payroll": 0.0, "full": 0.0}


def test_overheads_only_in_the_payroll_view(hub_run) -> None:
    """Full economic cost = PSSRU staff + set-up + non-staff service costs (PSSRU includes
    overheads); payroll cost = payroll staff + set-up + non-staff + overheads."""
    scenario, clients, usage = hub_run
    k = economic_kpis(clients, scenario, usage, Streams(SEED, 0))
    years = (scenario.horizon_days - scenario.warmup_days) / 365.25
    factor = to_price_year(scenario, scenario.costs.unit_costs_price_year)
    assert k["cost_overheads_gbp"] == pytest.approx(
        scenario.costs.overheads_annual_gbp * years * factor, rel=EXACT)
    assert k["cost_overheads_gbp"] > 0
    assert k["hub_cost_gbp"] == pytest.approx(
        k["cost_staff_gbp"] + k["cost_setup_gbp"] + k["cost_non_staff_gbp"], rel=EXACT)
    assert k["hub_cost_payroll_gbp"] == pytest.approx(
        k["cost_staff_payroll_gbp"] + k["cost_setup_gbp"] + k["cost_non_staff_gbp"]
        + k["cost_overheads_gbp"], rel=EXACT)
    assert k["cost_total_payroll_gbp"] == pytest.approx(
        k["hub_cost_payroll_gbp"] + k["cost_downstream_gbp"], rel=EXACT)
    assert k["cost_staff_payroll_gbp"] < k["cost_staff_gbp"]


def test_paid_staff_cost_in_each_view_is_wte_years_times_the_role_cost(hub_run) -> None:
    scenario, clients, usage = hub_run
    k = economic_kpis(clients, scenario, usage)
    for view, kpi in (("full", "cost_staff_gbp"), ("payroll", "cost_staff_payroll_gbp")):
        expected = sum(years * role_cost_per_wte_gbp(scenario, role)[view]
                       for role, years in usage["paid_wte_years"].items())
        assert k[kpi] == pytest.approx(expected, rel=EXACT)


def test_therapy_completions_carry_only_the_therapy_staff_cost(hub_run) -> None:
    scenario, clients, usage = hub_run
    k = economic_kpis(clients, scenario, usage)
    therapy = sum(usage["paid_wte_years"][r] * role_cost_per_wte_gbp(scenario, r)["full"]
                  for r in ("therapists", "psychologists"))
    assert k["cost_staff_therapy_gbp"] == pytest.approx(therapy, rel=EXACT)
    completed = ((clients["pathway"] == "hub_therapy")
                 & (clients["exit_reason"] == "completed")).sum()
    assert completed > 0
    assert k["cost_per_therapy_completion_gbp"] == pytest.approx(therapy / completed, rel=EXACT)
    assert k["cost_staff_therapy_gbp"] < k["hub_cost_gbp"]


def test_undiscounted_over_the_follow_up_period_the_discounted_cost_is_the_total(make_small):
    """At a 0% discount rate and an outcome horizon equal to the downstream period, the
    evaluation's cost is exactly the budget total: nothing is left out or counted twice."""
    scenario = make_small({"costs.discount_rate": 0.0, "outcomes.horizon_years": 0.5})
    clients, _, usage = simulate_hub(scenario, SEED, 0)
    k = economic_kpis(clients, scenario, usage, Streams(SEED, 0))
    assert k["cost_discounted_gbp"] == pytest.approx(k["cost_total_gbp"], rel=EXACT)


def test_a_longer_horizon_adds_each_clients_wider_care_discounted(make_small) -> None:
    """Wider health and social care runs at its half-yearly rate over the outcome horizon from
    each client's screening, discounted to the start of the window: two years instead of one
    add exactly that (expected costs, no draws)."""
    base = make_small()
    clients, _, usage = simulate_hub(base, SEED, 0)
    window = clients[clients["arrival_day"] >= base.warmup_days]
    k1 = economic_kpis(window, base, usage)
    k2 = economic_kpis(window, make_small({"outcomes.horizon_years": 2.0}), usage)
    rho = math.log1p(base.costs.discount_rate)
    annuity = {h: -math.expm1(-rho * h) / rho for h in (1.0, 2.0)}
    at_screening = np.exp(-rho * (window["arrival_day"] - base.warmup_days) / 365.25)
    wider = base.costs.downstream.wider.mean * to_price_year(
        base, base.costs.downstream.price_year)
    expected = (wider * at_screening.sum() * (annuity[2.0] - annuity[1.0])
                / base.costs.downstream.period_years)
    assert k2["cost_discounted_gbp"] - k1["cost_discounted_gbp"] == pytest.approx(expected,
                                                                                  rel=1e-9)
    assert k1["cost_discounted_gbp"] < k1["cost_total_gbp"] + k1["downstream_wider_gbp"]


def test_discounted_paid_wte_days_integrate_the_discount_factor() -> None:
    spell = Spell(post=0, wte=0.5, start=10.0, end=400.0)
    timeline = RoleTimeline(role="therapists", spells=(spell,))
    hazard = math.log1p(0.035) / 365.25
    days = np.linspace(50.0, 300.0, 200_001)
    numeric = 0.5 * np.trapezoid(np.exp(-hazard * (days - 50.0)), days)
    assert timeline.discounted_paid_wte_days(50.0, 300.0, hazard) == pytest.approx(numeric,
                                                                                    rel=1e-9)
    assert timeline.discounted_paid_wte_days(50.0, 300.0, 0.0) == timeline.paid_wte_days(50, 300)


def test_role_cost_and_marginal_cost(baseline) -> None:
    cost = role_cost(baseline, "therapists", 2.8)
    per_wte = role_cost_per_wte_gbp(baseline, "therapists")
    assert cost.current_wte == baseline.staff.therapists.wte
    for view in ("payroll", "full"):
        assert cost.annual[view] == pytest.approx(2.8 * per_wte[view], rel=EXACT)
        assert cost.marginal[view] == pytest.approx(
            (2.8 - baseline.staff.therapists.wte) * per_wte[view], rel=EXACT)


def test_the_baseline_team_a_year_at_payroll_and_full_cost(baseline) -> None:
    """Every role at its funded WTE; payroll below full cost for every paid role."""
    team = {c.role: c for c in team_cost(baseline)}
    assert set(team) == set(baseline.staff.roles())
    for name, cost in team.items():
        wte = baseline.staff.roles()[name].wte
        assert cost.wte == wte and cost.marginal == {"payroll": 0.0, "full": 0.0}
        per_wte = role_cost_per_wte_gbp(baseline, name)
        assert cost.annual["full"] == pytest.approx(wte * per_wte["full"], rel=EXACT)
        if wte > 0:
            assert 0 < cost.annual["payroll"] < cost.annual["full"]


def test_psa_icer_interval_is_the_percentiles_when_every_draw_gains_at_a_cost() -> None:
    rng = np.random.default_rng(SEED)
    q = rng.uniform(1.0, 3.0, 400)
    c = q * rng.uniform(10_000.0, 40_000.0, 400)
    got = psa_icer(pd.DataFrame({"incremental_cost_gbp": c, "incremental_qalys": q}))
    assert got.icer == pytest.approx(c.mean() / q.mean(), rel=EXACT)
    ratio = c / q
    low, high = np.quantile(ratio, [0.025, 0.975], method="inverted_cdf")
    assert (got.low, got.high) == (pytest.approx(low, rel=EXACT), pytest.approx(high, rel=EXACT))
    assert got.probability_cost_effective[20_000.0] == pytest.approx((ratio < 20_000).mean())
    assert got.probability_cost_effective[30_000.0] == pytest.approx((ratio < 30_000).mean())
    assert got.quadrants["NE"] == 1.0 and got.bounded


def test_psa_icer_interval_matches_a_dense_acceptability_curve() -> None:
    """Draws in every quadrant: the interval's ends are where a fine CEAC crosses 2.5% and
    97.5% (an independent calculation by brute force on a grid)."""
    rng = np.random.default_rng(SEED)
    q = rng.normal(1.0, 0.45, 2000)  # ~1.3% of draws lose QALYs: the upper end still exists
    c = rng.normal(20_000.0, 15_000.0, 2000)
    draws = pd.DataFrame({"incremental_cost_gbp": c, "incremental_qalys": q})
    got = psa_icer(draws)
    grid = np.linspace(0.0, 200_000.0, 20_001)  # GBP 10 steps
    shares = ceac(draws, grid)["probability_cost_effective"].to_numpy()
    expected_low = grid[np.argmax(shares >= 0.025)] if (shares >= 0.025).any() else math.nan
    assert got.low == pytest.approx(expected_low, abs=10.0)
    if (shares >= 0.975).any():
        assert got.high == pytest.approx(grid[np.argmax(shares >= 0.975)], abs=10.0)
    else:
        assert math.isnan(got.high)
    assert 0 < got.quadrants["NW"] < 0.025 and got.bounded
    assert sum(got.quadrants.values()) == pytest.approx(1.0)


def test_psa_icer_is_unbounded_when_many_draws_lose_qalys_at_a_cost() -> None:
    draws = pd.DataFrame({"incremental_cost_gbp": [100.0, 200.0, -50.0, 80.0],
                          "incremental_qalys": [0.01, -0.02, 0.01, 0.02]})
    got = psa_icer(draws)
    assert not got.bounded and math.isnan(got.high)
    assert got.low == 0.0  # 25% of draws gain QALYs at less cost: cost-effective at any price
    assert got.quadrants == {"NE": 0.5, "SE": 0.25, "NW": 0.25, "SW": 0.0}


def test_assumed_inputs_are_assumption_rows_the_costs_and_qalys_use(baseline) -> None:
    names = assumed_inputs(baseline)
    assert names == sorted(set(names)) and len(names) > 10
    statuses = {registry.entry(n, baseline.hub).status for n in names}
    assert statuses == {"assumption"}
    assert "outcomes.benefit_decay_per_year" in names
    assert "costs.non_staff_annual_gbp" in names
    assert not any(n.startswith(("outcomes.presets.pessimistic", "outcomes.presets.optimistic",
                                 "followup.", "evaluation.")) for n in names)
    assert str(len(names)) in exploratory_line(len(names))


def _imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


@pytest.mark.parametrize(("module", "banned"), [
    ("experiments/psa.py", "hubsim.figures"),
    ("experiments/incremental.py", "hubsim.cli"),
    ("experiments/cost_consequence.py", "hubsim.cli"),
    ("experiments/cost_effectiveness.py", "hubsim.figures"),
    ("experiments/cost_effectiveness.py", "hubsim.cli"),
])
def test_analysis_modules_do_not_import_faces(module, banned) -> None:
    imported = _imports(PACKAGE / module)
    assert not any(m == banned or m.startswith(f"{banned}.") for m in imported), imported
