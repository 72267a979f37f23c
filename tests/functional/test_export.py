"""The Excel export: a workbook pandas can open, one sheet per table plus a README, cut at a
replication boundary when a table exceeds the row limit; and the ``hubsim export`` command."""

from __future__ import annotations

import pandas as pd
import pytest
from results_helpers import REPO_ROOT, SMALL_RESULTS, copy_results, invoke

from hubsim.results.excel import ExportExistsError, fit_rows, sheet_name, write_workbook
from hubsim.results.read import load_results

BAD_INPUT = 2
TABLES = ("summary", "replications", "clients", "timeseries")


@pytest.fixture(scope="module")
def results():
    return load_results(SMALL_RESULTS)


@pytest.fixture(scope="module")
def workbook(results, tmp_path_factory):
    path = write_workbook(results, tmp_path_factory.mktemp("xlsx") / "results.xlsx",
                          records=True)
    return pd.read_excel(path, sheet_name=None)


def test_sheets_headline_and_readme_first_then_every_table(workbook, results):
    names = list(workbook)
    assert names[:2] == ["Headline", "README"]
    assert set(TABLES) <= set(names)
    assert set(names) == {"Headline", "README", *results.tables()}


def test_records_are_left_out_unless_asked_for(results, tmp_path):
    book = pd.read_excel(write_workbook(results, tmp_path / "lean.xlsx"), sheet_name=None)
    assert "clients" not in book and "timeseries" not in book
    assert {"summary", "replications"} <= set(book)
    assert "--records" in readme_text(book["README"])


@pytest.fixture(scope="module")
def closure_results(tmp_path_factory):
    """A fresh small run of the funding-ends scenario (2 replications, about a second), so the
    folder has every table this version writes."""
    from hubsim import load_scenario, run_experiment
    from hubsim.results.write import build_metadata, write_results

    scenario = load_scenario(REPO_ROOT / "scenarios" / "funding-ends.toml")
    experiment = run_experiment(scenario, 2, seed=0)
    folder = write_results(experiment, tmp_path_factory.mktemp("fresh") / "run",
                           build_metadata(experiment, 0.0))
    return load_results(folder)


def test_headline_has_question_changes_labelled_kpis_and_costs_by_year(closure_results,
                                                                      tmp_path):
    path = write_workbook(closure_results, tmp_path / "h.xlsx")
    headline = pd.read_excel(path, sheet_name="Headline", header=None).fillna("")
    cells = headline.astype(str).to_numpy()
    text = " ".join(cells.ravel())
    assert "The Hub closes" in text  # the scenario's question
    assert "service.closes" in text and "2021-12-31" in text  # an input changed from default
    assert "Wait for therapy: mean" in text and "therapy_wait_days_mean" in text
    assert "Handed on to other services at closure" in text
    assert "2020-21" in text and "Costs by NHS financial year" in text
    row = [r for r in cells if r[0] == "Total cost"][0]
    summary = closure_results.summary.set_index("kpi")
    assert float(row[1]) == pytest.approx(summary.loc["cost_total_gbp", "mean"])
    assert float(row[2]) <= float(row[1]) <= float(row[3])  # the 95% interval around it
    assert row[4] == "GBP"


def test_readme_describes_every_column_of_every_sheet(closure_results, tmp_path):
    path = write_workbook(closure_results, tmp_path / "all.xlsx", records=True)
    book = pd.read_excel(path, sheet_name=None)
    readme = book["README"].fillna("").astype(str)
    described = {(r[0], r[1]): r[2] for r in readme.to_numpy()}
    for name, frame in book.items():
        if name in ("Headline", "README"):
            continue
        for column in frame.columns:
            assert described.get((name, column)), f"{name}.{column} has no description"


def test_tables_round_trip(workbook, results):
    for name in TABLES:
        stored = getattr(results, name)
        assert workbook[name].shape == stored.shape
        assert list(workbook[name].columns) == list(stored.columns)
    pd.testing.assert_series_equal(workbook["summary"]["mean"], results.summary["mean"])


def readme_text(readme: pd.DataFrame) -> str:
    return " ".join(readme.fillna("").astype(str).to_numpy().ravel())


def test_readme_documents_every_column(workbook, results):
    readme = workbook["README"].fillna("").astype(str)
    text = readme_text(readme)
    assert results.name in text and "seed" in text and "hubsim version" in text
    documented = set(zip(readme.iloc[:, 0], readme.iloc[:, 1], strict=True))
    for column in results.clients.columns:
        assert ("clients", column) in documented
    assert "days from start date" in text


def test_refuses_to_overwrite_without_force(results, tmp_path):
    path = write_workbook(results, tmp_path / "r.xlsx")
    with pytest.raises(ExportExistsError, match="--force"):
        write_workbook(results, path)
    write_workbook(results, path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]  # no temporary file left


def test_long_tables_are_cut_at_a_replication_boundary(results, tmp_path):
    per_rep = results.clients.groupby("replication").size()
    limit = int(per_rep.iloc[0]) + 2  # room for the header and the first replication only
    kept, note = fit_rows(results.clients, limit)
    assert set(kept["replication"]) == {per_rep.index[0]}
    assert "1 of 2" in note
    path = write_workbook(results, tmp_path / "cut.xlsx", max_rows=limit, records=True)
    book = pd.read_excel(path, sheet_name=None)
    assert len(book["clients"]) == per_rep.iloc[0]
    assert "Excel's row limit" in readme_text(book["README"])


def test_a_replication_longer_than_the_limit_keeps_the_first_rows(results):
    limit = 5  # fewer rows than the first replication has
    kept, note = fit_rows(results.clients, limit)
    assert kept.equals(results.clients.iloc[:limit - 1]) and note == "first rows only"


def test_short_tables_are_not_cut(results):
    kept, note = fit_rows(results.summary, 10_000)
    assert kept is results.summary and note == ""


def test_sheet_names_are_valid():
    assert sheet_name("a/b:c*d?[e]") == "a_b_c_d__e_"
    assert len(sheet_name("x" * 40)) == 31


def test_export_command(tmp_path):
    folder = copy_results(tmp_path)
    result = invoke("export", str(folder), "--xlsx")
    assert result.exit_code == 0, result.output
    assert (folder / "results.xlsx").is_file()
    assert " MB, " in result.output and " s;" in result.output  # size and time reported
    again = invoke("export", str(folder), "--xlsx")
    assert again.exit_code == BAD_INPUT and "--force" in again.output


@pytest.mark.parametrize("args,needle", [
    (["export", "{missing}", "--xlsx"], "does not exist"),
    (["export", "{folder}"], "--xlsx"),
    (["export", "{empty}", "--xlsx"], "no run_metadata.json"),
])
def test_export_bad_input_exits_2(tmp_path, args, needle):
    (tmp_path / "empty").mkdir()
    paths = {"missing": tmp_path / "nope", "folder": SMALL_RESULTS, "empty": tmp_path / "empty"}
    result = invoke(*(a.format(**paths) for a in args))
    assert result.exit_code == BAD_INPUT
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
