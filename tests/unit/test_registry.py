"""Unit tests for hubsim.scenario.registry (the evidence registry) and its use as scenario
defaults."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import TypeAdapter

from hubsim.scenario import loader, registry
from hubsim.scenario.distributions import Distribution
from hubsim.scenario.schema import Scenario


def _get(tree: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if key not in tree and key.isdigit() and int(key) in tree:
            key = int(key)  # a dumped model keeps integer keys (e.g. price years)
        tree = tree[key]
    return tree


def _has(tree: Any, dotted: str) -> bool:
    try:
        _get(tree, dotted)
    except (KeyError, TypeError):
        return False
    return True


def _concrete(tree: Any, name: str) -> list[str]:
    """The dotted paths a registry name stands for in ``tree``: the name itself, or for a
    wildcard row (``staff.*.annual_leave_days``) one path per table under the wildcard."""
    head, star, tail = name.partition(".*.")
    if not star:
        return [name]
    node = _get(tree, head) if _has(tree, head) else {}
    return [f"{head}.{key}.{tail}" for key, value in node.items() if isinstance(value, dict)]


def _under(leaf: str, name: str) -> bool:
    """True if scenario path ``leaf`` is the registry row ``name`` or inside it (``*`` = a key)."""
    leaf_parts, name_parts = leaf.split("."), name.split(".")
    return len(leaf_parts) >= len(name_parts) and all(
        n in ("*", part) for n, part in zip(name_parts, leaf_parts, strict=False)
    )


def test_registry_is_not_empty() -> None:
    assert len(registry.entries()) >= 10


@pytest.mark.parametrize("row", registry.entries(), ids=lambda r: r.name)
def test_every_row_has_unit_source_and_known_status(row: registry.Entry) -> None:
    assert isinstance(row.unit, str) and row.unit.strip()
    assert isinstance(row.source, str) and row.source.strip()
    assert row.status in ("evidenced", "derived", "assumption")


@pytest.mark.parametrize("row", registry.entries(), ids=lambda r: f"{r.name}@{r.hub or 'all'}")
def test_every_row_has_a_known_confidence(row: registry.Entry) -> None:
    assert row.confidence in registry.CONFIDENCES


def test_targets_and_constants_have_a_confidence() -> None:
    assert all(t["confidence"] in registry.CONFIDENCES for t in registry.targets())
    assert registry.constant("waits.standard_6w_days").confidence == "high"


def test_assumptions_are_never_high_confidence_unless_no_claim() -> None:
    """An assumption makes no evidenced claim: at most medium, except the rows that are labels or
    analysis settings about nothing in the world (the scenario's description, a warm-up of 0
    for a Hub that starts empty at launch)."""
    high = [r.name for r in registry.entries() if r.status == "assumption"
            and r.confidence == "high"]
    assert high == ["description", "warmup_days"]


def test_news_items_and_recalled_values_are_not_high_confidence() -> None:
    """An "evidenced" value read in a news item, a repository transcription or recalled is at
    most medium confidence (README, Evidence registry)."""
    secondary = ("news", ".co.uk", ".org.uk", ".com", "COSTmos", ", M)", ", L)", "recalled")
    for row in registry.entries():
        if row.status == "evidenced" and any(word in row.source for word in secondary):
            assert row.confidence != "high", row.name


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"name": "x", "status": "evidenced"}, "x: confidence is missing"),
        ({"name": "x", "status": "evidenced", "confidence": "certain"}, "unknown confidence"),
        ({"name": "x", "status": "guess", "confidence": "low"}, "unknown status"),
    ],
)
def test_check_row_names_the_file_row_and_field(row: dict, words: str) -> None:
    with pytest.raises(ValueError, match="evidence-x.toml") as caught:
        registry.check_row(row, "evidence-x.toml [[parameter]]")
    assert words in str(caught.value)


def test_rows_are_unique_per_hub() -> None:
    keys = Counter((r.name, r.hub) for r in registry.entries())
    assert [k for k, c in keys.items() if c > 1] == []


def test_hub_specific_rows_override_a_general_row() -> None:
    general = {r.name for r in registry.entries() if r.hub is None}
    assert [r.name for r in registry.entries() if r.hub and r.name not in general] == []


def _range_quantity(value: Any) -> float:
    """The number a row's range bounds: the value, a distribution's mean, a ``{mean, sd}``
    table's mean, or the mean of the one distribution inside a table (e.g. an external
    destination's ``wait_days``)."""
    if isinstance(value, dict) and "dist" not in value and "mean" in value:
        return value["mean"]
    if isinstance(value, dict) and "dist" not in value:
        inner = [v for v in value.values() if isinstance(v, dict) and "dist" in v]
        assert len(inner) == 1, value
        value = inner[0]
    if isinstance(value, dict):
        return TypeAdapter(Distribution).validate_python(value).mean_value
    return value


@pytest.mark.parametrize(
    "row", [r for r in registry.entries() if r.range is not None],
    ids=lambda r: f"{r.name}@{r.hub or 'all'}",
)
def test_default_lies_within_its_range(row: registry.Entry) -> None:
    low, high = row.range
    assert low <= high
    assert low <= _range_quantity(row.value) <= high


def test_defaults_validate_as_a_scenario_on_their_own() -> None:
    scenario = loader.validate(registry.scenario_defaults())
    assert isinstance(scenario, Scenario)


def test_scenario_defaults_is_a_fresh_copy() -> None:
    first = registry.scenario_defaults()
    first["staff"]["therapists"]["wte"] = 999
    first["arrivals"]["profile"].clear()
    again = registry.scenario_defaults()
    assert again["staff"]["therapists"]["wte"] == registry.entry("staff.therapists.wte").value
    assert len(again["arrivals"]["profile"]) > 0


def test_entry_lookup() -> None:
    assert registry.entry("staff.therapists.wte").name == "staff.therapists.wte"
    with pytest.raises(KeyError):
        registry.entry("staff.therapists.wtee")


def test_as_records_one_per_row_with_source() -> None:
    records = registry.as_records()
    assert [r["name"] for r in records] == [r.name for r in registry.entries()]
    assert all(set(r) >= {"name", "value", "unit", "status", "source"} for r in records)


SINGLE_HUB_FILES = ["baseline.toml", *(f"{h}.toml" for h in registry.hubs())]


@pytest.mark.parametrize("filename", SINGLE_HUB_FILES)
def test_scenario_takes_registry_values_unless_its_files_set_them(repo_root, filename) -> None:
    path = repo_root / "scenarios" / filename
    file_data = loader.read_layers(path)  # the file merged over its extends chain
    scenario = loader.load_scenario(path)
    loaded = scenario.model_dump(by_alias=True)
    hub_defaults = registry.scenario_defaults(scenario.hub)
    defaults = loader.validate(hub_defaults).model_dump(by_alias=True)
    checked = 0
    names = dict.fromkeys(r.name for r in registry.entries())
    for name in (path for n in names for path in _concrete(loaded, n)):
        if _has(file_data, name):
            raw = _get(file_data, name)
            if isinstance(raw, dict | list):  # a table: the file's keys over the registry's
                merged = loader.validate(loader.deep_merge(hub_defaults, file_data))
                raw = _get(merged.model_dump(by_alias=True), name)
            assert _get(loaded, name) == raw, name
        else:
            assert _get(loaded, name) == _get(defaults, name), name
            checked += 1
    assert checked >= 10  # a Hub scenario leans on the registry for most values


@pytest.mark.parametrize("hub", registry.hubs())
def test_hub_rows_are_the_hub_defaults(hub: str) -> None:
    defaults = registry.scenario_defaults(hub)
    loader.validate(defaults)
    for row in registry.entries():
        if row.hub == hub:
            for path in _concrete(defaults, row.name):
                assert _get(defaults, path) == row.value, path
            assert registry.entry(row.name, hub) == row


def test_baseline_therapist_wte_is_the_registry_value(baseline) -> None:
    wte = registry.entry("staff.therapists.wte", baseline.hub)
    assert baseline.staff.therapists.wte == wte.value
    contact = registry.entry("triage.contact_success", baseline.hub)
    assert baseline.triage.contact_success == contact.value


def test_every_scenario_leaf_comes_from_the_registry() -> None:
    """No default lives outside the registry: each leaf of the default scenario is under a row."""
    names = [r.name for r in registry.entries()]
    dumped = loader.validate(registry.scenario_defaults()).model_dump(by_alias=True)

    def leaves(tree: Any, path: str = ""):
        if isinstance(tree, dict) and "dist" not in tree:
            for key, value in tree.items():
                yield from leaves(value, f"{path}.{key}" if path else key)
        else:
            yield path

    for leaf in leaves(dumped):
        value = _get(dumped, leaf)
        if value is None or (isinstance(value, list | tuple | dict) and not value):
            continue  # an optional feature that is off unless a scenario turns it on
        assert any(_under(leaf, n) for n in names), leaf
