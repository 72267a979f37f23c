"""Cost-consequence table: each cost beside each benefit, with 95% intervals across replications,
and, given a comparator, the paired difference (scenario - comparator) with its interval.

Money in GBP at the scenario's ``price_year``; benefits in their natural units (QALYs, clients,
working days, staff). Nothing is added up across rows: a cost-consequence table leaves the
weighing to the reader.
"""

from __future__ import annotations

import pandas as pd

from hubsim.results.economic_kpis import ECONOMIC_KPI_UNITS
from hubsim.results.stats import paired_difference, summarise

COST_ROWS: tuple[tuple[str, str], ...] = (
    ("cost_staff_gbp", "Hub staff (paid whether busy or idle)"),
    ("cost_setup_gbp", "Hub set-up (one-off)"),
    ("cost_non_staff_gbp", "Hub non-staff running costs"),
    ("downstream_mh_gbp", "Mental-health support outside the Hub"),
    ("downstream_wider_gbp", "Wider health and social care"),
    ("cost_total_gbp", "Total cost (NHS and social care)"),
    ("cost_per_keyworker_supported_gbp", "Hub cost per keyworker supported"),
    ("cost_per_therapy_completion_gbp", "Hub cost per therapy course completed"),
)
BENEFIT_ROWS: tuple[tuple[str, str], ...] = (
    ("clients_triaged", "Keyworkers supported (reached at triage)"),
    ("therapy_completed", "Hub therapy courses completed"),
    ("therapy_wait_days_mean", "Mean wait for Hub therapy (all who joined; restricted mean, "
                               "capped at 364 days)"),
    ("therapy_waited_over_52w_pct", "Share of Hub therapy joiners waiting over 52 weeks"),
    ("qalys", "QALYs over the outcome horizon (discounted)"),
    ("improved_clients", "Clients reliably improved at the horizon"),
    ("absence_days", "Sickness-absence days"),
    ("absence_cost_gbp", "Cost of sickness absence to employers"),
    ("leavers", "Staff expected to leave"),
    ("turnover_cost_gbp", "Cost of replacing leavers"),
)
OTHER_UNITS = {"clients_triaged": "clients", "therapy_completed": "courses",
               "therapy_wait_days_mean": "days", "therapy_waited_over_52w_pct": "%"}
COLUMNS = ["kind", "item", "kpi", "unit", "mean", "ci_low", "ci_high"]
DIFF_COLUMNS = ["comparator_mean", "difference", "diff_ci_low", "diff_ci_high"]


def _unit(kpi: str) -> str:
    return ECONOMIC_KPI_UNITS.get(kpi, OTHER_UNITS.get(kpi, ""))


def cost_consequence(
    kpis: pd.DataFrame, comparator_kpis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The cost-consequence table of one scenario's per-replication KPIs.

    Parameters
    ----------
    kpis : one row per replication (``Experiment.kpis``)
    comparator_kpis : the comparator's, with the same replication ids (common random numbers)

    Returns
    -------
    columns ``kind`` (cost | benefit), ``item``, ``kpi``, ``unit``, ``mean``, ``ci_low``,
    ``ci_high``; with a comparator also ``comparator_mean``, ``difference`` (scenario -
    comparator), ``diff_ci_low``, ``diff_ci_high`` (95% paired t-interval).
    """
    summary = summarise(kpis).set_index("kpi")
    diffs = None
    if comparator_kpis is not None:
        diffs = paired_difference(comparator_kpis, kpis).set_index("kpi")
    rows = []
    for kind, items in (("cost", COST_ROWS), ("benefit", BENEFIT_ROWS)):
        for kpi, item in items:
            if kpi not in summary.index:
                continue
            s = summary.loc[kpi]
            row = [kind, item, kpi, _unit(kpi), s["mean"], s["ci_low"], s["ci_high"]]
            if diffs is not None:
                d = diffs.loc[kpi]
                row += [d["mean_a"], d["diff_mean"], d["ci_low"], d["ci_high"]]
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS + (DIFF_COLUMNS if diffs is not None else []))
