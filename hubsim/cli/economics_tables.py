"""The economic analyses as terminal tables: cost-consequence and incremental cost-effectiveness.

The analyses (:mod:`hubsim.experiments.cost_consequence`, :mod:`hubsim.experiments.incremental`)
return DataFrames; this module only lays them out for the terminal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd




def incremental_text(table: pd.DataFrame) -> str:
    """``incremental`` as a terminal table: measure, WTP, mean (95% CI), note."""
    from hubsim.cli.tables import fmt, render
    from hubsim.experiments.incremental import UNITS
    lines = [("B vs A", "unit", "at WTP (GBP/QALY)", "mean (95% CI)", "note")]
    row: Any  # a row of itertuples: its fields are typed at run time
    for row in table.itertuples(index=False):
        interval = "-" if math.isnan(row.ci_low) else f"{fmt(row.ci_low)} to {fmt(row.ci_high)}"
        at = "" if math.isnan(row.wtp_gbp_per_qaly) else f"{row.wtp_gbp_per_qaly:,.0f}"
        lines.append((row.measure, UNITS.get(row.measure, ""), at,
                      f"{fmt(row.mean)} ({interval})", row.note))
    return render(lines) + "\n" + incremental_sentence(table)


def incremental_sentence(table: pd.DataFrame) -> str:
    """The cost per QALY of B against A in plain words (from an ``incremental`` table)."""
    from hubsim.cli.tables import fmt_value, rows_of

    rows = {r.measure: r for r in rows_of(table) if math.isnan(r.wtp_gbp_per_qaly)}
    cost, qalys, icer = (rows.get(k) for k in ("incremental_cost_gbp", "incremental_qalys",
                                               "icer_gbp_per_qaly"))
    if cost is None or qalys is None or icer is None:
        return ""
    more = "more" if cost.mean >= 0 else "less"
    gains = "gains" if qalys.mean >= 0 else "loses"
    text = (f"In plain words: B costs {fmt_value(abs(cost.mean), 'GBP')} {more} than A and "
            f"{gains} {abs(qalys.mean):,.2f} QALYs")
    if cost.mean < 0 or qalys.mean <= 0 or math.isnan(icer.mean):
        return f"{text}: {icer.note}." if icer.note else f"{text}."
    interval = (f" ({icer.note})" if math.isnan(icer.ci_low) else
                f" (95% interval {fmt_value(icer.ci_low, 'GBP')} to "
                f"{fmt_value(icer.ci_high, 'GBP')})")
    return f"{text}: {fmt_value(icer.mean, 'GBP')} per QALY gained{interval}."


def incremental_report(a_kpis: pd.DataFrame, b_kpis: pd.DataFrame) -> str:
    """Text for ``hubsim compare``: the cost-effectiveness of B against A, or an empty string
    when the KPI frames carry no costs and QALYs."""
    from hubsim.experiments.incremental import COST, EFFECT, EMPLOYER, incremental
    needed = {COST, EFFECT, EMPLOYER}
    if not needed <= set(a_kpis.columns) or not needed <= set(b_kpis.columns):
        return ""
    return ("Cost-effectiveness of B against comparator A (NHS costs; employer savings "
            "separately):\n" + incremental_text(incremental(a_kpis, b_kpis)))


def cost_consequence_text(table: pd.DataFrame) -> str:
    """The table for a terminal: numbers in one format per unit (``fmt_estimate``)."""
    from hubsim.cli.tables import fmt_difference, fmt_estimate, fmt_value, render

    paired = "difference" in table.columns
    header: tuple[str, ...] = ("", "item", "mean (95% interval)")
    if paired:
        header += ("comparator", "difference (95% interval)")
    lines = [header]
    row: Any  # a row of itertuples: its fields are typed at run time
    for row in table.itertuples(index=False):
        unit = str(row.unit)
        line: tuple[str, ...] = (row.kind, row.item,
                                 fmt_estimate(row.mean, row.ci_low, row.ci_high, unit))
        if paired:
            line += (fmt_value(row.comparator_mean, unit),
                     fmt_difference(row.difference, row.diff_ci_low, row.diff_ci_high, unit))
        lines.append(line)
    return render(lines)
