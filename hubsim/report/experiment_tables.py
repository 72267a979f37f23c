"""Key results of sweep and staffing-search folders (no summary table of their own): the sweep's
KPIs at each point, and the search's answer with the staffing levels it tried."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from hubsim.figures.curves import DEFAULT_KPIS, varied_keys
from hubsim.report.html import para, table
from hubsim.report.results_text import fmt_value, formatted, interval_words
from hubsim.results.columns import kpi_label, kpi_unit

PERCENT = 100.0


def sweep_table(sweep: pd.DataFrame) -> str:
    """One row per point, one column per headline KPI: mean (95% CI)."""
    keys = varied_keys(sweep)
    present = list(dict.fromkeys(sweep["kpi"]))
    kpis = [k for k in DEFAULT_KPIS if k in present] or present
    rows = []
    for point, group in sweep.groupby(keys, sort=True):
        values = point if isinstance(point, tuple) else (point,)
        by_kpi = {r["kpi"]: r for r in group.to_dict("records")}
        cells = []
        for kpi in kpis:
            row = by_kpi.get(kpi)
            if row is None:
                cells.append("-")
                continue
            text = formatted({"ci_low": math.nan, "ci_high": math.nan} | row, kpi_unit(kpi))
            cells.append(f"{text['mean']} ({interval_words(text)})")
        rows.append([*map(str, values), *cells])
    headers = [*keys, *(kpi_label(k) for k in kpis)]
    return table(headers, rows, numeric=range(len(keys), len(headers)))


def search_text(search: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    """The search's answer in a sentence, then the staffing levels it tried."""
    role, target = meta.get("role", "staff"), meta.get("target", "the target")
    confidence = meta.get("confidence")
    required = "" if confidence is None else f" in at least {PERCENT * float(confidence):.0f}% " \
        "of replications"
    answer = meta.get("answer_wte")
    sentence = (f"The smallest {role} WTE at which {target} holds{required}: {answer:g} WTE."
                if answer is not None else
                f"No {role} WTE searched met {target}{required}.")
    share = next((c for c in ("share_of_replications_meeting", "share_meeting_target")
                  if c in search), None)
    rows = [[f"{r['wte']:g}",
             "-" if share is None else f"{PERCENT * float(r[share]):.0f}%",
             "yes" if r.get("meets_target") else "no",
             fmt_value(r.get("kpi_mean", math.nan), "")]
            for r in search.sort_values("wte").to_dict("records")]
    headers = ["WTE", "replications meeting the target", "target met often enough",
               "mean of the target KPI"]
    return para(sentence) + table(headers, rows, numeric=(0, 1, 3))


def experiment_results(extras: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]) -> str:
    """HTML for the experiment tables present ('' when there are none)."""
    out = []
    if "sweep" in extras and {"kpi", "mean"} <= set(extras["sweep"].columns):
        out.append("<h3>Sweep</h3>" + sweep_table(extras["sweep"]))
    search = extras.get("search", extras.get("staffing_search"))
    if search is not None and "wte" in search:
        out.append("<h3>Staffing search</h3>" + search_text(search, meta))
    return "".join(out)
