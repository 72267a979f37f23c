"""Each client's own course stream, as ``np.random.default_rng(seed)`` gives it, without building
a ``Generator`` for every course.

A client's DNAs and drop-outs come from the stream ``np.random.default_rng(seed)`` of its own
per-client ``seed`` (a non-negative integer below 2**64). Building that Generator costs a
``SeedSequence`` and a ``PCG64`` per course (about 6 us). Here the ``SeedSequence`` step is done
once for every client of a run, in numpy arrays (``seed_words``), and each course then sets the
state of one shared ``PCG64`` from its client's words (about 1 us): the numbers are the same,
bit for bit (tested against numpy for many seeds).

The arithmetic follows numpy's ``SeedSequence`` (entropy of at most two 32-bit words, pool of four
words, no spawn key) and ``PCG64``'s seeding (``pcg_setseq_128_srandom_r``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

_WORD = np.uint64(0xFFFFFFFF)  # 32-bit words, as SeedSequence computes, held in uint64 (a
# product of two words fits; a wrapped difference is right modulo 2**32)
_XSHIFT = np.uint64(16)
_HALF = np.uint64(32)
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875  # SeedSequence: mixing the entropy into the pool
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED  # SeedSequence: drawing words from the pool
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_POOL_SIZE = 4  # SeedSequence's default pool size (32-bit words)
_STATE_WORDS = 8  # PCG64 asks for 4 uint64 words: 8 uint32 words
_CLIENT_WORDS = _STATE_WORDS // 2  # the uint64 words held per client
_PCG_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645  # PCG64's 128-bit LCG multiplier
_MASK_128 = (1 << 128) - 1


_WORD_MASK = 0xFFFFFFFF  # the same mask, for the Python-int hash constants


def _constants(first: int, multiplier: int, count: int) -> np.ndarray:
    """``count + 1`` successive hash constants from ``first`` (each the last times
    ``multiplier``, modulo 2**32), as a column: ``[k]`` is the k-th, shaped to broadcast over
    rows of clients."""
    out = [first]
    for _ in range(count):
        out.append((out[-1] * multiplier) & _WORD_MASK)
    return np.array(out, dtype=np.uint64)[:, None]


# SeedSequence's hash constants are the same for every seed: the pool's four entropy words,
# then 12 cross-mixes (each word into the three others), then the eight state words
_CROSS_MIXES = _POOL_SIZE * (_POOL_SIZE - 1)
_HASH_A = _constants(_INIT_A, _MULT_A, _POOL_SIZE + _CROSS_MIXES)
_HASH_B = _constants(_INIT_B, _MULT_B, _STATE_WORDS)


def _hashmix(values: np.ndarray, first: int) -> np.ndarray:
    """SeedSequence's ``hashmix`` of each row of ``values`` with the hash constants
    ``_HASH_A[first + row]`` (xor) and the next one (multiply), as a constant per call."""
    rows = len(values)
    value = (values ^ _HASH_A[first:first + rows]) & _WORD
    value = (value * _HASH_A[first + 1:first + 1 + rows]) & _WORD
    mixed: np.ndarray = value ^ (value >> _XSHIFT)
    return mixed


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.uint64(_MIX_MULT_L) * x - np.uint64(_MIX_MULT_R) * y
    result &= _WORD
    return result ^ (result >> _XSHIFT)


def seed_words(seeds: np.ndarray) -> np.ndarray:
    """The four 64-bit words ``SeedSequence(seed).generate_state(4, np.uint64)`` of each seed.

    SeedSequence's steps, each over every seed at once and over the pool's words at once where
    they do not depend on each other (rows of a (words x seeds) array).

    Parameters
    ----------
    seeds : non-negative integers below 2**64, any shape flattened to ``n``

    Returns
    -------
    ``(n, 4)`` uint64 array: the words PCG64 is seeded with.
    """
    entropy = np.asarray(seeds, dtype=np.uint64).ravel()
    # a seed below 2**32 is one word of entropy, else two: the missing word mixes as a zero, so
    # both are the same as two words (low, high); the pool's other words start from zeros
    words = np.zeros((_POOL_SIZE, entropy.size), dtype=np.uint64)
    words[0], words[1] = entropy & _WORD, entropy >> _HALF
    pool = _hashmix(words, 0)
    constant = _POOL_SIZE
    for src in range(_POOL_SIZE):  # each word mixed into the three others, in turn
        others = [dst for dst in range(_POOL_SIZE) if dst != src]
        mixed = _hashmix(np.broadcast_to(pool[src], (len(others), entropy.size)), constant)
        pool[others] = _mix(pool[others], mixed)
        constant += len(others)
    value = (pool[np.arange(_STATE_WORDS) % _POOL_SIZE] ^ _HASH_B[:_STATE_WORDS]) & _WORD
    value = (value * _HASH_B[1:]) & _WORD
    state = value ^ (value >> _XSHIFT)
    # little-endian: 64-bit word k is 32-bit words 2k (low) and 2k + 1 (high)
    return np.ascontiguousarray((state[0::2] | (state[1::2] << _HALF)).T)


def pcg64_state(words: list[int]) -> dict[str, Any]:
    """The ``PCG64.state`` that ``PCG64(SeedSequence(seed))`` starts in, from ``seed_words``."""
    initstate = (words[0] << 64) | words[1]
    increment = (((words[2] << 64) | words[3]) << 1 | 1) & _MASK_128
    state = (increment + initstate) & _MASK_128  # a step from 0, then the initial state added
    state = (state * _PCG_MULTIPLIER + increment) & _MASK_128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": increment},
            "has_uint32": 0, "uinteger": 0}


class ClientStreams:
    """Uniform draws from each client's own stream ``np.random.default_rng(seeds[client])``.

    Parameters
    ----------
    seeds : each client's seed (non-negative integers below 2**64)
    which : the clients whose stream may be asked for (a boolean mask; default all): the others'
        seeds are not prepared
    """

    def __init__(self, seeds: np.ndarray, which: np.ndarray | None = None) -> None:
        seeds = np.asarray(seeds).ravel()
        clients = np.arange(len(seeds)) if which is None else np.flatnonzero(which)
        bits = np.random.PCG64(0)
        self._prepare(clients, seed_words(seeds[clients]), bits, np.random.Generator(bits))

    def _prepare(self, clients: np.ndarray, words: np.ndarray, bits: np.random.PCG64,
                 rng: np.random.Generator) -> None:
        """Hold ``clients``' seed words (one row each) and draw with ``rng`` over ``bits``."""
        # flat, four words a client: a list per client would be an object for the garbage
        # collector to track
        self._words: list[int] = words.ravel().tolist()
        self._row = dict(zip(clients.tolist(),
                             range(0, _CLIENT_WORDS * len(clients), _CLIENT_WORDS), strict=True))
        self._bits, self._rng = bits, rng

    @classmethod
    def several(
        cls, sources: Mapping[str, tuple[np.ndarray, np.ndarray]]
    ) -> dict[str, ClientStreams]:
        """One ``ClientStreams(seeds, which)`` per name of ``sources`` (name -> (seeds, which)),
        the same streams, with every chosen client's seed words computed in one pass (the
        arithmetic is per seed, so in one array or several it gives the same words).

        They share one ``PCG64``: each draw sets its state first, so sharing changes nothing.
        """
        chosen = {name: (np.flatnonzero(which), np.asarray(seeds).ravel())
                  for name, (seeds, which) in sources.items()}
        words = seed_words(np.concatenate([seeds[clients] for clients, seeds in chosen.values()]))
        bits = np.random.PCG64(0)
        rng = np.random.Generator(bits)
        out: dict[str, ClientStreams] = {}
        first = 0
        for name, (clients, _) in chosen.items():
            streams = cls.__new__(cls)
            streams._prepare(clients, words[first:first + clients.size], bits, rng)
            out[name] = streams
            first += clients.size
        return out

    def uniforms(self, client: int, count: int, skip: int = 0) -> list[float]:
        """Draws ``skip`` to ``skip + count`` (from 0) of the client's uniforms on [0, 1): those of
        ``rng.random()`` called over and over on a fresh ``default_rng(seed)``.

        Raises
        ------
        KeyError
            ``client`` is not one of ``which``.
        """
        row = self._row[client]
        self._bits.state = pcg64_state(self._words[row:row + 4])  # type: ignore[assignment]
        drawn = self._rng.random(skip + count)
        return drawn[skip:].tolist()
