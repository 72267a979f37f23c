"""Uncertain parameters for probabilistic sensitivity analysis, read from the evidence registry.

Rules (one per registry row that has a ``range``):

* **Which rows.** Every row with a range, for the scenario's Hub (its own row where it has one),
  except decision levers (``*.wte``, ``horizon_days``, ``warmup_days``: choices, not
  uncertainties), logic-model presets other than the scenario's ``outcomes.preset``, and values
  the user fixed (written in the scenario file or its ``extends`` chain, or given as overrides).
* **What is sampled.** A number: itself. A table with a ``mean`` (a distribution, or a cost
  ``{mean, sd}``): the mean, with the ``sd`` scaled by the same factor (constant coefficient of
  variation). A table holding one such table (an external destination's ``wait_days``): that
  inner mean. A ``staff.*.x`` row: one draw applied to every staff role.
* **Distribution.** The row's ``value`` is the mean and its ``range`` is read as a 95% interval,
  so ``sd = (high - low) / (2 x 1.96)``. Beta (method of moments) when the value and range lie in
  [0, 1] (probabilities, shares, utilities); otherwise gamma (costs, durations, rates). An
  integer field is rounded and kept within its range.
* **Draws.** Draw ``k`` of parameter ``name`` is the quantile at a uniform from the stream
  ``make_stream(seed, k, "psa.draws/<name>")``: reproducible from the seed, and adding a
  parameter never changes the draws of another.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from hubsim.model.rng import make_stream
from hubsim.scenario import registry
from hubsim.scenario.schema import Scenario

Z_95 = float(sps.norm.ppf(0.975))  # a 95% interval spans 2 x 1.96 standard deviations
DECISION_SUFFIXES = (".wte",)
DECISION_NAMES = ("horizon_days", "warmup_days")
PRESETS_PREFIX = "outcomes.presets."
WILDCARD = ".*."
DRAWS_STREAM = "psa.draws"


@dataclass(frozen=True)
class PsaParameter:
    """One uncertain parameter: its registry row, the override keys it sets and its distribution.

    ``keys`` are the dotted keys set to the drawn value; ``sd_keys`` pairs each scaled sd key with
    its registry sd. ``family`` is ``beta`` or ``gamma`` with shape parameters ``a``, ``b``
    (beta) or shape ``a`` and scale ``b`` (gamma).
    """

    name: str
    keys: tuple[str, ...]
    sd_keys: tuple[tuple[str, float], ...]
    mean: float
    low: float
    high: float
    family: str
    a: float
    b: float
    integer: bool

    def quantile(self, u: float) -> float:
        """The parameter's value at cumulative probability ``u``."""
        if self.family == "beta":
            value = float(sps.beta.ppf(u, self.a, self.b))
        else:
            value = float(sps.gamma.ppf(u, self.a, scale=self.b))
        if self.integer:
            value = float(min(max(round(value), math.ceil(self.low)), math.floor(self.high)))
        return value

    def overrides(self, value: float) -> dict[str, Any]:
        """Dotted overrides for drawn ``value``."""
        drawn = int(value) if self.integer else float(value)
        out: dict[str, Any] = dict.fromkeys(self.keys, drawn)
        ratio = float(value) / self.mean
        out.update({key: sd * ratio for key, sd in self.sd_keys})
        return out


def _moments(name: str, mean: float, low: float, high: float) -> tuple[str, float, float] | None:
    sd = (high - low) / (2 * Z_95)
    if sd <= 0 or mean <= 0:
        return None
    if 0 <= low and high <= 1 and mean < 1:
        spread = mean * (1 - mean) / sd**2 - 1
        if spread <= 0:
            raise ValueError(f"{name}: range too wide for a beta distribution with this mean")
        return "beta", mean * spread, (1 - mean) * spread
    return "gamma", (mean / sd) ** 2, sd**2 / mean


def _target(value: Any) -> tuple[str, float, float | None] | None:
    """(sub-key path, mean, sd or None) of the sampled quantity of a row value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "", float(value), None
    if isinstance(value, Mapping):
        if "mean" in value:
            return "", float(value["mean"]), value.get("sd")
        inner = [(k, v) for k, v in value.items() if isinstance(v, Mapping) and "mean" in v]
        if len(inner) == 1:
            key, table = inner[0]
            return f".{key}", float(table["mean"]), table.get("sd")
    return None


def _resolve(scenario: Scenario, dotted: str) -> Any:
    node: Any = scenario
    for part in dotted.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


def _fixed(key: str, fixed: Collection[str]) -> bool:
    return any(key == f or key.startswith(f"{f}.") or f.startswith(f"{key}.") for f in fixed)


def _skipped(name: str, scenario: Scenario) -> bool:
    if name in DECISION_NAMES or name.endswith(DECISION_SUFFIXES):
        return True
    own = f"{PRESETS_PREFIX}{scenario.outcomes.preset}."
    return name.startswith(PRESETS_PREFIX) and not name.startswith(own)


def _parameter(row: registry.Entry, scenario: Scenario, fixed: Collection[str]):
    target = _target(row.value)
    if target is None:
        return None
    sub, mean, sd = target
    stems = [row.name]
    if WILDCARD in row.name:
        head, _, tail = row.name.partition(WILDCARD)
        stems = [f"{head}.{role}.{tail}" for role in _resolve(scenario, head).roles()]
    stems = [s for s in stems if not _fixed(f"{s}{sub}", fixed)]
    assert row.range is not None  # the caller keeps the rows with a range
    low, high = row.range
    moments = _moments(row.name, mean, low, high)
    if not stems or moments is None:
        return None
    suffix = ".mean" if sub or isinstance(row.value, Mapping) else ""
    keys = tuple(f"{s}{sub}{suffix}" for s in stems)
    sd_keys = tuple((f"{s}{sub}.sd", float(sd)) for s in stems) if sd is not None else ()
    integer = type(_resolve(scenario, keys[0])) is int
    family, a, b = moments
    return PsaParameter(row.name, keys, sd_keys, mean, low, high, family, a, b, integer)


def psa_parameters(
    scenario: Scenario, fixed: Collection[str] = (), only: Sequence[str] = ()
) -> list[PsaParameter]:
    """The uncertain parameters of a single-Hub ``scenario`` (see the module rules).

    ``fixed`` holds dotted keys the user set (file layers and overrides): never sampled.
    ``only``: if given, just the rows whose name starts with one of these prefixes (e.g.
    ``"costs."``, ``"outcomes."``).
    """
    names = dict.fromkeys(r.name for r in registry.entries() if r.range is not None)
    out = []
    for name in names:
        row = registry.entry(name, scenario.hub)
        if row.range is None or _skipped(name, scenario):
            continue
        if only and not name.startswith(tuple(only)):
            continue
        parameter = _parameter(row, scenario, fixed)
        if parameter is not None:
            out.append(parameter)
    return out


def draw_uniform(seed: int, draw: int, name: str) -> float:
    """The uniform behind draw ``draw`` of parameter ``name``."""
    return float(make_stream(seed, draw, f"{DRAWS_STREAM}/{name}").random())


def sample(parameters: list[PsaParameter], draws: int, seed: int) -> pd.DataFrame:
    """One row per draw (``draw`` then one column per parameter name): the drawn values."""
    table = {p.name: [p.quantile(draw_uniform(seed, k, p.name)) for k in range(draws)]
             for p in parameters}
    frame = pd.DataFrame(table, index=pd.RangeIndex(draws))
    frame.insert(0, "draw", np.arange(draws))
    return frame


def draw_overrides(parameters: list[PsaParameter], row: Mapping[str, float]) -> dict[str, Any]:
    """Dotted overrides of one draw (``row`` maps parameter name -> drawn value)."""
    out: dict[str, Any] = {}
    for p in parameters:
        out.update(p.overrides(row[p.name]))
    return out


def describe(parameters: list[PsaParameter]) -> pd.DataFrame:
    """The distributions used (for ``psa_parameters.csv``): one row per parameter."""
    return pd.DataFrame([
        {"parameter": p.name, "keys": " ".join(p.keys), "family": p.family, "mean": p.mean,
         "range_low": p.low, "range_high": p.high, "shape_a": p.a, "shape_b_or_scale": p.b,
         "integer": p.integer, "unit": registry.entry(p.name).unit}
        for p in parameters
    ])
