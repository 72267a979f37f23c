"""Functional tests of the ``hubsim`` command line (typer's CliRunner, and the console script)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.results.kpis import CORE_KPIS
from hubsim.results.write import scenario_hash
from hubsim.scenario import registry
from hubsim.scenario.loader import load_scenario

BAD_INPUT = 2
RESULT_FILES = {
    "clients.csv", "replications.csv", "summary.csv", "timeseries.csv", "waitlist_monthly.csv",
    "waitlist_monthly_summary.csv", "run_metadata.json",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Each file's modification time (ns) and content hash (files in sub-folders included)."""
    return {
        str(p.relative_to(folder)):
            (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------- validate


def test_validate_baseline_ok(runner, baseline_path) -> None:
    result = runner.invoke(app, ["validate", str(baseline_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok:")
    assert "baseline.toml" in result.stdout


def test_validate_with_override(runner, baseline_path) -> None:
    result = runner.invoke(app, ["validate", str(baseline_path), "--set", "staff.therapists.wte=7"])
    assert result.exit_code == 0, result.output
    slots = load_scenario(baseline_path, {"staff.therapists.wte": 7}).staff.therapists.slots
    assert f"{slots} therapy slots" in result.stdout  # the override took effect


# --------------------------------------------------------------------------- run


def test_run_writes_results_and_refuses_to_overwrite(runner, baseline_path, tmp_path) -> None:
    out = tmp_path / "r"
    args = ["run", "--no-report", str(baseline_path), "--replications", "2", "--out", str(out),
            "--set", "staff.therapists.wte=4"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "therapy_wait_days_mean" in result.stdout
    assert str(out) in result.stdout
    written = {p.name for p in out.iterdir()}
    assert RESULT_FILES <= written

    replications = pd.read_csv(out / "replications.csv")
    assert len(replications) == 2
    assert replications["replication"].tolist() == [0, 1]
    assert set(CORE_KPIS) <= set(replications.columns)
    summary = pd.read_csv(out / "summary.csv")
    assert set(CORE_KPIS) <= set(summary["kpi"])
    assert {"mean", "ci_low", "ci_high", "n"} <= set(summary.columns)
    clients = pd.read_csv(out / "clients.csv")
    assert set(clients["replication"]) == {0, 1}
    timeseries = pd.read_csv(out / "timeseries.csv")
    assert len(timeseries) == 2 * 730

    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert {"seed", "replications", "scenario_hash", "versions", "scenario"} <= set(meta)
    assert (meta["seed"], meta["replications"]) == (0, 2)
    assert meta["scenario"]["staff"]["therapists"]["wte"] == 4  # the --set is in the record
    expected = load_scenario(baseline_path, {"staff.therapists.wte": 4})
    assert meta["scenario_hash"] == scenario_hash(expected)
    assert {"python", "numpy", "simpy"} <= set(meta["versions"])

    before = snapshot(out)
    again = runner.invoke(app, args)
    assert again.exit_code == BAD_INPUT
    assert "--force" in again.stderr
    assert "Traceback" not in again.output
    assert snapshot(out) == before  # untouched: same files, contents and mtimes

    (out / "stale.txt").write_text("from an older run", encoding="utf-8")
    forced = runner.invoke(app, [*args[:-2], "--seed", "1", "--force"])
    assert forced.exit_code == 0, forced.output
    assert {p.name for p in out.iterdir()} == written  # replaced, not merged: no stale.txt
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 1
    # no --set this time: the file's own value
    assert meta["scenario"]["staff"]["therapists"]["wte"] == load_scenario(
        baseline_path
    ).staff.therapists.wte
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "r"]
    assert leftovers == []  # no temporary or moved-aside folders


def test_run_same_seed_same_kpis(runner, baseline_path, tmp_path) -> None:
    common = ["run", "--no-report", str(baseline_path), "--replications", "2", "--seed", "5",
              "--set", "horizon_days=120"]
    for name in ("a", "b"):
        assert runner.invoke(app, [*common, "--out", str(tmp_path / name)]).exit_code == 0
    a = pd.read_csv(tmp_path / "a" / "replications.csv")
    b = pd.read_csv(tmp_path / "b" / "replications.csv")
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- bad input

BAD_TOML = "name = \n[staff\n"
INVALID_FIELD = "[staff.therapists]\nwtee = 3\n"


def _bad_cases(baseline: str) -> list[tuple[str, list[str], list[str]]]:
    """(id, arguments after the verb, words the message must contain)."""
    return [
        ("missing-file", ["inputs/missing.toml"], ["missing.toml", "not found"]),
        ("bad-toml", ["inputs/broken.toml"], ["broken.toml", "TOML"]),
        ("invalid-field", ["inputs/typo.toml"], ["typo.toml", "staff.therapists.wtee"]),
        (
            "set-not-a-number",
            [baseline, "--set", "staff.therapists.wte=abc"],
            ["baseline.toml", "staff.therapists.wte"],
        ),
        ("set-no-equals", [baseline, "--set", "nokeyvalue"], ["nokeyvalue", "KEY=VALUE"]),
        ("set-bad-literal", [baseline, "--set", "triage.call_minutes={dist="],
         ["triage.call_minutes"]),
        ("set-out-of-bounds", [baseline, "--set", "triage.contact_success=1.5"],
         ["baseline.toml", "triage.contact_success"]),
    ]


CASE_IDS = [c[0] for c in _bad_cases("x")]


@pytest.mark.parametrize("verb", ["validate", "run"])
@pytest.mark.parametrize("case", CASE_IDS)
def test_bad_input_exits_2_with_one_line(
    runner, baseline_path, tmp_path, monkeypatch, verb, case
) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "broken.toml").write_text(BAD_TOML, encoding="utf-8")
    (inputs / "typo.toml").write_text(INVALID_FIELD, encoding="utf-8")
    _, args, words = next(c for c in _bad_cases(str(baseline_path)) if c[0] == case)
    extra = (["--replications", "1", "--no-report", "--out", str(tmp_path / "out")]
             if verb == "run" else [])
    result = runner.invoke(app, [verb, *args, *extra])
    assert result.exit_code == BAD_INPUT, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.startswith("hubsim: error: ")
    assert "\n" not in message, message
    for word in words:
        assert word in message, (word, message)
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]  # no results folder


def test_run_with_default_out_and_bad_input_creates_nothing(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typo.toml").write_text(INVALID_FIELD, encoding="utf-8")
    result = runner.invoke(app, ["run", "typo.toml", "--replications", "1"])
    assert result.exit_code == BAD_INPUT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.toml"]  # no results/


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_bad_replications_exit_2(runner, baseline_path, tmp_path, value) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(baseline_path), "--replications", value,
                                 "--out", str(out)])
    assert result.exit_code == BAD_INPUT
    assert "--replications" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_out_is_an_existing_file(runner, baseline_path, tmp_path) -> None:
    out = tmp_path / "taken"
    out.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["run", "--no-report", str(baseline_path), "--replications", "1",
                                 "--out", str(out), "--force", "--set", "horizon_days=30"])
    assert result.exit_code == BAD_INPUT
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "not a folder"


# --------------------------------------------------------------------------- evidence


def test_evidence_csv(runner) -> None:
    result = runner.invoke(app, ["evidence", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame["name"].tolist() == [r.name for r in registry.entries()]
    assert {"name", "value", "unit", "status", "source"} <= set(frame.columns)
    assert frame["source"].notna().all()


def test_evidence_markdown(runner) -> None:
    result = runner.invoke(app, ["evidence", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert {"name", "value", "unit", "status", "source"} <= set(header)
    assert set(lines[1].replace("|", "").replace(" ", "")) <= {"-", ":"}  # the rule row
    assert len(lines) == 2 + len(registry.entries())
    for line in lines:  # pipes inside cells are escaped, so every row has the header's cells
        assert line.replace("\\|", "").count("|") == len(header) + 1, line


def test_evidence_status_filter(runner) -> None:
    result = runner.invoke(app, ["evidence", "--status", "assumption", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assumed = [r.name for r in registry.entries() if r.status == "assumption"]
    assert frame["name"].tolist() == assumed
    assert set(frame["status"]) == {"assumption"}


def test_evidence_table_default(runner) -> None:
    result = runner.invoke(app, ["evidence"])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert header[0] == "name" and {"value", "status", "confidence"} <= set(header)
    assert set(result.stdout.splitlines()[1].replace(" ", "")) == {"-"}  # the rule under it
    assert "staff.therapists.wte" in result.stdout


@pytest.mark.parametrize("args", [[], ["--sources"]])
def test_evidence_table_lines_fit_120_characters(runner, args) -> None:
    result = runner.invoke(app, ["evidence", *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    if args:  # a source line under each row: header, rule, 2 lines per row, note
        assert sum(line.startswith("    ") for line in lines) == len(registry.entries())
        assert "Source: HSDR-SS" in result.stdout


def test_evidence_confidence_filter(runner) -> None:
    result = runner.invoke(app, ["evidence", "--confidence", "high", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame["name"].tolist() == [r.name for r in registry.entries()
                                      if r.confidence == "high"]
    assert set(frame["confidence"]) == {"high"}


@pytest.mark.parametrize("args", [["--status", "guess"], ["--format", "xml"],
                                  ["--confidence", "certain"]])
def test_evidence_bad_option(runner, args) -> None:
    result = runner.invoke(app, ["evidence", *args])
    assert result.exit_code == BAD_INPUT
    assert args[0] in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- console script


def _console_script() -> Path:
    folder = Path(sys.executable).parent
    for name in ("hubsim", "hubsim.exe"):
        if (folder / name).exists():
            return folder / name
    raise AssertionError(f"no hubsim console script beside {sys.executable}")


def test_console_script_validate(repo_root) -> None:
    done = subprocess.run(
        [str(_console_script()), "validate", "scenarios/baseline.toml"],
        cwd=repo_root, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: scenarios/baseline.toml")


def test_console_script_bad_input(repo_root) -> None:
    done = subprocess.run(
        [str(_console_script()), "validate", "scenarios/no-such-file.toml"],
        cwd=repo_root, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert done.returncode == BAD_INPUT
    assert done.stderr.strip() == "hubsim: error: scenarios/no-such-file.toml: file not found"
    assert "Traceback" not in done.stderr
