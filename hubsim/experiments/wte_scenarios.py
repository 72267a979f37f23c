"""The scenario at any WTE of one staff role, rebuilt through the loader so validation runs.

From a file: the override ``staff.ROLE.wte`` is added to the file's overrides
(``hubs.HUB.staff.ROLE.wte`` for one Hub of a multi-Hub scenario, where the Hub must be named).
From a loaded ``Scenario``: the role's WTE is changed in its resolved data
(``model_dump(mode="json", by_alias=True)``) and ``hubsim.scenario.loader.validate`` runs again.
Also the staff cost helpers of the staffing search (GBP, GBP per year).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hubsim.experiments.wte_target import SearchInputError
from hubsim.scenario.loader import apply_overrides, load_scenario, validate
from hubsim.scenario.schema import AnyScenario, MultiHubScenario, Scenario
from hubsim.scenario.units import DAYS_PER_YEAR


def _check_hub(scenario: AnyScenario, hub: str | None) -> Scenario:
    """The Hub whose staff are searched (``hub`` required for several Hubs)."""
    if isinstance(scenario, Scenario):
        if hub is not None and hub != scenario.hub:
            raise SearchInputError(
                "hub", f"the scenario has one Hub, {scenario.hub!r}, not {hub!r}")
        return scenario
    ids = [h.hub for h in scenario.hubs]
    if hub is None:
        raise SearchInputError("hub", f"the scenario has several Hubs ({', '.join(ids)}); "
                               "choose the one whose staff to search")
    if hub not in ids:
        raise SearchInputError("hub", f"no Hub {hub!r} in the scenario; its Hubs: {', '.join(ids)}")
    return scenario.hubs[ids.index(hub)]


def _check_role(hub: Scenario, role: str) -> None:
    roles = list(type(hub.staff).model_fields)
    if role not in roles:
        raise SearchInputError("role", f"unknown role {role!r}; roles: {', '.join(roles)}")
    if getattr(getattr(hub.staff, role), "changes", ()):
        raise SearchInputError(
            "role", f"staff.{role}.changes sets the WTE over time and the search would keep it; "
            f"clear it (staff.{role}.changes=[]) to search one WTE for the whole run")


class WteScenarios:
    """The scenario at any WTE of one role, rebuilt and validated through the loader.

    Parameters
    ----------
    scenario : a scenario file (path), or a loaded ``Scenario`` / ``MultiHubScenario``
    role : a role of the scenario's ``[staff]`` section, e.g. ``therapists``
    hub : the Hub whose role is changed (required for a multi-Hub scenario)
    overrides : dotted overrides applied at every point (only with a file path)
    """

    def __init__(
        self, scenario: str | Path | AnyScenario, role: str, hub: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(scenario) if isinstance(scenario, str | Path) else None
        if self.path is None and overrides:
            raise SearchInputError(
                "overrides", "apply overrides when loading (load_scenario(path, overrides))")
        self.overrides = dict(overrides or {})
        self.base: AnyScenario = (
            load_scenario(Path(scenario), self.overrides) if isinstance(scenario, str | Path)
            else scenario)
        self.hub = _check_hub(self.base, hub)
        self.role = role
        _check_role(self.hub, role)

    @property
    def key(self) -> str:
        """The dotted override that sets the searched WTE."""
        prefix = "" if isinstance(self.base, Scenario) else f"hubs.{self.hub.hub}."
        return f"{prefix}staff.{self.role}.wte"

    def at(self, wte: float) -> AnyScenario:
        """The scenario with the role at ``wte`` WTE (raises ``ScenarioError`` if invalid)."""
        if self.path is not None:
            return load_scenario(self.path, {**self.overrides, self.key: wte})
        if isinstance(self.base, Scenario):
            return self._hub_at(self.base, wte)
        hubs = tuple(self._hub_at(h, wte) if h.hub == self.hub.hub else h for h in self.base.hubs)
        return MultiHubScenario(name=self.base.name, description=self.base.description, hubs=hubs)

    def _hub_at(self, hub: Scenario, wte: float) -> Scenario:
        data = hub.model_dump(mode="json", by_alias=True)
        apply_overrides(data, {f"staff.{self.role}.wte": wte}, hub.name)
        return validate(data, hub.name)


def _window_years(hub: Scenario) -> float:
    return (hub.horizon_days - hub.warmup_days) / DAYS_PER_YEAR


def staff_cost_per_year(kpis: pd.DataFrame, scenario: AnyScenario, cost_kpi: str) -> pd.Series:
    """Per replication, the staff cost KPI over its window scaled to one year (GBP per year).

    Several Hubs: each Hub's ``HUB:cost`` over its own window, summed.
    """
    if isinstance(scenario, Scenario):
        return kpis[cost_kpi] / _window_years(scenario)
    per_hub = [kpis[f"{h.hub}:{cost_kpi}"] / _window_years(h) for h in scenario.hubs]
    return sum(per_hub[1:], per_hub[0])


def kpi_window_days(scenario: AnyScenario) -> float | None:
    """Days the KPIs cover (horizon less warm-up); None when several Hubs differ."""
    hubs = scenario.hubs if isinstance(scenario, MultiHubScenario) else (scenario,)
    windows = {h.horizon_days - h.warmup_days for h in hubs}
    return windows.pop() if len(windows) == 1 else None
