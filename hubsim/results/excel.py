"""Excel export of a results folder: one sheet per table, and a README sheet that says what each
sheet and column means, with units, scenario, seed and version.

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
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hubsim.results.columns import TABLE_WORDS, table_columns
from hubsim.results.read import ResultsFolder

logger = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet in Excel 2007 and later, header row included
SHEET_NAME_MAX = 31  # Excel's limit on a sheet name's length
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
COLUMN_WIDTH = 16  # characters: wide enough for dates and most numbers
WIDE_COLUMN_WIDTH = 60  # characters: README text columns
README = "README"


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
        cut = frame[frame["replication"].isin(kept)]
        return cut, (f"cut to replications {', '.join(map(str, kept[:1]))} to {kept[-1]} "
                     f"({len(kept)} of {len(sizes)}; Excel's row limit): all rows are in the "
                     "CSV file") if len(kept) else (frame.iloc[:limit], "first rows only")
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


def _header(sheet, names: Iterable[str]) -> list[WriteOnlyCell]:
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
    results: ResultsFolder, tables: Mapping[str, pd.DataFrame], notes: Mapping[str, str]
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


def write_workbook(
    results: ResultsFolder, path: str | Path, force: bool = False,
    max_rows: int = EXCEL_MAX_ROWS,
) -> Path:
    """Write the results as an ``.xlsx`` workbook, atomically (a temporary file, then rename).

    Parameters
    ----------
    results : the tables (``hubsim.results.read.load_results``)
    path : the workbook to write
    force : replace an existing file
    max_rows : rows per sheet, header included (Excel's limit; smaller only in tests)

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
        tables[name], notes[name] = fit_rows(frame, max_rows)
    book = Workbook(write_only=True)
    _readme(book, _readme_rows(results, tables, notes))
    for name, frame in tables.items():
        _write_table(book, name, frame)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.info("workbook written: %s (%d sheets)", path, len(tables) + 1)
    return path
