"""Properties of the latent correlation forms (hubsim.scenario.correlation): every structure within
its bounds is a valid correlation matrix, and a full matrix is accepted exactly when it is a
symmetric, unit-diagonal, positive-definite matrix within the correlation bound."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hubsim.scenario.correlation import MAX_CORRELATION, MIN_EIGENVALUE, Structure, as_matrix, parse

bounded = st.floats(0.0, MAX_CORRELATION, allow_nan=False)


@given(general=bounded, extra=st.floats(0.0, 1.0), alcohol=st.floats(0.0, 1.0))
def test_every_structure_is_a_positive_definite_correlation_matrix(general, extra, alcohol):
    anxiety_depression = general + extra * (MAX_CORRELATION - general)
    matrix = Structure(general, anxiety_depression, alcohol).matrix()
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    np.testing.assert_allclose(matrix, matrix.T)
    assert np.abs(matrix[~np.eye(5, dtype=bool)]).max() <= MAX_CORRELATION + 1e-12
    assert np.linalg.eigvalsh(matrix).min() > 0


@settings(max_examples=200)
@given(st.lists(st.floats(-0.95, 0.95, allow_nan=False), min_size=10, max_size=10))
def test_a_matrix_is_accepted_exactly_when_positive_definite(upper):
    matrix = np.eye(5)
    matrix[np.triu_indices(5, 1)] = upper
    matrix = matrix + np.triu(matrix, 1).T
    valid = np.linalg.eigvalsh(matrix).min() >= MIN_EIGENVALUE
    try:
        parsed = parse(matrix.tolist())
    except ValueError as error:
        assert not valid and "positive definite" in str(error)
    else:
        assert valid
        np.testing.assert_array_equal(as_matrix(parsed), matrix)


@given(st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=10, max_size=10),
       st.floats(0.3, 1.0))
def test_a_factor_model_matrix_is_accepted(loadings, uniqueness):
    """Two factors plus a unique variance of at least 0.3 always give a valid matrix."""
    factors = np.array(loadings).reshape(5, 2)
    covariance = factors @ factors.T + uniqueness * np.eye(5)
    scale = np.sqrt(np.diag(covariance))
    matrix = covariance / np.outer(scale, scale)
    np.fill_diagonal(matrix, 1.0)
    parsed = parse(matrix.tolist())
    np.testing.assert_array_equal(as_matrix(parsed), matrix)
