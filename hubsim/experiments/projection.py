"""Project a Hub's lists month by month from its state (``hubsim project``).

Each replication starts from the scenario's ``[state]`` (the clients waiting and in courses on
the start date), draws its own demand path (``[demand]``) and runs ``months`` calendar months. At
every month end each list (triage, therapy, brief support) is counted as the NHS
referral-to-treatment statistics count a list (``hubsim.results.waitlist_snapshots.snapshot``):
clients waiting, the share waiting 18 weeks or less, the numbers over 18 and over 52 weeks. The
table gives, per list and month end, the mean over replications and the central 80% interval (10th
to 90th percentiles: where a month's value falls in 8 replications out of 10, demand uncertainty and
chance together). The percentiles are taken at ranks ``p (n + 1)`` of the ``n`` replications
(numpy's ``weibull`` method), so the interval covers a further replication with probability
80%: the default (``linear``) ranks would make it a 72% interval with 20 replications.

The 18-week standard (``waits.rtt_standard_pct`` of the list waiting 18 weeks or less; an empty
list meets it) is first met in each replication at some month end, or not within the horizon;
the table's answer is the median over replications, with its 80% interval, and "not within N
months" when fewer than half the replications meet it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubsim.experiments.simulate import simulate
from hubsim.model.records import WAIT_LISTS
from hubsim.results.waitlist_snapshots import waitlist_monthly
from hubsim.scenario import registry
from hubsim.scenario.schema import Scenario

STANDARD_PCT = float(registry.constant("waits.rtt_standard_pct").value)
BAND = (10.0, 90.0)  # percentiles of the central 80% interval
MEASURES: tuple[str, ...] = (
    "waiting_clients", "waiting_under_18w_pct", "waiting_over_18w_clients",
    "waiting_over_52w_clients",
)
MAX_MONTHS = 120  # ten years: far beyond what a fitted trend can be trusted for


def months_later(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months after ``start`` (the month's last day if short)."""
    year, month = divmod(start.month - 1 + months, 12)
    first = dt.date(start.year + year, month + 1, 1)
    following = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first.replace(day=min(start.day, (following - first).days))


def projection_scenario(scenario: Scenario, months: int) -> Scenario:
    """``scenario`` run for ``months`` calendar months from its start date."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months: must be 1 to {MAX_MONTHS}")
    days = (months_later(scenario.start_date, months) - scenario.start_date).days
    return scenario.model_copy(update={"horizon_days": float(days)})


@dataclass(frozen=True)
class Projection:
    """Per-replication month-end snapshots, their summary, and when the standard is met."""

    months: int
    monthly: pd.DataFrame  # one row per replication, list and month end (``waitlist_monthly``)
    table: pd.DataFrame  # one row per list and month end: mean and 80% interval per measure
    standard_met: pd.DataFrame  # one row per replication: month end first meeting the standard
    answer: str  # when the therapy list first meets the standard, in words


def summarise(monthly: pd.DataFrame) -> pd.DataFrame:
    """Mean and 80% interval of each measure per list and month end (``BAND`` percentiles)."""
    rows = []
    for (kind, date), group in monthly.groupby(["list", "date"], sort=False):
        row: dict[str, object] = {"list": kind, "month_end": date}
        for measure in MEASURES:
            values = group[measure].to_numpy(float)
            shown = values[~np.isnan(values)]
            row[f"{measure}_mean"] = float(shown.mean()) if shown.size else math.nan
            lo, hi = (np.percentile(shown, BAND, method="weibull") if shown.size
                      else (math.nan, math.nan))
            row[f"{measure}_p10"], row[f"{measure}_p90"] = float(lo), float(hi)
        rows.append(row)
    order = {k: i for i, k in enumerate(WAIT_LISTS)}
    table = pd.DataFrame(rows)
    return table.sort_values(["list", "month_end"], key=lambda s: s.map(order) if s.name ==
                             "list" else s, kind="stable").reset_index(drop=True)


def first_met(monthly: pd.DataFrame, kind: str = "therapy") -> pd.DataFrame:
    """Per replication, the first month end at which list ``kind`` meets the 18-week standard
    (an empty list meets it); blank if it never does."""
    rows = []
    mine = monthly[monthly["list"] == kind]
    for replication, group in mine.groupby("replication", sort=True):
        share = group["waiting_under_18w_pct"].to_numpy(float)
        met = np.isnan(share) | (share >= STANDARD_PCT)
        dates = group["date"].to_numpy()
        rows.append({"replication": replication,
                     "first_month_meeting_standard": dates[np.argmax(met)] if met.any() else ""})
    return pd.DataFrame(rows)


def answer(met: pd.DataFrame, months: int) -> str:
    """When the standard is first met, in words (median and 80% interval over replications)."""
    dates = sorted(d for d in met["first_month_meeting_standard"] if d)
    n = len(met)
    if len(dates) * 2 <= n:
        return (f"not within {months} months ({len(dates)} of {n} replications meet "
                f"{STANDARD_PCT:g}% within 18 weeks)")
    # the order statistics of all replications, those never meeting it counted as last
    ranked = dates + ["after the horizon"] * (n - len(dates))
    median = ranked[(n - 1) // 2]
    lo = ranked[int(np.floor(BAND[0] / 100 * (n - 1)))]
    hi = ranked[int(np.ceil(BAND[1] / 100 * (n - 1)))]
    return f"{median} (80% interval {lo} to {hi}; {len(dates)} of {n} replications)"


def project(scenario: Scenario, months: int, replications: int, seed: int = 0) -> Projection:
    """Run ``replications`` of ``scenario`` for ``months`` months and summarise its lists."""
    run_scenario = projection_scenario(scenario, months)
    frames = []
    for replication in range(replications):
        clients = simulate(run_scenario, seed, replication).clients
        monthly = waitlist_monthly(clients, run_scenario.hub, run_scenario.start_date,
                                   run_scenario.horizon_days)
        frames.append(monthly.assign(replication=replication))
    monthly = pd.concat(frames, ignore_index=True)
    met = first_met(monthly)
    return Projection(months, monthly, summarise(monthly), met, answer(met, months))
