"""The Excel export: a workbook pandas can open, one sheet per table plus a README, cut at a
replication boundary when a table exceeds the row limit; and the ``hubsim export`` command."""

from __future__ import annotations

import pandas as pd
import pytest
from results_helpers import SMALL_RESULTS, copy_results, invoke

from hubsim.results.excel import ExportExistsError, fit_rows, sheet_name, write_workbook
from hubsim.results.read import load_results

BAD_INPUT = 2
TABLES = ("summary", "replications", "clients", "timeseries")


@pytest.fixture(scope="module")
def results():
    return load_results(SMALL_RESULTS)


@pytest.fixture(scope="module")
def workbook(results, tmp_path_factory):
    path = write_workbook(results, tmp_path_factory.mktemp("xlsx") / "results.xlsx")
    return pd.read_excel(path, sheet_name=None)


def test_sheets_readme_first_then_every_table(workbook, results):
    names = list(workbook)
    assert names[0] == "README"
    assert set(TABLES) <= set(names)
    assert set(names) == {"README", *results.tables()}


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
    path = write_workbook(results, tmp_path / "cut.xlsx", max_rows=limit)
    book = pd.read_excel(path, sheet_name=None)
    assert len(book["clients"]) == per_rep.iloc[0]
    assert "Excel's row limit" in readme_text(book["README"])


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
