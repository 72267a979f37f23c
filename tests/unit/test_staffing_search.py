"""Staffing search pieces without simulating: targets, the WTE grid, bisection, plumbing."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim import load_scenario
from hubsim.experiments.wte_scenarios import WteScenarios
from hubsim.experiments.wte_search import (
    SearchInputError,
    Target,
    parse_target,
    search_wte,
    smallest_passing,
    wte_grid,
)

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("therapy_started_within_18w_pct >= 95",
         Target("therapy_started_within_18w_pct", ">=", 95)),
        ("therapy_wait_days_mean<=20", Target("therapy_wait_days_mean", "<=", 20)),
        ("  cost_total_gbp < 1.5e6 ", Target("cost_total_gbp", "<", 1.5e6)),
        ("triage_utilisation > 0.5", Target("triage_utilisation", ">", 0.5)),
        ("gm:therapy_waitlist_end <= -0", Target("gm:therapy_waitlist_end", "<=", 0)),
    ],
)
def test_parse_target_reads_kpi_operator_and_value(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("therapy_wait_days_mean", "expected 'KPI OP VALUE'"),
        ("", "expected 'KPI OP VALUE'"),
        ("therapy_wait_days_mean = 20", "operator '='"),
        ("therapy_wait_days_mean == 20", "operator '=='"),
        ("therapy_wait_days_mean => 20", "operator '=>'"),
        ("therapy_wait_days_mean != 20", "operator '!='"),
        (">= 95", "KPI name is missing"),
        ("therapy_wait_days_mean <=", "value is missing"),
        ("therapy_wait_days_mean <= twenty", "'twenty' is not a number"),
        ("therapy_wait_days_mean <= nan", "finite"),
        ("therapy wait <= 20", "expected 'KPI OP VALUE'"),
    ],
)
def test_parse_target_rejects_malformed_text_naming_the_problem(text, needle):
    with pytest.raises(SearchInputError) as caught:
        parse_target(text)
    assert caught.value.parameter == "target"
    assert needle in caught.value.message


def test_a_nan_kpi_never_meets_a_target():
    met = Target("k", "<=", 20).met(np.array([10.0, 20.0, 30.0, math.nan]))
    assert met.tolist() == [True, True, False, False]
    assert str(Target("k", ">=", 95.0)) == "k >= 95"


def test_wte_grid_has_the_step_and_ends_at_the_maximum():
    assert wte_grid(0.5, 4, 0.5).tolist() == [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]
    assert wte_grid(1, 30, 0.1)[2] == 1.2  # rounded: no 1.2000000000000002
    assert len(wte_grid(1, 30, 0.1)) == 291
    assert wte_grid(1, 2.25, 0.5).tolist() == [1, 1.5, 2, 2.25]  # the maximum is always a point
    assert wte_grid(3, 3, 0.1).tolist() == [3]


@pytest.mark.parametrize(
    ("low", "high", "step", "parameter"),
    [(5, 3, 0.1, "wte_min"), (-1, 3, 0.1, "wte_min"), (1, 3, 0, "step"), (1, 3, -0.5, "step"),
     (0, 400, 1e-6, "step")],
)
def test_wte_grid_rejects_bad_ranges(low, high, step, parameter):
    with pytest.raises(SearchInputError) as caught:
        wte_grid(low, high, step)
    assert caught.value.parameter == parameter


class CountingEvaluator:
    """A monotone fake: share 0 below ``threshold`` WTE, 1 from it on; counts evaluations."""

    def __init__(self, threshold: float) -> None:
        self.threshold, self.calls = threshold, []

    def __call__(self, wte: float) -> float:
        self.calls.append(wte)
        return 1.0 if wte >= self.threshold - 1e-9 else 0.0


@pytest.mark.parametrize("points", [2, 3, 8, 291, 10_000])
def test_bisection_finds_every_threshold_in_logarithmic_evaluations(points):
    grid = wte_grid(1, 1 + 0.1 * (points - 1), 0.1)
    bound = 2 + math.ceil(math.log2(points))
    for threshold in grid[:: max(1, points // 50)]:
        fake = CountingEvaluator(threshold)
        assert smallest_passing(grid, fake, 0.9) == threshold
        assert len(fake.calls) <= bound
        assert len(set(fake.calls)) == len(fake.calls)  # cached: no point evaluated twice


def test_bisection_evaluates_min_then_max_first():
    fake = CountingEvaluator(2.0)
    smallest_passing(wte_grid(1, 3, 0.1), fake, 0.9)
    assert fake.calls[:2] == [1.0, 3.0]


def test_answer_is_the_minimum_when_it_already_meets_the_target():
    fake = CountingEvaluator(0.0)
    assert smallest_passing(wte_grid(1, 30, 0.1), fake, 0.9) == 1.0
    assert fake.calls == [1.0]


def test_answer_is_none_when_even_the_maximum_fails():
    fake = CountingEvaluator(31.0)
    assert smallest_passing(wte_grid(1, 30, 0.1), fake, 0.9) is None
    assert fake.calls == [1.0, 30.0]


def test_a_share_equal_to_the_confidence_passes():
    grid = wte_grid(1, 2, 0.5)
    assert smallest_passing(grid, lambda w: 18 / 20 if w >= 1.5 else 17 / 20, 0.9) == 1.5


def test_a_loaded_scenario_is_rebuilt_like_the_file_with_an_override():
    loaded = load_scenario(BASELINE)
    from_file = WteScenarios(BASELINE, "therapists").at(4.5)
    from_object = WteScenarios(loaded, "therapists").at(4.5)
    assert from_object == from_file == load_scenario(BASELINE, {"staff.therapists.wte": 4.5})
    assert loaded.staff.therapists.wte != 4.5  # the original is untouched


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"role": "nurses"}, "role"), ({"hub": "elsewhere"}, "hub"),
     ({"confidence": 0}, "confidence"), ({"confidence": 1.2}, "confidence"),
     ({"replications": 0}, "replications"), ({"wte_min": 5, "wte_max": 3}, "wte_min"),
     ({"wte_min": 0, "wte_max": 3}, "wte_min"), ({"wte_max": 900}, "wte_max")],
)
def test_bad_search_input_is_rejected_before_anything_runs(monkeypatch, kwargs, parameter):
    monkeypatch.setattr("hubsim.experiments.wte_search.run_experiments", _must_not_run)
    args = {"role": "therapists", "target": "therapy_wait_days_mean <= 20", **kwargs}
    with pytest.raises(SearchInputError) as caught:
        search_wte(BASELINE, **args)
    assert caught.value.parameter == parameter


def _must_not_run(*_args, **_kwargs):
    raise AssertionError("no replication should run on bad input")


class FakeRuns:
    """Stands in for ``run_experiments``: the KPI falls with WTE, the same in every replication."""

    def __init__(self, columns: dict[str, float]) -> None:
        self.columns, self.wtes = columns, []

    def __call__(self, scenarios, replications, seed, executor, progress, desc):
        wte = scenarios[0].staff.therapists.wte
        self.wtes.append(wte)
        frame = pd.DataFrame({"replication": range(replications)})
        frame["therapy_wait_days_mean"] = 100.0 / wte
        for name, value in self.columns.items():
            frame[name] = value * wte
        return [type("Experiment", (), {"kpis": frame})()]


def test_search_reports_the_answer_and_prefers_the_staff_cost_kpi(monkeypatch):
    fake = FakeRuns({"cost_total_gbp": 2000.0, "cost_staff_gbp": 1000.0})
    monkeypatch.setattr("hubsim.experiments.wte_search.run_experiments", fake)
    seen = []
    result = search_wte(BASELINE, "therapists", "therapy_wait_days_mean <= 40", wte_min=1,
                        wte_max=30, step=0.1, replications=3, on_point=seen.append)
    assert result.answer == 2.5  # 100 / 2.5 = 40
    assert result.cost_kpi == "cost_staff_gbp"
    assert result.answer_staff_cost_gbp == pytest.approx(2500.0)
    years = load_scenario(BASELINE).horizon_days / 365.25
    assert result.answer_staff_cost_gbp_per_year == pytest.approx(2500.0 / years)
    assert [row["wte"] for row in seen] == fake.wtes and fake.wtes[:2] == [1.0, 30.0]
    assert list(result.points["wte"]) == sorted(fake.wtes)
    assert len(result.replication_kpis) == 3 * len(fake.wtes)
    assert "2.5 WTE therapists" in result.describe()


def test_an_unknown_kpi_is_reported_after_the_first_point(monkeypatch):
    fake = FakeRuns({"cost_total_gbp": 1.0})
    monkeypatch.setattr("hubsim.experiments.wte_search.run_experiments", fake)
    with pytest.raises(SearchInputError, match="unknown KPI 'therapy_wait_weeks'") as caught:
        search_wte(BASELINE, "therapists", "therapy_wait_weeks <= 6", replications=2)
    assert caught.value.parameter == "target" and len(fake.wtes) == 1


def test_without_an_answer_the_result_says_so(monkeypatch):
    monkeypatch.setattr("hubsim.experiments.wte_search.run_experiments",
                        FakeRuns({"cost_total_gbp": 1}))
    result = search_wte(BASELINE, "therapists", "therapy_wait_days_mean <= 1", wte_max=20,
                        replications=2)
    assert result.answer is None and result.answer_staff_cost_gbp is None
    assert result.describe().startswith("not found: even 20 WTE therapists")


def test_several_hubs_need_a_hub_and_change_only_its_staff():
    path = ROOT / "scenarios" / "north-of-england.toml"
    with pytest.raises(SearchInputError, match="several Hubs") as caught:
        WteScenarios(path, "therapists")
    assert caught.value.parameter == "hub"
    scenarios = WteScenarios(path, "therapists", hub="cheshire-merseyside")
    assert scenarios.key == "hubs.cheshire-merseyside.staff.therapists.wte"
    base, changed = scenarios.base, scenarios.at(7.5)
    for before, after in zip(base.hubs, changed.hubs, strict=True):
        expected = 7.5 if before.hub == "cheshire-merseyside" else before.staff.therapists.wte
        assert after.staff.therapists.wte == expected
    assert WteScenarios(base, "therapists", hub="cheshire-merseyside").at(7.5) == changed


def test_a_role_whose_wte_changes_over_time_is_refused_until_the_changes_are_cleared():
    path = ROOT / "scenarios" / "staffing-cut.toml"
    with pytest.raises(SearchInputError, match=r"staff.therapists.changes=\[\]") as caught:
        WteScenarios(path, "therapists")
    assert caught.value.parameter == "role"
    cleared = WteScenarios(path, "therapists", overrides={"staff.therapists.changes": []})
    assert cleared.at(3.5).staff.therapists.wte == 3.5
