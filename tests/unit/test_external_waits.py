"""External waits: the registry's distributions against the figures they were fitted to, and the
hidden wait added on top of the first wait in the client draws.

Fitted figures (hubsim/data/evidence.toml, evidence-waits.toml): NHS Talking Therapies referral to
first treatment about 90% within 6 weeks and 98.5% within 18 weeks (national statistics,
2020-22); first to second appointment median 28 days and one in six over 90 days. With 200,000
draws the sampling sd of a share is under 0.12 points, so a tolerance of 0.5 points catches a
wrong fit, not noise.
"""

import numpy as np
import pytest

from hubsim.model.population import sample_clients
from hubsim.model.rng import Streams
from hubsim.scenario.loader import build

DRAWS = 200_000
TOLERANCE = 0.005  # share; see the module docstring


@pytest.fixture(scope="module")
def talking_therapies():
    return build({}, None, "test").external.destinations["talking_therapies"]


def test_first_treatment_wait_matches_the_national_statistics(talking_therapies):
    waits = talking_therapies.wait_days.sample(np.random.default_rng(1), DRAWS)
    assert np.mean(waits <= 42) == pytest.approx(0.90, abs=TOLERANCE)
    assert np.mean(waits <= 126) == pytest.approx(0.985, abs=TOLERANCE)


def test_hidden_wait_matches_its_source(talking_therapies):
    hidden = talking_therapies.hidden_wait_days.sample(np.random.default_rng(2), DRAWS)
    assert np.mean(hidden > 28) == pytest.approx(0.5, abs=TOLERANCE)
    assert np.mean(hidden > 90) == pytest.approx(1 / 6, abs=TOLERANCE)


def test_hidden_wait_is_added_and_touches_no_other_draw():
    """Dropping the hidden wait shortens Talking Therapies waits by exactly the hidden draw and
    leaves every other attribute (its own stream) unchanged."""
    with_hidden = build({}, None, "test")
    destinations = dict(with_hidden.external.destinations)
    destinations["talking_therapies"] = destinations["talking_therapies"].model_copy(
        update={"hidden_wait_days": None})
    without = with_hidden.model_copy(update={"external": with_hidden.external.model_copy(
        update={"destinations": destinations})})
    arrivals = np.zeros(5_000)
    a = sample_clients(with_hidden, Streams(5, 0), arrivals)
    b = sample_clients(without, Streams(5, 0), arrivals)
    assert np.array_equal(a.destination, b.destination)
    assert np.array_equal(a.need, b.need) and np.array_equal(a.pathway, b.pathway)
    names = tuple(destinations)
    talking = a.destination == names.index("talking_therapies")
    assert np.all(a.external_wait_days[talking] > b.external_wait_days[talking])
    assert np.array_equal(a.external_wait_days[~talking], b.external_wait_days[~talking])
