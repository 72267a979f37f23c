"""Faults a real run must survive: a second run to the same folder, an interrupted ``--force``,
the parent killed with SIGKILL, and the leftovers of a run killed while it wrote.

Each starts ``hubsim run`` as a subprocess and acts once its log says a replication is done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from interrupt_driver import INTERRUPTED, default_sigint, run_and_interrupt

from hubsim.results.write import claim_folder

SCENARIO = 'name = "fault test"\nhub = "fault-test"\nhorizon_days = 240\n'
REPLICATIONS = 200  # far more than finish before the test acts
STARTUP_TIMEOUT_S = 120
EXIT_TIMEOUT_S = 120
ORPHAN_TIMEOUT_S = 20  # pool workers must be gone this long after the parent's SIGKILL

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _command(scenario: Path, out: Path, *extra: str) -> list[str]:
    """``hubsim run``; options in ``extra`` win over the defaults here (the last one counts)."""
    return [sys.executable, "-c", "from hubsim.cli.main import main; main()", "run", str(scenario),
            "--replications", str(REPLICATIONS), "--out", str(out), "--no-report", "--verbose",
            *extra]


def _start(scenario: Path, out: Path, *extra: str) -> subprocess.Popen:
    """A run in the background, once it has completed a replication."""
    proc = subprocess.Popen(_command(scenario, out, *extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    for line in proc.stderr:
        if "replication" in line and "done" in line:
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    pytest.fail("the run did not complete a replication")


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> int:
    proc.send_signal(sig)
    try:
        code = proc.wait(EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"no exit within {EXIT_TIMEOUT_S} s of the signal")
    proc.stderr.close()
    return code


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_a_second_run_to_the_same_folder_is_refused(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = _start(scenario, out, "--seed", "1")
    try:
        second = subprocess.run(_command(scenario, out, "--seed", "2", "--force"),
                                capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    finally:
        code = _stop(first)
    assert second.returncode == 2, second.stderr
    message = second.stderr.strip()
    assert "\n" not in message and "another hubsim run" in message and str(out) in message
    assert code == INTERRUPTED
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 1  # the first run's results, untouched by the second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "scenario.toml"]


def test_an_interrupted_force_run_keeps_the_old_folder(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(_command(scenario, out, "--seed", "1", "--replications", "2"),
                          capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    before = _snapshot(out)

    run = run_and_interrupt(scenario, out, ["--force", "--no-report"], REPLICATIONS, 2,
                            STARTUP_TIMEOUT_S, EXIT_TIMEOUT_S)

    assert run.progressed and run.code == INTERRUPTED, run.log
    assert _snapshot(out) == before  # the complete folder is as it was
    partial = json.loads((tmp_path / "results.partial" / "run_metadata.json").read_text("utf-8"))
    assert partial["partial"] is True and partial["seed"] == 2
    assert "results is kept as it was" in run.log
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "results", "results.partial", "scenario.toml"]


def test_pool_workers_die_with_a_killed_parent(scenario: Path, tmp_path: Path) -> None:
    proc = _start(scenario, tmp_path / "results", "--workers", "2")
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers, "no pool workers found"
    proc.kill()
    proc.wait(EXIT_TIMEOUT_S)
    proc.stderr.close()
    _, alive = psutil.wait_procs(workers, timeout=ORPHAN_TIMEOUT_S)
    for orphan in alive:  # clean up before failing
        orphan.kill()
    assert not alive, f"{len(alive)} pool workers outlived their parent"


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "results"
    temporary = tmp_path / ".results.k3j9x_0a"  # as tempfile.mkdtemp names them
    temporary.mkdir()
    (temporary / "clients.csv").write_text("half written", encoding="utf-8")
    moved_aside = tmp_path / ".results.old-4242"  # killed between the two renames of a swap
    moved_aside.mkdir()
    (moved_aside / "run_metadata.json").write_text("{}", encoding="utf-8")
    unrelated = tmp_path / ".other.k3j9x_0a"
    unrelated.mkdir()

    with claim_folder(out, force=True):
        pass

    assert not temporary.exists()
    assert (out / "run_metadata.json").read_text(encoding="utf-8") == "{}"  # put back
    assert unrelated.exists()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "results"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; "
         "from hubsim.results.write import claim_folder\n"
         "with claim_folder(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(600)",
         str(out)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OSError, match="another hubsim run"), claim_folder(out):
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(EXIT_TIMEOUT_S)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
    with claim_folder(out):  # free again
        pass


RESUME_REPLICATIONS = 12
RESULT_TABLES = ("replications.csv", "summary.csv", "clients.csv", "timeseries.csv",
                 "timeseries_bands.csv")


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]], ids=["serial", "pool"])
def test_a_resumed_run_ends_identical_to_an_uninterrupted_one(
    scenario: Path, tmp_path: Path, extra: list[str]
) -> None:
    out = tmp_path / "resumed"
    run = run_and_interrupt(scenario, out, ["--no-report", *extra], RESUME_REPLICATIONS, 5,
                            STARTUP_TIMEOUT_S, EXIT_TIMEOUT_S, signal.SIGTERM)
    assert run.progressed and run.code == 143, run.log
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["partial"] is True and len(meta["completed_replications"]) < RESUME_REPLICATIONS

    base = [sys.executable, "-c", "from hubsim.cli.main import main; main()", "run"]
    resumed = subprocess.run([*base, "--resume", str(out), "--no-report", *extra],
                             capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr
    whole = tmp_path / "whole"
    done = subprocess.run([*base, str(scenario), "--replications", str(RESUME_REPLICATIONS),
                           "--seed", "5", "--out", str(whole), "--no-report"],
                          capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert done.returncode == 0, done.stderr

    for table in RESULT_TABLES:
        assert (out / table).read_bytes() == (whole / table).read_bytes(), table
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert "partial" not in meta and meta["replications"] == RESUME_REPLICATIONS


def test_resume_refuses_a_complete_folder(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "complete"
    base = [sys.executable, "-c", "from hubsim.cli.main import main; main()", "run"]
    done = subprocess.run([*base, str(scenario), "--replications", "2", "--out", str(out),
                           "--no-report"], capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    again = subprocess.run([*base, "--resume", str(out)], capture_output=True, text=True,
                           timeout=EXIT_TIMEOUT_S)
    assert again.returncode == 2
    assert again.stderr.strip().endswith("partial: not an interrupted run; nothing to resume")
