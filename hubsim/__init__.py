"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs.

The public API: ``load_scenario``, ``simulate``, ``run_experiment`` and the types they return;
``read_layers`` (a scenario file merged over its ``extends`` chain) and ``run_psa`` with its
``PsaSetup`` for a probabilistic sensitivity analysis; projecting from a Hub's own records:
``read_extract``, ``fit_scenario``, ``fitted_scenario``, ``project`` and the backtest's
``backtest_run``, ``recovery`` and ``seasonal_profile``.
Each is imported on first use (PEP 562), so importing one layer, or starting the command line,
does not load the whole simulator.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "Experiment": "hubsim.results.experiment",
    "run_experiment": "hubsim.experiments.replications",
    "Run": "hubsim.experiments.simulate",
    "simulate": "hubsim.experiments.simulate",
    "ScenarioError": "hubsim.scenario.loader",
    "load_scenario": "hubsim.scenario.loader",
    "Scenario": "hubsim.scenario.schema",
    "read_layers": "hubsim.scenario.loader",
    "PsaSetup": "hubsim.experiments.psa",
    "run_psa": "hubsim.experiments.psa",
    "ExtractError": "hubsim.scenario.extract",
    "read_extract": "hubsim.scenario.extract",
    "fit_scenario": "hubsim.experiments.extract_fit",
    "fitted_scenario": "hubsim.experiments.fit_output",
    "project": "hubsim.experiments.projection",
    "backtest_run": "hubsim.experiments.projection_backtest",
    "recovery": "hubsim.experiments.projection_backtest",
    "seasonal_profile": "hubsim.experiments.projection_backtest",
}
__all__ = [
    "Experiment", "ExtractError", "PsaSetup", "Run", "Scenario", "ScenarioError", "__version__",
    "backtest_run", "fit_scenario", "fitted_scenario", "load_scenario", "project",
    "read_extract", "read_layers", "recovery", "run_experiment", "run_psa", "seasonal_profile",
    "simulate",
]

if TYPE_CHECKING:
    from hubsim.experiments.extract_fit import fit_scenario
    from hubsim.experiments.fit_output import fitted_scenario
    from hubsim.experiments.projection import project
    from hubsim.experiments.projection_backtest import backtest_run, recovery, seasonal_profile
    from hubsim.experiments.psa import PsaSetup, run_psa
    from hubsim.experiments.replications import run_experiment
    from hubsim.experiments.simulate import Run, simulate
    from hubsim.results.experiment import Experiment
    from hubsim.scenario.extract import ExtractError, read_extract
    from hubsim.scenario.loader import ScenarioError, load_scenario, read_layers
    from hubsim.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hubsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
