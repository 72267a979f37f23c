"""``hubsim run`` options, ``compare`` and ``sweep`` through the command line (typer's CliRunner).

Scenario files are written into each test's temporary folder: registry defaults over a short
horizon, so every command runs in about a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.experiments.compare import compare_scenarios
from hubsim.experiments.sweep import SWEEP_KPIS, grid, parse_vary, split_values
from hubsim.scenario.loader import ScenarioError, load_scenario

BAD_INPUT = 2
REPLICATIONS = "3"
SMALL = 'name = "{name}"\nhub = "test-hub"\nhorizon_days = 90\n'
MORE_THERAPISTS = "\n[staff.therapists]\nwte = 6\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """``a``: registry defaults over 90 days; ``b``: the same with six therapist WTE."""
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(SMALL.format(name="A"), encoding="utf-8")
    b.write_text(SMALL.format(name="B") + MORE_THERAPISTS, encoding="utf-8")
    return {"a": a, "b": b, "dir": tmp_path}


def test_split_values_keeps_toml_arrays_and_strings_whole() -> None:
    assert split_values('1, [2, 3], "a,b", {x = 1, y = 2}') == [
        "1", "[2, 3]", '"a,b"', "{x = 1, y = 2}"]


def test_parse_vary_reads_toml_literals_and_grid_order() -> None:
    wte = parse_vary("staff.therapists.wte=4,5.5")
    priority = parse_vary("therapy.priority=fifo,need")
    assert wte.values == (4, 5.5) and priority.values == ("fifo", "need")
    assert grid([wte, priority]) == [
        {"staff.therapists.wte": 4, "therapy.priority": "fifo"},
        {"staff.therapists.wte": 4, "therapy.priority": "need"},
        {"staff.therapists.wte": 5.5, "therapy.priority": "fifo"},
        {"staff.therapists.wte": 5.5, "therapy.priority": "need"},
    ]


@pytest.mark.parametrize("text", ["staff.therapists.wte", "staff.therapists.wte=", "x=1,,2"])
def test_parse_vary_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ScenarioError, match="--vary"):
        parse_vary(text)


def test_compare_with_itself_gives_zero_differences(files) -> None:
    scenario = load_scenario(files["a"])
    result = compare_scenarios(scenario, scenario, replications=3, seed=1)
    assert (result.differences["diff_mean"] == 0).all()
    assert not result.differences["significant"].any()


def test_compare_uses_common_random_numbers(files) -> None:
    """Only staffing differs, so arrivals and triage are identical replication by replication."""
    a, b = load_scenario(files["a"]), load_scenario(files["b"])
    result = compare_scenarios(a, b, replications=4, seed=1)
    diffs = result.differences.set_index("kpi")
    for kpi in ("clients_arrived", "clients_triaged", "triage_wait_days_mean"):
        assert diffs.loc[kpi, "diff_mean"] == 0 and diffs.loc[kpi, "diff_sd"] == 0
    assert diffs.loc["therapist_utilisation", "diff_mean"] < 0
    assert bool(diffs.loc["therapist_utilisation", "significant"])


def test_compare_command_prints_table_and_writes_csv(runner, files) -> None:
    out = files["dir"] / "diff.csv"
    result = runner.invoke(app, ["compare", str(files["a"]), str(files["b"]), "--replications",
                                 REPLICATIONS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "B - A (95% interval)" in result.stdout
    assert "significant at the 5% level" in result.stdout
    assert "Total cost" in result.stdout and "cost_total_gbp" in result.stdout  # title and name
    assert "In plain words:" in result.stdout and "B costs £" in result.stdout
    table = pd.read_csv(out)
    assert {"kpi", "mean_a", "mean_b", "diff_mean", "ci_low", "ci_high", "significant"} <= set(
        table.columns)
    again = runner.invoke(app, ["compare", str(files["a"]), str(files["b"]), "--out", str(out)])
    assert again.exit_code == BAD_INPUT and "--force" in again.stderr


def test_compare_bad_file_names_file_and_field(runner, files) -> None:
    bad = files["dir"] / "bad.toml"
    bad.write_text(SMALL.format(name="bad") + "\n[staff.therapists]\nwte = -1\n", encoding="utf-8")
    result = runner.invoke(app, ["compare", str(files["a"]), str(bad)])
    assert result.exit_code == BAD_INPUT
    assert str(bad) in result.stderr and "staff.therapists.wte" in result.stderr


def test_sweep_writes_tidy_table_and_plots(runner, files) -> None:
    out = files["dir"] / "sweep"
    result = runner.invoke(app, [
        "sweep", str(files["a"]), "--vary", "staff.therapists.wte=2,4", "--vary",
        "therapy.priority=fifo,need", "--replications", REPLICATIONS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns) == ["staff.therapists.wte", "therapy.priority", "kpi", "mean",
                                   "ci_low", "ci_high", "n"]
    points = table[["staff.therapists.wte", "therapy.priority"]].drop_duplicates()
    assert len(points) == 4 and len(table) == 4 * table["kpi"].nunique()
    for kpi in SWEEP_KPIS:
        assert (out / f"{kpi}.png").stat().st_size > 0
    reps = pd.read_csv(out / "sweep_replications.csv")
    assert len(reps) == 4 * int(REPLICATIONS)
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["command"] == "sweep" and meta["points"] == 4
    again = runner.invoke(app, ["sweep", str(files["a"]), "--vary", "staff.therapists.wte=2",
                                "--out", str(out)])
    assert again.exit_code == BAD_INPUT and "--force" in again.stderr


def test_sweep_points_share_seeds(runner, files) -> None:
    """Same seeds at every point: arrivals do not change with therapist staffing."""
    out = files["dir"] / "sweep"
    result = runner.invoke(app, ["sweep", str(files["a"]), "--vary", "staff.therapists.wte=2,5",
                                 "--replications", REPLICATIONS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    reps = pd.read_csv(out / "sweep_replications.csv")
    arrived = reps.pivot(index="replication", columns="staff.therapists.wte",
                         values="clients_arrived")
    assert (arrived[2] == arrived[5]).all()


@pytest.mark.parametrize(("vary", "field"), [
    ("staff.therapists.wte=4,-1", "staff.therapists.wte"),
    ("staff.therapists.no_such=1", "staff.therapists.no_such"),
])
def test_sweep_bad_point_exits_2_naming_the_field(runner, files, vary: str, field: str) -> None:
    result = runner.invoke(app, ["sweep", str(files["a"]), "--vary", vary, "--out",
                                 str(files["dir"] / "never")])
    assert result.exit_code == BAD_INPUT
    assert field in result.stderr and "Traceback" not in result.output
    assert not (files["dir"] / "never").exists()


def test_run_writes_bands_and_executor(runner, files) -> None:
    out = files["dir"] / "run"
    result = runner.invoke(app, ["run", "--no-report", str(files["a"]), "--replications",
                                 REPLICATIONS, "--workers", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    bands = pd.read_csv(out / "timeseries_bands.csv")
    assert {"hub", "day", "variable", "mean", "q05", "q95"} <= set(bands.columns)
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["executor"] == "process pool, 2 workers" and "partial" not in meta


def test_run_auto_replications_reports_the_count(runner, files) -> None:
    out = files["dir"] / "auto"
    result = runner.invoke(app, ["run", "--no-report", str(files["a"]), "--replications", "auto",
                                 "--precision", "0.2", "--kpi", "clients_arrived",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["replications_mode"] == "auto" and meta["converged"] is True
    assert meta["controlled_kpis"] == ["clients_arrived"]
    assert meta["replications"] == len(pd.read_csv(out / "replications.csv"))
    assert f"from n = {meta['n_solution']}" in result.stdout


@pytest.mark.parametrize("args", [
    ["--replications", "many"],
    ["--replications", "0"],
    ["--replications", "auto", "--kpi", "no_such_kpi"],
    ["--workers", "2", "--dask-local", "2"],
    ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
])
def test_run_bad_options_exit_2(runner, files, args: list[str]) -> None:
    result = runner.invoke(app, ["run", str(files["a"]), *args,
                                 "--out", str(files["dir"] / "never")])
    assert result.exit_code == BAD_INPUT, result.output
    assert result.stderr.startswith("hubsim: error: ")
    assert not (files["dir"] / "never").exists()
