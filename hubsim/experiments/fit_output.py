"""The scenario file ``hubsim fit`` writes: the base scenario ``extends``-ed, with the fitted
demand, the parameters the extract decided, the state at the as-of date, and comment lines
saying which source won for every parameter and from how many rows."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import tomli_w

from hubsim.experiments.extract_fit import ScenarioFit
from hubsim.scenario.loader import apply_overrides, validate
from hubsim.scenario.schema import Scenario

DEFAULT_HORIZON_DAYS = 365  # a year from the as-of date; ``hubsim project --months`` sets its own


def _comments(fit: ScenarioFit, source: str, as_of: dt.date) -> list[str]:
    demand = fit.demand
    kind = "trend and month of year" if demand.seasonal else "trend only"
    lines = [
        f"Fitted by hubsim fit from {Path(source).name} as of {as_of} (no client reference kept).",
        f"demand: Poisson GLM ({kind}) on {demand.screenings} screenings over {demand.months} "
        f"months; Pearson dispersion {demand.dispersion:.2f}",
        f"state: {len(fit.state['clients'])} clients with the Hub on {as_of}; "
        f"{fit.not_carried} in navigation to an external service not carried",
        "parameter: source (rows) value",
    ]
    for row in fit.table().to_dict("records"):
        note = f"; {row['note']}" if row["note"] else ""
        lines.append(f"  {row['parameter']}: {row['source']} ({row['rows']} rows{note}) "
                     f"{row['value']}")
    return lines


def fitted_scenario_toml(
    fit: ScenarioFit, as_of: dt.date, source: str, out: Path, base: Path | None, name: str,
) -> str:
    """The text of the fitted scenario file to be written at ``out``.

    Parameters
    ----------
    fit : the fit of the extract (``hubsim.experiments.extract_fit.fit_scenario``)
    as_of : the as-of date (the new scenario's start date)
    source : the extract's file name (for the comment)
    out : where the file will be written (``extends`` is relative to its folder)
    base : the base scenario file, or None for the registry's defaults alone
    name : the new scenario's name
    """
    data: dict[str, Any] = {}
    if base is not None:
        data["extends"] = Path(os.path.relpath(base.resolve(), out.resolve().parent)).as_posix()
    data.update(name=name, description=f"Projected from the Hub's own records as of {as_of}",
                start_date=as_of, warmup_days=0, horizon_days=DEFAULT_HORIZON_DAYS)
    apply_overrides(data, fit.overrides(), "fit")
    data["demand"] = fit.demand.demand.model_dump(mode="python")
    data["state"] = fit.state
    comments = "".join(f"# {line}\n" for line in _comments(fit, source, as_of))
    return comments + tomli_w.dumps(data)


def fitted_scenario(fit: ScenarioFit, base: Scenario, as_of: dt.date, name: str) -> Scenario:
    """The fitted scenario in memory (as ``fitted_scenario_toml`` would load back): ``base``
    with the fit's parameters, demand and state, starting on ``as_of``.

    Raises
    ------
    ScenarioError
        the fitted values do not make a valid scenario (names the field).
    """
    data = base.model_dump(mode="python", by_alias=True)
    data.update(name=name, description=f"Projected from the Hub's own records as of {as_of}",
                start_date=as_of, warmup_days=0, horizon_days=DEFAULT_HORIZON_DAYS)
    apply_overrides(data, fit.overrides(), "fit")
    data["demand"] = fit.demand.demand.model_dump(mode="python")
    data["state"] = fit.state
    return validate(data, "fit")
