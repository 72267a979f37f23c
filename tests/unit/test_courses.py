"""Caseload slots and courses (``hubsim.model.courses``): courses pause while staffed slots are
short, their clocks stop while paused, the pause and tie rules, the closure, and active slot-days.

The pools are driven by hand with SimPy processes acting at exact times (binary fractions of a
day, so every time is exact in floating point), a fixed one-day session interval and no DNAs or
drop-out unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

from hubsim.model.arrivals import all_arrivals
from hubsim.model.courses import (
    BREACH_PRIORITY,
    ENDED_BY_CLOSURE,
    CoursePool,
    _AdjustableResource,
    _BisectQueue,
    _Uniforms,
)
from hubsim.model.pathway import HubModel
from hubsim.model.population import sample_all
from hubsim.model.records import ClientLog
from hubsim.model.rng import Streams
from hubsim.scenario.loader import build
from hubsim.scenario.schema import PATHWAYS, Course

PLANNED = 4  # sessions of a course unless a test says otherwise
SEED = 7


def course_spec(**therapy: Any) -> Course:
    """The therapy course of a scenario with a fixed one-day interval, no DNA or drop-out."""
    layers = {"therapy": {"session_interval_days": 1.0, "dna_probability": 0.0,
                          "dropout_per_session": 0.0, **therapy}}
    return build(layers, None, "courses test").therapy


class Bookings:
    """Stands in for a ``ClientLog`` count array and notes when each client's count rises, so a
    test sees the day of every appointment booked."""

    def __init__(self, env: simpy.Environment, n: int) -> None:
        self.env = env
        self.counts = np.zeros(n, dtype=np.int64)
        self.days: dict[int, list[float]] = {i: [] for i in range(n)}

    def __getitem__(self, client: int) -> np.int64:
        return self.counts[client]

    def __setitem__(self, client: int, value: int) -> None:
        self.counts[client] = value
        self.days[client].append(self.env.now)


def logged(env: simpy.Environment, n: int) -> tuple[ClientLog, Bookings, Bookings]:
    log = ClientLog(n)
    attended, missed = Bookings(env, n), Bookings(env, n)
    log.sessions_attended, log.sessions_missed = attended, missed  # type: ignore[assignment]
    return log, attended, missed


def client(
    pool: CoursePool, log: ClientLog, i: int, join_day: float, seen: dict[str, Any],
    planned: int = PLANNED, seed: int = 0,
) -> Generator[simpy.Event, Any, None]:
    """A client as ``HubModel`` drives one: join the list, run the course, free the slot."""
    env = pool.env
    yield env.timeout(join_day)
    request = pool.resource.request(priority=0)
    yield request
    seen[f"start{i}"] = env.now
    try:
        seen[f"reason{i}"] = yield from pool.sessions(i, planned, seed, log)
    finally:
        pool.resource.release(request)
    seen[f"end{i}"] = env.now


def staffing(pool: CoursePool, *steps: tuple[float, int]) -> Generator[simpy.Event, Any, None]:
    """Set the pool's staffed slots to ``slots`` at each ``(day, slots)``."""
    for day, slots in steps:
        yield pool.env.timeout(day - pool.env.now)
        pool.set_capacity(slots)


def run_pool(
    slots: int, joins: list[float], steps: list[tuple[float, int]], planned: int = PLANNED,
    course: Course | None = None, until: float | None = None,
) -> tuple[CoursePool, dict[str, Any], Bookings, Bookings]:
    env = simpy.Environment()
    pool = CoursePool(env, slots, course or course_spec())
    log, attended, missed = logged(env, len(joins))
    seen: dict[str, Any] = {}
    for i, day in enumerate(joins):
        env.process(client(pool, log, i, day, seen, planned, seed=i))
    env.process(staffing(pool, *steps))
    env.run(until=until)
    return pool, seen, attended, missed


def test_a_course_books_nothing_while_paused_and_its_clock_stops():
    """One slot, unstaffed from day 1.5 to 4.5: the interval booked at day 1 has half a day left
    when it is frozen, and runs it out after the pause, so the next appointment is at day 5 (not
    2) and the course ends three days late, at day 7."""
    pool, seen, attended, _ = run_pool(1, [0.0], [(1.5, 0), (4.5, 1)])
    assert attended.days[0] == [0.0, 1.0, 5.0, 6.0]
    assert seen["reason0"] == "completed" and seen["end0"] == 7.0


def test_without_a_fall_in_staff_nothing_pauses():
    """The contrast that makes the test above meaningful: the same course, always staffed."""
    pool, seen, attended, _ = run_pool(1, [0.0], [])
    assert attended.days[0] == [0.0, 1.0, 2.0, 3.0]
    assert seen["end0"] == 4.0


def test_the_latest_started_course_pauses_first_and_the_earliest_resumes_first():
    """Three slots, courses A, B, C started at days 0, 0.25 and 0.5 (4 sessions). At day 1.125
    two slots go: B and C pause (A, the earliest, carries on). At day 2.125 one slot comes back:
    B resumes, C stays paused until A ends (day 4) frees a staffed slot."""
    pool, seen, attended, _ = run_pool(3, [0.0, 0.25, 0.5], [(1.125, 1), (2.125, 2)])
    assert attended.days[0] == [0.0, 1.0, 2.0, 3.0]  # A never paused
    # B: paused at 1.125 with 0.125 of the interval booked at 0.25 left; resumed at 2.125
    assert attended.days[1] == [0.25, 2.25, 3.25, 4.25]
    # C: paused at 1.125 with 0.375 left; resumes at day 4 when A's course ends
    assert attended.days[2] == [0.5, 4.375, 5.375, 6.375]


def test_pausing_draws_nothing_from_the_clients_stream():
    """With random DNAs, drop-out and intervals, a course paused for 10 days books the same
    appointments, attended or missed, and ends for the same reason as the course never paused:
    only its days move."""
    spec = course_spec(dna_probability=0.3, dropout_per_session=0.1, max_consecutive_dna=2,
                       session_interval_days={"dist": "exponential", "mean": 1.0})
    for seed in range(20):
        runs = []
        for steps in ([], [(2.0, 0), (12.0, 1)]):
            env = simpy.Environment()
            pool = CoursePool(env, 1, spec)
            log, attended, missed = logged(env, 1)
            seen: dict[str, Any] = {}
            env.process(client(pool, log, 0, 0.0, seen, planned=8, seed=seed))
            env.process(staffing(pool, *steps))
            env.run()
            runs.append((attended.counts[0], missed.counts[0], seen["reason0"],
                         len(attended.days[0]) + len(missed.days[0])))
        assert runs[0] == runs[1], f"seed {seed}"


def test_a_paused_course_resumes_before_a_waiting_client_is_admitted():
    """Tie rule. Two slots: A starts at day 0 (3 sessions, ends day 3), B at day 0.5 (long). At
    day 1.25 one slot goes: B pauses. W joins the list at day 2. A's end at day 3 frees a slot
    that is not staffed for a newcomer: B resumes, W keeps waiting. W starts only when the second
    slot is staffed again, at day 6."""
    env = simpy.Environment()
    pool = CoursePool(env, 2, course_spec())
    log, attended, _ = logged(env, 3)
    seen: dict[str, Any] = {}
    env.process(client(pool, log, 0, 0.0, seen, planned=3))
    env.process(client(pool, log, 1, 0.5, seen, planned=10))
    env.process(client(pool, log, 2, 2.0, seen, planned=1))
    env.process(staffing(pool, (1.25, 1), (6.0, 2)))
    env.run(until=6.5)
    assert seen["end0"] == 3.0
    # B: paused at 1.25 with 0.25 of the interval booked at day 0.5 left; resumed at day 3
    assert attended.days[1][:3] == [0.5, 3.25, 4.25]
    assert seen["start2"] == 6.0, "W was admitted while B, holding a slot, was paused"


def test_a_slot_staffed_again_goes_to_the_paused_course_not_the_waiting_client():
    """One slot staffed of two occupied (B paused at day 0.75) and W waiting: a slot staffed
    again at day 2.5 resumes B (its next appointment after the 0.75 day left of its interval, at
    day 3.25) and W still waits."""
    env = simpy.Environment()
    pool = CoursePool(env, 2, course_spec())
    log, attended, _ = logged(env, 3)
    seen: dict[str, Any] = {}
    for i, (day, planned) in enumerate([(0.0, 10), (0.5, 10), (1.0, 1)]):
        env.process(client(pool, log, i, day, seen, planned=planned))
    env.process(staffing(pool, (0.75, 1), (2.5, 2)))
    env.run(until=5.0)
    assert pool.paused == 0 and pool.active == 2
    assert attended.days[1][:2] == [0.5, 3.25]
    assert "start2" not in seen


def test_closure_ends_every_course_at_once_and_admits_nobody():
    """Two slots, A active and B paused (one slot staffed), W waiting, the pool closes at day
    2.5: A and B end at that instant without booking again; W is never admitted."""
    env = simpy.Environment()
    pool = CoursePool(env, 2, course_spec())
    log, attended, _ = logged(env, 3)
    seen: dict[str, Any] = {}
    for i, day in enumerate([0.0, 0.5, 1.0]):
        env.process(client(pool, log, i, day, seen, planned=10))
    env.process(staffing(pool, (0.75, 1)))

    def close() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(2.5)
        pool.close()
        pool.set_capacity(2)  # staff changes after the closure staff nothing

    env.process(close())
    env.run(until=10.0)
    assert seen["reason0"] == seen["reason1"] == ENDED_BY_CLOSURE
    assert seen["end0"] == seen["end1"] == 2.5
    assert max(attended.days[0] + attended.days[1]) < 2.5
    assert "start2" not in seen
    assert pool.capacity == 0 and pool.in_use == 0


def test_active_slot_days_never_exceed_staffed_ones():
    """Two slots, two long courses from day 0; one slot unstaffed from day 2 to day 5. Over
    [0, 8]: staffed 2 x 8 - 3 = 13 slot-days, active the same (always a course to fill a staffed
    slot), occupied 16: the older measure (occupied over max(staffed, occupied)) said 100%."""
    pool, *_ = run_pool(2, [0.0, 0.0], [(2.0, 1), (5.0, 2)], planned=20, until=8.0)
    assert pool.usage(0.0, 8.0) == (13.0, 13.0)
    assert pool.staffed_slot_days(1.0, 3.0) == 3.0  # window cuts the steps


def test_active_slot_days_count_only_courses_under_way():
    """Three staffed slots, one course from day 1 to day 5 (4 sessions): 4 active slot-days of
    3 x 6 = 18 staffed within [0, 6]."""
    pool, *_ = run_pool(3, [1.0], [], until=6.0)
    assert pool.usage(0.0, 6.0) == (4.0, 18.0)


@pytest.mark.parametrize("drop_at, booked", [(1.0, [0.0, 3.0]), (1.5, [0.0, 1.0, 3.5])])
def test_a_pause_at_the_end_of_an_interval_postpones_the_next_appointment(drop_at, booked):
    """Staff away from ``drop_at`` to day 3. A pause at the instant an interval runs out (day 1)
    counts that interval as delivered and postpones the next appointment to the return (day 3);
    a pause within an interval (day 1.5, half a day left) runs the rest out after the return."""
    _, _, attended, _ = run_pool(1, [0.0], [(drop_at, 0), (3.0, 1)], until=3.75)
    assert attended.days[0] == booked


def _occupied_slot_days(log: ClientLog, pathway: str, lo: float, hi: float) -> float:
    """Slot-days held within [lo, hi] by clients who started a ``pathway`` course (records)."""
    rows = (log.pathway == PATHWAYS.index(pathway)) & ~np.isnan(log.course_start_day)
    start = np.maximum(log.course_start_day[rows], lo)
    end = np.minimum(np.nan_to_num(log.exit_day[rows], nan=hi), hi)
    return float(np.clip(end - start, 0.0, None).sum())


@pytest.mark.parametrize("steady", [True, False])
def test_active_slot_days_are_the_occupied_ones_unless_staff_are_away(steady):
    """A 120-day run of the registry defaults: with no leave, sickness or turnover no course
    pauses and the pool's active slot-days equal the slot-days the records show occupied; with
    them, fewer (and never more than the staffed slot-days)."""
    staff = {"annual_leave_days": 0, "sickness_absence_pct": 0, "attrition_per_year": 0}
    layers = {"horizon_days": 120, "arrivals": {"per_week": 25},
              "staff": {"therapists": staff if steady else {}}}
    scenario = build(layers, None, "slot-days test")
    streams = Streams(SEED, 0, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    model = HubModel(scenario, sample_all(scenario, streams, days, profile), streams)
    model.run()
    lo, hi = scenario.warmup_days, scenario.horizon_days
    active, staffed = model.therapy.usage(lo, hi)
    occupied = _occupied_slot_days(model.log, "hub_therapy", lo, hi)
    assert active <= staffed
    if steady:
        assert active == pytest.approx(occupied, rel=1e-12)
    else:
        assert active < occupied


# ---------------------------------------------------------------- the SimPy behaviour relied on


def test_the_waiting_list_keeps_simpys_order_priority_then_time_then_arrival():
    """Requests inserted by bisection come out as SimPy's re-sorted ``SortedQueue`` puts them."""
    env = simpy.Environment()
    ours = _AdjustableResource(env, capacity=1)
    simpys = simpy.PriorityResource(env, capacity=1)
    assert isinstance(ours.put_queue, _BisectQueue)
    order: dict[str, list[int]] = {"ours": [], "simpys": []}

    def client(resource: simpy.PriorityResource, who: int, priority: int, delay: float,
               name: str) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(delay)
        with resource.request(priority=priority) as request:
            yield request
            order[name].append(who)
            yield env.timeout(1.0)

    rng = np.random.default_rng(SEED)
    for who in range(60):
        priority, delay = int(rng.integers(-1, 2)), float(rng.integers(0, 4)) / 4
        env.process(client(ours, who, priority, delay, "ours"))
        env.process(client(simpys, who, priority, delay, "simpys"))
    env.run()
    assert order["ours"] == order["simpys"]
    assert sorted(order["ours"]) == list(range(60))


def test_simpy_grants_a_released_slot_through_trigger_put_and_reads_capacity_from_capacity():
    """``set_capacity`` sets SimPy's private ``_capacity`` and grants through ``_trigger_put``
    and ``_do_put``; a release grants the next request through ``_trigger_put`` (pinned in
    ``pyproject.toml``: these are SimPy internals)."""
    env = simpy.Environment()
    resource = _AdjustableResource(env, capacity=1)
    first, second, third = (resource.request(priority=0) for _ in range(3))
    assert first.triggered and not second.triggered
    resource.set_capacity(2)
    assert resource.capacity == 2 and second.triggered and not third.triggered
    resource.set_capacity(0)  # a fall never preempts a user
    assert resource.count == 2
    resource.release(first)
    assert not third.triggered and resource.count == 1
    resource.set_capacity(2)
    assert third.triggered and list(resource.queue) == []


def test_a_freed_slot_goes_to_the_first_client_waiting_before_now_whatever_the_priorities():
    env = simpy.Environment()
    resource = _AdjustableResource(env, capacity=1)
    holder = resource.request(priority=1)
    early = [resource.request(priority=1) for _ in range(2)]
    env.run(until=1.0)
    late = resource.request(priority=BREACH_PRIORITY)  # ahead in the queue, but joins now
    resource.release(holder)  # granted when SimPy processes the release, still at day 1
    env.run(until=1.5)
    assert early[0].triggered and not early[1].triggered and not late.triggered
    env.run(until=2.0)
    resource.set_capacity(3)
    assert late.triggered and early[1].triggered


def test_a_full_bisect_queue_refuses_a_request_as_simpys_does():
    env = simpy.Environment()
    queue = _BisectQueue(maxlen=1)
    resource = simpy.PriorityResource(env, capacity=1)
    queue.append(resource.request(priority=0))
    with pytest.raises(RuntimeError, match="full"):
        queue.append(resource.request(priority=0))


@pytest.mark.parametrize("block", [1, 3, 8])
def test_uniforms_drawn_in_blocks_are_the_draws_of_one_call_each(block: int):
    """PCG64 (``default_rng``) draws a block of doubles as it draws them one by one, so a
    client's DNA and drop-out draws are the same numbers, in the same order, taken in blocks."""
    one_by_one = np.random.default_rng(SEED)
    uniforms = _Uniforms(np.random.default_rng(SEED), block)
    assert [uniforms() for _ in range(20)] == [one_by_one.random() for _ in range(20)]
