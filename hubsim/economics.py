"""Economic KPIs of one Hub's replication (costs beyond staff time, outcomes). Placeholder hook
called by :mod:`hubsim.kpis`; the economics work fills it in."""

from __future__ import annotations

import pandas as pd

from hubsim.scenario import Scenario


def economic_kpis(window: pd.DataFrame, scenario: Scenario, usage: dict) -> dict[str, float]:
    """KPIs computed from the clients who count (``window``), the scenario and resource usage."""
    return {}


def combine_economic_kpis(
    per_hub: list[tuple[Scenario, pd.DataFrame, dict]], pooled: pd.DataFrame
) -> dict[str, float]:
    """Economic KPIs of several Hubs together from each Hub's (scenario, window, usage) and the
    pooled window of clients."""
    return {}
