"""Benchmark: how many replications before a local Dask cluster pays for its start-up.

Run from the repository root: ``.venv/bin/python benchmarks/dask_breakeven.py`` (needs the
``dask`` extra, which ``make test`` installs).

Times ``hubsim.run_experiment`` on the baseline scenario serially and on a Dask ``LocalCluster``
of 2 single-threaded worker processes opened as ``hubsim run --dask-local 2`` opens it
(``hubsim.experiments.executors.open_executor``; cluster start-up and shut-down included), for 10,
20, 50, 100 and 200 replications, in alternating rounds, and the cluster's start-up and shut-down
alone. Fits a straight line to each (seconds = fixed + per replication x replications, on the
medians) and prints where the two lines cross: the break-even. A benchmark, not a test: figures
depend on the machine and on what else it is doing.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from hubsim import load_scenario
from hubsim.experiments.executors import open_executor
from hubsim.experiments.replications import run_experiment
from hubsim.scenario.schema import Scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
REPLICATIONS = (10, 20, 50, 100, 200)  # experiment sizes timed
ROUNDS = 3  # serial and Dask alternate in each round; medians and ranges over the rounds
WORKERS = 2  # Dask worker processes, one thread each (as --dask-local 2)
SEED = 0
MILLI = 1e3  # seconds to milliseconds


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of ``fn()``."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def serial(scenario: Scenario, replications: int) -> None:
    """``replications`` replications in this process."""
    run_experiment(scenario, replications, SEED)


def on_dask(scenario: Scenario, replications: int, workers: int) -> None:
    """``replications`` replications on a new local Dask cluster of ``workers`` processes, opened
    and closed here (``replications`` 0: open and close the cluster only)."""
    with open_executor(dask_local=workers, dask_log_level=logging.WARNING) as handle:
        if replications:
            run_experiment(scenario, replications, SEED, executor=handle.executor)


def spread(values: list[float]) -> str:
    """``median (min-max)`` of ``values``, two decimals."""
    return f"{statistics.median(values):6.2f} ({min(values):.2f}\N{EN DASH}{max(values):.2f})"


def break_even(sizes: list[int], serial_s: list[float], dask_s: list[float]) -> str:
    """Where the straight lines fitted to the serial and the Dask times cross, in words."""
    s_fixed_slope = statistics.linear_regression(sizes, serial_s)
    d_fixed_slope = statistics.linear_regression(sizes, dask_s)
    s_per, d_per = s_fixed_slope.slope, d_fixed_slope.slope
    fixed = d_fixed_slope.intercept - s_fixed_slope.intercept
    fits = (f"fitted: serial {s_fixed_slope.intercept:.2f} s {s_per * MILLI:+.0f} ms a "
            f"replication; Dask {d_fixed_slope.intercept:.2f} s {d_per * MILLI:+.0f} ms a "
            "replication")
    if d_per >= s_per:
        return f"{fits}: Dask never pays here (no gain per replication)"
    return f"{fits}: break-even at about {max(0.0, fixed / (s_per - d_per)):.0f} replications"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    parser.add_argument("--replications", type=int, nargs="+", default=list(REPLICATIONS))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    sizes = sorted(args.replications)
    print(f"scenario: {scenario.name}, seed {SEED}; Dask LocalCluster of {args.workers} "
          f"single-threaded processes (start-up and shut-down included) against serial; "
          f"{args.rounds} alternating rounds; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    times: dict[str, list[float]] = {"start-up": []}
    for n in sizes:
        times[f"serial {n}"], times[f"dask {n}"] = [], []
    for _ in range(args.rounds):
        times["start-up"].append(timed(lambda: on_dask(scenario, 0, args.workers)))
        for n in sizes:
            times[f"serial {n}"].append(timed(lambda n=n: serial(scenario, n)))
            times[f"dask {n}"].append(timed(lambda n=n: on_dask(scenario, n, args.workers)))
    print(f"cluster start-up and shut-down alone: {spread(times['start-up'])} s")
    print(f"{'replications':>12}  {'serial s, median (range)':>26}  {'Dask s, median (range)':>26}"
          f"  {'serial / Dask':>13}")
    for n in sizes:
        s, d = times[f"serial {n}"], times[f"dask {n}"]
        ratio = [a / b for a, b in zip(s, d, strict=True)]
        print(f"{n:12d}  {spread(s):>26}  {spread(d):>26}  {spread(ratio):>13}")
    medians = {k: statistics.median(v) for k, v in times.items()}
    faster = [n for n in sizes if medians[f"dask {n}"] < medians[f"serial {n}"]]
    print(break_even(sizes, [medians[f"serial {n}"] for n in sizes],
                     [medians[f"dask {n}"] for n in sizes]))
    print("smallest size timed at which Dask was faster (medians): "
          f"{faster[0] if faster else 'none'}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
