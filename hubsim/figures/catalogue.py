"""The standard figures of a results folder: which apply, built one at a time, saved together.

A figure whose data the folder lacks (no clients kept, no cost components, no sweep table...) is
skipped with a reason, never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from hubsim.figures.costs import cost_components, costs_by_component
from hubsim.figures.curves import staffing_search_curve, sweep_curves
from hubsim.figures.flow import pathway_flow
from hubsim.figures.psa import COST, QALYS, acceptability_curve, psa_plane
from hubsim.figures.psa_ranking import ranking_chart
from hubsim.figures.queues import therapy_waitlist_fan, triage_backlog_fan
from hubsim.figures.staff import staff_in_post, staff_utilisation
from hubsim.figures.style import save_figure
from hubsim.figures.waits import kpi_windows, therapy_waits
from hubsim.results.read import ResultsFolder
from hubsim.results.run_facts import caseload_slots, hubs, staffing_changes, to_date
from hubsim.results.staff_in_post import staff_from_metadata

logger = logging.getLogger(__name__)
PERCENT = 100.0


class Skip(Exception):  # noqa: N818  (a signal, not an error)
    """The results folder lacks what a figure needs; the message says what."""


@dataclass(frozen=True)
class FigureSpec:
    """A standard figure: file stem, what it shows, and how to build it from a results folder."""

    name: str
    caption: str
    build: Callable[[ResultsFolder], Figure]


def _need(results: ResultsFolder, table: str, columns: tuple[str, ...] = ()):
    frame = results.tables().get(table)
    if frame is None:
        raise Skip(f"no {table} table ({table}.csv) in this results folder")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Skip(f"{table}.csv has no column {missing[0]}")
    return frame


def _warmup(results: ResultsFolder) -> tuple[dt.date, dt.date] | None:
    runs = hubs(results.metadata)
    if not runs or "start_date" not in runs[0]:
        return None
    start = to_date(runs[0]["start_date"])
    days = min(float(h.get("warmup_days", 0.0)) for h in runs)
    return (start, start + dt.timedelta(days=days)) if days > 0 else None


def _fan(results: ResultsFolder, column: str, draw: Callable[..., Figure]) -> Figure:
    frame = _need(results, "timeseries", ("date", "replication", column))
    return draw(frame, source=results.source, changes=staffing_changes(results.metadata),
                warmup=_warmup(results))


def _utilisation(results: ResultsFolder) -> Figure:
    frame = _need(results, "timeseries", ("date", "replication"))
    slots = caseload_slots(results.metadata, frame["date"])
    if slots.empty:
        raise Skip("the run's metadata holds no staffing to compare caseloads with")
    summary = results.summary
    triage = None
    if summary is not None:
        rows = summary.loc[summary["kpi"] == "triage_utilisation", "mean"]
        triage = float(rows.iloc[0]) if len(rows) else None
    return staff_utilisation(frame, slots, source=results.source, triage_mean=triage,
                             changes=staffing_changes(results.metadata))


def _staff(results: ResultsFolder) -> Figure:
    series = _need(results, "timeseries", ("replication",))  # a run, not a sweep or search
    if not hubs(results.metadata):
        raise Skip("the run's metadata holds no scenario to draw its staff from")
    reps = sorted(int(r) for r in series["replication"].unique())
    staff = staff_from_metadata(results.metadata, reps)
    if staff is None or staff.empty:
        raise Skip("the run's scenario or seed is not in its metadata, or no longer validates")
    return staff_in_post(staff, source=results.source,
                         changes=staffing_changes(results.metadata))


def _costs(results: ResultsFolder) -> Figure:
    found = cost_components(_need(results, "summary", ("kpi", "mean")), results.metadata)
    if found is None:
        raise Skip("no cost components among the KPIs, and the staff cost cannot be split "
                   "by role")
    runs = hubs(results.metadata)
    price_year = runs[0].get("price_year") if runs else None
    return costs_by_component(found[0], source=results.source, price_year=price_year,
                              note=found[1])


def _search(results: ResultsFolder) -> Figure:
    name = "search" if "search" in results.extras else "staffing_search"
    meta = results.metadata
    confidence = meta.get("confidence")
    return staffing_search_curve(
        _need(results, name, ("wte",)), source=results.source,
        target_pct=None if confidence is None else PERCENT * float(confidence),
        chosen=meta.get("answer_wte"), role=str(meta.get("role") or "staff"),
        target=meta.get("target"),
    )


PSA_TABLES = ("psa_draws", "psa")  # hubsim psa writes psa_draws.csv; older folders psa.csv


def _psa_draws(results: ResultsFolder):
    name = next((t for t in PSA_TABLES if t in results.extras), PSA_TABLES[0])
    return _need(results, name, (COST, QALYS))


def _thresholds(results: ResultsFolder) -> dict:
    wtp = results.metadata.get("wtp_gbp_per_qaly")
    return {"thresholds_gbp": [float(w) for w in wtp]} if wtp else {}


def _psa(results: ResultsFolder, draw: Callable[..., Figure]) -> Figure:
    return draw(_psa_draws(results), source=results.source, **_thresholds(results))


def _ranking(results: ResultsFolder) -> Figure:
    ranking = _need(results, "ranking", ("parameter", "method"))
    wtp = results.metadata.get("wtp_gbp_per_qaly") or []
    preferred = [f"prcc_nmb_{float(w):.0f}_gbp" for w in wtp]
    columns = [c for c in (*preferred, *ranking.columns) if str(c).startswith("prcc_")]
    if not columns:
        raise Skip("ranking.csv has no prcc_ column")
    return ranking_chart(ranking, columns[0], source=results.source)


_WAIT_COLUMNS = ("hub", "arrival_day", "pathway", "waitlist_join_day", "course_start_day",
                 "therapy_wait_days", "exit_day", "exit_reason")


def _therapy_waits(results: ResultsFolder) -> Figure:
    runs = hubs(results.metadata)
    if not runs or any("horizon_days" not in h for h in runs):
        raise Skip("the run's metadata has no horizon for each Hub")
    return therapy_waits(_need(results, "clients", _WAIT_COLUMNS), kpi_windows(results.metadata),
                         source=results.source)


SPECS: tuple[FigureSpec, ...] = (
    FigureSpec("therapy_waitlist", "Hub therapy waiting list over time (median, 50% and 90% "
               "bands across replications; dashed lines mark staffing changes).",
               lambda r: _fan(r, "therapy_waitlist", therapy_waitlist_fan)),
    FigureSpec("triage_queue", "Clients awaiting a triage call over time.",
               lambda r: _fan(r, "triage_backlog", triage_backlog_fan)),
    FigureSpec("therapy_waits", "Waits for Hub therapy against the 6- and 18-week standards "
               "(right: share of all who joined the list, still-waiting clients counted).",
               _therapy_waits),
    FigureSpec("staff_utilisation", "Staff utilisation over time, by role.", _utilisation),
    FigureSpec("staff_in_post", "Staff funded, in post and at work over time, by role (WTE; "
               "posts filled after a recruitment lag, leavers replaced after a vacancy, leave "
               "and sickness; redeployed time not shown). Drawn again from the run's seed and "
               "scenario.", _staff),
    FigureSpec("pathway_flow", "Where clients went after screening, by need tier.",
               lambda r: pathway_flow(
                   _need(r, "clients", ("need_tier", "pathway", "exit_reason", "replication")),
                   source=r.source)),
    FigureSpec("costs", "Costs by component.", _costs),
    FigureSpec("sweep", "KPIs against the swept parameter.",
               lambda r: sweep_curves(_need(r, "sweep", ("kpi", "mean")), source=r.source)),
    FigureSpec("staffing_search", "Share of replications meeting the target, by staffing level "
               "(hubsim staff).", _search),
    FigureSpec("psa_plane", "Cost-effectiveness plane from the probabilistic sensitivity "
               "analysis: incremental cost against incremental QALYs, one point per draw.",
               lambda r: _psa(r, psa_plane)),
    FigureSpec("acceptability", "Cost-effectiveness acceptability curve: the share of PSA "
               "draws in which the Hub is cost-effective, by willingness to pay per QALY.",
               lambda r: _psa(r, acceptability_curve)),
    FigureSpec("psa_ranking", "Which uncertain inputs move the net monetary benefit most "
               "(rank correlation across PSA draws).", _ranking),
)


def build_figures(results: ResultsFolder) -> Iterator[tuple[FigureSpec, Figure | None, str]]:
    """Yield ``(spec, figure, '')`` for each standard figure, or ``(spec, None, reason)``."""
    for spec in SPECS:
        try:
            figure = spec.build(results)
        except Skip as skip:
            logger.info("figure %s skipped: %s", spec.name, skip)
            yield spec, None, str(skip)
            continue
        except (KeyError, ValueError, TypeError) as exc:  # a table of an unexpected shape
            logger.warning("figure %s could not be drawn: %s", spec.name, exc)
            yield spec, None, f"could not be drawn from this folder's tables ({exc})"
            continue
        yield spec, figure, ""


def write_figures(results: ResultsFolder, out_dir: str | Path) -> dict[str, list[Path]]:
    """Save every standard figure that applies as ``out_dir/NAME.png`` and ``.svg``."""
    written = {}
    for spec, figure, _ in build_figures(results):
        if figure is not None:
            written[spec.name] = save_figure(figure, Path(out_dir) / spec.name)
    return written
