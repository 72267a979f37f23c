"""Records streamed to disk: the parent's memory does not grow with replications.

The parent holds, per replication, its KPI row, its daily ``BAND_SERIES`` and its month-end waiting
lists (a few kilobytes); the per-client and per-day records (over 100 kB a replication here) go to
disk as each replication arrives. Measured with ``tracemalloc`` (the parent's Python allocations,
workers excluded) on a process pool, the way ``hubsim run --workers 2`` runs.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from hubsim.experiments.replications import run_experiment
from hubsim.scenario.loader import build

HORIZON_DAYS = 60
SEED = 3
FEW, MANY = 8, 32
GROWTH_SHARE = 0.35
"""Streamed, the peak may grow from FEW to MANY replications by at most this share of what it
grows by when the records are kept in memory (measured: about 0.17; the rest is the KPI rows,
the band series and the final tables)."""


def _peak(scenario, replications: int, records_dir: Path | None) -> int:
    """Peak bytes allocated by this process while the experiment runs on a 2-process pool."""
    tracemalloc.start()
    try:
        run_experiment(scenario, replications, SEED, workers=2, records_dir=records_dir)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_parent_memory_does_not_grow_with_replications(tmp_path) -> None:
    scenario = build({"horizon_days": HORIZON_DAYS}, None, "test")
    _peak(scenario, 2, tmp_path)  # one-off imports and caches, outside the comparison
    folders = [tmp_path / str(n) for n in (FEW, MANY)]
    for folder in folders:
        folder.mkdir()
    streamed = _peak(scenario, MANY, folders[1]) - _peak(scenario, FEW, folders[0])
    in_memory = _peak(scenario, MANY, None) - _peak(scenario, FEW, None)
    assert in_memory > 1_000_000, f"control: records in memory grew by only {in_memory} bytes"
    assert streamed < GROWTH_SHARE * in_memory, (streamed, in_memory)
