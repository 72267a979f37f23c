"""Probabilistic sensitivity analysis: which parameters, their distributions, reproducible draws,
the signpost-only comparator, partial rank correlations, incremental cost-effectiveness, and
a small PSA that gives identical tables serially and on a process pool.

Small on purpose: 8 draws x 2 replications of a 120-day scenario.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from hubsim.experiments.executors import dask_local_client
from hubsim.experiments.incremental import fieller_interval, incremental
from hubsim.experiments.psa import PsaSetup, layer_keys, run_psa, signpost_only_overrides
from hubsim.experiments.psa_params import Z_95, draw_overrides, psa_parameters, sample
from hubsim.experiments.sensitivity import prcc, rank_inputs
from hubsim.scenario.loader import build, load_scenario, read_layers

SEED = 7
DRAWS, REPLICATIONS = 8, 2
SMALL = {"horizon_days": 120}
EXACT = 1e-12


@pytest.fixture(scope="module")
def parameters(baseline):
    return psa_parameters(baseline, {"hub", "name", "description"})


def by_name(parameters):
    return {p.name: p for p in parameters}


def test_decision_levers_and_other_presets_are_not_sampled(parameters) -> None:
    names = set(by_name(parameters))
    assert not any(n.endswith(".wte") for n in names)
    assert "horizon_days" not in names
    assert not any(n.startswith(("outcomes.presets.pessimistic", "outcomes.presets.optimistic"))
                   for n in names)
    assert {"therapy.dna_probability", "costs.setup_gbp",
            "outcomes.presets.central.utility_gain", "staff.*.attrition_per_year"} <= names


def test_values_fixed_by_the_user_are_not_sampled(baseline) -> None:
    fixed = {"therapy.dna_probability", "triage.call_minutes.mean"}
    names = set(by_name(psa_parameters(baseline, fixed)))
    assert "therapy.dna_probability" not in names and "triage.call_minutes" not in names


def test_only_keeps_the_named_prefixes(baseline) -> None:
    names = {p.name for p in psa_parameters(baseline, (), ("costs.", "outcomes.presets."))}
    assert names and all(n.startswith(("costs.", "outcomes.presets.")) for n in names)
    with pytest.raises(ValueError, match="no uncertain inputs"):
        run_psa(PsaSetup({}, only=("nothing.",)), 1, 1)


def test_a_staff_wildcard_row_sets_every_role(parameters, baseline) -> None:
    attrition = by_name(parameters)["staff.*.attrition_per_year"]
    roles = set(baseline.staff.roles())
    assert {k.split(".")[1] for k in attrition.keys} == roles


def test_distributions_match_the_registry_mean_and_range(parameters) -> None:
    """Method of moments: mean = registry value, sd = range width / (2 x 1.96)."""
    for p in parameters:
        dist = sps.beta(p.a, p.b) if p.family == "beta" else sps.gamma(p.a, scale=p.b)
        assert dist.mean() == pytest.approx(p.mean, rel=1e-9), p.name
        assert dist.std() == pytest.approx((p.high - p.low) / (2 * Z_95), rel=1e-9), p.name
        if p.family == "beta":
            assert 0 <= p.low and p.high <= 1


def test_distribution_tables_keep_their_coefficient_of_variation(parameters, baseline) -> None:
    calls = by_name(parameters)["triage.call_minutes"]
    out = calls.overrides(90.0)
    sd = baseline.triage.call_minutes.sd
    assert out == {"triage.call_minutes.mean": 90.0,
                   "triage.call_minutes.sd": pytest.approx(sd * 90 / calls.mean)}
    wait = by_name(parameters)["external.destinations.talking_therapies"]
    assert wait.keys == ("external.destinations.talking_therapies.wait_days.mean",)


def test_integer_parameters_are_rounded_within_their_range(parameters) -> None:
    attempts = by_name(parameters)["triage.max_attempts"]
    values = [attempts.quantile(u) for u in np.linspace(0.001, 0.999, 50)]
    assert attempts.integer and all(v == int(v) for v in values)
    assert min(values) >= attempts.low and max(values) <= attempts.high


def test_draws_are_reproducible_and_independent_of_other_parameters(parameters) -> None:
    a = sample(parameters, 5, SEED)
    b = sample(parameters, 5, SEED)
    c = sample(parameters, 5, SEED + 1)
    subset = sample(parameters[::3], 5, SEED)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a.equals(c)
    pd.testing.assert_frame_equal(subset, a[subset.columns], check_exact=True)


def test_every_draw_builds_a_valid_scenario(parameters, baseline_path) -> None:
    layers = read_layers(baseline_path)
    for row in sample(parameters, 20, SEED).to_dict("records"):
        build(layers, draw_overrides(parameters, row), "draw")  # raises if invalid


def test_built_in_comparator_matches_the_comparator_file(baseline, repo_root) -> None:
    built = build(read_layers(repo_root / "scenarios" / "baseline.toml"),
                  signpost_only_overrides(baseline), "built")
    file = load_scenario(repo_root / "scenarios" / "comparator-signpost-only.toml")
    assert built.routing == file.routing
    for role in ("therapists", "psychologists", "brief"):
        assert getattr(built.staff, role).wte == pytest.approx(getattr(file.staff, role).wte)
        assert getattr(built.staff, role).slots == getattr(file.staff, role).slots
    assert file.staff.therapists.slots == 1 and file.staff.brief.slots == 1


def test_layer_keys_are_dotted_leaves() -> None:
    layers = {"name": "x", "therapy": {"dna_probability": 0.1, "sessions": {"high": {"mean": 9}}}}
    assert layer_keys(layers) == {"therapy.dna_probability", "therapy.sessions.high.mean"}


def test_prcc_finds_the_inputs_that_matter() -> None:
    rng = np.random.default_rng(SEED)
    x = pd.DataFrame(rng.random((200, 4)), columns=["strong", "negative", "noise", "weak"])
    y = pd.Series(3 * x["strong"] - 2 * x["negative"] + 0.3 * x["weak"]
                  + 0.1 * rng.standard_normal(200))
    coeff, method = prcc(x, y)
    assert method == "prcc"
    assert coeff["strong"] > 0.9 and coeff["negative"] < -0.9
    assert abs(coeff["noise"]) < 0.2 and coeff["weak"] > 0.3
    table = rank_inputs(x, {"y": y})
    assert table["parameter"].tolist()[:2] == ["strong", "negative"]


def test_prcc_falls_back_to_spearman_with_few_draws() -> None:
    x = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=list("abc"))
    _, method = prcc(x, pd.Series([1.0, 2.0, 4.0, 3.0]))
    assert method == "spearman"


def test_incremental_nmb_and_icer_from_paired_replications() -> None:
    a = pd.DataFrame({"replication": [0, 1, 2, 3], "cost_total_gbp": [100.0, 110, 90, 105],
                      "qalys": [10.0, 10.5, 9.5, 10.2], "employer_cost_gbp": [50.0] * 4})
    b = a.assign(cost_total_gbp=a["cost_total_gbp"] + [1000.0, 1100, 900, 1000],
                 qalys=a["qalys"] + [0.10, 0.12, 0.08, 0.11], employer_cost_gbp=40.0)
    table = incremental(a, b, wtp=(20_000.0,)).set_index("measure")
    assert table.loc["incremental_cost_gbp", "mean"] == pytest.approx(1000.0)
    assert table.loc["icer_gbp_per_qaly", "mean"] == pytest.approx(1000 / 0.1025)
    nmb = table.loc["nmb_gbp"]
    assert nmb["mean"] == pytest.approx(20_000 * 0.1025 - 1000)
    assert table.loc["nmb_with_employer_gbp", "mean"] == pytest.approx(nmb["mean"] + 10)
    low, high = table.loc["icer_gbp_per_qaly", ["ci_low", "ci_high"]]
    assert low < 1000 / 0.1025 < high


def test_fieller_is_unbounded_when_qalys_do_not_differ() -> None:
    low, high = fieller_interval(np.array([1.0, 2.0, 3.0]), np.array([0.1, -0.1, 0.05]))
    assert math.isnan(low) and math.isnan(high)


def test_dominance_is_named() -> None:
    a = pd.DataFrame({"replication": [0, 1], "cost_total_gbp": [100.0, 100.0],
                      "qalys": [1.0, 1.0], "employer_cost_gbp": [0.0, 0.0]})
    b = a.assign(cost_total_gbp=[90.0, 95.0], qalys=[1.2, 1.1])
    note = incremental(a, b).set_index("measure").loc["icer_gbp_per_qaly", "note"]
    assert note.startswith("B dominates A")


@pytest.fixture(scope="module")
def small_setup(baseline_path):
    return PsaSetup(read_layers(baseline_path), None, SMALL, "baseline")


@pytest.fixture(scope="module")
def small_psa(small_setup):
    return run_psa(small_setup, DRAWS, REPLICATIONS, SEED)


def test_psa_tables(small_psa) -> None:
    draws = small_psa.draws
    assert len(draws) == DRAWS and draws["draw"].tolist() == list(range(DRAWS))
    for w in small_psa.wtp:
        np.testing.assert_allclose(
            draws[f"nmb_{w:.0f}_gbp"],
            w * draws["incremental_qalys"] - draws["incremental_cost_gbp"], rtol=EXACT)
    assert small_psa.ceac["probability_cost_effective"].between(0, 1).all()
    assert set(small_psa.ranking["parameter"]) <= {p.name for p in small_psa.parameters}
    assert "signpost-only" in small_psa.comparator_name


@pytest.mark.slow  # a process pool: ~5 s idle, over 20 s on a loaded machine
def test_psa_is_reproducible_and_the_same_on_a_process_pool(small_setup, small_psa) -> None:
    again = run_psa(small_setup, DRAWS, REPLICATIONS, SEED)
    pd.testing.assert_frame_equal(small_psa.draws, again.draws, check_exact=True)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = run_psa(small_setup, DRAWS, REPLICATIONS, SEED, executor=pool)
    pd.testing.assert_frame_equal(small_psa.draws, pooled.draws, check_exact=True)
    pd.testing.assert_frame_equal(small_psa.ranking, pooled.ranking, check_exact=True)


@pytest.mark.slow  # starting a Dask LocalCluster: ~6 s idle, far more when loaded
def test_psa_is_the_same_on_dask(small_setup, small_psa) -> None:
    pytest.importorskip("distributed")
    with dask_local_client(2) as client:
        got = run_psa(small_setup, DRAWS, REPLICATIONS, SEED,
                      executor=client.get_executor(pure=False))
    pd.testing.assert_frame_equal(small_psa.draws, got.draws, check_exact=True)


def test_psa_refuses_several_hubs(repo_root) -> None:
    layers = read_layers(repo_root / "scenarios" / "north-of-england.toml")
    with pytest.raises(ValueError, match="one Hub at a time"):
        run_psa(PsaSetup(layers), 1, 1)
