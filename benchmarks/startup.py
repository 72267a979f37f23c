"""Benchmark: start-up of the command line against importing pydantic and tomllib.

Times, as whole processes in alternating rounds, ``hubsim --help``, ``hubsim validate
scenarios/baseline.toml`` and the yardstick ``python -c "import pydantic, tomllib"`` (what
validating a TOML scenario cannot do without), and prints each one's median (min-max) wall time
and its excess over the yardstick measured in the same rounds. The target (issue 13):
``hubsim validate`` within 0.5 s of the yardstick.

``--tree DIR`` times the hubsim in another checkout (put first on ``sys.path``), for before/after.

Usage: python benchmarks/startup.py [--rounds 10] [--tree DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_EXCESS_S = 0.5


def hubsim(tree: Path | None, *args: str) -> list[str]:
    path = f"sys.path.insert(0, {str(tree)!r}); " if tree else ""
    return [sys.executable, "-c",
            f"import sys; {path}sys.argv = ['hubsim', *{list(args)!r}]\n"
            "try:\n    from hubsim.cli.main import main\n"
            "except ModuleNotFoundError:  # a checkout from before the cli package\n"
            "    from hubsim.cli import main\n"
            "main()"]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--tree", type=Path, default=None,
                        help="time the hubsim of this checkout instead (its cli.main)")
    args = parser.parse_args()
    commands = {
        "python -c 'import pydantic, tomllib'": [sys.executable, "-c", "import pydantic, tomllib"],
        "hubsim --help": hubsim(args.tree, "--help"),
        "hubsim validate scenarios/baseline.toml": hubsim(args.tree, "validate",
                                                          "scenarios/baseline.toml"),
    }
    for command in commands.values():  # warm the file cache
        timed(command)
    times = {clock: {name: [] for name in commands} for clock in ("wall", "cpu")}
    for _ in range(args.rounds):
        for name, command in commands.items():
            wall, cpu = timed(command)
            times["wall"][name].append(wall)
            times["cpu"][name].append(cpu)
    yardstick = next(iter(commands))
    validate = "hubsim validate scenarios/baseline.toml"
    print(f"seconds, median (min-max) over {args.rounds} alternating rounds")
    for clock, table in times.items():
        print(f"{clock} time:")
        for name, values in table.items():
            excess = [v - y for v, y in zip(values, table[yardstick], strict=True)]
            ratio = statistics.median(values) / statistics.median(table[yardstick])
            extra = "" if name == yardstick else f"   excess {spread(excess)}, ratio {ratio:.1f}x"
            print(f"  {name:42s} {spread(values)}{extra}")
        excess = statistics.median(
            [v - y for v, y in zip(table[validate], table[yardstick], strict=True)])
        verdict = "met" if excess <= TARGET_EXCESS_S else "NOT met"
        print(f"  target, validate within {TARGET_EXCESS_S} s of the yardstick ({clock}): "
              f"{verdict} ({excess:.3f} s)")

if __name__ == "__main__":
    main()
