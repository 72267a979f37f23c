"""The calibrated need model (registry defaults) reproduces the evaluation's screening anchors:
60% above threshold on 3+ measures, ~80% with impaired functioning (WSAS), ~10% on none
(HSDR-SS, n = 1,973 screened clients).

Tolerances. Exactly (no simulation) the registry values, rounded to 4 decimals, must give the
anchors within 0.001: the fit misses 60% by 0.0003 (the price of fitting one correlation
parameter with the shape of the matrix held fixed) and rounding moves the figures by < 1e-4.
By simulation the figures must lie within the published figure's own 95% binomial interval at
n = 1,973 (+-2.2 points for 60%, +-1.8 for 80%, +-1.3 for 10%): that is how precisely the
evaluation measured them. With 100,000 simulated clients per Hub the simulation's own sd is at
most 0.16 points, so a miss cannot hide in noise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubsim.experiments.calibration import (
    EVALUATION_AT_LEAST_3,
    EVALUATION_FUNCTIONING,
    EVALUATION_N,
    EVALUATION_NONE,
    TARGET_NAMES,
    model_figures,
)
from hubsim.model.need import DOMAINS, shift_distribution, thresholds_from_prevalence
from hubsim.model.population import sample_clients
from hubsim.model.rng import Streams
from hubsim.scenario import registry
from hubsim.scenario.loader import build, validate
from hubsim.scenario.schema import RISK_FACTORS

CLIENTS = 100_000
EXACT_TOL = 0.001
Z_95 = 1.96
ANCHORS = {"at_least.3": EVALUATION_AT_LEAST_3, "prevalence.functioning": EVALUATION_FUNCTIONING,
           "count.0": EVALUATION_NONE}  # fmt: skip


def _published_half_width(p: float) -> float:
    """Half-width of the published figure's 95% binomial interval at the evaluation's n."""
    return Z_95 * math.sqrt(p * (1.0 - p) / EVALUATION_N)


def test_registry_defaults_reproduce_the_anchors_exactly() -> None:
    screening = validate(registry.scenario_defaults()).screening
    population = validate(registry.scenario_defaults()).population
    shifts = shift_distribution([population.risk_factors[k] for k in RISK_FACTORS],
                                screening.shift_matrix())
    figures = dict(zip(TARGET_NAMES, model_figures(
        thresholds_from_prevalence(screening.prevalence), screening.correlation, shifts),
        strict=True))
    for name, published in ANCHORS.items():
        assert figures[name] == pytest.approx(published, abs=EXACT_TOL), name


@pytest.mark.parametrize("hub", ["greater-manchester", *registry.hubs()])
def test_simulated_clients_reproduce_the_anchors(hub: str) -> None:
    scenario = build({"hub": hub}, None, "test")
    need = sample_clients(scenario, Streams(11, 0), np.zeros(CLIENTS)).need
    count = need.sum(axis=1)
    simulated = {"at_least.3": np.mean(count >= 3), "count.0": np.mean(count == 0),
                 "prevalence.functioning": np.mean(need[:, DOMAINS.index("functioning")])}
    for name, published in ANCHORS.items():
        assert simulated[name] == pytest.approx(published, abs=_published_half_width(published)), (
            name, simulated[name])
