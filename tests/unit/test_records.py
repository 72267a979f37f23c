"""Per-client records and the post-run tables: label helpers, the clients frame, the daily
timeseries and caseload slot-days computed from the run's log.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.model.records import EXIT_REASONS, has_label, label_codes
from hubsim.results.kpis import compute_kpis
from hubsim.scenario.schema import PATHWAYS

SEED = 7


@pytest.fixture(scope="module")
def hub_run(small_scenario):
    """(scenario, clients, timeseries, usage) of one small replication."""
    return (small_scenario, *simulate_hub(small_scenario, SEED, 0))


def _column_variants(column: pd.Series) -> list[pd.Series]:
    """The same labels as categorical, plain string and object columns, with missing values."""
    plain = column.astype(str).astype(object)
    plain.iloc[::5] = np.nan
    return [plain.astype("category"), plain.astype("str"), plain]


@pytest.mark.parametrize("name, labels", [
    ("pathway", ("hub_therapy",)),
    ("exit_reason", ("completed", "dropped_out", "discharged_dna")),
    ("external_destination", ("",)),
])
def test_has_label_agrees_with_isin_whatever_the_column_type(hub_run, name, labels) -> None:
    clients = hub_run[1]
    for column in _column_variants(clients[name]):
        np.testing.assert_array_equal(has_label(column, *labels),
                                      column.isin(labels).to_numpy())


def test_label_codes_give_each_row_its_label_and_missing_values_none(hub_run) -> None:
    column = _column_variants(hub_run[1]["exit_reason"])[0]
    codes, labels = label_codes(column)
    got = [labels[c] for c in codes]
    want = [None if pd.isna(v) else v for v in column]
    assert got == want


def test_clients_frame_columns_are_typed(hub_run) -> None:
    clients = hub_run[1]
    assert list(clients["pathway"].cat.categories) == ["none", *PATHWAYS]
    assert list(clients["exit_reason"].cat.categories) == list(EXIT_REASONS)
    referred = clients["referral_day"].notna()
    assert (clients.loc[~referred, "external_destination"] == "").all()
    assert (clients.loc[referred, "external_destination"] != "").all()
    assert clients["sex"].dtype == "str"


def test_timeseries_dates_are_date_objects_one_per_day(hub_run) -> None:
    scenario, _, timeseries, _ = hub_run
    assert timeseries["date"].dtype == object
    want = [scenario.start_date + dt.timedelta(days=int(d)) for d in timeseries["day"]]
    assert timeseries["date"].tolist() == want
    assert all(type(d) is dt.date for d in timeseries["date"])


def test_kpis_do_not_depend_on_categorical_columns(hub_run) -> None:
    scenario, clients, timeseries, usage = hub_run
    labels = ["pathway", "exit_reason", "external_destination", "need_tier"]
    plain = clients.astype({name: "str" for name in labels})
    got = compute_kpis(plain, timeseries, scenario, usage)
    want = compute_kpis(clients, timeseries, scenario, usage)
    assert got.keys() == want.keys()
    for name, value in want.items():
        assert got[name] == value or (np.isnan(got[name]) and np.isnan(value)), name
