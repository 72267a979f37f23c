"""Figure for the staffing search: share of replications meeting the target against WTE.

Drawn by ``hubsim.figures.curves.staffing_search_curve`` (the same figure the report shows for a
search folder): filled points where the target holds, the required share as a dashed line, the
answer as a vertical line, and the axis zoomed on the levels tried nearest the answer.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from hubsim.experiments.wte_search import SearchResult
from hubsim.figures.curves import staffing_search_curve
from hubsim.figures.style import PERCENT_SCALE
from hubsim.results.run_facts import ROLE_LABELS


def search_figure(result: SearchResult, source: str) -> Figure:
    """The search's evaluated WTE levels, share of replications meeting the target (%), the
    required share and the answer (see ``staffing_search_curve``)."""
    role = ROLE_LABELS.get(result.role, result.role)
    hub = f" at {result.hub}" if result.hub else ""
    return staffing_search_curve(
        result.points, source=source, target_pct=PERCENT_SCALE * result.confidence,
        chosen=result.answer, role=f"{role}{hub}", target=str(result.target),
    )
