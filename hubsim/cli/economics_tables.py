"""The economic analyses as terminal text: the cost-consequence table, the incremental
cost-effectiveness table and the PSA's cost per QALY, each cost per QALY with its "exploratory"
line.

The analyses (:mod:`hubsim.experiments.cost_consequence`, :mod:`hubsim.experiments.incremental`,
:mod:`hubsim.experiments.cost_effectiveness`) return data; this module only lays it out for the
terminal. Imports are made where used, to keep start-up light.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd

    from hubsim.experiments.cost_effectiveness import PsaIcer
    from hubsim.scenario.schema import AnyScenario

QUADRANT_WORDS = {"NE": "more QALYs at more cost", "SE": "more QALYs at less cost",
                  "NW": "fewer QALYs at more cost", "SW": "fewer QALYs at less cost"}


def _interval(low: float, high: float) -> str:
    from hubsim.cli.tables import fmt
    return "-" if math.isnan(low) else f"{fmt(low)} to {fmt(high)}"


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
                f"{fmt_value(icer.ci_high, 'GBP')} from simulation noise alone; for the interval "
                "from uncertain inputs, run hubsim psa)")
    return f"{text}: {fmt_value(icer.mean, 'GBP')} per QALY gained{interval}."


def exploratory(*scenarios: AnyScenario) -> str:
    """The exploratory line for an ICER of ``scenarios`` (their assumed inputs together)."""
    from hubsim.experiments.cost_effectiveness import assumed_inputs, exploratory_line
    return exploratory_line(len(assumed_inputs(*scenarios)))


def incremental_report(
    a_kpis: pd.DataFrame, b_kpis: pd.DataFrame, a: AnyScenario, b: AnyScenario
) -> str:
    """Text for ``hubsim compare`` and ``cost-consequence``: the cost-effectiveness of B against
    A with the exploratory line, or an empty string when the KPI frames carry no costs and
    QALYs."""
    from hubsim.experiments.incremental import has_economics, incremental
    if not has_economics(a_kpis, b_kpis):
        return ""
    return ("Cost-effectiveness of B against comparator A (NHS costs at full economic cost; "
            "costs and QALYs discounted at 3.5% a year; employer savings separately):\n"
            + incremental_text(incremental(a_kpis, b_kpis)) + "\n"
            + "Intervals: simulation noise across replications only; `hubsim psa` gives the "
              "interval from parameter uncertainty.\n" + exploratory(a, b))


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


def psa_icer_lines(result: PsaIcer) -> list[str]:
    """The ICER over PSA draws with its parameter-uncertainty interval, where the draws fall,
    and P(cost-effective) at each threshold."""
    from hubsim.cli.tables import fmt
    low = "-" if math.isnan(result.low) else fmt(result.low)
    high = "unbounded" if math.isnan(result.high) else fmt(result.high)
    shares = ", ".join(f"{share:.0%} {QUADRANT_WORDS[q]}"
                       for q, share in result.quadrants.items() if share > 0)
    lines = [f"cost per QALY over {result.draws} draws: GBP {fmt(result.icer)} (95% interval "
             f"from parameter uncertainty, read off the acceptability curve: {low} to {high}); "
             f"draws: {shares}"]
    lines += [f"P(cost-effective at GBP {w:,.0f} per QALY) = {p:.2f}"
              for w, p in result.probability_cost_effective.items()]
    return lines


def team_cost_text(scenario: AnyScenario) -> str:
    """Each Hub's staff a year at the WTE the scenario funds at the start: per role and in
    total, at payroll cost and at full economic cost (GBP at the scenario's prices)."""
    from hubsim.cli.tables import render
    from hubsim.results.role_cost import VIEWS, team_cost
    from hubsim.scenario.schema import MultiHubScenario
    hubs = scenario.hubs if isinstance(scenario, MultiHubScenario) else (scenario,)
    blocks = []
    for hub in hubs:
        lines: list[tuple[str, ...]] = [("role", "band", "WTE", "payroll GBP/year",
                                         "full economic cost GBP/year")]
        roles = team_cost(hub)
        for cost in roles:
            lines.append((cost.role, cost.band, f"{cost.wte:g}",
                          *(f"{cost.annual[v]:,.0f}" for v in VIEWS)))
        lines.append(("team", "", f"{sum(c.wte for c in roles):g}",
                      *(f"{sum(c.annual[v] for c in roles):,.0f}" for v in VIEWS)))
        blocks.append(f"{hub.name}: staff a year at the funded WTE, GBP at {hub.price_year} "
                      f"prices (payroll: salary mid-point and employer's on-costs; full: "
                      f"PSSRU, overheads and capital included)\n" + render(lines))
    return "\n\n".join(blocks)
