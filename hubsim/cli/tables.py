"""Plain-text tables for the terminal (no colours, readable in any log)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd



_BIG = 1000
WAIT_NOTE = ("Waits count everyone who joined a list: a client still waiting at the end is given a"
             " forecast start from their place in the queue and the list's recent throughput"
             " (Kaplan-Meier over all joiners); *_wait_days_mean is the restricted mean, capped"
             " at 364 days; *_started figures count only clients who started.")


def fmt(value: float) -> str:
    """A number as people read it: thousands separated, 2 decimals for small values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= _BIG:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def kpi_table(summary: pd.DataFrame, kpis: tuple[str, ...] | None = None) -> str:
    """Mean and 95% interval of each KPI, one line each (in the order of ``kpis`` when given),
    with a note on how waits are counted when a wait KPI is shown."""
    from hubsim.results.kpis import KPI_UNITS
    rows = summary
    if kpis is not None:
        present = set(summary["kpi"])
        rows = summary.set_index("kpi").loc[[k for k in kpis if k in present]].reset_index()
    lines = [("KPI", "unit", "mean", "95% interval")]
    for row in rows.itertuples(index=False):
        interval = "-" if math.isnan(row.ci_low) else f"{fmt(row.ci_low)} to {fmt(row.ci_high)}"
        lines.append((row.kpi, KPI_UNITS.get(row.kpi, ""), fmt(row.mean), interval))
    note = any("wait_days" in str(k) for k in rows["kpi"])
    return render(lines) + (f"\n{WAIT_NOTE}" if note else "")


def render(lines: list[tuple[str, ...]]) -> str:
    """Left-aligned text columns with a rule under the header."""
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]))]
    out = []
    for j, line in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
