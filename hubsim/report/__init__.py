"""A self-contained HTML report of a results folder: ``write_report(results_dir)``.

The report opens offline: figures are embedded as PNG data URIs, the CSS is inline and a Content
Security Policy forbids any network request. It is made from the folder's files alone, so it can
be re-made without re-running the simulation.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePath

from hubsim.figures import build_figures, png_bytes, save_figure
from hubsim.report.assumptions import assumptions_section
from hubsim.report.experiment_tables import experiment_results
from hubsim.report.html import image, page, para
from hubsim.report.results_text import key_results_section
from hubsim.report.stress import model_section, reproduce_section
from hubsim.report.validation import validation_section
from hubsim.report.words import scenario_section
from hubsim.results.read import ResultsFolder, load_results
from hubsim.results.run_facts import hubs
from hubsim.results.write import write_text_atomic

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"
FIGURES_FOLDER = "figures"
SECTION_TITLES: dict[str, str] = {
    "question": "Question",
    "scenario": "Scenario in plain words",
    "results": "Key results",
    "figures": "Figures",
    "assumptions": "Assumptions",
    "validation": "Validation against the evaluation",
    "model": "Model description (STRESS-DES)",
    "reproduce": "Reproduce",
}
"""Anchor -> heading of every report section, in order."""


def _question(results: ResultsFolder) -> str:
    meta = results.metadata
    runs = hubs(meta)
    description = (meta.get("scenario") or {}).get("description") or (
        runs[0].get("description") if runs else "")
    reps = meta.get("replications", "?")
    if meta.get("command") == "psa":
        text = (f"Is {PurePath(str(meta.get('scenario_file', 'the scenario'))).stem} "
                f"cost-effective against the {meta.get('comparator', 'comparator')}, given the "
                "uncertainty in its inputs?")
        span = f"{meta.get('draws', '?')} draws × {reps} replications"
    else:
        text = description or ("The scenario does not state its question (its description is "
                               "empty).")
        span = f"{reps} replications"
    out = para(text) + para(f"This report answers it from {span} of the scenario "
                            f"“{results.name}” (seed {meta.get('seed', '?')}).", "note")
    if meta.get("partial"):
        out += para("The run was interrupted: only its completed replications are reported.")
    return out


def _figures(results: ResultsFolder, figures_dir: Path | None) -> str:
    """The figures that apply to this folder; those that do not (a sweep plot in a run folder,
    fan charts in a PSA folder...) are left out, not listed."""
    shown = []
    for spec, figure, reason in build_figures(results):
        if figure is None:
            logger.info("report: figure %s left out (%s)", spec.name, reason)
            continue
        if figures_dir is not None:
            png_path = save_figure(figure, figures_dir / spec.name)[0]
            png = png_path.read_bytes()
        else:
            png = png_bytes(figure)
        alt = figure.get_suptitle() or spec.name
        shown.append(image(png, alt, spec.caption))
    return "".join(shown) or para(
        "No figure applies to this results folder: it holds neither the daily series and "
        "client records of a run nor the table of a sweep, staffing search or PSA.")


def _results(results: ResultsFolder) -> str:
    extra = experiment_results(results.extras, results.metadata)
    if results.summary is None and extra:
        return extra
    return key_results_section(results.summary, results.metadata) + extra


def render_report(results: ResultsFolder, figures_dir: Path | None = None) -> str:
    """The report as one HTML string; with ``figures_dir``, figures are also saved there."""
    meta = results.metadata
    bodies = {
        "question": _question(results),
        "scenario": scenario_section(meta),
        "results": _results(results),
        "figures": _figures(results, figures_dir),
        "assumptions": assumptions_section(meta),
        "validation": validation_section(results),
        "model": model_section(meta),
        "reproduce": reproduce_section(meta),
    }
    subtitle = (f"hubsim {meta.get('hubsim_version', '')} results report · "
                f"{results.source} · run {meta.get('created_utc', 'date not recorded')}")
    sections = [(key, SECTION_TITLES[key], bodies[key]) for key in SECTION_TITLES]
    return page(results.name, subtitle, sections)


def write_report(
    results_dir: str | Path, out: str | Path | None = None, save_figures: bool = True
) -> Path:
    """Write ``report.html`` (and, by default, ``figures/*.png|svg``) for a results folder.

    Parameters
    ----------
    results_dir : a results folder (see ``hubsim.results.read.load_results``)
    out : the HTML file to write [default: ``results_dir/report.html``]
    save_figures : also save each figure as PNG and SVG in ``results_dir/figures``

    Returns
    -------
    The path of the report, written atomically (a temporary file, then a rename).

    Raises
    ------
    hubsim.results.read.ResultsFolderError
        if ``results_dir`` is not a readable results folder.
    """
    folder = Path(results_dir)
    results = load_results(folder)
    figures_dir = folder / FIGURES_FOLDER if save_figures else None
    html = render_report(results, figures_dir)
    path = Path(out) if out is not None else folder / REPORT_FILE
    write_text_atomic(path, html)
    logger.info("report written: %s", path)
    return path


__all__ = ["REPORT_FILE", "SECTION_TITLES", "render_report", "write_report"]
