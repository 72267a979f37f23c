"""Demand fitted to a Hub's history (scenario ``[demand]``): monthly screening rates.

The regression (written by ``hubsim fit``, see ``hubsim.experiments.demand_fit``) is a Poisson
log-linear model of screenings per calendar month: ``log E[count] = b0 + b1 m + s(month of year)``,
``m`` the months since ``origin``. A replication draws its own coefficients from their sampling
distribution (normal, with the fitted covariance) on the stream ``demand``, so the spread of the
replications carries the uncertainty of the fit as well as Poisson noise. Only numpy here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from hubsim.model.rng import Streams
from hubsim.scenario.state import MAX_DEMAND_TERMS, Demand

MONTHS_PER_YEAR = 12


def month_index(origin: dt.date, month_start: np.ndarray) -> np.ndarray:
    """Months from ``origin``'s month to each ``datetime64[M]`` in ``month_start``."""
    return (month_start.astype("datetime64[M]")
            - np.datetime64(origin, "M")).astype(np.int64)


def design(months_from_origin: np.ndarray, origin: dt.date, seasonal: bool) -> np.ndarray:
    """Design matrix of the regression: intercept, trend (months) and, with ``seasonal``, an
    indicator per month of year from February (January is the reference)."""
    m = np.asarray(months_from_origin, dtype=np.int64)
    columns = [np.ones(m.size), m.astype(float)]
    if seasonal:
        calendar_month = (origin.month - 1 + m) % MONTHS_PER_YEAR  # 0 = January
        columns += [(calendar_month == k).astype(float) for k in range(1, MONTHS_PER_YEAR)]
    return np.column_stack(columns)


def coefficients_for(demand: Demand, streams: Streams | None) -> np.ndarray:
    """The coefficients of one replication: a draw from their sampling distribution on stream
    ``demand`` (or the estimates, without uncertainty or streams)."""
    beta = np.asarray(demand.coefficients, dtype=float)
    if not demand.uncertainty or streams is None:
        return beta
    covariance = np.asarray(demand.covariance, dtype=float)
    return streams["demand"].multivariate_normal(beta, covariance, method="eigh")


def monthly_segments(
    demand: Demand, start_date: dt.date, horizon_days: float, coefficients: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant arrival rate by calendar month over the horizon.

    Returns
    -------
    (starts_days, rates_per_day): each month's first day (days from ``start_date``, the first 0)
    and the expected screenings per day in it (the month's expected count over its days).
    """
    start = np.datetime64(start_date, "D")
    end = start + np.timedelta64(int(np.ceil(horizon_days)), "D")
    months = np.arange(start.astype("datetime64[M]"), end.astype("datetime64[M]") + 1)
    first_day = months.astype("datetime64[D]")
    days_in_month = ((months + 1).astype("datetime64[D]") - first_day).astype(float)
    x = design(month_index(demand.origin, months), demand.origin,
               len(demand.coefficients) == MAX_DEMAND_TERMS)
    per_month = np.exp(x @ coefficients)
    starts = np.maximum((first_day - start).astype(float), 0.0)
    keep = starts < horizon_days
    return starts[keep], (per_month / days_in_month)[keep]


def expected_per_month(demand: Demand, month_start: np.ndarray) -> np.ndarray:
    """Expected screenings in each month of ``month_start`` (``datetime64[M]``), at the
    estimates."""
    x = design(month_index(demand.origin, month_start), demand.origin,
               len(demand.coefficients) == MAX_DEMAND_TERMS)
    return np.exp(x @ np.asarray(demand.coefficients))
