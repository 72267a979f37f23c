"""Page: the smallest staffing of one role that meets a KPI target often enough."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from hubsim.app import lever_widgets, levers, state
from hubsim.app.common import require_built, sidebar, start_run
from hubsim.app.limits import MAX_SEARCH_GRID_POINTS, MAX_SEARCH_REPLICATIONS
from hubsim.app.outputs import run_key
from hubsim.app.views import (
    fmt,
    fmt_interval,
    plain_text,
    sentence,
    show_error,
    table_rows,
    unit_of,
)
from hubsim.experiments.defaults import DEFAULT_WTE_MIN, DEFAULT_WTE_STEP, SEARCH_CONFIDENCE
from hubsim.experiments.wte_search import (
    SearchResult,
    Target,
    search_wte,
    wte_grid,
)
from hubsim.experiments.wte_target import SearchInputError
from hubsim.figures import png_bytes, staffing_search_curve
from hubsim.results.columns import kpi_label
from hubsim.results.waits import WEEKS_6_DAYS

RESULT = "result.search"
PERCENT = 100.0
DEFAULT_SEARCH_REPLICATIONS = 10  # per level: a first answer in a few minutes
WTE_MAX_MULTIPLE = 2.0  # the grid's default top: twice today's staffing (plus one post)
# Targets offered, with the direction that meets them and a starting value. (Page scripts keep
# notes in comments: Streamlit would show a bare string in the page.)
TARGETS: dict[str, tuple[str, float]] = {
    "therapy_started_within_18w_pct": (">=", 95.0),  # NHS Talking Therapies: 95% in 18 weeks
    "therapy_started_within_6w_pct": (">=", 75.0),  # NHS Talking Therapies: 75% in 6 weeks
    "therapy_wait_days_mean": ("<=", WEEKS_6_DAYS),  # an example: a mean wait of 6 weeks
    "therapy_waited_over_52w_pct": ("<=", 1.0),  # an example: at most 1% wait over a year
    "therapy_waitlist_end": ("<=", 20.0),  # an example: a short list at the end
    "triage_wait_days_mean": ("<=", 7.0),  # an example: triage within a week on average
}
OP_WORDS = {">=": "at least", "<=": "at most"}


@dataclass(frozen=True)
class Searched:
    key: str
    result: SearchResult


def _field(hub_id: str | None, name: str, default, widget, label: str, **kwargs):
    """A search input, kept like a lever (it survives a visit to another page)."""
    return lever_widgets.value(hub_id, f"search.{name}", default, widget, label, **kwargs)


def _inputs(hub_id: str | None, built: state.Built) -> dict:
    hub = state.hubs(built.changed)[hub_id]
    left, right = st.columns(2)
    with left:
        role = _field(hub_id, "role", "therapists", st.selectbox, "Staff role to search",
                      options=list(levers.ROLES), format_func=levers.ROLE_WORDS.get)
        kpi = _field(hub_id, "kpi", next(iter(TARGETS)), st.selectbox, "Target measure",
                     options=list(TARGETS), format_func=kpi_label)
        op, start = TARGETS[kpi]
        value = _field(hub_id, f"value.{kpi}", start, st.number_input,
                       f"Target value ({unit_of(kpi)}): {OP_WORDS[op]}",
                       min_value=0.0)
        confidence = _field(hub_id, "confidence", SEARCH_CONFIDENCE * PERCENT, st.slider,
                            "Share of replications that must meet it", min_value=50.0,
                            max_value=PERCENT, step=5.0, format="%.0f%%") / PERCENT
    now = getattr(hub.staff, role).wte
    with right:
        wte_min = _field(hub_id, f"min.{role}", DEFAULT_WTE_MIN, st.number_input,
                         "Lowest WTE to try", min_value=0.0, step=DEFAULT_WTE_STEP, format="%.1f")
        wte_max = _field(hub_id, f"max.{role}", float(math.ceil(WTE_MAX_MULTIPLE * now + 1)),
                         st.number_input, "Highest WTE to try", min_value=0.0,
                         step=DEFAULT_WTE_STEP, format="%.1f")
        step = _field(hub_id, "step", DEFAULT_WTE_STEP, st.number_input, "Step (WTE)",
                      min_value=DEFAULT_WTE_STEP, step=DEFAULT_WTE_STEP, format="%.1f")
        reps = _field(hub_id, "replications", DEFAULT_SEARCH_REPLICATIONS, st.number_input,
                      "Replications per staffing level", min_value=2,
                      max_value=MAX_SEARCH_REPLICATIONS, step=1)
    st.caption(f"Today's scenario has {now:g} WTE {levers.ROLE_WORDS[role].lower()}.")
    return {"role": role, "target": Target(kpi, op, float(value)), "hub": hub_id,
            "confidence": confidence, "wte_min": wte_min, "wte_max": wte_max, "step": step,
            "replications": int(reps)}


def _most_points(params: dict) -> int:
    """Grid levels the bisection may run (ValueError naming the parameter if the grid is bad)."""
    points = len(wte_grid(params["wte_min"], params["wte_max"], params["step"]))
    if points > MAX_SEARCH_GRID_POINTS:
        raise SearchInputError("step", f"{points} staffing levels; the app searches at most "
                                       f"{MAX_SEARCH_GRID_POINTS} (use a larger step)")
    return 2 + math.ceil(math.log2(points)) if points > 1 else 1


def _run(built: state.Built, params: dict, seed: int, key: str) -> None:
    try:
        total = _most_points(params) * params["replications"]
    except SearchInputError as exc:
        show_error(exc)
        return
    executor, bar = start_run(built.changed, total, " (at most; the search stops when it can)")
    if executor is None:
        return
    try:
        result = search_wte(built.changed, executor=executor, seed=seed, **params)
    except SearchInputError as exc:
        show_error(exc)
        return
    finally:
        bar.empty()
    st.session_state[RESULT] = Searched(key, result)


def _points_table(result: SearchResult) -> pd.DataFrame:
    kpi = result.target.kpi
    points = result.points
    return pd.DataFrame({
        "Staffing (WTE)": [f"{w:g}" for w in points["wte"]],
        "Replications meeting the target": [f"{PERCENT * s:.0f}%"
                                            for s in points["share_of_replications_meeting"]],
        f"{sentence(kpi_label(kpi))}: mean (95% CI)": [
            fmt_interval(kpi, r.kpi_mean, r.ci_low, r.ci_high) for r in table_rows(points)],
        f"{result.role.capitalize()} alone per year: payroll / full economic cost": [
            f"{fmt('cost_gbp', p)} / {fmt('cost_gbp', f)}"
            for p, f in zip(points["role_payroll_cost_gbp_per_year"],
                            points["role_full_cost_gbp_per_year"], strict=True)],
    })


def _role_cost_text(result: SearchResult) -> str | None:
    """The answer's own cost a year and the marginal cost against the scenario's WTE."""
    cost = result.answer_role_cost
    if cost is None:
        return None
    return (f"{cost.wte:g} WTE {cost.role} cost {fmt('cost_gbp', cost.annual['payroll'])} a "
            f"year at payroll cost and {fmt('cost_gbp', cost.annual['full'])} at full economic "
            f"cost ({cost.price_year} prices). Against the scenario's {cost.current_wte:g} WTE "
            f"the change of {cost.wte - cost.current_wte:+g} WTE costs "
            f"{fmt('cost_gbp', cost.marginal['payroll'])} a year at payroll cost and "
            f"{fmt('cost_gbp', cost.marginal['full'])} at full economic cost.")


def _show(searched: Searched) -> None:
    result = searched.result
    answer = result.describe()
    (st.success if result.answer is not None else st.warning)(plain_text(f"Answer: {answer}."))
    role_cost = _role_cost_text(result)
    if role_cost is not None:
        st.info(plain_text(role_cost))
    st.table(_points_table(result), hide_index=True)
    curve = result.points[["wte"]].assign(
        share_meeting_target=result.points["share_of_replications_meeting"])
    png = png_bytes(staffing_search_curve(curve, target_pct=PERCENT * result.confidence,
                                          chosen=result.answer))
    st.image(png, caption="Share of replications meeting the target at each staffing level "
                          "tried (the search bisects, so not every level is run).",
             width="stretch")


sidebar()
st.title("Staffing search")
st.caption("The smallest staffing of one role at which the target is met in enough "
           "replications. Every level runs with the same seed, so each sees the same "
           "keyworkers. Your other levers stay as set.")
built = require_built()
seed = state.settings()[1]
hubs = state.hubs(built.changed)
hub_id = None if list(hubs) == [None] else st.selectbox(
    "Hub", list(hubs), format_func=lambda h: hubs[h].name, key="ui.search.hub")
params = _inputs(hub_id, built)
key = f"{run_key(built.changed, seed, params['replications'])}|{sorted(params.items(), key=str)}"
if st.button("Search", type="primary", icon=":material/search:", key="search"):
    _run(built, params, seed, key)
searched = st.session_state.get(RESULT)
if searched is not None:
    if searched.key != key:
        st.warning("The inputs have changed since this search: press **Search** to update it.")
    _show(searched)
