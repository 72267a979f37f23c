"""The web app's modules without a page: safe uploads, levers, TOML out, caps, formatting,
outputs, the caching executor and the ``hubsim app`` command."""

from __future__ import annotations

import datetime as dt
import io
import logging
import tomllib

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from hubsim import load_scenario, run_experiment
from hubsim.app import levers, runner
from hubsim.app.limits import (
    MAX_CLIENTS_PER_REPLICATION,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MAX_UPLOAD_BYTES,
    check_workload,
    expected_clients,
)
from hubsim.app.outputs import FIGURES, RunResult
from hubsim.app.safe_upload import display_name, parse_upload
from hubsim.app.shipped import scenarios_dir, shipped_scenarios
from hubsim.app.toml_out import changes_toml, scenario_toml
from hubsim.app.views import fmt, fmt_interval, plain_text
from hubsim.cli import webapp
from hubsim.cli.main import app as cli_app
from hubsim.results.write import scenario_hash
from hubsim.scenario.loader import ScenarioError, build, read_layers
from hubsim.scenario.schema import PATHWAYS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMALL = {"horizon_days": 120.0}  # four months: fast
UNUSED_SEED = 80_808  # a seed no other test runs, so the app's cache starts empty for it


def test_shipped_scenarios_are_found_and_calibration_targets_are_not() -> None:
    names = list(shipped_scenarios())
    assert names[0] == "baseline.toml"
    assert {"north-of-england.toml", "verification/mmc.toml"} <= set(names)
    assert not [n for n in names if n.startswith("calibration/")]


def test_an_upload_extends_a_shipped_scenario_and_reads_nothing_else(baseline) -> None:
    layers, source = parse_upload(b'extends = "baseline.toml"\nname = "Mine"\n', "dir/../x.toml")
    assert source == "x.toml"
    scenario = build(layers, None, source, scenarios_dir())
    assert scenario.name == "Mine"
    assert scenario.staff == baseline.staff


@pytest.mark.parametrize("content, field", [
    (b"extends = 3\n", "extends"),
    (b'extends = "scenarios/baseline.toml"\n', "extends"),
    (b'extends = "calibration/evaluation-targets.toml"\n', "extends"),
    (b'[hubs.a]\nextends = "/etc/hostname"\n', "hubs.a.extends"),
])
def test_extends_outside_the_shipped_scenarios_is_refused(content: bytes, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_upload(content, "up.toml")
    assert (error.value.source, error.value.field) == ("up.toml", field)
    assert "shipped with hubsim" in error.value.message


def test_upload_size_is_limited() -> None:
    parse_upload(b"#" * MAX_UPLOAD_BYTES, "ok.toml")  # at the limit: read (and empty)
    with pytest.raises(ScenarioError, match="up to 64 KiB"):
        parse_upload(b"#" * (MAX_UPLOAD_BYTES + 1), "big.toml")


def test_display_name_keeps_only_a_short_file_name() -> None:
    assert display_name("/home/someone/secret/plan.toml") == "plan.toml"
    assert display_name(None) == "uploaded.toml"
    assert len(display_name("a" * 500 + ".toml")) <= 80


def test_routing_rescale_keeps_the_other_pathways_in_proportion(baseline) -> None:
    routing = baseline.routing.high
    shares = levers.rescale_routing(routing, 0.7)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-6)
    others = [p for p in PATHWAYS if p != "hub_therapy"]
    for p in others:
        assert shares[p] / shares["signpost"] == pytest.approx(
            getattr(routing, p) / routing.signpost, rel=1e-6)


def test_only_changed_levers_become_overrides_and_validate(baseline, baseline_path) -> None:
    values = levers.defaults(baseline)
    assert levers.hub_overrides(baseline, values) == {}
    values["staff.triage.wte"] = 2.0
    values["routing.low.hub_therapy"] = 0.3
    values[levers.SURGE] = {"from": dt.date(2020, 9, 1), "peak_per_week": 20.0,
                            "half_life_days": 30.0}
    values[levers.change_key("therapists")] = {"from": dt.date(2021, 1, 1), "wte": 3.0}
    overrides = levers.hub_overrides(baseline, values)
    changed = load_scenario(baseline_path, overrides)
    assert changed.staff.triage.wte == 2.0
    assert changed.routing.low.hub_therapy == 0.3
    assert len(changed.arrivals.surges) == 1
    assert [(c.start, c.wte) for c in changed.staff.therapists.changes] == [
        (dt.date(2021, 1, 1), 3.0)]
    assert levers.prefixed({"a.b": 1}, "hub-x") == {"hubs.hub-x.a.b": 1}


@pytest.mark.parametrize("name", list(shipped_scenarios()))
def test_a_downloaded_scenario_loads_back_to_the_same_scenario(name: str) -> None:
    scenario = load_scenario(shipped_scenarios()[name])
    text = scenario_toml(scenario, ["a note"])
    assert text.startswith("# a note\n")
    back = build(tomllib.loads(text), None, "download.toml", scenarios_dir())
    assert scenario_hash(back) == scenario_hash(scenario)


def test_a_changes_file_loads_back_to_the_changed_scenario(baseline_path) -> None:
    overrides = {"staff.therapists.wte": 1.5, "therapy.priority": "need", "horizon_days": 365.0}
    text = changes_toml(read_layers(baseline_path), overrides, base_dir=scenarios_dir())
    layers, source = parse_upload(text.encode(), "changes.toml")
    back = build(layers, None, source, scenarios_dir())
    assert scenario_hash(back) == scenario_hash(load_scenario(baseline_path, overrides))


@pytest.mark.parametrize("name, overrides", [
    ("baseline.toml", {"staff.therapists.wte": 1.5, "horizon_days": 365.0}),
    ("north-of-england.toml", {"hubs.greater-manchester.staff.therapists.wte": 4.0}),
])
def test_a_changes_file_runs_wherever_it_is_saved(name, overrides, tmp_path) -> None:
    """No ``extends``: saved in a folder of its own, it loads to the changed scenario."""
    path = scenarios_dir() / name
    text = changes_toml(read_layers(path), overrides, ["a note"], base_dir=scenarios_dir())
    assert "extends" not in text
    saved = tmp_path / "elsewhere" / "mine.toml"
    saved.parent.mkdir()
    saved.write_text(text, encoding="utf-8")
    assert scenario_hash(load_scenario(saved)) == scenario_hash(load_scenario(path, overrides))


def test_each_lever_change_is_named_with_its_old_and_new_value(baseline) -> None:
    values = levers.defaults(baseline) | {"staff.therapists.wte": 3.0, "therapy.priority": "need",
                                          "routing.low.hub_therapy": 0.5}
    words = levers.change_list(baseline, levers.hub_overrides(baseline, values))
    assert words == ["therapists (WTE): 2.4 → 3",
                     "who is offered the next therapy place: First come, first served → "
                     "Highest need first",
                     "low need: share offered Hub therapy: 15% → 50%"]


def test_every_shipped_scenario_fits_the_caps_at_the_most_replications() -> None:
    for path in shipped_scenarios().values():
        scenario = load_scenario(path)
        hubs = getattr(scenario, "hubs", (scenario,))
        horizon = min(max(h.horizon_days for h in hubs), MAX_HORIZON_DAYS)  # as the app caps it
        check_workload(load_scenario(path, {"horizon_days": horizon}), MAX_REPLICATIONS)


def test_a_scenario_too_big_for_the_app_is_refused(baseline_path) -> None:
    huge = load_scenario(baseline_path, {"arrivals.scale": 50.0})
    assert expected_clients(huge) > MAX_CLIENTS_PER_REPLICATION
    with pytest.raises(ScenarioError, match="clients per replication") as error:
        check_workload(huge, 1)
    assert error.value.field == "arrivals"


@pytest.mark.parametrize("kpi, value, text", [
    ("therapy_wait_days_mean", 12.345, "12.3 days"),
    ("therapy_started_within_18w_pct", 95.04, "95.0%"),
    ("therapist_utilisation", 0.873, "87.3%"),
    ("cost_total_gbp", 1234567.8, "£1,234,568"),
    ("therapy_waitlist_end", 41.6, "42 clients"),
    ("cost_per_client_gbp", -12.0, "−£12"),
    ("therapy_waitlist_end", -0.2, "0 clients"),
    ("therapy_wait_days_mean", float("nan"), "–"),
])
def test_numbers_carry_their_units(kpi: str, value: float, text: str) -> None:
    assert fmt(kpi, value) == text


def test_intervals_read_mean_then_ci() -> None:
    assert fmt_interval("therapy_wait_days_mean", 12.3, 10.1, 14.5) == (
        "12.3 days (95% CI 10.1–14.5 days)")
    assert fmt_interval("cost_total_gbp", 10, 5, 20) == "£10 (95% CI £5–£20)"


def test_messages_are_shown_as_plain_text() -> None:
    assert plain_text("a [link](http://x) ![img](y) $x$") == (
        r"a \[link\]\(http://x\) \!\[img\]\(y\) \$x\$")


@pytest.fixture(scope="module")
def small_run(baseline_path) -> RunResult:
    scenario = load_scenario(baseline_path, SMALL)
    return RunResult("key", run_experiment(scenario, 2, seed=0), "baseline.toml", 0.0)


def test_outputs_are_made_by_hubsim_from_the_run(small_run: RunResult) -> None:
    summary = pd.read_csv(io.BytesIO(small_run.csv("summary")))
    pd.testing.assert_frame_equal(summary, small_run.experiment.summary, check_dtype=False)
    book = openpyxl.load_workbook(io.BytesIO(small_run.workbook()), read_only=True)
    assert book.sheetnames[:2] == ["Headline", "README"] and "summary" in book.sheetnames
    report = small_run.report().decode("utf-8")
    assert "<html" in report and small_run.experiment.scenario.name in report
    for name in FIGURES:
        png, caption = small_run.figure_png(name)
        assert png.startswith(PNG_SIGNATURE), caption


def _runner_records(caplog) -> list[logging.LogRecord]:
    """The runner's own log records (other hubsim loggers may log at INFO after a --verbose run
    in the same test process)."""
    return [r for r in caplog.records if r.name == runner.__name__]


def test_the_caching_executor_gives_the_serial_results_and_caches(baseline_path, caplog):
    scenario = load_scenario(baseline_path, SMALL)
    serial = run_experiment(scenario, 3, seed=UNUSED_SEED)
    progress: list[int] = []
    with caplog.at_level(logging.INFO, logger=runner.__name__):
        first = run_experiment(scenario, 3, seed=UNUSED_SEED,
                               executor=runner.CachingExecutor(progress.append))
        simulated = len(_runner_records(caplog))  # the cache logs each replication it simulates
        caplog.clear()
        again = run_experiment(scenario, 3, seed=UNUSED_SEED, executor=runner.CachingExecutor())
    pd.testing.assert_frame_equal(first.kpis, serial.kpis)  # bit-identical to a serial run
    pd.testing.assert_frame_equal(again.kpis, serial.kpis)
    assert progress == [1, 2, 3]
    assert simulated == 3
    assert not _runner_records(caplog)  # every replication came from the cache


def test_app_command_starts_streamlit_on_loopback(monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(webapp.subprocess, "call", lambda command: seen.append(command) or 0)
    result = CliRunner().invoke(cli_app, ["app", "--port", "8600"])
    assert result.exit_code == 0, result.output
    command = seen[0]
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8600"


def test_app_command_warns_before_leaving_loopback(monkeypatch) -> None:
    monkeypatch.setattr(webapp.subprocess, "call", lambda command: 0)
    result = CliRunner().invoke(cli_app, ["app", "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "warning: listening on 0.0.0.0" in result.output


def test_app_command_without_the_extra_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(webapp, "streamlit_installed", lambda: False)
    result = CliRunner().invoke(cli_app, ["app"])
    assert result.exit_code == 2
    assert "install hubsim[app]" in result.output


def test_a_tiny_file_asking_for_huge_work_is_refused_by_events(baseline_path) -> None:
    """50% sickness in one-day spells for 500 triage WTE over ten years: a few thousand clients,
    about a million absence spells."""
    heavy = load_scenario(baseline_path, {"staff.triage.sickness_absence_pct": 50,
                                          "staff.triage.sickness_spell_days": 1,
                                          "staff.triage.wte": 500, "horizon_days": 3650})
    assert expected_clients(heavy) < MAX_CLIENTS_PER_REPLICATION
    with pytest.raises(ScenarioError, match="simulation events per replication") as error:
        check_workload(heavy, 1)
    assert error.value.field == "staff.triage.sickness_spell_days"
