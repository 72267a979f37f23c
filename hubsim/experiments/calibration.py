"""Calibrate the screening need model (:mod:`hubsim.model.need`) to published or observed figures.

:func:`calibrate` fits each domain's latent threshold (i.e. prevalence) and the common latent
correlation ``rho`` by weighted least squares, so that the model's exact figures (no simulation)
match targets: prevalences ("prevalence.<domain>") and the probability of being above threshold
on exactly k domains ("count.<k>") or on at least k ("at_least.<k>").

Targets file (``hubsim calibrate TARGETS.toml``)
------------------------------------------------
Up to four optional tables (at least one target overall); ``[count]`` and ``[at_least]`` keys
are numbers of domains (TOML keys are strings: ``3 = 0.60`` means k = 3)::

    [prevalence]        # marginal prevalence per domain, in (0, 1); domains: anxiety,
    functioning = 0.80  # depression, ptsd, alcohol, functioning. Domains not listed are
    anxiety = 0.65      # held at their starting value (SUGGESTED_PREVALENCE), not fitted
    [at_least]
    3 = 0.60            # P(above threshold on 3 or more of the 5 domains), k in 1..5
    [count]
    0 = 0.10            # P(above threshold on exactly k domains), k in 0..5; may be partial
    [weights]           # optional, by kind or by target name (quote dotted names):
    count = 2.0         # "prevalence.functioning" = 20.0, "at_least.3" = 5.0

Weights multiply squared errors (a name overrides its kind). By default prevalence targets weigh
10 and count / at-least targets 1: marginals are the best-measured, headline figures, so they are
held nearly fixed (an error of 0.01 on one costs as much as ~0.03 on a count figure) and the count
distribution's shape is fitted mostly through ``rho``; :func:`evaluation_targets` relaxes this.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeResult, minimize
from scipy.special import ndtr, ndtri

from hubsim.model.need import DOMAINS, count_distribution_from_thresholds
from hubsim.scenario import registry

Shifts = tuple[np.ndarray, np.ndarray]
"""A discrete distribution of latent shifts (values in sd units, weights summing to 1)."""

logger = logging.getLogger(__name__)

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
EVALUATION_AT_LEAST_3 = _TARGETS["screen_positive_3plus_pct"] / _PERCENT  # 60% on 3+ measures
EVALUATION_NONE = _TARGETS["screen_negative_all_pct"] / _PERCENT  # ~10% below every threshold
EVALUATION_FUNCTIONING = SUGGESTED_PREVALENCE["functioning"]  # ~80% impaired (WSAS)
ASSUMED_PREVALENCE_SD = 0.05  # plausible error of an assumed (unpublished) marginal prevalence

# Weight on the squared error of each kind of target (see the module docstring for why).
DEFAULT_WEIGHTS: dict[str, float] = {"prevalence": 10.0, "count": 1.0, "at_least": 1.0}

MAX_CORRELATION = 0.95  # beyond this the five latent scores are near-copies of one another
CALIBRATION_NODES = 128  # quadrature nodes: error <~1e-5 even at rho = 0.95 (64 gives ~2e-3)
THRESHOLD_BOUND = 6.0  # |threshold| <= 6 sd keeps fitted prevalences within (1e-9, 1 - 1e-9)
START_GRID_STEP = 0.05  # rho grid for the starting point: cheap (20 exact evaluations)
SUM_TOLERANCE = 1e-6  # slack for probabilities that should sum to 1 (float round-off in extracts)
# On the weighted *mean* squared error, whose finite-difference gradient is good to ~1e-9:
OPTIMISER_OPTIONS = {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 1000}


def _check_probability(name: str, value: object, *, open_interval: bool) -> float:
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
    return _check_probability(f"prevalence.{domain}", value, open_interval=True)


def _check_k_table(name: str, table: Mapping | None, k_min: int) -> dict[int, float] | None:
    """Validate a ``{k: probability}`` table with integer keys in ``k_min..N_DOMAINS``."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ValueError(f"{name}: must be a mapping of k -> probability, got {table!r}")
    checked: dict[int, float] = {}
    for k, value in table.items():
        if isinstance(k, bool) or not isinstance(k, Integral) or not k_min <= k <= N_DOMAINS:
            raise ValueError(f"{name}.{k}: key must be an integer in {k_min}..{N_DOMAINS}")
        checked[int(k)] = _check_probability(f"{name}.{k}", value, open_interval=False)
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


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted need-model parameters and how well they reproduce the targets.

    Attributes
    ----------
    prevalence : domain -> fitted marginal prevalence (the thresholds' implied prevalence)
    correlation : fitted common latent correlation ``rho`` in [0, MAX_CORRELATION]
    fitted : target name -> the model's exact value of that figure at the fit
    targets : target name -> target value
    loss : weighted sum of squared errors at the fit (probability units squared)
    converged : whether the optimiser reported convergence
    """

    prevalence: dict[str, float]
    correlation: float
    fitted: dict[str, float]
    targets: dict[str, float]
    loss: float
    converged: bool

    def to_toml(self) -> str:
        """The ``[screening]`` table of a scenario file, values rounded to 4 decimals."""
        prevalence = ", ".join(f"{d} = {round(self.prevalence[d], 4)!r}" for d in DOMAINS)
        correlation = f"correlation = {round(self.correlation, 4)!r}"
        return f"[screening]\n{correlation}\nprevalence = {{ {prevalence} }}\n"


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


def model_figures(
    thresholds: np.ndarray, correlation: float, shifts: Shifts | None = None
) -> np.ndarray:
    """Exact probabilities, in :data:`TARGET_NAMES` order, given latent ``thresholds``
    (``DOMAINS`` order, standard-normal units) and common correlation ``rho`` in [0, 1).

    With ``shifts`` (risk factors), figures are for the whole population: the mixture over
    clients whose latent scores are shifted by each value, in proportion to its weight.
    """
    values, weights = shifts if shifts is not None else (np.zeros(1), np.ones(1))
    thresholds = np.asarray(thresholds, dtype=float)
    counts = sum(
        w * count_distribution_from_thresholds(thresholds, correlation, s, CALIBRATION_NODES)
        for s, w in zip(values, weights, strict=True)
    )
    marginals = np.asarray(weights) @ ndtr(np.asarray(values)[:, None] - thresholds)
    tail = np.cumsum(counts[::-1])[::-1]  # tail[k] = P(count >= k)
    return np.concatenate([marginals, counts, tail[1:]])


def _start_values(start: Mapping[str, float] | None) -> tuple[dict[str, float], float | None]:
    """Validated starting prevalences (filled from the suggested ones) and optional rho."""
    prevalence, correlation = dict(SUGGESTED_PREVALENCE), None
    for key, value in (start or {}).items():
        if key == "correlation":
            correlation = _check_probability("start.correlation", value, open_interval=False)
            if correlation > MAX_CORRELATION:
                raise ValueError(f"start.correlation: must be <= {MAX_CORRELATION}")
        elif key in DOMAINS:
            prevalence[key] = _check_probability(f"start.{key}", value, open_interval=True)
        else:
            raise ValueError(f"start.{key}: unknown key; expected a domain or 'correlation'")
    return prevalence, correlation


def _minimise(
    objective: Callable[[np.ndarray], float], thresholds: np.ndarray, correlation: float | None
) -> OptimizeResult:
    """L-BFGS-B over ``(sqrt(rho), thresholds)`` from ``correlation`` or the best rho on a grid."""
    if correlation is None:  # 20 exact evaluations with the thresholds at their start
        grid = np.arange(0.0, MAX_CORRELATION + START_GRID_STEP / 2, START_GRID_STEP)
        correlation = min(grid, key=lambda rho: objective(np.r_[math.sqrt(rho), thresholds]))
    limits = (-THRESHOLD_BOUND, THRESHOLD_BOUND)
    bounds = [(0.0, math.sqrt(MAX_CORRELATION)), *[limits] * len(thresholds)]
    x0 = np.r_[math.sqrt(correlation), thresholds]
    return minimize(objective, x0, method="L-BFGS-B", bounds=bounds, options=OPTIMISER_OPTIONS)


def calibrate(
    targets: CalibrationTargets,
    start: Mapping[str, float] | None = None,
    shifts: Shifts | None = None,
) -> CalibrationResult:
    """Fit per-domain prevalences and the common correlation to ``targets``.

    Minimises ``sum_i w_i (model_i - target_i)^2`` over ``sqrt(rho)`` in
    ``[0, sqrt(MAX_CORRELATION)]`` and the latent threshold (probit of 1 - prevalence) of each
    targeted domain by L-BFGS-B, started from the best ``rho`` on a grid (deterministic).

    Parameters
    ----------
    targets : the figures to match
    start : optional domain -> starting prevalence (untargeted domains stay at this value;
        default :data:`SUGGESTED_PREVALENCE`) and optional "correlation" -> starting ``rho``
    shifts : optional risk-factor shift distribution (see
        :func:`hubsim.model.need.shift_distribution`). Targets are then population figures, and the
        fitted ``prevalence`` is that of clients with no risk factor (the reference group), which
        is what :func:`sample_need` takes.

    Returns
    -------
    CalibrationResult: fitted prevalences and ``rho``, fitted vs target figures, loss.
    """
    start_prevalence, start_correlation = _start_values(start)
    if not (targets.count_distribution or targets.at_least):
        logger.warning("no count or at_least targets: the correlation is not identified")
    wanted = targets.values()
    index = np.array([TARGET_NAMES.index(name) for name in wanted])
    target = np.array(list(wanted.values()))
    weight = np.array([targets.weight(name) for name in wanted])
    free = [i for i, d in enumerate(DOMAINS) if targets.prevalence.get(d) is not None]
    base = ndtri(1.0 - np.array([start_prevalence[d] for d in DOMAINS]))
    base[free] = ndtri(1.0 - np.array([wanted[f"prevalence.{DOMAINS[i]}"] for i in free]))

    def unpack(x: np.ndarray) -> tuple[np.ndarray, float]:
        thresholds = base.copy()
        thresholds[free] = x[1:]
        return thresholds, min(float(x[0]) ** 2, MAX_CORRELATION)  # no round-off above the cap

    def mean_loss(x: np.ndarray) -> float:  # weighted mean, so tolerances ignore weight scale
        figures = model_figures(*unpack(x), shifts)[index]
        return float(weight @ (figures - target) ** 2 / weight.sum())

    best = _minimise(mean_loss, base[free], start_correlation)
    thresholds, correlation = unpack(best.x)
    fitted = model_figures(thresholds, correlation, shifts)[index]
    loss = float(weight @ (fitted - target) ** 2)
    logger.info("calibrated rho=%.4f loss=%.3g (%s)", correlation, loss, best.message)
    prevalence = {d: float(p) for d, p in zip(DOMAINS, ndtr(-thresholds), strict=True)}
    named = {name: float(p) for name, p in zip(wanted, fitted, strict=True)}
    return CalibrationResult(prevalence, correlation, named, wanted, loss, bool(best.success))


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
