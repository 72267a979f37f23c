"""The per-replication tables (month-end waiting lists, KPIs by group) worked out the quick way
give, bit for bit, what the direct definitions give: every month end's snapshot equals
``snapshot`` at that time, and a table of clients read back from CSV (labels as strings, not
categories) equals the table of the clients in memory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hubsim.results.waitlist_snapshots import SNAPSHOT_MEASURES, snapshot, snapshots_at
from hubsim.results.waits import WEEKS_18_DAYS, WEEKS_52_DAYS, ListRecords


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("joiners", [0, 1, 7, 400])
def test_snapshots_at_equal_snapshot_at_each_time(joiners: int) -> None:
    """Random joiners (some still waiting, some left, joins at and around the snapshot times,
    waits at exactly 18 and 52 weeks): each time's measures are those of ``snapshot``."""
    rng = np.random.default_rng(joiners)
    join = np.round(rng.uniform(0.0, 700.0, joiners), int(rng.integers(0, 3)))
    stay = rng.exponential(120.0, joiners)
    start = np.where(rng.random(joiners) < 0.5, join + stay, np.nan)
    exit_day = np.where(rng.random(joiners) < 0.3, join + stay / 2, np.nan)
    if joiners:  # waits of exactly 18 and 52 weeks at the times below
        join[0] = 30.0 - WEEKS_18_DAYS if joiners == 1 else 400.0 - WEEKS_52_DAYS
    records = ListRecords(join, start, exit_day)
    at_days = np.array([0.0, 30.0, 61.0, 400.0, 500.0, 730.0, 1000.0])
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
