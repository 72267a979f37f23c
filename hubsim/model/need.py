"""Screening need model: which of the five screening domains a client scores above threshold on.

A Gaussian copula: each client has a standard-normal latent score per domain, correlated across
domains, plus a shift from their risk factors (which may differ by domain), and is clinically
significant on domain ``d`` when ``z_d`` exceeds the threshold that gives that domain's prevalence
(``threshold_d = Phi^-1(1 - prevalence_d)``). The latent correlation drives co-occurrence (the share
above threshold on 3+ measures and on none). It is a number ``rho`` (every pair alike: the
one-factor model ``z_d = sqrt(rho) * common + sqrt(1 - rho) * own_d + shift_d``) or a 5 x 5 matrix
(see :mod:`hubsim.scenario.correlation` for its forms and checks).

:func:`count_distribution` (one common factor) and :func:`factor_count_distribution` (any factor
model, e.g. the structured correlation) give the exact distribution of the number of domains
above threshold, for calibration (:mod:`hubsim.experiments.calibration`) and for checking
:func:`sample_need`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from hubsim.scenario.base import DOMAINS

"""Screening domains in a fixed order: GAD-7, PHQ-9, PCL-5/ITQ, AUDIT, WSAS."""

_STD_NORMAL = NormalDist()


def thresholds_from_prevalence(prevalence: Mapping[str, float]) -> np.ndarray:
    """Latent thresholds (standard-normal units) giving each domain's marginal prevalence.

    Parameters
    ----------
    prevalence : mapping of domain name -> probability in (0, 1)

    Returns
    -------
    numpy.ndarray of shape (5,), in ``DOMAINS`` order.
    """
    return np.array([_STD_NORMAL.inv_cdf(1.0 - prevalence[d]) for d in DOMAINS])


def sample_need(
    rng: np.random.Generator,
    n: int,
    prevalence: Mapping[str, float],
    correlation: float | np.ndarray,
    shift: np.ndarray | None = None,
) -> np.ndarray:
    """Draw screening outcomes for ``n`` clients.

    Parameters
    ----------
    rng : numpy Generator (the ``screening`` stream)
    n : number of clients
    prevalence : domain -> marginal prevalence when ``shift`` is zero
    correlation : common correlation ``rho`` in [0, 1) between latent domain scores, or a
        positive-definite 5 x 5 latent correlation matrix in ``DOMAINS`` order
    shift : optional array of shape (n,) or (n, 5) added to the latent scores (risk factors),
        in standard-deviation units

    Returns
    -------
    numpy.ndarray of bool, shape (n, 5): True where the client is above threshold.
    Consumes ``6 * n`` standard normals from ``rng`` for a number (one common factor and one
    own score per domain), ``5 * n`` for a matrix (correlated through its Cholesky factor).
    """
    if np.ndim(correlation) == 2:
        factor = np.linalg.cholesky(np.asarray(correlation, dtype=float))
        latent = rng.standard_normal((n, len(DOMAINS))) @ factor.T
    else:
        rho = float(correlation)
        draws = rng.standard_normal((n, len(DOMAINS) + 1))
        latent = np.sqrt(rho) * draws[:, :1] + np.sqrt(1.0 - rho) * draws[:, 1:]
    if shift is not None:
        latent = latent + (shift if np.ndim(shift) == 2 else np.asarray(shift)[:, None])
    return latent > thresholds_from_prevalence(prevalence)


DEFAULT_QUADRATURE_NODES = 64
"""Gauss–Hermite nodes over the common factor. Checked against adaptive quadrature, 64 nodes
give an absolute error below 1e-8 for ``rho <= 0.7``, ~1e-6 at 0.8, ~1e-4 at 0.9 and ~2e-3 at
0.95: the conditional probabilities become step-like as ``rho -> 1``. Use more nodes (128
gives ~1e-5 at 0.95) near that end."""
SHIFT_DECIMALS = 9  # shift values equal to 1e-9 sd are merged (float sums of the same effects)


@lru_cache(maxsize=8)
def _standard_normal_rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Hermite nodes and weights that integrate against the N(0, 1) density (read-only)."""
    factor, weight = hermegauss(nodes)
    weight = weight / weight.sum()  # the raw weights sum to sqrt(2 pi)
    factor.setflags(write=False)
    weight.setflags(write=False)
    return factor, weight


def _check_correlation(correlation: float) -> None:
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation: must be in [0, 1), got {correlation!r}")


def poisson_binomial(p: np.ndarray) -> np.ndarray:
    """Distribution of the number of successes among independent Bernoulli trials.

    Parameters
    ----------
    p : array of shape (..., D): success probability of each of D independent trials

    Returns
    -------
    numpy.ndarray of shape (..., D + 1): probability of exactly k = 0..D successes.
    """
    p = np.asarray(p, dtype=float)
    dist = np.zeros(p.shape[:-1] + (p.shape[-1] + 1,))
    dist[..., 0] = 1.0
    for d in range(p.shape[-1]):
        q = p[..., d : d + 1]
        new = dist * (1.0 - q)
        new[..., 1:] += dist[..., :-1] * q
        dist = new
    return dist


def count_distribution_from_thresholds(
    thresholds: np.ndarray,
    correlation: float,
    shift: float = 0.0,
    nodes: int = DEFAULT_QUADRATURE_NODES,
) -> np.ndarray:
    """Exact count distribution given latent thresholds; see :func:`count_distribution`.

    Parameters
    ----------
    thresholds : array of shape (D,), standard-normal units (``DOMAINS`` order for D = 5)
    correlation : common correlation ``rho`` in [0, 1)
    shift : common shift of every latent score, standard-deviation units
    nodes : Gauss–Hermite nodes over the common factor (ignored when ``correlation == 0``)

    Returns
    -------
    numpy.ndarray of shape (D + 1,): probability of exactly k = 0..D domains above threshold.
    """
    from scipy.special import ndtr  # here, not at import: workers start light

    _check_correlation(correlation)
    if nodes < 1:
        raise ValueError(f"nodes: must be a positive integer, got {nodes!r}")
    if correlation == 0.0:  # independent domains: the common factor drops out
        factor, weight = np.zeros(1), np.ones(1)
    else:
        factor, weight = _standard_normal_rule(int(nodes))
    thresholds = np.asarray(thresholds, dtype=float)
    # P(z_d > t_d | C) = Phi((sqrt(rho) C + shift - t_d) / sqrt(1 - rho))
    conditional = ndtr(
        (np.sqrt(correlation) * factor[:, None] + shift - thresholds) / np.sqrt(1.0 - correlation)
    )
    return weight @ poisson_binomial(conditional)


def count_distribution(
    prevalence: Mapping[str, float],
    correlation: float,
    shift: float = 0.0,
    nodes: int = DEFAULT_QUADRATURE_NODES,
) -> np.ndarray:
    """Exact probability that a client is above threshold on exactly k of the five domains.

    Conditional on the common factor ``C`` the domains are independent Bernoulli trials; their
    count distribution (a Poisson-binomial convolution) is integrated over ``C ~ N(0, 1)`` by
    Gauss–Hermite quadrature. This is the same model that :func:`sample_need` draws from.

    Parameters
    ----------
    prevalence : domain -> marginal prevalence (probability in (0, 1)) when ``shift`` is zero
    correlation : common correlation ``rho`` in [0, 1) between latent domain scores
    shift : common shift added to every latent score, standard-deviation units
    nodes : number of Gauss–Hermite quadrature nodes

    Returns
    -------
    numpy.ndarray of shape (6,): probability of exactly k = 0..5 domains above threshold;
    sums to 1.
    """
    return count_distribution_from_thresholds(
        thresholds_from_prevalence(prevalence), correlation, shift, nodes
    )


def marginal_prevalence(
    prevalence: Mapping[str, float], correlation: float, shift: float = 0.0
) -> dict[str, float]:
    """Per-domain prevalence when every latent score is shifted by ``shift``.

    Each latent score is standard normal before the shift, so the common correlation does not
    change the marginals; it is accepted (and validated) for symmetry with
    :func:`count_distribution`.

    Parameters
    ----------
    prevalence : domain -> marginal prevalence at zero shift, probability in (0, 1)
    correlation : common correlation ``rho`` in [0, 1)
    shift : common shift of every latent score, standard-deviation units

    Returns
    -------
    dict of domain -> probability above threshold, in ``DOMAINS`` order; equal to the input
    (up to rounding) when ``shift == 0``.
    """
    from scipy.special import ndtr  # here, not at import: workers start light

    _check_correlation(correlation)
    shifted = ndtr(shift - thresholds_from_prevalence(prevalence))
    return {d: float(p) for d, p in zip(DOMAINS, shifted, strict=True)}


def shift_distribution(
    prevalence: Sequence[float], effect_sd: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distribution of the latent shift ``sum_k effect_k * X_k`` for independent risk
    factors ``X_k ~ Bernoulli(prevalence_k)``.

    Parameters
    ----------
    prevalence : probability of each of K risk factors
    effect_sd : shift of the latent scores when the factor is present, sd units: shape (K,)
        (the same shift on every domain) or (K, D) (one shift per domain)

    Returns
    -------
    (values, weights): distinct shift values, shape (M,) or (M, D) like ``effect_sd``'s rows,
    and their probabilities, shape (M,), summing to 1.
    """
    effects = np.asarray(effect_sd, dtype=float)
    per_domain = effects.ndim == 2
    effects = effects if per_domain else effects[:, None]
    values, weights = np.zeros((1, effects.shape[1])), np.ones(1)
    for p, effect in zip(prevalence, effects, strict=True):
        values = np.concatenate([values, values + effect])
        weights = np.concatenate([weights * (1.0 - p), weights * p])
    rounded = np.round(values, SHIFT_DECIMALS)
    distinct, inverse = np.unique(rounded, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights)
    return (distinct if per_domain else distinct[:, 0]), merged


DEFAULT_FACTOR_NODES = (48, 16)
"""Gauss-Hermite nodes per factor of :func:`factor_count_distribution`: the first (general)
factor carries most of the correlation, the second (affective) less. Against 128 x 64 nodes the
error is below 1e-6 for the calibrated structure (checked in the unit tests)."""


def factor_count_distribution(
    thresholds: np.ndarray,
    loadings: np.ndarray,
    shifts: tuple[np.ndarray, np.ndarray] | None = None,
    nodes: Sequence[int] = DEFAULT_FACTOR_NODES,
) -> np.ndarray:
    """Exact count distribution when latent scores follow a factor model.

    ``z_d = sum_f loadings[d, f] F_f + sqrt(1 - sum_f loadings[d, f]**2) e_d + shift_d`` with
    independent standard-normal factors ``F`` and own scores ``e``. Conditional on the factors
    the domains are independent; the Poisson-binomial count distribution is integrated over the
    factors by tensor-product Gauss-Hermite quadrature (a factor with no loading is skipped) and
    mixed over the shift distribution.

    Parameters
    ----------
    thresholds : array of shape (D,), standard-normal units
    loadings : array of shape (D, F), each row's squares summing to < 1
    shifts : optional (values, weights): values of shape (M,) (all domains) or (M, D), weights
        of shape (M,) summing to 1 (see :func:`shift_distribution`); default no shift
    nodes : quadrature nodes per factor (the last value repeats for further factors)

    Returns
    -------
    numpy.ndarray of shape (D + 1,): probability of exactly k = 0..D domains above threshold.
    """
    from scipy.special import ndtr  # here, not at import: workers start light

    thresholds = np.asarray(thresholds, dtype=float)
    loadings = np.asarray(loadings, dtype=float).reshape(thresholds.size, -1)
    unique = 1.0 - (loadings**2).sum(axis=1)
    if np.any(unique <= 0.0):
        raise ValueError("loadings: each domain's squared loadings must sum to less than 1")
    points, weight = np.zeros((1, 0)), np.ones(1)
    for f in range(loadings.shape[1]):
        count = nodes[min(f, len(nodes) - 1)]
        factor, w = _standard_normal_rule(int(count)) if np.any(loadings[:, f]) else (
            np.zeros(1), np.ones(1))
        points = np.concatenate([np.repeat(points, factor.size, axis=0),
                                 np.tile(factor, points.shape[0])[:, None]], axis=1)
        weight = np.repeat(weight, w.size) * np.tile(w, weight.size)
    active = np.any(loadings, axis=0)
    mean = points[:, active] @ loadings[:, active].T if active.any() else np.zeros((1, 1))
    values, mix = shifts if shifts is not None else (np.zeros(1), np.ones(1))
    values = np.asarray(values, dtype=float)
    values = values if values.ndim == 2 else values[:, None]
    conditional = ndtr(
        (mean[:, None, :] + values[None, :, :] - thresholds) / np.sqrt(unique)
    )  # (nodes, shifts, domains)
    return np.einsum("q,m,qmk->k", weight, np.asarray(mix, dtype=float),
                     poisson_binomial(conditional))
