"""The model starts from a ``[state]``: waiting clients keep their join days, courses under way
hold their slots, and every wait measure counts them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hubsim.experiments.simulate import simulate
from hubsim.results.waitlist_snapshots import snapshot
from hubsim.results.waits import WEEKS_18_DAYS, list_records
from hubsim.scenario.loader import ScenarioError, load_scenario

AS_OF = dt.date(2022, 4, 1)
WAITING_DAYS = (300, 200, 100, 10)  # days on the therapy list at the start
IN_COURSE = 3


def _state(waiting_days=WAITING_DAYS, in_course=IN_COURSE, triage=2):
    clients = []
    for days in waiting_days:
        joined = AS_OF - dt.timedelta(days=days)
        clients.append({"stage": "waiting_therapy", "screened": joined - dt.timedelta(days=5),
                        "triaged": joined, "joined": joined, "tier": "high"})
    for i in range(in_course):
        started = AS_OF - dt.timedelta(days=30 + i)
        clients.append({"stage": "in_therapy", "screened": started - dt.timedelta(days=60),
                        "triaged": started - dt.timedelta(days=50),
                        "joined": started - dt.timedelta(days=50), "started": started,
                        "attended": 4, "missed": 1, "tier": "moderate"})
    for i in range(triage):
        clients.append({"stage": "awaiting_triage", "screened": AS_OF - dt.timedelta(days=i)})
    return {"as_of": AS_OF, "clients": clients}


def _scenario(repo_root, **overrides):
    base = {"start_date": AS_OF, "warmup_days": 0, "horizon_days": 60, "state": _state()}
    return load_scenario(repo_root / "scenarios" / "baseline.toml", {**base, **overrides})


def test_waiting_clients_keep_their_join_days(repo_root):
    run = simulate(_scenario(repo_root), seed=3)
    clients = run.clients
    starting = clients[clients["arrival_day"] <= 0]
    assert len(starting) == len(WAITING_DAYS) + IN_COURSE + 2
    waiting = starting[starting["course_start_day"].isna() | (starting["course_start_day"] >= 0)]
    joins = sorted(waiting["waitlist_join_day"].dropna().to_numpy())
    assert joins == [-float(d) for d in WAITING_DAYS]
    # the wait of each who started counts from the day they joined
    waits = waiting["therapy_wait_days"].dropna()
    joined = waiting.loc[waits.index, "waitlist_join_day"]
    assert (waits >= -joined).all()


def test_the_list_at_the_start_counts_waits_from_joining(repo_root):
    # one staffed slot, so the list cannot empty at once: the snapshot just after the start
    # holds the clients still waiting, at their waits so far
    scenario = _scenario(repo_root, state=_state(in_course=0, triage=0),
                         **{"staff.therapists.wte": 0.1})
    clients = simulate(scenario, seed=3).clients
    after = snapshot(list_records(clients, "therapy"), 0.5)
    assert after["waitlist"] == len(WAITING_DAYS) - 1
    waited = sorted(d + 0.5 for d in WAITING_DAYS)
    assert after["longest_wait_days"] in waited
    assert after["waiting_over_18w"] >= sum(w > WEEKS_18_DAYS for w in waited) - 1


def test_courses_under_way_keep_their_sessions_and_slots(repo_root):
    run = simulate(_scenario(repo_root), seed=3)
    clients = run.clients
    in_course = clients[clients["course_start_day"] < 0]
    assert len(in_course) == IN_COURSE
    assert (in_course["sessions_attended"] >= 4).all()
    assert (in_course["sessions_missed"] >= 1).all()
    # they hold slots from the first day: the caseload at the end of day 0 includes them
    assert run.timeseries["therapy_caseload"].iloc[0] >= IN_COURSE


def test_wait_kpis_count_the_starting_clients(repo_root):
    with_state = simulate(_scenario(repo_root), seed=3).kpis
    empty = simulate(_scenario(repo_root, state={"as_of": AS_OF, "clients": []}), seed=3).kpis
    assert with_state["therapy_wait_days_mean"] > empty["therapy_wait_days_mean"]


def test_a_state_needs_its_as_of_date_to_be_the_start_date(repo_root):
    with pytest.raises(ScenarioError, match="state.as_of"):
        _scenario(repo_root, start_date=dt.date(2022, 5, 1))


def test_a_state_date_after_as_of_is_refused(repo_root):
    state = _state()
    state["clients"][0]["joined"] = AS_OF + dt.timedelta(days=1)
    with pytest.raises(ScenarioError, match="after as_of"):
        _scenario(repo_root, state=state)


def test_same_seed_same_run_with_a_state(repo_root):
    scenario = _scenario(repo_root)
    a, b = simulate(scenario, seed=5), simulate(scenario, seed=5)
    assert a.kpis.keys() == b.kpis.keys()
    assert np.allclose(list(a.kpis.values()), list(b.kpis.values()), rtol=0, atol=0,
                       equal_nan=True)
    assert np.array_equal(a.timeseries["therapy_waitlist"], b.timeseries["therapy_waitlist"])


def test_courses_under_way_are_drawn_longer_than_the_sessions_attended(repo_root):
    attended = 8
    clients = [{"stage": "in_therapy", "screened": AS_OF - dt.timedelta(days=120),
                "triaged": AS_OF - dt.timedelta(days=110),
                "joined": AS_OF - dt.timedelta(days=110),
                "started": AS_OF - dt.timedelta(days=70), "attended": attended,
                "tier": "moderate"} for _ in range(15)]
    scenario = _scenario(repo_root, state={"as_of": AS_OF, "clients": clients})
    planned = simulate(scenario, seed=1).clients["sessions_planned"].to_numpy()[:15]
    # given a course already past 8 sessions (moderate need: lognormal mean 8, sd 3.5), its
    # length is drawn from the lengths above 8, not set to 9 whenever the draw was shorter
    assert (planned > attended).all()
    assert len(set(planned)) > 2
