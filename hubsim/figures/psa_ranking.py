"""PSA figures: the cost-effectiveness plane and acceptability curve come from
:mod:`hubsim.figures.psa`; this module adds the ranking of inputs (a tornado-style bar chart of
partial rank correlations) and the source line shared by the three."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.style import GREY, OKABE_ITO, finish, house_style, new_figure

MAX_BARS = 15  # inputs shown: enough to see which matter, few enough to read the labels
BAR_HEIGHT = 0.7
ROW_HEIGHT_IN = 0.32  # inches per bar, so long rankings stay legible
MIN_HEIGHT_IN = 3.0


def psa_source(scenario: str, comparator: str, draws: int, replications: int, seed: int) -> str:
    """The foot-of-figure source line of a PSA."""
    return (f"Source: hubsim PSA; {draws} draws x {replications} replications with common random "
            f"numbers; seed {seed}.\nScenario: {scenario}. Comparator: {comparator}.")


def ranking_chart(
    ranking: pd.DataFrame, column: str, *, source: str | None = None, max_bars: int = MAX_BARS
) -> Figure:
    """Horizontal bars of each input's partial rank correlation with an output, largest on top.

    Parameters
    ----------
    ranking : from :func:`hubsim.experiments.sensitivity.rank_inputs` (``parameter``, ``column``,
        ``method``)
    column : the coefficient column to plot, e.g. ``prcc_nmb_20000_gbp``
    source : source line for the foot of the figure
    max_bars : the most influential inputs to show
    """
    top = ranking.reindex(ranking[column].abs().sort_values(ascending=False).index)
    top = top.head(max_bars).iloc[::-1]
    method = "partial rank" if ranking["method"].iloc[0] == "prcc" else "Spearman rank"
    colours = [OKABE_ITO["blue"] if v >= 0 else OKABE_ITO["vermillion"] for v in top[column]]
    with house_style():
        fig, (ax,) = new_figure(height=max(MIN_HEIGHT_IN, ROW_HEIGHT_IN * len(top) + 1.5))
        ax.barh(top["parameter"], top[column], height=BAR_HEIGHT, color=colours)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_xlim(-1, 1)
        ax.set_xlabel(f"{method} correlation with {column.removeprefix('prcc_')} (-1 to 1)")
        ax.grid(axis="y", visible=False)
        ax.set_title("blue: a higher value raises it; red: lowers it", loc="left",
                     fontsize="small", color=GREY)
        return finish(fig, "Which uncertain inputs matter most", source)
