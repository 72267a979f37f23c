"""Downstream-cost and EQ-5D figures against the evaluation's follow-up survey (HSDR-SS).

Roles (see hubsim/experiments/evidence_check.py): GBP 138 wider cost is an *input* check (the
downstream wider-cost rows are set from it); GBP 376 mental-health cost is *out-of-sample, partly
calibrated* (recomputed from the simulated pathway; the outside-Hub part was scaled to a derived
GBP 75); EQ-5D 0.755 is *calibrated*: the utility at screening is set by
scripts/calibrate_eq5d.py so the respondents' expected EQ-5D on their follow-up day is 0.755, and
the test checks that follow-up figure, not the input.

The evaluation costed the service use of 299 respondents 5-8 months after screening: mental-health
support GBP 376 (95% CI 294-459), Hub-delivered contacts included, and wider health and social
care GBP 138 (73-202); EQ-5D 0.755 (0.731-0.779). hubsim costs Hub contacts through staff time,
so the comparable simulated figure is each respondent's Hub contacts (activity cost: triage,
sessions attended, navigation) plus their downstream mental-health cost.

Tolerance: the published 95% CI. It is the evaluation's own sampling uncertainty (n = 299); the
simulated mean over thousands of respondent records has a standard error of a few pounds, so a
simulated mean outside the published interval is a model error, not noise. The non-Hub share
(GBP 75, derived) is the figure the downstream rows were scaled to on the Greater Manchester
cohort: +-10%, because route shares move between replications (rare, costly routes such as
secondary care make one replication's mean noisy); with 10 replications the standard error of
the mean is ~2.5%, so +-10% is four standard errors.

Respondents are simulated clients screened in each Hub's evaluation window whose follow-up day
falls within the horizon; four Hubs, 3 replications each, fixed seed. Money is compared at
``costs.downstream.price_year`` prices (the evaluation's price year, an assumption).
"""

from __future__ import annotations

import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.model.rng import Streams
from hubsim.results.costs import activity_costs, downstream_costs, to_price_year
from hubsim.results.economic_kpis import costs_rng
from hubsim.results.followup_utility import utility_at_followup
from hubsim.results.outcomes import client_outcomes
from hubsim.results.published_measures import evaluation_window
from hubsim.scenario import registry
from hubsim.scenario.loader import build

SEED = 17
REPLICATIONS = 3
CALIBRATION_REPLICATIONS = 10  # one Hub's cohort (~325 a replication): route shares settle
NON_HUB_TOLERANCE = 0.10  # relative; see the module docstring
TARGETS = {t["name"]: t for t in registry.targets()}


def respondents(hub: str | None, replications: int = REPLICATIONS) -> pd.DataFrame:
    """Per respondent: Hub contacts, downstream costs (drawn and expected), EQ-5D at screening
    and on the follow-up day."""
    scenario = build({"hub": hub} if hub else {}, None, "test")
    back = 1 / to_price_year(scenario, scenario.costs.downstream.price_year)
    parts = []
    for replication in range(replications):
        clients, _, _ = simulate_hub(scenario, SEED, replication)
        window = evaluation_window(clients, scenario)
        window = window[window["followup_day"] <= scenario.horizon_days]
        drawn = downstream_costs(window, scenario, costs_rng(scenario, Streams(SEED, replication)))
        expected = downstream_costs(window, scenario, None)
        parts.append(pd.DataFrame({
            "hub_contacts": activity_costs(window, scenario).sum(axis=1) * back,
            "mh_outside": drawn["downstream_mh_gbp"] * back,
            "mh_outside_expected": expected["downstream_mh_gbp"] * back,
            "wider": drawn["downstream_wider_gbp"] * back,
            "eq5d_screening": client_outcomes(window, scenario)["baseline_utility"],
            "eq5d_followup": utility_at_followup(window, scenario),
        }))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def four_hubs() -> pd.DataFrame:
    return pd.concat([respondents(None), *(respondents(h) for h in registry.hubs())],
                     ignore_index=True)


def _in_ci(value: float, name: str) -> bool:
    low, high = TARGETS[name]["ci"]
    return low <= value <= high


def test_out_of_sample_mental_health_cost_376(four_hubs) -> None:
    mean = float((four_hubs["hub_contacts"] + four_hubs["mh_outside"]).mean())
    assert _in_ci(mean, "followup_mh_cost_gbp"), mean


def test_input_check_wider_cost_138(four_hubs) -> None:
    mean = float(four_hubs["wider"].mean())
    assert _in_ci(mean, "followup_wider_cost_gbp"), mean


def test_input_check_non_hub_mental_health_cost_derived_75() -> None:
    greater_manchester = respondents(None, CALIBRATION_REPLICATIONS)
    mean = float(greater_manchester["mh_outside_expected"].mean())
    target = TARGETS["followup_non_hub_mh_cost_gbp"]["value"]
    assert mean == pytest.approx(target, rel=NON_HUB_TOLERANCE)


def test_calibrated_followup_eq5d_reproduces_0755(four_hubs) -> None:
    """The follow-up figure, not the input: respondents' expected EQ-5D on their follow-up day."""
    mean = float(four_hubs["eq5d_followup"].mean())
    assert _in_ci(mean, "followup_eq5d"), mean


def test_followup_eq5d_is_not_the_screening_input(four_hubs) -> None:
    """Support between screening and follow-up moves utility: the two means differ, so the
    follow-up check above is not the input read back."""
    gap = float(four_hubs["eq5d_followup"].mean() - four_hubs["eq5d_screening"].mean())
    assert gap > 0.01, gap


CALIBRATION_DRIFT = 0.005
"""EQ-5D units. The screening utility was calibrated so the follow-up mean is 0.755 on other
replications; this run's mean has a simulation sd of about 0.001, so a gap over 0.005 means the
pathway or the logic model changed since: rerun scripts/calibrate_eq5d.py."""


def test_eq5d_calibration_is_current(four_hubs) -> None:
    mean = float(four_hubs["eq5d_followup"].mean())
    assert mean == pytest.approx(TARGETS["followup_eq5d"]["value"], abs=CALIBRATION_DRIFT), mean
