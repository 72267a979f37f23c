"""Staff timelines: funded WTE, recruitment lag, attrition, absence spells."""

import numpy as np
import pytest

from hubsim.loader import build
from hubsim.staffing import role_timeline

NO_CHURN = {  # a role with no randomness in who is in post
    "attrition_per_year": 0.0, "annual_leave_days": 0.0, "sickness_absence_pct": 0.0,
}


def _scenario(**therapists):
    layers = {"horizon_days": 730, "staff": {"therapists": {**NO_CHURN, **therapists}}}
    return build(layers, None, "test")


def test_steady_staff_are_paid_and_available_in_full():
    scenario = _scenario(wte=2.5)
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(1))
    assert timeline.paid_wte_days(0, 730) == pytest.approx(2.5 * 730)
    days, levels = timeline.available_steps(730)
    assert days.tolist() == [0.0] and levels.tolist() == [2.5]


def test_new_posts_start_after_the_recruitment_lag():
    scenario = _scenario(wte=2.0, changes=[{"from": "2021-04-01", "wte": 3.0}],
                         recruitment_lag_days=30)
    change_day = 365  # 2020-04-01 + 365 days
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(1))
    days, levels = timeline.available_steps(730)
    assert levels[np.searchsorted(days, change_day + 29, side="right") - 1] == 2.0
    assert levels[np.searchsorted(days, change_day + 31, side="right") - 1] == 3.0
    # paid: 2 WTE throughout plus 1 WTE from the day the post is filled
    assert timeline.paid_wte_days(0, 730) == pytest.approx(2 * 730 + (730 - change_day - 30))


def test_cuts_take_effect_on_the_date():
    scenario = _scenario(wte=3.0, changes=[{"from": "2021-04-01", "wte": 1.5}])
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(1))
    assert timeline.paid_wte_days(0, 730) == pytest.approx(3 * 365 + 1.5 * 365)


def test_absence_takes_the_stated_share_of_time():
    """Leave (35 working days = 7 weeks a year) plus 5.6% sickness: ~18.7% of calendar time
    absent. Over 200 post-years the sampling error of the share is ~1 point; tolerance 2 points.
    """
    scenario = _scenario(wte=100.0, annual_leave_days=35, sickness_absence_pct=5.6)
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(3))
    days, levels = timeline.available_steps(730)
    widths = np.diff(np.append(days, 730))
    absent = 1 - float(np.sum(levels * widths)) / (100 * 730)
    expected = 7 * 7 / 365.25 + 0.056  # leave weeks (calendar) + sickness share
    assert absent == pytest.approx(expected, abs=0.02)


def test_attrition_leaves_posts_vacant_for_the_replacement_lag():
    """10 leavers per WTE-year would leave posts vacant most of the time with a 60-day lag;
    0 leavers leaves them always filled. Checks direction and rough size (tolerance 5 points)."""
    scenario = _scenario(wte=50.0, attrition_per_year=2.0, replacement_lag_days=60)
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(5))
    filled = timeline.paid_wte_days(0, 730) / (50 * 730)
    # renewal cycle: mean stay 182.6 days then 60 days vacant -> filled ~75%
    assert filled == pytest.approx(182.6 / (182.6 + 60), abs=0.05)


def test_borrowed_staff_are_in_post_between_the_dates_only():
    scenario = _scenario(wte=1.0, borrowed=[{"from": "2020-06-30", "to": "2020-07-30", "wte": 2}])
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(1))
    assert timeline.paid_wte_days(0, 730) == pytest.approx(730 + 2 * 30)
