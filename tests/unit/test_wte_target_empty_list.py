"""A staffing target on a list's share waiting 18 weeks or less: an empty list meets it."""

import numpy as np

from hubsim.experiments.wte_target import parse_target


def test_an_empty_list_meets_the_18_week_standard():
    target = parse_target("therapy_waiting_under_18w_pct_end >= 92")
    met = target.met(np.array([np.nan, 95.0, 80.0]))  # empty list, 95%, 80%
    assert met.tolist() == [True, True, False]
    hub = parse_target("gm:therapy_waiting_under_18w_pct_end >= 92")
    assert hub.met(np.array([np.nan])).tolist() == [True]


def test_other_blank_kpis_never_meet_a_target():
    target = parse_target("therapy_wait_days_median <= 40")
    assert target.met(np.array([np.nan, 30.0])).tolist() == [False, True]
