"""Economics end to end: waiting lowers QALYs (paired replications), the comparator scenario, and
the ``psa`` and ``cost-consequence`` commands.
"""

from __future__ import annotations

import json
import re

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
    ce = meta["cost_effectiveness"]
    assert set(ce["probability_cost_effective"]) == {"20000", "30000"}
    assert ce["exploratory"].startswith(f"Exploratory: this cost per QALY rests on "
                                        f"{len(ce['assumed_inputs'])} assumed inputs")
    assert "P(cost-effective at GBP 20,000 per QALY)" in result.output
    assert "P(cost-effective at GBP 30,000 per QALY)" in result.output
    assert "cost per QALY over 3 draws: GBP" in result.output
    assert _exploratory(result.output)
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
    assert _exploratory(result.output)
    team = next(line for line in result.output.splitlines() if line.startswith("team "))
    payroll, full = (float(v.replace(",", "")) for v in team.split()[-2:])
    assert 0 < payroll < full  # the baseline team a year at payroll and at full economic cost
    total = table.set_index("kpi").loc["cost_total_gbp"]
    assert np.isfinite(total["difference"]) and total["difference"] > 0


def _exploratory(output: str) -> bool:
    """The one-line caveat, with a positive count of assumed inputs, right after the ICER."""
    lines = [line for line in output.splitlines() if line.startswith("Exploratory: ")]
    return len(lines) == 1 and int(lines[0].split("rests on ")[1].split()[0]) > 0


def test_the_usual_care_comparator_has_no_hub_and_self_refers(repo_root) -> None:
    """Usual care: nobody in Hub therapy or brief support; self-referrals go to Talking
    Therapies or occupational health, never straight to secondary care; the Hub costs nothing."""
    comparator = load_scenario(repo_root / "scenarios" / "comparator-usual-care.toml",
                               {"horizon_days": 240})
    run = simulate(comparator, SEED, 0)
    clients = run.clients
    assert not clients["pathway"].isin(["hub_therapy", "brief_support"]).any()
    destinations = set(clients.loc[clients["pathway"] == "external_referral",
                                   "external_destination"]) - {""}
    assert destinations and destinations <= {"talking_therapies", "other_services"}
    for kpi in ("hub_cost_gbp", "hub_cost_payroll_gbp", "cost_staff_gbp", "cost_setup_gbp",
                "cost_non_staff_gbp", "cost_overheads_gbp"):
        assert run.kpis[kpi] == 0.0, kpi
    assert run.kpis["cost_downstream_gbp"] > 0


def test_the_hub_against_usual_care_costs_more_and_gains_qalys(runner, baseline_path,
                                                               repo_root, tmp_path) -> None:
    """A year, 3 paired replications: the Hub's extra discounted cost and QALYs against usual
    care have paired 95% intervals above 0 (both differences are large: the Hub's whole cost,
    and therapy for hundreds of clients), and the ICER is printed with its caveat."""
    comparator = repo_root / "scenarios" / "comparator-usual-care.toml"
    out = tmp_path / "cc.csv"
    result = runner.invoke(app, ["cost-consequence", str(baseline_path), "--comparator",
                                 str(comparator), "--replications", "3",
                                 "--set", f"horizon_days={YEAR}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    icer = re.search(r"^icer_gbp_per_qaly\s+GBP per QALY\s+([\d,]+)", result.output, re.M)
    assert icer is not None and float(icer.group(1).replace(",", "")) > 0
    assert _exploratory(result.output)
    table = pd.read_csv(out).set_index("kpi")
    for kpi in ("cost_discounted_gbp", "qalys", "hub_cost_payroll_gbp", "hub_cost_gbp"):
        assert table.loc[kpi, "diff_ci_low"] > 0, kpi
    assert table.loc["hub_cost_payroll_gbp", "mean"] < table.loc["hub_cost_gbp", "mean"]
