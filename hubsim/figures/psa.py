"""Probabilistic sensitivity analysis: the cost-effectiveness plane and acceptability curve."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.experiments.acceptability import CEAC_MAX_GBP, CEAC_POINTS, COST, QALYS, ceac
from hubsim.figures.style import (
    AXIS_LINE_WIDTH,
    GREY,
    LINE_WIDTH,
    OKABE_ITO,
    SNUG_HEADROOM,
    finish,
    house_style,
    new_figure,
    percent_axis,
)

# NICE's usual range of cost-effectiveness thresholds, GBP per QALY (NICE PMG36, 2022, 4.10)
NICE_THRESHOLDS_GBP: tuple[float, ...] = (20_000.0, 30_000.0)
POINT_ALPHA = 0.35
POINT_SIZE = 12  # points^2: one PSA draw
MEAN_SIZE = 80  # points^2: the mean of the draws
PERCENT = 100.0


def psa_plane(
    psa: pd.DataFrame, *, source: str | None = None,
    thresholds_gbp: Sequence[float] = NICE_THRESHOLDS_GBP,
) -> Figure:
    """Scatter of incremental cost against incremental QALYs, one point per PSA draw.

    Parameters
    ----------
    psa : as for ``ceac``
    source : source line for the foot of the figure
    thresholds_gbp : willingness-to-pay lines to draw, GBP per QALY
    """
    cost, qalys = psa[COST].to_numpy(float), psa[QALYS].to_numpy(float)
    with house_style():
        fig, (ax,) = new_figure()
        ax.scatter(qalys, cost, s=POINT_SIZE, alpha=POINT_ALPHA, color=OKABE_ITO["blue"],
                   linewidths=0, label=f"PSA draws ({len(psa):,})")
        ax.scatter([qalys.mean()], [cost.mean()], s=MEAN_SIZE, marker="D",
                   color=OKABE_ITO["orange"], edgecolors="black", label="mean", zorder=3)
        ax.axhline(0, color=GREY, linewidth=AXIS_LINE_WIDTH)
        ax.axvline(0, color=GREY, linewidth=AXIS_LINE_WIDTH)
        span = np.array(ax.get_xlim())
        for colour, wtp in zip((OKABE_ITO["green"], OKABE_ITO["vermillion"]), thresholds_gbp,
                               strict=False):
            ax.plot(span, wtp * span, linestyle="--", color=colour,
                    label=f"£{wtp:,.0f} per QALY")
        ax.set_xlim(*span)
        ax.set_xlabel("incremental QALYs")
        ax.set_ylabel("incremental cost (GBP)")
        ax.yaxis.set_major_formatter("£{x:,.0f}")
        ax.legend(loc="upper left")
        return finish(fig, "Cost-effectiveness plane", source)


def acceptability_curve(
    psa: pd.DataFrame, *, source: str | None = None, max_wtp_gbp: float = CEAC_MAX_GBP,
    thresholds_gbp: Sequence[float] = NICE_THRESHOLDS_GBP,
) -> Figure:
    """Cost-effectiveness acceptability curve from PSA draws (see ``ceac``)."""
    curve = ceac(psa, np.linspace(0.0, max_wtp_gbp, CEAC_POINTS))
    with house_style():
        fig, (ax,) = new_figure()
        ax.plot(curve["wtp_gbp_per_qaly"], PERCENT * curve["probability_cost_effective"],
                color=OKABE_ITO["blue"], linewidth=LINE_WIDTH)
        for colour, wtp in zip((OKABE_ITO["green"], OKABE_ITO["vermillion"]), thresholds_gbp,
                               strict=False):
            ax.axvline(wtp, color=colour, linestyle="--", label=f"£{wtp:,.0f} per QALY")
        ax.set_ylim(0, PERCENT * SNUG_HEADROOM)
        percent_axis(ax)
        ax.xaxis.set_major_formatter("£{x:,.0f}")
        ax.set_xlabel("willingness to pay (GBP per QALY)")
        ax.set_ylabel("probability cost-effective (%)")
        ax.legend(loc="lower right")
        return finish(fig, "Cost-effectiveness acceptability curve", source)
