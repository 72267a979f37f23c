"""Ctrl-C on a real ``hubsim run`` the moment its first replication is logged: shared by
``test_interrupt.py`` and ``scripts/stress_interrupt.py``.

The signal goes at once, as soon as ``--verbose`` logs a completed replication: the moment a
process pool's parent is taking the locks of its futures, where a ``KeyboardInterrupt`` once left
a lock held and the run waiting for ever.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERRUPTED = 130  # the exit code of a run stopped by Ctrl-C
TERMINATED = 143  # the exit code of a run stopped by SIGTERM
POLL_S = 0.1  # how often to look for the child's first replication or its exit


@dataclass(frozen=True)
class Interruption:
    """What one interrupted run did."""

    progressed: bool  # a replication was logged, so the signal was sent
    code: int | None  # the exit code; None if the run did not end in time (a hang)
    log: str  # the run's standard error (its --verbose log)


def default_sigint() -> None:
    """In the child before it starts: Ctrl-C's default action back.

    A shell starts background jobs with SIGINT ignored, and a child inherits that; Python then
    leaves it ignored, and a test run from such a shell would see its Ctrl-C do nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_and_interrupt(
    scenario: Path, out: Path, extra: list[str], replications: int, seed: int,
    startup_timeout_s: float, exit_timeout_s: float, sig: int = signal.SIGINT,
) -> Interruption:
    """Start ``hubsim run``, send ``sig`` once a replication is done, and wait for the exit.

    The run is killed if it has not exited ``exit_timeout_s`` seconds after the signal (or
    ``startup_timeout_s`` seconds after its start without any replication).
    """
    command = [sys.executable, "-c", "from hubsim.cli.main import main; main()", "run",
               "--no-report",
               str(scenario), "--replications", str(replications), "--seed", str(seed), "--out",
               str(out),
               "--verbose", *extra]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    lines: list[str] = []
    progressed = threading.Event()

    def read_stderr() -> None:
        for line in proc.stderr:
            lines.append(line)
            if "replication" in line and "done" in line:
                progressed.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    drain = threading.Thread(target=proc.stdout.read, daemon=True)  # stdout never fills up
    reader.start()
    drain.start()
    code: int | None = None
    deadline = time.monotonic() + startup_timeout_s
    try:
        while not progressed.wait(POLL_S):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
        if progressed.is_set():
            proc.send_signal(sig)
            try:
                code = proc.wait(exit_timeout_s)
            except subprocess.TimeoutExpired:
                pass
        else:
            code = proc.poll()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(exit_timeout_s)
    drain.join(exit_timeout_s)
    return Interruption(progressed.is_set(), code, "".join(lines))
