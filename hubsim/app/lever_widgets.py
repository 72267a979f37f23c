"""Widgets for the levers of one Hub, grouped as the scenario page shows them.

Each widget's value lives in the lever store (see ``hubsim.app.state``) under the dotted name of
the field it sets, so it survives a visit to another page. The widgets know no bounds of the
model beyond what a number box needs (a minimum of zero): ``hubsim.scenario.loader`` validates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from hubsim.app import levers, state
from hubsim.scenario.schema import NEED_TIERS, Scenario
from hubsim.scenario.units import DAYS_PER_WEEK

PERCENT = 100.0
SCALE_STEP = 0.05  # arrival volume in steps of 5%
WTE_STEP = 0.1  # a tenth of a post: 3.75 hours of a 37.5-hour week
SESSIONS_STEP = 0.5
SHARE_STEP = 1.0  # pathway shares in whole percentage points


def value(hub_id: str | None, name: str, default: Any,
           widget: Callable[..., Any], label: str, **kwargs: Any) -> Any:
    """Show ``widget`` for lever ``name`` of one Hub (started from the store); store its value.

    Widgets with ``options`` (select boxes, radio buttons) start from an ``index``.
    """
    key = state.lever_key(hub_id, name)
    start = state.kept(key, default)
    if "options" in kwargs:
        kwargs["index"] = list(kwargs["options"]).index(start)
    else:
        kwargs["value"] = start
    widget(label, key=key, **kwargs)
    return state.remember(key)


def _percent(hub_id: str | None, name: str, share: float, label: str, **kwargs: Any) -> float:
    """A 0-100% slider for a lever held as a share 0-1 (stored under ``name``)."""
    key = state.lever_key(hub_id, f"{name}%")
    st.slider(label, 0.0, PERCENT, value=float(state.kept(key, round(share * PERCENT))),
              step=SHARE_STEP, format="%.0f%%", key=key, **kwargs)
    chosen = state.remember(key) / PERCENT
    st.session_state[state.STORE][state.lever_key(hub_id, name)] = chosen
    return chosen


def demand(hub_id: str | None, hub: Scenario) -> None:
    """Arrival volume and an extra incident surge."""
    weekly = state.levers_weekly_demand(hub)
    scale = value(hub_id, "arrivals.scale", hub.arrivals.scale, st.number_input,
                   "Arrival volume (× the scenario's own)", min_value=0.0, step=SCALE_STEP,
                   help="1 keeps the scenario's demand; 1.2 is 20% more keyworkers screening.")
    if hub.arrivals.scale > 0:
        st.caption(f"About {weekly * scale / hub.arrivals.scale:,.1f} screenings per week on "
                   "average, before any surge.")
    surge = state.surge_default(hub)
    on = value(hub_id, "surge.on", False, st.checkbox, "Add an incident surge",
                help="Extra demand after a major incident: it peaks on the date and halves "
                     "every half-life.")
    if on:
        left, middle, right = st.columns(3)
        with left:
            value(hub_id, "surge.from", surge["from"], st.date_input, "Surge starts on")
        with middle:
            value(hub_id, "surge.peak_per_week", surge["peak_per_week"], st.number_input,
                   "Peak extra screenings per week", min_value=0.0, step=1.0)
        with right:
            value(hub_id, "surge.half_life_days", surge["half_life_days"], st.number_input,
                   "Half-life (days)", min_value=1.0, step=1.0)


def staffing(hub_id: str | None, hub: Scenario) -> None:
    """WTE of each role from the start, and one change of each role from a date."""
    for column, role in zip(st.columns(len(levers.ROLES)), levers.ROLES, strict=True):
        with column:
            value(hub_id, f"staff.{role}.wte", getattr(hub.staff, role).wte, st.number_input,
                   f"{levers.ROLE_WORDS[role]} (WTE)", min_value=0.0, step=WTE_STEP,
                   format="%.1f", help="Whole-time equivalents in post from the start; "
                                       "changes over time are set below.")
    st.markdown("**Staffing over time**")
    for role in levers.ROLES:
        changes = getattr(hub.staff, role).changes
        if changes:
            listed = ", ".join(f"{c.wte:g} WTE from {c.start:%d %b %Y}" for c in changes)
            st.caption(f"{levers.ROLE_WORDS[role]} in the scenario: {listed}.")
        key = levers.change_key(role)
        if value(hub_id, f"{key}.on", False, st.checkbox,
                  f"Change {levers.ROLE_WORDS[role].lower()} from a date"):
            default = state.change_default(hub, role)
            left, right = st.columns(2)
            with left:
                value(hub_id, f"{key}.from", default["from"], st.date_input, "From")
            with right:
                value(hub_id, f"{key}.wte", default["wte"], st.number_input, "WTE from then",
                       min_value=0.0, step=WTE_STEP, format="%.1f")


def pathways(hub_id: str | None, hub: Scenario) -> None:
    """Share of each need tier offered Hub therapy (the other pathways share the rest)."""
    for column, tier in zip(st.columns(len(NEED_TIERS)), NEED_TIERS, strict=True):
        with column:
            _percent(hub_id, f"routing.{tier}.{levers.HUB_THERAPY}",
                     getattr(hub.routing, tier).hub_therapy,
                     f"{levers.TIER_WORDS[tier]}: offered Hub therapy")
    st.caption("The other pathways (brief support, external referral, signposting, no further "
               "support) keep their proportions of the rest.")


def course_length(hub_id: str | None, hub: Scenario) -> None:
    """Average sessions in a course of Hub therapy, per need tier."""
    for column, tier in zip(st.columns(len(NEED_TIERS)), NEED_TIERS, strict=True):
        field = levers.course_field(hub, tier)
        with column:
            if field is None:
                st.caption(f"{levers.TIER_WORDS[tier]}: course length is an empirical "
                           "distribution; edit it in the scenario file.")
                continue
            average = getattr(getattr(hub.therapy.sessions, tier), field)
            value(hub_id, f"therapy.sessions.{tier}.{field}", average, st.number_input,
                   f"{levers.TIER_WORDS[tier]}: sessions per course (average)", min_value=0.0,
                   step=SESSIONS_STEP, format="%.1f")
    st.caption(f"Courses stop at {hub.therapy.max_sessions} sessions at most.")


def policy(hub_id: str | None, hub: Scenario) -> None:
    """Waiting-list order and, for 'breach', the wait after which a client goes first."""
    options = list(levers.PRIORITY_WORDS)
    chosen = value(hub_id, "therapy.priority", hub.therapy.priority, st.radio,
                    "Who is offered the next therapy place", options=options,
                    format_func=levers.PRIORITY_WORDS.get, horizontal=True)
    if chosen == "breach":
        value(hub_id, "therapy.breach_after_days", hub.therapy.breach_after_days,
               st.number_input, "Long wait limit (days)", min_value=0.0, step=DAYS_PER_WEEK,
               help="Clients waiting longer than this go before everyone else.")


def preset(hub_id: str | None, hub: Scenario) -> None:
    """The logic model's preset: how much clients improve after treatment."""
    options = list(hub.outcomes.presets)
    value(hub_id, "outcomes.preset", hub.outcomes.preset, st.selectbox,
           "Logic-model preset (outcomes, QALYs, absence)", options=options,
           format_func=lambda p: levers.PRESET_WORDS.get(p, p))
