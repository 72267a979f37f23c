"""A synthetic Hub extract (``hubsim.scenario.extract`` format) from a run's per-client records.

The rows are what a Hub's case-management system would hold on the as-of date for the clients
who had screened by then: dates are the calendar days of the simulated events (days from the
start date, rounded down), later dates blank while not yet reached. References are made up here
(``SYN000001``, ...) in screening order: they never appear in any result.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hubsim.scenario.extract import DOMAINS, EXTRACT_COLUMNS

REFERENCE_PREFIX = "SYN"
_DATE_OF = {
    "screen_date": "arrival_day", "triage_date": "triage_day",
    "list_join_date": "waitlist_join_day", "first_session_date": "course_start_day",
    "discharge_date": "exit_day",
}


def _dates(start_date: dt.date, days: np.ndarray) -> list[str]:
    start = np.datetime64(start_date, "D")
    out = []
    for day in days:
        out.append("" if np.isnan(day) else str(start + np.timedelta64(int(np.floor(day)), "D")))
    return out


def extract_rows(
    clients: pd.DataFrame, start_date: dt.date, as_of_day: float, domains: bool = True
) -> pd.DataFrame:
    """The extract of one Hub's clients (one replication) as at ``as_of_day``.

    Parameters
    ----------
    clients : per-client records of one replication of one Hub (``Run.clients``), taken at
        ``as_of_day`` (at the horizon, or mid-run:
        ``hubsim.experiments.simulate.simulate_to_extract``)
    start_date : the run's start date (day 0)
    as_of_day : the as-of instant in days from ``start_date``: clients who screened before it
    domains : include the five domain results

    Returns
    -------
    One row per referral, columns ``EXTRACT_COLUMNS`` (then the domains), as strings.
    """
    seen = clients[clients["arrival_day"].to_numpy(float) < as_of_day]
    seen = seen.sort_values("arrival_day", kind="stable")
    exit_reason = seen["exit_reason"].astype(str).to_numpy()
    discharged = exit_reason != "open"
    pathway = seen["pathway"].astype(str).to_numpy()
    rows: dict[str, object] = {
        "reference": [f"{REFERENCE_PREFIX}{i + 1:06d}" for i in range(len(seen))],
    }
    for column, day in _DATE_OF.items():
        days = seen[day].to_numpy(float)
        if column == "discharge_date":
            days = np.where(discharged, days, np.nan)
        rows[column] = _dates(start_date, days)
    rows["need_tier"] = seen["need_tier"].astype(str).to_numpy()
    rows["pathway"] = np.where(np.isin(pathway, ("none", "nan")), "", pathway)
    rows["sessions_attended"] = seen["sessions_attended"].to_numpy(int).astype(str)
    rows["sessions_missed"] = seen["sessions_missed"].to_numpy(int).astype(str)
    rows["discharge_reason"] = np.where(discharged, exit_reason, "")
    columns = list(EXTRACT_COLUMNS)
    if domains:
        for domain in DOMAINS:
            rows[domain] = seen[domain].to_numpy(bool).astype(int).astype(str)
        columns += list(DOMAINS)
    return pd.DataFrame(rows)[columns]


def extract_csv(rows: pd.DataFrame) -> str:
    """The extract as CSV text (header first, no index)."""
    return rows.to_csv(index=False, lineterminator="\n")
