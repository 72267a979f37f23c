"""The work estimate counts events, not only clients: absence spells make a tiny file heavy."""

from __future__ import annotations

from hubsim.experiments.workload import CONFIRM_EVENTS_PER_REPLICATION, estimate
from hubsim.scenario.loader import load_scenario

# the schema refuses spells shorter than a day on average, so the heaviest valid absence is 50% in
# one-day spells; over a large triage team and ten years that is about a million spells
SHORT_SPELLS = {"staff.triage.sickness_absence_pct": 50, "staff.triage.sickness_spell_days": 1,
                "staff.triage.wte": 500, "horizon_days": 3650}


def test_the_baseline_runs_without_asking(baseline) -> None:
    work = estimate(baseline, 30)
    assert 500 < work.clients < 5_000
    assert work.events < CONFIRM_EVENTS_PER_REPLICATION
    assert not work.needs_confirmation()


def test_short_sickness_spells_are_counted_and_named(baseline_path) -> None:
    long_run = {"horizon_days": SHORT_SPELLS["horizon_days"]}
    normal = estimate(load_scenario(baseline_path, long_run), 1)
    heavy = estimate(load_scenario(baseline_path, SHORT_SPELLS), 1)
    assert heavy.clients == normal.clients  # the same clients ...
    assert heavy.spells > 100 * normal.spells  # ... but far more absence spells
    assert heavy.needs_confirmation()
    assert heavy.driver == "staff.triage.sickness_spell_days"


def test_the_estimate_grows_with_replications(baseline) -> None:
    one, many = estimate(baseline, 1), estimate(baseline, 100_000)
    assert many.total_events == 100_000 * one.total_events
    assert not one.needs_confirmation() and many.needs_confirmation()
