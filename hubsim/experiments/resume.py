"""Resume an interrupted run: run only the replications a partial results folder lacks.

A partial folder (``run_metadata.json`` with ``partial: true``) records the resolved scenario, its
hash, the seed, the replications asked for and those completed. Replication ``r`` depends only on
``(seed, r)``, so running the missing ones and merging them in replication order gives the same
tables as an uninterrupted run. Tables are read back with round-trip float parsing, so the merged
numbers are the ones written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from hubsim.experiments.replications import (
    Experiment,
    Replicate,
    timeseries_bands,
    waitlist_monthly_table,
)
from hubsim.results.groups import group_kpis_table
from hubsim.results.read import METADATA_FILE, ResultsFolderError, _read_metadata
from hubsim.results.stats import summarise
from hubsim.results.write import scenario_hash
from hubsim.scenario.schema import AnyScenario, MultiHubScenario, Scenario

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartialRun:
    """What an interrupted run left: its scenario, seed, the replications asked for and done.

    Attributes
    ----------
    folder : the partial results folder
    metadata : its ``run_metadata.json``
    scenario : the resolved scenario, validated again
    seed : the experiment seed
    requested : replications asked for
    done : replication ids completed, in order
    records : True if the folder holds per-client and per-day records
    """

    folder: Path
    metadata: dict[str, Any]
    scenario: AnyScenario
    seed: int
    requested: int
    done: tuple[int, ...]
    records: bool

    @property
    def missing(self) -> list[int]:
        """Replication ids still to run."""
        done = set(self.done)
        return [r for r in range(self.requested) if r not in done]


def read_partial(folder: Path) -> PartialRun:
    """The partial run in ``folder``.

    Raises
    ------
    ResultsFolderError
        not a results folder, not partial, or its scenario no longer validates or matches its
        hash; the message names the folder and the field.
    """
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: is not a results folder")
    meta = _read_metadata(folder)
    where = folder / METADATA_FILE
    if meta.get("partial") is not True:
        raise ResultsFolderError(f"{where}: partial: not an interrupted run; nothing to resume")
    requested = str(meta.get("replications_requested", ""))
    if not requested.isdigit():
        raise ResultsFolderError(
            f"{where}: replications_requested: {requested!r} cannot be resumed (only a fixed "
            "number of replications can)")
    data = meta.get("scenario")
    model = MultiHubScenario if isinstance(data, dict) and "hubs" in data else Scenario
    try:
        scenario = model.model_validate(data)
    except ValidationError:
        raise ResultsFolderError(f"{where}: scenario: no longer a valid scenario") from None
    if scenario_hash(scenario) != meta.get("scenario_hash"):
        raise ResultsFolderError(f"{where}: scenario_hash: does not match the scenario")
    done = tuple(int(r) for r in meta.get("completed_replications", []))
    return PartialRun(folder, meta, scenario, int(meta["seed"]), int(requested), done,
                      (folder / "clients.csv").is_file())


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, float_precision="round_trip")


def _new_frame(frames: list[pd.DataFrame], ids: list[int]) -> pd.DataFrame:
    parts = [f.assign(replication=r) for f, r in zip(frames, ids, strict=True)]
    return pd.concat(parts, ignore_index=True)


def _merge(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of both, in replication order (stable within a replication)."""
    merged = pd.concat([old, new], ignore_index=True)
    return merged.sort_values("replication", kind="stable").reset_index(drop=True)


def merge_results(partial: PartialRun, ids: list[int], results: list[Replicate],
                  complete: bool) -> Experiment:
    """The partial folder's tables with ``results`` of replications ``ids`` merged in order."""
    kpis = pd.DataFrame([r.kpis for r in results])
    kpis.insert(0, "replication", ids)
    old_kpis = _read(partial.folder / "replications.csv")
    all_kpis = _merge(old_kpis, kpis) if ids else old_kpis
    clients = timeseries = bands = monthly = groups = None
    if partial.records:
        clients = _read(partial.folder / "clients.csv")
        timeseries = _read(partial.folder / "timeseries.csv")
        if ids:
            records = [r.records() for r in results]
            clients = _merge(clients, _new_frame([c for c, _ in records], ids))
            timeseries = _merge(timeseries, _new_frame([t for _, t in records], ids))
        bands = timeseries_bands(timeseries)
        monthly = waitlist_monthly_table(partial.scenario, clients)
        groups = group_kpis_table(partial.scenario, clients)
    logger.info("merged %d new replications into %d from %s", len(ids), len(old_kpis),
                partial.folder)
    return Experiment(partial.scenario, partial.seed, len(all_kpis), all_kpis,
                      summarise(all_kpis), clients, timeseries, bands, partial=not complete,
                      waitlist_monthly=monthly, kpis_by_group=groups)
