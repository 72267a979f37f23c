"""Staffing search on a small scenario: the bisection's answer equals a brute-force grid's.

Small: the baseline Hub over 180 days, 8 replications per WTE, WTE 0.5 to 4 in steps of 0.5.
The brute force runs every grid point with the same seed and replication ids as the search, so
it also checks the monotonicity the bisection assumes (on this scenario).
"""

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim import load_scenario, run_experiment
from hubsim.experiments.wte_search import parse_target, search_wte, wte_grid

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"horizon_days": 180}
TARGET = "therapy_wait_days_mean <= 20"
CONFIDENCE, REPLICATIONS, SEED = 0.8, 8, 0
LOW, HIGH, STEP = 0.5, 4.0, 0.5
runner = CliRunner()


def _app():
    from hubsim.cli.main import app

    return app


def _brute_force_shares() -> pd.Series:
    """Share of replications meeting the target at every grid WTE (same seeds as the search)."""
    target, shares = parse_target(TARGET), {}
    for wte in wte_grid(LOW, HIGH, STEP):
        scenario = load_scenario(BASELINE, {**SMALL, "staff.therapists.wte": float(wte)})
        kpis = run_experiment(scenario, REPLICATIONS, SEED, keep_records=False).kpis
        shares[float(wte)] = target.met(kpis[target.kpi]).mean()
    return pd.Series(shares)


@pytest.mark.slow  # 13 points x 8 replications: about 10-30 s, depending on the machine
def test_search_answer_equals_the_smallest_passing_wte_of_a_brute_force_grid():
    shares = _brute_force_shares()
    assert shares.is_monotonic_increasing  # the assumption behind the bisection, on this scenario
    passing = shares[shares >= CONFIDENCE]
    assert LOW < passing.index[0] < HIGH  # the answer is inside the range: a real search

    result = search_wte(BASELINE, "therapists", TARGET, overrides=SMALL, confidence=CONFIDENCE,
                        wte_min=LOW, wte_max=HIGH, step=STEP, replications=REPLICATIONS,
                        seed=SEED)

    assert result.answer == passing.index[0]
    evaluated = result.points.set_index("wte")["share_of_replications_meeting"]
    pd.testing.assert_series_equal(evaluated, shares[evaluated.index], check_names=False)
    assert len(evaluated) <= 2 + math.ceil(math.log2(len(shares)))
    assert result.answer_staff_cost_gbp == pytest.approx(
        result.points.set_index("wte").loc[result.answer, "staff_cost_gbp_mean"])
    assert result.answer_staff_cost_gbp_per_year > result.answer_staff_cost_gbp  # 180 days < 1 y


def test_staff_command_prints_each_point_and_the_answer_and_writes_the_folder(tmp_path):
    out = tmp_path / "search"
    args = ["staff", str(BASELINE), "--role", "therapists", "--target", TARGET,
            "--confidence", str(CONFIDENCE), "--min", "1", "--max", "4", "--step", "1",
            "--replications", "4", "--set", "horizon_days=120", "--out", str(out)]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "search.csv")
    for heading in ("WTE", "meeting target", "KPI mean (95% interval)", "staff cost/year"):
        assert heading in result.stdout
    levels = result.stdout.split("levels evaluated, in WTE order:")[1].split("answer:")[0]
    shown = [float(line.split()[0]) for line in levels.splitlines()[3:] if line.strip()]
    assert shown == sorted(table["wte"])  # every level, in WTE order (not search order)
    assert "answer: " in result.stdout and "per year" in result.stdout
    assert {p.name for p in out.iterdir()} == {
        "search.csv", "search_replications.csv", "search.png", "run_metadata.json"}
    again = runner.invoke(_app(), args)
    assert again.exit_code == 2 and "--force" in again.stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--role", "nurses"], "--role: unknown role 'nurses'; roles: triage, therapists"),
        (["--target", "therapy_wait_days_mean = 20"], "--target: operator '='"),
        (["--target", "therapy_wait_weeks <= 3"], "--target: unknown KPI 'therapy_wait_weeks'"),
        (["--min", "5", "--max", "3"], "--min: must not exceed the maximum"),
        (["--min", "0"], "--min: 0 WTE: staff.therapists.wte"),
        (["--hub", "elsewhere"], "--hub: the scenario has one Hub"),
        (["--confidence", "1.5"], "--confidence: must be a share in (0, 1]"),
        (["--set", "staff.therapists.wte=-1"], "staff.therapists.wte"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_option(extra, needle):
    base = ["--role", "therapists", "--target", TARGET, "--replications", "1", "--max", "2",
            "--set", "horizon_days=30"]
    result = runner.invoke(_app(), ["staff", str(BASELINE), *base, *extra])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
