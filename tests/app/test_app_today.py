"""The "Project from today" page through Streamlit's ``AppTest``: an uploaded extract is fitted
and projected exactly as the public API does it, and a bad extract shows the command line's one
message (file, row and column) in the page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from app_helpers import PAGES
from streamlit.testing.v1 import AppTest

from hubsim.app.limits import MAX_EXTRACT_UPLOAD_BYTES
from hubsim.experiments.extract_fit import fit_scenario
from hubsim.experiments.fit_output import fitted_scenario
from hubsim.experiments.projection import project
from hubsim.scenario.extract import latest_date, parse_extract, read_extract

PAGE = "pages/today.py"
MONTHS = 3
REPLICATIONS = 2


def _open(app) -> AppTest:
    at = app(replications=REPLICATIONS)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[PAGE]]
    return at


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="today.upload").upload(name, content, "text/csv")
    at.run()
    assert not at.exception, at.exception
    return at


def test_an_extract_is_fitted_and_projected_as_the_api_does(app, repo_root, baseline) -> None:
    path = repo_root / "scenarios" / "data" / "example-extract.csv"
    at = _upload(_open(app), "example-extract.csv", path.read_bytes())
    assert not at.error, [e.value for e in at.error]
    parameters = at.dataframe[0].value
    assert list(parameters.columns) == ["parameter", "value", "source", "rows", "note"]
    assert set(parameters["source"]) <= {"extract", "base scenario"}
    assert "extract" in set(parameters["source"])
    at.number_input(key="today.months").set_value(MONTHS).run()
    at.button(key="today.run").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = at.dataframe[1].value
    # the same fit and projection through the API
    as_of = latest_date(parse_extract(path.read_text(), dt.date.max, "x"))
    fit = fit_scenario(read_extract(path, as_of), baseline)
    scenario = fitted_scenario(fit, baseline, as_of, "api")
    table = project(scenario, MONTHS, REPLICATIONS, seed=0).table
    therapy = table[table["list"] == "therapy"].round(1).reset_index(drop=True)
    assert len(shown) == MONTHS
    pd.testing.assert_series_equal(shown["waiting_clients_mean"].reset_index(drop=True),
                                   therapy["waiting_clients_mean"], check_names=False)
    assert any("first meets 92%" in m.value for m in at.markdown)


def test_a_bad_extract_shows_one_message_naming_row_and_column(app, repo_root) -> None:
    path = repo_root / "scenarios" / "data" / "example-extract.csv"
    lines = path.read_text().splitlines()
    fields = lines[5].split(",")
    fields[4] = "hub_magic"  # pathway
    lines[5] = ",".join(fields)
    at = _upload(_open(app), "bad.csv", ("\n".join(lines) + "\n").encode())
    messages = [e.value for e in at.error]
    assert len(messages) == 1
    assert "bad.csv" in messages[0] and "row 6" in messages[0] and "pathway" in messages[0]
    assert "Traceback" not in messages[0]


def test_an_extract_over_the_size_limit_is_refused(app) -> None:
    at = _upload(_open(app), "big.csv", b"x" * (MAX_EXTRACT_UPLOAD_BYTES + 1))
    messages = [e.value for e in at.error]
    assert len(messages) == 1 and "KiB" in messages[0]
