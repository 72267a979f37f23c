"""Page: run replications with a progress bar; KPI cards, the KPI table, fan charts and waits."""

from __future__ import annotations

import time

import streamlit as st

from hubsim.app import levers, state
from hubsim.app.common import require_built, sidebar, start_run
from hubsim.app.outputs import FIGURES, RunResult, run_key
from hubsim.app.views import figure_png, kpi_cards, kpi_table, plain_text
from hubsim.experiments.replications import run_experiment
from hubsim.results.kpis import CORE_KPIS

RESULT = "result.run"


def _run(built: state.Built, replications: int, seed: int) -> None:
    """Run the changed scenario, one replication at a time, with a progress bar."""
    executor, bar = start_run(built.changed, replications)
    if executor is None:
        return
    started = time.perf_counter()
    experiment = run_experiment(built.changed, replications, seed, executor=executor)
    bar.empty()
    st.session_state[RESULT] = RunResult(
        run_key(built.changed, seed, replications), experiment, built.source.name,
        time.perf_counter() - started)


def _show(result: RunResult) -> None:
    experiment = result.experiment
    st.subheader(f"Results: {experiment.replications} replications, seed {experiment.seed}")
    st.caption(f"Each number is a mean over replications with its 95% confidence interval (CI); "
               f"few replications give wide intervals. The run took {result.seconds:.1f} s.")
    kpi_cards(experiment.summary)
    st.markdown("#### Key performance indicators")
    st.table(kpi_table(experiment.summary, CORE_KPIS), hide_index=True)
    with st.expander("All measures, including the economic ones"):
        st.table(kpi_table(experiment.summary, None), hide_index=True)
    st.markdown("#### Waits against the 6- and 18-week standards, and queues over time")
    for name in FIGURES:
        figure_png(*result.figure_png(name))


sidebar()
st.title("Run the scenario and see the results")
built = require_built()
replications, seed, horizon = state.settings()
changes = levers.change_list(built.original, built.overrides)
st.markdown(f"**{plain_text(built.changed.name)}** · {horizon:,.0f} days · {replications} "
            f"replications · seed {seed} · " + (plain_text("your changes: " + "; ".join(changes))
                                                if changes else "no lever changed"))
if st.button("Run", type="primary", icon=":material/play_arrow:", key="run"):
    _run(built, replications, seed)
result = st.session_state.get(RESULT)
if result is None:
    st.info("Press **Run** to simulate the scenario with your levers. Replications already run "
            "for the same scenario and seed come from the cache at once.")
    st.stop()
if result.key != run_key(built.changed, seed, replications):
    st.warning("The levers or run settings have changed since these results: press **Run** to "
               "update them.")
_show(result)
