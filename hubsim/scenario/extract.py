"""A Hub extract: one row per referral, as a case-management system exports it (CSV).

Columns (``EXTRACT_COLUMNS``; the five domain results are optional, any other column is refused):

============================  ======================================================================
``reference``                 the service's own reference (unique; read only to check duplicates)
``screen_date``               the online screen (YYYY-MM-DD)
``need_tier``                 ``low``, ``moderate`` or ``high`` (optional: blank if not recorded)
``anxiety`` ... ``functioning``  each domain's screen result, ``1``/``0`` (optional columns)
``triage_date``               the triage call that reached the client
``pathway``                   ``hub_therapy``, ``brief_support``, ``external_referral``,
                              ``signpost`` or ``no_further_support`` (blank until triaged)
``list_join_date``            joined the therapy or brief-support waiting list
``first_session_date``        the first session
``sessions_attended``         sessions attended so far (whole number)
``sessions_missed``           sessions missed so far (whole number)
``discharge_date``            discharged (blank: still with the Hub)
``discharge_reason``          one of ``DISCHARGE_REASONS`` (with a discharge date)
============================  ======================================================================

A blank later date means "not yet". Every date is on or before the as-of date and in the order of
the pathway (screen <= triage <= list join <= first session <= discharge). A bad row is refused
with one message naming the file, the row (the line of the CSV, the header being line 1) and the
column (``ExtractError``); nothing is read past it. No client reference leaves this module: the
frame it returns has none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hubsim.scenario.base import DOMAINS, NEED_TIERS, PATHWAYS
from hubsim.scenario.files import InputFileError, check_regular_file, read_bounded

MAX_EXTRACT_BYTES = 64 * 1024 * 1024
"""64 MB: about 400,000 referrals at 150 bytes a row, decades of any Hub's records."""
DATE_COLUMNS: tuple[str, ...] = (
    "screen_date", "triage_date", "list_join_date", "first_session_date", "discharge_date",
)
"""The pathway's dates, in the order they must come."""
COUNT_COLUMNS: tuple[str, ...] = ("sessions_attended", "sessions_missed")
EXTRACT_COLUMNS: tuple[str, ...] = (
    "reference", "screen_date", "need_tier", "triage_date", "pathway", "list_join_date",
    "first_session_date", "sessions_attended", "sessions_missed", "discharge_date",
    "discharge_reason",
)
REQUIRED_COLUMNS = EXTRACT_COLUMNS
OPTIONAL_COLUMNS = DOMAINS
DISCHARGE_REASONS: tuple[str, ...] = (
    "not_reached", "completed", "dropped_out", "discharged_dna", "left_waitlist",
    "referred_external", "signposted", "no_further_support", "screen_negative",
    "service_closed", "course_ended_closure",
)
"""The model's exit reasons but ``open`` (``hubsim.model.records.EXIT_REASONS``; tested)."""
LIST_PATHWAYS = ("hub_therapy", "brief_support")
MAX_SESSIONS = 1000  # a course's sessions: far beyond the therapy cap


class ExtractError(ValueError):
    """A bad extract: the file, the row (CSV line) and the column, and what is wrong."""

    def __init__(self, source: str, row: int | None, column: str | None, message: str) -> None:
        self.source, self.row, self.column, self.message = source, row, column, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class Extract:
    """A validated extract: ``rows`` (no reference column; dates as ``datetime.date`` or None,
    counts as int) and the as-of date."""

    rows: pd.DataFrame
    as_of: dt.date
    source: str


def _date(text: str, source: str, row: int, column: str, as_of: dt.date) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ExtractError(source, row, column, f"{text!r} is not a date (YYYY-MM-DD)") from None
    if day > as_of:
        raise ExtractError(source, row, column, f"{day} is after the as-of date {as_of}")
    return day


def _count(text: str, source: str, row: int, column: str) -> int:
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        raise ExtractError(source, row, column, f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SESSIONS:
        raise ExtractError(source, row, column, f"{value} is not in 0 to {MAX_SESSIONS}")
    return value


def _choice(text: str, allowed: tuple[str, ...], source: str, row: int, column: str) -> str | None:
    if not text:
        return None
    if text not in allowed:
        raise ExtractError(source, row, column,
                           f"{text!r} is not one of {', '.join(allowed)}")
    return text


def _row(record: dict[str, str], line: int, source: str, as_of: dt.date,
         domains: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for column in DATE_COLUMNS:
        out[column] = _date(record[column], source, line, column, as_of)
    if out["screen_date"] is None:
        raise ExtractError(source, line, "screen_date", "missing (every referral has a screen)")
    known = [(c, out[c]) for c in DATE_COLUMNS if out[c] is not None]
    for (before, first), (after, second) in zip(known, known[1:], strict=False):
        if second < first:  # type: ignore[operator]
            raise ExtractError(source, line, after, f"{second} is before {before} {first}")
    out["need_tier"] = _choice(record["need_tier"], NEED_TIERS, source, line, "need_tier")
    out["pathway"] = _choice(record["pathway"], PATHWAYS, source, line, "pathway")
    out["discharge_reason"] = _choice(record["discharge_reason"], DISCHARGE_REASONS, source,
                                      line, "discharge_reason")
    for column in COUNT_COLUMNS:
        out[column] = _count(record[column], source, line, column)
    for domain in domains:
        out[domain] = _choice(record[domain], ("0", "1"), source, line, domain)
    _check_pathway(out, line, source)
    return out


def _check_pathway(out: dict[str, object], line: int, source: str) -> None:
    """The row's fields agree with one another (messages name the field at fault)."""
    if (out["discharge_date"] is None) != (out["discharge_reason"] is None):
        column = "discharge_reason" if out["discharge_reason"] is None else "discharge_date"
        raise ExtractError(source, line, column,
                           "give a discharge date and reason together, or neither")
    if out["pathway"] is not None and out["triage_date"] is None:
        raise ExtractError(source, line, "triage_date", "missing for a triaged client "
                           "(a pathway is given)")
    if out["triage_date"] is not None and out["pathway"] is None and out["discharge_date"]:
        raise ExtractError(source, line, "pathway", "missing for a client triaged and "
                           "discharged")
    if out["list_join_date"] is not None and out["pathway"] not in LIST_PATHWAYS:
        raise ExtractError(source, line, "pathway", "a waiting list is joined only on "
                           f"{' or '.join(LIST_PATHWAYS)}")
    if out["first_session_date"] is not None and out["list_join_date"] is None:
        raise ExtractError(source, line, "list_join_date", "missing for a client with a first "
                           "session")
    # ``out`` holds dates and counts; these two were parsed as whole numbers above
    sessions = int(out["sessions_attended"]) + int(out["sessions_missed"])  # type: ignore[call-overload]
    if sessions and out["first_session_date"] is None:
        raise ExtractError(source, line, "first_session_date",
                           "missing for a client with sessions")


def parse_extract(text: str, as_of: dt.date, source: str) -> Extract:
    """Validate the CSV ``text`` of an extract (see the module docstring).

    Raises
    ------
    ExtractError
        naming ``source``, the row and the column of the first problem.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(h.strip() for h in reader.fieldnames or ())
    if not header:
        raise ExtractError(source, None, None, "empty: expected a header row with "
                           f"{', '.join(REQUIRED_COLUMNS)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ExtractError(source, 1, missing[0], "missing from the header")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS]
    if unknown:
        raise ExtractError(source, 1, unknown[0], "not an extract column (expected "
                           f"{', '.join(EXTRACT_COLUMNS)} and optionally {', '.join(DOMAINS)})")
    if len(set(header)) != len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise ExtractError(source, 1, twice, "appears twice in the header")
    reader.fieldnames = list(header)
    domains = tuple(d for d in DOMAINS if d in header)
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record or any(v is None for v in record.values()):
            raise ExtractError(source, line, None, f"expected {len(header)} fields")
        record = {k: v.strip() for k, v in record.items()}
        reference = record["reference"]
        if not reference:
            raise ExtractError(source, line, "reference", "missing")
        if reference in seen:
            raise ExtractError(source, line, "reference",
                               f"duplicate of row {seen[reference]}")
        seen[reference] = line
        rows.append(_row(record, line, source, as_of, domains))
    if not rows:
        raise ExtractError(source, None, None, "no referrals (only a header)")
    return Extract(pd.DataFrame(rows), as_of, source)


def read_extract(path: str | Path, as_of: dt.date) -> Extract:
    """Read and validate the extract at ``path`` (see ``parse_extract``)."""
    path = Path(path)
    source = str(path)
    try:
        if check_regular_file(path) > MAX_EXTRACT_BYTES:
            raise InputFileError(f"is larger than {MAX_EXTRACT_BYTES // 2**20} MB")
        data = read_bounded(path, MAX_EXTRACT_BYTES)
    except InputFileError as exc:
        raise ExtractError(source, None, None, str(exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractError(source, None, None, "not UTF-8 text (save it as CSV UTF-8)") from None
    try:
        return parse_extract(text, as_of, source)
    except csv.Error as exc:
        raise ExtractError(source, None, None, f"not a readable CSV ({exc})") from None


def latest_date(extract: Extract) -> dt.date:
    """The latest date in the extract (any date column): the as-of date it was exported on at
    the earliest."""
    rows = extract.rows
    return max(d for column in DATE_COLUMNS for d in rows[column] if d is not None
               and not (isinstance(d, float) and d != d))
