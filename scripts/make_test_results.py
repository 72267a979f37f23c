"""Regenerate ``tests/data/small_results``: the small stored results folder that the figure,
report and export tests read.

Two replications of the baseline scenario over 120 days, with one therapist so that a therapy
waiting list forms. Run from anywhere:

    .venv/bin/python scripts/make_test_results.py

The folder is committed; regenerate it (and commit the result) only when the results-folder format
changes.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from hubsim import load_scenario, run_experiment
from hubsim.results.write import build_metadata, write_results

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIO = Path("scenarios") / "baseline.toml"  # relative: the metadata names no machine path
OUT = REPO_ROOT / "tests" / "data" / "small_results"
OVERRIDES = {"horizon_days": 120, "staff.therapists.wte": 1}
REPLICATIONS = 2
SEED = 0

logger = logging.getLogger("make_test_results")


def main() -> Path:
    """Run the small experiment and write the results folder (replacing the old one)."""
    scenario = load_scenario(REPO_ROOT / SCENARIO, OVERRIDES)
    started = time.perf_counter()
    experiment = run_experiment(scenario, REPLICATIONS, SEED)
    meta = build_metadata(
        experiment, time.perf_counter() - started, scenario_file=str(SCENARIO),
        overrides=[f"{k}={v}" for k, v in OVERRIDES.items()], workers=None, executor="serial",
    )
    frames = {} if experiment.bands is None else {"timeseries_bands.csv": experiment.bands}
    write_results(experiment, OUT, meta, force=True, frames=frames)
    logger.info("written %s", OUT)
    return OUT


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
