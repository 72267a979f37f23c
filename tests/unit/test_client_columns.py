"""Client columns read once as arrays: the same values as reading the frame, over a frame, over
the columns a frame is built from, and over a subset of rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.simulate import simulate_hub
from hubsim.model.records import label_codes
from hubsim.results.client_columns import ClientColumns

SEED = 11
FLOAT_COLUMNS = ("arrival_day", "triage_day", "course_start_day", "exit_day",
                 "sessions_attended")
LABEL_COLUMNS = ("pathway", "exit_reason", "external_destination", "need_tier")


@pytest.fixture(scope="module")
def clients(small_scenario) -> pd.DataFrame:
    return simulate_hub(small_scenario, SEED, 0)[0]


def _sources(clients: pd.DataFrame) -> list[ClientColumns]:
    """The same clients over a frame and over its columns (categoricals as ``pd.Categorical``)."""
    mapping = {name: (column.array if isinstance(column.dtype, pd.CategoricalDtype)
                      else column.to_numpy()) for name, column in clients.items()}
    return [ClientColumns(clients), ClientColumns(mapping)]


def test_columns_read_as_the_frame_gives_them(clients) -> None:
    for columns in _sources(clients):
        assert len(columns) == len(clients)
        assert "pathway" in columns and "no_such_column" not in columns
        for name in FLOAT_COLUMNS:
            np.testing.assert_array_equal(columns.floats(name), clients[name].to_numpy(float))
        np.testing.assert_array_equal(columns.values("client_id"),
                                      clients["client_id"].to_numpy())
        for name in LABEL_COLUMNS:
            codes, labels = columns.labels(name)
            assert [labels[c] for c in codes] == clients[name].tolist()
        np.testing.assert_array_equal(columns.has_label("exit_reason", "completed", "open"),
                                      clients["exit_reason"].isin(["completed", "open"]))


def test_a_column_is_read_once(clients) -> None:
    columns = ClientColumns(clients)
    assert columns.floats("exit_day") is columns.floats("exit_day")
    assert columns.labels("pathway") is columns.labels("pathway")


def test_subset_reads_the_rows_kept(clients) -> None:
    keep = clients["arrival_day"].to_numpy() >= clients["arrival_day"].median()
    frame = clients[keep]
    for columns in _sources(clients):
        part = columns.subset(keep)
        assert len(part) == len(frame)
        for name in FLOAT_COLUMNS:
            np.testing.assert_array_equal(part.floats(name), frame[name].to_numpy(float))
        for name in LABEL_COLUMNS:
            codes, labels = part.labels(name)
            want_codes, want_labels = label_codes(frame[name])
            assert [labels[c] for c in codes] == [want_labels[c] for c in want_codes]
        np.testing.assert_array_equal(part.has_label("pathway", "hub_therapy"),
                                      (frame["pathway"] == "hub_therapy").to_numpy())


def test_of_keeps_columns_and_wraps_a_frame(clients) -> None:
    columns = ClientColumns(clients)
    assert ClientColumns.of(columns) is columns
    assert isinstance(ClientColumns.of(clients), ClientColumns)
