"""Back tests: today's results equal the stored baselines.

The baselines are written only by ``scripts/make_baselines.py``; an intended change to results
means regenerating them in the same commit. Values are stored to 12 significant digits, so the
comparison allows a relative difference of 1e-9 (printing round-off), nothing more. KPIs added
since a baseline was stored are not in it and are not compared; a stored KPI that is missing
today (removed or renamed) fails.
"""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_baselines.py"
SPEC = importlib.util.spec_from_file_location("make_baselines", SCRIPT)
make_baselines = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(make_baselines)


@pytest.mark.parametrize("name", sorted(make_baselines.CASES))
def test_results_match_the_stored_baseline(name):
    stored = pd.read_csv(make_baselines.OUT / f"{name}.csv")
    today = make_baselines.baseline_kpis(name)
    missing = [c for c in stored.columns if c not in today.columns]
    assert not missing, f"stored KPIs missing today (removed or renamed?): {missing}"
    pd.testing.assert_frame_equal(
        today[list(stored.columns)].reset_index(drop=True), stored, check_dtype=False,
        rtol=1e-9, atol=1e-9,
    )
