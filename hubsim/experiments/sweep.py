"""Parameter sweeps: a grid of scenario overrides, each point run with the same seeds.

A sweep varies one or more dotted scenario keys (``staff.therapists.wte=4,5,6``); the grid is
the product of their values, in the order given. Every point uses the same seed and replication
ids (common random numbers), so differences between points are not sampling noise in arrivals
or client needs. Results are a tidy table: one row per point and KPI.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hubsim.experiments.replications import Experiment, run_experiments
from hubsim.scenario.loader import ScenarioError, parse_override
from hubsim.scenario.schema import AnyScenario

SWEEP_KPIS: tuple[str, ...] = (
    "therapy_wait_days_mean", "therapy_waited_over_52w_pct", "therapy_started_within_18w_pct",
    "therapist_utilisation",
)
"""KPIs plotted by default: the mean wait for therapy (all who joined) with its tail beside it
(the share waiting over 52 weeks, so a policy that shortens the typical wait by lengthening the
tail shows), the 18-week standard and staff use."""
TIDY_STATS: tuple[str, ...] = ("mean", "ci_low", "ci_high", "n")
_OPENERS, _CLOSERS, _QUOTES = "[{", "]}", "\"'"

Point = dict[str, Any]
"""One grid point: dotted key -> value."""


@dataclass(frozen=True)
class Vary:
    """One varied key and its values (TOML literals, already parsed)."""

    key: str
    values: tuple[Any, ...]


def split_values(text: str) -> list[str]:
    """Split ``a,b,c`` at commas outside brackets, braces and quotes (TOML arrays hold commas)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in _QUOTES:
            quote = char
        elif char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_vary(text: str) -> Vary:
    """Parse ``KEY=v1,v2,...`` (each value a TOML literal, as for ``--set``).

    Raises
    ------
    ScenarioError
        naming ``--vary`` and the key when the text or a value cannot be read.
    """
    key, sep, raw = text.partition("=")
    values = split_values(raw) if sep else []
    if not sep or not raw.strip() or any(not v for v in values):
        raise ScenarioError("--vary", key.strip() or text, "expected KEY=VALUE1,VALUE2,...")
    parsed = [parse_override(f"{key}={v}") for v in values]
    return Vary(parsed[0][0], tuple(value for _, value in parsed))


def grid(varies: Sequence[Vary]) -> list[Point]:
    """Every combination of the varied values, the first key varying slowest."""
    keys = [v.key for v in varies]
    if len(set(keys)) != len(keys):
        raise ScenarioError("--vary", keys[0], "each key may be varied only once")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(
        *(v.values for v in varies))]


def run_sweep(
    scenarios: Sequence[AnyScenario],
    replications: int,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
) -> list[Experiment]:
    """Run the scenario of every grid point with the same seed and replication ids.

    All (point, replication) pairs share the executor at once; one experiment per point, in
    order. Build the scenarios first (``load_scenario(path, {**overrides, **point})``) so that
    bad input stops the sweep before anything runs.
    """
    desc = f"sweep: {len(scenarios)} points"
    return run_experiments(scenarios, replications, seed, executor, progress, desc=desc)


def _with_points(
    points: Sequence[Point], frames: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Stack ``frames`` (one per point) with the point's varied keys as the first columns."""
    out = []
    for point, frame in zip(points, frames, strict=True):
        frame = frame.copy()
        for i, (key, value) in enumerate(point.items()):
            frame.insert(i, key, [value] * len(frame))
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def tidy(points: Sequence[Point], experiments: Sequence[Experiment]) -> pd.DataFrame:
    """One row per point and KPI: the varied keys, ``kpi``, ``mean, ci_low, ci_high, n``."""
    return _with_points(points, [e.summary[["kpi", *TIDY_STATS]] for e in experiments])


def replications_table(points: Sequence[Point], experiments: Sequence[Experiment]) -> pd.DataFrame:
    """Per-replication KPIs of every point, the varied keys first (for paired analyses)."""
    return _with_points(points, [e.kpis for e in experiments])
