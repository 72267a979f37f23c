"""Run independent tasks through any ``concurrent.futures`` executor, results in task order.

Two failures are survived:

- a worker process dies: a broken process pool is replaced by a new one of the same size and only
  the missing tasks are run again (Dask re-runs lost tasks itself); a pool left stuck because the
  worker died while sending its result is broken first (``executors.force_break``);
- Ctrl-C: pending tasks are cancelled, tasks already running are let finish, and ``Interrupted``
  carries every completed result, so a caller can keep them.

While tasks run on an executor, Ctrl-C is counted rather than raised where it lands (see
``_deferred_sigint``): a ``KeyboardInterrupt`` raised inside the executor's own code (half-way
through taking the locks of a batch of futures, say) can leave a lock held that its manager thread
then waits for, and the run never ends.

Tasks must be pure (same arguments, same result), so a task run twice gives the same answer.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

from hubsim.experiments import stopping
from hubsim.experiments.executors import (
    force_break,
    replacement_for,
    shared_with_workers,
    worker_count,
    worker_died,
)

logger = logging.getLogger(__name__)

MAX_POOL_RESTARTS = 3  # a task that kills its worker every time must fail, not loop for ever
WATCH_INTERVAL_S = 0.5  # seconds between checks for a Ctrl-C or a pool worker dead unnoticed
SIGNAL_GRACE_S = 0.2  # seconds for a signal sent to the whole process group to reach this process
STUCK_GRACE_S = 2.0  # seconds a pool may take to notice a dead worker before it is broken

OnDone = Callable[[int, Any], None]
"""Called in the calling process with (task index, result) as each task completes."""
Retain = Callable[[int, Any], Any]
"""Called with (task index, result) after ``OnDone``: what to keep of the result (e.g. drop records
already written to disk), so the calling process's memory need not grow with the tasks."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during ``run_tasks``: ``done`` maps task index -> result of each completed task."""

    def __init__(self, done: dict[int, Any]) -> None:
        super().__init__(f"interrupted after {len(done)} completed tasks")
        self.done = done


class _Interrupts:
    """Ctrl-C presses counted by a signal handler, to be acted on at a safe point."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, _frame: Any) -> None:
        if signum == signal.SIGTERM:
            stopping.note_termination()
        self.count += 1

    def raise_if_pressed(self) -> None:
        """Raise the ``KeyboardInterrupt`` of a counted Ctrl-C, here, at a safe point."""
        if self.count:
            raise KeyboardInterrupt


@contextmanager
def _deferred_sigint() -> Iterator[_Interrupts]:
    """Count Ctrl-C instead of raising ``KeyboardInterrupt`` wherever it lands, for the block.

    SIGTERM is counted too where ``hubsim.experiments.stopping.sigterm_as_interrupt`` made it a
    Ctrl-C. Only in the main thread and only while Python's default handler is in place (elsewhere
    signals cannot be caught, or somebody else handles them): there the count stays 0 and
    Ctrl-C behaves as before. The previous handlers are back when the block ends.
    """
    interrupts = _Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    ours = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: stopping.raise_interrupt}
    previous = {sig: signal.getsignal(sig) for sig, handler in ours.items()
                if signal.getsignal(sig) is handler}
    for sig in previous:
        signal.signal(sig, interrupts)
    try:
        yield interrupts
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Progress:
    """Completed results, a progress bar and the caller's hook, updated together."""

    def __init__(self, total: int, progress: bool, desc: str, unit: str, on_done: OnDone | None,
                 retain: Retain | None = None):
        self.done: dict[int, Any] = {}
        self.on_done = on_done
        self.retain = retain
        self.bar = tqdm(total=total, desc=desc, unit=unit, disable=not progress or None)

    def add(self, index: int, result: Any) -> None:
        self.done[index] = result
        self.bar.update(1)
        if self.on_done is not None:
            self.on_done(index, result)
        if self.retain is not None:
            self.done[index] = self.retain(index, result)


def run_tasks(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    executor: Executor | None = None,
    progress: bool = False,
    desc: str = "replications",
    unit: str = "rep",
    on_done: OnDone | None = None,
    retain: Retain | None = None,
) -> list[Any]:
    """``[fn(*args) for args in items]``, through ``executor`` (serially when None).

    Parameters
    ----------
    fn : a picklable, pure function
    items : the argument tuples, one per task
    executor : any ``concurrent.futures.Executor``; None runs the tasks here, in order
    progress : show a progress bar (only on a terminal)
    desc, unit : progress-bar label and unit
    on_done : hook called with (index, result) as each task completes
    retain : called with (index, result) after ``on_done``; its value is kept (and returned) in
        place of the result. None keeps results whole.

    Raises
    ------
    Interrupted
        on Ctrl-C, with the results completed so far.
    """
    state = _Progress(len(items), progress, desc, unit, on_done, retain)
    try:
        if executor is None:
            # Ctrl-C and SIGTERM act between tasks: raised mid-task, the KeyboardInterrupt can
            # land in a generator the garbage collector is closing, where Python prints it and
            # carries on
            with _deferred_sigint() as interrupts:
                for index, args in enumerate(items):
                    state.add(index, fn(*args))
                    interrupts.raise_if_pressed()
        else:
            with _deferred_sigint() as interrupts, shared_with_workers(executor):
                _run_parallel(fn, items, executor, state, interrupts)
    except KeyboardInterrupt:
        raise Interrupted(dict(state.done)) from None
    finally:
        state.bar.close()
    return [state.done[i] for i in range(len(items))]


def _run_parallel(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    executor: Executor,
    state: _Progress,
    interrupts: _Interrupts,
) -> None:
    replace = replacement_for(executor)
    owned: Executor | None = None
    try:
        for restart in range(MAX_POOL_RESTARTS + 1):
            todo = [i for i in range(len(items)) if i not in state.done]
            try:
                _submit_and_collect(fn, items, todo, executor, state, interrupts)
                return
            except BrokenExecutor:
                if replace is None or restart == MAX_POOL_RESTARTS:
                    raise
            missing = len(items) - len(state.done)
            logger.warning(
                "a worker process died: re-running %d missing tasks on a new pool (restart %d)",
                missing, restart + 1,
            )
            if owned is not None:
                owned.shutdown(wait=False, cancel_futures=True)
            owned = executor = replace()
    finally:
        if owned is not None:
            owned.shutdown(wait=True, cancel_futures=True)


def _submit_and_collect(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    todo: list[int],
    executor: Executor,
    state: _Progress,
    interrupts: _Interrupts,
) -> None:
    futures: dict[Future, int] = {}
    window = _in_flight(executor)
    try:
        _collect(fn, items, iter(todo), futures, window, executor, state, interrupts)
    except BrokenExecutor:
        _harvest(futures, state)  # results that arrived before the pool broke are kept
        time.sleep(SIGNAL_GRACE_S)
        if interrupts.count:  # the workers died of the SIGINT/SIGTERM sent to the whole group
            raise KeyboardInterrupt from None
        raise
    except KeyboardInterrupt:
        _stop(futures, state, interrupts)
        raise
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _in_flight(executor: Executor) -> int:
    """Tasks to keep submitted at once: one per worker of a process pool and one more, queued,
    so that a worker that finishes starts its next task at once instead of idling while the
    parent takes its result and submits another; two per worker elsewhere (a Dask worker
    fetches its next task over the network)."""
    count = worker_count(executor)
    return count + 1 if isinstance(executor, ProcessPoolExecutor) else 2 * count


def _collect(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    todo: Iterator[int],
    futures: dict[Future, int],
    window: int,
    executor: Executor,
    state: _Progress,
    interrupts: _Interrupts,
) -> None:
    """Submit tasks, at most ``window`` at a time, and record results as they complete; stop on
    Ctrl-C; unstick a pool left waiting by a death.

    Keeping only ``window`` tasks in flight means a Ctrl-C waits for at most one task per worker
    and the one queued (a process pool marks queued tasks running, and they cannot be cancelled).
    """
    pending: set[Future] = set()
    stuck_since = None
    while True:
        while len(pending) < window and (i := next(todo, None)) is not None:
            future = executor.submit(fn, *items[i])
            futures[future] = i
            pending.add(future)
            interrupts.raise_if_pressed()
        if not pending:
            return
        done, pending = wait(pending, timeout=WATCH_INTERVAL_S, return_when=FIRST_COMPLETED)
        for future in done:  # a recorded future is dropped: it holds its result
            state.add(futures.pop(future), future.result())
        interrupts.raise_if_pressed()
        if done or not worker_died(executor):
            stuck_since = None
            continue
        stuck_since = stuck_since or time.monotonic()
        if time.monotonic() - stuck_since > STUCK_GRACE_S:
            logger.warning("a worker died while sending its result; breaking the stuck pool")
            force_break(executor)  # its futures now fail with BrokenProcessPool
            stuck_since = None


def _harvest(futures: dict[Future, int], state: _Progress) -> None:
    """Record every successfully completed future not yet recorded, in task order.

    ``futures`` holds the futures submitted and not yet recorded (``_collect`` drops each as it
    records it, so that the results it keeps are only those ``retain`` leaves)."""
    for future, index in sorted(futures.items(), key=lambda item: item[1]):
        if index in state.done or not future.done() or future.cancelled():
            continue
        if future.exception() is None:
            state.add(index, future.result())


def _stop(futures: dict[Future, int], state: _Progress, interrupts: _Interrupts) -> None:
    """Cancel pending tasks, let running ones finish (a second Ctrl-C stops waiting), harvest."""
    running = {f for f in futures if not f.cancel()}
    first = interrupts.count  # 0 if the interrupt came from a hook rather than a signal
    try:
        while running and interrupts.count <= first:
            _, running = wait(running, timeout=WATCH_INTERVAL_S)
    except KeyboardInterrupt:  # a second Ctrl-C where signals are not counted
        pass
    if running:
        logger.warning("second interrupt: not waiting for running tasks")
    _harvest(futures, state)
