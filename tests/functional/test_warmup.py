"""Warm-up by MSER-5: the library function and ``hubsim warmup``.

The M/M/c verification scenario has a constant arrival rate and a steady state; an overloaded
Hub's waiting list grows without end, so MSER-5 must flag that it found no steady state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app
from hubsim.experiments.warmup import suggest_warmup
from hubsim.results.stats import MSER_BATCH_SIZE
from hubsim.scenario.loader import load_scenario

MMC = Path(__file__).resolve().parents[2] / "scenarios" / "verification" / "mmc.toml"
HORIZON_DAYS = 400  # long enough for a steady state at rho = 0.85, short enough to be quick
SHORT = {"horizon_days": HORIZON_DAYS}
REPLICATIONS = 3
BAD_INPUT = 2


def test_steady_queue_gets_a_short_warmup() -> None:
    found = suggest_warmup(load_scenario(MMC, SHORT), replications=REPLICATIONS, seed=2)
    assert found.warmup_days % MSER_BATCH_SIZE == 0
    assert 0 <= found.warmup_days < HORIZON_DAYS / 2
    assert not found.at_limit and found.steady_arrivals
    assert len(found.mean_series) == HORIZON_DAYS
    assert len(found.per_replication) == REPLICATIONS * HORIZON_DAYS


def test_overloaded_queue_is_flagged() -> None:
    """Arrivals at twice the service capacity: the list grows all along, no steady state."""
    overloaded = load_scenario(MMC, {**SHORT, "arrivals.per_week": 42.0})
    found = suggest_warmup(overloaded, replications=REPLICATIONS, seed=2)
    assert found.at_limit
    quarter = HORIZON_DAYS // 4
    second, third = (found.mean_series.iloc[k * quarter:(k + 1) * quarter].mean() for k in (1, 2))
    assert third > second


def test_changing_arrival_rate_is_noted() -> None:
    baseline = load_scenario(MMC.parents[1] / "baseline.toml", {"horizon_days": 120})
    assert not suggest_warmup(baseline, replications=1, seed=2).steady_arrivals


def test_warmup_command_prints_and_plots(tmp_path: Path) -> None:
    runner = CliRunner()
    plot = tmp_path / "warmup.png"
    args = ["warmup", str(MMC), "--set", f"horizon_days={HORIZON_DAYS}", "--replications",
            str(REPLICATIONS), "--plot", str(plot)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("suggested warm-up: ")
    assert "warmup_days = " in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = runner.invoke(app, args)
    assert again.exit_code == BAD_INPUT and "--force" in again.stderr
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


@pytest.mark.parametrize("args", [["--replications", "0"], ["--set", "horizon_days=-1"]])
def test_warmup_bad_input_exits_2(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["warmup", str(MMC), *args])
    assert result.exit_code == BAD_INPUT
