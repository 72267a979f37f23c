"""Executor choice: one option at most, serial by default, a clear error without Dask."""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from hubsim.cli.common import DASK_LOCAL_MIN_REPLICATIONS, warn_dask_local
from hubsim.cli.main import app
from hubsim.experiments.executors import ExecutorError, open_executor, replacement_for, worker_count

BAD_INPUT = 2


def test_default_is_serial() -> None:
    with open_executor() as handle:
        assert handle.executor is None and handle.workers == 1
    with open_executor(workers=1) as handle:
        assert handle.executor is None


def test_two_executor_options_are_refused() -> None:
    with pytest.raises(ExecutorError, match="--workers and --dask-local"), open_executor(
        workers=2, dask_local=2
    ):
        pass


def test_missing_dask_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ExecutorError, match=r"hubsim\[dask\]"), open_executor(dask_local=2):
        pass


def test_missing_dask_on_the_command_line_exits_2(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "s"\nhub = "s"\nhorizon_days = 30\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--no-report", str(scenario), "--dask-local", "2",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == BAD_INPUT
    assert "install hubsim[dask]" in result.stderr


def test_only_process_pools_are_replaced_when_broken() -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        replacement = replacement_for(pool)
        assert replacement is not None
        fresh = replacement()
        assert isinstance(fresh, ProcessPoolExecutor) and worker_count(fresh) == 2
        fresh.shutdown()
    with ThreadPoolExecutor(max_workers=3) as threads:
        assert replacement_for(threads) is None and worker_count(threads) == 3
    assert replacement_for(None) is None and worker_count(None) == 1


def test_dask_local_for_few_replications_warns(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="hubsim.cli.common"):
        warn_dask_local(2, DASK_LOCAL_MIN_REPLICATIONS - 1)
        assert "--dask-local" in caplog.text and "--workers 2" in caplog.text
        caplog.clear()
        warn_dask_local(2, DASK_LOCAL_MIN_REPLICATIONS)  # at break-even: no warning
        warn_dask_local(None, 3)  # no local cluster
        warn_dask_local(2, None)  # --replications auto: not known in advance
    assert caplog.text == ""
