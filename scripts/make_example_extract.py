"""Write the shipped example extract and the extract template (``scenarios/data/``).

The example is synthetic: one replication (seed 0) of ``scenarios/baseline.toml``, its clients as
they stood at the end of its 24 months (2022-04-01), in the extract format ``hubsim fit`` reads,
with made-up references. The template is the header row alone.

    python scripts/make_example_extract.py
"""

from __future__ import annotations

from pathlib import Path

from hubsim.experiments.simulate import simulate
from hubsim.results.extract_writer import extract_csv, extract_rows
from hubsim.scenario.extract import EXTRACT_COLUMNS
from hubsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scenarios" / "data"


def main() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    clients = simulate(scenario, seed=0).clients
    rows = extract_rows(clients, scenario.start_date, scenario.horizon_days, domains=False)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "example-extract.csv").write_text(extract_csv(rows), encoding="utf-8")
    (OUT / "extract-template.csv").write_text(",".join(EXTRACT_COLUMNS) + "\n",
                                              encoding="utf-8")
    print(f"written: {OUT / 'example-extract.csv'} ({len(rows)} referrals)")


if __name__ == "__main__":
    main()
