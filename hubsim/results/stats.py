"""Output analysis: confidence intervals, scenario comparison, warm-up and replication number.

Pure functions (no I/O, no printing). Every statistic is in the unit of the KPI it summarises
(days for waits, GBP for costs, counts for throughput); relative precision is dimensionless.

References: White (1997) Simulation 69(6):323-334 (MSER); Hoad, Robinson & Davies (2010)
"Automating warm-up length estimation", JORS 61:1389-1403; Hoad, Robinson & Davies (2010)
"Automated selection of the number of replications for a DES", JORS 61:1632-1644 (HRD).
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubsim.results.analysis_defaults import (  # noqa: F401 (re-exported)
    DEFAULT_CONFIDENCE,
    DEFAULT_LOOKAHEAD,
    DEFAULT_MAX_REPLICATIONS,
    DEFAULT_MIN_REPLICATIONS,
    DEFAULT_PRECISION,
)

logger = logging.getLogger(__name__)

MSER_BATCH_SIZE: int = 5  # the "5" of MSER-5 (White 1997; Hoad et al. 2010 warm-up review)
MSER_MIN_REMAINING_BATCHES: int = 2  # with one batch left the residual variance is trivially 0
PERCENT: int = 100  # fraction -> percent, for quantile column names such as "q05"
REPLICATION_COLUMN: str = "replication"  # hubsim convention for per-replication KPI frames

ArrayLike = Sequence[float] | np.ndarray | pd.Series

_SUMMARY_COLUMNS = ["kpi", "mean", "sd", "ci_low", "ci_high", "half_width", "n"]
_PAIRED_COLUMNS = [
    "kpi", "mean_a", "mean_b", "diff_mean", "diff_sd", "ci_low", "ci_high", "n", "significant",
]
_STATUS_COLUMNS = ["kpi", "n", "mean", "half_width", "relative_precision", "met"]


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _t_quantile(confidence: float, df: np.ndarray | float) -> np.ndarray | float:
    """Two-sided Student t critical value ``t_{(1 + confidence) / 2, df}``."""
    from scipy import stats as sps  # here, not at import: start-up stays light

    return sps.t.ppf((1.0 + confidence) / 2.0, df)


@functools.lru_cache(maxsize=1024)
def _t_critical(confidence: float, df: int) -> float:
    """``_t_quantile`` for one (confidence, df), remembered: summaries ask for the same few."""
    return float(_t_quantile(confidence, df))


def t_interval(
    values: ArrayLike, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float, float, float, int]:
    """Student-t confidence interval for the mean of independent observations.

    Parameters
    ----------
    values : array-like of float
        Observations in the KPI's unit (e.g. one per replication). NaNs are dropped.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of (mean, sd, ci_low, ci_high, n)
        Mean, sample sd (ddof=1) and CI bounds in the unit of ``values``; ``n`` counts non-NaN
        values. n == 1: sd and bounds NaN; n == 0: all NaN. sd == 0: bounds equal the mean.
    """
    _check_confidence(confidence)
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    if sd == 0.0:
        return mean, 0.0, mean, mean, n
    half = _t_critical(confidence, n - 1) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def _kpi_columns(frame: pd.DataFrame, exclude: Sequence[str]) -> list[str]:
    """Numeric (non-boolean) columns of ``frame`` not in ``exclude``, in frame order."""
    numeric = frame.select_dtypes(include="number").columns
    return [c for c in numeric if c not in set(exclude)]


def summarise(
    kpis: pd.DataFrame,
    confidence: float = DEFAULT_CONFIDENCE,
    exclude: Sequence[str] = (REPLICATION_COLUMN,),
) -> pd.DataFrame:
    """Mean and t confidence interval of every KPI column across replications.

    Parameters
    ----------
    kpis : pandas.DataFrame
        One row per replication; numeric columns not in ``exclude`` are KPIs (any unit).
    confidence : float, default 0.95
        Two-sided confidence level.
    exclude : sequence of str, default ("replication",)
        Numeric columns that are not KPIs.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, mean, sd, ci_low, ci_high, half_width, n``, one row per KPI in input
        column order, in each KPI's unit; ``half_width = (ci_high - ci_low) / 2``.
    """
    rows = []
    for col in _kpi_columns(kpis, exclude):
        mean, sd, lo, hi, n = t_interval(kpis[col], confidence)
        rows.append([col, mean, sd, lo, hi, (hi - lo) / 2.0, n])
    return pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)


def paired_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    on: str = REPLICATION_COLUMN,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Paired-t comparison of two scenarios (common random numbers), differences ``b - a``.

    Parameters
    ----------
    a, b : pandas.DataFrame
        Per-replication KPI frames of the base (``a``) and alternative (``b``) scenario.
    on : str, default "replication"
        Pairing column, unique within each frame (else ValueError); unmatched rows are ignored.
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, mean_a, mean_b, diff_mean, diff_sd, ci_low, ci_high, n, significant``,
        one row per numeric KPI in both frames (``a``'s column order), in the KPI's unit. All
        statistics use the ``n`` pairs where both values are non-NaN. ``significant`` is True
        when the CI excludes 0 (False when it is NaN).
    """
    not_kpi = (on, REPLICATION_COLUMN)
    cols_b = set(_kpi_columns(b, not_kpi))
    cols = [c for c in _kpi_columns(a, not_kpi) if c in cols_b]
    merged = a[[on, *cols]].merge(
        b[[on, *cols]], on=on, suffixes=("_a", "_b"), validate="one_to_one"
    )
    rows = []
    for col in cols:
        va = merged[f"{col}_a"].to_numpy(dtype=float)
        vb = merged[f"{col}_b"].to_numpy(dtype=float)
        ok = ~(np.isnan(va) | np.isnan(vb))
        mean, sd, lo, hi, n = t_interval(vb[ok] - va[ok], confidence)
        mean_a = float(va[ok].mean()) if n else math.nan
        mean_b = float(vb[ok].mean()) if n else math.nan
        significant = bool(lo > 0.0 or hi < 0.0)  # NaN comparisons are False
        rows.append([col, mean_a, mean_b, mean, sd, lo, hi, n, significant])
    return pd.DataFrame(rows, columns=_PAIRED_COLUMNS)


def percentile_bands(
    timeseries: pd.DataFrame,
    value_columns: str | Sequence[str],
    by: str = "day",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> pd.DataFrame:
    """Across-replication mean and quantile bands of time series (fan-chart data).

    Parameters
    ----------
    timeseries : pandas.DataFrame
        Long frame, one row per replication per ``by`` value; NaN values are skipped.
    value_columns : str or sequence of str
        Columns to summarise (each in its own unit).
    by : str, default "day"
        Time column (e.g. simulation day); it is the first output column.
    quantiles : sequence of float, default (0.05, 0.25, 0.5, 0.75, 0.95)
        Quantiles in [0, 1], linear interpolation. Named ``q`` + rounded percent zero-padded
        to two digits (0.05 -> ``q05``); names that collide raise ValueError.

    Returns
    -------
    pandas.DataFrame
        Columns ``<by>, variable, mean, q..``, one row per (time, variable), sorted by variable
        name then time, in each variable's unit.
    """
    cols = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    qs = [float(q) for q in quantiles]
    names = [f"q{round(q * PERCENT):02d}" for q in qs]
    if len(set(names)) != len(names) or any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles {qs} must lie in [0, 1] and give distinct names {names}")
    times, group = np.unique(timeseries[by].to_numpy(), return_inverse=True)
    sizes = np.bincount(group.ravel(), minlength=len(times))
    if len(times) and (sizes == sizes[0]).all():  # the usual case: every replication every day
        order = np.argsort(group.ravel(), kind="stable")
        parts = []
        for col in sorted(cols):
            values = timeseries[col].to_numpy(dtype=float)[order].reshape(len(times), sizes[0])
            # nanquantile is slow (a Python loop over rows): only when there are NaNs to skip
            quantile = np.nanquantile if np.isnan(values).any() else np.quantile
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN time: NaN band
                stats = {"mean": np.nanmean(values, axis=1),
                         **dict(zip(names, quantile(values, qs, axis=1), strict=True))}
            parts.append(pd.DataFrame({by: times, "variable": col, **stats}))
        return pd.concat(parts, ignore_index=True)
    long = timeseries.melt(
        id_vars=[by], value_vars=cols, var_name="variable", value_name="_value"
    )
    long["_value"] = long["_value"].astype(float)
    grouped = long.groupby(["variable", by], sort=True)["_value"]
    out = grouped.mean().rename("mean").to_frame()
    for q, name in zip(qs, names, strict=True):
        out[name] = grouped.quantile(q)
    return out.reset_index()[[by, "variable", "mean", *names]]


def mser5(series: ArrayLike, batch_size: int = MSER_BATCH_SIZE) -> int:
    """MSER-5 warm-up length (White 1997; Hoad, Robinson & Davies 2010).

    The series is cut into means ``Z_1..Z_m`` of ``batch_size`` consecutive observations (an
    incomplete final batch is dropped). For each truncation ``d`` (in batches) from 0 to
    ``floor(m / 2)``, ``MSER(d) = sum_{i > d} (Z_i - mean(Z_{d+1..m}))^2 / (m - d)^2``.
    Truncations leaving fewer than two batches are skipped; ties go to the smallest ``d``.

    Parameters
    ----------
    series : array-like of float
        One output series in time order (e.g. daily waiting-list length); no NaNs.
    batch_size : int, default 5
        Observations per batch.

    Returns
    -------
    int
        Initial observations to discard (``d_min * batch_size``); 0 with under two batches.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    x = np.asarray(series, dtype=float).ravel()
    if np.isnan(x).any():
        raise ValueError("mser5 series must not contain NaN")
    m = x.size // batch_size
    if m < MSER_MIN_REMAINING_BATCHES:
        return 0
    z = x[: m * batch_size].reshape(m, batch_size).mean(axis=1)
    z = z - z.mean()  # centring limits cancellation in the sum-of-squares identity below
    d_max = min(m // 2, m - MSER_MIN_REMAINING_BATCHES)
    tail_sum = np.cumsum(z[::-1])[::-1]  # tail_sum[d] = sum(z[d:])
    tail_sq = np.cumsum((z * z)[::-1])[::-1]
    count = np.arange(m, 0, -1, dtype=float)  # count[d] = m - d
    ss = np.clip(tail_sq - tail_sum**2 / count, 0.0, None)
    mser = ss[: d_max + 1] / count[: d_max + 1] ** 2
    return int(np.argmin(mser)) * batch_size


def _relative_precision(mean: float, sd: float, half_width: float) -> float:
    """half_width / |mean|: 0 for a KPI known exactly (sd 0), inf for mean 0 with spread."""
    if math.isnan(half_width):
        return math.nan
    if sd == 0.0:
        return 0.0
    return math.inf if mean == 0.0 else half_width / abs(mean)


def replications_needed(
    values: ArrayLike,
    precision: float = DEFAULT_PRECISION,
    confidence: float = DEFAULT_CONFIDENCE,
) -> bool:
    """Whether one KPI's replications already meet the relative-precision target.

    Parameters
    ----------
    values : array-like of float
        One value per replication, any unit (NaNs dropped).
    precision : float, default 0.05
        Target CI ``half_width / |mean|`` (dimensionless).
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    bool
        True when the relative precision is <= ``precision`` (a constant KPI, including one
        always 0, qualifies); False with < 2 non-NaN values or with mean 0 and sd > 0.
    """
    mean, sd, lo, hi, _ = t_interval(values, confidence)
    return bool(_relative_precision(mean, sd, (hi - lo) / 2.0) <= precision)


def _cumulative_met(x: np.ndarray, precision: float, confidence: float) -> np.ndarray:
    """Vectorised ``replications_needed(x[:k])`` for k = 1..len(x) (NaNs skipped)."""
    valid = ~np.isnan(x)
    shift = x[valid][0] if valid.any() else 0.0
    y = np.where(valid, x - shift, 0.0)  # shifting by a data value keeps constants exact
    n = np.cumsum(valid).astype(float)
    s1, s2 = np.cumsum(y), np.cumsum(y * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_y = s1 / n
        var = np.clip((s2 - s1 * mean_y) / (n - 1.0), 0.0, None)
        half = _t_quantile(confidence, np.where(n > 1, n - 1.0, np.nan)) * np.sqrt(var / n)
        rel = np.where(var == 0.0, 0.0, half / np.abs(mean_y + shift))
    return np.where(n > 1, rel, np.nan) <= precision


class ReplicationController:
    """Sequential choice of the number of replications (Hoad, Robinson & Davies 2010).

    Call :meth:`update` after each replication with the per-replication KPIs so far. At a count
    ``k >= min_replications`` the precision is *met* when every chosen KPI has CI
    ``half_width / |mean| <= precision``. Converged once it is met at every count from ``n``
    to ``n + lookahead``; the first such ``n`` is ``n_solution``. The answer depends only on the
    rows given, so one call with many rows equals one call per row. The look-ahead is fixed
    (HRD scale it by ``n / 100`` beyond 100 replications; this class does not).

    Parameters
    ----------
    precision : float, default 0.05
        Target relative CI half-width (dimensionless).
    confidence : float, default 0.95
        Two-sided confidence level.
    min_replications : int, default 3
        Smallest replication count at which precision is assessed (>= 2).
    kpis : sequence of str, optional
        KPI columns to control; default all numeric columns except ``replication``.
    lookahead : int, default 5
        Further replication counts over which the precision must keep holding.
    max_replications : int, default 1000
        Cap: reaching it unconverged logs a warning; stopping is the caller's job.
    """

    def __init__(
        self,
        precision: float = DEFAULT_PRECISION,
        confidence: float = DEFAULT_CONFIDENCE,
        min_replications: int = DEFAULT_MIN_REPLICATIONS,
        kpis: Sequence[str] | None = None,
        lookahead: int = DEFAULT_LOOKAHEAD,
        max_replications: int = DEFAULT_MAX_REPLICATIONS,
    ) -> None:
        _check_confidence(confidence)
        if precision <= 0.0 or min_replications < 2 or lookahead < 0 or max_replications < 1:
            raise ValueError(
                "need precision > 0, min_replications >= 2, lookahead >= 0, max_replications >= 1"
            )
        self.precision = precision
        self.confidence = confidence
        self.min_replications = min_replications
        self.kpis = None if kpis is None else list(kpis)
        self.lookahead = lookahead
        self.max_replications = max_replications
        self.n_solution: int | None = None
        self.converged = False
        self._last = pd.DataFrame()

    def update(self, kpis: pd.DataFrame) -> bool:
        """Assess all replications so far (rows in replication order); True once converged."""
        cols = _kpi_columns(kpis, (REPLICATION_COLUMN,)) if self.kpis is None else self.kpis
        missing = [c for c in cols if c not in kpis.columns]
        if missing:
            raise KeyError(f"KPI columns not in frame: {missing}")
        self._last = kpis[cols]
        met = np.ones(len(kpis), dtype=bool)
        for col in cols:
            x = kpis[col].to_numpy(dtype=float)
            met &= _cumulative_met(x, self.precision, self.confidence)
        self.n_solution, self.converged = None, False
        run_start: int | None = None
        for k in range(self.min_replications, len(kpis) + 1):  # met[k - 1] is for k reps
            if not met[k - 1]:
                run_start = None
            elif run_start is None:
                run_start = k
            if run_start is not None and k - run_start >= self.lookahead:
                self.n_solution, self.converged = run_start, True
                return True
        if len(kpis) >= self.max_replications:
            logger.warning("precision %s not reached in %d replications", self.precision, len(kpis))
        return False

    def status(self) -> pd.DataFrame:
        """Per-KPI precision over all rows of the last :meth:`update` (empty before one).

        Returns
        -------
        pandas.DataFrame
            Columns ``kpi, n, mean, half_width, relative_precision, met``; mean and half-width
            in the KPI's unit, relative precision dimensionless.
        """
        rows = []
        for col in self._last.columns:
            mean, sd, lo, hi, n = t_interval(self._last[col], self.confidence)
            rel = _relative_precision(mean, sd, (hi - lo) / 2.0)
            rows.append([col, n, mean, (hi - lo) / 2.0, rel, bool(rel <= self.precision)])
        return pd.DataFrame(rows, columns=_STATUS_COLUMNS)
