"""Commands that turn results folders into figures, reports and workbooks."""

from __future__ import annotations

from hubsim.cli import app  # noqa: F401  (commands register on it)
