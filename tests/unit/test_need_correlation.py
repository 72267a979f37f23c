"""Unit tests for the latent correlation between screening domains (hubsim.scenario.correlation) and
the domain-specific risk-factor shifts, as the scenario schema validates them."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.model.need import (
    DOMAINS,
    count_distribution,
    factor_count_distribution,
    sample_need,
    shift_distribution,
    thresholds_from_prevalence,
)
from hubsim.scenario import registry
from hubsim.scenario.correlation import MAX_CORRELATION, Structure, as_matrix, dump, parse
from hubsim.scenario.loader import ScenarioError, validate
from hubsim.scenario.schema import RISK_FACTORS

SEED = 20261207
PREVALENCE = {"anxiety": 0.6, "depression": 0.55, "ptsd": 0.4, "alcohol": 0.15,
              "functioning": 0.75}  # fmt: skip
# 200,000 draws: a count share has binomial sd <= 0.0011, so 0.005 is > 4 sd.
MC_DRAWS = 200_000
MC_TOL = 0.005
A, D, P, ALC, F = (DOMAINS.index(d) for d in DOMAINS)


def _counts(above: np.ndarray) -> np.ndarray:
    return np.bincount(above.sum(axis=1), minlength=len(DOMAINS) + 1) / len(above)


def _screening(correlation=None, **shifts) -> dict:
    """Registry defaults with the screening correlation and some risk shifts replaced."""
    data = registry.scenario_defaults()
    if correlation is not None:
        data["screening"]["correlation"] = correlation
    data["screening"]["risk_shift_sd"].update(shifts)
    return data


# --- the structured matrix --------------------------------------------------------------------


def test_structure_has_the_stated_pattern() -> None:
    m = Structure(0.5, 0.8, 0.4).matrix()
    assert np.allclose(np.diag(m), 1.0) and np.allclose(m, m.T)
    assert m[A, D] == pytest.approx(0.8)
    for i, j in [(A, P), (A, F), (D, P), (D, F), (P, F)]:
        assert m[i, j] == pytest.approx(0.5)
    for other in (A, D, P, F):
        assert m[ALC, other] == pytest.approx(0.2)
    assert np.linalg.eigvalsh(m).min() > 0


@pytest.mark.parametrize(
    "structure",
    [Structure(0.0), Structure(0.95), Structure(0.0, 0.95, 0.0), Structure(0.6, 0.95, 1.0)],
)
def test_structure_within_bounds_is_positive_definite(structure: Structure) -> None:
    unique = 1.0 - (structure.loadings() ** 2).sum(axis=1)
    assert np.all(unique > 0)
    assert np.linalg.eigvalsh(structure.matrix()).min() > 0


def test_scalar_is_the_exchangeable_structure() -> None:
    """Backward compatibility: a number means every pair has that correlation."""
    assert parse(0.4) == 0.4
    expected = np.full((5, 5), 0.4)
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(as_matrix(parse(0.4)), expected, atol=1e-15)
    np.testing.assert_allclose(Structure(0.4).matrix(), expected, atol=1e-15)


def test_scalar_draws_are_the_one_factor_model() -> None:
    """A number keeps the original one-factor draws, bit for bit (old scenarios reproduce)."""
    rho, n = 0.35, 1000
    shift = np.linspace(-0.5, 0.5, n)
    got = sample_need(np.random.default_rng(SEED), n, PREVALENCE, rho, shift)
    draws = np.random.default_rng(SEED).standard_normal((n, 6))
    latent = np.sqrt(rho) * draws[:, :1] + np.sqrt(1 - rho) * draws[:, 1:] + shift[:, None]
    np.testing.assert_array_equal(got, latent > thresholds_from_prevalence(PREVALENCE))


def test_factor_count_distribution_matches_one_factor_for_a_scalar() -> None:
    exact = count_distribution(PREVALENCE, 0.45, shift=0.3)
    factor = factor_count_distribution(thresholds_from_prevalence(PREVALENCE),
                                       Structure(0.45).loadings(), (np.array([0.3]), np.ones(1)))
    np.testing.assert_allclose(factor, exact, atol=1e-9)


def test_matrix_draws_match_the_exact_structured_distribution() -> None:
    """Cholesky draws from the matrix and the factor-model quadrature agree, with a
    domain-specific shift mixture (two shift vectors, 30% / 70%)."""
    structure = Structure(0.45, 0.8, 0.5)
    shift_values = np.array([[0.0, 0.0, 0.4, 0.0, 0.0], [0.3, 0.0, 0.0, 0.0, 0.3]])
    who = np.random.default_rng(SEED + 1).random(MC_DRAWS) < 0.7
    shift = shift_values[who.astype(int)]
    above = sample_need(np.random.default_rng(SEED), MC_DRAWS, PREVALENCE, structure.matrix(),
                        shift)
    exact = factor_count_distribution(thresholds_from_prevalence(PREVALENCE),
                                      structure.loadings(), (shift_values, np.array([0.3, 0.7])))
    np.testing.assert_allclose(_counts(above), exact, atol=MC_TOL, rtol=0.0)
    # the marginals move only where the shift acts: ptsd up for group 0, not alcohol
    latent_corr = np.corrcoef(above[:, A], above[:, D])[0, 1]
    assert latent_corr > np.corrcoef(above[:, A], above[:, ALC])[0, 1]


def test_quadrature_default_nodes_are_accurate() -> None:
    structure = Structure(0.5013, 0.8608, 0.5)
    t = thresholds_from_prevalence(PREVALENCE)
    fine = factor_count_distribution(t, structure.loadings(), nodes=(160, 80))
    np.testing.assert_allclose(factor_count_distribution(t, structure.loadings()), fine,
                               atol=1e-6)


def test_shift_distribution_by_domain() -> None:
    effects = np.array([[0.4] * 5, [0.0, 0.0, 0.4, 0.0, 0.0]])
    values, weights = shift_distribution([0.5, 0.2], effects)
    assert values.shape == (4, 5) and weights.sum() == pytest.approx(1.0)
    ptsd_only = np.all(values == [0.0, 0.0, 0.4, 0.0, 0.0], axis=1)
    assert weights[ptsd_only].item() == pytest.approx(0.5 * 0.2)
    scalar_values, scalar_weights = shift_distribution([0.5, 0.2], [0.4, 0.2])
    assert scalar_values.ndim == 1 and scalar_weights.sum() == pytest.approx(1.0)


# --- validation: one clear message naming the field -------------------------------------------


def test_the_three_forms_validate_and_round_trip() -> None:
    matrix = Structure(0.5, 0.8, 0.5).matrix().round(4).tolist()
    for value in (0.5, {"general": 0.5, "anxiety_depression": 0.8, "alcohol_ratio": 0.5},
                  matrix):
        scenario = validate(_screening(value))
        dumped = scenario.model_dump(by_alias=True)["screening"]["correlation"]
        assert dumped == (value if not isinstance(value, float) else value)
        assert scenario.screening.correlation_matrix().shape == (5, 5)
        assert dump(parse(dumped)) == dumped


def test_registry_default_is_the_structured_form() -> None:
    screening = validate(registry.scenario_defaults()).screening
    assert isinstance(screening.correlation, Structure)
    m = screening.correlation_matrix()
    off = m[~np.eye(5, dtype=bool)]
    assert m[A, D] == off.max()  # anxiety-depression highest
    assert np.all(m[ALC, [A, D, P, F]] == off.min())  # alcohol lowest with every domain


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        (0.99, "screening.correlation", "must be in [0, 0.95]"),
        (True, "screening.correlation", "true/false"),
        ("high", "screening.correlation", "must be a number"),
        ({"general": 0.97}, "screening.correlation.general", "[0, 0.95]"),
        ({"general": 0.7, "anxiety_depression": 0.6}, "screening.correlation.anxiety_depression",
         "[general, 0.95]"),
        ({"general": 0.5, "alcohol_ratio": 1.5}, "screening.correlation.alcohol_ratio", "[0, 1]"),
        ({"anxiety_depression": 0.5}, "screening.correlation.general", "missing"),
        ({"general": 0.5, "affective": 0.2}, "screening.correlation.affective", "unknown field"),
        ([[1.0, 0.5], [0.5, 1.0]], "screening.correlation", "5 rows of 5 numbers"),
        ([[1.0, 0.9, 0.9, 0.0, 0.0], [0.9, 1.0, -0.9, 0.0, 0.0], [0.9, -0.9, 1.0, 0.0, 0.0],
          [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]],
         "screening.correlation", "not positive definite"),
        ([[1.0, 0.5, 0.0, 0.0, 0.0], [0.4, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
          [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]],
         "screening.correlation", "not symmetric"),
        ([[2.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
          [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]],
         "screening.correlation", "diagonal must be 1"),
    ],
)
def test_bad_correlation_names_the_field(value, field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        validate(_screening(value), "s.toml")
    assert caught.value.field == field, str(caught.value)
    assert words in caught.value.message
    assert "\n" not in str(caught.value)


def test_max_correlation_is_the_scalar_bound() -> None:
    assert validate(_screening(MAX_CORRELATION)).screening.correlation == MAX_CORRELATION


def test_risk_shift_by_domain() -> None:
    shifts = {d: 0.0 for d in DOMAINS} | {"ptsd": 0.5}
    screening = validate(_screening(bereaved=shifts, disability=0.1)).screening
    matrix = screening.shift_matrix()
    assert matrix.shape == (len(RISK_FACTORS), len(DOMAINS))
    np.testing.assert_array_equal(matrix[RISK_FACTORS.index("bereaved")], [0, 0, 0.5, 0, 0])
    np.testing.assert_array_equal(matrix[RISK_FACTORS.index("disability")], [0.1] * 5)


@pytest.mark.parametrize(
    ("shift", "field", "words"),
    [
        ({"ptsd": 0.5}, "screening.risk_shift_sd.bereaved.anxiety", "missing"),
        ({d: 0.0 for d in DOMAINS} | {"alcohol": 4.0}, "screening.risk_shift_sd.bereaved.alcohol",
         "within"),
        ({d: 0.0 for d in DOMAINS} | {"insomnia": 0.1}, "screening.risk_shift_sd.bereaved",
         "insomnia"),
        (3.5, "screening.risk_shift_sd.bereaved", "within"),
    ],
)
def test_bad_risk_shift_names_the_field(shift, field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        validate(_screening(bereaved=shift), "s.toml")
    assert caught.value.field.startswith(field), str(caught.value)
    assert words in str(caught.value)
