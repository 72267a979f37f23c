"""Unit tests for hubsim.model.triage: which clinician a waiting call goes to, and when."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
import simpy

from hubsim.model.calendar import WorkCalendar
from hubsim.model.triage import FIRST_ATTEMPT_PRIORITY, TriagePool

H = 1 / 24  # one hour in days
MONDAY = 0
OPEN = 9.0
ABS = 1e-9  # days: float rounding only


def _run_overtaking_case(absent_from_three: bool = False) -> dict[str, float]:
    """Two clinicians from 09:00 on weekdays: W whole-time (8 h), P part-time (4 h, to 13:00).

    X calls at 09:00 on Monday for 6 hours (W takes it: both free, W first); Y asks at 14:00 for
    30 minutes, when only P is free but P's day has ended (P could start Tuesday 09:00) while W is
    free at 15:00; Z asks at 15:30 for 30 minutes. If W is absent from 15:00 (``absent_from_three``)
    waiting for W would be wrong: Y goes to P on Tuesday.
    """
    env = simpy.Environment()
    blocked = [(15 * H, 8.0)] if absent_from_three else []
    whole = WorkCalendar(False, MONDAY, OPEN, 8.0, blocked=blocked)
    part = WorkCalendar(False, MONDAY, OPEN, 4.0)
    pool = TriagePool(env, [whole, part])
    starts: dict[str, float] = {}

    def client(name: str, at: float, minutes: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(at)
        starts[name] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, minutes)

    env.process(client("X", 9 * H, 360.0))
    env.process(client("Y", 14 * H, 30.0))
    env.process(client("Z", 15.5 * H, 30.0))
    env.run()
    return starts


def test_a_call_waits_for_a_busy_clinician_free_sooner_than_an_idle_one_can_start() -> None:
    """Before the rule Y was given to P for Tuesday 09:00 and Z, asking later, was called at
    15:30 on Monday: Y overtaken by 17.5 hours."""
    starts = _run_overtaking_case()
    assert starts["X"] == pytest.approx(9 * H, abs=ABS)
    assert starts["Y"] == pytest.approx(15 * H, abs=ABS)  # W's release dispatches Y
    assert starts["Y"] <= starts["Z"] == pytest.approx(15.5 * H, abs=ABS)


def test_a_call_does_not_wait_for_a_clinician_who_will_then_be_absent() -> None:
    starts = _run_overtaking_case(absent_from_three=True)
    assert starts["Y"] == pytest.approx(1 + OPEN * H, abs=ABS)  # P on Tuesday at 09:00
    assert starts["Y"] <= starts["Z"]


def _calls(calendars: list[WorkCalendar], asks: list[tuple[float, float]]
           ) -> tuple[TriagePool, list[tuple[int, float]]]:
    """Calls of (day asked, minutes) made one by one to a pool of ``calendars``; returns the
    pool and, per call, (server, start day)."""
    env = simpy.Environment()
    pool = TriagePool(env, calendars)
    given: list[tuple[int, float]] = []

    def client(at: float, minutes: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(at)
        event = pool.request(FIRST_ATTEMPT_PRIORITY, minutes)
        server, start = yield event
        given.append((server, start))
        yield env.timeout(pool._busy_until[server] - env.now)
        pool.release(server)

    for at, minutes in asks:
        env.process(client(at, minutes))
    env.run()
    return pool, given


def test_a_leaver_is_dropped_from_the_idle_list_and_never_given_a_call() -> None:
    """Server 0 leaves post at the end of Monday: a call on Tuesday goes to server 1, and the
    leaver is out of the idle list from then on."""
    leaver = WorkCalendar(False, MONDAY, OPEN, 8.0, allowed=[(0.0, 1.0)])
    stayer = WorkCalendar(False, MONDAY, OPEN, 8.0)
    pool, given = _calls([leaver, stayer], [(9 * H, 30.0), (1 + 10 * H, 30.0)])
    assert given[0] == (0, pytest.approx(9 * H, abs=ABS))
    assert given[1] == (1, pytest.approx(1 + 10 * H, abs=ABS))
    assert pool._idle == [1]


def test_of_clinicians_free_now_the_lowest_index_takes_the_call() -> None:
    """Servers 0 and 1 are busy, 2 and 3 free: the call goes to 2; once 0 is free, to 0."""
    calendars = [WorkCalendar(False, MONDAY, OPEN, 8.0) for _ in range(4)]
    asks = [(9 * H, 120.0), (9 * H, 120.0), (10 * H, 30.0), (11.5 * H, 30.0)]
    _, given = _calls(calendars, asks)
    assert [server for server, _ in given] == [0, 1, 2, 0]


def test_an_absent_clinician_is_skipped_until_back_and_the_idle_list_stays_in_order() -> None:
    """Server 0 is absent on Monday: a Monday call goes to 1, a Tuesday call back to 0."""
    absent = WorkCalendar(False, MONDAY, OPEN, 8.0, blocked=[(0.0, 1.0)])
    present = WorkCalendar(False, MONDAY, OPEN, 8.0)
    pool, given = _calls([absent, present], [(9 * H, 30.0), (1 + 9 * H, 30.0)])
    assert [server for server, _ in given] == [1, 0]
    assert pool._idle == [0, 1]
