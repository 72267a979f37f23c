"""Waits that count everyone who joined a list, end to end: month-end snapshots in the results
folder agree with the daily series, several Hubs' snapshot totals are taken on one date, the waits
figure prints the KPI values it sits beside, and the started-only figures stay beside the new ones.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.experiments.replications import summarise_waitlist_monthly
from hubsim.figures import kpi_windows, therapy_waits
from hubsim.results.kpis import KPI_UNITS
from hubsim.results.read import load_results, results_from_experiment
from hubsim.results.waitlist_snapshots import MONTHLY_COLUMNS, month_end_days, snapshot
from hubsim.results.waits import list_records
from hubsim.results.write import build_metadata, write_results

SEED = 3
REPLICATIONS = 2


@pytest.fixture(scope="module")
def congested(make_small):
    """A 120-day Hub with one therapist, so a therapy list forms and some are still waiting."""
    scenario = make_small({"staff.therapists.wte": 1})
    return hubsim.run_experiment(scenario, replications=REPLICATIONS, seed=SEED)


def test_results_folder_holds_the_monthly_waiting_lists(congested, tmp_path):
    """``waitlist_monthly.csv``: one row per replication, Hub, list and month end, units in the
    column names; its summary has a mean and interval per measure."""
    out = write_results(congested, tmp_path / "run", build_metadata(congested, 0.0))
    folder = load_results(out)
    monthly = folder.extras["waitlist_monthly"]
    assert list(monthly.columns) == ["replication", *MONTHLY_COLUMNS]
    ends = month_end_days(congested.scenario.start_date, congested.scenario.horizon_days)
    assert len(ends) >= 3
    assert len(monthly) == REPLICATIONS * 3 * len(ends)
    summary = folder.extras["waitlist_monthly_summary"]
    assert set(summary["measure"]) == set(MONTHLY_COLUMNS[4:])
    counted = summary["measure"] != "waiting_under_18w_pct"  # blank for an empty list
    assert (summary.loc[counted, "n"] == REPLICATIONS).all()
    expected = summarise_waitlist_monthly(congested.waitlist_monthly)
    pd.testing.assert_frame_equal(summary.drop(columns="date"), expected.drop(columns="date"),
                                  check_dtype=False)


def test_month_end_lists_agree_with_the_daily_series(congested):
    """At each month end the therapy and brief lists counted from the records equal the daily
    series sampled at the end of that date (both count everyone, warm-up included)."""
    monthly = congested.waitlist_monthly
    series = congested.timeseries.assign(date=lambda f: f["date"].astype(str))
    for kind, column in (("therapy", "therapy_waitlist"), ("brief", "brief_waitlist")):
        rows = monthly[monthly["list"] == kind].merge(
            series[["replication", "date", column]], on=["replication", "date"])
        assert len(rows) == len(monthly[monthly["list"] == kind])
        np.testing.assert_array_equal(rows["waiting_clients"], rows[column])
    assert (congested.waitlist_monthly["waiting_clients"] > 0).any()


def test_waitlist_end_is_the_last_sample_and_its_snapshot(congested):
    """``therapy_waitlist_end`` equals the daily series' last value and the records' snapshot
    at the horizon; the over-18-week count never exceeds the list."""
    last = congested.timeseries.groupby("replication")["therapy_waitlist"].last()
    kpis = congested.kpis.set_index("replication")
    np.testing.assert_array_equal(kpis["therapy_waitlist_end"], last)
    clients = congested.clients[congested.clients["replication"] == 0]
    snap = snapshot(list_records(clients, "therapy"), congested.scenario.horizon_days)
    assert snap["waitlist"] == kpis.loc[0, "therapy_waitlist_end"]
    assert snap["longest_wait_days"] == kpis.loc[0, "therapy_longest_wait_days_end"]
    assert (kpis["therapy_waiting_over_18w_end"] <= kpis["therapy_waitlist_end"]).all()


def test_headline_waits_count_those_still_waiting(congested):
    """With clients still waiting at the end, the all-joiner mean is above the lower bound, which
    is above the started-only mean's floor of those who started; every wait KPI has a unit."""
    kpis = congested.kpis
    assert (kpis["therapy_waitlist_end"] > 0).all()
    assert (kpis["therapy_wait_days_mean"] >= kpis["therapy_wait_days_mean_lower_bound"]).all()
    assert (kpis["therapy_wait_days_mean"] > kpis["therapy_wait_days_mean_started"]).all()
    for name in kpis.columns:
        if "wait" in name and ":" not in name:
            assert name in KPI_UNITS, name


def test_waits_figure_prints_the_kpis_beside_it(congested):
    """The figure's shares started within 6 and 18 weeks are the summary's means of
    ``therapy_started_within_*_pct`` (same curve, same denominator: all joiners)."""
    results = results_from_experiment(congested)
    fig = therapy_waits(results.clients, kpi_windows(results.metadata), source=results.source)
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    means = congested.summary.set_index("kpi")["mean"]
    for weeks in (6, 18):
        shown = re.search(rf"([\d.]+)% started within {weeks} weeks", text)
        assert shown, text
        assert shown.group(1) == f"{means[f'therapy_started_within_{weeks}w_pct']:.1f}"


def test_several_hubs_add_snapshots_on_one_date(baseline):
    """Two Hubs whose horizons end 60 days apart: the total list is the sum of each Hub's list on
    the last day of the shorter one, never the sum of their last days, and so never above the
    peak of the summed daily lists."""
    short = baseline.model_copy(update={"hub": "short", "horizon_days": 300.0})
    long = baseline.model_copy(update={"hub": "long", "horizon_days": 360.0})
    scenario = hubsim.scenario.schema.MultiHubScenario(name="two Hubs", hubs=(short, long))
    run = hubsim.simulate(scenario, seed=SEED)
    series = run.timeseries
    common_date = series.loc[series["hub"] == "short", "date"].iloc[-1]
    on_date = series[series["date"] == common_date].set_index("hub")["therapy_waitlist"]
    assert run.kpis["therapy_waitlist_end"] == on_date["short"] + on_date["long"]
    assert run.kpis["therapy_waitlist_end"] <= run.kpis["therapy_waitlist_max"]
    assert run.kpis["long:therapy_waitlist_end"] == series.loc[
        series["hub"] == "long", "therapy_waitlist"].iloc[-1]
