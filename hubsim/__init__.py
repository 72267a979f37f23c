"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs."""

from hubsim.experiment import Experiment, run_experiment
from hubsim.loader import ScenarioError, load_scenario
from hubsim.scenario import Scenario
from hubsim.simulation import Run, simulate

__version__ = "0.1.0"
__all__ = [
    "Experiment",
    "Run", "Scenario", "ScenarioError", "__version__", "load_scenario",
    "run_experiment",
    "simulate",
]
