"""hubsim: discrete-event simulation of NHS staff mental-health Resilience Hubs."""

from hubsim.experiments.replications import Experiment, run_experiment
from hubsim.experiments.simulate import Run, simulate
from hubsim.scenario.loader import ScenarioError, load_scenario, read_layers
from hubsim.scenario.schema import Scenario

__version__ = "0.1.0"
__all__ = [
    "Experiment", "PsaSetup",
    "Run", "Scenario", "ScenarioError", "__version__", "load_scenario", "read_layers",
    "run_experiment", "run_psa",
    "simulate",
]
_LAZY = {"PsaSetup": "hubsim.experiments.psa", "run_psa": "hubsim.experiments.psa"}
"""Names imported on first use: the PSA needs scipy, which most uses of hubsim never load."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hubsim' has no attribute {name!r}")
