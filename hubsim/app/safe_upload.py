"""An uploaded scenario file, read as data only.

The upload is size-limited, decoded as UTF-8 and parsed with ``tomllib`` (data, never code). It may
``extends`` only a scenario shipped with hubsim, named as the app lists it (``baseline.toml``);
so may each ``[hubs.ID]`` table of a multi-Hub file. No other file is ever opened. Validation is
``hubsim.scenario.loader``'s, so every message is the command line's: ``FILE: FIELD: problem``.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import PurePath
from typing import Any

from hubsim.app.limits import MAX_EXTRACT_UPLOAD_BYTES, MAX_UPLOAD_BYTES
from hubsim.app.shipped import shipped_scenarios
from hubsim.scenario.extract import Extract, ExtractError, parse_extract
from hubsim.scenario.loader import ScenarioError, deep_merge, read_layers

BYTES_PER_KIB = 1024
MAX_NAME_CHARS = 80  # an uploaded file's name in messages: long enough to recognise, no longer
DEFAULT_NAME = "uploaded.toml"


def display_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders), shortened, for messages."""
    name = PurePath(filename or DEFAULT_NAME).name or DEFAULT_NAME
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def shipped_parent(source: str, field: str, parent: object) -> str:
    """``parent`` if it names a shipped scenario, else a ``ScenarioError`` naming ``field``."""
    names = list(shipped_scenarios())
    if not isinstance(parent, str):
        raise ScenarioError(source, field, "must be the name of a scenario shipped with hubsim")
    if parent not in names:
        allowed = ", ".join(names) if names else "none are installed"
        raise ScenarioError(
            source, field,
            f"{parent!r} is not a scenario shipped with hubsim; in the app a scenario can "
            f"extend only these: {allowed}")
    return parent


def _read(data: bytes, source: str) -> dict[str, Any]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
            source, "", f"is {len(data) / BYTES_PER_KIB:,.0f} KiB; the app accepts scenario "
            f"files up to {MAX_UPLOAD_BYTES // BYTES_PER_KIB} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"invalid TOML: {exc}") from None


def parse_upload(data: bytes, filename: str | None) -> tuple[dict[str, Any], str]:
    """Scenario layers from an uploaded file, its ``extends`` resolved among shipped scenarios.

    Parameters
    ----------
    data : the file's bytes
    filename : the name the browser sent (only its last part is used, in messages)

    Returns
    -------
    (layers for ``hubsim.scenario.loader.build``, the source name for messages). A multi-Hub file's
    ``[hubs.ID] extends`` are checked here and read by ``build`` from the shipped folder.

    Raises
    ------
    ScenarioError
        too large, not UTF-8, invalid TOML, or an ``extends`` that is not a shipped scenario.
    """
    source = display_name(filename)
    layers = _read(data, source)
    parent = layers.pop("extends", None)
    if parent is not None:
        name = shipped_parent(source, "extends", parent)
        layers = deep_merge(read_layers(shipped_scenarios()[name]), layers)
    hubs = layers.get("hubs")
    if isinstance(hubs, dict):
        for hub_id, table in hubs.items():
            if isinstance(table, dict) and "extends" in table:
                shipped_parent(source, f"hubs.{hub_id}.extends", table["extends"])
    return layers, source


def parse_extract_upload(data: bytes, filename: str | None, as_of: dt.date) -> Extract:
    """An uploaded Hub extract, validated as ``hubsim fit`` validates a file.

    Raises
    ------
    ExtractError
        too large, not UTF-8, or a bad row (naming the file, row and column).
    """
    source = display_name(filename or "extract.csv")
    if len(data) > MAX_EXTRACT_UPLOAD_BYTES:
        raise ExtractError(source, None, None,
                           f"is {len(data) / BYTES_PER_KIB:,.0f} KiB; the app accepts extracts "
                           f"up to {MAX_EXTRACT_UPLOAD_BYTES // BYTES_PER_KIB:,} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractError(source, None, None, "is not UTF-8 text (save it as CSV UTF-8)") from None
    try:
        return parse_extract(text, as_of, source)
    except csv.Error as exc:
        raise ExtractError(source, None, None, f"not a readable CSV ({exc})") from None
