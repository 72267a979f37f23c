"""Unit tests for hubsim.scenario.loader: TOML files, ``extends``, overrides and validation
messages."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hubsim.scenario import registry
from hubsim.scenario.distributions import Exponential, Fixed, Lognormal, Poisson
from hubsim.scenario.loader import (
    ScenarioError,
    apply_overrides,
    build,
    deep_merge,
    load_scenario,
    parse_override,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def assert_names(exc: ScenarioError, source: str, field: str) -> None:
    """The error names the file and the dotted field, in that order, in one line."""
    message = str(exc)
    assert exc.source == source
    assert exc.field == field
    assert message.startswith(f"{source}: {field}: "), message
    assert "\n" not in message


# --------------------------------------------------------------------------- bad files

BAD_FILES = [
    ("typo", "[staff.therapists]\nwtee = 3\n", "staff.therapists.wtee", "unknown field"),
    ("negative_rate", "[arrivals]\nper_week = -1\n", "arrivals.per_week", ">= 0"),
    ("probability", "[triage]\ncontact_success = 1.5\n", "triage.contact_success", "<= 1"),
    (
        "routing_sum",
        """
        [routing.high]
        hub_therapy = 0.5
        brief_support = 0.1
        external_referral = 0.3
        signpost = 0.1
        no_further_support = 0.1
        """,
        "routing.high",
        "sum to 1",
    ),
    ("warmup", "horizon_days = 100\nwarmup_days = 100\n", "warmup_days", "horizon_days"),
    (
        "unknown_dist",
        '[triage]\ncall_minutes = { dist = "weibull", mean = 60 }\n',
        "triage.call_minutes",
        "unknown distribution",
    ),
    (
        "empirical_weights",
        '[brief_support]\nsessions = { dist = "empirical", values = [1, 2], weights = [1] }\n',
        "brief_support.sessions.weights",
        "one entry per value",
    ),
    ("zero_wte", "[staff.therapists]\nwte = 0\n", "staff.therapists.wte", "> 0"),
    ("top_level_typo", "horizon_dayz = 100\n", "horizon_dayz", "unknown field"),
    ("wrong_type", 'horizon_days = "long"\n', "horizon_days", ""),
]


@pytest.mark.parametrize(("stem", "text", "field", "words"), BAD_FILES,
                         ids=[c[0] for c in BAD_FILES])
def test_bad_file_names_file_and_field(tmp_path, stem, text, field, words) -> None:
    path = write(tmp_path, f"{stem}.toml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_names(info.value, str(path), field)
    assert words in str(info.value)


def test_bad_toml_syntax_names_the_file(tmp_path) -> None:
    path = write(tmp_path, "broken.toml", "name = \n[staff\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert "TOML" in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_toml_in_an_extended_file_names_that_file(tmp_path) -> None:
    write(tmp_path, "base.toml", "horizon_days = = 3\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(tmp_path / "base.toml") in str(info.value)
    assert "TOML" in str(info.value)


def test_missing_file(tmp_path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


def test_folder_instead_of_file(tmp_path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_extends_missing_file(tmp_path) -> None:
    path = write(tmp_path, "child.toml", 'extends = "missing-base.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_names(info.value, str(path), "extends")
    assert "missing-base.toml" in str(info.value)


def test_extends_not_a_string(tmp_path) -> None:
    path = write(tmp_path, "child.toml", "extends = 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_names(info.value, str(path), "extends")


def test_circular_extends(tmp_path) -> None:
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    assert info.value.field == "extends"
    assert "circular" in str(info.value)
    assert "a.toml" in str(info.value)


def test_self_extends(tmp_path) -> None:
    path = write(tmp_path, "me.toml", 'extends = "me.toml"\n')
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(path)


# --------------------------------------------------------------------------- extends merging

BASE = """
    name = "Base Hub"
    hub = "base"
    horizon_days = 200

    [triage]
    call_minutes = { dist = "lognormal", mean = 50, sd = 10 }
    contact_success = 0.5
    retry_after_days = 3

    [staff.therapists]
    wte = 4
    caseload_per_wte = 10
"""


def test_extends_deep_merges(tmp_path) -> None:
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "child.toml", """
        extends = "base.toml"
        name = "Child Hub"

        [triage]
        contact_success = 0.9

        [staff.therapists]
        wte = 6
    """)
    scenario = load_scenario(child)
    assert scenario.name == "Child Hub"
    assert scenario.hub == "base"  # inherited
    assert scenario.horizon_days == 200
    assert scenario.triage.contact_success == 0.9  # overridden ...
    assert scenario.triage.retry_after_days == 3  # ... its siblings inherited
    assert scenario.triage.call_minutes == Lognormal(dist="lognormal", mean=50, sd=10)
    assert scenario.staff.therapists.wte == 6
    assert scenario.staff.therapists.caseload_per_wte == 10
    # neither file sets this: the registry default
    assert scenario.staff.brief.wte == registry.entry("staff.brief.wte").value


def test_extends_chain_of_three(tmp_path) -> None:
    write(tmp_path, "base.toml", BASE)
    sub = tmp_path / "variants"
    sub.mkdir()
    write(sub, "middle.toml", 'extends = "../base.toml"\nhorizon_days = 300\n')
    top = write(sub, "top.toml", 'extends = "middle.toml"\n[staff.therapists]\nwte = 5\n')
    scenario = load_scenario(top)
    assert (scenario.hub, scenario.horizon_days, scenario.staff.therapists.wte) == ("base", 300, 5)
    assert scenario.staff.therapists.caseload_per_wte == 10


def test_distribution_table_replaces_not_merges(tmp_path) -> None:
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "child.toml", """
        extends = "base.toml"
        [triage]
        call_minutes = { dist = "exponential", mean = 45 }
    """)
    # merging would keep the base's sd, which an exponential forbids
    assert load_scenario(child).triage.call_minutes == Exponential(dist="exponential", mean=45)


def test_bare_number_replaces_a_distribution(tmp_path) -> None:
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[triage]\ncall_minutes = 40\n')
    assert load_scenario(child).triage.call_minutes == Fixed(dist="fixed", value=40)


def test_distribution_replaces_registry_default(tmp_path) -> None:
    # the registry default is a gamma with an sd, which an exponential would not accept
    text = '[external]\nnavigation_days = { dist = "exponential", mean = 9 }\n'
    path = write(tmp_path, "s.toml", text)
    assert load_scenario(path).external.navigation_days == Exponential(dist="exponential", mean=9)


def test_arrivals_table_replaces_the_profile(tmp_path) -> None:
    path = write(tmp_path, "s.toml", "[arrivals]\nper_week = 12\n")
    arrivals = load_scenario(path).arrivals
    assert arrivals.per_week == 12
    assert arrivals.profile is None


def test_one_sessions_distribution_for_all_tiers(tmp_path) -> None:
    path = write(tmp_path, "s.toml", '[therapy]\nsessions = { dist = "poisson", mean = 5 }\n')
    sessions = load_scenario(path).therapy.sessions
    assert sessions.low == sessions.moderate == sessions.high == Poisson(dist="poisson", mean=5)


def test_deep_merge_does_not_mutate_inputs() -> None:
    base = {"a": {"b": 1, "c": {"dist": "fixed", "value": 1}}, "l": [1, 2]}
    top = {"a": {"b": 2, "c": {"dist": "exponential", "mean": 3}}, "l": [3]}
    merged = deep_merge(base, top)
    assert merged == {"a": {"b": 2, "c": {"dist": "exponential", "mean": 3}}, "l": [3]}
    assert base == {"a": {"b": 1, "c": {"dist": "fixed", "value": 1}}, "l": [1, 2]}
    merged["a"]["c"]["mean"] = 99
    assert top["a"]["c"]["mean"] == 3


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("staff.therapists.wte=6", ("staff.therapists.wte", 6)),
        ("staff.therapists.wte = 6.5", ("staff.therapists.wte", 6.5)),
        ('name="A Hub"', ("name", "A Hub")),
        ("therapy.priority=need", ("therapy.priority", "need")),  # a bare word is a string
        (
            'triage.call_minutes={dist="fixed", value=3}',
            ("triage.call_minutes", {"dist": "fixed", "value": 3}),
        ),
        ("brief_support.sessions.values=[1, 2]", ("brief_support.sessions.values", [1, 2])),
        ("staff.therapists.wte=abc", ("staff.therapists.wte", "abc")),  # validation rejects it
    ],
)
def test_parse_override(text: str, expected: tuple) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["nokeyvalue", "=6", "a..b=1", ".a=1", "a b=1", "a.b=[1,"])
def test_malformed_override_is_rejected(text: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_override(text)
    assert info.value.source == "--set"
    assert "\n" not in str(info.value)


def test_override_table_literal_builds_a_distribution(baseline_path) -> None:
    key, value = parse_override('triage.call_minutes={dist="fixed", value=3}')
    scenario = load_scenario(baseline_path, {key: value})
    assert scenario.triage.call_minutes == Fixed(dist="fixed", value=3)


def test_overrides_apply_and_are_validated(baseline_path) -> None:
    scenario = load_scenario(baseline_path, {"staff.therapists.wte": 6})
    assert scenario.staff.therapists.wte == 6
    assert scenario.staff.therapists.slots == 6 * scenario.staff.therapists.caseload_per_wte
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, {"staff.therapists.wte": -1})
    assert_names(info.value, str(baseline_path), "staff.therapists.wte")
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, dict([parse_override("staff.therapists.wte=abc")]))
    assert_names(info.value, str(baseline_path), "staff.therapists.wte")
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, {"staff.therapists.wtee": 6})
    assert_names(info.value, str(baseline_path), "staff.therapists.wtee")


def test_override_into_a_non_table(baseline_path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, {"triage.admin_minutes.mean": 5})
    assert_names(info.value, str(baseline_path), "triage.admin_minutes.mean")


def test_apply_overrides_creates_tables() -> None:
    data: dict = {"a": {"b": 1}}
    apply_overrides(data, {"a.c": 2, "x.y.z": 3}, "test")
    assert data == {"a": {"b": 1, "c": 2}, "x": {"y": {"z": 3}}}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"staff.therapists.wtee": 3}, "staff.therapists.wtee"),
        ({"arrivals": {"per_week": -1}}, "arrivals.per_week"),
        ({"triage.contact_success": 1.5}, "triage.contact_success"),
        ({"routing.high.hub_therapy": 0.9}, "routing.high"),
        ({"warmup_days": 120}, "warmup_days"),
        ({"triage.call_minutes": {"dist": "weibull"}}, "triage.call_minutes"),
        ({"screening.prevalence.anxiety": 1.0}, "screening.prevalence.anxiety"),
        ({"calendar": "sometimes"}, "calendar"),
        ({"therapy.priority": "random"}, "therapy.priority"),
    ],
)
def test_build_errors_name_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        build({"horizon_days": 120}, overrides, "t.toml")
    assert_names(info.value, "t.toml", field)


def test_error_counts_further_problems() -> None:
    with pytest.raises(ScenarioError) as info:
        build({}, {"staff.therapists.wte": -1, "staff.brief.wte": -1}, "t.toml")
    assert "1 more problem" in str(info.value)


# --------------------------------------------------------------------------- the result


def test_load_scenario_returns_a_frozen_model(baseline) -> None:
    with pytest.raises(ValidationError):
        baseline.horizon_days = 10
    with pytest.raises(ValidationError):
        baseline.staff.therapists.wte = 10
    assert baseline.staff.therapists.wte == registry.entry("staff.therapists.wte").value


def _containers(value: Any, path: str = "scenario") -> list[tuple[str, Any]]:
    """(dotted path, container) for every dict, list or set reachable from a scenario."""
    if isinstance(value, BaseModel):
        return [
            hit for name in type(value).model_fields
            for hit in _containers(getattr(value, name), f"{path}.{name}")
        ]
    if isinstance(value, tuple):
        return [hit for i, v in enumerate(value) for hit in _containers(v, f"{path}[{i}]")]
    if isinstance(value, dict | list | set):
        return [(path, value)]
    return []


def _changes_in_place(container: Any) -> bool:
    """Try a no-op in-place change (same key, same value); True if the container allowed it."""
    try:
        if isinstance(container, dict):
            key = next(iter(container))
            container[key] = container[key]
        elif isinstance(container, list):
            container[0:1] = container[0:1]
        else:
            container |= set()
    except (TypeError, AttributeError):
        return False
    return True


def test_loaded_scenario_cannot_be_changed_in_place(baseline_path) -> None:
    # "validated, immutable configuration" (DESIGN 2): frozen=True stops assignment, but a dict
    # field can still be changed in place, changing the scenario (and its hash) after validation.
    scenario = load_scenario(baseline_path)  # a fresh copy: the shared fixture stays intact
    mutable = [path for path, c in _containers(scenario) if c and _changes_in_place(c)]
    assert mutable == []


def test_nested_mapping_cannot_be_changed_in_place(baseline_path) -> None:
    scenario = load_scenario(baseline_path)
    with pytest.raises(TypeError):
        scenario.screening.prevalence["anxiety"] = 0.99  # would bypass the (0, 1) bound too


def test_loading_twice_gives_equal_scenarios(baseline_path) -> None:
    assert load_scenario(baseline_path) == load_scenario(str(baseline_path))


def test_verification_scenario_loads(mmc_path) -> None:
    scenario = load_scenario(mmc_path)
    assert scenario.calendar == "continuous"
    assert scenario.staff.therapists.slots == 3
    assert scenario.arrivals.profile is None
