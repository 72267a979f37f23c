"""Properties of the wait KPIs and waiting-list snapshots (``hubsim.results.waits``): on synthetic
lists of any shape, and on runs of any valid scenario, one Hub or several."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hubsim
from hubsim.results.waits import ListRecords, wait_kpis
from hubsim.scenario.loader import build
from hubsim.scenario.schema import MultiHubScenario

ROUNDING = 1e-9  # sums of a few hundred products of shares and days: rounding only
SIM_SETTINGS = settings(  # as tests/property/test_model_properties.py: each example is a run
    max_examples=25, deadline=None, derandomize=True, database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = st.integers(0, 2**32 - 1)
DAYS = st.floats(0, 800, allow_nan=False)


@st.composite
def waiting_lists(draw: st.DrawFn) -> tuple[ListRecords, float]:
    """A list of joiners, each started, left, or still waiting at the horizon (ties likely:
    times are often whole days)."""
    horizon = draw(st.floats(1, 800))
    n = draw(st.integers(0, 40))
    join, start, exit_day = [], [], []
    for _ in range(n):
        joined = draw(st.one_of(st.integers(0, int(horizon)).map(float), st.floats(0, horizon)))
        joined = min(joined, horizon)
        fate = draw(st.sampled_from(["started", "left", "waiting"]))
        time = joined + draw(st.one_of(st.integers(0, 400).map(float), DAYS))
        done = fate != "waiting" and time < horizon
        join.append(joined)
        start.append(time if done and fate == "started" else math.nan)
        exit_day.append(time if done and fate == "left" else math.nan)
    records = ListRecords(np.array(join), np.array(start), np.array(exit_day))
    return records, horizon


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(case=waiting_lists(), kind=st.sampled_from(["triage", "therapy", "brief"]))
def test_headline_mean_never_below_its_lower_bound(case, kind):
    """Kaplan-Meier's curve is never below the share still on the list with censorings counted
    as starts, so the restricted mean is never below the mean time on the list (both capped at
    364 days); the shares are percentages and the median is never above the 90th percentile."""
    records, horizon = case
    kpis = wait_kpis(kind, records, horizon)
    mean, floor = kpis[f"{kind}_wait_days_mean"], kpis[f"{kind}_wait_days_mean_lower_bound"]
    if records.join_day.size == 0:
        assert math.isnan(mean) and math.isnan(floor)
        return
    assert mean >= floor - ROUNDING
    assert 0.0 <= floor and mean <= 364.0 + ROUNDING
    shares = [kpis[f"{kind}_waited_over_52w_pct"]]
    if kind == "therapy":
        shares += [kpis["therapy_started_within_6w_pct"], kpis["therapy_started_within_18w_pct"]]
    for share in shares:
        assert math.isnan(share) or -ROUNDING <= share <= 100.0 + ROUNDING
    median, p90 = kpis[f"{kind}_wait_days_median"], kpis[f"{kind}_wait_days_p90"]
    if not math.isnan(p90):
        assert median <= p90


def _scenario(data: st.DataObject, layers: st.SearchStrategy[dict[str, Any]]):
    """One Hub, or two or three Hubs with their own start dates, horizons and warm-ups."""
    hubs = data.draw(st.integers(1, 3), label="hubs")
    scenarios = [build({**data.draw(layers, label=f"hub {i}"), "hub": f"prop-{i}"}, None,
                       "property") for i in range(hubs)]
    if hubs == 1:
        return scenarios[0]
    return MultiHubScenario(name="property test Hubs", hubs=tuple(scenarios))


@SIM_SETTINGS
@given(data=st.data())
def test_waitlist_at_the_end_never_exceeds_its_peak(data, busy_layers):
    """``therapy_waitlist_end`` is a snapshot on one date (several Hubs: the last day of the Hub
    that ends first), ``therapy_waitlist_max`` the peak of the daily lists summed by date: the
    first can never exceed the second (it did when each Hub's last day was summed)."""
    scenario = _scenario(data, busy_layers)
    run = hubsim.simulate(scenario, seed=data.draw(SEEDS, label="seed"))
    assert run.kpis["therapy_waitlist_end"] <= run.kpis["therapy_waitlist_max"]
    for hub in getattr(scenario, "hubs", ()):
        own = run.timeseries[run.timeseries["hub"] == hub.hub]
        assert run.kpis[f"{hub.hub}:therapy_waitlist_end"] == own["therapy_waitlist"].iloc[-1]
    if not hasattr(scenario, "hubs"):
        assert run.kpis["therapy_waitlist_end"] == run.timeseries["therapy_waitlist"].iloc[-1]


@SIM_SETTINGS
@given(data=st.data())
def test_simulated_waits_respect_their_bounds(data, busy_layers):
    """On runs of any valid scenario: every list's headline mean is at least its lower bound,
    and the snapshot counts are ordered (over 52 weeks <= over 18 weeks <= on the list)."""
    run = hubsim.simulate(_scenario(data, busy_layers), seed=data.draw(SEEDS, label="seed"))
    for kind in ("triage", "therapy", "brief"):
        mean = run.kpis[f"{kind}_wait_days_mean"]
        if not math.isnan(mean):
            assert mean >= run.kpis[f"{kind}_wait_days_mean_lower_bound"] - ROUNDING
    for kind in ("triage", "therapy"):
        on_list = run.kpis[f"{kind}_waitlist_end"]
        over_18w = run.kpis[f"{kind}_waiting_over_18w_end"]
        assert run.kpis[f"{kind}_waiting_over_52w_end"] <= over_18w <= on_list
