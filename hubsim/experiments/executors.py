"""Executors for replications: serial, a local process pool, or a Dask cluster.

``open_executor`` is the one place that builds them, for the command line and for notebooks.
Dask is an optional extra (``pip install "hubsim[dask]"``) and is imported only when asked for.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"  # a local Dask cluster listens on loopback only
DASK_CONNECT_TIMEOUT_S = 10  # seconds to reach an existing scheduler before giving up
DASK_WORKER_WAIT_S = 60  # seconds to wait for a scheduler to report at least one worker
DASK_CLOSE_TIMEOUT_S = 60  # seconds to let a local cluster close (a worker may be restarting)
# a local cluster's worker processes log only what is critical: a worker whose heartbeat races
# the scheduler's shutdown logs an ERROR with a traceback after a run that went well (1 of 15
# closes in the Dask benchmark); a task's error still reaches the parent as its exception, and a
# worker's death is handled there
DASK_LOCAL_WORKER_LOG_LEVEL = logging.CRITICAL


class ExecutorError(RuntimeError):
    """An executor could not be set up (Dask missing, scheduler unreachable, bad option)."""


@dataclass(frozen=True)
class ExecutorHandle:
    """An open executor and what to record about it.

    Attributes
    ----------
    executor : the executor, or None for serial runs in this process
    workers : replications that can run at once (1 for serial)
    description : e.g. ``"process pool, 4 workers"``, for run metadata
    """

    executor: Executor | None
    workers: int
    description: str


PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for this process when its parent dies
PARENT_POLL_S = 1.0  # seconds between checks that the parent lives, where prctl is not available


def ignore_sigint() -> None:
    """Pool-process initializer: Ctrl-C is handled by the parent process only, and the worker
    does not outlive the parent.

    A terminal sends SIGINT to every process in the foreground group; without this, idle pool
    processes would die on Ctrl-C and the pool would break before the parent can stop cleanly.
    SIGTERM gets its default action back (a forked worker inherits the parent's handler), so a
    pool can still terminate its workers. See ``exit_with_parent`` for the parent's death.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()


def exit_with_parent() -> None:
    """End this process when its parent dies, even by SIGKILL.

    On Linux the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread polls the parent's process id. If the parent died before this was
    set up, the process exits at once.
    """
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if armed:
            if os.getppid() != parent_pid:
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="hubsim-parent-watch").start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local process pool of ``workers`` processes that leave Ctrl-C to the parent and exit
    when it dies."""
    return ProcessPoolExecutor(max_workers=workers, initializer=ignore_sigint)


@contextmanager
def shared_with_workers(executor: Executor | None) -> Iterator[None]:
    """While the block runs, the objects this process holds now are left out of its garbage
    collector (``gc.freeze``), so that process-pool workers forked in the block share them.

    A forked worker starts with its parent's memory, shared until either writes to a page. The
    garbage collector writes to every object it scans, so a worker's collections would copy
    every page of the parent's objects it inherits (modules, scenario, cached tables): in a
    measured run of 20 baseline replications on 2 workers this doubled the workers' page faults
    and cost them about a fifth more CPU time than the same replications run serially. Frozen
    objects are not scanned (the Python documentation's advice for a parent about to fork). New
    objects are collected as usual, and the parent's are scanned again after the block. Nothing
    is done for another kind of executor, or when objects are frozen already (someone else's
    freeze is left as it is).
    """
    if not isinstance(executor, ProcessPoolExecutor) or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def replacement_for(executor: Executor | None) -> Callable[[], Executor] | None:
    """A factory for a fresh pool like ``executor`` if it can break (a process pool), else None.

    A process pool whose worker dies is broken for good (``BrokenProcessPool``); replications
    still missing are then re-run on a new pool of the same size. Dask re-runs lost tasks itself.
    """
    if not isinstance(executor, ProcessPoolExecutor):
        return None
    size = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    return lambda: process_pool(size)


def worker_died(executor: Executor | None) -> bool:
    """True if ``executor`` is a process pool one of whose worker processes has exited."""
    if not isinstance(executor, ProcessPoolExecutor):
        return False
    processes = getattr(executor, "_processes", None) or {}
    return any(p.exitcode is not None for p in list(processes.values()))


def force_break(pool: Executor) -> None:
    """Break a process pool whose manager is stuck, so its futures fail with BrokenProcessPool.

    A worker killed while it writes a large result leaves a partial message in the pool's result
    pipe; the pool then waits for the rest for ever (the parent holds a write end too, so no EOF
    comes). Terminating the workers and closing the parent's write end gives the pool its EOF:
    it then breaks as it would for any dead worker. Uses the standard library's private
    attributes (stable from Python 3.9 to 3.13), each looked up defensively.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()


def worker_count(executor: Executor | None) -> int:
    """Replications that ``executor`` runs at once (1 for serial or when unknown)."""
    if executor is None:
        return 1
    client = getattr(executor, "_client", None)  # Dask's ClientExecutor
    if client is not None:
        return max(1, sum(w.get("nthreads", 1) for w in _dask_workers(client).values()))
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


def _dask_workers(client: Any) -> dict[str, dict[str, Any]]:
    return client.scheduler_info().get("workers", {})


def _import_distributed(log_level: int | None = None) -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ExecutorError(
            'Dask is not installed: install hubsim[dask] (pip install "hubsim[dask]")'
        ) from exc
    if log_level is not None:  # after the import, which sets Dask's own levels
        logging.getLogger("distributed").setLevel(log_level)
    return distributed


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while the block runs (main thread only), so child processes started in it
    ignore it too; a Ctrl-C during the block is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dask_local_client(workers: int, log_level: int | None = None) -> Iterator[Any]:
    """A Dask ``Client`` on a new ``LocalCluster`` of ``workers`` single-threaded processes.

    The cluster listens on loopback on free ports, without a dashboard, and is closed on exit.
    ``log_level``, if given, is set on Dask's ``distributed`` logger here and in the worker
    processes (else they log only what is critical: ``DASK_LOCAL_WORKER_LOG_LEVEL``).
    """
    distributed = _import_distributed(log_level)
    with _sigint_ignored():  # worker processes inherit it: Ctrl-C is the parent's to handle
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            host=LOOPBACK, scheduler_port=0,
            silence_logs=DASK_LOCAL_WORKER_LOG_LEVEL if log_level is None else log_level,
            # no dashboard; its bare HTTP server (health checks) on a free loopback port
            scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"},
        )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        try:
            cluster.close(timeout=DASK_CLOSE_TIMEOUT_S)
        except TimeoutError:  # the run is over either way: leave the stragglers, say so
            logger.warning("the Dask LocalCluster did not close within %d s",
                           DASK_CLOSE_TIMEOUT_S)


@contextmanager
def dask_remote_client(address: str, log_level: int | None = None) -> Iterator[Any]:
    """A Dask ``Client`` connected to the running scheduler at ``address`` (``tcp://HOST:PORT``)."""
    distributed = _import_distributed(log_level)
    try:
        client = distributed.Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot connect to the Dask scheduler at {address} ({exc})") from exc
    try:
        client.wait_for_workers(1, timeout=DASK_WORKER_WAIT_S)
        yield client
    finally:
        client.close()


@contextmanager
def open_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    dask_log_level: int | None = None,
) -> Iterator[ExecutorHandle]:
    """Open the executor asked for (at most one of the three options), and close it on exit.

    Parameters
    ----------
    workers : local worker processes; None or 1 runs serially in this process
    scheduler : address of a running Dask scheduler, ``tcp://HOST:PORT``
    dask_local : start a Dask ``LocalCluster`` of this many worker processes on loopback
    dask_log_level : level for Dask's ``distributed`` logger (None leaves Dask's own setting)

    Raises
    ------
    ExecutorError
        more than one option given, Dask not installed, or the scheduler unreachable.
    """
    chosen = [name for name, v in (("--workers", workers), ("--scheduler", scheduler),
                                   ("--dask-local", dask_local)) if v is not None]
    if len(chosen) > 1:
        raise ExecutorError(f"{' and '.join(chosen)}: give only one of them")
    opener = (dask_remote_client(scheduler, dask_log_level) if scheduler is not None
              else dask_local_client(dask_local, dask_log_level) if dask_local is not None
              else None)
    if opener is not None:
        with opener as client:
            executor = client.get_executor(pure=False)
            count = worker_count(executor)
            where = "Dask LocalCluster" if dask_local else f"Dask scheduler {scheduler}"
            yield ExecutorHandle(executor, count, f"{where}, {count} worker threads")
        return
    if workers is None or workers <= 1:
        yield ExecutorHandle(None, 1, "serial")
        return
    with process_pool(workers) as pool:
        yield ExecutorHandle(pool, workers, f"process pool, {workers} workers")
