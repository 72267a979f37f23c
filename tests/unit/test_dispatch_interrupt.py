"""Ctrl-C while tasks run on an executor is acted on at a safe point, never inside the executor.

A ``KeyboardInterrupt`` raised where the signal lands can stop ``concurrent.futures`` half-way
through taking the locks of a batch of futures; its manager thread then waits for a lock nobody
will release and the run never ends. ``run_tasks`` therefore counts Ctrl-C while an executor runs
and raises at a point of its own. These tests send real SIGINTs to this process.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest

from hubsim.experiments.dispatch import Interrupted, run_tasks

SECOND_PRESS_AFTER_S = 0.3  # the second Ctrl-C comes while the run waits for a running task
RELEASE_TIMEOUT_S = 30  # a blocked task is released at the latest after this (test cleanup)
STOP_BOUND_S = 10  # the second Ctrl-C must end the wait long before the blocked task would


@pytest.fixture(autouse=True)
def default_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler, as in a terminal, whatever the test runner installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _square(x: int) -> int:
    return x * x


class _PressesCtrlCWhileSubmitting(Executor):
    """Runs tasks at once; sends SIGINT to this process in the middle of submitting task ``at``,
    then records whether the rest of ``submit`` still ran (it would not if the signal raised)."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.submitted = 0
        self.finished_submit_after_signal = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        if self.submitted == self.at:
            signal.raise_signal(signal.SIGINT)
            self.finished_submit_after_signal = True
        self.submitted += 1
        return future


def test_ctrl_c_inside_the_executor_is_raised_at_a_safe_point() -> None:
    executor = _PressesCtrlCWhileSubmitting(at=2)
    with pytest.raises(Interrupted) as caught:
        run_tasks(_square, [(i,) for i in range(6)], executor)
    assert executor.finished_submit_after_signal, "KeyboardInterrupt raised inside the executor"
    assert executor.submitted == 3, "tasks were submitted after Ctrl-C"
    assert caught.value.done == {0: 0, 1: 1, 2: 4}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_ctrl_c_handler_is_restored_after_a_run() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert run_tasks(_square, [(i,) for i in range(5)], pool) == [0, 1, 4, 9, 16]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_stops_waiting_for_running_tasks(caplog) -> None:
    """First Ctrl-C after task 0: task 1 is running and blocked, so the run waits for it; a
    second Ctrl-C ends the wait, with task 0's result kept. Task 1 blocks until the run has
    returned, so the second Ctrl-C always lands while the run waits."""
    release, running = threading.Event(), threading.Event()
    second_press = threading.Timer(SECOND_PRESS_AFTER_S, signal.raise_signal, (signal.SIGINT,))

    def task(i: int) -> int:
        if i == 0:
            running.wait(RELEASE_TIMEOUT_S)  # task 1 is surely running when task 0 ends
        else:
            running.set()
            release.wait(RELEASE_TIMEOUT_S)
        return i

    def first_press(index: int, _result: int) -> None:
        if index == 0:
            signal.raise_signal(signal.SIGINT)
            second_press.start()

    pool = ThreadPoolExecutor(max_workers=2)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="hubsim.experiments.dispatch"), \
                pytest.raises(Interrupted) as caught:
            run_tasks(task, [(0,), (1,)], pool, on_done=first_press)
        waited = time.monotonic() - started
    finally:
        release.set()
        pool.shutdown(wait=True)
        second_press.cancel()  # if the run ended early (a bug), no stray Ctrl-C hits the runner
        if second_press.is_alive():
            second_press.join()
    assert caught.value.done == {0: 0}
    assert waited < STOP_BOUND_S
    assert "second interrupt" in caplog.text
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _slow_index(index: int) -> int:
    time.sleep(0.2)
    return index


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_stop_waits_for_at_most_one_task_per_worker(sig: int) -> None:
    """Only one task per worker and one queued are in flight, so a stop after the first result
    waits for the ones running (the queued one has started in the first's place) and no more;
    SIGTERM (made a Ctrl-C) is counted the same way."""
    from hubsim.experiments import stopping
    from hubsim.experiments.executors import process_pool

    workers = 2
    pressed: list[int] = []

    def press_once(index: int, _result: Any) -> None:
        if not pressed:
            pressed.append(index)
            signal.raise_signal(sig)

    with stopping.sigterm_as_interrupt(), process_pool(workers) as pool:
        with pytest.raises(Interrupted) as stop:
            run_tasks(_slow_index, [(i,) for i in range(40)], pool, on_done=press_once)
        assert stopping.terminated() is (sig == signal.SIGTERM)
    assert 1 <= len(stop.value.done) <= 1 + workers, sorted(stop.value.done)
