"""Economics end to end: waiting lowers QALYs (paired replications), the comparator scenario, and
the ``psa`` and ``cost-consequence`` commands.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.experiments.replications import run_experiments
from hubsim.experiments.simulate import simulate
from hubsim.results.stats import t_interval
from hubsim.scenario.loader import load_scenario

SEED = 2
BAD_INPUT = 2
YEAR = 365
PAIRS = 4  # paired replications: the waiting effect is large, so a few pairs show it
PSA_FILES = {"psa_draws.csv", "ceac.csv", "ranking.csv", "psa_parameters.csv", "ce_plane.png",
             "ceac.png", "ranking.png", "run_metadata.json"}
SMALL = ["--set", "horizon_days=120"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_longer_therapy_waits_lower_qalys_with_the_central_preset(baseline_path) -> None:
    """Fewer therapist WTE, same clients (common random numbers): longer waits, fewer QALYs in
    every pair, and the paired 95% interval of the QALY difference excludes 0."""
    more, fewer = (load_scenario(baseline_path, {"horizon_days": YEAR, "staff.therapists.wte": w})
                   for w in (2.4, 1.2))
    assert more.outcomes.preset == "central"
    a, b = run_experiments([more, fewer], PAIRS, SEED)
    wait = b.kpis["therapy_wait_days_mean"] - a.kpis["therapy_wait_days_mean"]
    qalys = b.kpis["qalys"] - a.kpis["qalys"]
    assert (wait > 0).all()
    assert (qalys < 0).all()
    _, _, _, high, _ = t_interval(qalys)
    assert high < 0
    same_clients = b.kpis["clients_arrived"].equals(a.kpis["clients_arrived"])
    assert same_clients


def test_the_comparator_scenario_gives_no_hub_therapy(repo_root) -> None:
    comparator = load_scenario(repo_root / "scenarios" / "comparator-signpost-only.toml",
                               {"horizon_days": 120})
    clients = simulate(comparator, SEED, 0).clients
    assert not clients["pathway"].isin(["hub_therapy", "brief_support",
                                        "external_referral"]).any()
    assert (clients["pathway"] == "signpost").any()


def test_psa_command_writes_its_folder(runner, baseline_path, tmp_path) -> None:
    out = tmp_path / "psa"
    args = ["psa", str(baseline_path), "--draws", "3", "--replications", "2", "--seed", "1",
            *SMALL, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == PSA_FILES
    draws = pd.read_csv(out / "psa_draws.csv")
    assert len(draws) == 3 and {"incremental_cost_gbp", "incremental_qalys"} <= set(draws)
    meta = json.loads((out / "run_metadata.json").read_text())
    assert meta["draws"] == 3 and meta["seed"] == 1
    assert "P(cost-effective at GBP 20,000 per QALY)" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == BAD_INPUT and "--force" in again.output


def test_psa_command_refuses_several_hubs(runner, repo_root, tmp_path) -> None:
    result = runner.invoke(app, ["psa", str(repo_root / "scenarios" / "north-of-england.toml"),
                                 "--draws", "1", "--out", str(tmp_path / "x")])
    assert result.exit_code == BAD_INPUT and "one Hub at a time" in result.output
    assert not (tmp_path / "x").exists()


def test_cost_consequence_command(runner, baseline_path, repo_root, tmp_path) -> None:
    out = tmp_path / "cc.csv"
    comparator = repo_root / "scenarios" / "comparator-signpost-only.toml"
    result = runner.invoke(app, ["cost-consequence", str(baseline_path), "--comparator",
                                 str(comparator), "--replications", "2", *SMALL,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert {"cost_total_gbp", "qalys", "absence_days"} <= set(table["kpi"])
    assert set(table["kind"]) == {"cost", "benefit"}
    assert "icer_gbp_per_qaly" in result.output and "nmb_gbp" in result.output
    total = table.set_index("kpi").loc["cost_total_gbp"]
    assert np.isfinite(total["difference"]) and total["difference"] > 0
