"""Plain-text tables for the terminal (no colours, readable in any log).

Numbers follow one format per unit (``hubsim.results.number_format``, re-exported here). Rows
carry the KPI's short title (``hubsim.results.columns.kpi_title``) and its name, the name used in
the CSV files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hubsim.results.number_format import (  # noqa: F401  (the formats, for the faces)
    PERCENT,
    clip_to_range,
    fmt,
    fmt_difference,
    fmt_estimate,
    fmt_number,
    fmt_value,
    unit_suffix,
)

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    import pandas as pd

WAIT_NOTE = ("Waits count everyone who joined a list: a client still waiting at the end is given a"
             " forecast start from their place in the queue and the list's recent throughput"
             " (Kaplan-Meier over all joiners); the mean wait is the restricted mean, capped"
             " at 364 days; *_started figures count only clients who started.")


def kpi_table(summary: pd.DataFrame, kpis: tuple[str, ...] | None = None) -> str:
    """Mean and 95% interval of each KPI, one line each (in the order of ``kpis`` when given),
    with a note on how waits are counted when a wait KPI is shown."""
    from hubsim.results.columns import kpi_title, kpi_unit

    rows = summary
    if kpis is not None:
        present = set(summary["kpi"])
        rows = summary.set_index("kpi").loc[[k for k in kpis if k in present]].reset_index()
    lines = [("KPI", "mean (95% interval)", "name in the CSV files")]
    row: Any  # a row of itertuples: its fields are typed at run time
    for row in rows.itertuples(index=False):
        unit = kpi_unit(row.kpi)
        lines.append((kpi_title(row.kpi), fmt_estimate(row.mean, row.ci_low, row.ci_high, unit),
                      row.kpi))
    note = any("wait_days" in str(k) for k in rows["kpi"])
    return render(lines) + (f"\n{WAIT_NOTE}" if note else "")


def rows_of(frame: pd.DataFrame) -> Iterable[Any]:
    """The rows of ``frame`` as named tuples (index left out): fields typed at run time."""
    return frame.itertuples(index=False)


def render(lines: Sequence[tuple[str, ...]]) -> str:
    """Left-aligned text columns with a rule under the header."""
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]))]
    out = []
    for j, line in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
