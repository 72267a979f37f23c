"""The report's "Validation against the evaluation" section.

A results folder's own ``validation.csv`` is shown as it is. Otherwise the comparison is made from
the stored per-client records with :mod:`hubsim.experiments.evidence_check` (the ``hubsim
check-evidence`` logic), when the folder has them and its scenario still validates.
"""

from __future__ import annotations

import math

import pandas as pd

from hubsim.experiments.evidence_check import (
    NOT_MATCHED,
    ROLES,
    check_table,
    figures_by_replication,
)
from hubsim.report.html import bullets, para, table
from hubsim.results.read import ResultsFolder
from hubsim.results.run_facts import scenario_object

POOLED_NOTE = ("The published figures describe the four evaluated Hubs together; a scenario of "
               "fewer Hubs is compared with them as `hubsim check-evidence` does.")

HEADER_WORDS = {"figure": "published figure", "simulated": "simulated mean",
                "ci_low": "95% CI low", "ci_high": "95% CI high", "passed": "result",
                "n": "replications", "published_n": "published n",
                "published_low": "published 95% low", "published_high": "published 95% high",
                "accept_low": "accepted from", "accept_high": "accepted to"}
SMALL_VALUE = 1.5
"""Values below this (an EQ-5D index) are shown to three decimals, shares and counts to one."""
ROLE_NOTE = ("Each figure's role: input (a parameter was set from it), "
             "calibrated (parameters were fitted or tuned to reproduce it) or "
             "out-of-sample (no parameter was set from it: only these are validation). "
             "Tolerance: the published figure's own 95% interval (Wilson at its n for a share, "
             "Poisson for a count, the published CI for EQ-5D) widened in quadrature by the "
             "half-width of the simulated mean's 95% interval. Input and calibrated figures must "
             "pass; out-of-sample figures are reported either way.")


def validation_table(results: ResultsFolder) -> tuple[pd.DataFrame | None, str]:
    """(table, where it came from) or (None, why there is none)."""
    if "validation" in results.extras:
        return results.extras["validation"], "Read from validation.csv in the results folder."
    if results.clients is None:
        return None, "the results folder has no per-client records (clients.csv)"
    scenario = scenario_object(results.metadata)
    if scenario is None:
        return None, "the stored scenario cannot be read by this version of hubsim"
    try:
        frame = check_table(figures_by_replication(results.clients, scenario), scenario)
    except (KeyError, ValueError) as exc:
        return None, f"the stored records lack what the comparison needs ({exc})"
    return frame, "Computed from the stored per-client records. " + POOLED_NOTE


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "pass" if value else "outside tolerance"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.3f}" if abs(value) < SMALL_VALUE else f"{value:,.1f}"
    return str(value)


def _summary(frame: pd.DataFrame) -> str:
    """'N of M published figures within tolerance', by role where the table has roles."""
    passed = frame["passed"].astype(bool)
    text = f"{int(passed.sum())} of {len(frame)} published figures within tolerance."
    if "role" not in frame:
        return text
    parts = []
    for role in ROLES:
        mine = frame["role"] == role
        if mine.any():
            parts.append(f"{role} {int(passed[mine].sum())} of {int(mine.sum())}")
    measured = frame["simulated"].notna() if "simulated" in frame else passed | ~passed
    failing = frame.loc[~passed & measured & (frame["role"] == "out-of-sample"), "figure"]
    tail = (f" Out-of-sample figures outside tolerance: {', '.join(failing)}."
            if len(failing) else "")
    if not measured.all():
        tail += (f" {int((~measured).sum())} not measured: the run has no clients screened in "
                 "the evaluation window or followed up within the horizon.")
    return f"{text} By role: {'; '.join(parts)}.{tail}"


COMPACT_COLUMNS = ("figure", "role", "published", "published_n", "unit", "simulated", "ci_low",
                   "ci_high", "accept_low", "accept_high", "passed", "source")
"""The columns of a validation table with roles, shown as seven columns that fit the page."""


def _pair(low: object, high: object) -> str:
    return "-" if _cell(low) == "-" else f"{_cell(low)} to {_cell(high)}"


def _compact(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a table with roles: the published value with its n, the simulated
    mean with its 95% interval and the accepted range each in one cell."""
    headers = ["published figure (unit)", "role", "published (n)", "simulated mean (95% CI)",
               "accepted", "result", "source"]
    rows = []
    for r in frame.to_dict("records"):
        n = _cell(r["published_n"])
        published = f"{r['published']} ({n})" if n not in ("-", "nan", "") else str(r["published"])
        simulated = (f"{_cell(r['simulated'])} ({_pair(r['ci_low'], r['ci_high'])})"
                     if _cell(r["ci_low"]) != "-" else _cell(r["simulated"]))
        rows.append([f"{r['figure']} ({r['unit']})", str(r["role"]), published, simulated,
                     _pair(r["accept_low"], r["accept_high"]), _cell(bool(r["passed"])),
                     str(r["source"])])
    return headers, rows


def validation_section(results: ResultsFolder) -> str:
    """HTML body of "Validation against the evaluation"."""
    frame, note = validation_table(results)
    if frame is None:
        return para(f"Not part of this run: {note}.")
    if set(COMPACT_COLUMNS) <= set(frame.columns):
        headers, rows = _compact(frame)
        numeric: list[int] = [2, 3, 4]  # numbers with their intervals: kept on one line
    else:  # an older results folder's table, as it was written
        numeric = [i for i, c in enumerate(frame.columns)
                   if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool]
        rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
        headers = [HEADER_WORDS.get(str(c), str(c)) for c in frame.columns]
    out = [para(note, "note"), table(headers, rows, numeric=numeric, cls="wide")]
    if "passed" in frame:
        out.insert(0, para(_summary(frame)))
    if "role" in frame:
        out.insert(1, para(ROLE_NOTE, "note"))
    out.append("<h3>Published figures not compared, and why</h3>")
    out.append(bullets(f"{figure}: {reason}" for figure, reason in NOT_MATCHED))
    return "".join(out)
