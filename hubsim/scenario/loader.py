"""Read scenario files: TOML, ``extends``, registry defaults, dotted overrides, validation.

Merge order (later wins): evidence-registry defaults (the Hub's own where the registry has them for
the scenario's ``hub``) < the ``extends`` chain (base first) < the file < ``overrides``. Tables
merge key by key, except a distribution table (one with a ``dist`` key), which replaces the table
beneath it whole; in ``[arrivals]`` giving ``per_week`` drops an inherited ``profile`` and vice
versa. Lists replace.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hubsim.scenario import checks as scenario_checks
from hubsim.scenario import registry
from hubsim.scenario.files import InputFileError, read_bounded
from hubsim.scenario.schema import AnyScenario, MultiHubScenario, Scenario, SessionsByTier

_ONE_OF = {"arrivals": ("per_week", "profile")}
"""Tables whose keys are alternatives: giving one in a layer drops the others from below."""
_PATH_IN_MESSAGE = re.compile(r"^([A-Za-z_][\w.]*): (.*)$", re.DOTALL)


class ScenarioError(ValueError):
    """Bad scenario input: names the file, the dotted field and what is wrong."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source, self.field, self.message = source, field, message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.message])


def _sessions_for_all_tiers(value: Any) -> Any:
    """One distribution for every tier is allowed: ``sessions = { dist = "poisson", mean = 8 }``."""
    if isinstance(value, int | float) or (isinstance(value, Mapping) and "dist" in value):
        return {tier: value for tier in SessionsByTier.model_fields}
    return value


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    """Merge ``top`` over ``base`` (see the module docstring for the rules)."""
    merged = copy.deepcopy(dict(base))
    alternatives = _ONE_OF.get(path, ())
    for key in alternatives:
        if key in top:
            for other in alternatives:
                if other != key and other not in top:
                    merged.pop(other, None)
    for key, value in top.items():
        here = f"{path}.{key}" if path else key
        below = merged.get(key)
        replace = isinstance(value, Mapping) and "dist" in value
        if isinstance(value, Mapping) and isinstance(below, Mapping) and not replace:
            merged[key] = deep_merge(below, value, here)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` where VALUE is a TOML literal (a bare word is taken as a string)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w][\w-]*)*", key):
        raise ScenarioError("--set", text, "expected KEY=VALUE with a dotted KEY")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except RecursionError:
        raise ScenarioError("--set", key, "value nested too deeply") from None
    except tomllib.TOMLDecodeError:
        if re.fullmatch(r"[\w-]+", raw.strip()):
            return key, raw.strip()
        raise ScenarioError("--set", key, f"cannot read {raw.strip()!r} as a TOML value") from None
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> None:
    """Set dotted ``overrides`` into ``data`` in place."""
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split(".")
        for i, key in enumerate(parents):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                where = ".".join(parents[: i + 1])
                raise ScenarioError(source, dotted, f"{where} is not a table")
            node = child
        for other in _ONE_OF.get(".".join(parents), ()):
            if other != leaf and leaf in _ONE_OF[".".join(parents)]:
                node.pop(other, None)
        node[leaf] = value


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML file at ``path``: a regular file of bounded size, nested to a bounded depth."""
    try:
        text = read_bounded(path).decode("utf-8")
        data = tomllib.loads(text)
    except InputFileError as exc:
        raise ScenarioError(str(path), "", str(exc)) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(
            str(path), "", f"invalid TOML: nested more than {scenario_checks.MAX_DEPTH} levels deep"
        ) from None
    problem = scenario_checks.too_deep(data)
    if problem:
        raise ScenarioError(str(path), *problem)
    return data


def read_layers(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file at ``path`` merged over its ``extends`` chain (without registry defaults)."""
    resolved = path.resolve()
    if resolved in seen:
        raise ScenarioError(str(path), "extends", "circular extends chain")
    data = _read_toml(path)
    if not seen and not data:
        raise ScenarioError(str(path), "", "is empty; a scenario needs at least a name")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    parent_path = _parent_path(str(path), "", path.parent, parent)
    try:
        base = read_layers(parent_path, (*seen, resolved))
    except ScenarioError as exc:
        if exc.source == str(path):  # a circular chain: already names this file
            raise
        raise ScenarioError(str(path), "extends", str(exc)) from None
    return deep_merge(base, data)


def _location(error: Mapping[str, Any]) -> tuple[str, str]:
    tags = {*_dist_names(), "discrete"}
    loc = [str(p) for p in error["loc"] if not str(p).startswith("function-") and p not in tags]
    message = str(error.get("ctx", {}).get("error", error["msg"]))
    match = _PATH_IN_MESSAGE.match(message)
    if match:
        loc.append(match.group(1))
        message = match.group(2)
    return ".".join(loc), message


_BOUND_WORDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _first_error(exc: ValidationError) -> tuple[str, str, int]:
    errors = exc.errors()
    field, message = _location(errors[0])
    if errors[0]["type"] == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif errors[0]["type"] == "missing":
        message = "required field is missing"
    elif errors[0]["type"] in _BOUND_WORDS:
        bound_key, words = _BOUND_WORDS[errors[0]["type"]]
        message = f"must be {words} {errors[0]['ctx'][bound_key]:g}"
    elif errors[0]["type"] == "union_tag_invalid":
        message = f"unknown distribution; use one of {', '.join(_dist_names())}"
    return field, message, len(errors)


def _dist_names() -> tuple[str, ...]:
    from hubsim.scenario.distributions import DIST_NAMES

    return DIST_NAMES


_PROFILE_SECTIONS = ("population", "screening", "routing")


def _complete_profiles(data: dict[str, Any]) -> None:
    """Fill each population profile's missing sections from the scenario's own, in place."""
    profiles = data.get("profiles")
    if not isinstance(profiles, dict):
        return
    sessions = (data.get("therapy") or {}).get("sessions", {})
    for name, profile in profiles.items():
        if not isinstance(profile, dict):
            continue
        merged = {k: v for k, v in profile.items() if k not in (*_PROFILE_SECTIONS, "sessions")}
        for section in _PROFILE_SECTIONS:
            merged[section] = deep_merge(data.get(section) or {}, profile.get(section) or {})
        own = _sessions_for_all_tiers(profile.get("sessions", {}))
        merged["sessions"] = deep_merge(sessions if isinstance(sessions, dict) else {}, own)
        profiles[name] = merged


def validate(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a merged scenario mapping (registry defaults already included)."""
    merged: dict[str, Any] = copy.deepcopy(dict(data))
    therapy = merged.get("therapy")
    if isinstance(therapy, dict) and "sessions" in therapy:
        therapy["sessions"] = _sessions_for_all_tiers(therapy["sessions"])
    _complete_profiles(merged)
    for check in (scenario_checks.too_deep, scenario_checks.not_finite):
        problem = check(merged)
        if problem:
            raise ScenarioError(source, *problem)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        field, message, count = _first_error(exc)
        if isinstance(scenario_checks.lookup(merged, field), bool):  # false read as 0, say so
            message = "must be a number, not true/false"
        elif count > 1:
            message += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
        raise ScenarioError(source, field, message) from None
    dumped = scenario.model_dump(mode="python", by_alias=True)
    problem = (scenario_checks.not_a_number(merged, dumped)
               or scenario_checks.date_problems(scenario))
    if problem:
        raise ScenarioError(source, *problem)
    return scenario


def build(
    layers: Mapping[str, Any], overrides: Mapping[str, Any] | None, source: str,
    base_dir: Path | None = None,
) -> AnyScenario:
    """Registry defaults < ``layers`` < ``overrides``, validated.

    ``layers`` with a ``hubs`` table builds a ``MultiHubScenario`` (see ``build_multi``).
    """
    if "hubs" in layers:
        return build_multi(layers, overrides, source, base_dir or Path("."))
    hub = (overrides or {}).get("hub", layers.get("hub"))
    data = deep_merge(registry.scenario_defaults(hub if isinstance(hub, str) else None), layers)
    if overrides:
        apply_overrides(data, dict(overrides), source)
    return validate(data, source)


_MULTI_KEYS = ("name", "description", "hubs")


def _hub_overrides(overrides: Mapping[str, Any], hub: str) -> dict[str, Any]:
    """Overrides for one Hub: ``hubs.HUB.KEY`` for that Hub, plain ``KEY`` for every Hub."""
    out = {k: v for k, v in overrides.items() if not k.startswith("hubs.")}
    prefix = f"hubs.{hub}."
    out.update({k[len(prefix):]: v for k, v in overrides.items() if k.startswith(prefix)})
    return out


def build_multi(
    layers: Mapping[str, Any], overrides: Mapping[str, Any] | None, source: str, base_dir: Path
) -> MultiHubScenario:
    """Several Hubs: ``[hubs.ID]`` tables, each usually ``extends`` a single-Hub file.

    The table's ``ID`` is the Hub's ``hub`` identifier (it replaces one set in the extended file).
    Per Hub the merge order is: registry < its ``extends`` chain < the multi-Hub file's other
    top-level keys (shared settings, e.g. ``horizon_days``) < its own table < overrides.
    """
    overrides = dict(overrides or {})
    hubs = layers["hubs"]
    if not isinstance(hubs, Mapping) or not hubs:
        raise ScenarioError(source, "hubs", "must be a table of Hub tables, e.g. [hubs.my-hub]")
    known = {f"hubs.{h}." for h in hubs}
    for key in overrides:
        if key.startswith("hubs.") and not any(key.startswith(k) for k in known):
            raise ScenarioError(source, key, "no such Hub in this scenario")
    shared = {k: v for k, v in layers.items() if k not in _MULTI_KEYS}
    built: list[Scenario] = []
    for hub_id, table in hubs.items():
        if not isinstance(table, Mapping):
            raise ScenarioError(source, f"hubs.{hub_id}", "must be a table")
        table = dict(table)
        parent = table.pop("extends", None)
        base = {}
        if parent is not None:
            base = read_layers(_parent_path(source, f"hubs.{hub_id}", base_dir, parent))
        hub_layers = deep_merge(deep_merge(base, shared), {**table, "hub": hub_id})
        try:
            hub = build(hub_layers, _hub_overrides(overrides, hub_id), source)
            if not isinstance(hub, Scenario):
                raise ScenarioError(source, "hubs", "a Hub's table cannot hold Hubs")
            built.append(hub)
        except ScenarioError as exc:
            field = f"hubs.{hub_id}.{exc.field}".rstrip(".")
            raise ScenarioError(source, field, exc.message) from None
    try:
        return MultiHubScenario(
            name=layers.get("name", "Several Hubs"), description=layers.get("description", ""),
            hubs=tuple(built),
        )
    except ValidationError as exc:
        field, message, _ = _first_error(exc)
        raise ScenarioError(source, field, message) from None


def _parent_path(source: str, field: str, base_dir: Path, parent: object) -> Path:
    if not isinstance(parent, str):
        raise ScenarioError(source, f"{field}.extends".lstrip("."), "must be a relative file path")
    path = base_dir / parent
    if not path.is_file():
        raise ScenarioError(
            source, f"{field}.extends".lstrip("."), f"{parent!r} not found beside this file"
        )
    return path


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> AnyScenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : a TOML scenario file
    overrides : dotted keys to values, e.g. ``{"staff.therapists.wte": 6}``

    Raises
    ------
    ScenarioError
        naming the file, the dotted field and the problem.
    """
    path = Path(path)
    return build(read_layers(path), overrides, str(path), path.parent)
