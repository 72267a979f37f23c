"""Helpers for the figure, report and export tests: the stored small results folder and image
checks. The folder is made by ``scripts/make_test_results.py`` (2 replications, 120 days)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
from click.testing import Result
from typer.testing import CliRunner

from hubsim.cli.main import app

REPO_ROOT = Path(__file__).resolve().parents[2]
SMALL_RESULTS = REPO_ROOT / "tests" / "data" / "small_results"
BASELINE = REPO_ROOT / "scenarios" / "baseline.toml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 5_000  # a titled, labelled chart is tens of kB; a blank canvas is ~3 kB
CORE_FIGURES = (
    "therapy_waitlist", "triage_queue", "therapy_waits", "staff_utilisation", "staff_in_post",
    "pathway_flow", "costs",
)
"""Figures the stored folder has the data for (sweep, search and PSA figures need extras)."""


def copy_results(tmp_path: Path, name: str = "results") -> Path:
    """A writable copy of the stored small results folder."""
    return Path(shutil.copytree(SMALL_RESULTS, tmp_path / name))


def check_png(data: bytes) -> np.ndarray:
    """Assert ``data`` is a non-blank PNG of reasonable size; return its pixels."""
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > MIN_PNG_BYTES
    pixels = mpimg.imread(io.BytesIO(data), format="png")
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100
    assert float(pixels[..., :3].std()) > 0.0  # not a single flat colour
    return pixels


def invoke(*args: object) -> Result:
    """Run ``hubsim ARGS...`` in-process and return the result (exit code and output)."""
    return CliRunner().invoke(app, [str(a) for a in args])
