"""Serial = process pool = Dask, exactly; a worker that dies mid-run loses nothing.

Equality is exact (``check_exact=True``): replication ``r`` is seeded by ``(seed, r)`` alone, so
where it runs cannot change a single number. The Dask cluster listens on loopback, on free ports,
without a dashboard, so two test processes (pytest -n 2) can each start one.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.experiments.executors import dask_local_client, open_executor
from hubsim.experiments.replications import Experiment, run_experiment
from hubsim.scenario.loader import build

HORIZON_DAYS = 240  # long enough that a replication is still running when a worker is killed
REPLICATIONS = 8
SEED = 5
FRAMES = ("kpis", "summary", "clients", "timeseries", "bands")
KILL_POLL_S = 0.01  # how often to look for a task running on the worker to kill
KILL_WAIT_S = 30  # give up looking after this long (the test then fails)
RESTART_WAIT_S = 120  # the killed worker's nanny starts a new one: a few seconds, more if loaded


@pytest.fixture(scope="module")
def scenario():
    """Registry defaults over an eight-month horizon."""
    return build({"horizon_days": HORIZON_DAYS}, None, "test")


@pytest.fixture(scope="module")
def serial(scenario) -> Experiment:
    return run_experiment(scenario, REPLICATIONS, SEED)


def assert_identical(a: Experiment, b: Experiment) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_process_pool_equals_serial(scenario, serial) -> None:
    assert_identical(serial, run_experiment(scenario, REPLICATIONS, SEED, workers=2))


def _csv_bytes(frame: pd.DataFrame, path) -> bytes:
    frame.to_csv(path, index=False)
    return path.read_bytes()


def test_records_streamed_from_a_pool_equal_serial_in_memory(scenario, serial, tmp_path) -> None:
    """Replications finish out of order on a pool; the streamed files are in order, exactly."""
    folder = tmp_path / "records"
    folder.mkdir()
    got = run_experiment(scenario, REPLICATIONS, SEED, workers=2, records_dir=folder)
    for name in ("kpis", "summary", "bands", "waitlist_monthly"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(got, name), check_exact=True)
    assert (folder / "clients.csv").read_bytes() == _csv_bytes(serial.clients, tmp_path / "c.csv")
    assert (folder / "timeseries.csv").read_bytes() == _csv_bytes(
        serial.timeseries, tmp_path / "t.csv")


def test_open_executor_pool_equals_serial(scenario, serial) -> None:
    with open_executor(workers=2) as handle:
        assert handle.workers == 2
        got = run_experiment(scenario, REPLICATIONS, SEED, executor=handle.executor)
    assert_identical(serial, got)


def _kill_one_pool_process(before: set[int], killed: list[int]):
    """Hook: on the first result, SIGKILL one pool process started by this test."""

    def hook(_replication: int) -> None:
        if killed:
            return
        pool = [p for p in psutil.Process().children() if p.pid not in before]
        assert pool, "no pool process to kill"
        os.kill(pool[0].pid, signal.SIGKILL)
        killed.append(pool[0].pid)

    return hook


def test_killed_pool_process_is_replaced_and_results_identical(scenario, serial, caplog) -> None:
    before = {p.pid for p in psutil.Process().children()}
    killed: list[int] = []
    with caplog.at_level(logging.WARNING, logger="hubsim.experiments.dispatch"):
        got = run_experiment(scenario, REPLICATIONS, SEED, workers=2,
                             on_result=_kill_one_pool_process(before, killed))
    assert killed, "the hook never ran"
    assert "worker process died" in caplog.text
    assert_identical(serial, got)


def _kill_busy_dask_worker(client, record: dict):
    """Hook: on the first result, SIGKILL a Dask worker that is running a replication."""

    def hook(_replication: int) -> None:
        if record:
            return
        deadline = time.monotonic() + KILL_WAIT_S
        while time.monotonic() < deadline:
            busy = {w: keys for w, keys in client.processing().items() if keys}
            if busy:
                address, keys = next(iter(busy.items()))
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                record.update(address=address, keys=keys, pid=pid)
                return
            time.sleep(KILL_POLL_S)

    return hook


@pytest.mark.slow
def test_dask_equals_serial_even_when_a_worker_dies(scenario, serial) -> None:
    """One LocalCluster (starting one is the slow part): undisturbed, then a worker killed."""
    with dask_local_client(2) as client:
        executor = client.get_executor(pure=False)
        assert_identical(serial, run_experiment(scenario, REPLICATIONS, SEED, executor=executor))
        record: dict = {}
        got = run_experiment(scenario, REPLICATIONS, SEED, executor=executor,
                             on_result=_kill_busy_dask_worker(client, record))
        client.wait_for_workers(2, timeout=RESTART_WAIT_S)  # close a settled cluster
    assert record.get("keys"), "no busy worker was found to kill"
    assert not psutil.pid_exists(record["pid"]) or (
        psutil.Process(record["pid"]).status() == psutil.STATUS_ZOMBIE)
    assert_identical(serial, got)


@pytest.mark.slow
def test_run_command_on_an_existing_scheduler(tmp_path, serial) -> None:
    """``hubsim run --scheduler ADDRESS`` gives the serial results, written to the folder."""
    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(f"horizon_days = {HORIZON_DAYS}\n", encoding="utf-8")
    out = tmp_path / "run"
    with dask_local_client(2) as client:
        result = CliRunner().invoke(app, [
            "run", "--no-report", str(scenario_file), "--replications", str(REPLICATIONS),
            "--seed", str(SEED),
            "--scheduler", client.scheduler.address, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Dask scheduler tcp://127.0.0.1:" in result.stdout
    written = pd.read_csv(out / "replications.csv")
    expected = tmp_path / "expected.csv"
    serial.kpis.to_csv(expected, index=False)  # the same CSV round trip
    pd.testing.assert_frame_equal(written, pd.read_csv(expected), check_exact=True)
    # records streamed to disk as Dask returned them: the serial records, byte for byte
    assert (out / "clients.csv").read_bytes() == _csv_bytes(serial.clients, tmp_path / "c.csv")
    assert (out / "timeseries.csv").read_bytes() == _csv_bytes(
        serial.timeseries, tmp_path / "t.csv")
