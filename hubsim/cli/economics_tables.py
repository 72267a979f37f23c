"""The economic analyses as terminal tables: cost-consequence and incremental cost-effectiveness.

The analyses (:mod:`hubsim.experiments.cost_consequence`, :mod:`hubsim.experiments.incremental`)
return DataFrames; this module only lays them out for the terminal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd




def incremental_text(table: pd.DataFrame) -> str:
    """``incremental`` as a terminal table: measure, WTP, mean (95% CI), note."""
    from hubsim.cli.tables import fmt, render
    from hubsim.experiments.incremental import UNITS
    lines = [("B vs A", "unit", "at WTP (GBP/QALY)", "mean (95% CI)", "note")]
    for row in table.itertuples(index=False):
        interval = "-" if math.isnan(row.ci_low) else f"{fmt(row.ci_low)} to {fmt(row.ci_high)}"
        at = "" if math.isnan(row.wtp_gbp_per_qaly) else f"{row.wtp_gbp_per_qaly:,.0f}"
        lines.append((row.measure, UNITS.get(row.measure, ""), at,
                      f"{fmt(row.mean)} ({interval})", row.note))
    return render(lines)


def incremental_report(a_kpis: pd.DataFrame, b_kpis: pd.DataFrame) -> str:
    """Text for ``hubsim compare``: the cost-effectiveness of B against A, or an empty string
    when the KPI frames carry no costs and QALYs."""
    from hubsim.experiments.incremental import COST, EFFECT, EMPLOYER, incremental
    needed = {COST, EFFECT, EMPLOYER}
    if not needed <= set(a_kpis.columns) or not needed <= set(b_kpis.columns):
        return ""
    return ("Cost-effectiveness of B against comparator A (NHS costs; employer savings "
            "separately):\n" + incremental_text(incremental(a_kpis, b_kpis)))


def _interval(low: float, high: float) -> str:
    from hubsim.cli.tables import fmt
    return "-" if math.isnan(low) else f"{fmt(low)} to {fmt(high)}"


def cost_consequence_text(table: pd.DataFrame) -> str:
    """The table for a terminal."""
    from hubsim.cli.tables import fmt, render
    paired = "difference" in table.columns
    header = ("", "item", "unit", "mean (95% CI)")
    if paired:
        header += ("comparator", "difference (95% CI)")
    lines = [header]
    for row in table.itertuples(index=False):
        interval = _interval(row.ci_low, row.ci_high)
        line = (row.kind, row.item, row.unit, f"{fmt(row.mean)} ({interval})")
        if paired:
            line += (fmt(row.comparator_mean),
                     f"{fmt(row.difference)} ({_interval(row.diff_ci_low, row.diff_ci_high)})")
        lines.append(line)
    return render(lines)
