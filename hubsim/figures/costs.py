"""Costs by component."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.style import (
    GREY,
    OKABE_ITO,
    finish,
    house_style,
    new_figure,
)
from hubsim.results.run_facts import ROLE_LABELS, hubs
from hubsim.scenario.units import DAYS_PER_YEAR

TOTAL_KPI = "cost_total_gbp"
COST_PREFIX, COST_SUFFIX = "cost_", "_gbp"
PER_PREFIX = "cost_per_"  # unit costs (per client, per completed course...), not components
REL_TOLERANCE = 1e-6  # staff roles must add up to the total cost to this relative tolerance
BAR_HEIGHT = 0.6
LABEL_ROOM = 0.22  # axis fraction kept free right of the longest bar for its label
STAFF_NOTE = ("Staff cost by role (WTE × annual cost per WTE over the results window); "
              "other cost components are not part of this run")


def _component_rows(summary: pd.DataFrame) -> pd.DataFrame:
    names = summary["kpi"].astype(str)
    keep = (names.str.startswith(COST_PREFIX) & names.str.endswith(COST_SUFFIX)
            & ~names.str.contains(":") & ~names.str.startswith(PER_PREFIX)
            & (names != TOTAL_KPI))
    rows = summary.loc[keep, ["kpi", "mean", "ci_low", "ci_high"]].copy()
    rows["component"] = (rows["kpi"].str.removeprefix(COST_PREFIX).str.removesuffix(COST_SUFFIX)
                         .str.replace("_", " "))
    return rows[["component", "mean", "ci_low", "ci_high"]].reset_index(drop=True)


def _staff_rows(meta: Mapping[str, Any]) -> pd.DataFrame:
    totals: dict[str, float] = {}
    for hub in hubs(meta):
        years = (float(hub["horizon_days"]) - float(hub.get("warmup_days", 0))) / DAYS_PER_YEAR
        for role, table in hub.get("staff", {}).items():
            if table.get("changes"):
                return pd.DataFrame()  # WTE varies over time: leave the split to the model
            cost = float(table["wte"]) * float(table["annual_cost_gbp"]) * years
            label = f"staff: {ROLE_LABELS.get(role, role)}"
            totals[label] = totals.get(label, 0.0) + cost
    frame = pd.DataFrame({"component": list(totals), "mean": list(totals.values())})
    return frame.assign(ci_low=frame["mean"], ci_high=frame["mean"])


def cost_components(
    summary: pd.DataFrame, meta: Mapping[str, Any]
) -> tuple[pd.DataFrame, str | None] | None:
    """Cost components (GBP) and a note on where they came from, or None when there are none.

    Components are the summary's ``cost_<component>_gbp`` KPIs other than the total and unit
    costs (``cost_per_...``). A run without them gets its staff cost split by role from the scenario
    (``wte * annual_cost_gbp`` over the results window), provided the roles add up to the
    ``cost_total_gbp`` KPI; the note then says so.

    Returns
    -------
    (frame with columns ``component, mean, ci_low, ci_high`` in GBP, note or None), or None
    """
    rows = _component_rows(summary)
    if not rows.empty:
        return rows, None
    total = summary.loc[summary["kpi"] == TOTAL_KPI, "mean"]
    staff = _staff_rows(meta)
    if staff.empty or total.empty or not math.isclose(
        float(staff["mean"].sum()), float(total.iloc[0]), rel_tol=REL_TOLERANCE
    ):
        return None
    return staff, STAFF_NOTE


def costs_by_component(
    components: pd.DataFrame, *, source: str | None = None, price_year: int | None = None,
    note: str | None = None,
) -> Figure:
    """Horizontal bars of cost by component, with 95% intervals where they have width.

    Parameters
    ----------
    components : columns ``component`` (text), ``mean``, ``ci_low``, ``ci_high`` (GBP)
    source : source line for the foot of the figure
    price_year : price year of the costs, for the axis label
    note : a line under the title (e.g. where the components came from)
    """
    frame = components.sort_values("mean")
    low = (frame["mean"] - frame["ci_low"]).clip(lower=0).fillna(0)
    high = (frame["ci_high"] - frame["mean"]).clip(lower=0).fillna(0)
    with house_style():
        fig, (ax,) = new_figure()
        ax.barh(frame["component"], frame["mean"], height=BAR_HEIGHT, color=OKABE_ITO["blue"],
                xerr=np.vstack([low, high]), error_kw={"ecolor": "black", "capsize": 4})
        ends = frame["mean"] + high  # the label starts past the interval's end
        for y, (value, end) in enumerate(zip(frame["mean"], ends, strict=True)):
            ax.text(end, y, f"  £{value:,.0f}", va="center", color=GREY)
        prices = f", {price_year} prices" if price_year else ""
        ax.set_xlabel(f"cost over the results window (GBP{prices})")
        ax.set_ylabel("cost component")
        ax.set_yticks(range(len(frame)), [str(c).replace("_", " ") for c in frame["component"]])
        ax.xaxis.set_major_formatter("£{x:,.0f}")
        ax.margins(x=LABEL_ROOM)  # room on the right for the labels ...
        ax.set_xlim(left=min(0.0, float((frame["mean"] - low).min())))  # ... none on the left
        ax.grid(axis="y", visible=False)
        if note:
            ax.set_title(note, loc="left", fontsize="small", color=GREY)
        return finish(fig, "Costs by component", source)
