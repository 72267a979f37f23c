"""The evaluation's published figures, measured the same way on simulated clients.

Pure functions on per-client records (no simulation, no I/O). Percentages are 0-100.

* Screening figures use clients screened in the scenario's evaluation window
  (``evaluation.window_start`` to ``window_end``).
* Follow-up figures mimic the 5-8-month survey: for each client screened in the window whose
  ``followup_day`` falls within the horizon, their state on that day.
"""

from __future__ import annotations

import pandas as pd

from hubsim.scenario.schema import AnyScenario, Scenario

PERCENT = 100.0
_COURSES = ("hub_therapy", "brief_support")


def _days(scenario: Scenario, date) -> float:
    return float((date - scenario.start_date).days)


def evaluation_window(clients: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Clients of ``scenario``'s Hub screened within its evaluation window."""
    lo = _days(scenario, scenario.evaluation.window_start)
    hi = _days(scenario, scenario.evaluation.window_end) + 1.0  # the end date is inclusive
    rows = clients[clients["hub"] == scenario.hub]
    return rows[(rows["arrival_day"] >= lo) & (rows["arrival_day"] < hi)]


def _pct(mask: pd.Series) -> float:
    return float(PERCENT * mask.mean()) if len(mask) else float("nan")


def screening_figures(screened: pd.DataFrame) -> dict[str, float]:
    """Need and mix of screened clients (counts and percentages)."""
    return {
        "screened_clients": float(len(screened)),
        "screen_positive_3plus_pct": _pct(screened["domains_positive"] >= 3),
        "screen_functioning_pct": _pct(screened["functioning"]),
        "screen_negative_all_pct": _pct(screened["domains_positive"] == 0),
        "sector_nhs_pct": _pct(screened["sector"] == "nhs"),
        "sector_social_care_pct": _pct(screened["sector"] == "social_care"),
        "sector_emergency_services_pct": _pct(screened["sector"] == "emergency_services"),
        "female_pct": _pct(screened["sex"] == "female"),
        "white_british_pct": _pct(screened["ethnicity"] == "white_british"),
        "minority_ethnic_pct": _pct(screened["ethnicity"] == "minority_ethnic"),
    }


def followup_states(clients: pd.DataFrame) -> pd.DataFrame:
    """Each client's state on their follow-up day: contact, support received, waiting."""
    day = clients["followup_day"]
    started_course = clients["course_start_day"] <= day
    started_external = (clients["external_start_day"] <= day) | (
        clients["self_help_start_day"] <= day
    )
    on_course_list = (
        clients["pathway"].isin(_COURSES)
        & (clients["waitlist_join_day"] <= day)
        & ~started_course
        & ~((clients["exit_reason"] == "left_waitlist") & (clients["exit_day"] <= day))
    )
    on_external_list = (clients["referral_day"] <= day) & ~started_external
    return pd.DataFrame({
        "contact": clients["triage_day"] <= day,
        "received_support": started_course | started_external,
        "on_waiting_list": on_course_list | on_external_list,
    })


def followup_figures(respondents: pd.DataFrame) -> dict[str, float]:
    """Shares (%) of follow-up respondents with contact, support, or on a waiting list."""
    states = followup_states(respondents)
    return {
        "followup_respondents": float(len(respondents)),
        "followup_contact_pct": _pct(states["contact"]),
        "followup_received_support_pct": _pct(states["received_support"]),
        "followup_on_waiting_list_pct": _pct(states["on_waiting_list"]),
    }


def evaluation_figures(clients: pd.DataFrame, scenario: AnyScenario) -> dict[str, float]:
    """All published-figure measures of one replication: totals, and per Hub as ``HUB:NAME``."""
    hubs = getattr(scenario, "hubs", (scenario,))
    screened, respondents, out = [], [], {}
    for hub in hubs:
        window = evaluation_window(clients, hub)
        answered = window[window["followup_day"] <= hub.horizon_days]
        screened.append(window)
        respondents.append(answered)
        for name, value in {**screening_figures(window), **followup_figures(answered)}.items():
            out[f"{hub.hub}:{name}"] = value
    total = {
        **screening_figures(pd.concat(screened)),
        **followup_figures(pd.concat(respondents)),
    }
    return {**total, **out} if len(hubs) > 1 else total


def hub_ids(scenario: AnyScenario) -> tuple[str, ...]:
    """The Hub identifiers of a scenario."""
    return tuple(h.hub for h in getattr(scenario, "hubs", (scenario,)))


__all__ = ["evaluation_figures", "followup_states", "hub_ids"]
