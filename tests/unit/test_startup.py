"""Start-up stays light: the command line's help and ``validate``, and what a Dask worker imports
to run a replication, load neither scipy nor matplotlib (issue 13).

Each case runs in a fresh interpreter and lists the heavy packages left in ``sys.modules``.
Start-up time itself is measured by ``benchmarks/startup.py``, not by a timed test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "matplotlib", "statsmodels", "streamlit")

CHECK = """
import sys
{body}
print("HEAVY:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


def heavy_loaded(body: str) -> list[str]:
    code = CHECK.format(body=body, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    line = out[out.rindex("HEAVY:") + len("HEAVY:"):].strip()
    return [m for m in line.split(",") if m]


def cli(*args: str) -> str:
    return ("from hubsim.cli.main import main\n"
            f"sys.argv = ['hubsim', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")


@pytest.mark.parametrize("args", [("--help",), ("validate", "scenarios/baseline.toml"),
                                  ("run", "--help"), ("staff", "--help"), ("psa", "--help")])
def test_the_command_line_starts_without_heavy_libraries(args: tuple[str, ...]) -> None:
    assert heavy_loaded(cli(*args)) == []


def test_a_worker_unpickles_a_replication_without_heavy_libraries() -> None:
    body = ("import pickle\n"
            "from hubsim.experiments.replications import replicate\n"
            "pickle.loads(pickle.dumps(replicate))")
    assert heavy_loaded(body) == []


def test_the_check_sees_a_heavy_library() -> None:
    assert heavy_loaded("import matplotlib") == ["matplotlib"]
