"""Pathway flow: where clients went after screening, by need tier."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hubsim.figures.style import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    finish,
    house_style,
    new_figure,
)
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS

NOT_REACHED = "not_reached"
AWAITING_TRIAGE = "awaiting_triage"
PATHWAY_LABELS: dict[str, str] = {
    "hub_therapy": "Hub therapy", "brief_support": "brief Hub support",
    "external_referral": "external referral", "signpost": "signposted / self-help",
    "no_further_support": "no further support", NOT_REACHED: "not reached by triage",
    AWAITING_TRIAGE: "awaiting triage at the end",
}
PATHWAY_COLOURS: dict[str, str] = {
    "hub_therapy": OKABE_ITO["blue"], "brief_support": OKABE_ITO["sky"],
    "external_referral": OKABE_ITO["orange"], "signpost": OKABE_ITO["green"],
    "no_further_support": OKABE_ITO["purple"], NOT_REACHED: GREY, AWAITING_TRIAGE: LIGHT_GREY,
}
DARK_TEXT_ON = frozenset({"brief_support", "external_referral", AWAITING_TRIAGE})
FLOW_ORDER = (*PATHWAYS, NOT_REACHED, AWAITING_TRIAGE)
BAR_HEIGHT = 0.6
TOTAL_ROOM = 0.08  # axis fraction kept free right of the bars for the totals
LEGEND_BELOW = (0.5, -0.14)  # axes fraction: centred under the x-axis label
LEGEND_COLUMNS = 4
MIN_LABEL_SHARE = 0.06  # segments narrower than this share of the widest bar carry no number


def pathway_counts(clients: pd.DataFrame) -> pd.DataFrame:
    """Mean clients per replication by need tier (rows) and pathway (columns, ``FLOW_ORDER``).

    ``clients`` needs ``need_tier``, ``pathway``, ``exit_reason`` and ``replication``. A client
    without a pathway was either never reached (``exit_reason`` ``not_reached``) or still awaiting
    triage at the end. A combination absent in a replication counts as 0.
    """
    reps = max(clients["replication"].nunique(), 1)
    flow = clients["pathway"].astype(str)
    untriaged = ~flow.isin(PATHWAYS)
    flow[untriaged] = AWAITING_TRIAGE
    flow[untriaged & (clients["exit_reason"].astype(str) == NOT_REACHED)] = NOT_REACHED
    counts = pd.crosstab(clients["need_tier"].astype(str), flow)
    counts = counts.reindex(index=list(NEED_TIERS), columns=list(FLOW_ORDER), fill_value=0)
    return counts / reps


def pathway_flow(clients: pd.DataFrame, *, source: str | None = None) -> Figure:
    """Stacked horizontal bars: clients per replication on each pathway, by need tier.

    Parameters
    ----------
    clients : one row per client per replication with ``need_tier``, ``pathway``,
        ``exit_reason`` and ``replication``
    source : source line for the foot of the figure
    """
    counts = pathway_counts(clients)
    widest = float(counts.sum(axis=1).max()) or 1.0
    with house_style():
        fig, (ax,) = new_figure()
        left = pd.Series(0.0, index=counts.index)
        for pathway in FLOW_ORDER:
            width = counts[pathway]
            bars = ax.barh(counts.index, width, left=left, height=BAR_HEIGHT,
                           color=PATHWAY_COLOURS[pathway], label=PATHWAY_LABELS[pathway])
            labels = [f"{w:,.0f}" if w / widest >= MIN_LABEL_SHARE else "" for w in width]
            text = "black" if pathway in DARK_TEXT_ON else "white"
            ax.bar_label(bars, labels=labels, label_type="center", color=text, fontweight="bold")
            left = left + width
        for tier, total in left.items():
            # a category label as y: matplotlib's unit registry converts it (stubs say float)
            ax.text(total, tier, f"  {total:,.0f}", va="center", color=GREY)  # type: ignore[arg-type]
        ax.set_xlabel("clients per replication (mean)")
        ax.set_ylabel("need tier at screening")
        ax.grid(axis="y", visible=False)
        ax.margins(x=TOTAL_ROOM)
        ax.legend(loc="upper center", bbox_to_anchor=LEGEND_BELOW, ncols=LEGEND_COLUMNS)
        return finish(fig, "Where clients went after screening, by need tier", source)
