"""Verification: staff absence costs therapy as a smaller team would.

Hub therapy is delivered only by staff at work (``hubsim.model.courses``: courses beyond the staffed
slots pause, their clocks stopped). So over a long stationary run with a full waiting list, a team
whose members are absent a share ``s`` of their time in post (annual leave and sickness) should
book the same sessions a year, and start about as many courses, as a team with no absence and
``s`` less WTE. Before pausing, a course ran on through its therapist's absence and the absent
team booked about 12% more sessions per staffed slot than the smaller team (some 28 standard
errors here).

Set-up: continuous calendar, 4 years, 4 therapists of 1 WTE with 10 slots each, no attrition or
recruitment lag; every client is routed to Hub therapy at 7 a week (more than the ~4 courses a
week the slots can start) and leaves the list after an exponential patience of mean 30 days, so
the list stays full but short. Triage is instant and ample. ``s`` is measured from the absent
team's own staff timelines (``RoleTimeline.available_steps``), not assumed.

Slots are whole numbers: the absent team's staffed slots average ``x = 40 (1 - s)`` exactly (each
1-WTE post-holder is at work or not), the smaller team has ``round(x)``. With both lists full,
sessions are proportional to staffed slot-time, so the smaller team's counts are scaled by
``x / round(x)`` (within 1.5% of 1) before comparing.

Tolerance: both teams see the same clients (common random numbers, same seed and replication),
so each replication gives a paired difference; the test allows 3 standard errors of the mean
difference over the replications (a false alarm about 3 times in 1,000), and checks that this
standard error is below 1% of the mean, so the test cannot pass on noise alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.model.rng import Streams
from hubsim.model.staff_timeline import role_timeline
from hubsim.scenario.loader import build
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario
from hubsim.scenario.units import DAYS_PER_YEAR

YEARS = 4
HORIZON_DAYS = YEARS * DAYS_PER_YEAR
TEAM_WTE = 4.0
CASELOAD_PER_WTE = 10.0
REPLICATIONS = 8
SEED = 0
STANDARD_ERRORS = 3.0
MAX_RELATIVE_SE = 0.01
MIN_MEAN_WAITLIST = 3.0  # the list must stay full for the comparison to mean anything
HUB = "absence"

pytestmark = pytest.mark.slow


def team(wte: float, absent: bool) -> Scenario:
    """The stationary, saturated Hub of the module docstring with ``wte`` therapists, with the
    registry's leave and sickness (``absent``) or none."""
    therapists: dict[str, Any] = {"wte": wte, "caseload_per_wte": CASELOAD_PER_WTE,
                                  "attrition_per_year": 0.0}
    if not absent:
        therapists |= {"annual_leave_days": 0.0, "sickness_absence_pct": 0.0}
    to_therapy = {p: float(p == "hub_therapy") for p in PATHWAYS}
    layers = {
        "name": "absence equivalence", "hub": HUB, "calendar": "continuous",
        "horizon_days": HORIZON_DAYS, "warmup_days": 0.0, "arrivals": {"per_week": 7.0},
        "screening": {"onward_min_domains": 0},
        "triage": {"contact_success": 1.0, "max_attempts": 1, "call_minutes": 0,
                   "admin_minutes": 0, "failed_attempt_minutes": 0},
        "routing": {tier: to_therapy for tier in NEED_TIERS},
        "therapy": {"sessions": 8, "patience_days": {"dist": "exponential", "mean": 30}},
        "staff": {"triage": {"wte": 5, "attrition_per_year": 0.0}, "therapists": therapists},
    }
    return build(layers, None, "absence equivalence")


def absent_share(scenario: Scenario) -> float:
    """Share of therapists' in-post WTE-days spent absent, over the replications' timelines."""
    at_work = in_post = 0.0
    for replication in range(REPLICATIONS):
        streams = Streams(SEED, replication, prefix=f"{HUB}/")
        timeline = role_timeline("therapists", scenario.staff.therapists, scenario,
                                 streams["staff.therapists"])
        days, wte = timeline.available_steps(HORIZON_DAYS)
        at_work += float((np.diff(np.append(days, HORIZON_DAYS)) * wte).sum())
        in_post += timeline.paid_wte_days(0.0, HORIZON_DAYS)
    return 1.0 - at_work / in_post


def per_year(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per replication: appointments booked (attended or missed) and courses started a year,
    the mean waiting list and the mean paused courses."""
    rows = []
    for replication in range(REPLICATIONS):
        clients, series, _ = simulate_hub(scenario, SEED, replication)
        booked = clients["sessions_attended"].sum() + clients["sessions_missed"].sum()
        rows.append((booked / YEARS, clients["course_start_day"].notna().sum() / YEARS,
                     series["therapy_waitlist"].mean(), series["therapy_paused"].mean()))
    return dict(zip(("sessions", "starts", "waitlist", "paused"), np.array(rows, float).T,
                    strict=True))


@pytest.fixture(scope="module")
def teams() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
    """(absent team, smaller team without absence, x / round(x))."""
    absent = team(TEAM_WTE, absent=True)
    share = absent_share(absent)
    smaller = team(TEAM_WTE * (1.0 - share), absent=False)
    slots = TEAM_WTE * (1.0 - share) * CASELOAD_PER_WTE
    return per_year(absent), per_year(smaller), slots / round(slots)


def test_the_set_up_is_what_the_comparison_needs(teams):
    absent, smaller, scale = teams
    assert (absent["waitlist"] > MIN_MEAN_WAITLIST).all()
    assert (smaller["waitlist"] > MIN_MEAN_WAITLIST).all()
    assert (absent["paused"] > 0).all(), "no course ever paused: absence did nothing"
    assert (smaller["paused"] == 0).all()
    assert abs(scale - 1.0) < 0.015


@pytest.mark.parametrize("measure", ["sessions", "starts"])
def test_absence_costs_what_the_equivalent_cut_in_wte_costs(teams, measure):
    absent, smaller, scale = teams
    difference = absent[measure] - smaller[measure] * scale
    mean = float(difference.mean())
    se = float(difference.std(ddof=1)) / np.sqrt(REPLICATIONS)
    level = float(absent[measure].mean())
    assert se < MAX_RELATIVE_SE * level, f"standard error {se:.1f} too large to judge"
    assert abs(mean) <= STANDARD_ERRORS * se, (
        f"{measure} a year: absent team {level:.1f}, smaller team (scaled) "
        f"{level - mean:.1f}: difference {mean:+.1f}, allowed {STANDARD_ERRORS} x {se:.1f}")
