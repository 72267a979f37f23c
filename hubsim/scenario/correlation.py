"""Latent correlation between the five screening domains: its three forms and their checks.

A scenario's ``screening.correlation`` may be

* a number ``rho`` in [0, MAX_CORRELATION]: every pair of domains has latent correlation ``rho``
  (exchangeable; the original one-factor model, kept for old scenario files);
* a table ``{ general, anxiety_depression, alcohol_ratio }`` (:class:`Structure`): a two-factor
  model with three parameters, the form ``hubsim calibrate`` fits (see below);
* a 5 x 5 matrix (a list of five rows in ``DOMAINS`` order): any symmetric, positive-definite
  correlation matrix, e.g. tetrachoric correlations estimated from a Hub's own screening extract.

The structured form: anxiety, depression, PTSD and functioning load ``sqrt(general)`` on a
general distress factor; alcohol loads ``alcohol_ratio * sqrt(general)`` on it; anxiety and
depression also share an affective factor with loading ``sqrt(anxiety_depression - general)``.
So the latent correlation is ``anxiety_depression`` for anxiety-depression, ``general`` for the
other pairs among the four, and ``alcohol_ratio * general`` between alcohol and each other
domain. It is a proper factor model (every unique variance positive) whenever
``general <= anxiety_depression < 1``, so it is always positive definite within the bounds below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from hubsim.scenario.base import DOMAINS

MAX_CORRELATION = 0.95
"""Largest latent correlation of any pair: beyond it two latent scores are near-copies."""
MIN_EIGENVALUE = 1e-6
"""A matrix whose smallest eigenvalue is below this is not (numerically) positive definite."""
SYMMETRY_TOLERANCE = 1e-9  # |r_ij - r_ji| allowed in a user matrix (rounding when written out)
STRUCTURE_FIELDS = ("general", "anxiety_depression", "alcohol_ratio")
AFFECTIVE_DOMAINS = ("anxiety", "depression")
_N = len(DOMAINS)
_ALCOHOL = DOMAINS.index("alcohol")
_AFFECTIVE = [DOMAINS.index(d) for d in AFFECTIVE_DOMAINS]


@dataclass(frozen=True)
class Structure:
    """Structured latent correlation (see the module docstring).

    Attributes
    ----------
    general : latent correlation between any two of anxiety, depression, PTSD and functioning
        (other than anxiety-depression)
    anxiety_depression : latent correlation between anxiety and depression, at least
        ``general`` (None: equal to it)
    alcohol_ratio : alcohol's latent correlation with each other domain, as a fraction of
        ``general``
    """

    general: float
    anxiety_depression: float | None = None
    alcohol_ratio: float = 1.0

    def __post_init__(self) -> None:
        if self.anxiety_depression is None:
            object.__setattr__(self, "anxiety_depression", self.general)
        for name in STRUCTURE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
                raise ValueError(f"{name}: must be a number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not 0.0 <= self.general <= MAX_CORRELATION:
            raise ValueError(f"general: must be in [0, {MAX_CORRELATION}], got {self.general!r}")
        anxiety_depression = float(self.anxiety_depression)  # type: ignore[arg-type]
        if not self.general <= anxiety_depression <= MAX_CORRELATION:
            raise ValueError(
                f"anxiety_depression: must be in [general, {MAX_CORRELATION}] = "
                f"[{self.general:g}, {MAX_CORRELATION}], got {anxiety_depression!r}"
            )
        if not 0.0 <= self.alcohol_ratio <= 1.0:
            raise ValueError(f"alcohol_ratio: must be in [0, 1], got {self.alcohol_ratio!r}")

    def loadings(self) -> np.ndarray:
        """Factor loadings, shape (5, 2): column 0 general, column 1 affective (``DOMAINS``
        order). Unique variances are ``1 - (loadings**2).sum(axis=1)``, all positive."""
        out = np.zeros((_N, 2))
        out[:, 0] = math.sqrt(self.general)
        out[_ALCOHOL, 0] *= self.alcohol_ratio
        out[_AFFECTIVE, 1] = math.sqrt(self.affective)
        return out

    @property
    def affective(self) -> float:
        """Variance of the affective factor: ``anxiety_depression - general``."""
        return max(float(self.anxiety_depression) - self.general, 0.0)  # type: ignore[arg-type]

    def matrix(self) -> np.ndarray:
        """The 5 x 5 latent correlation matrix in ``DOMAINS`` order."""
        loadings = self.loadings()
        out = loadings @ loadings.T
        np.fill_diagonal(out, 1.0)
        return out

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in STRUCTURE_FIELDS}


Correlation = float | Structure | tuple[tuple[float, ...], ...]
"""A validated ``screening.correlation``: a number, a :class:`Structure` or a matrix."""


def _check_matrix(rows: Sequence[Any]) -> tuple[tuple[float, ...], ...]:
    """A user 5 x 5 matrix as nested tuples; ValueError naming the first problem."""
    if len(rows) != _N or any(isinstance(r, str) or not isinstance(r, Sequence) for r in rows):
        raise ValueError(f"must be a number, a table or {_N} rows of {_N} numbers ({DOMAINS})")
    out = []
    for i, row in enumerate(rows):
        if len(row) != _N:
            raise ValueError(f"row {i + 1} ({DOMAINS[i]}): must have {_N} numbers")
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, Real) or math.isnan(v):
                raise ValueError(f"row {i + 1}, column {j + 1}: must be a number, got {v!r}")
        out.append(tuple(float(v) for v in row))
    matrix = np.array(out)
    if not np.allclose(np.diag(matrix), 1.0, rtol=0.0, atol=SYMMETRY_TOLERANCE):
        raise ValueError("the diagonal must be 1 (a correlation matrix)")
    if not np.allclose(matrix, matrix.T, rtol=0.0, atol=SYMMETRY_TOLERANCE):
        i, j = np.argwhere(~np.isclose(matrix, matrix.T, rtol=0.0, atol=SYMMETRY_TOLERANCE))[0]
        raise ValueError(f"not symmetric: {DOMAINS[i]}-{DOMAINS[j]} differs from "
                         f"{DOMAINS[j]}-{DOMAINS[i]}")
    off = matrix[~np.eye(_N, dtype=bool)]
    if np.any(np.abs(off) > MAX_CORRELATION):
        raise ValueError(f"every off-diagonal correlation must be within +-{MAX_CORRELATION}")
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < MIN_EIGENVALUE:
        raise ValueError(
            f"not positive definite (smallest eigenvalue {smallest:.3g}); no set of latent scores "
            "has these correlations: lower the largest ones or make them mutually consistent"
        )
    return tuple(out)


def parse(value: Any) -> Correlation:
    """Validate a ``screening.correlation`` value (any of the three forms).

    Raises ValueError whose message starts with the sub-field at fault where there is one
    (``general: ...``), so the loader names ``screening.correlation.general``.
    """
    if isinstance(value, Structure):
        return value
    if isinstance(value, bool):
        raise ValueError("must be a number, a table or a 5 x 5 matrix, got a boolean")
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number) or not 0.0 <= number <= MAX_CORRELATION:
            raise ValueError(f"must be in [0, {MAX_CORRELATION}], got {value!r}")
        return number
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in STRUCTURE_FIELDS]
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field; expected {', '.join(STRUCTURE_FIELDS)}")
        if "general" not in value:
            raise ValueError("general: required field is missing")
        return Structure(**value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _check_matrix(value)
    raise ValueError(f"must be a number, a table or a 5 x 5 matrix, got {value!r}")


def as_matrix(value: Correlation) -> np.ndarray:
    """The 5 x 5 latent correlation matrix of a validated value, ``DOMAINS`` order."""
    if isinstance(value, Structure):
        return value.matrix()
    if isinstance(value, float | int):
        return Structure(float(value)).matrix()
    return np.array(value, dtype=float)


def dump(value: Correlation) -> float | dict[str, float] | list[list[float]]:
    """A validated value back in its scenario-file form (for ``model_dump`` and TOML)."""
    if isinstance(value, Structure):
        return value.as_dict()
    if isinstance(value, float | int):
        return float(value)
    return [list(row) for row in value]
