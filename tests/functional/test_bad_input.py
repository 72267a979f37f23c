"""Every bad input gets the same contract: exit 2, one line naming the file and the field, no
traceback, nothing written, no hang.

Each case runs the console entry point (``hubsim.cli.main.main``, which also turns option errors
into one line) in this process; the cases that could hang or read without end (a FIFO,
``/dev/zero``) run it in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hubsim.cli.main import BAD_INPUT, main

HANG_TIMEOUT_S = 120  # generous for a loaded machine; a hang would otherwise last for ever
TINY = 'name = "tiny"\nhorizon_days = 30\n'
SURGE = "{from=%s, peak_per_week=20, half_life_days=30}"
COHORT = ('{name="c", size=100, invited=%s, rounds_days=%s, response=0.5, '
          'respond_within_days=3}')


@dataclass(frozen=True)
class Case:
    """One bad input: the command line (``{B}`` is the baseline scenario, ``{S}`` the shipped
    scenarios folder), files to create first, and words the message must contain."""

    id: str
    args: list[str]
    words: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    subprocess: bool = False


def _set(key_value: str, *words: str) -> Case:
    """``run`` of the baseline with one ``--set``; the message names the baseline and ``words``."""
    key = key_value.partition("=")[0]
    return Case(f"set-{key_value}", ["run", "{B}", "--set", key_value],
                ["baseline.toml", *(words or (key,))])


def _file(case_id: str, text: str | bytes, *words: str, verb: str = "run") -> Case:
    """``verb`` on a file ``s.toml`` holding ``text``; the message names it and ``words``."""
    return Case(case_id, [verb, "s.toml"], ["s.toml", *words], {"s.toml": text})


EXTRACT_HEADER = ("reference,screen_date,need_tier,triage_date,pathway,list_join_date,"
                  "first_session_date,sessions_attended,sessions_missed,discharge_date,"
                  "discharge_reason\n")
GOOD_ROW = "A1,2021-01-05,high,2021-01-07,hub_therapy,2021-01-07,2021-02-01,3,1,,\n"


def _extract(case_id: str, rows: str, *words: str, header: str = EXTRACT_HEADER,
             as_of: str = "2022-04-01") -> Case:
    """``fit`` of an extract ``e.csv`` holding ``header`` and ``rows``; the message names the
    file and ``words`` (the row and the column)."""
    return Case(f"extract-{case_id}",
                ["fit", "e.csv", "--as-of", as_of, "--out", "fitted.toml"],
                ["e.csv", *words], {"e.csv": header + rows})


CASES: list[Case] = [
    # ------------------------------------------------------------------ the file itself
    Case("missing-file", ["run", "missing.toml"], ["missing.toml", "not found"]),
    Case("folder", ["run", "sub"], ["sub", "folder"], {"sub/x.toml": TINY}),
    Case("dev-zero-validate", ["validate", "/dev/zero"], ["/dev/zero", "not a regular file"],
         subprocess=True),
    Case("dev-zero-run", ["run", "/dev/zero"], ["/dev/zero", "not a regular file"],
         subprocess=True),
    Case("fifo", ["validate", "pipe.toml"], ["pipe.toml", "not a regular file"],
         {"pipe.toml": "<fifo>"}, subprocess=True),
    _file("empty", "", "empty"),
    _file("comments-only", "# nothing here\n", "empty"),
    _file("invalid-toml", "name = \n[staff\n", "invalid TOML"),
    _file("not-utf8", b"name = \"\xff\xfe\"\n", "UTF-8"),
    _file("binary", bytes(range(256)), "UTF-8"),
    _file("nested-3000", "x = " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    _file("nested-100", "x = " + "[" * 100 + "]" * 100 + "\n", "x.0.0", "nested"),
    _file("too-large", "# padding\n" * 120_000, "larger than"),
    _file("unknown-field", TINY + "[staff.therapists]\nwtee = 3\n", "staff.therapists.wtee"),
    _file("name-not-text", 'name = 3\n', "name"),
    _file("bad-hub-id", TINY + 'hub = "Bad Hub"\n', "hub"),
    # ------------------------------------------------------------------ extends
    _file("extends-missing", 'extends = "nope.toml"\n', "extends", "nope.toml"),
    _file("extends-not-text", "extends = 3\n", "extends"),
    Case("extends-bad-toml", ["run", "s.toml"], ["s.toml", "extends", "base.toml", "TOML"],
         {"s.toml": 'extends = "base.toml"\n', "base.toml": "name = \n"}),
    Case("extends-circular", ["run", "s.toml"], ["extends", "circular"],
         {"s.toml": 'extends = "base.toml"\n', "base.toml": 'extends = "s.toml"\n'}),
    Case("extends-bad-field", ["run", "s.toml"], ["s.toml", "staff.triage.wte"],
         {"s.toml": 'extends = "base.toml"\n', "base.toml": "[staff.triage]\nwte = -1\n"}),
    Case("extends-fifo", ["validate", "s.toml"], ["s.toml", "extends"],
         {"s.toml": 'extends = "pipe.toml"\n', "pipe.toml": "<fifo>"}, subprocess=True),
    # ------------------------------------------------------------------ not finite
    _set("triage.call_minutes=inf"),
    _set("triage.call_minutes=-inf"),
    _set("triage.call_minutes=nan"),
    _set('triage.call_minutes={dist="empirical", values=[nan]}', "triage.call_minutes.values"),
    _set('triage.call_minutes={dist="exponential", mean=inf}', "triage.call_minutes.mean"),
    _set('triage.call_minutes={dist="lognormal", mean=60, sd=nan}', "triage.call_minutes.sd"),
    _set("triage.contact_success=nan"),
    _set("horizon_days=inf"),
    _set("screening.correlation.general=0.99", "screening.correlation.general", "0.95"),
    _set("screening.correlation=[[1,0.9],[0.9,1]]", "screening.correlation", "5 rows"),
    _file("correlation-not-positive-definite",
          TINY + "[screening]\ncorrelation = [[1, 0.9, 0.9, 0, 0], [0.9, 1, -0.9, 0, 0], "
          "[0.9, -0.9, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]\n",
          "screening.correlation", "positive definite"),
    _set("screening.risk_shift_sd.redeployed={ptsd=0.5}", "risk_shift_sd.redeployed.anxiety",
         "missing"),
    _set("horizon_days=nan"),
    _set("staff.therapists.wte=inf"),
    _set("arrivals.per_week=nan"),
    _set("therapy.session_minutes=-inf"),
    _set("arrivals.cohorts=[" + COHORT % ("2020-05-01", "[-100, nan]") + "]",
         "arrivals.cohorts.0.rounds_days"),
    # ------------------------------------------------------------------ not numbers
    _set("staff.therapists.wte=true", "must be a number"),
    _set("staff.triage.wte=false", "must be a number"),
    _set('staff.therapists.wte="3"', "must be a number"),
    _set("horizon_days=true", "must be a number"),
    _set("triage.max_attempts=false", "must be a number"),
    _file("wte-true-in-file", TINY + "[staff.therapists]\nwte = true\n",
          "staff.therapists.wte", "must be a number"),
    _set("staff.therapists.wte=abc"),
    # ------------------------------------------------------------------ out of bounds
    _set("triage.contact_success=1.5"),
    _set("staff.therapists.wte=-1"),
    _set("horizon_days=40001"),
    _set("warmup_days=1000", "warmup_days"),
    _set("routing.high.hub_therapy=0.9", "routing.high"),
    _set('triage.call_minutes={dist="weibull", mean=3}', "triage.call_minutes", "distribution"),
    _set("arrivals.cohorts=[" + COHORT % ("2020-05-01", "[-100]") + "]",
         "arrivals.cohorts.0.rounds_days"),
    # ------------------------------------------------------------------ dates
    _set("service.closes=2019-01-01", "service.closes", "start_date"),
    _set("service.closes=2020-04-01", "service.closes", "start_date"),
    _set("staff.triage.changes=[{from=2030-01-01, wte=2}]", "staff.triage.changes.0.from"),
    _set("staff.therapists.borrowed=[{from=2030-01-01, to=2030-06-01, wte=1}]",
         "staff.therapists.borrowed.0.from"),
    _set("staff.therapists.borrowed=[{from=2010-01-01, to=2010-06-01, wte=1}]",
         "staff.therapists.borrowed.0.to"),
    _set("arrivals.surges=[" + SURGE % "2010-01-01" + "]", "arrivals.surges.0.from"),
    _set("arrivals.surges=[" + SURGE % "2030-01-01" + "]", "arrivals.surges.0.from"),
    _set("arrivals.cohorts=[" + COHORT % ("2030-01-01", "[91]") + "]",
         "arrivals.cohorts.0.invited"),
    # ------------------------------------------------------------------ --set itself
    Case("set-no-equals", ["run", "{B}", "--set", "nokeyvalue"], ["nokeyvalue", "KEY=VALUE"]),
    Case("set-bad-literal", ["run", "{B}", "--set", "triage.call_minutes={dist="],
         ["triage.call_minutes"]),
    Case("set-deeply-nested", ["run", "{B}", "--set", "x=" + "[" * 3000 + "]" * 3000],
         ["x", "nested"]),
    Case("set-not-a-table", ["run", "{B}", "--set", "name.x=1"], ["name.x", "not a table"]),
    # ------------------------------------------------------------------ options
    Case("workers-0", ["run", "{B}", "--workers", "0"], ["--workers"]),
    Case("seed-negative", ["run", "{B}", "--seed", "-1"], ["--seed"]),
    Case("replications-0", ["run", "{B}", "--replications", "0"], ["--replications"]),
    Case("replications-word", ["run", "{B}", "--replications", "many"], ["--replications"]),
    Case("replications-huge", ["run", "{B}", "--replications", "100001"], ["--replications"]),
    Case("precision-0", ["run", "{B}", "--precision", "0"], ["--precision"]),
    Case("records-bogus", ["run", "{B}", "--records", "some"], ["--records"]),
    Case("resume-not-partial", ["run", "--resume", "done"], ["done", "partial"],
         {"done/run_metadata.json": '{"seed": 0}'}),
    Case("resume-missing", ["run", "--resume", "nowhere"], ["nowhere"]),
    Case("resume-with-scenario", ["run", "{B}", "--resume", "done"], ["--resume"],
         {"done/run_metadata.json": "{}"}),
    Case("unknown-option", ["run", "{B}", "--bogus"], ["--bogus"]),
    Case("no-scenario", ["run"], ["SCENARIO", "--resume"]),
    Case("unknown-command", ["nosuch"], ["nosuch"]),
    Case("two-executors", ["run", "{B}", "--workers", "2", "--dask-local", "2"],
         ["--workers", "--dask-local"]),
    Case("unknown-kpi", ["run", "{B}", "--kpi", "nosuch"], ["--kpi", "nosuch"]),
    Case("workload-sickness-spells",
         ["run", "{B}", "--set", "staff.triage.sickness_absence_pct=50", "--set",
          "staff.triage.sickness_spell_days=1", "--set", "staff.triage.wte=500", "--set",
          "horizon_days=3650"],
         ["baseline.toml", "staff.triage.sickness_spell_days", "--yes"]),
    Case("sickness-spells-of-seconds",
         ["run", "{B}", "--set", "staff.triage.sickness_absence_pct=50", "--set",
          "staff.triage.sickness_spell_days=0.0001"],
         ["baseline.toml", "staff.triage.sickness_spell_days"]),
    Case("workload-replications", ["run", "{B}", "--replications", "100000"],
         ["baseline.toml", "--replications", "--yes"]),
    Case("psa-draws-0", ["psa", "{B}", "--draws", "0"], ["--draws"]),
    Case("out-is-a-file", ["run", "{B}", "--out", "taken"], ["taken", "exists"],
         {"taken": "a file"}),
    Case("out-exists", ["run", "{B}", "--out", "done"], ["done", "--force"],
         {"done/run_metadata.json": "{}"}),
    # ------------------------------------------------------------------ other commands
    Case("calibrate-folder", ["calibrate", "{S}"], ["scenarios", "folder"]),
    Case("calibrate-dev-zero", ["calibrate", "/dev/zero"], ["/dev/zero", "not a regular file"],
         subprocess=True),
    Case("check-evidence-csv-folder", ["check-evidence", "{B}", "--csv", "sub"],
         ["--csv", "sub", "folder"], {"sub/x.txt": "x"}),
    Case("compare-one-and-four-hubs",
         ["compare", "{B}", "{S}/north-of-england.toml", "--replications", "2"],
         ["north-of-england.toml", "hubs", "baseline.toml"]),
    Case("multi-hub-not-tables", ["run", "s.toml"], ["s.toml", "hubs"],
         {"s.toml": 'name = "m"\nhubs = 3\n'}),
    Case("multi-hub-unknown-hub", ["run", "{S}/north-of-england.toml", "--set",
                                   "hubs.nosuch.horizon_days=30"], ["hubs.nosuch"]),
    Case("validate-nan", ["validate", "{B}", "--set", "horizon_days=nan"], ["horizon_days"]),
    Case("validate-empty", ["validate", "s.toml"], ["s.toml", "empty"], {"s.toml": ""}),
    # ------------------------------------------------------------------ Hub extracts (hubsim fit)
    _extract("bad-date", "A1,2021-13-05,,,,,,0,0,,\n", "row 2", "column screen_date",
             "not a date"),
    _extract("future-date", GOOD_ROW + "A2,2023-01-05,,,,,,0,0,,\n", "row 3", "screen_date",
             "after the as-of date"),
    _extract("out-of-order", "A1,2021-01-05,,2021-01-02,signpost,,,0,0,2021-01-02,signposted\n",
             "row 2", "triage_date", "before screen_date"),
    _extract("duplicate", GOOD_ROW + GOOD_ROW, "row 3", "reference", "duplicate of row 2"),
    _extract("unknown-pathway", "A1,2021-01-05,,2021-01-07,hub_magic,,,0,0,,\n", "row 2",
             "pathway", "hub_magic"),
    _extract("unknown-tier", "A1,2021-01-05,huge,,,,,0,0,,\n", "row 2", "need_tier"),
    _extract("bad-count", "A1,2021-01-05,,2021-01-07,hub_therapy,2021-01-07,2021-02-01,x,0,,\n",
             "row 2", "sessions_attended", "whole number"),
    _extract("discharge-no-reason", "A1,2021-01-05,,,,,,0,0,2021-01-09,\n", "row 2",
             "discharge_reason"),
    _extract("unknown-reason", "A1,2021-01-05,,,,,,0,0,2021-01-09,bored\n", "row 2",
             "discharge_reason", "bored"),
    _extract("short-row", "A1,2021-01-05\n", "row 2", "fields"),
    _extract("missing-column", "A1,2021-01-05\n", "row 1", "need_tier", "missing",
             header="reference,screen_date\n"),
    _extract("unknown-column", GOOD_ROW.replace("\n", ",9\n"), "row 1", "nhs_number",
             header=EXTRACT_HEADER.replace("\n", ",nhs_number\n")),
    _extract("no-rows", "", "no referrals"),
    _extract("too-little-history", GOOD_ROW, "screen_date", "screenings"),
    Case("extract-bad-as-of", ["fit", "e.csv", "--as-of", "2022-02-30", "--out", "f.toml"],
         ["--as-of", "not a date"], {"e.csv": EXTRACT_HEADER + GOOD_ROW}),
    Case("extract-missing", ["fit", "none.csv", "--as-of", "2022-04-01", "--out", "f.toml"],
         ["none.csv", "not found"]),
    Case("export-extract-not-results", ["export", "nope", "--extract", "e.csv"], ["nope"]),
    Case("project-without-state", ["project", "{B}", "--replications", "2"],
         ["baseline.toml", "state"]),

]


def _make_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == "<fifo>":
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _in_process(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["hubsim", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def _in_subprocess(args: list[str], cwd: Path) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from hubsim.cli.main import main; main()", *args], cwd=cwd,
            capture_output=True, text=True, timeout=HANG_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit within {HANG_TIMEOUT_S} s: {args}")
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_one_line_and_exit_2(
    case: Case, tmp_path: Path, repo_root: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    if sys.platform == "win32" and (case.subprocess or "/dev/zero" in case.args):
        pytest.skip("FIFOs and /dev/zero are POSIX")
    _make_files(tmp_path, case.files)
    scenarios = repo_root / "scenarios"
    args = [a.replace("{B}", str(scenarios / "baseline.toml")).replace("{S}", str(scenarios))
            for a in case.args]
    if args[0] == "run" and "--out" not in args:
        args += ["--out", "out", "--no-report"]
    if args[0] == "run" and "--replications" not in args:
        args += ["--replications", "2"]
    before = _snapshot(tmp_path)

    if case.subprocess:
        code, out, err = _in_subprocess(args, tmp_path)
    else:
        code, out, err = _in_process(args, monkeypatch, capsys)

    assert code == BAD_INPUT, (out, err)
    assert "Traceback" not in out + err
    message = err.strip()
    assert message.startswith("hubsim: error: "), err
    assert "\n" not in message, message
    for word in case.words:
        assert word in message, (word, message)
    assert out == ""
    assert _snapshot(tmp_path) == before, "something was written"


def test_there_are_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
