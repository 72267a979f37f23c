"""Read a results folder back into DataFrames, so figures, reports and exports can be re-made
without re-running the simulation.

A results folder (see ``hubsim.results.write``) holds ``run_metadata.json`` (required) and, usually,
``summary.csv``, ``replications.csv``, ``clients.csv`` and ``timeseries.csv``. Any other ``*.csv``
in it (``sweep.csv``, ``staffing_search.csv``, ``psa.csv``, ``validation.csv``, ``costs.csv``,
...) is read as an *extra* table, keyed by its file stem.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from hubsim.results.experiment import Experiment
from hubsim.results.run_facts import run_name, source_line
from hubsim.results.write import build_metadata
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS

logger = logging.getLogger(__name__)

METADATA_FILE = "run_metadata.json"
CORE_TABLES = ("summary", "replications", "clients", "timeseries")
RECORD_TABLES = ("clients", "timeseries")
"""The per-client and per-day records among the core tables."""
NOT_REACHED = "none"  # the ``pathway`` of a client triage never reached


class ResultsFolderError(ValueError):
    """A folder that is not a readable results folder; the message names the folder or file."""


@dataclass(frozen=True)
class ResultsFolder:
    """The tables of one results folder (or of an experiment held in memory).

    Attributes
    ----------
    path : the folder, or None for an experiment in memory
    metadata : ``run_metadata.json`` as a dict (resolved scenario under ``"scenario"``)
    summary : one row per KPI (``kpi, mean, sd, ci_low, ci_high, half_width, n``), or None
    replications : one row per replication, KPIs as columns, or None
    clients : one row per client per replication, or None when records were not kept
    timeseries : one row per day per Hub per replication (``date`` as datetime), or None
    extras : any other tables, by file stem (e.g. ``"sweep"``, ``"psa"``, ``"validation"``)
    """

    path: Path | None
    metadata: Mapping[str, Any]
    summary: pd.DataFrame | None
    replications: pd.DataFrame | None
    clients: pd.DataFrame | None
    timeseries: pd.DataFrame | None
    extras: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The source line for figures: 'Scenario: NAME · N replications · seed S'."""
        return source_line(self.metadata)

    @property
    def name(self) -> str:
        """Scenario name."""
        return run_name(self.metadata)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table present, core tables first, by name."""
        core = {name: getattr(self, name) for name in CORE_TABLES}
        return {**{k: v for k, v in core.items() if v is not None}, **self.extras}


def _tidy_clients(clients: pd.DataFrame) -> pd.DataFrame:
    clients = clients.copy()
    if "need_tier" in clients:
        clients["need_tier"] = pd.Categorical(clients["need_tier"], categories=NEED_TIERS)
    if "pathway" in clients:
        clients["pathway"] = pd.Categorical(clients["pathway"],
                                            categories=[NOT_REACHED, *PATHWAYS])
    return clients


def _tidy_timeseries(timeseries: pd.DataFrame) -> pd.DataFrame:
    timeseries = timeseries.copy()
    if "date" in timeseries:
        timeseries["date"] = pd.to_datetime(timeseries["date"])
    return timeseries


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ResultsFolderError(f"{path}: cannot read as a CSV table ({exc})") from None


def _read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    if not path.is_file():
        raise ResultsFolderError(f"{folder}: not a hubsim results folder (no {METADATA_FILE})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFolderError(f"{path}: cannot read as JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ResultsFolderError(f"{path}: expected a JSON object")
    return meta


def load_results(path: str | Path, records: bool = True) -> ResultsFolder:
    """Read the results folder at ``path`` (without ``records``: not its per-client and per-day
    records, ``clients.csv`` and ``timeseries.csv``, the bulk of a big folder).

    Raises
    ------
    ResultsFolderError
        if ``path`` is not a folder, has no ``run_metadata.json``, or a file cannot be read.
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise ResultsFolderError(f"{folder}: {what}")
    meta = _read_metadata(folder)
    tables: dict[str, pd.DataFrame | None] = {}
    for name in CORE_TABLES:
        file = folder / f"{name}.csv"
        wanted = records or name not in RECORD_TABLES
        tables[name] = _read_csv(file) if wanted and file.is_file() else None
    extras = {
        file.stem: _read_csv(file)
        for file in sorted(folder.glob("*.csv")) if file.stem not in CORE_TABLES
    }
    logger.info("read results folder %s (%d extra tables)", folder, len(extras))
    return ResultsFolder(
        folder, MappingProxyType(meta), tables["summary"], tables["replications"],
        None if tables["clients"] is None else _tidy_clients(tables["clients"]),
        None if tables["timeseries"] is None else _tidy_timeseries(tables["timeseries"]),
        MappingProxyType(extras),
    )


def results_from_experiment(
    experiment: Experiment, extras: Mapping[str, pd.DataFrame] | None = None, **meta: Any
) -> ResultsFolder:
    """The same tables for an experiment held in memory (notebooks, tests).

    ``meta`` adds metadata fields (e.g. ``scenario_file``); ``extras`` adds tables.
    """
    metadata = build_metadata(experiment, 0.0, **meta)
    # round-trip through JSON so the metadata has exactly the shape of a stored folder
    metadata = json.loads(json.dumps(metadata))
    return ResultsFolder(
        None, MappingProxyType(metadata), experiment.summary, experiment.kpis,
        None if experiment.clients is None else _tidy_clients(experiment.clients),
        None if experiment.timeseries is None else _tidy_timeseries(experiment.timeseries),
        MappingProxyType(dict(extras or {})),
    )
