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

import numpy as np
from scipy.optimize import minimize
from scipy.special import ndtr, ndtri

from hubsim.experiments.calibration_targets import (  # noqa: F401 (re-exported)
    DEFAULT_WEIGHTS,
    EVALUATION_AT_LEAST_3,
    EVALUATION_FUNCTIONING,
    EVALUATION_N,
    EVALUATION_NONE,
    SUGGESTED_PREVALENCE,
    TARGET_NAMES,
    CalibrationTargets,
    check_probability,
    evaluation_targets,
    targets_from_extract,
    targets_from_mapping,
)
from hubsim.model.need import DOMAINS, factor_count_distribution
from hubsim.scenario import registry
from hubsim.scenario.correlation import MAX_CORRELATION, STRUCTURE_FIELDS, Structure

Shifts = tuple[np.ndarray, np.ndarray]
"""A discrete distribution of latent shifts (values in sd units, weights summing to 1)."""

logger = logging.getLogger(__name__)

THRESHOLD_BOUND = 6.0  # |threshold| <= 6 sd keeps fitted prevalences within (1e-9, 1 - 1e-9)
START_GRID_STEP = 0.05  # general-correlation grid for the starting point (20 values)
START_SHARES = (0.0, 0.25, 0.5)  # grid of the other free structure coordinates (shares)
FREE_STRUCTURE: tuple[str, ...] = ("general",)
"""Structure parameters fitted by default. The published figures (10% on none, 60% on 3+)
identify the general level of correlation, not its shape: fitted together with ``general``,
``anxiety_depression`` has an approximate sd of ~0.7 (see :attr:`CalibrationResult.sd`), so it
and ``alcohol_ratio`` are held at their registry values (assumptions) unless a full screening
extract is given (``hubsim calibrate --free general,anxiety_depression``)."""
SUGGESTED_STRUCTURE: dict[str, float] = {
    name: float(registry.entry(f"screening.correlation.{name}").value)
    for name in ("anxiety_depression", "alcohol_ratio")
}
DELTA_STEP = 1e-5  # central-difference step for the Jacobian behind CalibrationResult.sd
# On the weighted *mean* squared error, whose finite-difference gradient is good to ~1e-9:
OPTIMISER_OPTIONS = {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 1000}


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted need-model parameters and how well they reproduce the targets.

    Attributes
    ----------
    prevalence : domain -> fitted marginal prevalence (the thresholds' implied prevalence)
    structure : fitted latent correlation structure (:class:`hubsim.scenario.correlation.Structure`)
    fitted : target name -> the model's exact value of that figure at the fit
    targets : target name -> target value
    loss : weighted sum of squared errors at the fit (probability units squared)
    converged : whether the optimiser reported convergence
    free : the structure parameters that were fitted (the others were held at their start)
    sd : approximate standard deviation of each fitted structure parameter (delta method,
        ``(J' W J)^-1`` over the fitted structure parameters and thresholds), valid when the
        weights are inverse variances of the targets (as in :func:`evaluation_targets`);
        ``inf`` where the targets do not identify it
    """

    prevalence: dict[str, float]
    structure: Structure
    fitted: dict[str, float]
    targets: dict[str, float]
    loss: float
    converged: bool
    free: tuple[str, ...] = FREE_STRUCTURE
    sd: dict[str, float] = field(default_factory=dict)

    @property
    def correlation(self) -> np.ndarray:
        """The fitted 5 x 5 latent correlation matrix (``DOMAINS`` order)."""
        return self.structure.matrix()

    def to_toml(self) -> str:
        """The ``[screening]`` table of a scenario file, values rounded to 4 decimals, with the
        implied latent correlation matrix as a comment."""
        prevalence = ", ".join(f"{d} = {round(self.prevalence[d], 4)!r}" for d in DOMAINS)
        structure = ", ".join(f"{k} = {round(v, 4)!r}" for k, v in self.structure.as_dict().items())
        matrix = "\n".join(
            f"#   {d:<12}" + " ".join(f"{v:5.2f}" for v in row)
            for d, row in zip(DOMAINS, self.correlation, strict=True)
        )
        return (f"[screening]\ncorrelation = {{ {structure} }}\nprevalence = {{ {prevalence} }}\n"
                f"# latent correlation matrix ({', '.join(DOMAINS)}):\n{matrix}\n")


def model_figures(
    thresholds: np.ndarray, structure: Structure, shifts: Shifts | None = None
) -> np.ndarray:
    """Exact probabilities, in :data:`TARGET_NAMES` order, given latent ``thresholds``
    (``DOMAINS`` order, standard-normal units) and the latent correlation ``structure``.

    With ``shifts`` (risk factors: values of shape (M,) or (M, 5), weights), figures are for the
    whole population: the mixture over clients whose latent scores are shifted by each value, in
    proportion to its weight.
    """
    values, weights = shifts if shifts is not None else (np.zeros(1), np.ones(1))
    thresholds = np.asarray(thresholds, dtype=float)
    values = np.asarray(values, dtype=float)
    counts = factor_count_distribution(thresholds, structure.loadings(), (values, weights))
    per_domain = values if values.ndim == 2 else values[:, None]
    marginals = np.asarray(weights) @ ndtr(per_domain - thresholds)
    tail = np.cumsum(counts[::-1])[::-1]  # tail[k] = P(count >= k)
    return np.concatenate([marginals, counts, tail[1:]])


def _start_values(start: Mapping[str, float] | None) -> tuple[dict[str, float], dict[str, float]]:
    """Validated starting prevalences (filled from the suggested ones) and structure values
    (filled from :data:`SUGGESTED_STRUCTURE`; a free one absent = started from a grid)."""
    prevalence, structure = dict(SUGGESTED_PREVALENCE), {}
    for key, value in (start or {}).items():
        if key in STRUCTURE_FIELDS:
            structure[key] = check_probability(f"start.{key}", value, open_interval=False)
        elif key in DOMAINS:
            prevalence[key] = check_probability(f"start.{key}", value, open_interval=True)
        else:
            raise ValueError(
                f"start.{key}: unknown key; expected a domain or one of {STRUCTURE_FIELDS}")
    try:
        Structure(**{"general": 0.0, **SUGGESTED_STRUCTURE, **structure})
    except ValueError as error:
        raise ValueError(f"start.{error}") from None
    return prevalence, structure


def _structure_box(free: tuple[str, ...], fixed: Mapping[str, float]) -> list[tuple[float, float]]:
    """Bounds of the free structure coordinates: ``general``; ``anxiety_depression`` as the share
    of the room ``MAX_CORRELATION - general`` it adds to ``general``; ``alcohol_ratio``."""
    room = {"general": MAX_CORRELATION, "anxiety_depression": 1.0, "alcohol_ratio": 1.0}
    if "anxiety_depression" not in free and "anxiety_depression" in fixed:
        room["general"] = fixed["anxiety_depression"]  # general <= anxiety_depression
    return [(0.0, room[name]) for name in free]


def _structure(x: np.ndarray, free: tuple[str, ...], fixed: Mapping[str, float]) -> Structure:
    """The structure at optimiser coordinates ``x`` (see :func:`_structure_box`)."""
    values = dict(fixed)
    values.update({name: float(v) for name, v in zip(free, x, strict=False)})
    general = min(max(values["general"], 0.0), MAX_CORRELATION)
    if "anxiety_depression" in free:
        share = min(max(values["anxiety_depression"], 0.0), 1.0)
        anxiety_depression = general + share * (MAX_CORRELATION - general)
    else:
        anxiety_depression = max(values.get("anxiety_depression", general), general)
    return Structure(general, min(anxiety_depression, MAX_CORRELATION),
                     min(max(values["alcohol_ratio"], 0.0), 1.0))


def _start_point(
    objective: Callable[[np.ndarray], float], free: tuple[str, ...],
    structure: Mapping[str, float], thresholds: np.ndarray,
) -> np.ndarray:
    """Starting coordinates: given values, else the best point of a small grid (deterministic)."""
    axes = []
    for name in free:
        if name in structure:
            given = structure[name]
            if name == "anxiety_depression":  # as a share of the room left by general
                general = structure.get("general", 0.0)
                given = (given - general) / max(MAX_CORRELATION - general, 1e-12)
            axes.append(np.array([min(max(given, 0.0), 1.0)]))
        elif name == "general":
            axes.append(np.arange(0.0, MAX_CORRELATION + START_GRID_STEP / 2, START_GRID_STEP))
        else:
            axes.append(np.array(START_SHARES))
    grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(free), -1).T
    return min((np.r_[point, thresholds] for point in grid), key=objective)


def calibrate(
    targets: CalibrationTargets,
    start: Mapping[str, float] | None = None,
    shifts: Shifts | None = None,
    free: tuple[str, ...] = FREE_STRUCTURE,
) -> CalibrationResult:
    """Fit per-domain prevalences and the latent correlation structure to ``targets``.

    Minimises ``sum_i w_i (model_i - target_i)^2`` by L-BFGS-B over the ``free`` structure
    parameters and the latent threshold (probit of 1 - prevalence) of each targeted domain,
    started from the best point of a grid (deterministic). Structure parameters not in ``free``
    are held at their ``start`` value (default :data:`SUGGESTED_STRUCTURE`).

    Parameters
    ----------
    targets : the figures to match
    start : optional domain -> starting prevalence (untargeted domains stay at this value;
        default :data:`SUGGESTED_PREVALENCE`) and structure values ("general",
        "anxiety_depression", "alcohol_ratio"): the start of a free one, the value of a fixed one
    shifts : optional risk-factor shift distribution (see
        :func:`hubsim.model.need.shift_distribution`). Targets are then population figures, and the
        fitted ``prevalence`` is that of clients with no risk factor (the reference group), which
        is what :func:`sample_need` takes.
    free : structure parameters to fit, a subset of ``STRUCTURE_FIELDS`` in that order

    Returns
    -------
    CalibrationResult: fitted prevalences and structure, fitted vs target figures, loss.
    """
    unknown = [name for name in free if name not in STRUCTURE_FIELDS]
    if unknown:
        raise ValueError(f"free.{unknown[0]}: not one of {STRUCTURE_FIELDS}")
    free = tuple(name for name in STRUCTURE_FIELDS if name in free)
    start_prevalence, start_structure = _start_values(start)
    fixed = {**SUGGESTED_STRUCTURE, **start_structure}
    fixed.setdefault("general", 0.0)
    if free and not (targets.count_distribution or targets.at_least):
        logger.warning("no count or at_least targets: the correlation is not identified")
    wanted = targets.values()
    index = np.array([TARGET_NAMES.index(name) for name in wanted])
    target = np.array(list(wanted.values()))
    weight = np.array([targets.weight(name) for name in wanted])
    targeted = [i for i, d in enumerate(DOMAINS) if targets.prevalence.get(d) is not None]
    base = ndtri(1.0 - np.array([start_prevalence[d] for d in DOMAINS]))
    base[targeted] = ndtri(1.0 - np.array([wanted[f"prevalence.{DOMAINS[i]}"]
                                           for i in targeted]))
    n_free = len(free)

    def unpack(x: np.ndarray) -> tuple[np.ndarray, Structure]:
        thresholds = base.copy()
        thresholds[targeted] = x[n_free:]
        return thresholds, _structure(x[:n_free], free, fixed)

    def mean_loss(x: np.ndarray) -> float:  # weighted mean, so tolerances ignore weight scale
        figures = model_figures(*unpack(x), shifts)[index]
        return float(weight @ (figures - target) ** 2 / weight.sum())

    x0 = _start_point(mean_loss, free, start_structure, base[targeted])
    limits = (-THRESHOLD_BOUND, THRESHOLD_BOUND)
    bounds = [*_structure_box(free, fixed), *[limits] * len(targeted)]
    best = minimize(mean_loss, x0, method="L-BFGS-B", bounds=bounds, options=OPTIMISER_OPTIONS)
    thresholds, structure = unpack(best.x)
    fitted = model_figures(thresholds, structure, shifts)[index]
    loss = float(weight @ (fitted - target) ** 2)
    logger.info("calibrated %s loss=%.3g (%s)", structure, loss, best.message)
    prevalence = {d: float(p) for d, p in zip(DOMAINS, ndtr(-thresholds), strict=True)}
    named = {name: float(p) for name, p in zip(wanted, fitted, strict=True)}
    sd = _structure_sd(structure, thresholds, targeted, free, shifts, index, weight)
    return CalibrationResult(prevalence, structure, named, wanted, loss, bool(best.success), free,
                             sd)


def _difference(
    figures: Callable[[np.ndarray], np.ndarray], point: np.ndarray, step: np.ndarray
) -> np.ndarray:
    """Derivative along ``step``: central, or one-sided where a step leaves the bounds."""
    size = float(step.max())
    for ahead, behind, span in ((step, -step, 2.0), (step, 0.0 * step, 1.0),
                                (0.0 * step, -step, 1.0)):
        try:
            return (figures(point + ahead) - figures(point + behind)) / (span * size)
        except ValueError:
            continue
    raise ValueError("calibration: no finite difference inside the parameter bounds")


def _structure_sd(
    structure: Structure, thresholds: np.ndarray, targeted: list[int], free: tuple[str, ...],
    shifts: Shifts | None, index: np.ndarray, weight: np.ndarray,
) -> dict[str, float]:
    """Delta-method sd of the free structure parameters (see :class:`CalibrationResult`)."""
    point = np.r_[[getattr(structure, name) for name in free], thresholds[targeted]]

    def figures(p: np.ndarray) -> np.ndarray:
        values = structure.as_dict() | dict(zip(free, p, strict=False))
        full = thresholds.copy()
        full[targeted] = p[len(free):]
        return model_figures(full, Structure(**values), shifts)[index]

    jacobian = np.empty((index.size, point.size))
    for j in range(point.size):
        step = np.zeros_like(point)
        step[j] = DELTA_STEP
        jacobian[:, j] = _difference(figures, point, step)
    information = jacobian.T @ (weight[:, None] * jacobian)
    try:
        variance = np.diag(np.linalg.inv(information))[: len(free)]
    except np.linalg.LinAlgError:
        return dict.fromkeys(free, math.inf)
    return {name: float(math.sqrt(v)) if v > 0 else math.inf
            for name, v in zip(free, variance, strict=True)}
