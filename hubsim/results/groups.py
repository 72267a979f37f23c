"""KPIs by group of clients: by population (where they came from: the keyworker service, an
incident's surge or cohort, a new crisis) and by need tier, side by side.

Each group's KPIs have the definitions of the Hub's own (``hubsim.kpis.client_kpis``), computed
over the clients of the group who arrived in their Hub's KPI window, every Hub pooled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubsim.results.kpis import client_arrays, client_kpis
from hubsim.results.stats import t_interval
from hubsim.scenario.schema import NEED_TIERS, AnyScenario, Scenario

GROUPINGS: tuple[str, ...] = ("population", "need_tier")
"""Client columns that define groups."""
GROUP_KPIS: tuple[str, ...] = (
    "clients_arrived", "clients_triaged", "triage_wait_days_mean", "triage_wait_days_median",
    "triage_wait_days_p95", "therapy_started", "therapy_wait_days_mean",
    "therapy_wait_days_median", "therapy_wait_days_p95", "therapy_started_within_18w_pct",
    "therapy_waited_over_52w_pct", "therapy_waited_over_18w", "external_referrals",
)
"""The KPIs reported per group (a subset of the Hub's KPIs, same names and units)."""
OWN_POPULATION = "own"
"""The ``population`` of clients from the scenario's own arrivals (keyworkers)."""
GROUP_WORDS = {OWN_POPULATION: "keyworkers"}
"""How a group reads in tables (others: their own name)."""
TABLE_COLUMNS: tuple[str, ...] = ("replication", "group_by", "group", "kpi", "value")
SUMMARY_COLUMNS: tuple[str, ...] = ("group_by", "group", "kpi", "mean", "ci_low", "ci_high", "n")


def _hubs(scenario: AnyScenario) -> dict[str, Scenario]:
    return ({scenario.hub: scenario} if isinstance(scenario, Scenario)
            else {hub.hub: hub for hub in scenario.hubs})


def _groups(column: pd.Series) -> list[str]:
    """The groups of a column: its categories in order (a categorical), else (as read from a
    CSV file) its values in the same order: need tiers low to high, the own population first."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    values = {str(v) for v in column.dropna().unique()}
    if column.name == "need_tier":
        return [t for t in NEED_TIERS if t in values]
    return sorted(values, key=lambda v: (v != OWN_POPULATION, v))


def group_kpis(scenario: AnyScenario, clients: pd.DataFrame) -> pd.DataFrame:
    """One replication's KPIs per group.

    Parameters
    ----------
    scenario : the experiment's scenario (one Hub or several)
    clients : that replication's per-client records (every Hub)

    Returns
    -------
    Columns ``group_by, group, kpi, value`` (``GROUP_KPIS`` for each group of each of
    ``GROUPINGS``; groups with no client in the KPI window are left out).
    """
    hubs = _hubs(scenario)
    hub = clients["hub"].astype(str).to_numpy()
    warmup = np.array([hubs[h].warmup_days for h in hub], dtype=float)
    horizon = np.array([hubs[h].horizon_days for h in hub], dtype=float)
    counted = clients["arrival_day"].to_numpy(float) >= warmup
    window = clients[counted]
    arrays = client_arrays(window)
    horizon = horizon[counted]
    rows = []
    for grouping in GROUPINGS:
        values = window[grouping].astype(str).to_numpy()
        for group in _groups(clients[grouping]):
            mask = values == group
            if not mask.any():
                continue
            kpis = client_kpis({k: v[mask] for k, v in arrays.items()}, horizon[mask])
            rows += [(grouping, group, name, kpis[name]) for name in GROUP_KPIS]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS[1:]))


def group_kpis_table(scenario: AnyScenario, clients: pd.DataFrame) -> pd.DataFrame:
    """``group_kpis`` of every replication in ``clients`` (with a ``replication`` column).

    Returns
    -------
    Columns ``TABLE_COLUMNS``: ``replication, group_by, group, kpi, value``.
    """
    parts = []
    for replication, frame in clients.groupby("replication", sort=True):
        table = group_kpis(scenario, frame)
        table.insert(0, "replication", replication)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def summarise_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval over replications of each group's KPIs (``group_kpis_table``).

    Returns
    -------
    Columns ``SUMMARY_COLUMNS``, in the order the groups and KPIs first appear.
    """
    rows = []
    for (grouping, group, kpi), frame in table.groupby(["group_by", "group", "kpi"], sort=False):
        mean, _, low, high, n = t_interval(frame["value"])
        rows.append((grouping, group, kpi, mean, low, high, n))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def populations(summary: pd.DataFrame) -> list[str]:
    """The populations in a ``summarise_groups`` table."""
    return list(dict.fromkeys(summary.loc[summary["group_by"] == "population", "group"]))


def group_word(group: str) -> str:
    """How ``group`` reads in a table: ``own`` -> ``keyworkers``."""
    return GROUP_WORDS.get(group, group)


def side_by_side(summary: pd.DataFrame, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """The summary as KPI rows and group columns of means (a view for tables)."""
    wide = summary.pivot_table(index="kpi", columns=["group_by", "group"], values="mean",
                               sort=False)
    order = [k for k in (kpis or GROUP_KPIS) if k in wide.index]
    return wide.loc[order]
