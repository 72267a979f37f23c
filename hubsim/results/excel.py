"""Excel export of a results folder for a commissioner: a Headline sheet first (the question,
the inputs changed from the defaults, the key results with titles, units and 95% intervals, costs
by financial year, KPIs by population and need tier), a README sheet that says what each sheet
and column means, with units, scenario, seed and version, then one sheet per table. The
per-client and per-day records (``clients``, ``timeseries``) are left out unless asked for: they
are most of a big workbook's size and time, and the CSV files hold them.

Excel holds at most 1,048,576 rows per sheet. A longer table (clients of a big experiment) is cut
at a replication boundary: the sheet holds the first whole replications that fit, and the README
says which. The CSV files in the results folder always hold every row.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font

from hubsim.results.closure import CLOSURE_KPIS
from hubsim.results.columns import TABLE_WORDS, kpi_label, kpi_title, kpi_unit, table_columns
from hubsim.results.kpis import CORE_KPIS
from hubsim.results.number_format import clip_to_range
from hubsim.results.read import RECORD_TABLES, ResultsFolder
from hubsim.scenario.diff import changed_inputs

logger = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet in Excel 2007 and later, header row included
SHEET_NAME_MAX = 31  # Excel's limit on a sheet name's length
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
COLUMN_WIDTH = 16  # characters: wide enough for dates and most numbers
WIDE_COLUMN_WIDTH = 60  # characters: README text columns
README = "README"
HEADLINE = "Headline"
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
HEADLINE_WIDTHS = (44, 16, 16, 16, 14, 70, 34)  # characters: title, mean, low, high, unit, ...
EXCEL_FORMATS: dict[str, str] = {
    "GBP": '"£"#,##0', "%": '0.0" %"', "share 0-1": '0.0%', "days": "#,##0.0",
    "clients": "#,##0.0", "month": "0.0", "QALYs": "#,##0.00",
}
"""Excel number format of each unit in the Headline sheet (money per unit: as GBP)."""


class ExportExistsError(FileExistsError):
    """The workbook exists and ``force`` was not given."""


def sheet_name(name: str) -> str:
    """A valid Excel sheet name for a table name."""
    return name.translate(_BAD_SHEET_CHARS)[:SHEET_NAME_MAX]


def fit_rows(frame: pd.DataFrame, max_rows: int) -> tuple[pd.DataFrame, str]:
    """``frame`` cut to ``max_rows - 1`` data rows (whole replications where it has them).

    Returns
    -------
    (rows to write, a note for the README: '' when nothing was cut)
    """
    limit = max_rows - 1  # the header takes a row
    if len(frame) <= limit:
        return frame, ""
    if "replication" in frame:
        sizes = frame.groupby("replication", sort=False).size()
        kept = sizes.index[sizes.cumsum() <= limit]
        if not len(kept):  # the first replication alone is too long
            return frame.iloc[:limit], "first rows only"
        cut = frame[frame["replication"].isin(kept)]
        return cut, (f"cut to replications {', '.join(map(str, kept[:1]))} to {kept[-1]} "
                     f"({len(kept)} of {len(sizes)}; Excel's row limit): all rows are in the "
                     "CSV file")
    return frame.iloc[:limit], f"first {limit:,} of {len(frame):,} rows (Excel's row limit)"


def _plain(value: Any) -> Any:
    """A cell value openpyxl writes: NaN -> empty, numpy scalars -> Python, times -> datetime."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes | dt.date):
        return _plain(value.item())
    return value


def _header(sheet, names: Iterable[str]) -> list[Cell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _write_table(book: Workbook, name: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(sheet_name(name))
    sheet.freeze_panes = "A2"
    for i in range(len(frame.columns)):
        sheet.column_dimensions[_column_letter(i)].width = COLUMN_WIDTH
    sheet.append(_header(sheet, frame.columns))
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_plain(v) for v in row])


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _readme_rows(
    results: ResultsFolder, tables: Mapping[str, pd.DataFrame], notes: Mapping[str, str],
    records: bool = True,
) -> list[list[Any]]:
    meta = results.metadata
    rows: list[list[Any]] = [
        ["hubsim results workbook"], [],
        ["scenario", results.name], ["replications", meta.get("replications")],
        ["seed", meta.get("seed")], ["hubsim version", meta.get("hubsim_version")],
        ["run created (UTC)", meta.get("created_utc")],
        ["scenario hash", meta.get("scenario_hash")],
        ["source folder", results.path.name if results.path else "(in memory)"],
        ["units", "waits in days, money in GBP, percentages 0-100, shares 0-1; "
                  "days count from the scenario's start date"],
        ["records", "per-client and per-day records included" if records else
         "per-client and per-day records (clients, timeseries) not included: export with "
         "--records to add them; the CSV files in the results folder hold them"],
        [], ["sheet", "rows", "what it holds", "note"],
    ]
    rows += [[sheet_name(n), len(f), TABLE_WORDS.get(n, ""), notes.get(n, "")]
             for n, f in tables.items()]
    rows += [[], ["sheet", "column", "meaning", "unit"]]
    for name, frame in tables.items():
        for column, (meaning, unit) in table_columns(name, list(frame.columns)).items():
            rows.append([sheet_name(name), column, meaning, unit])
    return rows


def _readme(book: Workbook, rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(README)
    for i, width in enumerate((COLUMN_WIDTH * 2, COLUMN_WIDTH * 2, WIDE_COLUMN_WIDTH,
                               WIDE_COLUMN_WIDTH)):
        sheet.column_dimensions[_column_letter(i)].width = width
    for row in rows:
        sheet.append([_plain(v) for v in row])


HEADLINE_KPIS: tuple[str, ...] = (
    *CORE_KPIS, "therapy_wait_days_p95", "therapy_longest_wait_days", "therapy_waited_over_18w",
    "therapy_waited_over_52w", "therapy_waitlist_peak_month", "therapy_18w_met_from_month",
    *CLOSURE_KPIS, "hub_cost_gbp", "cost_per_keyworker_supported_gbp",
)
"""The KPIs of the Headline sheet, in order (those the folder has)."""


def excel_format(unit: str) -> str:
    """The Excel number format of a value in ``unit``."""
    if unit.startswith("GBP"):
        return EXCEL_FORMATS["GBP"]
    return EXCEL_FORMATS.get(unit, "General")


def _cell(sheet, value: Any, font: Font | None = None, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=_plain(value))
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _question(meta: Mapping[str, Any]) -> str:
    scenario = meta.get("scenario") or {}
    return str(scenario.get("description") or meta.get("scenario_name") or "")


def _headline(book: Workbook, results: ResultsFolder) -> None:
    """The Headline sheet: question, run, inputs changed, key results, costs by year, groups."""
    sheet = book.create_sheet(HEADLINE)
    for i, width in enumerate(HEADLINE_WIDTHS):
        sheet.column_dimensions[_column_letter(i)].width = width
    meta = results.metadata

    def heading(text: str) -> None:
        sheet.append([])
        sheet.append([_cell(sheet, text, BOLD)])

    sheet.append([_cell(sheet, results.name, TITLE_FONT)])
    sheet.append(["Question", _question(meta)])
    sheet.append(["Run", f"{meta.get('replications')} replications, seed {meta.get('seed')}, "
                         f"hubsim {meta.get('hubsim_version')}, {meta.get('created_utc')}"])
    if meta.get("overrides"):
        sheet.append(["Command-line changes (--set)", "; ".join(map(str, meta["overrides"]))])
    heading("Inputs changed from the evidence registry's defaults")
    changes = changed_inputs(meta.get("scenario") or {})
    sheet.append([_cell(sheet, h, BOLD) for h in ("input", "default", "this run")])
    for field, default, value in changes or [("none: every input at its default", "", "")]:
        sheet.append([field, default, value])
    _headline_kpis(sheet, results.summary, heading)
    _headline_costs(sheet, results.extras.get("costs_by_financial_year"), heading)
    _headline_groups(sheet, results.extras.get("kpis_by_group"), heading)


_RESULT_HEADER = ("KPI", "mean", "95% interval low", "95% interval high", "unit",
                  "what it means", "name in the CSV files")


def _headline_kpis(sheet, summary: pd.DataFrame | None, heading) -> None:
    if summary is None:
        return
    heading("Key results: means over replications with 95% t-intervals")
    sheet.append([_cell(sheet, h, BOLD) for h in _RESULT_HEADER])
    rows = summary.set_index("kpi")
    for kpi in [k for k in HEADLINE_KPIS if k in rows.index]:
        row, unit = rows.loc[kpi], kpi_unit(kpi)
        form = excel_format(unit)
        sheet.append([kpi_title(kpi), _cell(sheet, row["mean"], number_format=form),
                      # one KPI's row: its fields are numbers (pandas-stubs cannot know)
                      _cell(sheet, clip_to_range(cast(float, row["ci_low"]), unit),
                            number_format=form),
                      _cell(sheet, clip_to_range(cast(float, row["ci_high"]), unit),
                            number_format=form),
                      "%" if unit == "share 0-1" else unit, kpi_label(kpi), kpi])


def _headline_costs(sheet, costs: pd.DataFrame | None, heading) -> None:
    if costs is None or costs.empty:
        return
    heading("Costs by NHS financial year (April-March), GBP at the scenario's price year")
    sheet.append([_cell(sheet, h, BOLD) for h in ("financial year", "mean", "95% interval low",
                                                  "95% interval high")])
    form = excel_format("GBP")
    for row in costs.itertuples(index=False):
        sheet.append([str(row.financial_year), *(_cell(sheet, v, number_format=form)
                                                  for v in (row.mean, row.ci_low, row.ci_high))])


def _headline_groups(sheet, groups: pd.DataFrame | None, heading) -> None:
    if groups is None or groups.empty:
        return
    heading("By population (where clients came from; 'own': keyworkers) and by need tier")
    sheet.append([_cell(sheet, h, BOLD) for h in ("KPI", "mean", "95% interval low",
                                                  "95% interval high", "unit", "group",
                                                  "grouped by")])
    row: Any  # a row of itertuples: its fields are typed at run time
    for row in groups.itertuples(index=False):
        unit = kpi_unit(str(row.kpi))
        form = excel_format(unit)
        sheet.append([kpi_title(str(row.kpi)),
                      _cell(sheet, row.mean, number_format=form),
                      *(_cell(sheet, clip_to_range(v, unit), number_format=form)
                        for v in (row.ci_low, row.ci_high)),
                      "%" if unit == "share 0-1" else unit, row.group, row.group_by])


def write_workbook(
    results: ResultsFolder, path: str | Path, force: bool = False,
    max_rows: int = EXCEL_MAX_ROWS, records: bool = False,
) -> Path:
    """Write the results as an ``.xlsx`` workbook, atomically (a temporary file, then rename):
    Headline, README, then one sheet per table.

    Parameters
    ----------
    results : the tables (``hubsim.results.read.load_results``)
    path : the workbook to write
    force : replace an existing file
    max_rows : rows per sheet, header included (Excel's limit; smaller only in tests)
    records : also write the per-client and per-day records (``clients``, ``timeseries``)

    Raises
    ------
    ExportExistsError
        if ``path`` exists and ``force`` is False.
    """
    path = Path(path)
    if path.exists() and not force:
        raise ExportExistsError(f"{path} exists; choose another --out or add --force")
    tables, notes = {}, {}
    for name, frame in results.tables().items():
        if name in RECORD_TABLES and not records:
            continue
        tables[name], notes[name] = fit_rows(frame, max_rows)
    book = Workbook(write_only=True)
    _headline(book, results)
    _readme(book, _readme_rows(results, tables, notes, records))
    for name, frame in tables.items():
        _write_table(book, name, frame)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.info("workbook written: %s (%d sheets)", path, len(tables) + 2)
    return path
