"""Property tests of one replication: conservation, ordered timestamps, bounds, determinism.

Each test draws a small random *valid* scenario (``tests/property/conftest.py``) and a seed,
simulates it with ``hubsim.simulate`` and checks one property of the output (DESIGN.md section 9).
Hypothesis runs derandomised with no example database, so CI sees the same examples every time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

import hubsim
from hubsim.model.records import EXIT_REASONS
from hubsim.scenario.loader import build

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: each example is a simulation, and a failing property would otherwise spend
    # minutes minimising; the first failing example is reported as drawn
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
UTILISATION_SLACK = 1e-9  # float rounding of sums of intervals; anything real is far larger
SEEDS = st.integers(0, 2**32 - 1)
COURSE_EXITS = {"completed", "dropped_out", "discharged_dna"}
WAITING_PATHWAYS = {"none", "hub_therapy", "brief_support"}  # where a client can be waiting
PATHWAY_OF_EXIT = {
    "not_reached": {"none"},
    "screen_negative": {"none"},
    "left_waitlist": {"hub_therapy"},
    "signposted": {"signpost"},
    "no_further_support": {"no_further_support"},
    "completed": {"hub_therapy", "brief_support"},
    "dropped_out": {"hub_therapy", "brief_support"},
    "discharged_dna": {"hub_therapy", "brief_support"},
    # a client still waiting when the service closes is discharged or referred on
    "service_closed": WAITING_PATHWAYS,
    # a course under way when the service closes ends there (or is referred on)
    "course_ended_closure": {"hub_therapy", "brief_support"},
    "referred_external": {"external_referral"} | WAITING_PATHWAYS,
}


def _run(data: st.DataObject, strategy: st.SearchStrategy[dict[str, Any]]) -> hubsim.Run:
    layers = data.draw(strategy, label="layers")
    seed = data.draw(SEEDS, label="seed")
    return hubsim.simulate(build(layers, None, "property"), seed=seed)


def _window(run: hubsim.Run) -> pd.DataFrame:
    clients = run.clients
    return clients[clients["arrival_day"] >= run.scenario.warmup_days]


def _closure_day(scenario: hubsim.Scenario) -> float:
    """Day the service closes (inf if it never does, or the schema has no closure)."""
    closes = getattr(getattr(scenario, "service", None), "closes", None)
    return math.inf if closes is None else float((closes - scenario.start_date).days)


def _closed_out(clients: pd.DataFrame, closure: float) -> pd.Series:
    """Clients closed out when the service closed, waiting or in a course (discharged or
    referred on)."""
    reason = clients["exit_reason"]
    referred = reason == "referred_external"
    referred_at_close = referred & (clients["pathway"] != "external_referral")
    closed = reason.isin(["service_closed", "course_ended_closure"]) | referred_at_close
    # at the closure, or when a call that was under way then ends
    assert (clients.loc[closed, "exit_day"] >= closure).all(), "closed out before the closure"
    return closed


# ------------------------------------------------------------------------------ accounting


@PROPERTY_SETTINGS
@given(data=st.data())
def test_every_client_has_exactly_one_exit_reason(data, valid_layers):
    run = _run(data, valid_layers)
    clients = run.clients
    assert clients["client_id"].tolist() == list(range(len(clients)))
    assert clients["exit_reason"].notna().all()
    assert set(clients["exit_reason"].astype(str)) <= set(EXIT_REASONS)
    assert set(EXIT_REASONS) - {"open"} == set(PATHWAY_OF_EXIT), "an exit reason this test omits"
    is_open = clients["exit_reason"] == "open"
    assert (clients.loc[is_open, "stage_at_end"] != "exited").all()
    assert clients.loc[is_open, "exit_day"].isna().all()
    assert (clients.loc[~is_open, "stage_at_end"] == "exited").all()
    assert clients.loc[~is_open, "exit_day"].notna().all()
    exited = clients.loc[~is_open]
    assert (exited["exit_day"] >= exited["arrival_day"]).all()
    assert (exited["exit_day"] <= run.scenario.horizon_days).all()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_conservation_through_triage(data, valid_layers):
    """arrived = screened out + triaged + not reached + closed out before triage + awaiting."""
    run = _run(data, valid_layers)
    clients = run.clients
    reason = clients["exit_reason"]
    triaged = clients["triage_day"].notna()
    screened_out = reason == "screen_negative"
    not_reached = reason == "not_reached"
    closed_before = _closed_out(clients, _closure_day(run.scenario)) & ~triaged
    awaiting = clients["stage_at_end"] == "awaiting_triage"
    groups = [screened_out, triaged, not_reached, closed_before, awaiting]
    assert sum(int(g.sum()) for g in groups) == len(clients)
    assert (sum(g.astype(int) for g in groups) == 1).all(), "a client counted twice"
    # a pathway is given exactly to the triaged clients: the counts by pathway add up
    assert ((clients["pathway"] != "none") == triaged).all()
    by_pathway = clients["pathway"].value_counts()
    assert by_pathway.drop("none").sum() + by_pathway.get("none", 0) == len(clients)
    assert by_pathway.drop("none").sum() == triaged.sum()
    assert (reason[awaiting] == "open").all()
    # screened-out clients leave at once, without a call
    assert (clients.loc[screened_out, "exit_day"] == clients.loc[screened_out, "arrival_day"]).all()
    attempts = clients["triage_attempts"]
    assert (attempts[screened_out] == 0).all()
    assert attempts[~screened_out].between(1, run.scenario.triage.max_attempts).all()
    assert (attempts[not_reached] == run.scenario.triage.max_attempts).all()
    # KPIs count the same clients (those arriving after the warm-up)
    window = _window(run)
    kpis = run.kpis
    assert kpis["clients_arrived"] == len(window)
    assert kpis["clients_triaged"] == window["triage_day"].notna().sum()
    assert kpis["clients_not_reached"] == (window["exit_reason"] == "not_reached").sum()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_conservation_through_pathways(data, valid_layers):
    run = _run(data, valid_layers)
    clients = run.clients
    reason = clients["exit_reason"].astype(str)
    pathway = clients["pathway"].astype(str)
    for exit_reason, pathways in PATHWAY_OF_EXIT.items():
        assert pathway[reason == exit_reason].isin(pathways).all(), exit_reason
    closed = _closed_out(clients, _closure_day(run.scenario))
    for kind, path in (("therapy", "hub_therapy"), ("brief", "brief_support")):
        on_path = clients[pathway == path]
        joined = on_path["waitlist_join_day"].notna()
        started = on_path["course_start_day"].notna()
        assert joined.all(), f"every {path} client joins its waiting list"
        assert started.sum() <= joined.sum()
        stage = on_path["stage_at_end"]
        r = on_path["exit_reason"]
        waiting = (stage == f"waiting_{kind}").sum()
        in_course = (stage == f"in_{kind}").sum()
        left = (r == "left_waitlist").sum()
        closed_waiting = (closed[on_path.index] & ~started).sum()
        cut = closed[on_path.index] & started
        finished = r.isin(COURSE_EXITS).sum()
        # joined = still waiting + gave up + closed out while waiting + started
        assert joined.sum() == waiting + left + closed_waiting + started.sum()
        # started = still in a course + finished it + ended by the closure, at the closure
        assert started.sum() == in_course + finished + cut.sum()
        assert (on_path.loc[cut, "exit_day"] == _closure_day(run.scenario)).all()
        assert (on_path.loc[r.isin(COURSE_EXITS), "exit_day"]
                <= _closure_day(run.scenario)).all(), "a course finished after the closure"
        assert (on_path.loc[r.isin(COURSE_EXITS), "course_start_day"].notna()).all()
        assert (on_path.loc[r == "left_waitlist", "course_start_day"].isna()).all()
    others = clients[~pathway.isin(["hub_therapy", "brief_support"])]
    assert others["waitlist_join_day"].isna().all()
    assert others["course_start_day"].isna().all()
    external = clients[pathway == "external_referral"]
    navigating = external["stage_at_end"] == "navigation"
    assert (navigating == external["referral_day"].isna()).all()
    assert (external.loc[~navigating, "exit_reason"] == "referred_external").all()
    # stages other than the pathway's own never appear
    untriaged = clients.loc[pathway == "none", "stage_at_end"]
    assert untriaged.isin(["awaiting_triage", "exited"]).all()
    assert (clients.loc[pathway.isin(["signpost", "no_further_support"]), "exit_reason"]
            != "open").all()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_timestamps_ordered_and_waits_non_negative(data, valid_layers):
    run = _run(data, valid_layers)
    clients = run.clients
    horizon = run.scenario.horizon_days
    chain = ["arrival_day", "triage_day", "waitlist_join_day", "course_start_day", "exit_day"]
    for i, early in enumerate(chain):
        for late in chain[i + 1:]:
            both = clients[early].notna() & clients[late].notna()
            bad = clients.loc[both & (clients[late] < clients[early])]
            assert bad.empty, f"{late} before {early}:\n{bad[chain]}"
    referred = clients["referral_day"].notna()
    both = referred & clients["triage_day"].notna()
    assert (clients.loc[both, "referral_day"] >= clients.loc[both, "triage_day"]).all()
    assert (clients.loc[referred, "exit_day"] == clients.loc[referred, "referral_day"]).all()
    for column in ("arrival_day", "triage_day", "waitlist_join_day", "course_start_day",
                   "referral_day", "exit_day"):
        values = clients[column].dropna()
        assert ((values >= 0) & (values <= horizon)).all(), column
    for column in ("triage_wait_days", "therapy_wait_days", "brief_wait_days"):
        assert (clients[column].dropna() >= 0).all(), column
    for name, value in run.kpis.items():
        if "wait_days" in name and not math.isnan(value):
            assert value >= 0, name


@PROPERTY_SETTINGS
@given(data=st.data())
def test_utilisation_within_unit_interval(data, valid_layers):
    """Utilisation is a share of the capacity available in the KPI window: in [0, 1], or NaN
    only when the window held no capacity at all (e.g. a warm-up ending on a weekend)."""
    run = _run(data, valid_layers)
    values = {name: float(run.kpis[name])
              for name in ("triage_utilisation", "therapist_utilisation", "brief_utilisation")}
    for name, value in values.items():
        assert math.isnan(value) or -UTILISATION_SLACK <= value <= 1 + UTILISATION_SLACK, (
            name, value)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_sessions_attended_never_exceed_planned(data, valid_layers):
    run = _run(data, valid_layers)
    clients = run.clients
    assert (clients["sessions_attended"] <= clients["sessions_planned"]).all()
    assert (clients["sessions_attended"] >= 0).all() and (clients["sessions_missed"] >= 0).all()
    not_started = clients["course_start_day"].isna()
    assert (clients.loc[not_started, ["sessions_attended", "sessions_missed"]] == 0).all().all()
    completed = clients["exit_reason"] == "completed"
    done = clients.loc[completed]
    assert (done["sessions_attended"] == done["sessions_planned"]).all()
    dna = clients.loc[clients["exit_reason"] == "discharged_dna"]
    course = {"hub_therapy": run.scenario.therapy, "brief_support": run.scenario.brief_support}
    for path, spec in course.items():
        assert (dna.loc[dna["pathway"] == path, "sessions_missed"]
                >= spec.max_consecutive_dna).all()
    on_course = clients["pathway"].isin(list(course))
    assert (clients.loc[on_course, "sessions_planned"] >= 1).all()
    assert (clients.loc[~on_course, "sessions_planned"] == 0).all()


# ------------------------------------------------------------------------------ determinism


def _assert_kpis_equal(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        both_nan = all(isinstance(v, float) and math.isnan(v) for v in (a[name], b[name]))
        assert both_nan or a[name] == b[name], name


@PROPERTY_SETTINGS
@given(data=st.data())
def test_same_seed_gives_identical_output(data, valid_layers):
    layers = data.draw(valid_layers, label="layers")
    seed = data.draw(SEEDS, label="seed")
    replication = data.draw(st.integers(0, 1000), label="replication")
    first = hubsim.simulate(build(layers, None, "a"), seed=seed, replication=replication)
    second = hubsim.simulate(build(layers, None, "b"), seed=seed, replication=replication)
    pd.testing.assert_frame_equal(first.clients, second.clients)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    _assert_kpis_equal(dict(first.kpis), dict(second.kpis))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_different_seed_or_replication_gives_different_output(data, busy_layers):
    layers = data.draw(busy_layers, label="layers")
    seed = data.draw(SEEDS, label="seed")
    scenario = build(layers, None, "property")
    base = hubsim.simulate(scenario, seed=seed)
    # at >= 10 arrivals a week for >= 30 days, identical frames by chance are impossible
    for other in (hubsim.simulate(scenario, seed=seed + 1),
                  hubsim.simulate(scenario, seed=seed, replication=1)):
        assert not base.clients.equals(other.clients)
        assert not base.clients["arrival_day"].equals(other.clients["arrival_day"])


# ------------------------------------------------------------------------------ immutability


def _assert_frozen(model: BaseModel, path: str = "scenario") -> None:
    """Assigning to any field of ``model`` or its sub-models raises."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        with pytest.raises(ValidationError):
            setattr(model, name, value)
        if isinstance(value, BaseModel):
            _assert_frozen(value, f"{path}.{name}")
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _assert_frozen(item, f"{path}.{name}.{i}")


@PROPERTY_SETTINGS
@given(data=st.data())
def test_simulate_never_changes_its_scenario(data, valid_layers):
    scenario = build(data.draw(valid_layers, label="layers"), None, "property")
    before = scenario.model_dump()
    before_json = scenario.model_dump_json()
    hubsim.simulate(scenario, seed=data.draw(SEEDS, label="seed"))
    assert scenario.model_dump() == before
    assert scenario.model_dump_json() == before_json
    _assert_frozen(scenario)


def _refuses_changes(mapping: dict) -> bool:
    """True if assigning to ``mapping`` raises (a read-only mapping)."""
    key = next(iter(mapping), "__probe__")
    try:
        if key in mapping:
            mapping[key] = mapping[key]
        else:
            mapping[key] = None
            del mapping[key]
    except TypeError:
        return True
    return False


def _mutable_containers(value: Any, path: str) -> list[str]:
    """Dotted paths of lists, dicts and sets reachable from a scenario value."""
    if isinstance(value, BaseModel):
        found = []
        for name in type(value).model_fields:
            found += _mutable_containers(getattr(value, name), f"{path}.{name}")
        return found
    if isinstance(value, dict):
        found = [] if _refuses_changes(value) else [path]
        for key, item in value.items():
            found += _mutable_containers(item, f"{path}.{key}")
        return found
    if isinstance(value, list | set | bytearray):
        return [path]
    if isinstance(value, tuple):
        return [p for i, v in enumerate(value) for p in _mutable_containers(v, f"{path}.{i}")]
    return []


def test_scenario_is_deeply_immutable():
    """DESIGN.md: a scenario is immutable configuration, so no field may hold a mutable container
    (``scenario.screening.prevalence["ptsd"] = 0.9`` must not silently change a frozen scenario).
    """
    scenario = build({}, None, "registry defaults")
    assert _mutable_containers(scenario, "scenario") == []
    with pytest.raises(TypeError):
        scenario.screening.prevalence["ptsd"] = 0.9  # type: ignore[index]


# ------------------------------------------------------------------------------ time series


@PROPERTY_SETTINGS
@given(data=st.data())
def test_timeseries_has_one_row_per_simulated_day(data, valid_layers):
    run = _run(data, valid_layers)
    series = run.timeseries
    days = math.ceil(run.scenario.horizon_days)
    assert len(series) == days
    assert series["day"].tolist() == list(range(days))
    assert series["date"].iloc[0] == run.scenario.start_date
    assert (pd.Series(series["date"]).diff().dropna() == pd.Timedelta(days=1)).all()
    assert series["arrivals"].sum() == len(run.clients)
    expected = np.bincount(np.floor(run.clients["arrival_day"]).astype(int), minlength=days)
    assert series["arrivals"].tolist() == expected.tolist()


def _between(starts: pd.Series, ends: pd.Series, times: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) contain each time (rows without a start are ignored).

    Counting ``start <= t`` minus ``end <= t`` is exact because every end is >= its start (the
    timestamp test checks that); an interval still open has end = inf.
    """
    has_start = starts.notna()
    begin = np.sort(starts[has_start].to_numpy(dtype=float))
    finish = np.sort(ends[has_start].fillna(np.inf).to_numpy(dtype=float))
    return (np.searchsorted(begin, times, side="right")
            - np.searchsorted(finish, times, side="right"))


def _reconstructed(clients: pd.DataFrame, times: np.ndarray) -> dict[str, np.ndarray]:
    """Waiting lists and caseloads at ``times``, rebuilt from the per-client records."""
    out = {}
    for kind, path in (("therapy", "hub_therapy"), ("brief", "brief_support")):
        rows = clients[clients["pathway"] == path]
        off_list = rows["course_start_day"].fillna(rows["exit_day"])
        out[f"{kind}_waitlist"] = _between(rows["waitlist_join_day"], off_list, times)
        out[f"{kind}_caseload"] = _between(rows["course_start_day"], rows["exit_day"], times)
    return out


@PROPERTY_SETTINGS
@given(data=st.data())
def test_daily_queues_match_the_records(data, busy_layers):
    """Each end-of-day sample (day d, time d + 1) equals the count rebuilt from the records.

    Every day but the last, which ends at the horizon (see the next test).
    """
    run = _run(data, busy_layers)
    series = run.timeseries
    clients = run.clients
    # an event exactly at a sampling instant (e.g. a closure at midnight) may fall either side of
    # the sample, by event order: those days are ambiguous by design and skipped
    events = set(np.concatenate([clients[c].dropna().to_numpy() for c in
                                 ("waitlist_join_day", "course_start_day", "exit_day")]))
    days = np.arange(len(series) - 1)
    times = days + 1.0
    unambiguous = ~np.isin(times, list(events))
    assert unambiguous.sum() >= len(days) // 2
    expected = _reconstructed(clients, times[unambiguous])
    for name, counts in expected.items():
        observed = series[name].to_numpy()[days[unambiguous]]
        mismatch = np.flatnonzero(observed != counts)
        if mismatch.size:
            i = mismatch[0]
            pytest.fail(f"{name} on day {days[unambiguous][i]}: series {observed[i]}, "
                        f"records {counts[i]} ({mismatch.size} days differ)")


@PROPERTY_SETTINGS
@given(data=st.data())
def test_last_day_of_timeseries_matches_state_at_horizon(data, busy_layers):
    """The last row is the state at the horizon: it must agree with ``stage_at_end``, and
    ``therapy_waitlist_end`` with the clients still waiting for therapy."""
    run = _run(data, busy_layers)
    stage = run.clients["stage_at_end"]
    last = run.timeseries.iloc[-1]
    expected = {
        "triage_backlog": int((stage == "awaiting_triage").sum()),
        "therapy_waitlist": int((stage == "waiting_therapy").sum()),
        "therapy_caseload": int((stage == "in_therapy").sum()),
        "brief_waitlist": int((stage == "waiting_brief").sum()),
        "brief_caseload": int((stage == "in_brief").sum()),
    }
    assert {k: int(last[k]) for k in expected} == expected
    assert run.kpis["therapy_waitlist_end"] == expected["therapy_waitlist"]


def test_a_run_with_no_clients():
    """No arrivals is a valid scenario (``per_week = 0``, or a Hub that closes at once): the run
    gives an empty client table, a full daily series of zeros and zero counts."""
    scenario = build({"horizon_days": 30, "arrivals": {"per_week": 0}}, None, "empty")
    run = hubsim.simulate(scenario, seed=1)
    assert run.clients.empty
    assert len(run.timeseries) == 30
    assert (run.timeseries[["arrivals", "triage_backlog", "therapy_waitlist"]] == 0).all().all()
    assert run.kpis["clients_arrived"] == 0
    assert math.isnan(run.kpis["therapy_wait_days_mean"])
