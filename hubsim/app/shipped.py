"""The scenarios shipped with hubsim: where they are and what they are called.

In a source checkout they are in ``scenarios/`` beside the package; an installed package may carry
them inside it (``hubsim/scenarios``). Both are looked for, the package's own folder first.
Only these files are ever read by the app: an uploaded scenario may ``extends`` them by name.
"""

from __future__ import annotations

import logging
import tomllib
from functools import cache, lru_cache
from pathlib import Path

import hubsim

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(hubsim.__file__).resolve().parent
CANDIDATE_DIRS: tuple[Path, ...] = (PACKAGE_DIR / "scenarios", PACKAGE_DIR.parent / "scenarios")
"""Where shipped scenarios may be: inside the installed package, or beside it in a checkout."""
NOT_SCENARIOS: tuple[str, ...] = ("calibration",)
"""Sub-folders of the scenarios folder whose files are not scenarios (calibration targets)."""
PREFERRED_FIRST = "baseline.toml"  # the scenario the app opens with


def scenarios_dir() -> Path | None:
    """The folder of shipped scenarios, or None when neither candidate holds any."""
    for folder in CANDIDATE_DIRS:
        if folder.is_dir() and any(folder.glob("*.toml")):
            return folder
    logger.warning("no shipped scenarios found in %s", ", ".join(map(str, CANDIDATE_DIRS)))
    return None


@lru_cache(maxsize=1)
def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario name (path relative to the folder, e.g. ``baseline.toml``) -> file.

    The baseline comes first, then top-level files, then sub-folders, each alphabetically.
    """
    folder = scenarios_dir()
    if folder is None:
        return {}
    files = [p for p in folder.rglob("*.toml")
             if p.relative_to(folder).parts[0] not in NOT_SCENARIOS]
    files.sort(key=lambda p: (p.name != PREFERRED_FIRST, len(p.relative_to(folder).parts),
                              p.relative_to(folder).as_posix()))
    return {p.relative_to(folder).as_posix(): p for p in files}


@cache
def title(name: str) -> str:
    """The ``name`` written in a shipped scenario file (its file name when it has none)."""
    path = shipped_scenarios().get(name)
    if path is None:
        return name
    try:
        with path.open("rb") as handle:
            return str(tomllib.load(handle).get("name") or name)
    except (OSError, tomllib.TOMLDecodeError):
        return name
