"""The KPIs that answer planners' questions: longest waiters, "when", closure, by group, costs by
financial year; and the number formats of the tables a person reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim import load_scenario
from hubsim.experiments.simulate import simulate
from hubsim.results import financial_year, waitlist_snapshots
from hubsim.results.closure import CLOSURE_KPIS
from hubsim.results.groups import GROUP_KPIS, group_kpis
from hubsim.results.number_format import fmt_estimate, fmt_value
from hubsim.results.waitlist_snapshots import month_date, month_end_days, snapshot, when_kpis
from hubsim.results.waits import (
    RTT_STANDARD_PCT,
    WEEKS_18_DAYS,
    ListRecords,
    kaplan_meier,
    longest_wait_kpis,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
NAN = float("nan")


@pytest.fixture(scope="module")
def baseline_run():
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    return scenario, simulate(scenario, seed=3, replication=0)


def test_costs_by_financial_year_add_up_to_the_total(baseline_run):
    scenario, run = baseline_run
    years = {k: v for k, v in run.kpis.items() if financial_year.year_of_kpi(k) is not None}
    assert list(years) == ["cost_fy2020_21_gbp", "cost_fy2021_22_gbp"]  # April 2020-March 2022
    assert sum(years.values()) == pytest.approx(run.kpis["cost_total_gbp"], rel=1e-12)
    assert all(v > 0 for v in years.values())


def test_financial_year_spans_split_at_1_april():
    start = dt.date(2020, 4, 1)
    spans = financial_year.spans(start, 0.0, 730.0)
    assert [(y, a, b) for y, a, b in spans] == [(2020, 0.0, 365.0), (2021, 365.0, 730.0)]
    days = np.array([0.0, 364.9, 365.0, 729.5])
    assert list(financial_year.years_of_days(start, days)) == [2020, 2020, 2021, 2021]
    assert financial_year.year_of(dt.date(2021, 3, 31)) == 2020
    assert financial_year.label(2020) == "2020-21"


def test_one_population_groups_reproduce_the_hub_kpis(baseline_run):
    """The 'own' population is every client, so its KPIs are the Hub's own, to the last digit."""
    scenario, run = baseline_run
    table = group_kpis(scenario, run.clients)
    own = table[(table["group_by"] == "population") & (table["group"] == "own")]
    for row in own.itertuples(index=False):
        expected = run.kpis[row.kpi]
        assert row.value == pytest.approx(expected, nan_ok=True), row.kpi
    tiers = table[(table["group_by"] == "need_tier") & (table["kpi"] == "clients_arrived")]
    assert tiers["value"].sum() == run.kpis["clients_arrived"]
    assert set(own["kpi"]) == set(GROUP_KPIS)


def test_incident_population_waits_apart_from_keyworkers():
    scenario = load_scenario(SCENARIOS / "major-incident-surge.toml", {"horizon_days": 500})
    run = simulate(scenario, seed=1, replication=0)
    table = group_kpis(scenario, run.clients).set_index(["group_by", "group", "kpi"])["value"]
    arrived = [table[("population", g, "clients_arrived")] for g in ("own", "incident")]
    assert sum(arrived) == run.kpis["clients_arrived"]
    assert all(a > 0 for a in arrived)


@pytest.mark.parametrize("on_close", ["refer_external", "discharge"])
def test_closure_counts_add_up(on_close):
    """Everyone waiting or in a course at the closure leaves then: handed on, or discharged."""
    scenario = load_scenario(SCENARIOS / "funding-ends.toml", {"service.on_close": on_close})
    kpis = simulate(scenario, seed=2, replication=0).kpis
    assert set(CLOSURE_KPIS) <= set(kpis)
    left = sum(kpis[f"{k}_waiting_at_closure"] for k in ("triage", "therapy", "brief"))
    left += kpis["courses_ended_at_closure"]
    assert left > 0
    handed, discharged = kpis["handed_on_at_closure"], kpis["discharged_at_closure"]
    assert (handed, discharged) == ((left, 0.0) if on_close == "refer_external" else (0.0, left))
    assert kpis["external_referrals"] >= handed


def test_no_closure_no_closure_kpis(baseline_run):
    assert not set(CLOSURE_KPIS) & set(baseline_run[1].kpis)


def _records(join, start, exit_=None):
    join, start = np.asarray(join, float), np.asarray(start, float)
    return ListRecords(join, start, np.full(join.size, NAN) if exit_ is None else exit_)


def test_when_the_list_peaks_and_meets_the_18_week_standard():
    """Ten clients join on 1 January (day 0). Month ends fall at days 31, 59, 90, 120, 151, 181,
    212, ...; waits over 18 weeks (126 days) miss the standard."""
    start = dt.date(2021, 1, 1)
    join = np.zeros(10)
    records = _records(join, np.full(10, 150.0))  # all start on day 150
    kpis = when_kpis("therapy", [(records, start, 365.0)])
    assert kpis["therapy_waitlist_peak_month"] == 1.0  # 10 from the first month end, then 0
    # 30 April (day 120): 120 days waited, within 18 weeks; 31 May: the list is empty
    assert kpis["therapy_18w_met_from_month"] == 1.0
    late = _records(join, np.full(10, 200.0))  # still waiting on 31 May (day 151 > 126)
    kpis = when_kpis("therapy", [(late, start, 365.0)])
    assert kpis["therapy_18w_met_from_month"] == 7.0  # 31 May and 30 June missed; July on met
    stuck = _records(join, np.full(10, NAN))  # never start: misses at the last month end
    assert np.isnan(when_kpis("therapy", [(stuck, start, 365.0)])["therapy_18w_met_from_month"])
    assert str(month_date(start, 7.0)) == "2021-07-31"


def _when_by_snapshots(parts):
    """``when_kpis`` computed month by month from ``snapshot`` (the definition)."""
    starts = [np.datetime64(start, "D") for _, start, _ in parts]
    first = min(starts)
    end = min(float((s - first).astype(int)) + h
              for s, (_, _, h) in zip(starts, parts, strict=True))
    sizes, met = [], []
    for date, _ in month_end_days(first.item(), end):
        waiting = under = 0
        for (records, _, _), start in zip(parts, starts, strict=True):
            if date >= start:
                snap = snapshot(records, float((date - start).astype(int) + 1))
                waiting += int(snap["waitlist"])
                under += int(snap["waitlist"] - snap["waiting_over_18w"])
        sizes.append(waiting)
        met.append(waiting == 0 or 100.0 * under / waiting >= RTT_STANDARD_PCT)
    missed = [i for i, ok in enumerate(met) if not ok]
    return (float(np.argmax(sizes) + 1),
            NAN if not met[-1] else float((missed[-1] + 1 if missed else 0) + 1))


@pytest.mark.parametrize("cells", [1 << 20, 7])  # one block of month ends, and many
@pytest.mark.parametrize("mean_wait_days, met_from", [(40.0, 1.0), (60.0, 19.0), (120.0, NAN)])
def test_when_kpis_agree_with_monthly_snapshots(monkeypatch, cells, mean_wait_days, met_from):
    """Two Hubs starting on different dates; joiners who start, or leave without starting, or
    still wait at the horizon. Month by month from ``snapshot``, the standard is met from the
    first month, from a later month, or missed at the last."""
    monkeypatch.setattr(waitlist_snapshots, "_CELLS_PER_BLOCK", cells)
    rng = np.random.default_rng(5)
    parts = []
    for start, horizon in ((dt.date(2020, 4, 1), 700.0), (dt.date(2020, 9, 15), 500.0)):
        join = np.sort(rng.uniform(0, horizon, 300))
        starts = rng.random(300) < 0.9
        begun = np.where(starts, join + rng.exponential(mean_wait_days, 300), NAN)
        left = np.where(~starts, join + rng.exponential(60.0, 300), NAN)
        parts.append((ListRecords(join, begun, left), start, horizon))
    kpis = when_kpis("therapy", parts)
    peak, want = _when_by_snapshots(parts)
    assert kpis["therapy_waitlist_peak_month"] == peak
    got = kpis["therapy_18w_met_from_month"]
    assert got == want or (np.isnan(got) and np.isnan(want))
    assert want == met_from or (np.isnan(want) and np.isnan(met_from))  # each case is reached


def test_longest_waiters():
    on_list = np.array([10.0, 100.0, WEEKS_18_DAYS + 1, 400.0])
    curve = kaplan_meier(on_list, np.ones(4, bool))
    kpis = longest_wait_kpis("therapy", curve, on_list)
    assert kpis["therapy_longest_wait_days"] == 400.0
    assert kpis["therapy_waited_over_18w"] == 2.0 and kpis["therapy_waited_over_52w"] == 1.0
    assert kpis["therapy_wait_days_p95"] == 400.0


@pytest.mark.parametrize(("args", "text"), [
    ((93.04, 88.0, 101.2, "%"), "93.0 (88.0 to 100.0) %"),
    ((0.944, 0.935, 0.954, "share 0-1"), "94.4 (93.5 to 95.4) %"),
    ((2226150.4, 2200109, 2252191, "GBP"), "£2,226,150 (£2,200,109 to £2,252,191)"),
    ((139.28, 105.59, 172.97, "days"), "139.3 (105.6 to 173.0) days"),
    ((1168.2, 1146.0, 1190.0, "clients"), "1,168 (1,146 to 1,190)"),
    ((91.9, 74.7, 109.1, "clients"), "91.9 (74.7 to 109.1)"),
    ((5.0, NAN, NAN, "days"), "5.0 days"),
])
def test_one_format_per_unit(args, text):
    assert fmt_estimate(*args) == text


def test_missing_values_read_as_a_dash():
    assert fmt_value(NAN, "days") == "-" and fmt_estimate(NAN, 1.0, 2.0, "%") == "-"


def test_group_table_columns():
    scenario = load_scenario(SCENARIOS / "baseline.toml", {"horizon_days": 120})
    frame = group_kpis(scenario, simulate(scenario, 0, 0).clients)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["group_by", "group", "kpi", "value"]


def test_groups_from_a_csv_file_equal_those_in_memory(baseline_run, tmp_path):
    """A resumed run recomputes the groups from clients.csv: same groups, order and values."""
    scenario, run = baseline_run
    run.clients.to_csv(tmp_path / "clients.csv", index=False)
    again = group_kpis(scenario, pd.read_csv(tmp_path / "clients.csv"))
    pd.testing.assert_frame_equal(again, group_kpis(scenario, run.clients))
