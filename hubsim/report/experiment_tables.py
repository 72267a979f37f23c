"""Key results of sweep and staffing-search folders (no summary table of their own): the sweep's
KPIs at each point, and the search's answer with the staffing levels it tried."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

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
        records = cast("list[dict[str, Any]]", group.to_dict("records"))  # columns are names
        by_kpi = {r["kpi"]: r for r in records}
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


PSA_ROWS: dict[str, str] = {
    "incremental_cost_gbp": "incremental cost (GBP)",
    "incremental_qalys": "incremental QALYs",
    "employer_savings_gbp": "employer savings: sickness absence and turnover (GBP)",
}
"""PSA draw columns shown, in words with their unit (net monetary benefit rows follow)."""
PSA_PERCENTILES = (0.025, 0.975)  # the central 95% of draws
TOP_INPUTS = 5


def _money_or_qalys(value: float, column: str) -> str:
    if "qalys" in column:
        return f"{value:,.3f}"
    return f"−£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def psa_text(draws: pd.DataFrame, ranking: pd.DataFrame | None, meta: Mapping[str, Any]) -> str:
    """A PSA's answer: mean and central 95% of the draws for cost, QALYs and net monetary
    benefit, the chance of being cost-effective at each threshold, and the inputs that matter."""
    wtp = [float(w) for w in meta.get("wtp_gbp_per_qaly") or ()]
    columns = {c: w for c, w in PSA_ROWS.items() if c in draws}
    columns |= {f"nmb_{w:.0f}_gbp": f"net monetary benefit at £{w:,.0f} per QALY (GBP)"
                for w in wtp if f"nmb_{w:.0f}_gbp" in draws}
    rows = []
    for column, words in columns.items():
        low, high = draws[column].quantile(list(PSA_PERCENTILES))
        rows.append([words, _money_or_qalys(draws[column].mean(), column),
                     f"{_money_or_qalys(low, column)} to {_money_or_qalys(high, column)}"])
    out = [para(f"{len(draws):,} draws of the uncertain inputs, each run for the scenario and "
                f"its comparator ({meta.get('comparator', 'comparator')}) with the same random "
                "numbers."),
           table(["", "mean", "central 95% of draws"], rows, numeric=(1, 2))]
    chances = []
    for w in wtp:
        column = f"nmb_{w:.0f}_gbp"
        if column in draws:
            share = float((draws[column] > 0).mean())
            chances.append(f"cost-effective at £{w:,.0f} per QALY in {PERCENT * share:.0f}% "
                           "of draws")
    if chances:
        out.append(para("The Hub is " + "; ".join(chances) + "."))
    if ranking is not None and "parameter" in ranking:
        top = ", ".join(map(str, ranking["parameter"].head(TOP_INPUTS)))
        out.append(para(f"Inputs that move the net monetary benefit most: {top}."))
    return "".join(out)


def experiment_results(extras: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]) -> str:
    """HTML for the experiment tables present ('' when there are none)."""
    out = []
    if "sweep" in extras and {"kpi", "mean"} <= set(extras["sweep"].columns):
        out.append("<h3>Sweep</h3>" + sweep_table(extras["sweep"]))
    search = extras.get("search", extras.get("staffing_search"))
    if search is not None and "wte" in search:
        out.append("<h3>Staffing search</h3>" + search_text(search, meta))
    draws = extras.get("psa_draws", extras.get("psa"))
    if draws is not None and {"incremental_cost_gbp", "incremental_qalys"} <= set(draws.columns):
        out.append("<h3>Probabilistic sensitivity analysis</h3>"
                   + psa_text(draws, extras.get("ranking"), meta))
    return "".join(out)
