"""Each client's course stream from ``ClientStreams`` equals ``np.random.default_rng(seed)``."""

import numpy as np
import pytest

from hubsim.model.client_streams import ClientStreams, pcg64_state, seed_words

# seeds as the model draws them (below 2**63), and the edges of one and two 32-bit words
EDGE_SEEDS = [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1]


def _seeds() -> np.ndarray:
    drawn = np.random.default_rng(20261207).integers(0, 2**63, 500, dtype=np.uint64)
    return np.concatenate([np.array(EDGE_SEEDS, dtype=np.uint64), drawn])


def test_seed_words_and_state_equal_numpys_seeding() -> None:
    seeds = _seeds()
    words = seed_words(seeds)
    for seed, row in zip(seeds.tolist(), words.tolist(), strict=True):
        expected = np.random.SeedSequence(seed).generate_state(4, np.uint64).tolist()
        assert row == expected, seed
        assert pcg64_state(row) == np.random.PCG64(seed).state, seed


def test_uniforms_are_the_clients_own_stream_in_any_order_and_block() -> None:
    seeds = _seeds()
    streams = ClientStreams(seeds)
    order = np.random.default_rng(1).permutation(len(seeds))  # courses interleave
    for client in order.tolist():
        expected = np.random.default_rng(int(seeds[client])).random(9).tolist()
        assert streams.uniforms(client, 4) == expected[:4]
        assert streams.uniforms(client, 5, skip=4) == expected[4:]


def test_only_the_clients_asked_for_are_prepared() -> None:
    seeds = _seeds()[:10]
    which = np.zeros(10, dtype=bool)
    which[[2, 7]] = True
    streams = ClientStreams(seeds, which)
    assert streams.uniforms(7, 3) == np.random.default_rng(int(seeds[7])).random(3).tolist()
    with pytest.raises(KeyError):
        streams.uniforms(3, 1)


def test_several_streams_prepared_together_are_each_clients_own() -> None:
    seeds = _seeds()
    other = seeds[::-1].copy()
    which = np.random.default_rng(2).random(len(seeds)) < 0.4
    streams = ClientStreams.several({"a": (seeds, which), "b": (other, ~which)})
    for client in np.random.default_rng(3).permutation(len(seeds)).tolist():  # interleaved
        own, absent = ("a", "b") if which[client] else ("b", "a")
        source = seeds if own == "a" else other
        expected = np.random.default_rng(int(source[client])).random(3).tolist()
        assert streams[own].uniforms(client, 3) == expected
        with pytest.raises(KeyError):
            streams[absent].uniforms(client, 1)
