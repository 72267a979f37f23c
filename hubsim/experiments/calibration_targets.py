"""Targets for calibrating the need model: published screening figures, a TOML table of figures,
or a screening extract (one 0/1 column per domain), each checked and turned into
``CalibrationTargets`` for :func:`hubsim.experiments.calibration.calibrate`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd

from hubsim.model.need import DOMAINS
from hubsim.scenario import registry

N_DOMAINS = len(DOMAINS)
TARGET_KINDS: tuple[str, ...] = ("prevalence", "count", "at_least")
TARGET_NAMES: tuple[str, ...] = (  # every figure a target can name, as model_figures orders them
    *(f"prevalence.{d}" for d in DOMAINS),
    *(f"count.{k}" for k in range(N_DOMAINS + 1)),
    *(f"at_least.{k}" for k in range(1, N_DOMAINS + 1)),
)

_PERCENT = 100.0
_TARGETS = {t["name"]: t["value"] for t in registry.targets()}
# Marginal prevalences among screened clients (the default ``start``); from the evidence registry:
# functioning (~80%) is published, the other four are assumptions.
SUGGESTED_PREVALENCE: dict[str, float] = {
    d: _TARGETS[f"screen_{d}_pct"] / _PERCENT for d in DOMAINS
}

EVALUATION_N = int(_TARGETS["screened_clients_four_hubs"])  # screened clients in the evaluation
EVALUATION_NONE = _TARGETS["screen_negative_all_pct"] / _PERCENT  # ~10% below every threshold
EVALUATION_FUNCTIONING = SUGGESTED_PREVALENCE["functioning"]  # ~80% impaired (WSAS)
ASSUMED_PREVALENCE_SD = 0.05  # plausible error of an assumed (unpublished) marginal prevalence
SUM_TOLERANCE = 1e-6  # slack for probabilities that should sum to 1 (float round-off in extracts)


def check_probability(name: str, value: object, *, open_interval: bool) -> float:
    """Return ``value`` as a float, or raise ValueError naming ``name`` if not a probability."""
    interval = "(0, 1)" if open_interval else "[0, 1]"
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ValueError(f"{name}: must be a number in {interval}, got {value!r}")
    x = float(value)
    if not (0.0 < x < 1.0 if open_interval else 0.0 <= x <= 1.0):
        raise ValueError(f"{name}: must be in {interval}, got {value!r}")
    return x


def _check_prevalence_target(domain: str, value: object) -> float | None:
    """A domain's prevalence target (None = not targeted); ValueError naming it if invalid."""
    if domain not in DOMAINS:
        raise ValueError(f"prevalence.{domain}: unknown domain; expected one of {DOMAINS}")
    if value is None:
        return None
    return check_probability(f"prevalence.{domain}", value, open_interval=True)


def _check_k_table(name: str, table: Mapping | None, k_min: int) -> dict[int, float] | None:
    """Validate a ``{k: probability}`` table with integer keys in ``k_min..N_DOMAINS``."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ValueError(f"{name}: must be a mapping of k -> probability, got {table!r}")
    checked: dict[int, float] = {}
    for k, value in table.items():
        if isinstance(k, bool) or not isinstance(k, Integral) or not k_min <= int(k) <= N_DOMAINS:
            raise ValueError(f"{name}.{k}: key must be an integer in {k_min}..{N_DOMAINS}")
        checked[int(k)] = check_probability(f"{name}.{k}", value, open_interval=False)
    return dict(sorted(checked.items()))


def _check_consistency(count: dict[int, float] | None, at_least: dict[int, float] | None) -> None:
    """Raise ValueError if the count / at-least targets cannot all hold for one distribution."""
    count = count or {}
    total = sum(count.values())
    if total > 1.0 + SUM_TOLERANCE:
        raise ValueError(f"count_distribution: probabilities sum to {total:.6g} > 1")
    if len(count) == N_DOMAINS + 1 and total < 1.0 - SUM_TOLERANCE:
        raise ValueError(f"count_distribution: all k given but they sum to {total:.6g}, not 1")
    previous = (0, 1.0)
    for k, p in (at_least or {}).items():
        if p > previous[1] + SUM_TOLERANCE:
            raise ValueError(f"at_least.{k}: {p} exceeds at_least.{previous[0]} = {previous[1]}")
        previous = (k, p)
        above = sum(q for j, q in count.items() if j >= k)
        below = sum(q for j, q in count.items() if j < k)
        if above > p + SUM_TOLERANCE or below > 1.0 - p + SUM_TOLERANCE:
            raise ValueError(f"at_least.{k}: {p} is inconsistent with count_distribution")


@dataclass(frozen=True)
class CalibrationTargets:
    """Figures the need model is calibrated to (all probabilities).

    Attributes
    ----------
    prevalence : domain -> target marginal prevalence in (0, 1), or None for "not targeted"
        (the domain is then held at its ``start`` value); omitted domains count as None
    count_distribution : k -> target P(exactly k domains above threshold), k in 0..5; may be
        partial; None for no such targets
    at_least : k -> target P(k or more domains above threshold), k in 1..5, or None
    weights : optional weights on squared errors keyed by kind ("prevalence", "count",
        "at_least") or target name ("count.0"); a name overrides its kind, which overrides
        :data:`DEFAULT_WEIGHTS`
    """

    prevalence: dict[str, float | None] = field(default_factory=dict)
    count_distribution: dict[int, float] | None = None
    at_least: dict[int, float] | None = None
    weights: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.prevalence, Mapping):
            raise ValueError("prevalence: must be a mapping of domain -> probability")
        prevalence = {d: _check_prevalence_target(d, p) for d, p in self.prevalence.items()}
        count = _check_k_table("count_distribution", self.count_distribution, k_min=0)
        at_least = _check_k_table("at_least", self.at_least, k_min=1)
        _check_consistency(count, at_least)
        if self.weights is not None and not isinstance(self.weights, Mapping):
            raise ValueError("weights: must be a mapping of target kind or name -> weight")
        for key, value in (self.weights or {}).items():
            if key not in TARGET_KINDS and key not in TARGET_NAMES:
                raise ValueError(f"weights.{key}: not a target kind {TARGET_KINDS} or name")
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < math.inf:
                raise ValueError(f"weights.{key}: must be a positive finite number, got {value!r}")
        object.__setattr__(self, "prevalence", prevalence)
        object.__setattr__(self, "count_distribution", count)
        object.__setattr__(self, "at_least", at_least)
        object.__setattr__(self, "weights", None if self.weights is None else dict(self.weights))
        if not self.values():
            raise ValueError("targets: nothing to calibrate to (no prevalence, count or at_least)")

    def values(self) -> dict[str, float]:
        """Target values keyed by target name ("prevalence.<domain>", "count.<k>", ...)."""
        out = {f"prevalence.{d}": p for d, p in self.prevalence.items() if p is not None}
        out.update({f"count.{k}": p for k, p in (self.count_distribution or {}).items()})
        out.update({f"at_least.{k}": p for k, p in (self.at_least or {}).items()})
        return out

    def weight(self, name: str) -> float:
        """Weight on the squared error of target ``name`` (e.g. "count.0")."""
        weights, kind = self.weights or {}, name.partition(".")[0]
        return float(weights.get(name, weights.get(kind, DEFAULT_WEIGHTS[kind])))


def evaluation_targets() -> CalibrationTargets:
    """Targets from the published evaluation (1,973 screened clients) plus assumed marginals.

    Default weights cannot meet these anchors: with the suggested marginals P(3+) hardly moves
    with ``rho`` (0.58 where P(none) = 0.10), so the assumed marginals must rise, which weight
    10 forbids (the fit stops at P(3+) = 0.578). So targets are weighted by inverse variance,
    ``n / (p (1 - p))`` if published and ``ASSUMED_PREVALENCE_SD**-2`` if assumed: the loss is
    a sum of squared z-scores and the assumed marginals give way first.
    """
    published = {"prevalence.functioning": EVALUATION_FUNCTIONING}
    published.update({"count.0": EVALUATION_NONE, "at_least.3": EVALUATION_AT_LEAST_3})
    weights = {"prevalence": ASSUMED_PREVALENCE_SD**-2}
    weights.update({name: EVALUATION_N / (p * (1.0 - p)) for name, p in published.items()})
    return CalibrationTargets(
        prevalence=dict(SUGGESTED_PREVALENCE, functioning=EVALUATION_FUNCTIONING),
        count_distribution={0: EVALUATION_NONE},
        at_least={3: EVALUATION_AT_LEAST_3},
        weights=weights,
    )


def _binary_column(name: str, column: pd.Series) -> np.ndarray:
    """Column of 0/1/True/False as a bool array; ValueError naming the column otherwise."""
    if column.isna().any():
        raise ValueError(f"column {name!r}: has missing values; expected 0/1 or True/False")
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(column):
        valid = column.isin([0, 1]).to_numpy(dtype=bool)
    else:  # object columns: accept Python/numpy bools and numbers equal to 0 or 1 only
        valid = np.array([isinstance(v, Real) and v in (0, 1) for v in column], dtype=bool)
    if not valid.all():
        bad = column[~valid].iloc[0]
        raise ValueError(f"column {name!r}: value {bad!r} is not 0/1 or True/False")
    return np.asarray(column.to_numpy() == 1, dtype=bool)


def targets_from_extract(df: pd.DataFrame) -> CalibrationTargets:
    """Targets from an anonymised screening extract ``df``: one row per screened client, one
    0/1 (or bool) column per domain named as in ``DOMAINS`` (other columns are ignored).

    Returns each domain's observed prevalence and the full observed distribution of the number
    of domains above threshold (k = 0..5), with default weights.
    """
    for domain in DOMAINS:
        if domain not in df.columns:
            raise ValueError(f"column {domain!r}: missing from the extract")
    if len(df) == 0:
        raise ValueError("extract: has no rows")
    above = np.column_stack([_binary_column(d, df[d]) for d in DOMAINS])
    prevalence = above.mean(axis=0)
    for domain, p in zip(DOMAINS, prevalence, strict=True):
        if p in (0.0, 1.0):
            raise ValueError(f"column {domain!r}: observed prevalence is {p:g}; need 0 < p < 1")
    counts = np.bincount(above.sum(axis=1), minlength=N_DOMAINS + 1) / len(df)
    return CalibrationTargets(
        prevalence={d: float(p) for d, p in zip(DOMAINS, prevalence, strict=True)},
        count_distribution={k: float(p) for k, p in enumerate(counts)},
    )


def _table(name: str, table: object, *, k_keys: bool = False) -> dict:
    """A TOML table as a dict; ``k_keys`` turns "3" into 3; nested tables flatten to "a.b"."""
    if not isinstance(table, Mapping):
        raise ValueError(f"{name}: must be a table")
    out: dict = {}
    for key, value in table.items():
        if isinstance(value, Mapping):  # [weights] prevalence.functioning = 20 (dotted key)
            out.update({f"{key}.{sub}": v for sub, v in _table(f"{name}.{key}", value).items()})
        elif not k_keys:
            out[key] = value
        else:
            try:
                out[int(str(key))] = value
            except ValueError:
                raise ValueError(f"{name}.{key}: key must be a whole number of domains") from None
    return out


def targets_from_mapping(data: Mapping) -> CalibrationTargets:
    """Targets from ``data``, a parsed targets TOML file (format in the module docstring)
    with optional tables "prevalence", "count", "at_least" and "weights"."""
    if not isinstance(data, Mapping):
        raise ValueError("targets: must be a table")
    for key in data:
        if key not in ("prevalence", "count", "at_least", "weights"):
            raise ValueError(f"{key}: unknown table; expected prevalence, count, at_least, weights")
    tables = {
        key: _table(key, value, k_keys=key in ("count", "at_least")) for key, value in data.items()
    }
    try:
        return CalibrationTargets(
            prevalence=tables.get("prevalence", {}),
            count_distribution=tables.get("count"),
            at_least=tables.get("at_least"),
            weights=tables.get("weights"),
        )
    except ValueError as error:  # name the file's table, "count", not the field
        raise ValueError(str(error).replace("count_distribution", "count")) from None
EVALUATION_AT_LEAST_3 = _TARGETS["screen_positive_3plus_pct"] / _PERCENT  # 60% on 3+ measures

# Weight on the squared error of each kind of target (see the module docstring for why).
DEFAULT_WEIGHTS: dict[str, float] = {"prevalence": 10.0, "count": 1.0, "at_least": 1.0}
