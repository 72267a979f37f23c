"""Page: the changed scenario against the unchanged one, paired replication by replication."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from hubsim.app import levers, state
from hubsim.app.common import require_built, sidebar, start_run
from hubsim.app.outputs import run_key
from hubsim.app.views import (
    fmt_change,
    fmt_interval,
    plain_text,
    sentence,
    summary_row,
)
from hubsim.experiments.compare import Comparison, compare_scenarios
from hubsim.results.columns import kpi_label
from hubsim.results.kpis import CORE_KPIS

RESULT = "result.compare"
SCENARIOS_COMPARED = 2


@dataclass(frozen=True)
class Compared:
    key: str
    comparison: Comparison


def _run(built: state.Built, replications: int, seed: int) -> None:
    executor, bar = start_run(built.changed, SCENARIOS_COMPARED * replications,
                         " (unchanged first, then changed)")
    if executor is None:
        return
    comparison = compare_scenarios(built.base, built.changed, replications, seed,
                                   executor=executor)
    bar.empty()
    st.session_state[RESULT] = Compared(_key(built, replications, seed), comparison)


def _key(built: state.Built, replications: int, seed: int) -> str:
    return f"{run_key(built.base, seed, replications)}|{run_key(built.changed, seed, replications)}"


def _cell(summary: pd.DataFrame, kpi: str) -> str:
    row = summary_row(summary, kpi)
    return "–" if row is None else fmt_interval(kpi, row["mean"], row["ci_low"], row["ci_high"])


def _difference(row: pd.Series) -> str:
    kpi = row["kpi"]
    return (f"{fmt_change(kpi, row['diff_mean'])} (95% CI {fmt_change(kpi, row['ci_low'])} "
            f"to {fmt_change(kpi, row['ci_high'])})")


def table(comparison: Comparison, kpis: tuple[str, ...] = CORE_KPIS) -> pd.DataFrame:
    """One row per KPI: unchanged, changed, their paired difference and whether it is clear."""
    diffs = comparison.differences[comparison.differences["kpi"].isin(kpis)]
    return pd.DataFrame({
        "Measure": [sentence(kpi_label(k)) for k in diffs["kpi"]],
        "Unchanged": [_cell(comparison.a.summary, k) for k in diffs["kpi"]],
        "Changed": [_cell(comparison.b.summary, k) for k in diffs["kpi"]],
        "Difference, changed − unchanged": [_difference(r) for _, r in diffs.iterrows()],
        "Clear difference?": ["yes" if s else "no" for s in diffs["significant"]],
    })


sidebar()
st.title("Compare with the unchanged scenario")
st.caption("Both scenarios run with the same seed, so replication by replication they see the "
           "same keyworkers (common random numbers): the difference is the effect of your "
           "changes, with a paired 95% confidence interval. 'Clear difference' means the "
           "interval excludes zero.")
built = require_built()
replications, seed, _ = state.settings()
if not built.overrides:
    st.info("No lever has changed yet, so both runs would be identical. Change a lever on the "
            "Scenario & levers page first.")
else:
    st.markdown("**Your changes:** " + "; ".join(
        f"`{levers.describe(k, v)}`" for k, v in built.overrides.items()))
if st.button("Compare", type="primary", icon=":material/compare_arrows:", key="compare",
             disabled=not built.overrides):
    _run(built, replications, seed)
compared = st.session_state.get(RESULT)
if compared is not None:
    if compared.key != _key(built, replications, seed):
        st.warning("The levers or run settings have changed since this comparison: press "
                   "**Compare** to update it.")
    st.subheader(f"{plain_text(built.changed.name)}: {compared.comparison.a.replications} "
                 "paired replications")
    st.table(table(compared.comparison), hide_index=True)
    st.download_button("Download the comparison (CSV)",
                       compared.comparison.differences.to_csv(index=False).encode("utf-8"),
                       file_name="comparison.csv", mime="text/csv", on_click="ignore",
                       icon=":material/download:")
