"""Staff timelines: funded WTE, recruitment lag, attrition, absence spells."""

import math

import numpy as np
import pytest
import simpy

from hubsim.model.calendar import bank_holiday_days
from hubsim.model.capacity import HubCapacity
from hubsim.model.rng import Streams
from hubsim.model.staff_timeline import role_timeline
from hubsim.scenario.loader import build
from hubsim.scenario.units import DAYS_PER_YEAR

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


# ------------------------------------------------------------------ posts, leave and sickness

ENTITLEMENT_DAYS = 27.0  # 5 weeks and a 2-day spell


def _leave_role(calendar="weekdays", horizon=6 * 365.25, **role):
    layers = {"horizon_days": horizon, "calendar": calendar,
              "staff": {"therapists": {**NO_CHURN, "annual_leave_days": ENTITLEMENT_DAYS,
                                       **role}}}
    scenario = build(layers, None, "test")
    return scenario, role_timeline("therapists", scenario.staff.therapists, scenario,
                                   np.random.default_rng(7))


def _leave_years(spell):
    """(start, end) of each whole leave year of a spell that starts in post at its start."""
    k = 0
    while spell.start + (k + 1) * DAYS_PER_YEAR <= spell.end:
        yield spell.start + k * DAYS_PER_YEAR, spell.start + (k + 1) * DAYS_PER_YEAR
        k += 1


def test_borrowed_staff_above_one_wte_are_several_posts_of_at_most_one():
    scenario = _scenario(wte=1.0, borrowed=[{"from": "2020-06-30", "to": "2020-07-30",
                                             "wte": 3.5}])
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(1))
    loans = [s for s in timeline.spells if s.start > 0]
    assert sorted(s.wte for s in loans) == [0.5, 1.0, 1.0, 1.0]
    assert len({s.post for s in timeline.spells}) == len(timeline.spells)


def test_leave_per_full_leave_year_is_the_entitlement_in_working_days():
    """Weekday calendar: working days of leave (Monday to Friday, not bank holidays) in each
    whole leave year of each post-holder equal ``annual_leave_days`` exactly."""
    scenario, timeline = _leave_role(wte=20.0)
    start = np.datetime64(scenario.start_date, "D")
    bank = {start + d for d in bank_holiday_days(scenario.start_date, scenario.horizon_days)}
    checked = 0
    for spell in timeline.spells:
        for lo, hi in _leave_years(spell):
            taken = sum(min(b, d0 + 1) - max(a, d0) for a, b in spell.leave if lo <= a < hi
                        for d0 in range(math.floor(a), math.ceil(b))
                        if np.is_busday(start + d0) and start + d0 not in bank)
            assert taken == pytest.approx(ENTITLEMENT_DAYS, abs=1e-9)
            checked += 1
    assert checked >= 20 * 5


def test_leave_per_full_leave_year_on_a_continuous_calendar_is_seven_fifths_of_it():
    _, timeline = _leave_role(calendar="continuous", wte=5.0)
    for spell in timeline.spells:
        for lo, hi in _leave_years(spell):
            days = sum(b - a for a, b in spell.leave if lo <= a < hi)
            assert days == pytest.approx(ENTITLEMENT_DAYS * 7 / 5, abs=1e-9)


def test_leave_comes_as_whole_weeks_and_one_shorter_spell_that_never_overlap():
    _, timeline = _leave_role(wte=10.0, attrition_per_year=0.5, replacement_lag_days=30)
    for spell in timeline.spells:
        leave = sorted(spell.leave)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(leave, leave[1:], strict=False))
        for lo, hi in _leave_years(spell):
            lengths = sorted(b - a for a, b in leave if lo <= a < hi)
            # Monday and Tuesday (a day or two longer over bank holidays), then five weeks
            assert 2.0 <= lengths[0] <= 4.0 and len(lengths) == 6
            assert all(7.0 <= x <= 10.0 for x in lengths[1:])


def test_sickness_takes_its_share_of_time_in_the_long_run():
    """Renewal process: share of time sick -> ``sickness_absence_pct``. 200 posts x 10 years,
    mean cycle 10 / 0.056 = 179 days: ~4,000 cycles; the share's standard error is about 2%
    of its value (spell and well-stretch variance), so a 10% relative tolerance is ~5 sd."""
    layers = {"horizon_days": 3652.5, "staff": {"therapists": {
        **NO_CHURN, "wte": 200.0, "sickness_absence_pct": 5.6}}}
    scenario = build(layers, None, "test")
    timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                             np.random.default_rng(11))
    sick = sum(b - a for s in timeline.spells for a, b in s.sickness)
    share = sick / sum(s.end - s.start for s in timeline.spells)
    assert share == pytest.approx(0.056, rel=0.10)


def test_draws_before_the_horizon_do_not_depend_on_it():
    """Horizon H and 2H: every post-holder spell, leave and sickness spell starting before H
    agrees (clipped at H), with attrition, changes of funding and loans."""
    role = {"wte": 6.5, "attrition_per_year": 0.3, "replacement_lag_days": 40,
            "annual_leave_days": ENTITLEMENT_DAYS, "sickness_absence_pct": 5.6,
            "changes": [{"from": "2020-09-01", "wte": 8.0}, {"from": "2021-03-01", "wte": 4.0}],
            "borrowed": [{"from": "2020-05-01", "to": "2022-12-01", "wte": 2.5}]}
    horizon = 500.0

    def timeline(h):
        scenario = build({"horizon_days": h, "staff": {"therapists": role}}, None, "test")
        drawn = role_timeline("therapists", scenario.staff.therapists, scenario,
                              np.random.default_rng(2024))

        def clip(xs):
            return tuple((a, min(b, horizon)) for a, b in xs if a < horizon)
        return sorted((s.post, s.wte, s.start, min(s.end, horizon), clip(s.leave),
                       clip(s.sickness)) for s in drawn.spells if s.start < horizon)

    short, long = timeline(horizon), timeline(2 * horizon)
    assert len(short) > 10 and short == long


def test_share_zero_switches_redeployment_off_and_short_sickness_spells_are_refused():
    scenario = _scenario(redeploy={"share": 0, "when_backlog_above": 0})
    env = simpy.Environment()
    capacity = HubCapacity(env, scenario, Streams(0, 0))
    servers = len(capacity.triage.calendars)
    capacity.start_redeployment(lambda: 10**6)  # a backlog far above the threshold every week
    env.run(until=60)
    assert capacity.redeployed_weeks == 0 and len(capacity.triage.calendars) == servers
    with pytest.raises(Exception, match="sickness_spell_days"):
        _scenario(sickness_absence_pct=50, sickness_spell_days=0.01)
    assert _scenario(sickness_absence_pct=0, sickness_spell_days=0.01)  # no sickness: any spell
