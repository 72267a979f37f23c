"""The logic model: each client's expected outcomes from their record (post-processing only).

A client starts *unwell* at screening with the EQ-5D of their need tier
(``outcomes.baseline_utility``). While not improved, they remit spontaneously (to *improved*) or
deteriorate (to *deteriorated*, which can still remit) at constant weekly hazards; spontaneous
improvement is kept to the end of the horizon. Treatment acts once, when it ends: every client
not yet improved then improves with the treatment's probability, and that improvement wears off
at ``outcomes.benefit_decay_per_year`` (a hazard), returning the client to the untreated course.
So the longer a client waits, the later the benefit and the longer deterioration has to act.

Treatment and when it ends (days from screening), from the record:

* Hub therapy and brief support: at ``exit_day`` after a course ends (completed, dropped out,
  discharged after missed sessions), with probability ``max_probability * (1 - exp(-n /
  dose_sessions))`` for ``n`` attended sessions. The Hub's costs end with the run, so nothing
  after it is credited: a client still in a course at the end of the run is credited with the
  sessions attended by then, acting at the run's end; a client still waiting gets no Hub
  treatment (the natural course only). Leaving the waiting list: no treatment.
* Onward referral: ``outcomes.external_course_weeks`` after treatment starts at the
  destination, with that destination's probability.
* Signposting taken up: ``outcomes.self_help_weeks`` after self-help starts (``self_help``).
* Not reached, no further support, still awaiting triage or navigation: the natural course only.

With per-year hazards ``r`` (remission) and ``d`` (deterioration), the shares unwell and
deteriorated at time ``t`` are ``f(t) e^(-(r+d)t)`` and ``f(t) e^(-rt) (1 - e^(-dt))``, where
``f(t) = 1`` before treatment ends at ``T`` and ``1 - p e^(-w (t - T))`` after (``w`` the
benefit's decay hazard: a share ``p e^(-w (t - T))`` still holds the treatment's improvement).
Expected utility is then ``u0 + g - f(t) [(g + l) e^(-rt) - l e^(-(r+d)t)]`` (``g`` gain, ``l``
loss, capped so utility stays within [-0.594, 1]); QALYs integrate it over
``outcomes.horizon_years`` from screening, discounted continuously at ``ln(1 + discount_rate)``
to the start of the KPI window (the time origin of the discounted costs, :mod:`hubsim.costs`).
All expectations are exact (closed form), so outcomes need no random numbers. Sickness-absence
days and expected leavers (the cumulative leaving hazard, lower once improved) are integrated
the same way, undiscounted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.costs import to_price_year, total
from hubsim.scenario.economics import MIN_EQ5D, DoseResponse
from hubsim.scenario.schema import Scenario
from hubsim.scenario.units import DAYS_PER_WEEK, DAYS_PER_YEAR, WEEKS_PER_YEAR

FINISHED = (  # courses that gave a dose of therapy
    "completed", "dropped_out", "discharged_dna", "course_ended_closure",
)
PERCENT = 100.0


def hazard_per_year(probability: float, periods_per_year: float) -> float:
    """Constant hazard (per year) giving ``probability`` of the event in one period."""
    return -np.log1p(-probability) * periods_per_year if probability < 1 else np.inf


def dose_response(response: DoseResponse, sessions: np.ndarray) -> np.ndarray:
    """P(reliable improvement) after ``sessions`` attended sessions."""
    return response.max_probability * -np.expm1(-np.asarray(sessions, float)
                                                / response.dose_sessions)


def _course_records(window: ClientColumns) -> dict[str, np.ndarray]:
    """The columns ``_course_end`` reads, as arrays."""
    return {
        "finished": window.has_label("exit_reason", *FINISHED),
        "open": window.has_label("exit_reason", "open"),
        "course_start_day": window.floats("course_start_day"),
        "sessions_attended": window.floats("sessions_attended"),
        "exit_day": window.floats("exit_day"),
    }


def _course_end(
    rows: dict[str, np.ndarray], horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """(day a Hub course's effect applies, sessions that count) of every row (the caller keeps
    the rows on a course): the exit day of a finished course, the run's end for a course still
    open then (with the sessions attended so far), NaN for a client who never started one;
    ``rows`` from ``_course_records``."""
    finished = rows["finished"]
    in_course = rows["open"] & ~np.isnan(rows["course_start_day"])
    end = np.where(finished, rows["exit_day"], np.where(in_course, horizon_days, np.nan))
    return end, rows["sessions_attended"]


def _external(window: ClientColumns, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(effect day, probability) of onward referral, NaN / 0 for clients not referred on."""
    outcomes, effects = scenario.outcomes, scenario.outcomes.effects
    start = window.floats("external_start_day")
    destination, destinations = window.labels("external_destination")
    referred = ~np.isnan(start)
    present = {destinations[c] for c in np.unique(destination[referred])}
    missing = sorted(str(d) for d in present - set(effects.external))
    if missing:
        raise ValueError(f"outcomes.presets.{outcomes.preset}.external.{missing[0]}: missing "
                         "(a destination of this scenario)")
    table = dict(effects.external)
    prob = np.array([0.0 if d is None else table.get(d, 0.0) for d in destinations],
                    dtype=float)[destination]
    return start + outcomes.external_course_weeks * DAYS_PER_WEEK, np.where(referred, prob, 0.0)


def _treatment(window: ClientColumns, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(effect day, probability) per client: see ``treatment``."""
    effects, outcomes = scenario.outcomes.effects, scenario.outcomes
    day, prob = _external(window, scenario)
    helped = window.floats("self_help_start_day")
    has_help = ~np.isnan(helped)
    day = np.where(has_help, helped + outcomes.self_help_weeks * DAYS_PER_WEEK, day)
    prob = np.where(has_help, effects.self_help, prob)
    end, sessions = _course_end(_course_records(window), scenario.horizon_days)
    for name, response in (("hub_therapy", effects.hub_therapy),
                           ("brief_support", effects.brief_support)):
        mine = window.has_label("pathway", name)
        day = np.where(mine, end, day)
        prob = np.where(mine, dose_response(response, sessions), prob)
    prob = np.where(np.isnan(day), 0.0, prob)
    return day, prob


def treatment(window: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Each client's treatment: ``effect_day`` (day the effect applies, NaN for none) and
    ``probability`` of reliable improvement then."""
    day, prob = _treatment(ClientColumns(window), scenario)
    return pd.DataFrame({"effect_day": day, "probability": prob}, index=window.index)


def _integral(k: np.ndarray | float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``integral from a to b of exp(-k t) dt`` (elementwise; ``k >= 0``)."""
    k = np.broadcast_to(np.asarray(k, float), np.shape(a))
    safe = np.where(k > 0, k, 1.0)
    return np.where(k > 0, (np.exp(-safe * a) - np.exp(-safe * b)) / safe, b - a)


def _flow(
    k: np.ndarray | float, jump: np.ndarray, horizon: float, p: np.ndarray, decay: float = 0.0
) -> np.ndarray:
    """``integral over [0, horizon] of f(t) exp(-k t) dt``, f = 1 before ``jump``,
    ``1 - p exp(-decay (t - jump))`` after."""
    zero = np.zeros_like(jump)
    end = np.full_like(jump, horizon)
    k = np.broadcast_to(np.asarray(k, float), np.shape(jump))
    # integral from jump to horizon of exp(-k t - decay (t - jump)) dt
    held = np.exp(-k * jump) * _integral(k + decay, zero, end - jump)
    return _integral(k, zero, end) - p * held


def _baseline_utility(window: ClientColumns, scenario: Scenario) -> np.ndarray:
    """EQ-5D at screening of each client, by need tier (NaN for a tier without a value)."""
    tier, tiers = window.labels("need_tier")
    utility = dict(scenario.outcomes.baseline_utility)
    return np.array([np.nan if t is None else utility.get(t, np.nan) for t in tiers],
                    dtype=float)[tier]


def client_outcome_arrays(window: ClientTable, scenario: Scenario) -> dict[str, np.ndarray]:
    """The columns of ``client_outcomes`` as arrays (one entry per row of ``window``, a frame
    or ``ClientColumns``)."""
    window = ClientColumns.of(window)
    outcomes, effects = scenario.outcomes, scenario.outcomes.effects
    horizon = outcomes.horizon_years
    effect_day, probability = _treatment(window, scenario)
    arrival = window.floats("arrival_day")
    years = (effect_day - arrival) / DAYS_PER_YEAR
    jump = np.clip(np.nan_to_num(years, nan=horizon), 0.0, horizon)
    p = np.where(np.isnan(years) | (years > horizon), 0.0, probability)
    u0 = _baseline_utility(window, scenario)
    gain = np.minimum(effects.utility_gain, 1.0 - u0)
    loss = np.minimum(effects.utility_loss, u0 - MIN_EQ5D)
    r = hazard_per_year(effects.remission_per_week, WEEKS_PER_YEAR)
    d = hazard_per_year(effects.deterioration_per_week, WEEKS_PER_YEAR)
    w = outcomes.benefit_decay_per_year
    rho = np.log1p(outcomes.discount_rate)
    horizon_all = np.full_like(jump, horizon)
    from_window = np.exp(-rho * (arrival - scenario.warmup_days) / DAYS_PER_YEAR)
    qalys = from_window * ((u0 + gain) * _integral(rho, np.zeros_like(jump), horizon_all)
                           - (gain + loss) * _flow(rho + r, jump, horizon, p, w)
                           + loss * _flow(rho + r + d, jump, horizon, p, w))
    unwell_time = _flow(r, jump, horizon, p, w)  # expected years not improved
    absence = outcomes.absence_days_per_year_unwell
    leaving = hazard_per_year(outcomes.turnover_per_year_unwell, 1.0)
    return {
        "baseline_utility": u0, "effect_day": effect_day,
        "probability": p, "qalys": qalys,
        "improved_end": 1.0 - (1.0 - p * np.exp(-w * (horizon - jump))) * np.exp(-r * horizon),
        "absence_days": absence * ((1 - effects.absence_reduction) * horizon
                                   + effects.absence_reduction * unwell_time),
        "leavers": leaving * ((1 - effects.turnover_reduction) * horizon
                              + effects.turnover_reduction * unwell_time),
    }


def client_outcomes(window: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Expected outcomes per client over ``outcomes.horizon_years`` from screening.

    Returns
    -------
    columns ``baseline_utility`` (EQ-5D), ``effect_day`` (day treatment acts, NaN for none),
    ``probability`` (of improvement then), ``qalys`` (discounted), ``improved_end``
    (P(improved) at the horizon), ``absence_days`` (working days), ``leavers`` (expected).
    """
    return pd.DataFrame(client_outcome_arrays(window, scenario), index=window.index)


def outcome_parts(
    per_client: pd.DataFrame | Mapping[str, np.ndarray], scenario: Scenario
) -> dict[str, float]:
    """Additive outcome KPIs of one Hub (summed across Hubs); money in GBP at ``price_year``.

    ``per_client``: ``client_outcomes`` (or ``client_outcome_arrays``) of the Hub's window.
    """
    outcomes = scenario.outcomes
    factor = to_price_year(scenario, outcomes.values_price_year)
    absence = total(per_client["absence_days"])
    leavers = total(per_client["leavers"])
    return {
        "qalys": total(per_client["qalys"]),
        "improved_clients": total(per_client["improved_end"]),
        "absence_days": absence,
        "absence_cost_gbp": absence * outcomes.absence_day_value_gbp * factor,
        "leavers": leavers,
        "turnover_cost_gbp": leavers * outcomes.leaver_cost_gbp * factor,
    }


def outcome_ratios(parts: dict[str, float], arrived: float) -> dict[str, float]:
    """Per-client outcomes and the employer's cost of absence and turnover together."""
    per = (lambda x: x / arrived) if arrived > 0 else (lambda x: float("nan"))
    return {
        "qalys_per_client": per(parts["qalys"]),
        "improved_pct": PERCENT * per(parts["improved_clients"]),
        "employer_cost_gbp": parts["absence_cost_gbp"] + parts["turnover_cost_gbp"],
    }
