"""Commands for experiments: comparisons, sweeps, warm-up."""

from __future__ import annotations

from hubsim.cli import app  # noqa: F401  (commands register on it)
