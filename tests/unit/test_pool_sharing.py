"""Process-pool workers share their parent's objects: the parent's objects are frozen out of
the garbage collector while a pool forks its workers, and only then (``shared_with_workers``)."""

from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest

from hubsim.experiments.dispatch import run_tasks
from hubsim.experiments.executors import process_pool, shared_with_workers


def _freeze_count(_: int) -> int:
    return gc.get_freeze_count()


def test_objects_are_frozen_only_inside_the_block_for_a_process_pool() -> None:
    assert gc.get_freeze_count() == 0
    with process_pool(1) as pool:
        with shared_with_workers(pool):
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
    with ThreadPoolExecutor(1) as threads, shared_with_workers(threads):
        assert gc.get_freeze_count() == 0
    with shared_with_workers(None):
        assert gc.get_freeze_count() == 0


def test_a_freeze_made_elsewhere_is_left_as_it_is() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with process_pool(1) as pool, shared_with_workers(pool):
            assert gc.get_freeze_count() == before
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="only a forked worker inherits its parent's objects")
def test_workers_forked_by_run_tasks_start_with_the_parents_objects_frozen() -> None:
    """The workers are forked inside the block, so their own collector leaves the inherited
    objects alone; the parent is back to normal afterwards."""
    with process_pool(2) as pool:
        counts = run_tasks(_freeze_count, [(i,) for i in range(4)], pool)
    assert all(count > 0 for count in counts), counts
    assert gc.get_freeze_count() == 0
