"""Press Ctrl-C on ``hubsim run`` many times, as soon as the first replication is logged, and
count the runs that do not exit with 130 in time (hangs) or exit otherwise.

The test suite interrupts one run of each kind (``tests/functional/test_interrupt.py``); a
deadlock that strikes one interrupt in twenty passes it most of the time. This script gives such
a fault enough chances to show::

    .venv/bin/python scripts/stress_interrupt.py --runs 60 --workers 2

Each run is a real subprocess on a temporary scenario (the registry defaults over 240 days) with
its results in a temporary folder, removed afterwards. Exit code 1 if any run misbehaved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "functional"))
from interrupt_driver import INTERRUPTED, run_and_interrupt  # noqa: E402  (shared with the test)

REPLICATIONS = 200  # far more than finish before the interrupt
SEED = 3
STARTUP_TIMEOUT_S = 120  # the first replication, on a loaded machine
EXIT_TIMEOUT_S = 30  # a clean stop takes about a second; longer counts as a hang
SCENARIO = 'name = "interrupt stress"\nhub = "interrupt-stress"\nhorizon_days = 240\n'


def interrupt_once(scenario: Path, out: Path, workers: int) -> str:
    """One run, Ctrl-C after its first completed replication: "130", another code, or "hang"."""
    extra = ["--workers", str(workers)] if workers > 1 else []
    run = run_and_interrupt(scenario, out, extra, REPLICATIONS, SEED, STARTUP_TIMEOUT_S,
                            EXIT_TIMEOUT_S)
    if not run.progressed:
        return "no progress" if run.code is None else f"exited {run.code} before any replication"
    return "hang" if run.code is None else str(run.code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="1 runs serially")
    args = parser.parse_args()
    outcomes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "scenario.toml"
        scenario.write_text(SCENARIO, encoding="utf-8")
        for run in range(args.runs):
            outcome = interrupt_once(scenario, Path(folder) / f"run{run}", args.workers)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome != str(INTERRUPTED):
                print(f"run {run}: {outcome}", flush=True)
    bad = args.runs - outcomes.get(str(INTERRUPTED), 0)
    print(f"{args.runs} interrupted runs on {args.workers} worker(s): "
          f"{outcomes.get(str(INTERRUPTED), 0)} exited with {INTERRUPTED}, {bad} did not "
          f"({', '.join(f'{k}: {v}' for k, v in sorted(outcomes.items()))})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
