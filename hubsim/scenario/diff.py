"""Which inputs of a scenario differ from the evidence registry's defaults.

A results folder keeps its resolved scenario as JSON (``run_metadata.json``); the defaults are
the registry's values for its Hub (``hubsim.registry.scenario_defaults``) resolved the same way,
so every field compares like with like. Used where a reader needs "what was changed" in a few
lines (the Excel headline).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from hubsim.scenario import registry
from hubsim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

IGNORED = ("name", "hub", "description")
"""Fields that name a scenario rather than set an input."""
VALUE_WIDTH = 80  # characters of a value shown before it is cut


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every leaf; a distribution (a table with ``dist``) and a list are
    leaves."""
    for key, value in tree.items():
        if isinstance(value, Mapping) and "dist" not in value and value:
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def default_json(hub: str) -> dict[str, Any] | None:
    """The registry's default scenario for Hub ``hub`` as resolved JSON, or None if the defaults
    alone do not make a valid scenario."""
    tree = registry.scenario_defaults(hub if hub in registry.hubs() else None)
    try:
        return Scenario.model_validate(tree).model_dump(mode="json", by_alias=True)
    except ValidationError as exc:
        logger.info("defaults for %s are not a scenario on their own: %s", hub, exc)
        return None


def short(value: Any) -> str:
    """A value as compact text (JSON), cut to ``VALUE_WIDTH`` characters."""
    text = json.dumps(value, separators=(", ", ": ")) if not isinstance(value, str) else value
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 3] + "..."


def changed_inputs(scenario: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Inputs of a one-Hub scenario (resolved JSON) that differ from the defaults of its Hub.

    Returns
    -------
    ``(field, default, value)`` as text, in the order of the scenario's fields; for a scenario
    of several Hubs, each Hub's changes with ``hubs.HUB.`` in front. Empty if nothing differs
    or the defaults cannot be built.
    """
    if "hubs" in scenario:
        return [(f"hubs.{hub.get('hub', i)}.{field}", default, value)
                for i, hub in enumerate(scenario["hubs"])
                for field, default, value in changed_inputs(hub)]
    defaults = default_json(str(scenario.get("hub", "")))
    if defaults is None:
        return []
    base = dict(_leaves(defaults))
    out = []
    for key, value in _leaves(scenario):
        if key.split(".")[0] in IGNORED:
            continue
        same = _base_key(key)
        if same not in base or base[same] != value:
            out.append((key, "-" if same not in base else short(base[same]), short(value)))
    return out


def _base_key(key: str) -> str:
    """The default a field is compared with: a population profile's field
    (``profiles.NAME.screening.prevalence.ptsd``) with the scenario's own
    (``screening.prevalence.ptsd``), which the profile starts from."""
    parts = key.split(".")
    return ".".join(parts[2:]) if parts[0] == "profiles" and len(parts) > 2 else key
