"""Calibrate the EQ-5D at screening to the evaluation's follow-up EQ-5D (run from the repo root).

The evaluation measured EQ-5D 0.755 (95% CI 0.731-0.779) in its follow-up survey, 5-8 months
after screening. hubsim needs the utility *at screening* (``outcomes.baseline_utility``, by need
tier). This script runs the four evaluated Hubs, finds the single shift to add to every tier's
utility so that the respondents' mean expected utility on their follow-up day is 0.755
(:func:`hubsim.results.followup_utility.screening_utility_shift`), and prints the shifted tier
values to write into ``hubsim/data/evidence-economics.toml``. The tier differences (lower with
higher need, HSDR-SS) are kept; only their level is calibrated.

    .venv/bin/python scripts/calibrate_eq5d.py [--replications 20] [--seed 0]

Deterministic for a given seed and replication count.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hubsim import load_scenario, run_experiment
from hubsim.results.followup_utility import screening_utility_shift
from hubsim.results.published_measures import evaluation_window
from hubsim.scenario import registry

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "north-of-england.toml"
TIERS = ("low", "moderate", "high")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    clients = run_experiment(scenario, args.replications, args.seed).clients
    pairs = []
    for hub in scenario.hubs:
        window = evaluation_window(clients, hub)
        pairs.append((window[window["followup_day"] <= hub.horizon_days], hub))
    wanted = next(t["value"] for t in registry.targets() if t["name"] == "followup_eq5d")
    shift = screening_utility_shift(pairs, wanted)
    print(f"shift to add to every tier's utility at screening: {shift:+.4f}")
    for tier in TIERS:
        old = registry.entry(f"outcomes.baseline_utility.{tier}").value
        print(f"outcomes.baseline_utility.{tier}: {old} -> {old + shift:.3f}")


if __name__ == "__main__":
    main()
