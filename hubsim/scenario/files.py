"""Input files read safely: regular files only, of bounded size, checked before they are opened.

A FIFO would block a read for ever and ``/dev/zero`` would never end, so anything that is not a
regular file is refused before it is opened, and no more than a bound is read from one that is.
"""

from __future__ import annotations

import stat
from pathlib import Path

MAX_SCENARIO_BYTES = 1024 * 1024  # 1 MB: the largest shipped scenario is a few KB


class InputFileError(ValueError):
    """A file that cannot be used as an input; the message says why (without the path)."""


def check_regular_file(path: Path) -> int:
    """The size in bytes of ``path`` if it is a regular file (symbolic links followed).

    Raises
    ------
    InputFileError
        missing, a folder, a device, pipe or socket, or not readable.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError("file not found") from None
    except PermissionError:
        raise InputFileError("cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputFileError(f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError("is not a regular file (a device, pipe or socket); give a file")
    return info.st_size


def read_bounded(path: Path, limit: int = MAX_SCENARIO_BYTES) -> bytes:
    """The bytes of the regular file ``path``, refusing one larger than ``limit`` bytes.

    Raises
    ------
    InputFileError
        as ``check_regular_file``, or the file is larger than ``limit``.
    """
    check_regular_file(path)
    too_big = InputFileError(f"is larger than {limit // 1024} KB; a scenario file is a few KB")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError:
        raise InputFileError("cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputFileError(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise too_big
    return data
