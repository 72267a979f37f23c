"""Session state: the chosen scenario, the levers, the run settings, and the scenarios they build.

Streamlit forgets a widget's value when its page is not shown, so every lever widget starts from,
and writes back to, a plain store (``kept`` / ``remember``). Scenarios are always built by
``hubsim.scenario.loader.build`` from the source's layers plus dotted overrides, exactly as
``hubsim run FILE --set KEY=VALUE`` would, so every message is the command line's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from hubsim.app import levers
from hubsim.app.limits import DEFAULT_REPLICATIONS, MAX_HORIZON_DAYS
from hubsim.app.shipped import PREFERRED_FIRST, scenarios_dir, shipped_scenarios
from hubsim.model.arrivals import expected_arrivals, rate_segments
from hubsim.scenario.loader import ScenarioError, build, read_layers
from hubsim.scenario.schema import AnyScenario, Scenario
from hubsim.scenario.units import DAYS_PER_WEEK

SOURCE = "source"
STORE = "lever_store"
SETTINGS_STORE = "settings_store"  # run settings outlive a change of scenario (horizon aside)
BUILT = "built_cache"
RESULTS = ("result.run", "result.compare", "result.search", "result.side_by_side")
REPLICATIONS, SEED, HORIZON = "setting.replications", "setting.seed", "setting.horizon_days"
SURGE_START_DAYS = 90  # a new surge's default date: three months in, once the Hub is running
SURGE_PEAK_MULTIPLE = 2.0  # a new surge's default peak: twice the Hub's average weekly demand
SURGE_HALF_LIFE_DAYS = 60.0  # a new surge halves in two months by default (an assumption)
CHANGE_START_DAYS = 365  # a new staffing change's default date: a year in


@dataclass(frozen=True)
class Source:
    """Where the scenario comes from: a shipped file (``name``) or an upload (``layers``)."""

    kind: str  # "shipped" or "upload"
    name: str  # shipped name (e.g. baseline.toml) or the uploaded file's name
    token: str = ""  # an upload's file id: the same file kept across reruns is the same source
    layers: dict[str, Any] | None = None
    error: ScenarioError | None = None  # an upload that could not be read

    @property
    def ident(self) -> str:
        """Identity of the source: levers and results belong to one source."""
        return f"{self.kind}:{self.name}:{self.token}"


@dataclass(frozen=True)
class Built:
    """The scenarios of the current session (validated)."""

    source: Source
    original: AnyScenario  # as the file has it (no lever, no app setting)
    base: AnyScenario  # with the run settings (horizon) but no lever: "unchanged"
    changed: AnyScenario  # with the levers: what Run uses
    overrides: dict[str, Any]  # the levers' dotted overrides (``hubs.ID.`` for several Hubs)


def source() -> Source | None:
    """The chosen source; the baseline (or the first shipped scenario) until one is chosen."""
    if SOURCE not in st.session_state:
        names = list(shipped_scenarios())
        if not names:
            return None
        first = PREFERRED_FIRST if PREFERRED_FIRST in names else names[0]
        st.session_state[SOURCE] = Source("shipped", first)
    return st.session_state[SOURCE]


def chosen_source() -> Source:
    """``source()``, for pages shown only once there is one (``RuntimeError`` if none)."""
    src = source()
    if src is None:
        raise RuntimeError("no scenario to show: none is shipped and none was uploaded")
    return src


def set_source(new: Source) -> None:
    """Choose another scenario: levers, lever widgets, the horizon and results are reset.

    The page is then run again, so widgets already drawn (the sidebar) start afresh.
    """
    old = st.session_state.get(SOURCE)
    if old is not None and old.ident == new.ident:
        return
    st.session_state[SOURCE] = new
    for key in [k for k in st.session_state if str(k).startswith("lever|")]:
        del st.session_state[key]
    for key in (STORE, BUILT, HORIZON, *RESULTS):
        st.session_state.pop(key, None)
    st.session_state.get(SETTINGS_STORE, {}).pop(HORIZON, None)
    if old is not None:
        st.rerun()


def _layers(src: Source) -> dict[str, Any]:
    if src.error is not None:
        raise src.error
    if src.layers is not None:
        return src.layers
    return read_layers(shipped_scenarios()[src.name])


def layers() -> dict[str, Any]:
    """The chosen scenario's own files merged (no registry defaults, no lever)."""
    src = source()
    if src is None:
        raise ScenarioError("app", "scenario", "no scenario chosen: upload one")
    return _layers(src)


def _build(src: Source, overrides: dict[str, Any]) -> AnyScenario:
    label = src.name
    return build(_layers(src), overrides, label, scenarios_dir())


def hubs(scenario: AnyScenario) -> dict[str | None, Scenario]:
    """Hub id -> Hub; the id is None for a one-Hub scenario (its overrides need no prefix)."""
    if isinstance(scenario, Scenario):
        return {None: scenario}
    return {hub.hub: hub for hub in scenario.hubs}


def original() -> AnyScenario:
    """The chosen scenario as its file has it (raises ``ScenarioError`` when it is invalid)."""
    src = chosen_source()
    cache = st.session_state.setdefault(BUILT, {})
    if src.ident not in cache:
        cache[src.ident] = _build(src, {})
    return cache[src.ident]


def lever_key(hub_id: str | None, name: str) -> str:
    """Widget and store key of lever ``name`` of one Hub."""
    return f"lever|{hub_id or ''}|{name}"


def kept(key: str, default: Any, store: str = STORE) -> Any:
    """The value kept for widget ``key`` in ``store`` (``default`` until it has one).

    Pass it as the widget's ``value`` (or ``index``): a widget that Streamlit forgot while its
    page was hidden comes back with it, and one it remembers keeps its own state.
    """
    return st.session_state.setdefault(store, {}).get(key, default)


def remember(key: str, store: str = STORE) -> Any:
    """Copy widget ``key``'s value to ``store``; returns the value."""
    value = st.session_state[key]
    st.session_state.setdefault(store, {})[key] = value
    return value


def surge_default(hub: Scenario) -> dict[str, Any]:
    """A new incident surge's starting values (the user changes them)."""
    weekly = levers_weekly_demand(hub)
    return {"from": hub.start_date + dt.timedelta(days=SURGE_START_DAYS),
            "peak_per_week": round(SURGE_PEAK_MULTIPLE * weekly, 1),
            "half_life_days": SURGE_HALF_LIFE_DAYS}


def change_default(hub: Scenario, role: str) -> dict[str, Any]:
    """A new staffing change's starting values: the same WTE, a year in."""
    return {"from": hub.start_date + dt.timedelta(days=CHANGE_START_DAYS),
            "wte": getattr(hub.staff, role).wte}


def levers_weekly_demand(hub: Scenario) -> float:
    """The Hub's average background screenings per week over its horizon (for defaults)."""
    starts, rates = rate_segments(hub.arrivals, hub.start_date, hub.horizon_days)
    return expected_arrivals(starts, rates, hub.horizon_days) / hub.horizon_days * DAYS_PER_WEEK


def _composite(hub_id: str | None, prefix: str, default: dict[str, Any]) -> dict | None:
    store = st.session_state.get(STORE, {})
    if not store.get(lever_key(hub_id, f"{prefix}.on")):
        return None
    return {f: store.get(lever_key(hub_id, f"{prefix}.{f}"), v) for f, v in default.items()}


def hub_values(hub_id: str | None, hub: Scenario) -> dict[str, Any]:
    """The lever values of one Hub: stored ones, else the scenario's own."""
    store = st.session_state.get(STORE, {})
    values = {name: store.get(lever_key(hub_id, name), own)
              for name, own in levers.defaults(hub).items()}
    values[levers.SURGE] = _composite(hub_id, levers.SURGE, surge_default(hub))
    for role in levers.ROLES:
        key = levers.change_key(role)
        values[key] = _composite(hub_id, key, change_default(hub, role))
    return values


def settings() -> tuple[int, int, float]:
    """(replications, seed, horizon_days) chosen in the sidebar (defaults until then)."""
    kept = st.session_state.get(SETTINGS_STORE, {})
    horizon = kept.get(HORIZON)
    if horizon is None:
        horizon = default_horizon()
    return (int(kept.get(REPLICATIONS, DEFAULT_REPLICATIONS)), int(kept.get(SEED, 0)),
            float(horizon))


def scenario_horizon() -> float | None:
    """The scenario's own horizon (the longest of its Hubs'), or None if it cannot be built."""
    try:
        hub_list = hubs(original()).values()
    except ValueError:
        return None
    return float(max(h.horizon_days for h in hub_list))


def default_horizon() -> float:
    """The scenario's horizon, capped at the app's maximum (a whole number of days)."""
    own = scenario_horizon()
    return float(MAX_HORIZON_DAYS) if own is None else float(min(own, MAX_HORIZON_DAYS) // 1)


def current() -> Built:
    """The unchanged and changed scenarios for the current levers and settings.

    Raises
    ------
    hubsim.scenario.loader.ScenarioError
        the command line's message for an invalid scenario, lever or setting.
    """
    src, orig = chosen_source(), original()
    _, _, horizon = settings()
    lever_overrides: dict[str, Any] = {}
    for hub_id, hub in hubs(orig).items():
        lever_overrides.update(levers.prefixed(
            levers.hub_overrides(hub, hub_values(hub_id, hub)), hub_id))
    run_settings = {"horizon_days": horizon}
    key = repr((src.ident, sorted(lever_overrides.items()), horizon))
    cache = st.session_state.setdefault(BUILT, {})
    if key not in cache:
        base = _build(src, run_settings)
        changed = _build(src, {**run_settings, **lever_overrides})
        cache.clear()
        cache[src.ident] = orig
        cache[key] = Built(src, orig, base, changed, lever_overrides)
    return cache[key]
