"""``hubsim run --records none``: KPIs only, no per-client or per-day tables written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hubsim.cli.main import app

SCENARIO = 'name = "records test"\nhub = "records-test"\nhorizon_days = 60\n'


def test_records_none_writes_kpis_only(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(scenario), "--replications", "2", "--records",
                                      "none", "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "costs_by_financial_year.csv", "replications.csv", "run_metadata.json", "summary.csv"]
    meta = json.loads((out / "run_metadata.json").read_text(encoding="utf-8"))
    assert meta["records"] == "none"
    assert meta["workload_estimate"]["replications"] == 2
