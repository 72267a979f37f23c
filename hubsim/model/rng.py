"""Named random streams.

Every stochastic activity draws from its own numpy ``Generator``, derived from
``(seed, replication, stable hash of the stream name)`` with ``SeedSequence``. Streams therefore do
not depend on the order in which they are created, and adding a new activity never shifts the
numbers another activity sees (the basis of common random numbers between scenarios).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

_HASH_WORDS = 4  # 4 x 32-bit words of the BLAKE2b digest: 128 bits, ample to keep names apart


_KEY_CACHE_SIZE = 1024  # stream names whose keys are kept (a few dozen per Hub)


@functools.lru_cache(maxsize=_KEY_CACHE_SIZE)
def stream_key(name: str) -> tuple[int, ...]:
    """Stable 128-bit key of a stream name, independent of Python's per-process ``hash`` seed
    (a pure function of the name: kept for the names seen, as each replication asks again)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4 * _HASH_WORDS).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, len(digest), 4))


def make_stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """Return the Generator of stream ``name`` for one replication.

    Parameters
    ----------
    seed : experiment seed (non-negative integer)
    replication : replication index (non-negative integer)
    name : activity name, e.g. ``"arrivals"`` or ``"therapy.dna"``
    """
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(replication, *stream_key(name)))
    return np.random.Generator(np.random.PCG64(sequence))


class Streams:
    """The named streams of one replication; ``streams["routing"]`` creates on first use."""

    def __init__(self, seed: int, replication: int, prefix: str = "") -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self.prefix = prefix
        self._streams: dict[str, np.random.Generator] = {}

    def child(self, prefix: str) -> Streams:
        """Streams of the same replication under a longer name prefix (e.g. a sub-population)."""
        return Streams(self.seed, self.replication, f"{self.prefix}{prefix}")

    def __getitem__(self, name: str) -> np.random.Generator:
        full = f"{self.prefix}{name}"
        if full not in self._streams:
            self._streams[full] = make_stream(self.seed, self.replication, full)
        return self._streams[full]


class LazyChildren:
    """The child streams ``rng.spawn`` would give next, each built only when first asked for.

    Child ``i`` (from 0) is the stream that ``rng.spawn`` returns as its ``i``-th new child: a
    ``Generator`` over rng's bit generator type seeded with ``SeedSequence(entropy,
    spawn_key=(*spawn_key, n + i), pool_size)``, where ``n`` children were spawned from ``rng``
    before, as numpy builds it: the same numbers. A child never asked for costs nothing (building
    a stream costs a ``SeedSequence`` and a bit generator). Unlike ``rng.spawn`` this does not
    advance ``rng``'s own count of children, so ``rng`` must not spawn again.

    Raises
    ------
    TypeError
        ``rng`` was not seeded from a ``SeedSequence`` (it cannot spawn).
    """

    def __init__(self, rng: np.random.Generator) -> None:
        sequence = rng.bit_generator.seed_seq
        if not isinstance(sequence, np.random.SeedSequence):
            raise TypeError("LazyChildren: the stream was not seeded from a SeedSequence")
        self._sequence = sequence
        self._first = sequence.n_children_spawned
        self._bit_generator = type(rng.bit_generator)
        self._made: dict[int, np.random.Generator] = {}

    def __getitem__(self, index: int) -> np.random.Generator:
        if index not in self._made:
            parent = self._sequence
            child = np.random.SeedSequence(parent.entropy,
                                           spawn_key=(*parent.spawn_key, self._first + index),
                                           pool_size=parent.pool_size)
            self._made[index] = np.random.Generator(self._bit_generator(child))
        return self._made[index]
