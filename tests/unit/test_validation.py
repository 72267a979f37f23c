"""Follow-up states and published-figure measures on hand-made records."""

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.evidence_check import (
    ROLES,
    _point_row,
    checked_targets,
    failures,
    must_pass,
    published_interval,
    wilson_interval,
)
from hubsim.results.published_measures import (
    alternative_figures,
    followup_figures,
    followup_states,
    screening_figures,
)

NAN = np.nan


def _clients(**columns):
    base = {
        "followup_day": [200.0],
        "triage_day": [NAN],
        "pathway": ["none"],
        "waitlist_join_day": [NAN],
        "course_start_day": [NAN],
        "exit_reason": ["open"],
        "exit_day": [NAN],
        "referral_day": [NAN],
        "external_start_day": [NAN],
        "self_help_start_day": [NAN],
    }
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({}, (False, False, False)),  # never reached
        ({"triage_day": 10.0, "pathway": "signpost"}, (True, False, False)),
        ({"triage_day": 201.0}, (False, False, False)),  # contact after follow-up does not count
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0},
         (True, False, True)),  # still waiting for therapy
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0,
          "course_start_day": 150.0}, (True, True, False)),
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0,
          "course_start_day": 250.0}, (True, False, True)),  # starts after follow-up
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0,
          "exit_reason": "left_waitlist", "exit_day": 100.0}, (True, False, False)),
        ({"triage_day": 10.0, "pathway": "external_referral", "referral_day": 20.0,
          "external_start_day": 300.0}, (True, False, True)),  # external list
        ({"triage_day": 10.0, "pathway": "external_referral", "referral_day": 20.0,
          "external_start_day": 60.0}, (True, True, False)),
        ({"triage_day": 10.0, "pathway": "signpost", "self_help_start_day": 40.0},
         (True, True, False)),
    ],
)
def test_followup_state_of_one_client(columns, expected):
    states = followup_states(_clients(**columns)).iloc[0]
    assert (states["contact"], states["received_support"], states["on_waiting_list"]) == expected


def test_screening_figures_count_domains_and_mix():
    screened = pd.DataFrame({
        "domains_positive": [0, 1, 3, 4, 5],
        "functioning": [False, True, True, True, True],
        "sector": ["nhs", "nhs", "social_care", "emergency_services", "other"],
        "sex": ["female"] * 4 + ["male"],
        "ethnicity": ["white_british"] * 4 + ["minority_ethnic"],
    })
    figures = screening_figures(screened)
    assert figures["screened_clients"] == 5
    assert figures["screen_positive_3plus_pct"] == pytest.approx(60.0)
    assert figures["screen_negative_all_pct"] == pytest.approx(20.0)
    assert figures["screen_functioning_pct"] == pytest.approx(80.0)
    assert figures["sector_nhs_pct"] == pytest.approx(40.0)
    assert figures["female_pct"] == pytest.approx(80.0)
    assert figures["minority_ethnic_pct"] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # (hub_supported, helped_to_other_services, nothing_beyond_hub)
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0,
          "course_start_day": 50.0}, (True, False, True)),
        ({"triage_day": 10.0, "pathway": "hub_therapy", "waitlist_join_day": 11.0},
         (False, False, True)),  # still waiting for Hub therapy: needs nothing else
        ({"triage_day": 10.0, "pathway": "no_further_support"}, (False, False, True)),
        ({"triage_day": 10.0, "pathway": "external_referral", "referral_day": 20.0,
          "external_start_day": 60.0}, (True, True, False)),
        ({"triage_day": 10.0, "pathway": "external_referral", "referral_day": 20.0,
          "external_start_day": 300.0}, (False, False, False)),  # referred, not yet started
        ({"triage_day": 10.0, "pathway": "signpost", "self_help_start_day": 40.0},
         (False, False, False)),  # self-help after signposting: the client's own step
        ({"pathway": "none"}, (False, False, False)),  # never reached
    ],
)
def test_where_support_came_from(columns, expected):
    states = followup_states(_clients(**columns)).iloc[0]
    got = (states["hub_supported"], states["helped_to_other_services"],
           states["nothing_beyond_hub"])
    assert got == expected


def test_followup_figures_take_hub_support_as_a_share_of_those_supported():
    rows = pd.concat([
        _clients(triage_day=10.0, pathway="brief_support", waitlist_join_day=11.0,
                 course_start_day=30.0),
        _clients(triage_day=10.0, pathway="signpost", self_help_start_day=40.0),
        _clients(triage_day=10.0, pathway="external_referral", referral_day=20.0,
                 external_start_day=60.0),
        _clients(),  # not reached, no support: outside the denominator of hub_supported
    ], ignore_index=True)
    figures = followup_figures(rows)
    assert figures["followup_received_support_pct"] == pytest.approx(75.0)
    assert figures["followup_hub_supported_pct"] == pytest.approx(200 / 3)
    assert figures["followup_helped_to_other_services_pct"] == pytest.approx(25.0)
    assert figures["followup_nothing_beyond_hub_pct"] == pytest.approx(25.0)


def test_wilson_interval_of_the_waiting_list_figure():
    """34 of 299 on a waiting list: the interval the issue quotes, 8.3-15.5%."""
    low, high = wilson_interval(34 / 299, 299)
    assert (round(100 * low, 1), round(100 * high, 1)) == (8.3, 15.5)


def _target(**fields):
    return {"name": "x_pct", "value": 50.0, "n": 100, "unit": "%", "role": "out-of-sample",
            "source": "s", **fields}


def test_point_tolerance_combines_published_and_simulation_error():
    """At n = 100 a published 50% has a Wilson interval of about +-9.6 points; replications
    spread +-4 widen it in quadrature, not by addition."""
    values = pd.Series([46.0, 54.0] * 5)  # mean 50, sd 4.2: 95% half-width ~3.0
    row = _point_row(_target(), values)
    half = (row["ci_high"] - row["ci_low"]) / 2
    wilson_below = 50.0 - row["published_low"]
    assert row["accept_low"] == pytest.approx(50.0 - np.hypot(wilson_below, half))
    assert row["accept_low"] > 50.0 - wilson_below - half  # quadrature is narrower than a sum
    assert row["passed"]
    assert not _point_row(_target(), pd.Series([38.0, 39.0] * 5))["passed"]


def test_published_ci_is_used_when_the_figure_has_one():
    target = _target(value=0.755, ci=[0.731, 0.779], unit="EQ-5D index")
    assert published_interval(target) == (0.731, 0.779)
    count = _target(value=1973, unit="clients")
    low, high = published_interval(count)
    assert high - 1973 == pytest.approx(1.96 * np.sqrt(1973), rel=1e-3)


def test_only_input_and_calibrated_failures_fail_the_check():
    table = pd.DataFrame({
        "figure": ["a", "b", "c"],
        "role": ["input", "calibrated", "out-of-sample"],
        "passed": [True, False, False],
    })
    assert failures(table) == (["b"], ["c"])
    assert must_pass(table).tolist() == [True, True, False]


def test_every_checked_target_has_a_known_role_and_a_sampling_size():
    targets = checked_targets()
    assert {t["role"] for t in targets} == set(ROLES)
    for t in targets:
        if isinstance(t["value"], list):
            assert "tolerance" in t  # rounding of a range
        elif "%" in t["unit"]:
            assert t["n"] in (171, 299, 1973), t["name"]


def test_alternative_readings_differ_from_the_checked_ones():
    rows = pd.concat([
        _clients(triage_day=10.0, pathway="signpost", self_help_start_day=40.0),
        _clients(triage_day=10.0, pathway="hub_therapy", waitlist_join_day=11.0),  # waiting
        _clients(triage_day=10.0, pathway="no_further_support"),
        _clients(),
    ], ignore_index=True)
    checked, other = followup_figures(rows), alternative_figures(rows)
    assert checked["followup_helped_to_other_services_pct"] == pytest.approx(0.0)
    assert other["followup_helped_to_other_services_pct"] == pytest.approx(25.0)
    assert checked["followup_nothing_beyond_hub_pct"] == pytest.approx(50.0)
    assert other["followup_nothing_beyond_hub_pct"] == pytest.approx(25.0)
