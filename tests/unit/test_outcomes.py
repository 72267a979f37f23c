"""Logic-model outcomes: the closed form against an independent day-by-day Markov calculation,
dose-response, treatment timing from the records, presets, schema checks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.results.outcomes import client_outcomes, dose_response
from hubsim.scenario import registry
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.units import DAYS_PER_YEAR, WEEKS_PER_YEAR

EXACT = 1e-12
# The chain uses exact per-step transition probabilities and mid-step utilities, so it differs
# from the continuous-time closed form only by the mid-point rule's O(step^2) error: ~1e-9
# relative with quarter-day steps. 1e-6 leaves room for that without hiding a wrong formula:
# dropping the deterioration loss moves QALYs by 0.2% (central) to 0.9% (STRONG hazards).
STEPS_PER_DAY = 4
STEP_TOLERANCE = 1e-6
STRONG = {"outcomes.presets.central.remission_per_week": 0.03,
          "outcomes.presets.central.deterioration_per_week": 0.05}
SEED = 3


def one_client(**fields) -> pd.DataFrame:
    """A single client's record with no treatment unless ``fields`` say otherwise."""
    row = {"client_id": 0, "arrival_day": 0.0, "need_tier": "high", "pathway": "none",
           "exit_reason": "not_reached", "course_start_day": np.nan, "exit_day": np.nan,
           "sessions_planned": 0, "sessions_attended": 0, "sessions_missed": 0,
           "external_start_day": np.nan, "external_destination": "",
           "self_help_start_day": np.nan, "referral_day": np.nan, "triage_day": np.nan,
           "triage_attempts": 3}
    row.update(fields)
    return pd.DataFrame([row])


def markov_qalys(u0, gain, loss, r_week, d_week, jump_day, p, horizon_years, rate) -> float:
    """A discrete-time chain over (unwell, deteriorated, improved) in steps of 1/STEPS_PER_DAY
    day, utility at each step's mid-point: an independent check of the closed form."""
    steps = int(round(horizon_years * DAYS_PER_YEAR * STEPS_PER_DAY))
    dt = 1 / STEPS_PER_DAY
    r = 1 - (1 - r_week) ** (dt / 7)
    d = 1 - (1 - d_week) ** (dt / 7)
    unwell, worse, better, total = 1.0, 0.0, 0.0, 0.0
    for step in range(steps):
        if step == jump_day * STEPS_PER_DAY:
            better += p * (unwell + worse)
            unwell, worse = (1 - p) * unwell, (1 - p) * worse
        to_better_u, to_worse, to_better_w = unwell * r, unwell * (1 - r) * d, worse * r
        mid = (unwell - (to_better_u + to_worse) / 2, worse + (to_worse - to_better_w) / 2)
        utility = mid[0] * u0 + mid[1] * (u0 - loss) + (1 - sum(mid)) * (u0 + gain)
        total += utility * (1 + rate) ** -((step + 0.5) * dt / DAYS_PER_YEAR) * dt / DAYS_PER_YEAR
        unwell -= to_better_u + to_worse
        worse += to_worse - to_better_w
        better += to_better_u + to_better_w
    return total


@pytest.mark.parametrize("strong", [False, True])
def test_closed_form_matches_a_discrete_markov_chain(make_small, strong) -> None:
    scenario = make_small(STRONG if strong else None)
    effects = scenario.outcomes.effects
    course_end = 150.0
    client = one_client(pathway="hub_therapy", exit_reason="completed", course_start_day=60.0,
                        exit_day=course_end, sessions_planned=8, sessions_attended=8)
    got = client_outcomes(client, scenario).iloc[0]
    p = float(dose_response(effects.hub_therapy, 8))
    u0 = scenario.outcomes.baseline_utility["high"]
    expected = markov_qalys(u0, effects.utility_gain, effects.utility_loss,
                            effects.remission_per_week, effects.deterioration_per_week,
                            int(course_end), p, scenario.outcomes.horizon_years,
                            scenario.outcomes.discount_rate)
    assert got["qalys"] == pytest.approx(expected, rel=STEP_TOLERANCE)
    assert got["probability"] == pytest.approx(p, rel=EXACT)


def test_without_change_qalys_are_the_discounted_baseline(make_small) -> None:
    scenario = make_small({"outcomes.presets.central.remission_per_week": 0.0,
                           "outcomes.presets.central.deterioration_per_week": 0.0})
    got = client_outcomes(one_client(), scenario).iloc[0]
    rho = math.log1p(scenario.outcomes.discount_rate)
    h = scenario.outcomes.horizon_years
    annuity = (1 - math.exp(-rho * h)) / rho
    assert got["qalys"] == pytest.approx(scenario.outcomes.baseline_utility["high"] * annuity,
                                         rel=EXACT)
    assert got["improved_end"] == 0.0
    assert got["absence_days"] == pytest.approx(
        scenario.outcomes.absence_days_per_year_unwell * h, rel=EXACT)


def test_earlier_treatment_gives_more_qalys(baseline) -> None:
    ends = [60.0, 120.0, 240.0, 400.0]
    frame = pd.concat([one_client(pathway="hub_therapy", exit_reason="completed",
                                  course_start_day=e - 70, exit_day=e, sessions_planned=8,
                                  sessions_attended=8) for e in ends], ignore_index=True)
    qalys = client_outcomes(frame, baseline)["qalys"].to_numpy()
    assert np.all(np.diff(qalys) < 0)
    untreated = client_outcomes(one_client(), baseline)["qalys"].iloc[0]
    assert qalys[-1] == pytest.approx(untreated, rel=EXACT)  # after the 1-year horizon: no effect


def test_dose_response_rises_to_its_maximum(baseline) -> None:
    response = baseline.outcomes.effects.hub_therapy
    values = dose_response(response, np.arange(0, 60))
    assert values[0] == 0 and np.all(np.diff(values) > 0)
    assert values[-1] == pytest.approx(response.max_probability, rel=1e-6)


def test_waiting_and_in_course_clients_at_the_horizon_end(make_small) -> None:
    """Open clients are treated as finishing their planned course, no earlier than the horizon."""
    scenario = make_small()
    horizon = scenario.horizon_days
    waiting = one_client(pathway="hub_therapy", exit_reason="open", sessions_planned=6)
    in_course = one_client(pathway="hub_therapy", exit_reason="open", course_start_day=100.0,
                           sessions_planned=6, sessions_attended=2)
    left = one_client(pathway="hub_therapy", exit_reason="left_waitlist", exit_day=50.0)
    got = client_outcomes(pd.concat([waiting, in_course, left], ignore_index=True), scenario)
    course = scenario.therapy
    length = 6 / (1 - course.dna_probability) * course.session_interval_days.mean_value
    assert got["effect_day"].iloc[0] == pytest.approx(horizon + length, rel=EXACT)
    assert got["effect_day"].iloc[1] == pytest.approx(max(100 + length, horizon), rel=EXACT)
    assert math.isnan(got["effect_day"].iloc[2]) and got["probability"].iloc[2] == 0


def test_external_and_self_help_timing(baseline) -> None:
    outcomes = baseline.outcomes
    referred = one_client(pathway="external_referral", exit_reason="referred_external",
                          referral_day=10.0, external_start_day=40.0,
                          external_destination="talking_therapies")
    helped = one_client(pathway="signpost", exit_reason="signposted",
                        self_help_start_day=30.0)
    got = client_outcomes(pd.concat([referred, helped], ignore_index=True), baseline)
    assert got["effect_day"].tolist() == pytest.approx(
        [40 + 7 * outcomes.external_course_weeks, 30 + 7 * outcomes.self_help_weeks])
    assert got["probability"].tolist() == pytest.approx(
        [outcomes.effects.external["talking_therapies"], outcomes.effects.self_help])


def test_improved_utility_is_capped_at_full_health(make_small) -> None:
    scenario = make_small({"outcomes.baseline_utility.high": 0.99,
                           "outcomes.presets.central.remission_per_week": 1.0 - 1e-9})
    got = client_outcomes(one_client(), scenario).iloc[0]
    assert got["qalys"] <= scenario.outcomes.horizon_years


def test_presets_are_the_ends_of_the_central_ranges() -> None:
    """The pessimistic and optimistic presets take an end of each central row's range."""
    tree = registry.scenario_defaults()["outcomes"]["presets"]

    def leaves(table, prefix=""):
        for key, value in table.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    central = dict(leaves(tree["central"]))
    for name in ("pessimistic", "optimistic"):
        for key, value in leaves(tree[name]):
            low, high = registry.entry(f"outcomes.presets.central.{key}").range
            assert value in (low, high), (name, key)
            assert low <= central[key] <= high
    assert dict(leaves(tree["pessimistic"])).keys() == central.keys()


def test_every_effect_size_is_an_assumption_with_a_reason() -> None:
    rows = [r for r in registry.entries() if r.name.startswith("outcomes.presets.")]
    assert rows and all(r.status == "assumption" and len(r.source) > 20 for r in rows)


def test_a_destination_without_an_effect_is_named(baseline) -> None:
    client = one_client(pathway="external_referral", external_start_day=40.0,
                        external_destination="new_service")
    with pytest.raises(ValueError, match="outcomes.presets.central.external.new_service"):
        client_outcomes(client, baseline)


@pytest.mark.parametrize(("key", "value", "field"), [
    ("outcomes.preset", "hopeful", "outcomes.preset"),
    ("outcomes.baseline_utility.high", 1.2, "outcomes.baseline_utility"),
    ("outcomes.presets.central.self_help", 1.5, "outcomes.presets.central.self_help"),
    ("outcomes.discount_rate", -0.01, "outcomes.discount_rate"),
])
def test_bad_outcome_inputs_name_the_field(make_small, key, value, field) -> None:
    with pytest.raises(ScenarioError) as info:
        make_small({key: value})
    assert info.value.field.startswith(field)


def test_outcomes_of_a_simulated_run_are_sensible(small_scenario) -> None:
    clients, _, _ = simulate_hub(small_scenario, SEED, 0)
    got = client_outcomes(clients, small_scenario)
    horizon = small_scenario.outcomes.horizon_years
    assert got["qalys"].between(-horizon, horizon).all()
    assert got["improved_end"].between(0, 1).all()
    weekly = small_scenario.outcomes.effects.remission_per_week
    natural = 1 - (1 - weekly) ** (horizon * WEEKS_PER_YEAR)
    assert (got["improved_end"] >= natural - EXACT).all()  # treatment only adds to remission
