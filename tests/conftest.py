"""Shared fixtures: the repository root, the baseline scenario and a small, fast scenario.

Paths are computed from this file's location, never from the machine the tests run on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hubsim.scenario.loader import build, load_scenario
from hubsim.scenario.schema import Scenario

REPO_ROOT = Path(__file__).resolve().parents[1]
BASELINE_PATH = REPO_ROOT / "scenarios" / "baseline.toml"
MMC_PATH = REPO_ROOT / "scenarios" / "verification" / "mmc.toml"

SMALL_HORIZON_DAYS = 120  # four months: enough clients for waits to form, fast to simulate
SMALL_LAYERS: dict[str, Any] = {"horizon_days": SMALL_HORIZON_DAYS}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding ``hubsim/`` and ``scenarios/``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    """``scenarios/baseline.toml``."""
    return BASELINE_PATH


@pytest.fixture(scope="session")
def mmc_path() -> Path:
    """``scenarios/verification/mmc.toml``."""
    return MMC_PATH


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The baseline scenario, loaded from its file (frozen, so safe to share)."""
    return load_scenario(BASELINE_PATH)


@pytest.fixture(scope="session")
def small_scenario() -> Scenario:
    """The registry defaults with a 120-day horizon (frozen, so safe to share)."""
    return build(SMALL_LAYERS, None, "test")


@pytest.fixture(scope="session")
def make_small() -> Callable[..., Scenario]:
    """Factory: ``make_small(overrides=None, **layers)`` -> a validated 120-day scenario.

    ``layers`` are merged over the registry defaults and the short horizon (a layer's
    ``arrivals`` table replaces the default profile whole); ``overrides`` maps dotted keys to
    values, as ``--set`` does.
    """

    def _make(overrides: Mapping[str, Any] | None = None, **layers: Any) -> Scenario:
        return build({**SMALL_LAYERS, **layers}, overrides, "test")

    return _make
