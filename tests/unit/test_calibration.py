"""Unit tests for the exact count distribution (hubsim.model.need) and
hubsim.experiments.calibration."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.calibration import (
    DEFAULT_WEIGHTS,
    SUGGESTED_PREVALENCE,
    CalibrationTargets,
    calibrate,
    evaluation_targets,
    targets_from_extract,
    targets_from_mapping,
)
from hubsim.model.need import (
    DOMAINS,
    count_distribution,
    factor_count_distribution,
    marginal_prevalence,
    sample_need,
    thresholds_from_prevalence,
)
from hubsim.scenario.correlation import Structure

SEED = 20240917  # any fixed seed: every random draw below comes from a seeded Generator

# Exact-model tolerances: the quadrature is accurate to ~1e-6, so anything looser than the
# project's stated 0.01 on calibrated figures tests the optimiser, not the arithmetic.
EXACT_TOL = 0.01
# Monte Carlo tolerance for 200,000 draws: a count probability p has binomial sd
# sqrt(p (1 - p) / 200_000) <= sqrt(0.25 / 200_000) = 0.0011, so 0.005 is > 4 sd.
MC_DRAWS = 200_000
MC_TOL = 0.005
# Project acceptance tolerances for a 20,000-client simulation of the calibrated model
# (sd of a proportion <= 0.0035, so these are > 5 sd on top of the exact-fit error).
ACCEPT_N = 20_000
ACCEPT_TOL_AT_LEAST_3 = 0.03
ACCEPT_TOL_FUNCTIONING = 0.03
ACCEPT_TOL_NONE = 0.02


def _counts(above: np.ndarray) -> np.ndarray:
    """Empirical distribution of the number of domains above threshold (k = 0..5)."""
    return np.bincount(above.sum(axis=1), minlength=len(DOMAINS) + 1) / len(above)


# --- count_distribution / marginal_prevalence -------------------------------------------------


@pytest.mark.parametrize("correlation", [0.0, 0.1, 0.4, 0.8, 0.95])
@pytest.mark.parametrize("shift", [0.0, -0.7, 1.3])
def test_count_distribution_is_a_distribution(correlation: float, shift: float) -> None:
    dist = count_distribution(SUGGESTED_PREVALENCE, correlation, shift=shift)
    assert dist.shape == (6,)
    assert np.all(dist >= 0.0)
    assert dist.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("correlation", [0.0, 0.4, 0.7])
def test_count_distribution_matches_monte_carlo(correlation: float) -> None:
    rng = np.random.default_rng(SEED)
    simulated = _counts(sample_need(rng, MC_DRAWS, SUGGESTED_PREVALENCE, correlation))
    exact = count_distribution(SUGGESTED_PREVALENCE, correlation)
    np.testing.assert_allclose(simulated, exact, atol=MC_TOL, rtol=0.0)


def test_count_distribution_with_shift_matches_monte_carlo() -> None:
    shift = 0.5  # standard-deviation units, applied to every client and domain
    rng = np.random.default_rng(SEED)
    shifts = np.full(MC_DRAWS, shift)
    simulated = _counts(sample_need(rng, MC_DRAWS, SUGGESTED_PREVALENCE, 0.3, shift=shifts))
    exact = count_distribution(SUGGESTED_PREVALENCE, 0.3, shift=shift)
    np.testing.assert_allclose(simulated, exact, atol=MC_TOL, rtol=0.0)


def test_zero_correlation_is_independent_binomial_convolution() -> None:
    prevalence = {"anxiety": 0.3, "depression": 0.55, "ptsd": 0.2, "alcohol": 0.9,
                  "functioning": 0.61}  # fmt: skip
    expected = np.array([1.0])
    for domain in DOMAINS:
        p = prevalence[domain]
        expected = np.convolve(expected, [1.0 - p, p])
    np.testing.assert_allclose(count_distribution(prevalence, 0.0), expected, atol=1e-12)


def test_marginal_prevalence_recovers_input_and_shifts_up() -> None:
    recovered = marginal_prevalence(SUGGESTED_PREVALENCE, 0.4)
    assert list(recovered) == list(DOMAINS)
    for domain in DOMAINS:
        assert recovered[domain] == pytest.approx(SUGGESTED_PREVALENCE[domain], abs=1e-12)
    shifted = marginal_prevalence(SUGGESTED_PREVALENCE, 0.4, shift=0.5)
    assert all(shifted[d] > SUGGESTED_PREVALENCE[d] for d in DOMAINS)


@pytest.mark.parametrize("correlation", [-0.1, 1.0, 1.5])
def test_count_distribution_rejects_bad_correlation(correlation: float) -> None:
    with pytest.raises(ValueError, match="correlation"):
        count_distribution(SUGGESTED_PREVALENCE, correlation)


# --- calibrate on the published evaluation anchors --------------------------------------------


@pytest.fixture(scope="module")
def evaluation_fit():
    return calibrate(evaluation_targets())


def test_calibration_meets_evaluation_anchors_exactly(evaluation_fit) -> None:
    fit = evaluation_fit
    assert fit.converged
    assert fit.free == ("general",)
    assert 0.0 <= fit.structure.general <= fit.structure.anxiety_depression <= 0.95
    assert fit.fitted["at_least.3"] == pytest.approx(0.60, abs=EXACT_TOL)
    assert fit.fitted["count.0"] == pytest.approx(0.10, abs=EXACT_TOL)
    assert fit.fitted["prevalence.functioning"] == pytest.approx(0.80, abs=EXACT_TOL)
    # The fitted figures are those of the fitted parameters: recomputed with a much finer
    # quadrature than the fit's (48 x 16 nodes), they agree to the fit's quadrature error (1e-6).
    exact = factor_count_distribution(thresholds_from_prevalence(fit.prevalence),
                                      fit.structure.loadings(), nodes=(128, 64))
    assert exact[3:].sum() == pytest.approx(fit.fitted["at_least.3"], abs=1e-6)
    assert exact[0] == pytest.approx(fit.fitted["count.0"], abs=1e-6)


def test_calibration_meets_evaluation_anchors_by_simulation(evaluation_fit) -> None:
    rng = np.random.default_rng(SEED)
    above = sample_need(rng, ACCEPT_N, evaluation_fit.prevalence, evaluation_fit.correlation)
    counts = above.sum(axis=1)
    assert np.mean(counts >= 3) == pytest.approx(0.60, abs=ACCEPT_TOL_AT_LEAST_3)
    assert np.mean(above[:, DOMAINS.index("functioning")]) == pytest.approx(
        0.80, abs=ACCEPT_TOL_FUNCTIONING
    )
    assert np.mean(counts == 0) == pytest.approx(0.10, abs=ACCEPT_TOL_NONE)


def test_published_figures_identify_the_general_correlation_only() -> None:
    """Identification, by the delta method with the evaluation's inverse-variance weights: the
    general correlation alone is pinned to within ~0.05 sd; fitted together with it, the
    anxiety-depression correlation is not identified (sd > 0.3, on a 0-0.95 scale), which is
    why it is held at an assumed value by default."""
    alone = calibrate(evaluation_targets())
    assert alone.sd["general"] < 0.1
    both = calibrate(evaluation_targets(), free=("general", "anxiety_depression"))
    assert both.loss < alone.loss  # a second parameter always fits at least as well
    assert both.sd["anxiety_depression"] > 0.3


def test_calibration_is_deterministic(evaluation_fit) -> None:
    assert calibrate(evaluation_targets()) == evaluation_fit


def test_default_weights_hold_prevalences_nearly_fixed() -> None:
    targets = CalibrationTargets(
        prevalence=dict(SUGGESTED_PREVALENCE), count_distribution={0: 0.10}, at_least={3: 0.60}
    )
    assert targets.weight("prevalence.anxiety") == DEFAULT_WEIGHTS["prevalence"]
    fit = calibrate(targets)
    assert fit.converged
    for domain in DOMAINS:
        assert fit.prevalence[domain] == pytest.approx(SUGGESTED_PREVALENCE[domain], abs=0.005)
    assert fit.fitted["count.0"] == pytest.approx(0.10, abs=EXACT_TOL)


def test_untargeted_domains_stay_at_start() -> None:
    targets = CalibrationTargets(prevalence={"functioning": 0.8}, count_distribution={0: 0.15})
    fit = calibrate(targets, start={"alcohol": 0.2, "general": 0.3})
    assert fit.prevalence["alcohol"] == pytest.approx(0.2, abs=1e-12)
    assert fit.prevalence["anxiety"] == pytest.approx(SUGGESTED_PREVALENCE["anxiety"], abs=1e-12)
    assert fit.fitted["count.0"] == pytest.approx(0.15, abs=EXACT_TOL)
    assert set(fit.targets) == {"prevalence.functioning", "count.0"}


# --- round trip through an extract ------------------------------------------------------------


def test_round_trip_recovers_parameters_from_extract() -> None:
    truth = {"anxiety": 0.6, "depression": 0.55, "ptsd": 0.4, "alcohol": 0.2, "functioning": 0.75}
    rng = np.random.default_rng(SEED)
    above = sample_need(rng, 50_000, truth, 0.3)
    df = pd.DataFrame(above.astype(int), columns=list(DOMAINS)).assign(client_id=range(50_000))
    targets = targets_from_extract(df)
    assert sorted(targets.count_distribution) == list(range(6))
    fit = calibrate(targets, free=("general", "anxiety_depression"))
    assert fit.converged
    assert fit.structure.general == pytest.approx(0.3, abs=0.05)
    assert fit.structure.anxiety_depression == pytest.approx(0.3, abs=0.05)
    for domain in DOMAINS:
        assert fit.prevalence[domain] == pytest.approx(truth[domain], abs=0.01)


def test_round_trip_recovers_a_structured_correlation() -> None:
    """The structure is identified by a full screening extract: a known general and
    anxiety-depression correlation come back (alcohol_ratio held at its true value). With 50,000
    clients a count share has sd <= 0.0023, which moves the fitted correlations by ~0.01-0.02;
    0.05 is the stated tolerance."""
    truth = {"anxiety": 0.6, "depression": 0.55, "ptsd": 0.4, "alcohol": 0.2, "functioning": 0.75}
    structure = Structure(0.4, 0.75, 0.5)
    above = sample_need(np.random.default_rng(SEED), 50_000, truth, structure.matrix())
    fit = calibrate(targets_from_extract(pd.DataFrame(above.astype(int), columns=list(DOMAINS))),
                    start={"alcohol_ratio": 0.5}, free=("general", "anxiety_depression"))
    assert fit.converged
    assert fit.structure.general == pytest.approx(0.4, abs=0.05)
    assert fit.structure.anxiety_depression == pytest.approx(0.75, abs=0.05)
    assert fit.structure.alcohol_ratio == 0.5


def test_extract_accepts_bools_and_ignores_extra_columns() -> None:
    df = pd.DataFrame({d: [True, False, True, False] for d in DOMAINS}).assign(site=["a"] * 4)
    df["alcohol"] = [1, 0, 0, 0]
    targets = targets_from_extract(df)
    assert targets.prevalence["alcohol"] == 0.25
    assert targets.count_distribution == {0: 0.5, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.25, 5: 0.25}


def test_extract_errors_name_the_column() -> None:
    good = pd.DataFrame({d: [1, 0, 1, 0] for d in DOMAINS})
    with pytest.raises(ValueError, match="'ptsd'"):
        targets_from_extract(good.drop(columns="ptsd"))
    with pytest.raises(ValueError, match="'alcohol'"):
        targets_from_extract(good.assign(alcohol=[1, 0, 2, 0]))
    with pytest.raises(ValueError, match="'anxiety'"):
        targets_from_extract(good.assign(anxiety=["yes", "no", "yes", "no"]))
    with pytest.raises(ValueError, match="'depression'"):
        targets_from_extract(good.assign(depression=[1.0, np.nan, 0.0, 1.0]))
    with pytest.raises(ValueError, match="'functioning'"):
        targets_from_extract(good.assign(functioning=[1, 1, 1, 1]))  # prevalence 1


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prevalence": {"anxiety": 1.2}}, "prevalence.anxiety"),
        ({"prevalence": {"anxiety": 0.0}}, "prevalence.anxiety"),
        ({"prevalence": {"anxiety": float("nan")}}, "prevalence.anxiety"),
        ({"prevalence": {"anxiety": "0.5"}}, "prevalence.anxiety"),
        ({"prevalence": {"insomnia": 0.3}}, "prevalence.insomnia"),
        ({"count_distribution": {7: 0.1}}, "count_distribution.7"),
        ({"count_distribution": {0: -0.1}}, "count_distribution.0"),
        ({"count_distribution": {0: 0.6, 1: 0.6}}, "count_distribution"),
        ({"count_distribution": dict.fromkeys(range(6), 0.1)}, "count_distribution"),
        ({"at_least": {0: 0.5}}, "at_least.0"),
        ({"at_least": {3: 0.6, 4: 0.7}}, "at_least.4"),
        ({"at_least": {3: 0.6}, "count_distribution": {0: 0.5}}, "at_least.3"),
        ({"at_least": {3: 0.6}, "weights": {"count.9": 1.0}}, "weights.count.9"),
        ({"at_least": {3: 0.6}, "weights": {"at_least": 0.0}}, "weights.at_least"),
        ({"prevalence": {"anxiety": None}}, "targets"),
    ],
)
def test_bad_targets_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field.replace('.', '[.]')}:"):
        CalibrationTargets(**kwargs)


def test_bad_start_names_the_key() -> None:
    with pytest.raises(ValueError, match="start.general"):
        calibrate(evaluation_targets(), start={"general": 0.99})
    with pytest.raises(ValueError, match="start.correlation"):
        calibrate(evaluation_targets(), start={"correlation": 0.5})
    with pytest.raises(ValueError, match="free.affective"):
        calibrate(evaluation_targets(), free=("affective",))
    with pytest.raises(ValueError, match="start.insomnia"):
        calibrate(evaluation_targets(), start={"insomnia": 0.2})


# --- TOML in and out --------------------------------------------------------------------------


TARGETS_TOML = """
[prevalence]
functioning = 0.80
anxiety = 0.65
[at_least]
3 = 0.60
[count]
0 = 0.10
[weights]
count = 2.0
"prevalence.functioning" = 20.0
at_least.3 = 5.0
"""


def test_targets_from_mapping_parses_the_targets_file() -> None:
    targets = targets_from_mapping(tomllib.loads(TARGETS_TOML))
    assert targets.prevalence == {"functioning": 0.80, "anxiety": 0.65}
    assert targets.at_least == {3: 0.60}
    assert targets.count_distribution == {0: 0.10}
    assert targets.weight("count.0") == 2.0
    assert targets.weight("prevalence.functioning") == 20.0
    assert targets.weight("prevalence.anxiety") == DEFAULT_WEIGHTS["prevalence"]
    assert targets.weight("at_least.3") == 5.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[prevalance]\nanxiety = 0.5\n", "prevalance"),
        ("[prevalence]\ninsomnia = 0.5\n", "prevalence.insomnia"),
        ("[count]\nx = 0.5\n", "count.x"),
        ("[count]\n9 = 0.5\n", "count.9"),
        ("[at_least]\n3 = 1.5\n", "at_least.3"),
        ("[at_least]\n3 = 0.5\n[weights]\nloss = 1.0\n", "weights.loss"),
    ],
)
def test_targets_from_mapping_errors_name_the_key(text: str, key: str) -> None:
    with pytest.raises(ValueError, match=f"^{key}"):
        targets_from_mapping(tomllib.loads(text))


def test_to_toml_is_a_screening_table(evaluation_fit) -> None:
    text = evaluation_fit.to_toml()
    assert text.startswith("[screening]\n")
    parsed = tomllib.loads(text)
    assert set(parsed) == {"screening"}
    screening = parsed["screening"]
    assert set(screening) == {"correlation", "prevalence"}
    assert list(screening["prevalence"]) == list(DOMAINS)
    assert screening["correlation"] == {
        k: round(v, 4) for k, v in evaluation_fit.structure.as_dict().items()}
    for domain in DOMAINS:
        assert screening["prevalence"][domain] == round(evaluation_fit.prevalence[domain], 4)
