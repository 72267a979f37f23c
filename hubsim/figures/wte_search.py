"""Figure for the staffing search: share of replications meeting the target against WTE.

Built like the sweep and warm-up figures (``hubsim.figures.sweeps``): a matplotlib ``Figure``
rendered by Agg, with a title, axis labels with units and a source line.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from hubsim.experiments.wte_search import SearchResult
from hubsim.figures.sweeps import _figure

SHARE_MARGIN = 0.03  # share axis from -0.03 to 1.03, so points at 0 and 1 are not clipped
HOLLOW = "white"  # face colour of points where the target does not hold


def search_figure(result: SearchResult, source: str) -> Figure:
    """Each evaluated WTE's share of replications meeting the target, the required share as a
    dashed line and the answer as a vertical line (filled points: the target holds).

    The dotted line only joins evaluated points: WTE between them were not run.
    """
    points = result.points
    fig, ax = _figure(f"Staffing search: {result.target}", source)
    line = ax.plot(points["wte"], points["share_of_replications_meeting"], color="tab:blue",
                   linestyle=":", label="evaluated WTE (filled: target holds)")[0]
    faces = [line.get_color() if held else HOLLOW for held in points["meets_target"]]
    ax.scatter(points["wte"], points["share_of_replications_meeting"], facecolors=faces,
               edgecolors=line.get_color(), zorder=3)
    ax.axhline(result.confidence, color="gray", linestyle="--",
               label=f"required share: {result.confidence:.0%}")
    if result.answer is not None:
        ax.axvline(result.answer, color="tab:red",
                   label=f"answer: {result.answer:g} WTE {result.role}")
    ax.set_ylim(-SHARE_MARGIN, 1 + SHARE_MARGIN)
    hub = f" at {result.hub}" if result.hub else ""
    ax.set_xlabel(f"{result.role}{hub} (WTE)")
    ax.set_ylabel(f"share of {result.replications} replications meeting the target (0-1)")
    ax.legend(loc="lower right")
    return fig
