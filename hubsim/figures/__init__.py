"""Figures from results tables (matplotlib ``Figure`` objects; PNG via Agg, and SVG).

Every function takes DataFrames (never files) and returns a figure with a title, axis labels
with units and, given ``source=``, a source line. ``hubsim.results.read.load_results`` reads a
results folder into frames; ``write_figures`` saves every figure that applies to one. The helpers
``staffing_changes``, ``caseload_slots``, ``source_line`` and ``staff_from_metadata`` (staff
funded, in post and at work, drawn again from the run's seed) read a run's metadata.
"""

from hubsim.figures.catalogue import SPECS, build_figures, write_figures
from hubsim.figures.costs import cost_components, costs_by_component
from hubsim.figures.curves import staffing_search_curve, sweep_curves
from hubsim.figures.flow import pathway_counts, pathway_flow
from hubsim.figures.projection import projection_fan
from hubsim.figures.psa import acceptability_curve, ceac, psa_plane
from hubsim.figures.queues import (
    fan_chart,
    therapy_waitlist_fan,
    triage_backlog_fan,
    waitlists_overlaid,
)
from hubsim.figures.staff import (
    caseload_utilisation,
    open_slots_share,
    staff_in_post,
    staff_utilisation,
)
from hubsim.figures.style import png_bytes, save_figure
from hubsim.figures.waits import kpi_windows, therapy_waits
from hubsim.results.run_facts import caseload_slots, source_line, staffing_changes
from hubsim.results.staff_in_post import staff_from_metadata

__all__ = [
    "SPECS", "acceptability_curve", "build_figures", "caseload_slots", "caseload_utilisation",
    "ceac",
    "cost_components", "costs_by_component", "fan_chart", "kpi_windows", "open_slots_share",
    "pathway_counts",
    "pathway_flow",
    "png_bytes", "projection_fan", "psa_plane", "save_figure", "source_line", "staff_from_metadata",
    "staff_in_post", "staff_utilisation",
    "staffing_changes", "staffing_search_curve",
    "sweep_curves", "therapy_waitlist_fan", "therapy_waits", "triage_backlog_fan",
    "waitlists_overlaid", "write_figures",
]
