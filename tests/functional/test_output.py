"""Functional tests of hubsim.results.write: atomic results folders and their metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hubsim import run_experiment
from hubsim.results.write import (
    RESULT_FILES,
    OutputExistsError,
    build_metadata,
    scenario_hash,
    write_results,
)

CSV_FILES = 6  # replications, summary, clients, timeseries, waitlist_monthly and its summary


@pytest.fixture(scope="module")
def experiment(small_scenario):
    return run_experiment(small_scenario, replications=2, seed=0)


@pytest.fixture(scope="module")
def meta(experiment):
    return build_metadata(experiment, wall_time_s=1.0)


@pytest.fixture
def parent(tmp_path) -> Path:
    folder = tmp_path / "parent"
    folder.mkdir()
    return folder


def _fail_on_call(monkeypatch, n: int) -> None:
    """Make the ``n``-th ``DataFrame.to_csv`` call raise, as a full disc would."""
    real = pd.DataFrame.to_csv
    calls = {"count": 0}

    def flaky(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", flaky)


def test_write_results_writes_every_file(experiment, meta, parent) -> None:
    out = write_results(experiment, parent / "run", meta)
    assert out == parent / "run"
    assert {p.name for p in out.iterdir()} == set(RESULT_FILES)
    assert [p.name for p in parent.iterdir()] == ["run"]  # no temporary folder left
    kpis = pd.read_csv(out / "replications.csv")
    assert len(kpis) == 2
    pd.testing.assert_frame_equal(kpis, experiment.kpis, check_dtype=False)
    assert len(pd.read_csv(out / "clients.csv")) == len(experiment.clients)
    written = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert written["scenario_hash"] == scenario_hash(experiment.scenario)
    assert (written["seed"], written["replications"]) == (0, 2)


@pytest.mark.parametrize("failing_call", [1, 3, CSV_FILES])
def test_failure_while_writing_leaves_nothing(
    experiment, meta, parent, monkeypatch, failing_call
) -> None:
    _fail_on_call(monkeypatch, failing_call)
    with pytest.raises(OSError, match="No space"):
        write_results(experiment, parent / "run", meta)
    assert list(parent.iterdir()) == []  # neither the folder nor a temporary one


def test_failure_while_forcing_keeps_the_old_folder(experiment, meta, parent, monkeypatch) -> None:
    out = parent / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous results", encoding="utf-8")
    _fail_on_call(monkeypatch, 3)
    with pytest.raises(OSError):
        write_results(experiment, out, meta, force=True)
    assert [p.name for p in parent.iterdir()] == ["run"]
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").read_text(encoding="utf-8") == "previous results"


def test_existing_folder_is_not_overwritten(experiment, meta, parent) -> None:
    out = parent / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous results", encoding="utf-8")
    mtime = (out / "old.txt").stat().st_mtime_ns
    with pytest.raises(OutputExistsError):
        write_results(experiment, out, meta)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").stat().st_mtime_ns == mtime
    assert [p.name for p in parent.iterdir()] == ["run"]


def test_force_replaces_the_folder(experiment, meta, parent) -> None:
    out = parent / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous results", encoding="utf-8")
    write_results(experiment, out, meta, force=True)
    assert {p.name for p in out.iterdir()} == set(RESULT_FILES)  # old.txt gone
    assert [p.name for p in parent.iterdir()] == ["run"]  # the moved-aside copy removed


def test_missing_parent_folders_are_created(experiment, meta, tmp_path) -> None:
    out = tmp_path / "a" / "b" / "run"
    write_results(experiment, out, meta)
    assert (out / "summary.csv").is_file()


def test_records_not_kept_writes_kpis_only(small_scenario, parent) -> None:
    lean = run_experiment(small_scenario, replications=2, seed=0, keep_records=False)
    out = write_results(lean, parent / "run", build_metadata(lean, 0.5))
    assert {p.name for p in out.iterdir()} == {
        "replications.csv", "summary.csv", "run_metadata.json", "costs_by_financial_year.csv",
    }


def test_metadata_keys_and_hash(experiment, meta, small_scenario, make_small) -> None:
    assert {"hubsim_version", "scenario_hash", "seed", "replications", "wall_time_seconds",
            "versions", "scenario"} <= set(meta)
    assert json.loads(json.dumps(meta)) == meta  # JSON-ready
    assert meta["scenario"]["horizon_days"] == small_scenario.horizon_days
    assert len(meta["scenario_hash"]) == 64
    assert scenario_hash(small_scenario) == scenario_hash(make_small())  # equal scenarios
    assert scenario_hash(small_scenario) != scenario_hash(
        make_small({"staff.therapists.wte": 4})
    )


def test_failure_while_swapping_restores_the_old_folder(
    experiment, meta, parent, monkeypatch
) -> None:
    out = parent / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous results", encoding="utf-8")
    real = Path.rename
    calls = {"count": 0}

    def flaky(self, target):
        calls["count"] += 1
        if calls["count"] == 2:  # 1: old folder moved aside; 2: new folder into place
            raise OSError(5, "Input/output error")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", flaky)
    with pytest.raises(OSError, match="Input/output"):
        write_results(experiment, out, meta, force=True)
    assert [p.name for p in parent.iterdir()] == ["run"]
    assert [p.name for p in out.iterdir()] == ["old.txt"]
