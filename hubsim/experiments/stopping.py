"""SIGTERM handled like Ctrl-C.

``timeout``, batch schedulers and container stops send SIGTERM, not SIGINT. Inside
``sigterm_as_interrupt`` a SIGTERM raises ``KeyboardInterrupt`` exactly as Ctrl-C does, so the
completed replications are kept and written as for Ctrl-C; ``terminated()`` then says the stop
came from SIGTERM, for the exit code (143 rather than 130). While replications run,
``hubsim.experiments.dispatch`` counts SIGTERM as it counts Ctrl-C, acting on it at a safe point.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130  # 128 + SIGINT (2): the shell's code for a program stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM (15)


class _State:
    received = False


def raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM handler: note the signal and raise ``KeyboardInterrupt`` where it lands."""
    _State.received = True
    raise KeyboardInterrupt


def note_termination() -> None:
    """Record that a SIGTERM arrived (for handlers that count the signal instead of raising)."""
    _State.received = True


def terminated() -> bool:
    """True if a SIGTERM arrived inside ``sigterm_as_interrupt``."""
    return _State.received


def exit_code() -> int:
    """143 after a SIGTERM, else 130."""
    return EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """For the block, a SIGTERM raises ``KeyboardInterrupt`` (main thread only; a no-op elsewhere).

    The previous handler is back when the block ends.
    """
    _State.received = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
