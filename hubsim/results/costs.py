"""Costs of one Hub's replication: staff, set-up, non-staff running, downstream service use, and
the staff time each activity used; at full economic cost and at payroll cost; undiscounted (the
budget over the run) and discounted (the economic evaluation).

All money is returned in GBP at the scenario's ``price_year``; unit costs are re-based from their
own price years with the NHS Cost Inflation Index (:mod:`hubsim.results.prices`).

* **Staff** (``cost_staff_gbp``): WTE-years paid in the KPI window per role x the role's annual
  cost per WTE at full economic cost (PSSRU: salary, on-costs, overheads, capital). Paid whether
  busy or idle. ``cost_staff_payroll_gbp``: the same WTE-years at payroll cost (Agenda for
  Change salary mid-point plus employer's National Insurance and pension; see
  ``payroll_cost_per_wte_gbp``). ``cost_staff_therapy_gbp``: the therapy roles' share
  (therapists and psychologists) at full cost.
* **Set-up** (``cost_setup_gbp``): ``costs.setup_gbp`` once per simulated Hub.
* **Non-staff running** (``cost_non_staff_gbp``): ``costs.non_staff_annual_gbp`` x window years:
  the Hub's own service costs (screening platform, outreach), counted in both views.
  **Overheads** (``cost_overheads_gbp``): ``costs.overheads_annual_gbp`` x window years (IT,
  records system, training, premises), counted only at payroll cost: PSSRU's full economic cost
  per WTE already includes overheads and capital, so adding them to it would count them twice.
* **Downstream** (``cost_downstream_gbp``): each client's service use outside the Hub over the
  ~6 months after screening (``costs.downstream.period_years``), by the route they took
  (``costs.downstream``), counted for every client in the window. Hub-delivered contacts are
  never here: they are staff time.
* **Activity** (``activity_*_gbp``, not part of the total): the staff time each activity used,
  at the hourly PSSRU cost of the band(s) that deliver it, with *expected* minutes per activity
  (the mean of the scenario's call and admin distributions; booked session minutes for every
  attended or missed session, because a missed appointment's time is held for the client). A
  breakdown of staff cost for cost-per-activity analysis; adding it to the total would count
  the same staff time twice.

``cost_total_gbp = cost_staff_gbp + cost_setup_gbp + cost_non_staff_gbp + cost_downstream_gbp``
(full economic cost, NHS and social care, undiscounted); ``cost_total_payroll_gbp`` the same with
``cost_staff_payroll_gbp`` and ``cost_overheads_gbp`` added.

**Discounted cost** (``cost_discounted_gbp``, what the cost per QALY uses): full economic cost at
``costs.discount_rate`` a year, continuously, to the start of the KPI window, the time origin of
the QALYs (:mod:`hubsim.outcomes`): staff as paid day by day, non-staff spread evenly over the
window, set-up at the start, each client's mental-health episode at screening, and their wider
health and social care at its ~6-month rate over the whole ``outcomes.horizon_years`` from
screening (the horizon over which their QALYs count). The Hub's costs end with the run: courses
still open then are credited only with the sessions attended by then (:mod:`hubsim.outcomes`).

This module owns ``cost_total_gbp`` and ``cost_per_client_gbp`` (``cost_ratios``); nothing else
sets them.

**By financial year** (``cost_fy2020_21_gbp``, ...; April-March, :mod:`hubsim.financial_year`):
the same total split by when it falls: staff by the WTE-years paid in each year, set-up in the
year the KPI window starts, non-staff running by the window's days in each year, and each
client's downstream cost in the year they were screened. The years add up to ``cost_total_gbp``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd

from hubsim.results import financial_year
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.prices import price_factor
from hubsim.scenario.economics import Costs
from hubsim.scenario.schema import Scenario
from hubsim.scenario.staff import ACTIVITY_OF_ROLE, THERAPY_ROLES
from hubsim.scenario.units import DAYS_PER_YEAR, MINUTES_PER_HOUR

ACTIVITIES: tuple[str, ...] = ("triage", "therapy", "brief", "navigation")
DOWNSTREAM_DRAWS = 2  # uniforms per client: mental-health support, wider health and social care
COURSE_OF_ACTIVITY = {"therapy": "hub_therapy", "brief": "brief_support"}


def window_years(scenario: Scenario) -> float:
    """Length of the KPI window (horizon less warm-up), years."""
    return (scenario.horizon_days - scenario.warmup_days) / DAYS_PER_YEAR


def to_price_year(scenario: Scenario, from_year: int) -> float:
    """Multiplier from ``from_year`` prices to the scenario's ``price_year``."""
    return price_factor(scenario.costs.nhs_cost_inflation_pct, from_year, scenario.price_year)


def hourly_cost_gbp(costs: Costs, band: str) -> float:
    """PSSRU cost per working hour of Agenda for Change ``band`` (at the unit-cost price year)."""
    try:
        return costs.band_hourly_gbp[str(band)]
    except KeyError:
        raise ValueError(f"costs.band_hourly_gbp.{band}: no unit cost for this band") from None


def activity_rates_gbp_per_minute(scenario: Scenario) -> dict[str, float]:
    """GBP per minute of each activity (unit-cost price year): the hourly cost of the roles that
    deliver it, weighted by their WTE (their first band if every such role has WTE 0)."""
    rates = {}
    roles = scenario.staff.roles()
    for activity in ACTIVITIES:
        doers = [r for n, r in roles.items() if ACTIVITY_OF_ROLE.get(n) == activity]
        weights = np.array([r.wte for r in doers], dtype=float)
        hourly = np.array([hourly_cost_gbp(scenario.costs, r.band) for r in doers])
        mean = hourly @ weights / weights.sum() if weights.sum() > 0 else hourly[0]
        rates[activity] = float(mean) / MINUTES_PER_HOUR
    return rates


def _activity_minutes(window: ClientColumns, scenario: Scenario) -> dict[str, np.ndarray]:
    """Expected staff minutes per client, one array per activity (``ACTIVITIES`` order)."""
    triage = scenario.triage
    reached = ~np.isnan(window.floats("triage_day"))
    failed = window.values("triage_attempts") - reached
    booked = window.values("sessions_attended") + window.values("sessions_missed")
    session = {"therapy": scenario.therapy.session_minutes,
               "brief": scenario.brief_support.session_minutes}
    referred = ~np.isnan(window.floats("referral_day"))
    return {
        "triage": reached * (triage.call_minutes.mean_value + triage.admin_minutes.mean_value)
        + failed * triage.failed_attempt_minutes.mean_value,
        **{a: np.where(window.has_label("pathway", COURSE_OF_ACTIVITY[a]), booked * minutes, 0.0)
           for a, minutes in session.items()},
        "navigation": referred * scenario.costs.navigation_minutes,
    }


def _activity_gbp(window: ClientColumns, scenario: Scenario) -> dict[str, np.ndarray]:
    """Staff cost of each client's activities, GBP at ``price_year``, one array per activity."""
    rates = activity_rates_gbp_per_minute(scenario)
    factor = to_price_year(scenario, scenario.costs.unit_costs_price_year)
    return {a: minutes * (rates[a] * factor)
            for a, minutes in _activity_minutes(window, scenario).items()}


def activity_costs(window: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Staff cost of each client's activities, GBP at ``price_year`` (columns ``ACTIVITIES``)."""
    return pd.DataFrame(_activity_gbp(ClientColumns(window), scenario), index=window.index)


def _routes(window: ClientColumns) -> tuple[np.ndarray, np.ndarray]:
    """(each client's route code, the route of each code): a ``costs.downstream.mental_health``
    key, or ``external:DESTINATION`` for a client referred on to a destination. Computed on the
    codes of ``pathway`` and ``external_destination``, never row by row."""
    pathway, pathways = window.labels("pathway")
    destination, destinations = window.labels("external_destination")
    routes = np.array(["not_triaged" if p == "none" else p for p in pathways]
                      + [f"external:{d}" for d in destinations], dtype=object)
    referred = (np.array([p == "external_referral" for p in pathways])[pathway]
                & np.array([d != "" for d in destinations])[destination])
    # a missing label has code -1 and is the last of its labels: the modulo finds it
    code = np.where(referred, len(pathways) + destination % len(destinations),
                    pathway % len(pathways))
    return code, routes


def downstream_route(window: ClientTable) -> np.ndarray:
    """Each client's downstream route: a ``costs.downstream.mental_health`` key, or
    ``external:DESTINATION`` for a client referred on to a destination."""
    code, routes = _routes(ClientColumns.of(window))
    return routes[code]


def _route_table(downstream) -> dict[str, tuple[float, float]]:
    table = {k: (d.mean, d.sd) for k, d in downstream.mental_health.items()}
    table.update({f"external:{k}": (d.mean, d.sd)
                  for k, d in downstream.mental_health_external.items()})
    return table


def _gamma_quantile(u: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Gamma(mean, sd) quantiles at ``u``; where sd is 0 the cost is the mean (no spread).

    ``scipy.special.gammaincinv`` directly: the same numbers as ``scipy.stats.gamma.ppf``
    (which computes ``gammaincinv(shape, u) * scale`` for valid parameters and NaN otherwise)
    without its per-call argument handling.
    """
    spread = sd > 0
    out = mean.astype(float).copy()
    shape = (mean[spread] / sd[spread]) ** 2
    scale = sd[spread] ** 2 / mean[spread]
    valid = (shape > 0) & (scale > 0)
    from scipy import special  # here, not at import: workers start light

    out[spread] = np.where(valid, special.gammaincinv(shape, u[spread]) * scale, np.nan)
    return out


def _downstream_gbp(
    window: ClientColumns, scenario: Scenario, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(route code, route of each code, mental-health GBP, wider GBP) per client: see
    ``downstream_costs``."""
    downstream = scenario.costs.downstream
    table = _route_table(downstream)
    code, routes = _routes(window)
    unknown = sorted(str(r) for r in set(routes[np.unique(code)]) - set(table))
    if unknown:
        key = unknown[0].replace("external:", "mental_health_external.")
        raise ValueError(f"costs.downstream.{key}: missing (a destination of this scenario)")
    missing = (np.nan, np.nan)  # routes no client takes may have no cost
    mean = np.array([table.get(r, missing)[0] for r in routes], dtype=float)[code]
    sd = np.array([table.get(r, missing)[1] for r in routes], dtype=float)[code]
    wider = downstream.wider
    wider_mean, wider_sd = np.full(len(code), wider.mean), np.full(len(code), wider.sd)
    if rng is None:
        mh, other = mean, wider_mean
    else:
        ids = window.values("client_id")
        u = rng.random((int(ids.max()) + 1 if len(ids) else 0, DOWNSTREAM_DRAWS))[ids]
        mh = _gamma_quantile(u[:, 0], mean, sd)
        other = _gamma_quantile(u[:, 1], wider_mean, wider_sd)
    factor = to_price_year(scenario, downstream.price_year)
    return code, routes, mh * factor, other * factor


def downstream_costs(
    window: pd.DataFrame, scenario: Scenario, rng: np.random.Generator | None = None
) -> pd.DataFrame:
    """Each client's downstream service-use cost, GBP at ``price_year``.

    Parameters
    ----------
    window : the clients who count (one Hub's records)
    scenario : that Hub's scenario
    rng : the Hub's ``costs`` stream. Each client's two uniforms are indexed by ``client_id``
        and turned into costs through the gamma quantile function, so a client keeps the same
        rank of service use whichever route a scenario sends them on (common random numbers).
        None: every client costs the mean of their route (expected values).

    Returns
    -------
    columns ``route``, ``downstream_mh_gbp``, ``downstream_wider_gbp``.
    """
    code, routes, mh, other = _downstream_gbp(ClientColumns(window), scenario, rng)
    return pd.DataFrame({"route": routes[code], "downstream_mh_gbp": mh,
                         "downstream_wider_gbp": other}, index=window.index)


def total(values: np.ndarray | pd.Series) -> float:
    """Sum ignoring NaN, bit-identical to ``Series.sum()`` (NaN as 0 in place, then numpy's
    pairwise sum over the whole array)."""
    return float(np.nansum(values))


PERCENT = 100.0


def payroll_cost_per_wte_gbp(costs: Costs, band: str) -> float:
    """Payroll cost of one WTE of Agenda for Change ``band`` per year, GBP at
    ``costs.salary_price_year``: the band's salary mid-point plus employer's National Insurance
    above its threshold and employer's pension contribution."""
    try:
        salary = costs.band_salary_gbp[str(band)]
    except KeyError:
        raise ValueError(f"costs.band_salary_gbp.{band}: no salary for this band") from None
    ni = costs.employer_ni_pct / PERCENT * max(0.0, salary - costs.employer_ni_threshold_gbp)
    return salary + ni + costs.employer_pension_pct / PERCENT * salary


def role_cost_per_wte_gbp(scenario: Scenario, role: str) -> dict[str, float]:
    """A role's annual cost per WTE at the scenario's ``price_year``: ``payroll`` and ``full``
    (economic cost).

    ``full`` is the role's ``annual_cost_gbp`` (PSSRU). ``payroll`` is its band's payroll cost,
    scaled by the role's full cost over its band's (``costs.band_annual_gbp``) where the band has
    one: a role priced apart from its band (e.g. at 0, for staff the Hub does not pay) is priced
    in the same proportion at payroll cost.
    """
    costs = scenario.costs
    spec = scenario.staff.roles()[role]
    full = spec.annual_cost_gbp * to_price_year(scenario, costs.unit_costs_price_year)
    payroll = payroll_cost_per_wte_gbp(costs, spec.band)
    band_full = costs.band_annual_gbp.get(str(spec.band), 0.0)
    if band_full > 0:
        payroll *= spec.annual_cost_gbp / band_full
    return {"payroll": payroll * to_price_year(scenario, costs.salary_price_year), "full": full}


def _role_costs(scenario: Scenario) -> dict[str, dict[str, float]]:
    return {name: role_cost_per_wte_gbp(scenario, name) for name in scenario.staff.roles()}


def _paid(scenario: Scenario, usage: Mapping[str, object], key: str) -> Mapping[str, float]:
    """WTE-years paid per role: ``usage[key]``, or each role's ``wte`` over the window."""
    paid = usage.get(key)
    if not isinstance(paid, Mapping):  # None: not measured
        years = window_years(scenario)
        if key.startswith("discounted"):
            years = _annuity_years(scenario.costs.discount_rate, years)
        return {name: role.wte * years for name, role in scenario.staff.roles().items()}
    return paid


def staff_cost_gbp(
    scenario: Scenario, usage: Mapping[str, object], view: str = "full",
    discounted: bool = False, roles: tuple[str, ...] | None = None,
    per_wte: Mapping[str, Mapping[str, float]] | None = None,
) -> float:
    """Staff cost in the KPI window, GBP at ``price_year``: WTE-years paid per role
    (``usage["paid_wte_years"]``, or ``usage["discounted_paid_wte_years"]`` when
    ``discounted``; without it, each role's ``wte`` over the window) x the role's annual cost
    per WTE in ``view`` (``full`` or ``payroll``, see ``role_cost_per_wte_gbp``); only
    ``roles`` if given. ``per_wte``: every role's ``role_cost_per_wte_gbp``, if at hand."""
    per_wte = _role_costs(scenario) if per_wte is None else per_wte
    paid = _paid(scenario, usage, "discounted_paid_wte_years" if discounted
                 else "paid_wte_years")
    return float(sum(years * per_wte[name][view] for name, years in paid.items()
                     if roles is None or name in roles))


def _annuity_years(discount_rate: float, years: float) -> float:
    """``integral from 0 to years of exp(-ln(1 + rate) t) dt``: years, discounted."""
    rho = math.log1p(discount_rate)
    return years if rho == 0 else -math.expm1(-rho * years) / rho


def _discount_factor(scenario: Scenario, window: ClientColumns) -> np.ndarray:
    """Each client's discount factor from the start of the KPI window to their screening."""
    years = (window.floats("arrival_day") - scenario.warmup_days) / DAYS_PER_YEAR
    return np.exp(-np.log1p(scenario.costs.discount_rate) * years)


def cost_parts(
    window: ClientTable, scenario: Scenario, usage: Mapping[str, object],
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """Additive cost components of one Hub (GBP at ``price_year``): summed across Hubs.
    ``window``: the clients who count, as a frame or as ``ClientColumns``."""
    window = ClientColumns.of(window)
    costs = scenario.costs
    unit_factor = to_price_year(scenario, costs.unit_costs_price_year)
    years = window_years(scenario)
    _, _, mh, wider = _downstream_gbp(window, scenario, rng)
    activity = _activity_gbp(window, scenario)
    per_wte = _role_costs(scenario)  # once, for the four staff costs
    parts = {
        "cost_staff_gbp": staff_cost_gbp(scenario, usage, per_wte=per_wte),
        "cost_setup_gbp": costs.setup_gbp * unit_factor,
        "cost_non_staff_gbp": costs.non_staff_annual_gbp * years * unit_factor,
        "downstream_mh_gbp": total(mh),
        "downstream_wider_gbp": total(wider),
        **{f"activity_{a}_gbp": total(activity[a]) for a in ACTIVITIES},
        "cost_staff_payroll_gbp": staff_cost_gbp(scenario, usage, "payroll", per_wte=per_wte),
        "cost_overheads_gbp": costs.overheads_annual_gbp * years * unit_factor,
        "cost_staff_therapy_gbp": staff_cost_gbp(scenario, usage, roles=THERAPY_ROLES,
                                                 per_wte=per_wte),
    }
    parts["cost_downstream_gbp"] = parts["downstream_mh_gbp"] + parts["downstream_wider_gbp"]
    parts["activity_total_gbp"] = sum(parts[f"activity_{a}_gbp"] for a in ACTIVITIES)
    discount = _discount_factor(scenario, window)
    horizon = _annuity_years(scenario.costs.discount_rate, scenario.outcomes.horizon_years)
    wider_years = horizon / costs.downstream.period_years  # episodes of ~6 months, discounted
    parts["cost_discounted_gbp"] = float(
        staff_cost_gbp(scenario, usage, discounted=True, per_wte=per_wte)
        + parts["cost_setup_gbp"]
        + costs.non_staff_annual_gbp * unit_factor
        * _annuity_years(costs.discount_rate, years)
        + total(mh * discount) + total(wider * discount) * wider_years
    )
    parts.update(costs_by_financial_year(window, scenario, usage, mh + wider))
    return parts


def costs_by_financial_year(
    window: ClientTable, scenario: Scenario, usage: Mapping[str, object],
    downstream_gbp: np.ndarray,
) -> dict[str, float]:
    """Total cost (GBP at ``price_year``) in each financial year the KPI window overlaps, as
    KPIs ``cost_fy2020_21_gbp`` (see the module docstring for how each part is placed).

    Parameters
    ----------
    window : the clients who count (a frame or ``ClientColumns``)
    scenario : their Hub's scenario
    usage : resource use; ``paid_wte_years_by_fy`` (year -> role -> WTE-years paid), else each
        role's ``wte`` over the window's days in the year
    downstream_gbp : each client's downstream cost (mental-health plus wider), GBP
    """
    lo, hi = scenario.warmup_days, scenario.horizon_days
    years = financial_year.spans(scenario.start_date, lo, hi)
    if not years:
        return {}
    unit_factor = to_price_year(scenario, scenario.costs.unit_costs_price_year)
    roles = scenario.staff.roles()
    paid = cast(Mapping[int, Mapping[str, float]], usage.get("paid_wte_years_by_fy")) or {
        year: {n: r.wte * (b - a) / DAYS_PER_YEAR for n, r in roles.items()}
        for year, a, b in years}
    screened = financial_year.years_of_days(scenario.start_date,
                                            ClientColumns.of(window).floats("arrival_day"))
    out: dict[str, float] = {}
    for year, a, b in years:
        staff = sum(v * roles[n].annual_cost_gbp for n, v in paid.get(year, {}).items())
        cost = (float(staff) + scenario.costs.non_staff_annual_gbp * (b - a) / DAYS_PER_YEAR
                + (scenario.costs.setup_gbp if year == years[0][0] else 0.0)) * unit_factor
        out[financial_year.cost_kpi(year)] = cost + total(downstream_gbp[screened == year])
    return out


COUNT_COLUMNS: tuple[str, ...] = ("pathway", "exit_reason", "triage_day")
"""The columns ``client_counts`` reads."""


def client_counts(window: ClientTable) -> dict[str, float]:
    """Denominators of the cost ratios: clients arrived, keyworkers supported (reached by a Hub
    clinician at triage) and Hub therapy courses completed (``COUNT_COLUMNS`` of ``window``, a
    frame or ``ClientColumns``)."""
    window = ClientColumns.of(window)
    completed = (window.has_label("pathway", "hub_therapy")
                 & window.has_label("exit_reason", "completed"))
    return {"arrived": float(len(window)),
            "supported": float(np.count_nonzero(~np.isnan(window.floats("triage_day")))),
            "therapy_completed": float(np.count_nonzero(completed))}


def _per(amount: float, count: float) -> float:
    return amount / count if count > 0 else float("nan")


def cost_ratios(parts: Mapping[str, float], counts: Mapping[str, float]) -> dict[str, float]:
    """Totals and unit costs from additive ``parts`` and ``counts`` (see ``client_counts``).

    ``hub_cost_gbp`` is what the Hub itself costs at full economic cost (staff, set-up,
    non-staff); ``hub_cost_payroll_gbp`` at payroll cost (staff at payroll cost, set-up,
    non-staff and overheads). The cost per keyworker supported divides ``hub_cost_gbp`` (the
    evaluation's "cost per keyworker supported"); the cost per therapy course completed divides
    only therapy's share, the therapy staff's cost (``cost_staff_therapy_gbp``); the cost per
    client divides the total, downstream included.
    """
    hub = parts["cost_staff_gbp"] + parts["cost_setup_gbp"] + parts["cost_non_staff_gbp"]
    payroll = (parts["cost_staff_payroll_gbp"] + parts["cost_setup_gbp"]
               + parts["cost_non_staff_gbp"] + parts["cost_overheads_gbp"])
    total = hub + parts["cost_downstream_gbp"]
    return {
        "cost_total_gbp": total,
        "hub_cost_gbp": hub,
        "hub_cost_payroll_gbp": payroll,
        "cost_total_payroll_gbp": payroll + parts["cost_downstream_gbp"],
        "cost_per_client_gbp": _per(total, counts["arrived"]),
        "cost_per_therapy_completion_gbp": _per(parts["cost_staff_therapy_gbp"],
                                                counts["therapy_completed"]),
        "cost_per_keyworker_supported_gbp": _per(hub, counts["supported"]),
    }
