"""The per-replication tables (month-end waiting lists, KPIs by group) worked out the quick way
give, bit for bit, what the direct definitions give: every month end's snapshot equals
``snapshot`` at that time, and a table of clients read back from CSV (labels as strings, not
categories) equals the table of the clients in memory."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim import load_scenario
from hubsim.experiments.replications import run_experiment
from hubsim.results.experiment import waitlist_monthly_table
from hubsim.results.groups import GROUP_KPIS, GROUP_LISTS, group_kpis, group_kpis_table
from hubsim.results.kpis import client_arrays, client_kpis
from hubsim.results.waitlist_snapshots import SNAPSHOT_MEASURES, snapshot, snapshots_at
from hubsim.results.waits import WEEKS_18_DAYS, WEEKS_52_DAYS, ListRecords
from hubsim.scenario.loader import build


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("joiners", [0, 1, 7, 400])
def test_snapshots_at_equal_snapshot_at_each_time(joiners: int) -> None:
    """Random joiners (some still waiting, some left, joins and leaves at the snapshot times,
    waits of exactly 18 and 52 weeks), times in no order: each time's measures are those of
    ``snapshot``."""
    rng = np.random.default_rng(joiners)
    join = np.round(rng.uniform(0.0, 700.0, joiners), int(rng.integers(0, 3)))
    stay = rng.exponential(120.0, joiners)
    start = np.where(rng.random(joiners) < 0.5, join + stay, np.nan)
    exit_day = np.where(rng.random(joiners) < 0.3, join + stay / 2, np.nan)
    if joiners:  # waits of exactly 18 and 52 weeks at the times below
        join[0] = 30.0 - WEEKS_18_DAYS if joiners == 1 else 400.0 - WEEKS_52_DAYS
    at_days = np.array([400.0, 0.0, 30.0, 61.0, 500.0, 1000.0, 730.0])  # not in order
    if joiners > 7:  # joins and starts at the very times of the snapshots
        join[1:5], start[5:9], exit_day[9:12] = 61.0, 500.0, 730.0
        start[9:12] = np.nan
    records = ListRecords(join, start, exit_day)
    snaps = snapshots_at(records, at_days)
    for i, at in enumerate(at_days.tolist()):
        one = snapshot(records, at)
        assert all(_same(snaps[m][i], one[m]) for m in SNAPSHOT_MEASURES), (at, one)


def test_snapshots_at_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of one time each give the same values as one block of all the times."""
    from hubsim.results import waitlist_snapshots

    rng = np.random.default_rng(5)
    join = rng.uniform(0.0, 300.0, 50)
    records = ListRecords(join, join + rng.exponential(60.0, 50), np.full(50, np.nan))
    at_days = np.arange(0.0, 400.0, 30.0)
    whole = snapshots_at(records, at_days)
    monkeypatch.setattr(waitlist_snapshots, "_CELLS_PER_BLOCK", 1)
    blocks = snapshots_at(records, at_days)
    for measure in SNAPSHOT_MEASURES:
        np.testing.assert_array_equal(blocks[measure], whole[measure])
    assert pd.Series(whole["waitlist"]).gt(0).any()


SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module", params=["populations", "hubs"])
def experiment(request: pytest.FixtureRequest):
    """Two replications of a scenario with several populations (a major incident's surge), and
    of one with two Hubs (short horizons: a few seconds in all)."""
    if request.param == "populations":
        scenario = load_scenario(SCENARIOS / "major-incident-surge.toml", {"horizon_days": 500})
    else:
        scenario = build({"horizon_days": 200, "hubs": {"b": {}, "a": {}}}, None, "two Hubs")
    return scenario, run_experiment(scenario, 2, seed=4)


def _csv_round_trip(clients: pd.DataFrame, path: Path) -> pd.DataFrame:
    clients.to_csv(path, index=False)
    return pd.read_csv(path)


def test_tables_of_clients_read_from_csv_equal_those_in_memory(experiment, tmp_path) -> None:
    """A resumed run works the tables out from clients.csv (labels as strings, not categories):
    the same rows, order, values and column types, to the last bit."""
    scenario, run = experiment
    read = _csv_round_trip(run.clients, tmp_path / "clients.csv")
    assert not isinstance(read["population"].dtype, pd.CategoricalDtype)
    for table, kept in ((waitlist_monthly_table, run.waitlist_monthly),
                        (group_kpis_table, run.kpis_by_group)):
        in_memory = table(scenario, run.clients)
        pd.testing.assert_frame_equal(in_memory, kept, check_exact=True)
        pd.testing.assert_frame_equal(table(scenario, read), in_memory, check_exact=True)
        assert set(in_memory["replication"]) == {0, 1}


def test_monthly_rows_in_the_order_of_a_sorted_groupby(experiment) -> None:
    """Rows run by replication, then Hub as a sorted groupby orders them: in category order
    when the Hub column is categorical, else alphabetical."""
    scenario, run = experiment
    clients = run.clients.sample(frac=1.0, random_state=0)  # rows of every group interleaved
    hubs = sorted(clients["hub"].unique())
    for hub in (clients["hub"], pd.Categorical(clients["hub"], categories=hubs[::-1])):
        clients = clients.assign(hub=hub)
        table = waitlist_monthly_table(scenario, clients)
        order = table[["replication", "hub"]].drop_duplicates()
        expected = clients.groupby(["replication", "hub"], sort=True, observed=True).size()
        assert list(order.itertuples(index=False, name=None)) == [
            (r, str(h)) for r, h in expected.index]


def test_group_table_is_each_replications_group_kpis(experiment) -> None:
    """The group table is ``group_kpis`` of each replication's own rows, stacked in replication
    order, also when rows are shuffled and one replication has no client in the KPI window
    (its empty table makes the columns plain objects, as stacking the tables does)."""
    scenario, run = experiment
    clients = run.clients.sample(frac=1.0, random_state=1)
    for frame in (clients, clients.assign(arrival_day=clients["arrival_day"].where(
            clients["replication"] == 0, -1.0))):
        parts = []
        for replication in (0, 1):
            part = group_kpis(scenario, frame[frame["replication"] == replication])
            part.insert(0, "replication", np.int64(replication))
            parts.append(part)
        expected = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(group_kpis_table(scenario, frame), expected,
                                      check_exact=True)
    assert expected["value"].dtype == object and len(expected) == len(parts[0]) > 0


def test_group_kpis_are_those_of_client_kpis(experiment) -> None:
    """Each group KPI is, bit for bit, ``client_kpis``' value for the same clients when only the
    lists of ``GROUP_LISTS`` are worked out (as ``group_kpis`` does) and when every list is, for
    random subsets of clients, an empty one included."""
    _, run = experiment
    clients = run.clients[run.clients["replication"] == 0]
    arrays = client_arrays(clients)
    horizon = np.random.default_rng(2).choice([200.0, 300.0, 500.0], len(clients))
    rng = np.random.default_rng(3)
    for share in (0.0, 0.05, 0.5, 1.0):
        keep = rng.random(len(clients)) < share
        rows = {name: values[keep] for name, values in arrays.items()}
        quick = client_kpis(rows, horizon[keep], GROUP_LISTS)
        full = client_kpis(rows, horizon[keep])
        assert set(GROUP_KPIS) <= set(quick)
        assert all(_same(quick[name], full[name]) for name in GROUP_KPIS), share
