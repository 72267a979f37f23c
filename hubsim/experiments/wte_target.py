"""Staffing targets: ``KPI OP VALUE`` (e.g. ``therapy_started_within_18w_pct >= 95``).

A target is read from text by ``parse_target`` and tested on one value per replication by
``Target.met``. The value is in the KPI's unit (days for waits, % for shares, GBP for costs).

A list's share waiting 18 weeks or less (``*_waiting_under_18w_pct_end``) is blank for an empty
list; for a target it counts as 100%: an empty list meets the 18-week standard, so "how many
therapists clear the list to the standard" can be searched on that KPI.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
}
EMPTY_LIST_SHARE_SUFFIX = "_waiting_under_18w_pct_end"
"""KPIs whose blank value (an empty list) counts as 100% when tested against a target."""
EMPTY_LIST_SHARE_PCT = 100.0
_TARGET = re.compile(
    r"^\s*(?P<kpi>[^\s<>=!]*)\s*(?P<op>=>|=<|[<>=!]=?)?\s*(?P<value>.*?)\s*$", re.DOTALL
)
"""KPI name (no spaces or comparison signs), any comparison-like operator, then the value."""


class SearchInputError(ValueError):
    """Bad input to the search; ``parameter`` names the argument (``role``, ``target``, ...)."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter, self.message = parameter, message
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True)
class Target:
    """A KPI target: ``kpi op value`` (e.g. ``therapy_wait_days_mean <= 20``; KPI units)."""

    kpi: str
    op: str
    value: float

    def met(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Boolean per value: does it meet the target? NaN never does, except an empty list's
        share waiting 18 weeks or less, which counts as 100%."""
        x = np.asarray(values, dtype=float)
        if self.kpi.endswith(EMPTY_LIST_SHARE_SUFFIX):
            x = np.where(np.isnan(x), EMPTY_LIST_SHARE_PCT, x)
        with np.errstate(invalid="ignore"):
            return OPERATORS[self.op](x, self.value) & ~np.isnan(x)

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.value:g}"


def parse_target(text: str) -> Target:
    """Read ``"KPI OP VALUE"`` with OP one of ``>=``, ``<=``, ``>``, ``<``.

    Whether the KPI exists is checked once the first point has run (KPIs depend on the
    scenario). Raises ``SearchInputError`` (a ``ValueError``) naming the problem.
    """
    match = _TARGET.match(text)
    assert match is not None  # every part of the pattern is optional: any text matches
    kpi, op, raw = match["kpi"], match["op"], match["value"]
    if op is None:
        raise SearchInputError(
            "target", f"{text!r}: expected 'KPI OP VALUE' with OP one of {', '.join(OPERATORS)}")
    if op not in OPERATORS:
        raise SearchInputError("target", f"operator {op!r} not allowed; use one of "
                               f"{', '.join(OPERATORS)}")
    if not kpi:
        raise SearchInputError("target", f"{text!r}: the KPI name is missing before {op!r}")
    if not raw:
        raise SearchInputError("target", f"{text!r}: the value is missing after {op!r}")
    try:
        value = float(raw)
    except ValueError:
        raise SearchInputError("target", f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise SearchInputError("target", f"the value must be a finite number, got {raw!r}")
    return Target(kpi, op, value)
