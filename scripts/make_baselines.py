"""Regenerate the back-test baselines in tests/backtest/baselines (run from the repository root).

Only this script writes them. Run it when a change to the model is intended to change results,
and say so in the commit message:

    .venv/bin/python scripts/make_baselines.py
"""

from __future__ import annotations

import logging
from pathlib import Path

from hubsim import load_scenario, run_experiment
from hubsim.results.write import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "backtest" / "baselines"
REPLICATIONS = 3  # enough to catch a change in any replication; small enough to run in seconds
SEED = 20240929  # fixed; the evaluation's publication month
CASES: dict[str, tuple[str, dict[str, object]]] = {
    # name: (scenario file, overrides) - short horizons keep the back test fast
    "baseline-1y": ("scenarios/baseline.toml", {"horizon_days": 365}),
    "incident-1y": ("scenarios/major-incident-surge.toml",
                    {"horizon_days": 365, "start_date": "2021-01-01",
                     "arrivals.profile": [{"from": "2021-01-01", "per_month": 50}]}),
    "mmc-short": ("scenarios/verification/mmc.toml", {"horizon_days": 400, "warmup_days": 50}),
}
log = logging.getLogger("make_baselines")


def baseline_kpis(name: str):
    """The per-replication KPI table of one case (what the back test recomputes)."""
    path, overrides = CASES[name]
    scenario = load_scenario(ROOT / path, overrides)
    return run_experiment(scenario, REPLICATIONS, SEED, keep_records=False).kpis


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    for name in CASES:
        table = baseline_kpis(name)
        write_text_atomic(OUT / f"{name}.csv", table.to_csv(index=False, float_format="%.12g"))
        log.info("wrote %s", OUT / f"{name}.csv")


if __name__ == "__main__":
    main()
