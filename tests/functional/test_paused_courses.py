"""Functional tests: therapy is delivered only by staff at work, in the library scenarios.

At every sampled day the courses in slots are the active ones plus the paused ones, and no more
are active than there are staffed slots: for the baseline (leave and sickness), the major
incident (therapists redeployed to triage) and the funding end (staff and service end on one
day). Redeployed therapists' time never also delivers therapy. After a closure no session is
booked and no course completes; courses under way at the closure end there, referred on or
discharged.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from hubsim import load_scenario
from hubsim.experiments.simulate import simulate_hub
from hubsim.model.arrivals import all_arrivals
from hubsim.model.capacity import slot_steps
from hubsim.model.pathway import HubModel
from hubsim.model.population import sample_all
from hubsim.model.rng import Streams
from hubsim.scenario.schema import Scenario
from hubsim.scenario.staff import THERAPY_ROLES

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEED = 0
MIN_REDEPLOYED_DAYS = 14  # the surge must redeploy for a couple of weeks at least


def hub_model(scenario: Scenario, seed: int = SEED, replication: int = 0) -> HubModel:
    """The model of one replication, built as ``simulate`` builds it, not yet run."""
    streams = Streams(seed, replication, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    return HubModel(scenario, sample_all(scenario, streams, days, profile), streams)


def closure_day(scenario: Scenario) -> float:
    return float((scenario.service.closes - scenario.start_date).days)


@pytest.mark.parametrize("name", ["baseline", "major-incident-surge", "funding-ends"])
def test_active_courses_never_exceed_staffed_slots(name):
    _, series, _ = simulate_hub(load_scenario(SCENARIOS / f"{name}.toml"), SEED, 0)
    for kind in ("therapy", "brief"):
        occupied = series[f"{kind}_caseload"]
        paused = series[f"{kind}_paused"]
        slots = series[f"{kind}_slots"]
        active = occupied - paused
        assert (paused >= 0).all() and (active >= 0).all()
        assert (occupied <= slots + paused).all()
        assert (active <= slots).all(), f"{kind}: more courses active than staffed slots"
        # courses pause only for want of a staffed slot: no idle staffed slot beside a pause
        assert (paused == np.maximum(occupied - slots, 0)).all()
    assert series["therapy_paused"].max() > 0, "no therapy course ever paused: check the run"


def test_redeployed_time_never_also_delivers_therapy():
    """In the major incident, weeks when therapists are lent to triage have fewer staffed slots
    than the therapists at work would staff, and no more active courses than those slots."""
    scenario = load_scenario(SCENARIOS / "major-incident-surge.toml")
    model = hub_model(scenario)
    model.run()
    staff = scenario.staff
    days, at_work = slot_steps(
        [(model.capacity.timelines[r], getattr(staff, r).caseload_per_wte) for r in THERAPY_ROLES],
        scenario.horizon_days,
    )
    ends = np.arange(1, len(model.series["therapy_slots"]) + 1, dtype=float)
    at_work_slots = at_work[np.searchsorted(days, ends, side="right") - 1]
    slots = model.series["therapy_slots"]
    active = model.series["therapy_caseload"] - model.series["therapy_paused"]
    lent = slots < at_work_slots
    assert lent.sum() >= MIN_REDEPLOYED_DAYS and model.capacity.redeployed_weeks > 0
    assert (active[lent] <= slots[lent]).all()
    assert model.series["therapy_paused"][lent].max() > 0, "redeployment paused no course"


def _sessions_at(
    model: HubModel, day: float, seen: dict[str, int]
) -> Generator[simpy.Event, object, None]:
    """Note the appointments booked so far at ``day``."""
    yield model.env.timeout(day)
    seen["booked"] = sum(model.log.sessions_attended) + sum(model.log.sessions_missed)


@pytest.mark.parametrize("on_close", ["refer_external", "discharge"])
def test_no_session_after_the_closure(on_close):
    scenario = load_scenario(SCENARIOS / "funding-ends.toml", {"service.on_close": on_close})
    close = closure_day(scenario)
    model = hub_model(scenario)
    seen: dict[str, int] = {}
    model.env.process(_sessions_at(model, close, seen))  # after the closure acts, at its instant
    model.run()
    booked = int(model.log.sessions_attended.sum() + model.log.sessions_missed.sum())
    assert booked == seen["booked"], "appointments booked at or after the closure"
    clients = model.log.to_frame(model.draws, scenario)
    _assert_courses_end_at_the_closure(clients, close, on_close)


def _assert_courses_end_at_the_closure(clients: pd.DataFrame, close: float, on_close: str):
    started = clients["course_start_day"].notna()
    assert (clients.loc[started, "exit_day"] <= close).all()
    assert not (clients["exit_reason"] == "open").any()
    cut = started & (clients["exit_day"] == close) & ~clients["exit_reason"].isin(
        ["completed", "dropped_out", "discharged_dna"])
    assert cut.sum() > 0, "no course was under way at the closure"
    expected = "referred_external" if on_close == "refer_external" else "course_ended_closure"
    assert (clients.loc[cut, "exit_reason"] == expected).all()
    if on_close == "refer_external":
        assert (clients.loc[cut, "referral_day"] == close).all()
    else:
        assert clients.loc[cut, "referral_day"].isna().all()
    assert (clients["exit_reason"] == "course_ended_closure").sum() == (
        cut.sum() if on_close == "discharge" else 0)
