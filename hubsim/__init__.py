"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs."""

from hubsim.experiments.extract_fit import fit_scenario
from hubsim.experiments.fit_output import fitted_scenario
from hubsim.experiments.projection import project
from hubsim.experiments.projection_backtest import backtest_run, recovery, seasonal_profile
from hubsim.experiments.replications import Experiment, run_experiment
from hubsim.experiments.simulate import Run, simulate
from hubsim.scenario.extract import ExtractError, read_extract
from hubsim.scenario.loader import ScenarioError, load_scenario
from hubsim.scenario.schema import Scenario

__version__ = "0.1.0"
__all__ = [
    "Experiment", "ExtractError",
    "Run", "Scenario", "ScenarioError", "__version__", "backtest_run", "fit_scenario",
    "fitted_scenario", "load_scenario", "project", "read_extract", "recovery", "run_experiment",
    "seasonal_profile", "simulate",
]
