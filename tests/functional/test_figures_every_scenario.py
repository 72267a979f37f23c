"""Every standard figure holds for every shipped scenario: built from a tiny run of each (two
replications, records kept) and rendered with every warning an error, so a layout that collapses
(an annotation squashing the axes), a legend that does not fit or a missing label fails here.

The sweep, staffing-search and PSA figures are drawn from small documented frames, also with
warnings as errors, as both the report and the commands draw them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hubsim import load_scenario, run_experiment
from hubsim.app.shipped import shipped_scenarios
from hubsim.figures import build_figures, png_bytes
from hubsim.figures.psa import acceptability_curve, psa_plane
from hubsim.figures.psa_ranking import ranking_chart
from hubsim.figures.sweeps import sweep_figure
from hubsim.results.read import results_from_experiment

REPLICATIONS = 2  # enough for the bands; each scenario runs in well under a second
LOW_DPI = 40  # the layout is the same at any resolution; a small render is quick
ALWAYS = {"therapy_waitlist", "triage_queue", "therapy_waits", "staff_utilisation",
          "staff_in_post", "pathway_flow", "costs"}
"""Figures every scenario's run has the data for."""


def render_strictly(fig) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png_bytes(fig, dpi=LOW_DPI)


@pytest.mark.parametrize("name", list(shipped_scenarios()))
def test_every_figure_of_every_shipped_scenario_renders_without_warnings(name):
    scenario = load_scenario(shipped_scenarios()[name])
    results = results_from_experiment(run_experiment(scenario, REPLICATIONS, 0),
                                      scenario_file=f"scenarios/{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        built = {spec.name: (fig, why) for spec, fig, why in build_figures(results)}
    for figure in ALWAYS:
        fig, why = built[figure]
        assert fig is not None, f"{figure}: {why}"
        render_strictly(fig)
        for ax in fig.axes:
            if ax.get_visible() and ax.axison:
                assert ax.get_xlabel() and ax.get_ylabel(), figure
                width, height = ax.get_position().size
                assert width > 0.2 and height > 0.1, f"{figure}: axes squashed to {width, height}"


def sweep_table(values: list) -> pd.DataFrame:
    rows = [{"therapy.priority" if isinstance(v, str) else "staff.therapists.wte": v,
             "kpi": kpi, "mean": m, "ci_low": 0.9 * m, "ci_high": 1.1 * m}
            for i, v in enumerate(values)
            for kpi, m in (("therapy_wait_days_mean", 50.0 + 5 * i),
                           ("therapy_waited_over_52w_pct", 4.0 + i))]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("values", [[1.5, 2.0, 3.0], ["fifo", "need", "breach"]])
def test_sweep_figures_render_without_warnings(values):
    table = sweep_table(values)
    key = [c for c in table.columns if c not in ("kpi", "mean", "ci_low", "ci_high")]
    for kpi in table["kpi"].unique():
        render_strictly(sweep_figure(table, kpi, key, "Source: test"))


def test_psa_figures_render_without_warnings():
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({"incremental_cost_gbp": rng.normal(5e3, 2e3, 200),
                          "incremental_qalys": rng.normal(0.3, 0.1, 200)})
    ranking = pd.DataFrame({"parameter": [f"costs.item_{i}" for i in range(20)],
                            "prcc_nmb_20000_gbp": np.linspace(-0.9, 0.9, 20),
                            "method": "prcc"})
    for fig in (psa_plane(draws), acceptability_curve(draws),
                ranking_chart(ranking, "prcc_nmb_20000_gbp", source="Source: test")):
        render_strictly(fig)
