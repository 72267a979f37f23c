"""What happens when the service closes (``service.closes``): who was waiting, who was handed
on, who was discharged and whose course ended.

At the closing instant every client still waiting (for a triage call, Hub therapy or brief
support) and every client in a course leaves the Hub: referred on (``service.on_close =
"refer_external"``, recorded as ``referred_external``) or discharged (``service_closed``,
``course_ended_closure``). These KPIs count them apart from the clinical onward referrals that
``external_referrals`` also holds. They count every client, warm-up included, as the snapshot
KPIs (``*_end``) do; a scenario without a closure within its horizon has none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hubsim.model.records import WAIT_LISTS
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.waits import client_rows, list_rows
from hubsim.scenario.schema import Scenario

SAME_INSTANT_DAYS = 1e-9
"""Two times this close (days) are the same instant: the closure's time is a whole day, and a
client closed out leaves the Hub at exactly that time."""
DISCHARGE_REASONS = ("service_closed", "course_ended_closure")
HANDED_ON_REASON = "referred_external"

CLOSURE_KPIS: tuple[str, ...] = (
    *(f"{kind}_waiting_at_closure" for kind in WAIT_LISTS),
    "courses_ended_at_closure", "handed_on_at_closure", "discharged_at_closure",
)
"""The closure KPIs, all counts of clients."""


def closure_day(scenario: Scenario) -> float | None:
    """When the service closes, days from the start date; None if it does not close within the
    horizon."""
    closes = scenario.service.closes
    if closes is None:
        return None
    day = float((closes - scenario.start_date).days)
    return day if day <= scenario.horizon_days else None


def closure_kpis(clients: ClientTable, scenario: Scenario) -> dict[str, float]:
    """The closure KPIs (``CLOSURE_KPIS``) of one Hub's clients (all of them, a frame or
    ``ClientColumns``); {} without a closure in the horizon."""
    day = closure_day(scenario)
    if day is None:
        return {}
    columns = ClientColumns.of(clients)
    rows = client_rows(columns)
    at_closure = np.abs(rows["exit_day"] - day) <= SAME_INSTANT_DAYS
    kpis = {}
    for kind in WAIT_LISTS:
        joined, records = list_rows(rows, kind)
        waiting = (records.join_day <= day) & np.isnan(records.start_day) & at_closure[joined]
        kpis[f"{kind}_waiting_at_closure"] = float(np.count_nonzero(waiting))
    in_course = ~np.isnan(columns.floats("course_start_day"))
    kpis["courses_ended_at_closure"] = float(np.count_nonzero(in_course & at_closure))
    kpis["handed_on_at_closure"] = float(np.count_nonzero(
        at_closure & columns.has_label("exit_reason", HANDED_ON_REASON)))
    kpis["discharged_at_closure"] = float(np.count_nonzero(
        at_closure & columns.has_label("exit_reason", *DISCHARGE_REASONS)))
    return kpis


def combine_closure_kpis(parts: Sequence[tuple[Scenario, ClientTable]]) -> dict[str, float]:
    """Closure KPIs of several Hubs (each its scenario and clients): counts added over the Hubs
    that close within their horizon; {} if none does."""
    total: dict[str, float] = {}
    for scenario, clients in parts:
        for name, value in closure_kpis(clients, scenario).items():
            total[name] = total.get(name, 0.0) + value
    return total
