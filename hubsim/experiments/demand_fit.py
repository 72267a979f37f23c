"""Fit monthly screenings to a Hub's history: a Poisson GLM with trend and month of year.

``log E[count_m] = log(exposure_m) + b0 + b1 m + s(month of year)``, by maximum likelihood
(statsmodels' ``GLM`` with the Poisson family). ``exposure_m`` is the share of month ``m``
observed: the first month from the first screen, the last up to the as-of date, so part-months
count for what they are. Month-of-year effects are fitted only with at least
``fit.seasonal_min_months`` months of history (trend only below). The covariance is scaled by the
Pearson dispersion (quasi-Poisson), so more variable counts than Poisson widen the draws
(``hubsim.model.demand``) rather than being hidden.

statsmodels is imported inside ``fit_demand``: nothing else in hubsim needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from hubsim.model.demand import design, month_index
from hubsim.scenario import registry
from hubsim.scenario.state import Demand

SEASONAL_MIN_MONTHS = int(registry.constant("fit.seasonal_min_months").value)
MIN_MONTHS = 3  # a trend needs a few months, or the slope is a guess
MIN_SCREENINGS = int(registry.constant("fit.min_rows").value)


@dataclass(frozen=True)
class DemandFit:
    """The fitted demand, its standard errors and the counts it was fitted to."""

    demand: Demand
    standard_errors: tuple[float, ...]
    months: int
    screenings: int
    dispersion: float

    @property
    def seasonal(self) -> bool:
        return len(self.demand.coefficients) > 2


def monthly_counts(
    screen_dates: list[dt.date], as_of: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(months as ``datetime64[M]``, screenings in each, share of each month observed), from
    the first screen's month to the as-of date's."""
    days = np.array(screen_dates, dtype="datetime64[D]")
    first, last = days.min(), np.datetime64(as_of, "D")
    months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    counts = np.bincount((days.astype("datetime64[M]") - months[0]).astype(np.int64),
                         minlength=months.size)
    starts = months.astype("datetime64[D]")
    ends = (months + 1).astype("datetime64[D]")  # exclusive
    lo = np.maximum(starts, first)
    hi = np.minimum(ends, last + np.timedelta64(1, "D"))
    exposure = (hi - lo).astype(float) / (ends - starts).astype(float)
    return months, counts, exposure


def fit_demand(screen_dates: list[dt.date], as_of: dt.date) -> DemandFit:
    """Fit the demand regression (see the module docstring) to the screen dates.

    Raises
    ------
    ValueError
        fewer than ``MIN_MONTHS`` months of history or ``MIN_SCREENINGS`` screenings.
    """
    import statsmodels.api as sm  # lazily: only fitting needs it

    months, counts, exposure = monthly_counts(screen_dates, as_of)
    keep = exposure > 0
    months, counts, exposure = months[keep], counts[keep], exposure[keep]
    if counts.sum() < MIN_SCREENINGS:
        raise ValueError(f"screen_date: {counts.sum()} screenings; at least {MIN_SCREENINGS} "
                         "are needed to fit demand")
    if months.size < MIN_MONTHS:
        raise ValueError(f"screen_date: {months.size} months of screenings; at least "
                         f"{MIN_MONTHS} are needed to fit demand")
    origin = months[0].astype("datetime64[D]").astype(dt.date)
    seasonal = months.size >= SEASONAL_MIN_MONTHS
    x = design(month_index(origin, months), origin, seasonal)
    result = sm.GLM(counts, x, family=sm.families.Poisson(),
                    offset=np.log(exposure)).fit(scale="X2")
    beta = np.asarray(result.params, dtype=float)
    covariance = np.asarray(result.cov_params(), dtype=float)
    demand = Demand(origin=origin, coefficients=tuple(beta.tolist()),
                    covariance=tuple(tuple(row) for row in covariance.tolist()))
    return DemandFit(demand, tuple(np.sqrt(np.diag(covariance)).tolist()), int(months.size),
                     int(counts.sum()), float(result.scale))
