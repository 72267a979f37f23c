"""Runs for the app: hubsim's own experiment, comparison and search functions, given an executor
that caches each replication and reports progress.

``hubsim.run_experiment``, ``hubsim.experiments.compare.compare_scenarios`` and
``hubsim.experiments.wte_search.search_wte`` all take any ``concurrent.futures.Executor``. The app's
``CachingExecutor`` runs each task at once in the script's thread, looks a replication up in
Streamlit's cache first (keyed by the resolved scenario's hash, the seed and the replication id:
the same key gives bit-identical output), and calls a progress hook after each task, so a long
run shows a moving progress bar and a repeated run is instant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import streamlit as st

from hubsim.app.limits import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, MAX_CONCURRENT_RUNS
from hubsim.experiments.replications import Replicate, replicate
from hubsim.results.write import scenario_hash
from hubsim.scenario.schema import AnyScenario

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
"""Called with the number of tasks completed so far."""


@st.cache_resource
def _run_slots() -> threading.BoundedSemaphore:
    """Replications running at once across every user of this app process."""
    return threading.BoundedSemaphore(MAX_CONCURRENT_RUNS)


@st.cache_data(max_entries=CACHE_MAX_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_replication(
    scenario_key: str, seed: int, replication: int, keep_records: bool, _scenario: AnyScenario
) -> Replicate:
    """One replication of ``_scenario`` (whose hash is ``scenario_key``), cached.

    ``_scenario`` is not hashed by Streamlit (leading underscore): ``scenario_key`` stands for it.
    """
    with _run_slots():
        logger.info("replication %d of %s (seed %d)", replication, scenario_key[:12], seed)
        return replicate(_scenario, seed, replication, keep_records)


class CachingExecutor(Executor):
    """Runs each submitted task at once, here; replications come from the cache when they can.

    Parameters
    ----------
    on_progress : called with the count of completed tasks after each one
    """

    def __init__(self, on_progress: Progress | None = None) -> None:
        self.on_progress = on_progress
        self.completed = 0
        self._keys: dict[int, tuple[AnyScenario, str]] = {}

    def _key(self, scenario: AnyScenario) -> str:
        """The scenario's hash, computed once per object (kept alive so its id is not reused)."""
        known = self._keys.get(id(scenario))
        if known is None:
            known = self._keys[id(scenario)] = (scenario, scenario_hash(scenario))
        return known[1]

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict) -> Any:
        if fn is replicate and not kwargs:
            scenario, seed, replication, keep_records = args
            return cached_replication(
                self._key(scenario), int(seed), int(replication), bool(keep_records), scenario)
        return fn(*args, **kwargs)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return its completed future."""
        future: Future = Future()
        try:
            future.set_result(self._call(fn, args, kwargs))
        except Exception as exc:  # the caller sees it through future.result()
            future.set_exception(exc)
        self.completed += 1
        if self.on_progress is not None:
            self.on_progress(self.completed)  # may stop the script (a newer rerun): let it
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to release: tasks ran in ``submit``."""
