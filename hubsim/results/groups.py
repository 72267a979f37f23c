"""KPIs by group of clients: by population (where they came from: the keyworker service, an
incident's surge or cohort, a new crisis) and by need tier, side by side.

Each group's KPIs have the definitions of the Hub's own (``hubsim.kpis.client_kpis``), computed
over the clients of the group who arrived in their Hub's KPI window, every Hub pooled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubsim.results.client_columns import ClientColumns
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
GROUP_LISTS: tuple[str, ...] = ("triage", "therapy")
"""The waiting lists whose wait KPIs are among ``GROUP_KPIS`` (the brief-support list's are not,
so ``group_kpis`` does not work them out)."""
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
    groups = {grouping: _groups(clients[grouping]) for grouping in GROUPINGS}
    rows = _group_rows(_hubs(scenario), ClientColumns(clients), groups)
    return _frame(rows)


def group_kpis_table(scenario: AnyScenario, clients: pd.DataFrame) -> pd.DataFrame:
    """``group_kpis`` of every replication in ``clients`` (with a ``replication`` column).

    Returns
    -------
    Columns ``TABLE_COLUMNS``: ``replication, group_by, group, kpi, value``, replications in
    ascending order.

    Notes
    -----
    Each column is read once for all the replications (``ClientColumns``), and each
    replication's rows are a subset of it: no frame is split or copied. The groups are those of
    the whole column, in ``_groups`` order; a replication's table leaves out those it has no
    client of in the KPI window, as ``group_kpis`` of its own rows does.
    """
    hubs = _hubs(scenario)
    groups = {grouping: _groups(clients[grouping]) for grouping in GROUPINGS}
    columns = ClientColumns(clients)
    replications, replication = np.unique(columns.values("replication"), return_inverse=True)
    parts = []
    for index, replication_id in enumerate(replications):
        rows = columns if replications.size == 1 else columns.subset(replication == index)
        parts.append(_frame(_group_rows(hubs, rows, groups), replication_id))
    if not parts:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _group_rows(
    hubs: Mapping[str, Scenario], clients: ClientColumns, groups: Mapping[str, Sequence[str]]
) -> dict[str, list[Any]]:
    """One replication's KPIs per group, as the columns ``group_by, group, kpi, value``.

    Parameters
    ----------
    hubs : Hub id -> its scenario (warm-up and horizon)
    clients : the replication's clients (every Hub)
    groups : per grouping of ``GROUPINGS``, its groups in order (``_groups``)
    """
    warmup, horizon = _hub_days(hubs, *clients.labels("hub"))
    counted = clients.floats("arrival_day") >= warmup
    every = bool(counted.all())
    window = clients if every else clients.subset(counted)
    horizon = horizon if every else horizon[counted]
    arrays = client_arrays(window)
    table: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS[1:]}
    for grouping in GROUPINGS:
        codes, labels = window.labels(grouping)
        code_of = {str(label): code for code, label in enumerate(labels[:-1])}  # None: missing
        for group in groups[grouping]:
            mask = codes == code_of.get(group, len(labels))  # a code no row has: no client
            members = np.count_nonzero(mask)
            if not members:
                continue
            kpis = (client_kpis(arrays, horizon, GROUP_LISTS) if members == mask.size  # no copy
                    else client_kpis({k: v[mask] for k, v in arrays.items()}, horizon[mask],
                                GROUP_LISTS))
            table["group_by"] += [grouping] * len(GROUP_KPIS)
            table["group"] += [group] * len(GROUP_KPIS)
            table["kpi"] += GROUP_KPIS
            table["value"] += [kpis[name] for name in GROUP_KPIS]
    return table


def _hub_days(
    hubs: Mapping[str, Scenario], codes: np.ndarray, hub_ids: Sequence[str | None]
) -> tuple[np.ndarray, np.ndarray]:
    """(warm-up days, horizon days) of each client's Hub, as floats, from the Hub column's codes
    and labels (``ClientColumns.labels``): one look-up per Hub present."""
    warmup, horizon = np.zeros(len(hub_ids), dtype=float), np.zeros(len(hub_ids), dtype=float)
    for code in np.unique(codes).tolist():
        hub = hubs[str(hub_ids[code])]
        warmup[code], horizon[code] = hub.warmup_days, hub.horizon_days
    return warmup[codes], horizon[codes]


def _frame(table: dict[str, list[Any]], replication: Any = None) -> pd.DataFrame:
    """The frame of ``_group_rows`` columns, with a first ``replication`` column if given. With
    no rows, the frame (object columns) a frame of no row tuples has, so a table with an empty
    replication keeps the column types it always had. The columns are new lists and arrays:
    the frame takes them without a copy."""
    if not table["kpi"]:
        frame = pd.DataFrame([], columns=list(TABLE_COLUMNS[1:]))
        if replication is not None:
            frame.insert(0, "replication", replication)
        return frame
    data: dict[str, Any] = ({"replication": np.full(len(table["kpi"]), replication), **table}
                            if replication is not None else dict(table))
    return pd.DataFrame(data, copy=False)


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
