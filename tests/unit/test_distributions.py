"""Unit tests for hubsim.scenario.distributions: sampling moments, parsing and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from hubsim.scenario.distributions import (
    DIST_NAMES,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Poisson,
    Uniform,
)
from hubsim.scenario.loader import ScenarioError, build

N = 200_000
# Tolerance for sample moments: 4 standard errors. With fixed seeds the tests are deterministic;
# 4 SE means a correct sampler would fail for fewer than 1 seed in ~15,000, while a wrong
# parameterisation (e.g. log-scale lognormal, rate instead of scale) misses by hundreds of SE.
Z = 4.0

ADAPTER = TypeAdapter(Distribution)


def parse(value: object):
    return ADAPTER.validate_python(value)


def _lognormal_kurtosis(mean: float, sd: float) -> float:
    w = 1.0 + (sd / mean) ** 2  # exp(sigma^2) of the log-scale normal
    return w**4 + 2 * w**3 + 3 * w**2 - 3


# (table, mean, sd, kurtosis mu4 / sd^4): the kurtosis sizes the standard error of the sample sd.
CASES = [
    ({"dist": "exponential", "mean": 5.0}, 5.0, 5.0, 9.0),
    ({"dist": "lognormal", "mean": 60.0, "sd": 15.0}, 60.0, 15.0, _lognormal_kurtosis(60, 15)),
    ({"dist": "lognormal", "mean": 30.0, "sd": 30.0}, 30.0, 30.0, _lognormal_kurtosis(30, 30)),
    ({"dist": "gamma", "mean": 7.0, "sd": 4.0}, 7.0, 4.0, 3 + 6 / (7 / 4) ** 2),
    ({"dist": "poisson", "mean": 8.0}, 8.0, math.sqrt(8.0), 3 + 1 / 8),
    ({"dist": "uniform", "low": 2.0, "high": 10.0}, 6.0, 8 / math.sqrt(12), 1.8),
    # values 2, 3, 4 with probabilities 1/4, 1/2, 1/4: variance 0.5, fourth moment 0.5
    (
        {"dist": "empirical", "values": [2, 3, 4], "weights": [1, 2, 1]},
        3.0, math.sqrt(0.5), 2.0,
    ),
    # equal weights when omitted: values 1, 2, 6 -> mean 3, variance 14/3, fourth moment 98/3
    ({"dist": "empirical", "values": [1, 2, 6]}, 3.0, math.sqrt(14 / 3), 1.5),
    ({"dist": "discrete", "values": [1, 2, 6]}, 3.0, math.sqrt(14 / 3), 1.5),
]


@pytest.mark.parametrize(("table", "mean", "sd", "kurtosis"), CASES,
                         ids=[f"{c[0]['dist']}-{i}" for i, c in enumerate(CASES)])
def test_sample_mean_and_sd_match_parameters(table, mean, sd, kurtosis) -> None:
    dist = parse(table)
    x = dist.sample(np.random.default_rng(20240611), N)
    assert x.shape == (N,)
    se_mean = sd / math.sqrt(N)
    # delta method: SE(sample sd) = sd * sqrt((kurtosis - 1) / (4 n))
    se_sd = sd * math.sqrt((kurtosis - 1) / (4 * N))
    assert abs(x.mean() - mean) < Z * se_mean, (x.mean(), mean, se_mean)
    assert abs(x.std(ddof=1) - sd) < Z * se_sd, (x.std(ddof=1), sd, se_sd)
    assert dist.mean_value == pytest.approx(mean)


def test_fixed_samples_its_value_only() -> None:
    dist = parse({"dist": "fixed", "value": 3.5})
    x = dist.sample(np.random.default_rng(1), 1000)
    assert isinstance(dist, Fixed)
    assert np.all(x == 3.5)
    assert dist.mean_value == 3.5


@pytest.mark.parametrize("number", [0, 3, 2.5])
def test_bare_number_validates_as_fixed(number: float) -> None:
    dist = parse(number)
    assert isinstance(dist, Fixed)
    assert dist.value == number
    assert np.all(dist.sample(np.random.default_rng(0), 5) == number)


def test_bare_number_is_fixed_inside_a_scenario() -> None:
    scenario = build({"horizon_days": 30}, {"triage.call_minutes": 42}, "test")
    assert scenario.triage.call_minutes == Fixed(dist="fixed", value=42)


def test_bool_is_not_a_number() -> None:
    with pytest.raises(ValidationError):
        parse(True)


def test_poisson_samples_are_integers() -> None:
    x = parse({"dist": "poisson", "mean": 3.3}).sample(np.random.default_rng(2), 10_000)
    assert np.array_equal(x, np.round(x))
    assert x.min() >= 0


def test_empirical_samples_only_its_values() -> None:
    dist = parse({"dist": "empirical", "values": [2, 3, 4], "weights": [0, 1, 1]})
    x = dist.sample(np.random.default_rng(3), 10_000)
    assert set(np.unique(x)) == {3.0, 4.0}  # a zero weight is never drawn


def test_lognormal_uses_mean_and_sd_of_the_variable_not_of_its_log() -> None:
    dist = Lognormal(dist="lognormal", mean=60, sd=15)
    x = dist.sample(np.random.default_rng(4), N)
    # the median of a lognormal is exp(mu) = mean / sqrt(1 + cv^2); its SE is
    # 1 / (2 f(median) sqrt(n)) with f(median) = 1 / (median sigma sqrt(2 pi)).
    sigma = math.sqrt(math.log1p((15 / 60) ** 2))
    median = 60 / math.sqrt(1 + (15 / 60) ** 2)
    se_median = median * sigma * math.sqrt(2 * math.pi) / (2 * math.sqrt(N))
    assert abs(np.median(x) - median) < Z * se_median
    # had mean and sd been log-scale parameters the mean would be exp(60 + 15^2 / 2): astronomical
    assert x.max() < 1_000


@pytest.mark.parametrize(
    "table",
    [
        {"dist": "weibull", "mean": 3},
        {"dist": "Lognormal", "mean": 3, "sd": 1},  # names are case sensitive
        {"mean": 3},  # no dist at all
        "lognormal",
    ],
)
def test_unknown_distribution_is_rejected(table: object) -> None:
    with pytest.raises(ValidationError):
        parse(table)


def test_unknown_distribution_in_a_scenario_names_the_field_and_lists_families() -> None:
    with pytest.raises(ScenarioError) as info:
        build({}, {"triage.call_minutes": {"dist": "weibull", "mean": 3}}, "my.toml")
    assert info.value.field == "triage.call_minutes"
    message = str(info.value)
    assert message.startswith("my.toml: triage.call_minutes: ")
    assert all(name in message for name in DIST_NAMES)


@pytest.mark.parametrize(
    "table",
    [
        {"dist": "empirical", "values": [1, 2, 3], "weights": [1, 2]},
        {"dist": "empirical", "values": [1], "weights": [1, 2]},
        {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
        {"dist": "empirical", "values": [1, 2], "weights": [-1, 2]},
        {"dist": "empirical", "values": []},
        {"dist": "empirical", "values": [-1, 2]},
    ],
)
def test_bad_empirical_is_rejected(table: dict) -> None:
    with pytest.raises(ValidationError):
        parse(table)


@pytest.mark.parametrize(
    "table",
    [
        {"dist": "exponential", "mean": 0},
        {"dist": "lognormal", "mean": 60, "sd": -1},
        {"dist": "gamma", "mean": -7, "sd": 4},
        {"dist": "poisson", "mean": 0},
        {"dist": "fixed", "value": -1},
        {"dist": "uniform", "low": 5, "high": 1},
        {"dist": "lognormal", "mean": 60},  # sd missing
        {"dist": "exponential", "mean": 5, "sd": 1},  # extra key
    ],
)
def test_bad_parameters_are_rejected(table: dict) -> None:
    with pytest.raises(ValidationError):
        parse(table)


def test_each_family_parses_to_its_class() -> None:
    expected = {
        "fixed": (Fixed, {"value": 1}),
        "exponential": (Exponential, {"mean": 1}),
        "lognormal": (Lognormal, {"mean": 1, "sd": 1}),
        "gamma": (Gamma, {"mean": 1, "sd": 1}),
        "poisson": (Poisson, {"mean": 1}),
        "uniform": (Uniform, {"low": 0, "high": 1}),
        "empirical": (Empirical, {"values": [1]}),
    }
    assert set(expected) == set(DIST_NAMES)
    for name, (cls, params) in expected.items():
        assert isinstance(parse({"dist": name, **params}), cls)


def test_distributions_are_frozen() -> None:
    dist = parse({"dist": "exponential", "mean": 5})
    with pytest.raises(ValidationError):
        dist.mean = 6
