"""Scenarios written back as TOML, for download: the resolved scenario, or just the changes.

The resolved file holds every field, registry defaults included, so it runs the same anywhere
(``hubsim run FILE``). The changes file ``extends`` the shipped scenario and sets only what the
levers changed. Both load back to the same scenario hash (tested).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import tomli_w

from hubsim.scenario.loader import apply_overrides
from hubsim.scenario.schema import AnyScenario, Scenario


def plain(value: Any) -> Any:
    """TOML-ready data: mappings as dicts, sequences as lists, ``None`` entries dropped."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | str | bool | int | float):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _scenario_data(scenario: AnyScenario) -> dict[str, Any]:
    if isinstance(scenario, Scenario):
        return plain(scenario.model_dump(by_alias=True))
    hubs = {}
    for hub in scenario.hubs:
        data = plain(hub.model_dump(by_alias=True))
        data.pop("hub")
        hubs[hub.hub] = data
    return {"name": scenario.name, "description": scenario.description, "hubs": hubs}


def _comment(lines: list[str]) -> str:
    return "".join(f"# {line}\n" for line in lines)


def scenario_toml(scenario: AnyScenario, note: list[str] | None = None) -> str:
    """The resolved scenario as a complete TOML file, with ``note`` as comment lines on top."""
    return _comment(note or []) + tomli_w.dumps(_scenario_data(scenario))


def changes_toml(
    extends: str, overrides: Mapping[str, Any], note: list[str] | None = None
) -> str:
    """A scenario file that ``extends`` a shipped scenario and sets the dotted ``overrides``."""
    data: dict[str, Any] = {"extends": extends}
    apply_overrides(data, dict(overrides), "download")
    return _comment(note or []) + tomli_w.dumps(plain(data))
