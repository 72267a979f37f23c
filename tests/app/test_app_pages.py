"""Every page of the web app through Streamlit's ``AppTest``: it loads without an exception, a
lever moves a KPI exactly as the public API says it should, and bad input shows the command
line's message in the page (never a traceback)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from app_helpers import PAGES, TEST_HORIZON_DAYS, TEST_REPLICATIONS
from streamlit.testing.v1 import AppTest

from hubsim import load_scenario, run_experiment
from hubsim.app.limits import MAX_UPLOAD_BYTES
from hubsim.app.views import CARD_TITLES, sentence
from hubsim.experiments.wte_search import search_wte
from hubsim.results.columns import kpi_label
from hubsim.scenario.loader import ScenarioError

THERAPISTS = "lever||staff.therapists.wte"
FEWER_THERAPISTS_WTE = 1.0  # baseline has 2.4: the therapy waiting list grows at 1.0
RUN_RESULT = "result.run"


def goto(at: AppTest, page: str) -> AppTest:
    """Switch to ``page`` and run it; fail on any exception."""
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def unescaped(text: str) -> str:
    """An ``st.error`` body without the Markdown escapes the app adds."""
    return re.sub(r"\\(.)", r"\1", text)


def errors(at: AppTest) -> list[str]:
    return [unescaped(e.value) for e in at.error]


def run_results(at: AppTest) -> pd.DataFrame:
    """Press Run on the results page; the KPI table it shows."""
    goto(at, "pages/results.py")
    at.button(key="run").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, errors(at)
    table = at.table[0].value
    assert list(table.columns) == ["Measure", "Mean (95% CI)", "KPI name"]
    return table


def shown_mean(table: pd.DataFrame, kpi: str) -> float:
    """The mean the KPI table shows for ``kpi`` (the number before its unit)."""
    text = table.loc[table["KPI name"] == kpi, "Mean (95% CI)"].iloc[0]
    return float(re.match(r"[£]?([\d,.]+)", text).group(1).replace(",", ""))


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_loads_without_exception(app, page: str) -> None:
    at = goto(app(), page)
    assert [t.value for t in at.title] == [PAGES[page]]
    assert at.main.children[0].value == PAGES[page]  # nothing stray above the title
    assert not at.error, errors(at)


def test_first_page_shows_the_levers_of_the_baseline(app, baseline) -> None:
    at = app()
    assert at.selectbox(key="ui.scenario").value == "baseline.toml"
    assert at.number_input(key=THERAPISTS).value == baseline.staff.therapists.wte
    assert at.number_input(key="lever||staff.triage.wte").value == baseline.staff.triage.wte
    assert "No lever changed yet" in at.success[0].value


def test_fewer_therapists_lengthen_the_therapy_wait_as_the_api_says(app, baseline_path) -> None:
    at = app()
    before = run_results(at)
    goto(at, "pages/scenario.py")
    at.number_input(key=THERAPISTS).set_value(FEWER_THERAPISTS_WTE).run()
    assert "staff.therapists.wte = 1" in " ".join(m.value for m in at.markdown)
    after = run_results(at)  # the lever survives the visit to another page
    kpi = "therapy_wait_days_mean"
    assert shown_mean(after, kpi) > shown_mean(before, kpi)
    expected = run_experiment(load_scenario(baseline_path, {
        "horizon_days": TEST_HORIZON_DAYS, "staff.therapists.wte": FEWER_THERAPISTS_WTE}),
        TEST_REPLICATIONS, seed=0).summary
    shown = at.session_state[RUN_RESULT].experiment.summary
    pd.testing.assert_frame_equal(shown, expected)  # the app runs the public API, nothing else
    assert shown_mean(after, kpi) == pytest.approx(
        expected.set_index("kpi").loc[kpi, "mean"], abs=0.05)


def test_compare_pairs_the_changed_and_unchanged_scenarios(app) -> None:
    at = goto(app(), "pages/compare.py")
    assert at.button(key="compare").disabled  # nothing changed yet: nothing to compare
    goto(at, "pages/scenario.py")
    at.number_input(key=THERAPISTS).set_value(FEWER_THERAPISTS_WTE).run()
    goto(at, "pages/compare.py")
    at.button(key="compare").click()
    at.run()
    assert not at.exception and not at.error
    table = at.table[0].value.set_index("Measure")
    wait = table.loc[sentence(kpi_label("therapy_wait_days_mean"))]
    assert wait["Difference, changed − unchanged"].startswith("+")
    waiting = table.loc[sentence(kpi_label("therapy_waitlist_end"))]
    assert waiting["Difference, changed − unchanged"].startswith("+")
    assert waiting["Clear difference?"] == "yes"
    arrived = table.loc[sentence(kpi_label("clients_arrived"))]
    assert arrived["Difference, changed − unchanged"].startswith("0 clients")  # same clients


def test_results_settings_line_names_each_change(app) -> None:
    at = app()
    at.number_input(key=THERAPISTS).set_value(FEWER_THERAPISTS_WTE).run()
    at = goto(at, "pages/results.py")
    line = unescaped(at.markdown[0].value)
    assert "therapists (WTE): 2.4 → 1" in line
    assert "lever change(s)" not in line


def test_side_by_side_runs_each_scenario_as_the_api_does(app, baseline_path) -> None:
    at = goto(app(), "pages/compare.py")
    chosen = at.multiselect(key="side_by_side.chosen")
    shipped = next(o for o in chosen.options if o.endswith("(comparator-signpost-only.toml)"))
    chosen.set_value(["Yours, with your changes", "Yours, unchanged", shipped]).run()
    at.button(key="side_by_side.run").click()
    at.run()
    assert not at.exception and not at.error, errors(at)
    table = at.table[-1].value.set_index("Measure")
    assert list(table.columns) == ["Yours, with your changes", "Yours, unchanged", shipped]
    other = load_scenario(baseline_path.parent / "comparator-signpost-only.toml",
                        {"horizon_days": TEST_HORIZON_DAYS})
    expected = run_experiment(other, TEST_REPLICATIONS, 0, keep_records=False).summary
    mean = expected.loc[expected["kpi"] == "triage_wait_days_mean", "mean"].iloc[0]
    shown = table.loc[CARD_TITLES["triage_wait_days_mean"], shipped]
    assert shown.startswith(f"{mean:,.1f} days")
    assert len(at.get("image")) == 2  # therapy waiting lists and triage queues, overlaid
    chosen.set_value(list(chosen.options[:4])).run()  # four at most
    assert len(at.multiselect(key="side_by_side.chosen").value) == 4


def test_staffing_search_gives_the_answer_of_search_wte(app, baseline_path) -> None:
    at = goto(app(), "pages/search.py")
    inputs = {"search.kpi": "therapy_wait_days_mean", "search.min.therapists": 1.0,
              "search.max.therapists": 3.0, "search.step": 1.0, "search.replications": 2}
    for name, value in inputs.items():
        widget = at.selectbox if name == "search.kpi" else at.number_input
        widget(key=f"lever||{name}").set_value(value).run()
    at.button(key="search").click()
    at.run()
    assert not at.exception and not at.error, errors(at)
    expected = search_wte(
        load_scenario(baseline_path, {"horizon_days": TEST_HORIZON_DAYS}), "therapists",
        "therapy_wait_days_mean <= 42", wte_min=1.0, wte_max=3.0, step=1.0, replications=2)
    shown = at.session_state["result.search"].result
    assert shown.answer == expected.answer
    assert expected.describe() in unescaped((at.success or at.warning)[0].value)
    assert at.table[0].value["Staffing (WTE)"].tolist() == [
        f"{w:g}" for w in expected.points["wte"]]


def test_downloads_offer_results_report_and_scenario(app) -> None:
    at = app()
    run_results(at)
    at = goto(at, "pages/downloads.py")
    labels = [b.label for b in at.get("download_button")]
    for words in ("(CSV)", "Excel workbook", "report", "(TOML)"):
        assert any(words in label for label in labels), (words, labels)


def test_a_lever_the_scenario_rejects_shows_the_command_line_message(app, baseline_path) -> None:
    at = app()
    at.number_input(key=THERAPISTS).set_value(0.0).run()
    assert not at.exception
    with pytest.raises(ScenarioError) as cli:
        load_scenario(baseline_path, {"staff.therapists.wte": 0.0})
    assert errors(at) == [f"baseline.toml: {cli.value.field}: {cli.value.message}"]
    goto(at, "pages/results.py")  # other pages show the same message and run nothing
    assert errors(at) == [f"baseline.toml: {cli.value.field}: {cli.value.message}"]
    assert not at.button


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.selectbox(key="ui.scenario").set_value("upload").run()
    at.file_uploader(key="ui.upload").upload(name, content, "application/toml")
    at.run()
    assert not at.exception, at.exception
    return at


BAD_UPLOADS = {
    "invalid TOML": (b"name = \n", "bad.toml: invalid TOML"),
    "unknown field": (b'extends = "baseline.toml"\n[staff.therapists]\nwtee = 3\n',
                      "bad.toml: staff.therapists.wtee: unknown field (check the spelling)"),
    "value out of bounds": (b'extends = "baseline.toml"\n[staff.therapists]\nwte = -1\n',
                            "bad.toml: staff.therapists.wte: must be >= 0"),
    "extends a file outside": (b'extends = "../pyproject.toml"\n',
                               "bad.toml: extends: '../pyproject.toml' is not a scenario "
                               "shipped with hubsim"),
    "extends an absolute path": (b'extends = "/etc/passwd"\n', "bad.toml: extends: '/etc/passwd'"),
    "a Hub extends a file outside": (b'[hubs.x]\nextends = "../../etc/passwd"\n',
                                     "bad.toml: hubs.x.extends: '../../etc/passwd' is not a "
                                     "scenario shipped with hubsim"),
    "too large": (b"#" * (MAX_UPLOAD_BYTES + 1), "bad.toml: is 64 KiB; the app accepts "
                                                 "scenario files up to 64 KiB"),
    "not UTF-8": (b"name = '\xff\xfe'\n", "bad.toml: is not UTF-8 text"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_an_invalid_upload_shows_one_clear_message(app, case: str) -> None:
    content, message = BAD_UPLOADS[case]
    at = upload(app(), "bad.toml", content)
    assert len(at.error) == 1
    assert errors(at)[0].startswith(message), errors(at)
    assert THERAPISTS not in [n.key for n in at.number_input]  # no levers for a bad file
    at = goto(at, "pages/results.py")
    assert errors(at)[0].startswith(message)
    assert not at.button  # nothing to run


def test_upload_messages_match_the_command_line(app, baseline_path, tmp_path) -> None:
    body = "[staff.therapists]\nwte = -1\n"
    cli_file = tmp_path / "bad.toml"
    cli_file.write_text(f"extends = {str(baseline_path)!r}\n{body}", encoding="utf-8")
    with pytest.raises(ScenarioError) as cli:
        load_scenario(cli_file)
    at = upload(app(), "bad.toml", f'extends = "baseline.toml"\n{body}'.encode())
    assert errors(at) == [f"bad.toml: {cli.value.field}: {cli.value.message}"]


def test_a_valid_upload_gets_levers_and_runs(app) -> None:
    content = (b'extends = "baseline.toml"\nname = "My Hub"\n'
               b"[staff.therapists]\nwte = 3.0\n")
    at = upload(app(), "my-hub.toml", content)
    assert not at.error, errors(at)
    assert at.number_input(key=THERAPISTS).value == pytest.approx(3.0)
    table = run_results(at)
    assert shown_mean(table, "clients_arrived") > 0
    assert at.session_state[RUN_RESULT].experiment.scenario.name == "My Hub"


def test_several_hubs_have_levers_per_hub(app) -> None:
    at = app()
    at.selectbox(key="ui.scenario").set_value("north-of-england.toml").run()
    hubs = at.selectbox(key="ui.hub")
    assert len(hubs.options) == 4
    hub = hubs.value
    at.number_input(key=f"lever|{hub}|staff.therapists.wte").set_value(1.0).run()
    assert not at.exception and not at.error, errors(at)
    assert f"hubs.{hub}.staff.therapists.wte = 1" in " ".join(m.value for m in at.markdown)
