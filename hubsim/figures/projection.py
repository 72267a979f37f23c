"""Fan charts of a projection (``hubsim.experiments.projection``): each list's size, and the therapy
list's share waiting 18 weeks or less and numbers over 18 and 52 weeks, by month end, mean and 80%
interval over replications."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.style import (
    GREY,
    LINE_WIDTH,
    PANEL_HEIGHT_IN,
    REFERENCE_WIDTH,
    SERIES_COLOURS,
    SHADE_ALPHA,
    date_axis,
    finish,
    house_style,
    new_figure,
    percent_axis,
)
from hubsim.scenario import registry

STANDARD_PCT = float(registry.constant("waits.rtt_standard_pct").value)
_PANELS = (
    ("waiting_clients", "Clients waiting (each list)", ("triage", "therapy", "brief")),
    ("waiting_under_18w_pct", "Therapy list: waiting 18 weeks or less", ("therapy",)),
    ("waiting_over_18w_clients", "Therapy list: waiting over 18 weeks", ("therapy",)),
    ("waiting_over_52w_clients", "Therapy list: waiting over 52 weeks", ("therapy",)),
)


def projection_fan(table: pd.DataFrame, title: str, source: str | None = None,
                   standard_pct: float = STANDARD_PCT) -> Figure:
    """Four panels of month-end fan charts from ``Projection.table``; the share panel marks the
    standard (``standard_pct``)."""
    with house_style():
        fig, axes = new_figure(2, 2, height=2 * PANEL_HEIGHT_IN)
        for ax, (measure, heading, lists) in zip(axes, _PANELS, strict=True):
            for colour, kind in zip(SERIES_COLOURS, lists, strict=False):
                rows = table[table["list"] == kind]
                dates = pd.to_datetime(rows["month_end"])
                ax.fill_between(dates, rows[f"{measure}_p10"], rows[f"{measure}_p90"],
                                color=colour, alpha=SHADE_ALPHA, linewidth=0,
                                label=f"{kind}: 80% interval")
                ax.plot(dates, rows[f"{measure}_mean"], color=colour, linewidth=LINE_WIDTH,
                        label=f"{kind}: mean")
            if measure == "waiting_under_18w_pct":
                ax.axhline(standard_pct, color=GREY, linestyle="--", linewidth=REFERENCE_WIDTH,
                           label=f"standard {standard_pct:g}%")
                ax.set_ylim(0, 101)
                percent_axis(ax)
            else:
                ax.set_ylim(bottom=0)
            ax.set_title(heading, loc="left")
            date_axis(ax)
            ax.legend(fontsize="small", frameon=False)
        return finish(fig, title, source)
