"""Property tests of scenario validation: every bad input -> ScenarioError naming the field.

A random valid scenario (``tests/property/conftest.py``) is validated, dumped to a plain nested
mapping with every table explicit, and broken in exactly one place: a negative number in a field
with a lower bound, a probability above 1, an unknown key in a table at any depth, or routing
probabilities that no longer sum to 1. Rebuilding must raise ``ScenarioError`` whose ``field`` is
the dotted path of the broken field and whose message contains it, and must do so quickly.

The fields are enumerated from the validated scenario itself (pydantic bounds in the field
metadata), so fields added to the schema later are covered without editing this file.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import annotated_types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from hubsim.scenario.loader import ScenarioError, build
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
QUICK_SECONDS = 2.0  # validation is milliseconds; seconds would mean a loop or a simulation
PROBABILITY_MAPS = ("prevalence", "sector", "ethnicity", "risk_factors")
"""Mapping fields whose entries are probabilities (checked in their model's validator)."""

Path = tuple[str | int, ...]


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _walk(model: BaseModel, path: Path = ()) -> Iterator[tuple[Path, FieldInfo | None, Any]]:
    """Every field below ``model``: (path, field info or None for a mapping entry, value)."""
    for name, info in type(model).model_fields.items():
        here = (*path, info.alias or name)
        value = getattr(model, name)
        yield here, info, value
        if isinstance(value, BaseModel):
            yield from _walk(value, here)
        elif isinstance(value, tuple | Mapping):
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, item in items:
                yield (*here, key), None, item
                if isinstance(item, BaseModel):
                    yield from _walk(item, (*here, key))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(info: FieldInfo) -> list[Any]:
    return [m for m in info.metadata if isinstance(m, annotated_types.BaseMetadata)]


def _lower_bounded(info: FieldInfo | None, path: Path) -> bool:
    if info is None:  # a mapping entry: only probability maps have bounds
        return len(path) >= 2 and path[-2] in PROBABILITY_MAPS
    return any(isinstance(m, annotated_types.Ge | annotated_types.Gt) and
               float(getattr(m, "ge", getattr(m, "gt", -1))) >= 0 for m in _bounds(info))


def _probability(info: FieldInfo | None, path: Path) -> bool:
    if info is None:
        return len(path) >= 2 and path[-2] in PROBABILITY_MAPS
    return any(isinstance(m, annotated_types.Le | annotated_types.Lt) and
               float(getattr(m, "le", getattr(m, "lt", 2))) <= 1 for m in _bounds(info))


def numeric_fields(scenario: Scenario, keep) -> list[tuple[Path, bool]]:
    """(path, is_int) of numeric fields for which ``keep(info, path)`` is true."""
    return [
        (path, isinstance(value, int))
        for path, info, value in _walk(scenario)
        if _is_number(value) and keep(info, path)
    ]


def tables(scenario: Scenario) -> list[Path]:
    """Paths of every table that forbids unknown keys (the root and every sub-model)."""
    return [()] + [path for path, _, value in _walk(scenario) if isinstance(value, BaseModel)]


def _thaw(value: Any) -> Any:
    """A model dump as plain, mutable dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def explicit_layers(scenario: Scenario) -> dict[str, Any]:
    """The scenario as layers with every table written out (so any leaf can be broken)."""
    return _thaw(scenario.model_dump(by_alias=True))


def _set(layers: dict[str, Any], path: Path, value: Any) -> None:
    node: Any = layers
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _get(layers: dict[str, Any], path: Path) -> Any:
    node: Any = layers
    for key in path:
        node = node[key]
    return node


def assert_names_field(layers: dict[str, Any], field: str) -> ScenarioError:
    """Building ``layers`` raises ScenarioError for ``field``, quickly."""
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        build(layers, None, "broken.toml")
    elapsed = time.perf_counter() - started
    error = caught.value
    assert error.field == field, f"expected field {field!r}, got {error.field!r}: {error}"
    assert field in str(error)
    assert str(error).startswith("broken.toml: ")
    assert error.message and error.message in str(error)
    assert elapsed < QUICK_SECONDS, f"validation took {elapsed:.2f} s"
    return error


def _valid_scenario(data: st.DataObject, strategy) -> Scenario:
    return build(data.draw(strategy, label="layers"), None, "valid.toml")


# ------------------------------------------------------------------------------ tests


def test_explicit_layers_round_trip():
    """The harness itself: a dumped scenario rebuilds to an equal scenario, so in the tests below
    the one deliberate change is the only thing wrong."""
    scenario = build({}, None, "defaults")
    assert build(explicit_layers(scenario), None, "again") == scenario
    assert len(numeric_fields(scenario, _lower_bounded)) > 30
    assert len(numeric_fields(scenario, _probability)) > 10
    assert len(tables(scenario)) > 15


@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_scenarios_round_trip(data, valid_layers):
    scenario = _valid_scenario(data, valid_layers)
    assert build(explicit_layers(scenario), None, "again") == scenario


@PROPERTY_SETTINGS
@given(data=st.data())
def test_negative_number_names_the_field(data, valid_layers):
    scenario = _valid_scenario(data, valid_layers)
    path, is_int = data.draw(
        st.sampled_from(numeric_fields(scenario, _lower_bounded)), label="field"
    )
    value = data.draw(
        st.integers(-10**6, -1) if is_int else st.floats(-1e6, -1e-6), label="value"
    )
    layers = explicit_layers(scenario)
    _set(layers, path, value)
    assert_names_field(layers, _dotted(path))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_probability_above_one_names_the_field(data, valid_layers):
    scenario = _valid_scenario(data, valid_layers)
    path, _ = data.draw(st.sampled_from(numeric_fields(scenario, _probability)), label="field")
    value = data.draw(st.floats(1.0 + 1e-6, 10.0), label="value")
    layers = explicit_layers(scenario)
    _set(layers, path, value)
    assert_names_field(layers, _dotted(path))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_unknown_key_at_any_depth_names_the_key(data, valid_layers):
    scenario = _valid_scenario(data, valid_layers)
    table = data.draw(st.sampled_from(tables(scenario)), label="table")
    key = "zz_" + data.draw(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), label="key")
    layers = explicit_layers(scenario)
    _get(layers, table)[key] = data.draw(
        st.one_of(st.integers(), st.text(max_size=5), st.booleans()), label="value"
    )
    assert_names_field(layers, _dotted((*table, key)))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_routing_not_summing_to_one_names_the_tier(data, valid_layers):
    scenario = _valid_scenario(data, valid_layers)
    tier = data.draw(st.sampled_from(NEED_TIERS), label="tier")
    pathway = data.draw(st.sampled_from(PATHWAYS), label="pathway")
    delta = data.draw(st.floats(1e-4, 0.5), label="delta")
    layers = explicit_layers(scenario)
    old = layers["routing"][tier][pathway]
    new = old + delta if old + delta <= 1 else old - delta  # stays within [0, 1]
    layers["routing"][tier][pathway] = new
    error = assert_names_field(layers, f"routing.{tier}")
    assert "sum to 1" in error.message


@PROPERTY_SETTINGS
@given(data=st.data())
def test_dotted_override_of_a_bad_value_names_the_key(data, valid_layers):
    """The same through ``overrides`` (what ``--set KEY=VALUE`` uses) on a few leaf fields."""
    layers = data.draw(valid_layers, label="layers")
    key, value = data.draw(st.sampled_from([
        ("horizon_days", -1.0),
        ("staff.therapists.wte", -2.0),
        ("staff.triage.wte", 0.0),
        ("triage.contact_success", 1.5),
        ("triage.max_attempts", 0),
        ("therapy.dna_probability", 1.0),
        ("therapy.dropout_per_session", -0.1),
        ("routing.high.signpost", 2.0),
        ("arrivals.per_week", -5.0),
        ("warmup_days", -3.0),
    ]), label="override")
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        build(layers, {key: value}, "--set")
    assert caught.value.field == key
    assert key in str(caught.value)
    assert time.perf_counter() - started < QUICK_SECONDS
