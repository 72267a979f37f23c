"""Probability distributions written as TOML tables.

For example ``{dist = "lognormal", mean = 60, sd = 15}``. Every distribution has
``sample(rng, size) -> numpy.ndarray`` and ``mean_value`` (the expected value, in the unit of the
field that holds it). A bare number where a distribution is expected means ``fixed``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from hubsim.scenario.base import Frozen


class _Dist(Frozen):
    @property
    def mean_value(self) -> float:
        """Expected value of the distribution."""
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"]
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=float)

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)

    @property
    def mean_value(self) -> float:
        return self.mean


class Lognormal(_Dist):
    """Lognormal parameterised by its own mean and standard deviation (not the log-scale ones)."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)

    @property
    def mean_value(self) -> float:
        return self.mean


class Gamma(_Dist):
    """Gamma parameterised by mean and standard deviation."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = (self.mean / self.sd) ** 2
        return rng.gamma(shape, self.sd**2 / self.mean, size)

    @property
    def mean_value(self) -> float:
        return self.mean


class Poisson(_Dist):
    """Poisson counts with the given mean."""

    dist: Literal["poisson"]
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.mean, size).astype(float)

    @property
    def mean_value(self) -> float:
        return self.mean


class Uniform(_Dist):
    """Uniform on [low, high)."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high: must be >= low")
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """Discrete distribution over ``values`` with optional ``weights`` (equal when omitted)."""

    dist: Literal["empirical", "discrete"]
    values: tuple[float, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if any(v < 0 for v in self.values):
            raise ValueError("values: must be >= 0")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights: must have one entry per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights: must be >= 0 with a positive sum")
        return self

    def _probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return w / w.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._probabilities())

    @property
    def mean_value(self) -> float:
        return float(np.dot(self.values, self._probabilities()))


def _bare_number_is_fixed(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Poisson | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_bare_number_is_fixed),
]
"""A distribution field: a TOML table with ``dist`` naming the family, or a bare number (fixed)."""

DIST_NAMES = ("fixed", "exponential", "lognormal", "gamma", "poisson", "uniform", "empirical")
