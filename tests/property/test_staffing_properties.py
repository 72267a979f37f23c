"""Property tests of staffing: any validated WTE and loan size runs, in posts of at most 1 WTE.

A loan of about 3.4 WTE or more to triage used to become one clinician with a day longer than
the day holds, and the run crashed. Hypothesis draws the role's funded WTE, a loan's size and
dates, and the calendar; every drawn scenario is validated first, so only the model can fail.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hubsim
from hubsim.model.staff_timeline import role_timeline
from hubsim.scenario.loader import build
from hubsim.scenario.staff import MAX_WTE

HORIZON_DAYS = 60
START = dt.date(2020, 4, 1)  # the registry's start date (a Wednesday)
SETTINGS = settings(
    max_examples=20, deadline=None, derandomize=True, database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
WTE = st.floats(0.01, MAX_WTE, allow_nan=False)


@st.composite
def staffed_layers(draw: st.DrawFn) -> dict:
    first = draw(st.integers(0, HORIZON_DAYS - 1))
    last = draw(st.integers(first + 1, HORIZON_DAYS + 30))
    loan = {"from": START + dt.timedelta(days=first), "to": START + dt.timedelta(days=last),
            "wte": draw(WTE)}
    role = draw(st.sampled_from(["triage", "therapists"]))
    return {
        "horizon_days": HORIZON_DAYS, "warmup_days": 0,
        "calendar": draw(st.sampled_from(["weekdays", "continuous"])),
        "arrivals": {"per_week": 20},
        "staff": {"triage": {"wte": draw(WTE), "clinical_hours_per_week": draw(
                      st.floats(1.0, 37.5))}, role: {"borrowed": [loan]}},
    }


@SETTINGS
@given(staffed_layers(), st.integers(0, 2**16))
def test_any_validated_wte_and_loan_runs(layers: dict, seed: int) -> None:
    scenario = build(layers, None, "property")
    run = hubsim.simulate(scenario, seed, 0)
    assert len(run.clients) > 0
    for name, role in scenario.staff.roles().items():
        timeline = role_timeline(name, role, scenario, np.random.default_rng(seed))
        assert all(0 < spell.wte <= 1 for spell in timeline.spells)
