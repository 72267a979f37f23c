"""The three commands of "Project from your own data", end to end: an extract from a results
folder (``hubsim export --extract``), ``hubsim fit``, ``hubsim project``, and ``hubsim staff``
on the fitted scenario. No client reference reaches any output."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.results.extract_writer import REFERENCE_PREFIX
from hubsim.scenario.extract import EXTRACT_COLUMNS, read_extract

RUNNER = CliRunner()
AS_OF = "2020-07-30"  # the small results folder runs 120 days from 2020-04-01


def _ok(*args: str) -> str:
    result = RUNNER.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, repo_root) -> Path:
    folder = tmp_path_factory.mktemp("project")
    extract = folder / "extract.csv"
    _ok("export", str(repo_root / "tests" / "data" / "small_results"), "--extract", str(extract))
    out = folder / "fitted.toml"
    _ok("fit", str(extract), "--as-of", AS_OF, "--scenario",
        str(repo_root / "scenarios" / "baseline.toml"), "--out", str(out))
    return out


def test_the_exported_extract_reads_back(fitted):
    extract = read_extract(fitted.parent / "extract.csv", dt.date.fromisoformat(AS_OF))
    header = (fitted.parent / "extract.csv").read_text().splitlines()[0].split(",")
    assert header[: len(EXTRACT_COLUMNS)] == list(EXTRACT_COLUMNS)
    assert len(extract.rows) > 100


def test_fit_writes_a_scenario_with_state_and_demand(fitted):
    data = tomllib.loads(fitted.read_text())
    assert data["start_date"] == dt.date.fromisoformat(AS_OF)
    assert data["state"]["clients"], "clients with the Hub on the as-of date"
    assert len(data["demand"]["coefficients"]) == 2  # four months: trend only
    text = fitted.read_text()
    assert "# demand: Poisson GLM" in text and "source (rows)" in text
    assert REFERENCE_PREFIX not in text  # no client reference


def test_project_writes_the_table_and_charts(fitted):
    out = fitted.parent / "projection"
    printed = _ok("project", str(fitted), "--months", "3", "--replications", "3",
                  "--out", str(out))
    assert "first meets 92% within 18 weeks" in printed
    table = pd.read_csv(out / "projection.csv")
    assert set(table["list"]) == {"triage", "therapy", "brief"}
    assert len(table[table["list"] == "therapy"]) == 3  # month ends of 3 months
    assert (table["waiting_clients_p10"] <= table["waiting_clients_p90"]).all()
    assert (out / "projection.png").is_file()
    for path in out.iterdir():
        if path.suffix in (".csv", ".svg"):
            assert REFERENCE_PREFIX not in path.read_text()


def test_staff_searches_on_the_fitted_scenario(fitted):
    # how many therapists bring the list to the 18-week standard within 60 days
    printed = _ok("staff", str(fitted), "--role", "therapists", "--target",
                  "therapy_waiting_under_18w_pct_end >= 92", "--replications", "2", "--min",
                  "1", "--max", "12", "--step", "1", "--set", "horizon_days=60")
    assert "answer:" in printed and "not found" not in printed, printed
