"""Tie rules for events at the same instant (DESIGN.md section 4).

``hubsim.model.courses``: "a freed slot goes to the first client in the waiting list at the same
instant (SimPy grants the waiting request when the slot is released), before any client who joins
the list at that instant."  ``hubsim.model.triage``: "the queue is ordered by priority, then by the
time the request was made. A client coming back for another call attempt has priority over a
client's first attempt, so at the same instant a returning client is called first."

With fixed durations these ties are not rare (weekday calendars start calls on the hour, fixed
session intervals put discharges on a lattice), and the order alone moves waits a lot. The tests
drive the pools directly with processes that act at exact times, in both event orders within the
instant, then run whole replications with hand-made clients (continuous calendar, fixed
durations) through ``hubsim.simulate``.

The three-client course example used throughout: one slot; H holds it from day 0 for 10 one-day
sessions (until day 10); W joins the list at day 5 and needs 10 sessions; N joins at day 10, the
instant H is discharged, and needs 1 session. Rule: W starts at 10 (waits 5), N at 20 (waits 10),
mean wait 7.5 days. Newcomer first instead: N at 10 (waits 0), W at 11 (waits 6), mean 3.0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import pytest
import simpy

import hubsim
import hubsim.experiments.simulate
from hubsim.model.calendar import WorkCalendar
from hubsim.model.courses import CoursePool
from hubsim.model.records import ClientLog
from hubsim.model.triage import FIRST_ATTEMPT_PRIORITY, RETRY_PRIORITY, TriagePool
from hubsim.scenario.loader import build
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario

MINUTES_PER_DAY = 1440.0
STAFF_DYNAMICS = ("attrition_per_year", "annual_leave_days", "sickness_absence_pct")
LOW, HIGH = NEED_TIERS.index("low"), NEED_TIERS.index("high")
RULE_MEAN_WAIT = (5.0 + 10.0) / 2  # W waits 5, N waits 10
NEWCOMER_FIRST_MEAN_WAIT = (6.0 + 0.0) / 2  # N waits 0, W waits 6


def steady_staff_overrides() -> dict[str, float]:
    """Overrides that switch off staff attrition, leave and sickness in every role (when the
    schema has them), so capacity is exactly what the WTE says for the whole run."""
    staff = build({}, None, "defaults").staff
    return {
        f"staff.{role}.{field}": 0
        for role in type(staff).model_fields
        for field in STAFF_DYNAMICS
        if hasattr(getattr(staff, role), field)
    }


def course_scenario(priority: str = "fifo") -> Scenario:
    """One therapy slot, one-day fixed session interval, no DNA / drop-out, continuous calendar,
    two triage servers and instant, always-successful triage (client draws are replaced)."""
    layers: dict[str, Any] = {
        "name": "tie rule", "hub": "tie", "calendar": "continuous", "horizon_days": 30,
        "warmup_days": 0, "arrivals": {"per_week": 50},
        "triage": {"contact_success": 1.0, "max_attempts": 1, "call_minutes": 0,
                   "admin_minutes": 0, "failed_attempt_minutes": 0},
        "therapy": {"session_interval_days": 1.0, "dna_probability": 0.0,
                    "dropout_per_session": 0.0, "priority": priority, "max_sessions": 30},
        "staff": {"triage": {"wte": 2}, "therapists": {"wte": 1, "caseload_per_wte": 1}},
    }
    return build(layers, steady_staff_overrides(), "tie rule")


# ------------------------------------------------------------------------------ course pool


def _course_client(
    env: simpy.Environment, pool: CoursePool, log: ClientLog, client: int, name: str,
    join: Callable[[], Generator[simpy.Event, Any, None]], planned: int, priority: int,
    seen: dict[str, Any],
) -> Generator[simpy.Event, Any, None]:
    """A client as ``HubModel`` drives one: join the list, hold the slot for the course."""
    yield from join()
    seen[f"{name}_join"] = env.now
    seen[f"{name}_slots_busy_at_join"] = pool.in_use
    request = pool.resource.request(priority=priority)
    yield request
    seen[f"{name}_start"] = env.now
    try:
        yield from pool.sessions(client, planned, seed=client, log=log)
    finally:
        pool.resource.release(request)
    seen[f"{name}_end"] = env.now


def _at(env: simpy.Environment, *steps: float) -> Callable[[], Generator[simpy.Event, Any, None]]:
    """Reach a time through the given timeouts (their scheduling time sets the event order)."""

    def join() -> Generator[simpy.Event, Any, None]:
        for step in steps:
            yield env.timeout(step)

    return join


def run_three_clients(
    order: str, n_priority: int = 0, w_priority: int = 0, plain_simpy: bool = False
) -> dict[str, Any]:
    """H, W and N of the module docstring on a 1-slot ``CoursePool``.

    ``order`` is ``"join_first"`` (N's join event is scheduled at day 0, before H's last session
    timeout, which is scheduled at day 9) or ``"discharge_first"`` (N's last step is scheduled at
    day 9.5, after H's). ``plain_simpy`` swaps the pool's waiting list for a bare
    ``simpy.PriorityResource`` (a reference for the other tie order, independent of hubsim).
    """
    env = simpy.Environment()
    pool = CoursePool(env, 1, course_scenario().therapy)
    if plain_simpy:
        pool.resource = simpy.PriorityResource(env, capacity=1)
    log = ClientLog(3)
    seen: dict[str, Any] = {}
    n_join = _at(env, 10.0) if order == "join_first" else _at(env, 9.5, 0.5)
    clients = [
        ("H", _at(env), 10, 0),
        ("W", _at(env, 5.0), 10, w_priority),
        ("N", n_join, 1, n_priority),
    ]
    for i, (name, join, planned, priority) in enumerate(clients):
        env.process(_course_client(env, pool, log, i, name, join, planned, priority, seen))
    env.run()
    waits = [seen[f"{name}_start"] - seen[f"{name}_join"] for name in ("W", "N")]
    seen["mean_wait"] = sum(waits) / 2
    return seen


@pytest.mark.parametrize("order", ["join_first", "discharge_first"])
def test_freed_slot_goes_to_the_waiting_client_not_the_newcomer(order):
    seen = run_three_clients(order)
    # the intended order within the instant really happened
    assert seen["N_join"] == seen["H_end"] == 10.0
    assert seen["N_slots_busy_at_join"] == (1 if order == "join_first" else 0)
    assert seen["H_start"] == 0.0
    assert seen["W_start"] == 10.0, "the freed slot must go to W, who was waiting"
    assert seen["N_start"] == 20.0
    assert seen["mean_wait"] == pytest.approx(RULE_MEAN_WAIT)


def test_the_course_tie_order_alone_moves_the_mean_wait():
    """Serving the newcomer first (a bare SimPy priority queue with N ahead) gives the other
    order: mean wait 3.0 instead of 7.5 days. So the rule is not cosmetic."""
    rule = run_three_clients("join_first")
    newcomer_first = run_three_clients("join_first", n_priority=-1, plain_simpy=True)
    assert newcomer_first["N_start"] == 10.0 and newcomer_first["W_start"] == 11.0
    assert newcomer_first["mean_wait"] == pytest.approx(NEWCOMER_FIRST_MEAN_WAIT)
    assert rule["mean_wait"] == pytest.approx(RULE_MEAN_WAIT)
    assert rule["mean_wait"] / newcomer_first["mean_wait"] - 1 > 0.30


@pytest.mark.parametrize("order", ["join_first", "discharge_first"])
def test_need_priority_tie_follows_the_stated_rule(order):
    """With ``priority = "need"`` the stated rule still says the slot freed at day 10 goes to the
    client already waiting (W, low need), not to the high-need client joining at that instant.
    The outcome must not depend on the order of events within the instant."""
    seen = run_three_clients(order, n_priority=0, w_priority=2)  # N high need, W low need
    assert seen["N_join"] == seen["H_end"] == 10.0
    assert seen["W_start"] == 10.0, (
        f"{order}: slot freed at day 10 went to the newcomer N (started {seen['N_start']}), "
        f"not to W who had waited since day 5 (started {seen['W_start']})"
    )


def test_need_priority_still_orders_clients_who_were_both_waiting():
    """Not a tie: W (low need) waits from day 5, N (high need) from day 6; at day 10 N goes
    first. Guards the tie tests above against a pool that ignores priority altogether."""
    env = simpy.Environment()
    pool = CoursePool(env, 1, course_scenario().therapy)
    log, seen = ClientLog(3), {}
    for i, (name, join, planned, priority) in enumerate(
        [("H", _at(env), 10, 0), ("W", _at(env, 5.0), 10, 2), ("N", _at(env, 6.0), 1, 0)]
    ):
        env.process(_course_client(env, pool, log, i, name, join, planned, priority, seen))
    env.run()
    assert seen["N_start"] == 10.0 and seen["W_start"] == 11.0


# ------------------------------------------------------------------------------ triage pool


def run_triage_tie(first_created: str, busy: bool = True) -> dict[str, float]:
    """One continuous-calendar clinician busy until day 1 (when ``busy``); at day 1 a returning
    client R (a 10-minute attempt) and a first-attempt client F (90 minutes) both ask for a call.
    ``first_created`` says whose request is made first within the instant. Returns start days."""
    env = simpy.Environment()
    pool = TriagePool(env, [WorkCalendar(True)])
    starts: dict[str, float] = {}

    def caller(name: str, priority: int, minutes: float, at: float):
        yield env.timeout(at)
        starts[name] = yield from pool.attempt(priority, minutes)

    if busy:
        env.process(caller("blocker", FIRST_ATTEMPT_PRIORITY, MINUTES_PER_DAY, 0.0))
    calls = {"R": (RETRY_PRIORITY, 10.0), "F": (FIRST_ATTEMPT_PRIORITY, 90.0)}
    second = "F" if first_created == "R" else "R"
    for name in (first_created, second):
        env.process(caller(name, *calls[name], 1.0))
    env.run()
    return starts


@pytest.mark.parametrize("first_created", ["R", "F"])
def test_returning_call_attempt_goes_before_a_first_attempt(first_created):
    starts = run_triage_tie(first_created)
    assert starts["blocker"] == 0.0
    assert starts["R"] == 1.0
    assert starts["F"] == pytest.approx(1.0 + 10.0 / MINUTES_PER_DAY)


def test_the_triage_tie_order_alone_moves_the_mean_wait():
    """Rule: R waits 0, F waits 10 minutes (mean 5). The other order: F 0, R 90 (mean 45)."""
    starts = run_triage_tie("F")
    rule_mean = ((starts["R"] - 1.0) + (starts["F"] - 1.0)) / 2 * MINUTES_PER_DAY
    assert rule_mean == pytest.approx(5.0)
    other_mean = (0.0 + 90.0) / 2
    assert other_mean / rule_mean - 1 > 0.30


@pytest.mark.parametrize("release_first", [True, False])
@pytest.mark.parametrize("with_stop", [False, True])
def test_a_clinician_freed_as_a_retry_falls_due_waits_for_it(release_first, with_stop):
    """The blocker's call ends at day 1, the instant R's retry falls due; F (a first attempt) has
    waited since day 0.5. Whichever of the call's end and R's retry timeout SimPy processes first,
    and with or without a closure event that R's wait (a condition event, one hop later) also
    watches, R is called first: R at day 1, F 10 minutes later. (A zero-delay handover event, as
    hubsim once used, gets this wrong when the call ends first and R waits through the closure.)"""
    env = simpy.Environment()
    pool = TriagePool(env, [WorkCalendar(True)])
    stop = env.event() if with_stop else None
    starts: dict[str, float] = {}

    def blocker():
        starts["blocker"] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, MINUTES_PER_DAY, stop)

    def returning():
        # retry timeout created after the blocker's call is timed (its end is then processed
        # first at day 1), or before it
        wait = 0.75 if release_first else 1.0
        if release_first:
            yield env.timeout(0.25)
        retry = env.timeout(wait)
        pool.expect_retry(env.now + wait)
        yield retry if stop is None else retry | stop
        starts["R"] = yield from pool.attempt(RETRY_PRIORITY, 10.0, stop)

    def first():
        yield env.timeout(0.5)
        starts["F"] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, 90.0, stop)

    order = (blocker, returning) if release_first else (returning, blocker)
    for process in (*order, first):
        env.process(process())
    env.run()
    assert starts["blocker"] == 0.0
    assert starts["R"] == 1.0
    assert starts["F"] == pytest.approx(1.0 + 10.0 / MINUTES_PER_DAY)


def test_a_withdrawn_retry_frees_the_clinician():
    """A returning client expected at day 1 who withdraws at that instant instead of calling (the
    service closed), after the blocker's call has ended, does not keep the clinician from the
    first attempt waiting since day 0.5: F is called at day 1."""
    env = simpy.Environment()
    pool = TriagePool(env, [WorkCalendar(True)])
    starts: dict[str, float] = {}

    def blocker():
        starts["blocker"] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, MINUTES_PER_DAY)

    def withdrawing():
        pool.expect_retry(env.now + 1.0)
        yield env.timeout(1.0)
        pool.retry_withdrawn(1.0)

    def first():
        yield env.timeout(0.5)
        starts["F"] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, 90.0)

    for process in (blocker, withdrawing, first):
        env.process(process())
    env.run()
    assert starts["F"] == 1.0


def test_earlier_request_goes_first_at_equal_priority():
    """Within a priority, order of request: two first attempts, the earlier (day 0.5) first."""
    env = simpy.Environment()
    pool = TriagePool(env, [WorkCalendar(True)])
    starts: dict[str, float] = {}

    def caller(name: str, at: float, minutes: float):
        yield env.timeout(at)
        starts[name] = yield from pool.attempt(FIRST_ATTEMPT_PRIORITY, minutes)

    env.process(caller("blocker", 0.0, MINUTES_PER_DAY))
    env.process(caller("late", 0.75, 60.0))
    env.process(caller("early", 0.5, 60.0))
    env.run()
    assert starts["early"] == 1.0
    assert starts["late"] == pytest.approx(1.0 + 60.0 / MINUTES_PER_DAY)


# ------------------------------------------------------------------------------ whole runs


def simulate_with_clients(
    monkeypatch: pytest.MonkeyPatch, scenario: Scenario, arrivals: list[float],
    **fields: np.ndarray,
) -> hubsim.Run:
    """``hubsim.simulate`` with hand-made clients: the first ``len(arrivals)`` clients the model
    would have drawn, with their arrival days and the given per-client draws replaced.

    The scenario's arrival rate must give more clients than that (the rest are dropped). Every
    client is offered triage (the screen-and-treat threshold, if any, is not applied).
    """
    k = len(arrivals)
    real_model = hubsim.experiments.simulate.HubModel

    def model(scn: Scenario, draws: Any, *args: Any, **kwargs: Any):
        n = draws.n
        assert n >= k, "raise the scenario's arrival rate: too few clients drawn to replace"
        first = {
            f.name: getattr(draws, f.name)[:k] for f in dataclasses.fields(draws)
            if isinstance(getattr(draws, f.name), np.ndarray) and len(getattr(draws, f.name)) == n
        }
        first["arrival_day"] = np.asarray(arrivals, dtype=float)
        if "onward" in first:
            first["onward"] = np.ones(k, dtype=bool)
        return real_model(scn, dataclasses.replace(draws, **{**first, **fields}), *args, **kwargs)

    monkeypatch.setattr(hubsim.experiments.simulate, "HubModel", model)
    run = hubsim.simulate(scenario, seed=0)
    assert run.clients["arrival_day"].tolist() == list(arrivals)
    return run


def _course_draws(minutes: list[float], sessions: list[int], tiers: list[int]) -> dict:
    n = len(minutes)
    return {
        "contact_u": np.zeros((n, 1)),
        "call_minutes": np.asarray(minutes, dtype=float).reshape(n, 1),
        "admin_minutes": np.zeros(n),
        "failed_minutes": np.zeros((n, 1)),
        "pathway": np.full(n, PATHWAYS.index("hub_therapy")),
        "tier": np.asarray(tiers),
        "therapy_sessions": np.asarray(sessions),
        "patience_days": np.full(n, np.inf),
    }


def _starts(run: hubsim.Run) -> list[float]:
    return run.clients.sort_values("client_id")["course_start_day"].tolist()


def run_model_three_clients(
    monkeypatch: pytest.MonkeyPatch, order: str, priority: str
) -> tuple[float, float, float, float]:
    """H, W, N through the whole model; returns (H, W, N course starts, mean wait of W and N).

    ``join_first``: N arrives at day 0 with a 10-day triage call on the second clinician, so its
    call-end event (scheduled at day 0) puts it on the list at day 10 before H's discharge
    (scheduled at day 9). ``discharge_first``: N arrives at day 10 with an instant call, and its
    triage hand-offs come after the discharge within the instant.
    """
    scenario = course_scenario(priority)
    if order == "join_first":  # clients in arrival order: N, H, W
        arrivals, minutes = [0.0, 0.0, 5.0], [10 * MINUTES_PER_DAY, 0.0, 0.0]
        sessions, tiers, index = [1, 10, 10], [HIGH, LOW, LOW], {"N": 0, "H": 1, "W": 2}
    else:  # H, W, N
        arrivals, minutes = [0.0, 5.0, 10.0], [0.0, 0.0, 0.0]
        sessions, tiers, index = [10, 10, 1], [LOW, LOW, HIGH], {"H": 0, "W": 1, "N": 2}
    run = simulate_with_clients(
        monkeypatch, scenario, arrivals, **_course_draws(minutes, sessions, tiers)
    )
    clients = run.clients.set_index("client_id")
    start = {k: clients.loc[i, "course_start_day"] for k, i in index.items()}
    assert clients.loc[index["N"], "waitlist_join_day"] == 10.0
    assert clients.loc[index["W"], "waitlist_join_day"] == 5.0
    assert clients.loc[index["H"], "exit_day"] == 10.0
    waits = clients["therapy_wait_days"]
    mean = (waits.loc[index["W"]] + waits.loc[index["N"]]) / 2
    return start["H"], start["W"], start["N"], mean


@pytest.mark.parametrize("order", ["join_first", "discharge_first"])
def test_model_gives_the_freed_slot_to_the_waiting_client(monkeypatch, order):
    h, w, n, mean = run_model_three_clients(monkeypatch, order, "fifo")
    assert (h, w, n) == (0.0, 10.0, 20.0)
    assert mean == pytest.approx(RULE_MEAN_WAIT)


@pytest.mark.parametrize("order", ["join_first", "discharge_first"])
def test_model_need_priority_tie_does_not_depend_on_event_order(monkeypatch, order):
    """Same clients with ``priority = "need"``, N high need and W low need: the stated rule gives
    the slot freed at day 10 to W in both event orders (mean wait 7.5, not 3.0)."""
    h, w, n, mean = run_model_three_clients(monkeypatch, order, "need")
    assert (h, w, n) == (0.0, 10.0, 20.0), f"{order}: W started {w}, N started {n}"
    assert mean == pytest.approx(RULE_MEAN_WAIT)


def test_model_calls_a_returning_client_before_a_new_one(monkeypatch):
    """One clinician, continuous calendar, exact binary fractions of a day:

    A arrives at 0, a failed 18-hour attempt (to 0.75), retries 0.375 days later (1.125).
    C arrives at 0.25, waits for the clinician, 9-hour call 0.75 -> 1.125.
    B arrives at 1.125 (first attempt). B's request is made before A's within the instant, so
    only the retry priority puts A first: A is called at 1.125 (3 hours), B at 1.25.
    """
    layers = {
        "name": "triage tie", "hub": "tie", "calendar": "continuous", "horizon_days": 10,
        "warmup_days": 0, "arrivals": {"per_week": 50},
        "triage": {"contact_success": 0.5, "max_attempts": 2, "retry_after_days": 0.375,
                   "call_minutes": 0, "admin_minutes": 0, "failed_attempt_minutes": 0},
        "staff": {"triage": {"wte": 1}},
    }
    scenario = build(layers, steady_staff_overrides(), "triage tie")
    run = simulate_with_clients(
        monkeypatch, scenario, [0.0, 0.25, 1.125],
        contact_u=np.array([[0.9, 0.0], [0.0, 0.0], [0.0, 0.0]]),  # only A's first attempt fails
        failed_minutes=np.array([[1080.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
        call_minutes=np.array([[0.0, 180.0], [540.0, 0.0], [60.0, 0.0]]),
        admin_minutes=np.zeros(3),
        pathway=np.full(3, PATHWAYS.index("signpost")),
    )
    clients = run.clients.set_index("client_id")
    assert clients["triage_attempts"].tolist() == [2, 1, 1]
    assert clients["triage_day"].tolist() == [1.125, 0.75, 1.25]
    assert clients["triage_wait_days"].tolist() == [1.125, 0.5, 0.125]
