"""Expected EQ-5D on the follow-up day, and the calibration of the utility at screening."""

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.results.followup_utility import screening_utility_shift, utility_at_followup
from hubsim.results.published_measures import evaluation_window
from hubsim.scenario.loader import build


@pytest.fixture(scope="module")
def respondents():
    scenario = build({}, None, "test")
    clients, _, _ = simulate_hub(scenario, 3, 0)
    window = evaluation_window(clients, scenario)
    return window[window["followup_day"] <= scenario.horizon_days], scenario


def test_followup_on_the_screening_day_is_the_screening_utility(respondents):
    frame, scenario = respondents
    same_day = frame.assign(followup_day=frame["arrival_day"])
    utility = utility_at_followup(same_day, scenario)
    tiers = dict(scenario.outcomes.baseline_utility)
    expected = frame["need_tier"].astype(str).map(tiers)
    assert np.allclose(utility.to_numpy(), expected.to_numpy())


def test_treatment_raises_followup_utility(respondents):
    """Clients whose treatment acted before follow-up are better off than the same clients had
    it not acted: the logic model's gain, checked on the records."""
    frame, scenario = respondents
    helped = utility_at_followup(frame, scenario)
    untreated = frame.assign(pathway="none", external_start_day=np.nan,
                             self_help_start_day=np.nan)
    assert (helped >= utility_at_followup(untreated, scenario) - 1e-12).all()
    assert (helped > utility_at_followup(untreated, scenario)).any()


def test_shift_reproduces_the_wanted_followup_mean(respondents):
    frame, scenario = respondents
    shift = screening_utility_shift([(frame, scenario)], 0.70)
    mean = float(utility_at_followup(frame, scenario, shift).mean())
    assert mean == pytest.approx(0.70, abs=1e-5)
    # linear while no cap binds: the shift equals the gap
    gap = 0.70 - float(utility_at_followup(frame, scenario).mean())
    assert shift == pytest.approx(gap, abs=1e-4)


def test_shift_needs_respondents(respondents):
    _, scenario = respondents
    with pytest.raises(ValueError, match="no follow-up respondents"):
        screening_utility_shift([(pd.DataFrame(), scenario)], 0.7)
