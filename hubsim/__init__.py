"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs."""

from hubsim.experiments.replications import Experiment, run_experiment
from hubsim.experiments.simulate import Run, simulate
from hubsim.scenario.loader import ScenarioError, load_scenario
from hubsim.scenario.schema import Scenario

__version__ = "0.1.0"
__all__ = [
    "Experiment",
    "Run", "Scenario", "ScenarioError", "__version__", "load_scenario",
    "run_experiment",
    "simulate",
]
