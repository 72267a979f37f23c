"""Follow-up states and published-figure measures on hand-made records."""

import numpy as np
import pandas as pd
import pytest

from hubsim.results.published_measures import followup_states, screening_figures

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
