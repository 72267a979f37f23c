"""SIGTERM on the long commands besides ``run`` (sweep, compare, staff, psa): it stops them as
Ctrl-C does, with one line, exit code 143 (128 + SIGTERM), no traceback and nothing written.

``timeout``, batch schedulers and container stops send SIGTERM. Each case starts a real command
sized to run for well over a minute, sends SIGTERM once it has been running for
``RUNNING_S`` seconds (past start-up: the signal lands mid-run) and waits for the exit.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERMINATED = 143
RUNNING_S = 6.0  # past start-up (under a second) and into the replications
EXIT_TIMEOUT_S = 60.0
BASELINE = "scenarios/baseline.toml"

CASES = {
    "sweep": ["sweep", BASELINE, "--vary", "staff.therapists.wte=2,3", "--replications", "200"],
    "compare": ["compare", BASELINE, "scenarios/staffing-cut.toml", "--replications", "200"],
    "staff": ["staff", BASELINE, "--role", "therapists", "--target",
              "therapy_started_within_18w_pct >= 95", "--replications", "100"],
    "psa": ["psa", BASELINE, "--draws", "300", "--replications", "2"],
}


def _terminated_mid_run(args: list[str]) -> tuple[int | None, str]:
    """Run ``hubsim ARGS``; SIGTERM after ``RUNNING_S`` seconds; (exit code, stderr)."""
    command = [sys.executable, "-c", "from hubsim.cli.main import main; main()", *args]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    lines: list[str] = []

    def read() -> None:
        assert child.stderr is not None
        lines.extend(child.stderr)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(RUNNING_S)
    if child.poll() is not None:
        pytest.fail(f"ended before the signal (exit {child.returncode}):\n" + "".join(lines))
    child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    code = child.poll()
    if code is None:
        child.kill()
    reader.join(timeout=5)
    return code, "".join(lines)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sigterm_stops_the_command_like_ctrl_c(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [*CASES[name], "--out", str(out)]
    code, log = _terminated_mid_run(args)
    assert code == TERMINATED, log
    assert "Traceback" not in log
    assert log.strip().splitlines()[-1].startswith("hubsim: error: interrupted"), log
    assert not out.exists() or not any(out.iterdir()), "something was written"
