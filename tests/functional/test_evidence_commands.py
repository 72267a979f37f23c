"""The evidence commands: registry listing, calibration from targets and extracts."""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim.model.need import DOMAINS, sample_need
from hubsim.scenario import registry

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ROOT / "scenarios" / "calibration" / "evaluation-targets.toml"
runner = CliRunner()


def _app():
    from hubsim.cli.main import app

    return app


def _screening_table(output: str) -> dict:
    return tomllib.loads(output[output.index("[screening]"):])["screening"]


def test_calibrating_the_evaluation_targets_reproduces_the_registry():
    """The registry's derived screening values are what the shipped targets file gives."""
    result = runner.invoke(_app(), ["calibrate", str(TARGETS)])
    assert result.exit_code == 0, result.output
    fitted = _screening_table(result.output)
    for name in ("general", "anxiety_depression", "alcohol_ratio"):
        registered = registry.entry(f"screening.correlation.{name}").value
        assert fitted["correlation"][name] == pytest.approx(registered, abs=1e-3)
    for domain in DOMAINS:
        registered = registry.entry(f"screening.prevalence.{domain}").value
        assert fitted["prevalence"][domain] == pytest.approx(registered, abs=1e-3)


def test_calibrating_a_screening_extract_recovers_its_figures(tmp_path):
    rng = np.random.default_rng(11)
    prevalence = dict(anxiety=0.5, depression=0.45, ptsd=0.3, alcohol=0.1, functioning=0.7)
    need = sample_need(rng, 30_000, prevalence, 0.35)
    extract = tmp_path / "extract.csv"
    pd.DataFrame(need.astype(int), columns=DOMAINS).to_csv(extract, index=False)
    out = tmp_path / "screening.toml"
    result = runner.invoke(_app(), ["calibrate", str(extract), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = tomllib.loads(out.read_text())["screening"]
    # the registry's risk-factor mix is applied, so the fitted reference prevalences are lower
    # than the population ones, and the population figures are matched (checked in the table)
    assert all(written["prevalence"][d] < prevalence[d] for d in DOMAINS)
    again = runner.invoke(_app(), ["calibrate", str(extract), "--out", str(out)])
    assert again.exit_code == 2 and "exists" in again.output


def test_calibrate_free_option_fits_the_named_parameters(tmp_path):
    result = runner.invoke(_app(), ["calibrate", str(TARGETS), "--free",
                                    "general,anxiety_depression"])
    assert result.exit_code == 0, result.output
    assert "anxiety_depression" in result.output.split("[screening]")[0]  # its sd is printed
    fitted = _screening_table(result.output)["correlation"]
    assert fitted["anxiety_depression"] != registry.entry(
        "screening.correlation.anxiety_depression").value
    bad = runner.invoke(_app(), ["calibrate", str(TARGETS), "--free", "affective"])
    assert bad.exit_code == 2 and "--free" in bad.output and "affective" in bad.output


@pytest.mark.parametrize(
    ("content", "suffix", "needle"),
    [
        ("[prevalence]\nanxiety = 1.5\n", ".toml", "prevalence.anxiety"),
        ("[prevalence\n", ".toml", "cannot be read"),
        ("[bogus]\nx = 1\n", ".toml", "bogus"),
        ("anxiety,depression\n1,0\n", ".csv", "ptsd"),
    ],
)
def test_bad_targets_exit_2_naming_the_problem(tmp_path, content, suffix, needle):
    path = tmp_path / f"targets{suffix}"
    path.write_text(content)
    result = runner.invoke(_app(), ["calibrate", str(path)])
    assert result.exit_code == 2
    assert needle in result.output and str(path) in result.output
    assert "Traceback" not in result.output


def test_evidence_lists_hub_specific_rows_as_markdown():
    result = runner.invoke(_app(), ["evidence", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "| name | hub | value | unit | status | confidence | source |")
    for hub in registry.hubs():
        assert hub in result.output
