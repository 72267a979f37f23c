"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs."""

from hubsim.experiment import Experiment, run_experiment
from hubsim.extract import ExtractError, read_extract
from hubsim.extract_fit import fit_scenario
from hubsim.fit_output import fitted_scenario
from hubsim.loader import ScenarioError, load_scenario
from hubsim.projection import project
from hubsim.projection_backtest import backtest_run, recovery, seasonal_profile
from hubsim.scenario import Scenario
from hubsim.simulation import Run, simulate

__version__ = "0.1.0"
__all__ = [
    "Experiment", "ExtractError",
    "Run", "Scenario", "ScenarioError", "__version__", "backtest_run", "fit_scenario",
    "fitted_scenario", "load_scenario", "project", "read_extract", "recovery", "run_experiment",
    "seasonal_profile", "simulate",
]
