"""Unit tests for hubsim.model.calendar (working-time arithmetic)."""

from __future__ import annotations

import calendar as stdcal
import datetime as dt

import numpy as np
import pytest

from hubsim.model.calendar import WorkCalendar, bank_holiday_days
from hubsim.model.staff_timeline import role_timeline
from hubsim.model.triage import closed_days, triage_calendars
from hubsim.scenario.units import MINUTES_PER_DAY

WEDNESDAY = stdcal.WEDNESDAY  # weekday of 2020-04-01, simulation day 0 in the baseline
HOURS = 4.5  # 22.5 clinical hours a week / 5 days (the registry default)
OPEN = 9.0
H = 1 / 24  # one hour in days
ABS = 1e-9  # days (~0.1 ms): float rounding only


@pytest.fixture
def weekdays() -> WorkCalendar:
    return WorkCalendar(False, start_weekday=WEDNESDAY, open_hour=OPEN, hours_per_day=HOURS)


def test_baseline_day_zero_is_a_wednesday(baseline) -> None:
    assert baseline.start_date.weekday() == WEDNESDAY


def test_working_days_follow_the_start_weekday(weekdays: WorkCalendar) -> None:
    # day 0 Wed, 1 Thu, 2 Fri, 3 Sat, 4 Sun, 5 Mon, 6 Tue, 7 Wed
    assert [weekdays.is_working_day(d) for d in range(8)] == [
        True, True, True, False, False, True, True, True,
    ]


def test_next_open_on_saturday_goes_to_monday_nine(weekdays: WorkCalendar) -> None:
    saturday_noon = 3 + 12 * H
    assert weekdays.next_open(saturday_noon) == pytest.approx(5 + OPEN * H, abs=ABS)


def test_next_open_after_friday_close_goes_to_monday_nine(weekdays: WorkCalendar) -> None:
    friday_evening = 2 + 18 * H
    assert weekdays.next_open(friday_evening) == pytest.approx(5 + OPEN * H, abs=ABS)


def test_next_open_at_window_close_goes_to_next_day(weekdays: WorkCalendar) -> None:
    wednesday_close = (OPEN + HOURS) * H
    assert weekdays.next_open(wednesday_close) == pytest.approx(1 + OPEN * H, abs=ABS)


def test_next_open_before_opening_and_inside_window(weekdays: WorkCalendar) -> None:
    assert weekdays.next_open(1 + 3 * H) == pytest.approx(1 + OPEN * H, abs=ABS)
    inside = 1 + 10 * H
    assert weekdays.next_open(inside) == inside


def test_add_work_within_a_window(weekdays: WorkCalendar) -> None:
    assert weekdays.add_work(10 * H, 60) == pytest.approx(11 * H, abs=ABS)


def test_add_work_exactly_filling_a_window_ends_at_its_close(weekdays: WorkCalendar) -> None:
    assert weekdays.add_work(OPEN * H, HOURS * 60) == pytest.approx((OPEN + HOURS) * H, abs=ABS)


def test_add_work_across_window_end_resumes_next_working_day(weekdays: WorkCalendar) -> None:
    # Wednesday 13:00, window closes 13:30: 30 minutes today, 30 more from Thursday 09:00
    assert weekdays.add_work(13 * H, 60) == pytest.approx(1 + 9.5 * H, abs=ABS)


def test_add_work_across_friday_resumes_monday(weekdays: WorkCalendar) -> None:
    assert weekdays.add_work(2 + 13 * H, 60) == pytest.approx(5 + 9.5 * H, abs=ABS)


def test_add_work_started_out_of_hours_starts_at_next_opening(weekdays: WorkCalendar) -> None:
    assert weekdays.add_work(3 + 12 * H, 30) == pytest.approx(5 + 9.5 * H, abs=ABS)


def test_add_work_over_several_windows(weekdays: WorkCalendar) -> None:
    # 3 full windows (4.5 h each) from Wednesday 09:00 use Wed, Thu, Fri: ends Friday 13:30;
    # one more minute goes to Monday
    three = 3 * HOURS * 60
    assert weekdays.add_work(OPEN * H, three) == pytest.approx(2 + 13.5 * H, abs=ABS)
    assert weekdays.add_work(OPEN * H, three + 1) == pytest.approx(
        5 + OPEN * H + 1 / MINUTES_PER_DAY, abs=ABS
    )


def test_add_work_is_consistent_with_work_minutes_between(weekdays: WorkCalendar) -> None:
    for start in (0.0, 0.4, 2.55, 3.2, 6.9):
        for minutes in (1.0, 90.0, 270.0, 1000.0):
            end = weekdays.add_work(start, minutes)
            assert weekdays.work_minutes_between(start, end) == pytest.approx(minutes, abs=1e-6)


@pytest.mark.parametrize("start", [0.0, 0.3, 2.99, 3.5, 4.2, 5.375, 11.0])
def test_a_whole_week_has_five_windows(weekdays: WorkCalendar, start: float) -> None:
    assert weekdays.work_minutes_between(start, start + 7) == pytest.approx(5 * HOURS * 60)


def test_work_minutes_between_weekend_is_zero(weekdays: WorkCalendar) -> None:
    assert weekdays.work_minutes_between(3.0, 5.0) == 0.0  # Saturday 00:00 to Monday 00:00
    assert weekdays.work_minutes_between(5.0, 3.0) == 0.0  # reversed interval


def test_work_minutes_between_partial_window(weekdays: WorkCalendar) -> None:
    assert weekdays.work_minutes_between(10 * H, 12 * H) == pytest.approx(120)
    assert weekdays.work_minutes_between(0.0, 1.0) == pytest.approx(HOURS * 60)


def test_continuous_calendar_is_identity_arithmetic() -> None:
    cal = WorkCalendar(True, start_weekday=WEDNESDAY)
    for t in (0.0, 3.25, 4.999, 123.4):  # Saturday and Sunday included
        assert cal.is_working_day(int(t))
        assert cal.next_open(t) == t
        assert cal.add_work(t, 90) == pytest.approx(t + 90 / MINUTES_PER_DAY, abs=1e-12)
        assert cal.work_minutes_between(t, t + 2.5) == pytest.approx(2.5 * MINUTES_PER_DAY)


@pytest.mark.parametrize(("open_hour", "hours"), [(9.0, 0.0), (9.0, 16.0), (20.0, 5.0)])
def test_impossible_window_is_rejected(open_hour: float, hours: float) -> None:
    with pytest.raises(ValueError, match="hours_per_day"):
        WorkCalendar(False, open_hour=open_hour, hours_per_day=hours)


def test_a_window_too_short_to_hold_work_is_rejected() -> None:
    with pytest.raises(ValueError, match="too short"):
        WorkCalendar(False, open_hour=OPEN, hours_per_day=1e-9)  # 3.6 us a day


@pytest.mark.parametrize("continuous", [False, True])
def test_an_absence_without_end_means_no_work_ever_after_it(continuous: bool) -> None:
    """No end to the absence and no end to the post: the search for the next opening must stop
    (it used to build empty half-years for ever) and say never."""
    cal = WorkCalendar(continuous, start_weekday=WEDNESDAY, open_hour=OPEN, hours_per_day=HOURS,
                       blocked=[(400.0, float("inf"))])
    assert cal.next_open(0.0) == (0.0 if continuous else OPEN * H)
    assert cal.next_open(400.0) == float("inf")
    assert cal.next_open(5000.0) == float("inf")
    before = cal.work_minutes_between(0.0, 400.0)
    assert cal.work_minutes_between(0.0, 10_000.0) == pytest.approx(before)
    assert cal.add_work(399.0, 0.0) <= 400.0


# ------------------------------------------------------------------ bank holidays


def _day(scenario, date: str) -> int:
    return (dt.date.fromisoformat(date) - scenario.start_date).days


def test_bank_holidays_in_england_are_on_their_real_dates(baseline) -> None:
    days = bank_holiday_days(baseline.start_date, baseline.horizon_days)
    expected = ("2020-04-10", "2020-12-28", "2021-04-02", "2021-12-27", "2021-12-28",
                "2022-01-03")  # Good Friday, substitute days for Christmas and New Year
    assert {_day(baseline, d) for d in expected} <= set(days)
    start = np.datetime64(baseline.start_date, "D")
    weekdays = [d for d in days if np.is_busday(start + d)]  # the rest fall at weekends
    assert len(weekdays) == 2 * 8  # two years (April 2020 - March 2022) of 8 a year
    assert all(0 <= d < baseline.horizon_days for d in days)


def test_a_bank_holiday_is_a_closed_day_for_every_triage_clinician(baseline) -> None:
    timeline = role_timeline("triage", baseline.staff.triage, baseline, np.random.default_rng(0))
    calendars = triage_calendars(baseline, timeline)
    good_friday, christmas_sub = _day(baseline, "2021-04-02"), _day(baseline, "2021-12-27")
    for cal in calendars:
        assert not cal.is_working_day(good_friday) and not cal.is_working_day(christmas_sub)
        assert cal.is_working_day(good_friday - 1)  # the Thursday before
        assert cal.work_minutes_between(good_friday, good_friday + 1) == 0.0
    # 23:00 on Christmas Eve 2021 (a Friday): next window 09:00 on Wednesday 29 December
    whole_time = WorkCalendar(False, baseline.start_date.weekday(), OPEN, HOURS,
                              closed_days=closed_days(baseline))
    assert whole_time.next_open(christmas_sub - 3 + 23 * H) == pytest.approx(
        christmas_sub + 2 + OPEN * H, abs=ABS)


def test_a_continuous_calendar_has_no_bank_holidays(baseline) -> None:
    continuous = baseline.model_copy(update={"calendar": "continuous"})
    assert closed_days(continuous) == ()
    cal = WorkCalendar(True, closed_days=[3, 4])
    assert cal.work_minutes_between(3, 5) == 2 * MINUTES_PER_DAY


def test_a_sliver_of_a_post_is_no_server_and_does_not_crash(baseline_path) -> None:
    """A funded WTE a hair above a whole number leaves a last post of 1e-10 WTE: too short a
    daily window to hold any work. It is no server at all, not a crash."""
    import hubsim
    from hubsim.model.calendar import holds_work

    assert not holds_work(False, 4.5e-10) and holds_work(True, 0.0) and holds_work(False, 0.5)
    scenario = hubsim.load_scenario(baseline_path, {"staff.triage.wte": 1.0000000001,
                                                    "horizon_days": 60})
    assert hubsim.simulate(scenario).kpis["clients_triaged"] > 0
