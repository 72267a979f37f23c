"""Page: the changed scenario against the unchanged one, paired replication by replication; and
up to four scenarios side by side (yours, changed or not, and shipped ones), their waiting lists
overlaid."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from hubsim.app import levers, state
from hubsim.app.common import require_built, sidebar, start_run
from hubsim.app.outputs import run_key
from hubsim.app.shipped import scenarios_dir, shipped_scenarios, title
from hubsim.app.views import (
    CARD_TITLES,
    fmt_change,
    fmt_interval,
    plain_text,
    sentence,
    show_error,
    summary_row,
)
from hubsim.experiments.compare import Comparison, compare_scenarios
from hubsim.experiments.replications import Experiment, run_experiment
from hubsim.figures import png_bytes, waitlists_overlaid
from hubsim.results.columns import kpi_label
from hubsim.results.kpis import CORE_KPIS
from hubsim.scenario.loader import ScenarioError, build, read_layers
from hubsim.scenario.schema import AnyScenario

RESULT = "result.compare"
SIDE_BY_SIDE = "result.side_by_side"
SCENARIOS_COMPARED = 2
MAX_SIDE_BY_SIDE = 4
CHANGED, UNCHANGED = "Yours, with your changes", "Yours, unchanged"


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


@dataclass(frozen=True)
class SideBySide:
    key: str
    experiments: dict[str, Experiment]


def _shipped_label(name: str) -> str:
    return f"{title(name)} ({name})"


def candidates(built: state.Built) -> list[str]:
    """The scenarios that can be put side by side: yours (changed, unchanged), then shipped."""
    return [CHANGED, UNCHANGED, *(_shipped_label(n) for n in shipped_scenarios())]


def scenario_for(label: str, built: state.Built, horizon: float) -> AnyScenario:
    """The scenario a label stands for; a shipped one with the app's horizon (as yours has)."""
    if label == CHANGED:
        return built.changed
    if label == UNCHANGED:
        return built.base
    name = next(n for n in shipped_scenarios() if _shipped_label(n) == label)
    return build(read_layers(shipped_scenarios()[name]), {"horizon_days": horizon}, name,
                 scenarios_dir())


def _side_key(chosen: list[str], built: state.Built, replications: int, seed: int,
              horizon: float) -> str:
    return repr((chosen, _key(built, replications, seed), horizon))


def _run_side_by_side(chosen: list[str], built: state.Built, replications: int, seed: int,
                      horizon: float) -> None:
    try:
        scenarios = {label: scenario_for(label, built, horizon) for label in chosen}
    except ScenarioError as exc:
        show_error(exc)
        return
    experiments = {}
    for label, scenario in scenarios.items():
        executor, bar = start_run(scenario, replications, f" ({label})")
        if executor is None:
            return
        experiments[label] = run_experiment(scenario, replications, seed, executor=executor)
        bar.empty()
    st.session_state[SIDE_BY_SIDE] = SideBySide(
        _side_key(chosen, built, replications, seed, horizon), experiments)


def side_table(experiments: dict[str, Experiment],
               kpis: tuple[str, ...] = tuple(CARD_TITLES)) -> pd.DataFrame:
    """One row per headline KPI (the results page's cards, by their short titles), one column
    per scenario: mean (95% CI) with units."""
    columns = {"Measure": [CARD_TITLES[k] for k in kpis]}
    for label, experiment in experiments.items():
        columns[label] = [_cell(experiment.summary, k) for k in kpis]
    return pd.DataFrame(columns)


def _show_side_by_side(found: SideBySide, replications: int, seed: int) -> None:
    experiments = found.experiments
    st.table(side_table(experiments), hide_index=True)
    series = {label: e.timeseries for label, e in experiments.items() if e.timeseries is not None}
    if series:
        source = f"{replications} replications of each scenario · seed {seed}"
        for column in ("therapy_waitlist", "triage_backlog"):
            st.image(png_bytes(waitlists_overlaid(series, column, source=source)),
                     width="stretch")


def side_by_side_section(built: state.Built, replications: int, seed: int,
                         horizon: float) -> None:
    """Up to four scenarios run with the same settings and seed, side by side."""
    st.header("Scenarios side by side")
    st.caption(f"Up to {MAX_SIDE_BY_SIDE} scenarios, each run with the sidebar's replications, "
               "seed and horizon (shipped scenarios included, so all cover the same days): "
               "their KPIs in one table and their waiting lists on one chart.")
    chosen = st.multiselect("Scenarios to compare", candidates(built),
                            default=[CHANGED, UNCHANGED], max_selections=MAX_SIDE_BY_SIDE,
                            key="side_by_side.chosen")
    if st.button("Run side by side", icon=":material/view_column:", key="side_by_side.run",
                 disabled=not chosen):
        _run_side_by_side(chosen, built, replications, seed, horizon)
    found = st.session_state.get(SIDE_BY_SIDE)
    if found is None:
        return
    if found.key != _side_key(chosen, built, replications, seed, horizon):
        st.warning("The scenarios, levers or run settings have changed since these runs: press "
                   "**Run side by side** to update them.")
    _show_side_by_side(found, replications, seed)


sidebar()
st.title("Compare with the unchanged scenario")
st.caption("Both scenarios run with the same seed, so replication by replication they see the "
           "same keyworkers (common random numbers): the difference is the effect of your "
           "changes, with a paired 95% confidence interval. 'Clear difference' means the "
           "interval excludes zero.")
built = require_built()
replications, seed, horizon = state.settings()
if not built.overrides:
    st.info("No lever has changed yet, so both runs would be identical. Change a lever on the "
            "Scenario & levers page first.")
else:
    st.markdown("**Your changes:** " + plain_text(
        "; ".join(levers.change_list(built.original, built.overrides))))
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
side_by_side_section(built, replications, seed, horizon)
