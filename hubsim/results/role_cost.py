"""What one staff role costs a year, and what changing its WTE costs: for budget holders.

Nominal annual costs of the funded WTE, in GBP at the scenario's ``price_year``, at payroll cost
(Agenda for Change salary mid-point plus employer's National Insurance and pension) and at full
economic cost (PSSRU: salary, on-costs, overheads and capital), from
:func:`hubsim.results.costs.role_cost_per_wte_gbp`. Not the whole Hub's staff bill, and not the cost
paid in a simulated run (vacancies and recruitment lags make that lower): the budget line a
funder signs for.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubsim.results.costs import role_cost_per_wte_gbp
from hubsim.scenario.schema import Scenario

VIEWS: tuple[str, ...] = ("payroll", "full")
"""Cost views: payroll cost and full economic cost."""


@dataclass(frozen=True)
class RoleCost:
    """Annual cost of ``wte`` WTE of ``role`` against the scenario's ``current_wte``.

    ``per_wte``, ``annual`` and ``marginal`` map each view (``VIEWS``) to GBP per WTE per year,
    GBP per year at ``wte``, and GBP per year of the change from ``current_wte`` to ``wte``.
    """

    role: str
    band: str
    wte: float
    current_wte: float
    price_year: int
    per_wte: dict[str, float]
    annual: dict[str, float]
    marginal: dict[str, float]


def role_cost(hub: Scenario, role: str, wte: float) -> RoleCost:
    """The annual and marginal cost of ``wte`` WTE of ``role`` in ``hub`` (see ``RoleCost``)."""
    spec = hub.staff.roles()[role]
    per_wte = role_cost_per_wte_gbp(hub, role)
    return RoleCost(
        role=role, band=str(spec.band), wte=float(wte), current_wte=float(spec.wte),
        price_year=hub.price_year, per_wte={v: per_wte[v] for v in VIEWS},
        annual={v: wte * per_wte[v] for v in VIEWS},
        marginal={v: (wte - spec.wte) * per_wte[v] for v in VIEWS},
    )


def team_cost(hub: Scenario) -> list[RoleCost]:
    """Every role of ``hub`` at its scenario WTE (its funded WTE at the start of the run): the
    team's annual cost role by role (``marginal`` is 0: no change)."""
    return [role_cost(hub, name, role.wte) for name, role in hub.staff.roles().items()]
