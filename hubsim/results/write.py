"""Results folders: written atomically (a temporary folder, then one rename), never overwritten
without ``force``, and owned by one run at a time.

A run that writes ``DIR`` holds an exclusive lock on ``DIR`` for as long as it runs
(``claim_folder``); a second run to the same ``DIR`` is refused at once rather than made to wait,
because after waiting it would find the folder there and either refuse anyway or, with ``--force``,
silently replace results its user never saw. The lock is an operating-system lock (``filelock``)
on a file named after ``DIR``'s absolute path in a ``hubsim-locks`` folder of the system's
temporary folder, so nothing is added beside the results, and it is released when its process
dies, even by SIGKILL; the run that takes the lock next removes the temporary folders a killed run
left behind. It guards runs on one machine, not runs on two machines sharing a network folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from hubsim.results.experiment import (
    CLIENTS_FILE,
    TIMESERIES_FILE,
    Experiment,
    summarise_waitlist_monthly,
)
from hubsim.results.financial_year import cost_table
from hubsim.results.groups import summarise_groups
from hubsim.scenario.schema import AnyScenario

logger = logging.getLogger(__name__)

_PACKAGES = ("hubsim", "simpy", "numpy", "pandas", "scipy", "pydantic", "matplotlib")
RESULT_FILES = (
    "clients.csv", "replications.csv", "summary.csv", "timeseries.csv", "waitlist_monthly.csv",
    "waitlist_monthly_summary.csv", "kpis_by_group.csv", "costs_by_financial_year.csv",
    "run_metadata.json",
)
COSTS_BY_YEAR_FILE = "costs_by_financial_year.csv"
GROUPS_FILE = "kpis_by_group.csv"


_READABLE = 0o644  # like a plain new file: mkstemp's 0600 would hide reports from other users
_READABLE_FOLDER = 0o755


class OutputExistsError(FileExistsError):
    """The results folder exists and ``force`` was not given."""


class OutputBusyError(OutputExistsError):
    """Another run is writing the results folder."""


_CLAIMED: dict[Path, FileLock] = {}
"""Results folders this process holds the lock of (resolved path -> lock)."""
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:[a-z0-9_]{8}|(?P<old>old-\d+))")
"""Names of the temporary folders ``atomic_folder`` and ``_swap_into_place`` make beside DIR."""


def scenario_json(scenario: AnyScenario) -> dict[str, Any]:
    """The resolved scenario as JSON-ready data (field names as in scenario files)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: AnyScenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON: equal hashes, equal scenarios."""
    text = json.dumps(scenario_json(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_metadata(experiment: Experiment, wall_time_s: float, **extra: Any) -> dict[str, Any]:
    """Everything needed to reproduce a run."""
    return {
        "hubsim_version": metadata.version("hubsim"),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_name": experiment.scenario.name,
        "scenario_hash": scenario_hash(experiment.scenario),
        "seed": experiment.seed,
        "replications": experiment.replications,
        "wall_time_seconds": round(wall_time_s, 3),
        "versions": _versions(),
        **extra,
        "scenario": scenario_json(experiment.scenario),
    }


def check_destination(out_dir: Path, force: bool) -> None:
    """Raise ``OutputExistsError`` if ``out_dir`` exists and ``force`` is False."""
    if out_dir.exists() and not force:
        raise OutputExistsError(f"{out_dir} exists; choose another --out or add --force")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"{out_dir} exists and is not a folder")


LOCK_FOLDER = "hubsim-locks"
_SHARED_FOLDER = 0o1777  # like /tmp: every user may add lock files, none may remove another's
_SHARED_FILE = 0o666  # any user's run must be able to open (and so lock) the file


def lock_path(out_dir: Path) -> Path:
    """The lock file of the results folder ``out_dir``, named by a hash of its absolute path."""
    folder = Path(tempfile.gettempdir()) / LOCK_FOLDER
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        try:
            os.chmod(folder, _SHARED_FOLDER)
        except PermissionError:  # made by another user a moment ago
            pass
    key = hashlib.sha256(str(out_dir.resolve()).encode("utf-8")).hexdigest()[:32]
    return folder / f"{key}.lock"


def _remove_leftovers(out_dir: Path) -> None:
    """Remove temporary folders beside ``out_dir`` left by a run killed while writing it.

    Called only with the folder's lock held, so no live run is writing them. A run killed half-way
    through replacing ``out_dir`` leaves the old folder moved aside (``.NAME.old-PID``) and
    nothing at ``out_dir``: the old folder is then put back.
    """
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        match = _LEFTOVER.fullmatch(entry.name)
        if not match or match["name"] != out_dir.name or entry.is_symlink() or not entry.is_dir():
            continue
        if match["old"] and not out_dir.exists():
            logger.warning("putting back %s, moved aside by an interrupted run", out_dir)
            entry.rename(out_dir)
        else:
            logger.warning("removing %s, left by an interrupted run", entry)
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def claim_folder(out_dir: Path, force: bool = False) -> Iterator[Path]:
    """Hold the exclusive right to write ``out_dir`` for the block.

    Checks the destination (see ``check_destination``) under the lock and removes temporary
    folders left beside it by a killed run. Re-entrant within one process.

    Raises
    ------
    OutputBusyError
        another process holds the lock.
    OutputExistsError
        ``out_dir`` exists and ``force`` is False, or it is not a folder.
    """
    key = out_dir.resolve()
    if key in _CLAIMED:
        check_destination(out_dir, force)
        yield out_dir
        return
    lock = FileLock(lock_path(out_dir), timeout=0, mode=_SHARED_FILE)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusyError(
            f"{out_dir} is being written by another hubsim run; "
            "choose another --out or wait for that run to finish"
        ) from None
    _CLAIMED[key] = lock
    try:
        check_destination(out_dir, force)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out_dir)
        yield out_dir
    finally:
        del _CLAIMED[key]
        lock.release()


def free_sibling(out_dir: Path, suffix: str) -> Path:
    """``out_dir`` with ``suffix`` added to its name, numbered if that exists: ``DIR.partial-2``."""
    candidate = out_dir.with_name(f"{out_dir.name}{suffix}")
    number = 2
    while candidate.exists():
        candidate = out_dir.with_name(f"{out_dir.name}{suffix}-{number}")
        number += 1
    return candidate


@contextmanager
def atomic_folder(out_dir: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; it becomes ``out_dir`` when the block ends.

    On any failure (including Ctrl-C) the temporary folder is removed and nothing is left at
    ``out_dir``; an existing ``out_dir`` is replaced only with ``force``, and only once the new
    folder is complete. The folder's lock is held throughout (see ``claim_folder``).
    """
    with claim_folder(out_dir, force), _temporary_sibling(out_dir) as tmp:
        yield tmp
        _swap_into_place(tmp, out_dir)


@contextmanager
def _temporary_sibling(out_dir: Path) -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    os.chmod(tmp, _READABLE_FOLDER)  # mkdtemp makes it private; results are for sharing
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(
    experiment: Experiment,
    out_dir: Path,
    meta: dict[str, Any],
    force: bool = False,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write the results folder; on any failure nothing is left at ``out_dir``.

    Files: ``clients.csv`` (one row per client per replication), ``replications.csv`` (KPIs per
    replication), ``summary.csv`` (mean, sd and 95% interval per KPI), ``timeseries.csv`` (one row
    per day per replication), ``waitlist_monthly.csv`` (the waiting lists at each month end, one
    row per replication, Hub, list and month end) with ``waitlist_monthly_summary.csv`` (their
    mean and 95% interval over replications), ``kpis_by_group.csv`` (KPIs by population and by
    need tier: mean and 95% interval over replications), ``costs_by_financial_year.csv`` (total
    cost in each April-March year) and ``run_metadata.json``; plus one CSV per entry of
    ``frames`` (file name -> table), e.g. ``timeseries_bands.csv``.

    Records already streamed to disk (``experiment.records``) are moved in, not rewritten; that
    folder must be on the same file system as ``out_dir`` (see ``staging_folder``).
    """
    with atomic_folder(out_dir, force) as tmp:
        experiment.kpis.to_csv(tmp / "replications.csv", index=False)
        experiment.summary.to_csv(tmp / "summary.csv", index=False)
        if experiment.records is not None:
            for name in (CLIENTS_FILE, TIMESERIES_FILE):
                os.replace(experiment.records / name, tmp / name)
                os.chmod(tmp / name, _READABLE)
        elif experiment.clients is not None and experiment.timeseries is not None:
            experiment.clients.to_csv(tmp / "clients.csv", index=False)
            experiment.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        if experiment.waitlist_monthly is not None:
            experiment.waitlist_monthly.to_csv(tmp / "waitlist_monthly.csv", index=False)
            summarise_waitlist_monthly(experiment.waitlist_monthly).to_csv(
                tmp / "waitlist_monthly_summary.csv", index=False)
        cost_table(experiment.summary).to_csv(tmp / COSTS_BY_YEAR_FILE, index=False)
        if experiment.kpis_by_group is not None:
            summarise_groups(experiment.kpis_by_group).to_csv(tmp / GROUPS_FILE, index=False)
        for name, frame in (frames or {}).items():
            frame.to_csv(tmp / name, index=False)
        (tmp / "run_metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out_dir


@contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside ``out_dir`` for records streamed during a run, removed on exit.

    Beside ``out_dir`` so that its files can be renamed into the results folder; named like the
    temporary folders of ``atomic_folder``, so a run killed meanwhile leaves nothing that the next
    run to claim ``out_dir`` does not remove.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``; an existing folder is moved aside first, then removed."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(tmp, _READABLE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
