"""What every page shares: the sidebar (scenario and run settings) and the built scenarios."""

from __future__ import annotations

from typing import Any

import streamlit as st

import hubsim
from hubsim.app import state
from hubsim.app.limits import (
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MIN_HORIZON_DAYS,
    MIN_REPLICATIONS,
    check_workload,
)
from hubsim.app.runner import CachingExecutor
from hubsim.app.views import plain_text, show_error
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.schema import AnyScenario

APP_TITLE = "hubsim · Resilience Hub planner"
HORIZON_STEP_DAYS = 30.0  # the +/- buttons move the horizon by about a month


def sidebar() -> None:
    """The current scenario and the run settings, on every page."""
    with st.sidebar:
        src = state.source()
        st.markdown(f"**Scenario:** {plain_text(_scenario_name(src))}")
        st.subheader("Run settings")
        replications, seed, horizon = state.settings()
        _setting(state.REPLICATIONS, replications, "Replications", min_value=MIN_REPLICATIONS,
                 max_value=MAX_REPLICATIONS, step=1,
                 help="Independent simulated runs of the same scenario; more give narrower "
                      "95% intervals.")
        _setting(state.SEED, seed, "Seed", min_value=0, step=1,
                 help="The same seed gives the same results.")
        _setting(state.HORIZON, horizon, "Horizon (days)", min_value=float(MIN_HORIZON_DAYS),
                 max_value=float(MAX_HORIZON_DAYS), step=HORIZON_STEP_DAYS, format="%.0f",
                 help="How long to simulate from the scenario's start date.")
        own = state.scenario_horizon()
        if own is not None and own > MAX_HORIZON_DAYS:
            st.warning(f"This scenario's horizon is {own:,.0f} days; the app runs at most "
                       f"{MAX_HORIZON_DAYS:,}, so runs here stop there. Use hubsim run for the "
                       "full horizon.")
        st.caption(f"The app allows up to {MAX_REPLICATIONS} replications and "
                   f"{MAX_HORIZON_DAYS:,} days per run; the hubsim command line has no such "
                   f"caps. hubsim {hubsim.__version__}.")


def _setting(key: str, default: float, label: str, **kwargs) -> None:
    """A run-setting number box whose value survives pages that do not show it."""
    st.number_input(label, value=state.kept(key, default, state.SETTINGS_STORE), key=key,
                    **kwargs)
    state.remember(key, state.SETTINGS_STORE)


def _scenario_name(src: state.Source | None) -> str:
    if src is None:
        return "none (upload one)"
    try:
        return state.original().name
    except ScenarioError:
        return f"{src.name} (invalid)"


def _no_source() -> None:
    if state.source() is None:
        st.info("No shipped scenarios were found: upload a scenario file on the "
                "Scenario & levers page.")
        st.stop()


def require_original() -> AnyScenario:
    """The chosen scenario as its file has it, or the command line's message and a stop."""
    _no_source()
    try:
        return state.original()
    except ScenarioError as exc:
        show_error(exc)
        st.stop()
    raise AssertionError("unreachable: st.stop() ends the page")


def require_built() -> state.Built:
    """The current scenarios, or the command line's message and a stop of the page."""
    _no_source()
    try:
        return state.current()
    except ScenarioError as exc:
        show_error(exc)
        st.page_link("pages/scenario.py", label="Fix it on the Scenario & levers page",
                     icon=":material/tune:")
        st.stop()
    raise AssertionError("unreachable: st.stop() ends the page")


def start_run(
    scenario: AnyScenario, total: int, note: str = ""
) -> tuple[CachingExecutor | None, Any]:
    """A caching executor whose progress bar counts ``total`` replications, and the bar (empty
    it when done); or ``(None, None)`` and the message in the page when they exceed the caps."""
    try:
        check_workload(scenario, total)
    except ScenarioError as exc:
        show_error(exc)
        return None, None
    bar = st.progress(0.0, text=f"Running {total} replications…")

    def progress(done: int) -> None:
        bar.progress(min(done / total, 1.0), text=f"Replication {done} of {total} done{note}")

    return CachingExecutor(progress), bar
