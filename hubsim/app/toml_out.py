"""Scenarios written back as TOML, for download: the resolved scenario, or just the changes.

The resolved file holds every field, registry defaults included, so it runs the same anywhere
(``hubsim run FILE``). The changes file holds what the scenario's own files say (its ``extends``
chain merged in, so it needs no other file) with the levers' changes set into it and listed in
its header; the registry fills in the rest, as for any scenario file. Both load back to the same
scenario hash (tested).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from hubsim.scenario.loader import apply_overrides, deep_merge, read_layers
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


def self_contained(layers: Mapping[str, Any], base_dir: Path | None) -> dict[str, Any]:
    """``layers`` (a scenario file merged over its ``extends`` chain; an upload's ``extends`` is
    merged here) with each Hub's own
    ``extends`` (``[hubs.ID] extends = "FILE"``, read from ``base_dir``) merged in too: a file
    that needs no other file."""
    data = copy.deepcopy(dict(layers))
    parent = data.pop("extends", None)  # an upload's layers may still name their parent
    if parent is not None and base_dir is not None:
        data = deep_merge(read_layers(base_dir / str(parent)), data)
    for hub_id, table in (data.get("hubs") or {}).items():
        parent = table.pop("extends", None) if isinstance(table, dict) else None
        if parent is not None and base_dir is not None:
            data["hubs"][hub_id] = deep_merge(read_layers(base_dir / str(parent)), table)
    return data


def changes_toml(
    layers: Mapping[str, Any], overrides: Mapping[str, Any], note: list[str] | None = None,
    base_dir: Path | None = None,
) -> str:
    """A scenario file that runs wherever it is saved: the scenario's own ``layers`` (see
    ``self_contained``; registry defaults are not written out) with the dotted ``overrides``
    set into them. ``note`` lines go on top as comments."""
    data = self_contained(layers, base_dir)
    apply_overrides(data, dict(overrides), "download")
    return _comment(note or []) + tomli_w.dumps(plain(data))
