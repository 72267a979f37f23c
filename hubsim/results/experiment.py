"""What an experiment produces: the ``Experiment`` record of its replications, and the
across-replication tables made from their records (fan-chart bands, month-end waiting lists).

Pure data and pure functions: running the replications is :mod:`hubsim.experiments.replications`'
job, writing and reading them that of :mod:`hubsim.results.write` and :mod:`hubsim.results.read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.results.client_columns import ClientColumns
from hubsim.results.stats import percentile_bands, t_interval
from hubsim.results.waitlist_snapshots import MONTHLY_COLUMNS, monthly_snapshots
from hubsim.scenario.schema import AnyScenario, Scenario

BAND_SERIES: tuple[str, ...] = ("therapy_waitlist", "triage_backlog", "therapy_caseload")
"""Daily series summarised across replications into percentile bands (fan charts), clients."""


@dataclass(frozen=True)
class Experiment:
    """Replications of one scenario.

    Attributes
    ----------
    kpis : one row per replication (``replication`` then the KPI columns)
    summary : one row per KPI: ``kpi, mean, sd, ci_low, ci_high, half_width, n`` (95% t-interval)
    clients, timeseries : per-client and per-day frames of every replication (with a
        ``replication`` column), or None when records were not kept
    bands : per Hub, day and series in ``BAND_SERIES``: across-replication mean and the 5, 25,
        50, 75 and 95th percentiles (clients), or None when records were not kept
    partial : True when the run was interrupted; ``kpis["replication"]`` lists those completed
    waitlist_monthly : the waiting lists at each calendar month end, one row per replication,
        Hub, list and month end (see ``waitlist_monthly_table``), or None when records were not
        kept
    """

    scenario: AnyScenario
    seed: int
    replications: int
    kpis: pd.DataFrame
    summary: pd.DataFrame
    clients: pd.DataFrame | None
    timeseries: pd.DataFrame | None
    bands: pd.DataFrame | None = None
    partial: bool = False
    waitlist_monthly: pd.DataFrame | None = None
    records: Path | None = None
    """Folder holding ``clients.csv`` and ``timeseries.csv`` streamed to disk (see
    ``RecordStream``), when the records were written there rather than kept in memory."""
    kpis_by_group: pd.DataFrame | None = None
    """KPIs by population and by need tier, one row per replication, grouping, group and KPI
    (``hubsim.results.groups.group_kpis_table``), or None when records were not kept."""


CLIENTS_FILE = "clients.csv"
TIMESERIES_FILE = "timeseries.csv"


def timeseries_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Percentile bands of ``BAND_SERIES`` across replications, per Hub and day (fan charts).

    Returns
    -------
    Columns ``hub, day, variable, mean, q05, q25, q50, q75, q95`` (clients).
    """
    parts = []
    for hub, frame in timeseries.groupby("hub", sort=False):
        bands = percentile_bands(frame, list(BAND_SERIES))
        bands.insert(0, "hub", hub)
        parts.append(bands)
    return pd.concat(parts, ignore_index=True)


def waitlist_monthly_table(scenario: AnyScenario, clients: pd.DataFrame) -> pd.DataFrame:
    """The triage, therapy and brief-support waiting lists at every calendar month end within
    each Hub's horizon, as the NHS referral-to-treatment statistics report them.

    Parameters
    ----------
    scenario : the experiment's scenario (one Hub or several)
    clients : per-client records of every replication (with ``hub`` and ``replication``)

    Returns
    -------
    Columns ``replication`` then ``hubsim.results.waitlist_snapshots.MONTHLY_COLUMNS``: ``hub,
    list, date, day, waiting_clients, waiting_under_18w_pct, waiting_over_18w_clients,
    waiting_over_52w_clients, longest_wait_days``; every client on a list counts (warm-up
    included), as in the daily series.
    """
    hubs = {scenario.hub: scenario} if isinstance(scenario, Scenario) else {
        hub.hub: hub for hub in scenario.hubs}
    # the (replication, Hub) groups in a sorted groupby's order (Hubs in category order, or
    # alphabetical; rows of no Hub left out), each a subset of the columns read once for all
    columns = ClientColumns(clients)
    replication_ids, replication = np.unique(columns.values("replication"), return_inverse=True)
    hub, hub_ids = pd.factorize(clients["hub"], sort=True)  # code -1: no Hub
    group = replication * len(hub_ids) + hub  # (replication, Hub) as one number, in that order
    parts = []
    for key in np.unique(group[hub >= 0]).tolist():
        in_group = group == key
        rows = columns if in_group.all() else columns.subset(in_group)
        which, hub_id = divmod(key, len(hub_ids))
        hub_scenario = hubs[str(hub_ids[hub_id])]
        parts.append(monthly_snapshots(rows, hub_scenario.hub, hub_scenario.start_date,
                                       hub_scenario.horizon_days, replication_ids[which]))
    if not parts:
        return pd.DataFrame(columns=["replication", *MONTHLY_COLUMNS])
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


MONTHLY_KEYS = ("hub", "list", "date", "day")


def summarise_waitlist_monthly(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval across replications of each month-end waiting-list measure.

    Returns
    -------
    Columns ``hub, list, date, day, measure, mean, ci_low, ci_high, n``, in the measure's unit
    (the unit is in the measure's name: clients, %, days).
    """
    measures = [c for c in MONTHLY_COLUMNS if c not in MONTHLY_KEYS]
    rows = []
    for keys, frame in table.groupby(list(MONTHLY_KEYS), sort=False):
        for measure in measures:
            mean, _, low, high, n = t_interval(frame[measure])
            rows.append([*keys, measure, mean, low, high, n])
    return pd.DataFrame(rows, columns=[*MONTHLY_KEYS, "measure", "mean", "ci_low", "ci_high", "n"])
