"""Paired comparison of two scenarios under common random numbers.

Both scenarios run with the same seed and replication ids, so replication ``r`` of each sees the
same clients (DESIGN.md section 4); the per-replication differences B - A then carry far less
noise than two independent runs, and a paired t-interval says which differences are significant.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from hubsim.experiments.replications import Experiment, run_experiments
from hubsim.results.stats import paired_difference
from hubsim.scenario.schema import AnyScenario


@dataclass(frozen=True)
class Comparison:
    """Two experiments with the same seeds and their paired differences.

    Attributes
    ----------
    a, b : the experiments of scenario A (base) and B (alternative)
    differences : one row per KPI: ``kpi, mean_a, mean_b, diff_mean, diff_sd, ci_low, ci_high,
        n, significant`` (differences B - A in the KPI's unit, 95% paired t-interval)
    """

    a: Experiment
    b: Experiment
    differences: pd.DataFrame


def compare_scenarios(
    a: AnyScenario,
    b: AnyScenario,
    replications: int = 30,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
) -> Comparison:
    """Run ``a`` and ``b`` with the same seed and replication ids; pair their KPIs.

    Parameters
    ----------
    a, b : validated scenarios (base and alternative)
    replications : replications of each scenario (>= 2 for an interval)
    seed : experiment seed, shared by both
    executor : any ``concurrent.futures.Executor``; None runs serially
    progress : show a progress bar (only on a terminal)
    """
    exp_a, exp_b = run_experiments(
        [a, b], replications, seed, executor, progress, desc="compare: 2 scenarios"
    )
    return Comparison(exp_a, exp_b, paired_difference(exp_a.kpis, exp_b.kpis))
