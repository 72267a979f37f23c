"""Unit tests for hubsim.model.rng: named streams keyed by (seed, replication, name)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hubsim.model.rng
from hubsim.model.rng import LazyChildren, Streams, make_stream, stream_key

DRAWS = 64  # 64 doubles: two different streams coincide with probability ~0


def draws(seed: int, replication: int, name: str) -> np.ndarray:
    return make_stream(seed, replication, name).random(DRAWS)


def test_generator_type() -> None:
    assert isinstance(make_stream(0, 0, "arrivals"), np.random.Generator)


def test_same_key_same_draws() -> None:
    assert np.array_equal(draws(7, 3, "triage.contact"), draws(7, 3, "triage.contact"))


@pytest.mark.parametrize(
    "other",
    [(7, 3, "triage.duration"), (7, 4, "triage.contact"), (8, 3, "triage.contact"),
     (7, 3, "Triage.contact"), (3, 7, "triage.contact")],
)
def test_different_key_different_draws(other: tuple[int, int, str]) -> None:
    assert not np.array_equal(draws(7, 3, "triage.contact"), draws(*other))


def test_streams_independent_of_creation_order() -> None:
    ab, ba = Streams(5, 1), Streams(5, 1)
    a_first = ab["a"].random(DRAWS)
    ab["b"].random(DRAWS)
    ba["b"].random(DRAWS)
    a_second = ba["a"].random(DRAWS)
    assert np.array_equal(a_first, a_second)


def test_draws_from_one_stream_do_not_shift_another() -> None:
    quiet, busy = Streams(5, 1), Streams(5, 1)
    busy["routing"].random(10_000)  # heavy use of another activity
    assert np.array_equal(quiet["arrivals"].random(DRAWS), busy["arrivals"].random(DRAWS))


def test_streams_cache_and_match_make_stream() -> None:
    streams = Streams(9, 2, prefix="hub-a/")
    assert streams["x"] is streams["x"]
    assert np.array_equal(streams["x"].random(DRAWS), draws(9, 2, "hub-a/x"))


def test_prefix_separates_hubs() -> None:
    a, b = Streams(9, 2, prefix="hub-a/"), Streams(9, 2, prefix="hub-b/")
    assert not np.array_equal(a["arrivals"].random(DRAWS), b["arrivals"].random(DRAWS))


def test_stream_key_is_128_bits_and_distinct() -> None:
    names = ["arrivals", "screening", "routing", "triage.contact", "triage.duration", ""]
    keys = [stream_key(n) for n in names]
    assert all(len(k) == 4 and all(0 <= w < 2**32 for w in k) for k in keys)
    assert len(set(keys)) == len(keys)


def test_streams_do_not_depend_on_python_hash_seed() -> None:
    # load rng.py on its own (numpy only, no package import) so the subprocesses start fast
    code = (
        "import importlib.util, sys; "
        "spec = importlib.util.spec_from_file_location('rng', sys.argv[1]); "
        "rng = importlib.util.module_from_spec(spec); spec.loader.exec_module(rng); "
        "print(repr(rng.make_stream(3, 1, 'therapy.dna').random()))"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code, hubsim.model.rng.__file__], capture_output=True, text=True,
            check=True, env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        )
        outputs.add(done.stdout.strip())
    outputs.add(repr(make_stream(3, 1, "therapy.dna").random()))
    assert len(outputs) == 1, outputs


@pytest.mark.parametrize("spawned_before", [0, 2])
def test_lazy_children_are_the_children_spawn_gives(spawned_before) -> None:
    """Child i, asked for in any order, draws what rng.spawn's i-th new child draws."""
    eager, lazy = make_stream(5, 1, "staff.triage"), make_stream(5, 1, "staff.triage")
    eager.spawn(spawned_before)
    lazy.spawn(spawned_before)
    want = [child.random(DRAWS) for child in eager.spawn(6)]
    children = LazyChildren(lazy)
    for index in (4, 0, 5, 1, 3, 2):
        assert np.array_equal(children[index].random(DRAWS), want[index])
    assert children[0] is children[0]  # built once, then drawn on


def test_lazy_children_need_a_seed_sequence() -> None:
    legacy = np.random.MT19937()
    legacy._legacy_seeding(1)  # seeded as np.random.seed does: no SeedSequence
    with pytest.raises(TypeError):
        LazyChildren(np.random.Generator(legacy))
