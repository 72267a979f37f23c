"""The README's Python example runs as written (issue 13): the first ``python`` block under
"## Python API", executed from the repository root, with its results checked."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "the README's Python API section has no python block"
    return blocks[0]


def test_the_readme_python_example_runs(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    names: dict[str, object] = {}
    exec(compile(readme_example(), "README.md (Python API)", "exec"), names)  # noqa: S102
    run, experiment = names["run"], names["experiment"]
    assert isinstance(run.clients, pd.DataFrame) and len(run.clients) > 0
    assert "therapy_wait_days_mean" in run.kpis
    assert len(experiment.kpis) == 30
    assert {"kpi", "mean", "ci_low", "ci_high"} <= set(experiment.summary.columns)


def test_every_file_the_readme_names_exists() -> None:
    """Each repository path the README names (``hubsim/...``, ``scripts/...``, ``benchmarks/...``,
    ``tests/...``, ``scenarios/...``, ``notebooks/...``, ``docs/...``) is there: a module moved
    by a restructure leaves no stale pointer behind."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(
        r"\b((?:hubsim|scripts|benchmarks|tests|scenarios|notebooks|docs)/[\w./-]*\w\.\w+)", text))
    assert len(named) > 20, "the pattern no longer finds the README's paths"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"the README names files that do not exist: {missing}"
