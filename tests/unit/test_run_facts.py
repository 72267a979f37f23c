"""Facts read from run metadata: staffing over time, caseload slots, source and command lines."""

from __future__ import annotations

import pandas as pd
import pytest

from hubsim.results.run_facts import (
    caseload_slots,
    command_line,
    hubs,
    source_line,
    staffing_changes,
    wte_on,
)

ROLE = {"wte": 3, "caseload_per_wte": 10,
        "changes": [{"from": "2020-06-01", "wte": 5}],
        "borrowed": [{"from": "2020-05-01", "to": "2020-05-15", "wte": 1}]}
META = {"scenario_name": "S", "replications": 4, "seed": 7,
        "scenario": {"hub": "h", "start_date": "2020-04-01", "staff": {"therapists": ROLE}}}


def test_wte_on_applies_changes_and_loans():
    dates = pd.Series(pd.to_datetime(["2020-04-30", "2020-05-01", "2020-05-15", "2020-06-01"]))
    assert list(wte_on(ROLE, None, dates)) == [3.0, 4.0, 3.0, 5.0]


def test_staffing_changes_list_every_step():
    changes = staffing_changes(META)
    assert list(changes["wte_before"]) == [3.0, 4.0, 3.0]
    assert list(changes["wte"]) == [4.0, 3.0, 5.0]
    assert [str(d) for d in changes["date"]] == ["2020-05-01", "2020-05-15", "2020-06-01"]


def test_no_changes_no_rows():
    meta = {"scenario": {"hub": "h", "start_date": "2020-04-01",
                         "staff": {"therapists": {"wte": 2, "caseload_per_wte": 5}}}}
    assert staffing_changes(meta).empty
    assert staffing_changes({}).empty


def test_caseload_slots_are_rounded_and_summed_over_hubs():
    hub_b = {"hub": "b", "start_date": "2020-04-01",
             "staff": {"therapists": {"wte": 0.25, "caseload_per_wte": 10}}}
    meta = {"scenario": {"hubs": [META["scenario"], hub_b]}}
    slots = caseload_slots(meta, pd.Series(pd.to_datetime(["2020-04-02", "2020-06-02"])))
    # round(3 * 10) + round(0.25 * 10) = 30 + 2; then 50 + 2
    assert list(slots["slots"]) == [32.0, 52.0]
    assert set(slots["pool"]) == {"therapy"}


def test_therapy_pool_adds_therapists_and_psychologists_before_rounding():
    staff = {"therapists": {"wte": 0.25, "caseload_per_wte": 10},
             "psychologists": {"wte": 0.25, "caseload_per_wte": 10}}
    meta = {"scenario": {"hub": "h", "start_date": "2020-04-01", "staff": staff}}
    slots = caseload_slots(meta, pd.Series(pd.to_datetime(["2020-04-02"])))
    assert list(slots["slots"]) == [5.0]  # round(2.5 + 2.5), not round(2.5) + round(2.5)


def test_source_and_command_lines():
    assert source_line(META) == "Scenario: S · 4 replications · seed 7"
    meta = {**META, "scenario_file": "scenarios/x.toml", "overrides": ["a.b=1", "name=two words"]}
    assert command_line(meta) == ("hubsim run scenarios/x.toml --replications 4 --seed 7 "
                                  "--set a.b=1 --set 'name=two words'")


@pytest.mark.parametrize("meta,count", [({}, 0), (META, 1),
                                        ({"scenario": {"hubs": [{}, {}]}}, 2)])
def test_hubs(meta, count):
    assert len(hubs(meta)) == count
