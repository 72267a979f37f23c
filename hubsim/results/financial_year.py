"""NHS financial years (April to March) on a scenario's clock, and the names of the KPIs that
split costs by them.

A financial year is named by the calendar year it starts in: ``2020`` is 1 April 2020 to
31 March 2021, labelled "2020-21", and its cost KPI is ``cost_fy2020_21_gbp``.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from hubsim.scenario import registry

START_MONTH = int(registry.constant("costs.financial_year_start_month").value)
MONTHS_PER_YEAR = 12
_KPI = re.compile(r"cost_fy(?P<year>\d{4})_(?P<next>\d{2})_gbp")


def year_of(date: dt.date) -> int:
    """The financial year ``date`` falls in (the calendar year it starts in)."""
    return date.year if date.month >= START_MONTH else date.year - 1


def label(year: int) -> str:
    """``2020`` -> ``"2020-21"``."""
    return f"{year}-{(year + 1) % 100:02d}"


def cost_kpi(year: int) -> str:
    """The KPI name of the cost in financial year ``year``: ``cost_fy2020_21_gbp``."""
    return f"cost_fy{year}_{(year + 1) % 100:02d}_gbp"


def year_of_kpi(name: str) -> int | None:
    """The financial year of a cost KPI name (``HUB:`` prefix allowed), or None if it is not one."""
    match = _KPI.fullmatch(name.rpartition(":")[2])
    return int(match["year"]) if match else None


def _start_day(start_date: dt.date, year: int) -> float:
    """Days from ``start_date`` to 1 April (``START_MONTH``) of ``year``."""
    return float((dt.date(year, START_MONTH, 1) - start_date).days)


def spans(start_date: dt.date, lo_days: float, hi_days: float) -> list[tuple[int, float, float]]:
    """The financial years that ``[lo_days, hi_days)`` (days from ``start_date``) overlaps, each
    ``(year, from_day, to_day)`` clipped to that span, in order."""
    if hi_days <= lo_days:
        return []
    first = year_of(start_date + dt.timedelta(days=int(np.floor(lo_days))))
    last = year_of(start_date + dt.timedelta(days=int(np.ceil(hi_days)) - 1))
    out = []
    for year in range(first, last + 1):
        a = max(lo_days, _start_day(start_date, year))
        b = min(hi_days, _start_day(start_date, year + 1))
        if b > a:
            out.append((year, a, b))
    return out


def years_of_days(start_date: dt.date, days: np.ndarray) -> np.ndarray:
    """The financial year of each time in ``days`` (days from ``start_date``), as integers."""
    dates = (np.datetime64(start_date, "D")
             + np.floor(np.asarray(days, dtype=float)).astype("timedelta64[D]"))
    months = dates.astype("datetime64[M]").astype(np.int64)  # months since January 1970
    year, month = 1970 + months // MONTHS_PER_YEAR, months % MONTHS_PER_YEAR + 1
    return np.where(month >= START_MONTH, year, year - 1)


COST_TABLE_COLUMNS: tuple[str, ...] = ("financial_year", "kpi", "mean", "ci_low", "ci_high",
                                       "n")


def cost_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Costs by financial year from a KPI ``summary`` (rows ``cost_fy..._gbp`` of the whole
    scenario, not ``HUB:`` ones), in year order.

    Returns
    -------
    Columns ``COST_TABLE_COLUMNS``: ``financial_year`` ("2020-21"), ``kpi``, mean and 95%
    interval over replications (GBP at the scenario's price year), ``n``.
    """
    rows = []
    for row in summary.itertuples(index=False):
        year = year_of_kpi(str(row.kpi))
        if year is not None and ":" not in str(row.kpi):
            rows.append((year, label(year), row.kpi, row.mean, row.ci_low, row.ci_high, row.n))
    rows.sort()
    return pd.DataFrame([r[1:] for r in rows], columns=list(COST_TABLE_COLUMNS))
