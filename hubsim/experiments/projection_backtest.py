"""Backtest of ``hubsim fit`` and ``hubsim project``: do projections from a Hub's own records
cover what then happened, and does the fit recover the parameters that made the records?

A *generating* scenario (the base scenario with parameters the fit is not told) runs for
``history + held_out`` months. Its clients' records as they stood at the end of the history
(``hubsim.experiments.simulate.simulate_to_extract``) become a synthetic extract
(``hubsim.results.extract_writer``); ``fit`` sees only that extract and the base scenario;
``project`` then runs the fitted scenario for the held-out months, and the month-end therapy waiting
list of the generating run (what happened) is checked against the projection's 80% interval.
Repeating this over independent generating runs gives the coverage of the interval: close to 80% if
the fit and the model carry the right uncertainty (demand, chance), lower if the projection is
over-confident or biased.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.experiments.extract_fit import ScenarioFit, fit_scenario
from hubsim.experiments.fit_output import fitted_scenario_toml
from hubsim.experiments.projection import months_later, project
from hubsim.experiments.simulate import simulate_to_extract
from hubsim.model.demand import MONTHS_PER_YEAR
from hubsim.results.extract_writer import extract_csv, extract_rows
from hubsim.scenario.extract import parse_extract
from hubsim.scenario.loader import load_scenario
from hubsim.scenario.schema import Scenario


def seasonal_profile(start: dt.date, months: int, per_month: float, trend: float,
                     amplitude: float) -> list[dict[str, Any]]:
    """An ``arrivals.profile`` of monthly rates ``per_month * exp(trend m + amplitude
    cos(2 pi (month of year - 1) / 12))``: demand with a known trend and seasonality."""
    rows = []
    for m in range(months):
        first = months_later(start.replace(day=1), m)
        season = amplitude * math.cos(2 * math.pi * (first.month - 1) / MONTHS_PER_YEAR)
        rows.append({"from": max(first, start),
                     "per_month": per_month * math.exp(trend * m + season)})
    return rows


def true_month_effects(amplitude: float) -> np.ndarray:
    """The generating seasonal effects of February to December relative to January."""
    months = np.arange(1, MONTHS_PER_YEAR)
    return amplitude * (np.cos(2 * np.pi * months / MONTHS_PER_YEAR) - 1.0)


@dataclass(frozen=True)
class BacktestRun:
    """One generating run: the fit, the projection's table and what happened."""

    fit: ScenarioFit
    table: pd.DataFrame  # therapy list rows of ``Projection.table``
    actual: np.ndarray  # the generating run's therapy waiting list at each month end

    @property
    def covered(self) -> np.ndarray:
        """Month ends whose actual list size is within the projection's 80% interval."""
        lo = self.table["waiting_clients_p10"].to_numpy(float)
        hi = self.table["waiting_clients_p90"].to_numpy(float)
        return (self.actual >= lo) & (self.actual <= hi)


def backtest_run(
    generating: Scenario, base_file: Path, history_months: int, held_out_months: int,
    replications: int, seed: int,
) -> BacktestRun:
    """One generating run (seed ``seed``), fitted and projected (see the module docstring)."""
    as_of = months_later(generating.start_date, history_months)
    as_of_day = float((as_of - generating.start_date).days)
    end = months_later(generating.start_date, history_months + held_out_months)
    scenario = generating.model_copy(update={
        "horizon_days": float((end - generating.start_date).days)})
    clients, timeseries = simulate_to_extract(scenario, as_of_day, seed, 0)
    extract = parse_extract(extract_csv(extract_rows(clients, scenario.start_date, as_of_day)),
                            as_of, "synthetic extract")
    base = load_scenario(base_file)
    assert isinstance(base, Scenario)
    fit = fit_scenario(extract, base)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "fitted.toml"
        out.write_text(fitted_scenario_toml(fit, as_of, "synthetic", out, base_file, "fitted"),
                       encoding="utf-8")
        fitted = load_scenario(out)
    assert isinstance(fitted, Scenario)
    projection = project(fitted, held_out_months, replications, seed=seed)
    table = projection.table[projection.table["list"] == "therapy"].reset_index(drop=True)
    dates = pd.to_datetime(table["month_end"]).dt.date
    by_date = dict(zip(timeseries["date"], timeseries["therapy_waitlist"], strict=True))
    actual = np.array([by_date[d] for d in dates], dtype=float)
    return BacktestRun(fit, table, actual)


def recovery(fit: ScenarioFit, truth: dict[str, float], trend: float, amplitude: float,
             max_attempts: int) -> pd.DataFrame:
    """Fitted against generating values, with the fit's standard error and the error in SEs.

    Proportions' standard errors are binomial from the trials the fit used (sessions, clients);
    ``contact_success``'s by the delta method from the never-reached share (``max_attempts``
    attempts); demand's from the GLM.
    """
    fitted = {p.name: p for p in fit.parameters}
    rows = []

    def add(name: str, value: float, true: float, se: float, n: int) -> None:
        rows.append({"parameter": name, "true": true, "fitted": value, "se": se,
                     "error_in_se": (value - true) / se if se > 0 else math.nan, "rows": n})

    for name in ("therapy.dna_probability", "therapy.dropout_per_session",
                 "routing.high.hub_therapy"):
        share = fitted[name.removesuffix(".hub_therapy")]
        value = float(share.value["hub_therapy"] if isinstance(share.value, dict)
                      else share.value)
        add(name, value, truth[name], math.sqrt(value * (1 - value) / share.trials),
            share.trials)
    contact = fitted["triage.contact_success"]
    attempts = max_attempts
    p = float(contact.value)
    q = (1.0 - p) ** attempts  # the share never reached
    se_q = math.sqrt(q * (1 - q) / contact.trials)
    # delta method: p = 1 - q ** (1 / attempts), dp/dq = q ** (1 / attempts - 1) / attempts
    add("triage.contact_success", p, truth["triage.contact_success"],
        se_q * q ** (1 / attempts - 1) / attempts, contact.trials)
    demand = fit.demand
    add("demand.trend_per_month", demand.demand.coefficients[1], trend,
        demand.standard_errors[1], demand.screenings)
    if demand.seasonal:
        effects = np.asarray(demand.demand.coefficients[2:])
        errors = np.asarray(demand.standard_errors[2:])
        z = (effects - true_month_effects(amplitude)) / errors
        worst = int(np.argmax(np.abs(z)))
        add("demand.month_effect (the worst of 11)", float(effects[worst]),
            float(true_month_effects(amplitude)[worst]), float(errors[worst]),
            demand.screenings)
    return pd.DataFrame(rows)
