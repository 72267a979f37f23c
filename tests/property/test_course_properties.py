"""Property tests: therapy and brief support are delivered only by staff at work.

Each example draws a small random valid scenario (``tests/property/conftest.py``) and overlays
random staffing for the therapists and brief-support practitioners: leave, sickness, attrition
and replacement lags, a funded WTE change during the run, and a redeployment rule. Whatever the
staffing, at every sampled day the courses in slots are the active ones plus the paused ones, no
more are active than there are staffed slots, and a course pauses only for want of a staffed slot;
over the run, active slot-days never exceed the staffed ones or the occupied ones. Hypothesis
runs derandomised with no example database, so CI sees the same examples every time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hubsim.model.arrivals import all_arrivals
from hubsim.model.pathway import HubModel
from hubsim.model.population import sample_all
from hubsim.model.rng import Streams
from hubsim.scenario.loader import build
from hubsim.scenario.schema import PATHWAYS, Scenario

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: see the model tests
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOT_DAYS_SLACK = 1e-9  # float rounding of sums of intervals; anything real is far larger
SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def absences(draw: st.DrawFn, horizon_days: float, start: dt.date, wte: float) -> dict[str, Any]:
    """Random leave, sickness, turnover and a funded WTE change for one caseload role."""
    role: dict[str, Any] = {
        "annual_leave_days": draw(st.floats(0, 60)),
        "sickness_absence_pct": draw(st.floats(0, 40)),
        "sickness_spell_days": draw(st.floats(1, 30)),
        "attrition_per_year": draw(st.floats(0, 2)),
        "replacement_lag_days": draw(st.floats(0, 60)),
        "recruitment_lag_days": draw(st.floats(0, 30)),
    }
    if draw(st.booleans()):
        day = draw(st.integers(1, max(1, int(horizon_days) - 1)))
        role["changes"] = [{"from": start + dt.timedelta(days=day),
                            "wte": draw(st.floats(0, 2 * wte))}]
    return role


def _with_staffing(data: st.DataObject, layers: dict[str, Any]) -> Scenario:
    staff = layers["staff"]
    for role in ("therapists", "brief"):
        staff[role] |= data.draw(absences(layers["horizon_days"], layers["start_date"],
                                          staff[role]["wte"]), label=role)
    if data.draw(st.booleans(), label="redeploy"):
        staff["therapists"]["redeploy"] = {"share": data.draw(st.floats(0, 1), label="share"),
                                           "when_backlog_above": data.draw(st.integers(0, 5))}
    return build(layers, None, "property")


def _run(scenario: Scenario, seed: int) -> HubModel:
    streams = Streams(seed, 0, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    model = HubModel(scenario, sample_all(scenario, streams, days, profile), streams)
    model.run()
    return model


@SETTINGS
@given(data=st.data())
def test_no_more_courses_active_than_staffed_slots(data, busy_layers):
    scenario = _with_staffing(data, data.draw(busy_layers, label="layers"))
    model = _run(scenario, data.draw(SEEDS, label="seed"))
    for kind in ("therapy", "brief"):
        occupied = model.series[f"{kind}_caseload"]
        paused = model.series[f"{kind}_paused"]
        slots = model.series[f"{kind}_slots"]
        assert (paused >= 0).all()
        assert (occupied <= slots + paused).all(), kind
        assert (occupied - paused <= slots).all(), kind
        np.testing.assert_array_equal(paused, np.maximum(occupied - slots, 0), err_msg=kind)


@SETTINGS
@given(data=st.data())
def test_active_slot_days_within_staffed_and_occupied(data, busy_layers):
    scenario = _with_staffing(data, data.draw(busy_layers, label="layers"))
    model = _run(scenario, data.draw(SEEDS, label="seed"))
    lo, hi = scenario.warmup_days, scenario.horizon_days
    clients = model.log
    for pool, pathway in ((model.therapy, PATHWAYS.index("hub_therapy")),
                          (model.brief, PATHWAYS.index("brief_support"))):
        active, staffed = pool.usage(lo, hi)
        rows = (clients.pathway == pathway) & ~np.isnan(clients.course_start_day)
        start = np.maximum(clients.course_start_day[rows], lo)
        end = np.minimum(np.nan_to_num(clients.exit_day[rows], nan=hi), hi)
        occupied = float(np.clip(end - start, 0.0, None).sum())
        assert 0.0 <= active <= staffed + SLOT_DAYS_SLACK
        assert active <= occupied + SLOT_DAYS_SLACK
