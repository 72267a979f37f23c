"""Figures from results folders: each standard figure draws a real, labelled chart from the
stored small results folder; figures for sweeps, staffing searches and PSA draw from documented
synthetic frames; figures a folder lacks the data for are skipped with a reason."""

from __future__ import annotations

import dataclasses
import datetime as dt

import matplotlib.legend
import numpy as np
import pandas as pd
import pytest
from results_helpers import CORE_FIGURES, SMALL_RESULTS, check_png

from hubsim import figures
from hubsim.figures import SPECS, build_figures, png_bytes, save_figure
from hubsim.results.read import load_results
from hubsim.results.run_facts import caseload_slots

SOURCE = "Scenario: test · 2 replications · seed 0"


@pytest.fixture(scope="module")
def results():
    return load_results(SMALL_RESULTS)


@pytest.fixture(scope="module")
def built(results):
    return {spec.name: (figure, reason) for spec, figure, reason in build_figures(results)}


def check_labelled(fig, source: str | None = SOURCE) -> None:
    """Title, data and axis labels on every visible axes, and the source line."""
    assert fig.get_suptitle()
    for ax in fig.axes:
        if ax.get_visible():
            assert ax.get_xlabel() and ax.get_ylabel()
            assert ax.lines or ax.collections or ax.patches  # something was drawn
    if source:
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        assert source in texts


@pytest.mark.parametrize("name", CORE_FIGURES)
def test_standard_figure_from_stored_folder(built, results, name):
    fig, reason = built[name]
    assert fig is not None, reason
    check_png(png_bytes(fig))
    check_labelled(fig, results.source)


def test_figures_without_extras_are_skipped_with_a_reason(built):
    for name in ("sweep", "staffing_search", "psa_plane", "acceptability"):
        fig, reason = built[name]
        assert fig is None
        assert ".csv" in reason


def test_folder_without_records_skips_record_figures(results):
    bare = dataclasses.replace(results, clients=None, timeseries=None)
    outcome = {spec.name: (fig, why) for spec, fig, why in build_figures(bare)}
    for name in ("therapy_waitlist", "therapy_waits", "pathway_flow", "staff_utilisation"):
        assert outcome[name][0] is None
        assert "clients.csv" in outcome[name][1] or "timeseries.csv" in outcome[name][1]
    assert outcome["costs"][0] is not None  # needs only the summary and the scenario


def test_save_figure_writes_png_and_svg(built, tmp_path):
    png, svg = save_figure(built["pathway_flow"][0], tmp_path / "sub" / "flow")
    assert png.name == "flow.png" and svg.name == "flow.svg"
    check_png(png.read_bytes())
    assert b"<svg" in svg.read_bytes()[:2000]
    assert sorted(p.name for p in png.parent.iterdir()) == ["flow.png", "flow.svg"]


def test_fan_chart_marks_staffing_changes(results):
    when = dt.date(2020, 5, 1)
    changes = pd.DataFrame([("greater-manchester", "therapists", when, 1.0, 3.0)],
                           columns=["hub", "role", "date", "wte_before", "wte"])
    fig = figures.therapy_waitlist_fan(results.timeseries, source=SOURCE, changes=changes)
    ax = fig.axes[0]
    marked = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(marked) == 1
    assert {str(x) for x in marked[0].get_xdata()} == {str(pd.Timestamp(when))}
    numbers = [line for line in ax.lines if line.get_marker() == "$1$"]
    assert len(numbers) == 1  # the numbered marker on the line ...
    key = [t.get_text() for legend in ax.findobj(matplotlib.legend.Legend)
           for t in legend.get_texts()]
    assert "1 May 2020: therapists 1→3 WTE" in key  # ... and its entry in the key
    assert not ax.texts  # no long label written along the line


def test_pathway_counts_are_per_replication_means(results):
    counts = figures.pathway_counts(results.clients)
    reps = results.clients["replication"].nunique()
    assert counts.to_numpy().sum() == pytest.approx(len(results.clients) / reps)
    assert list(counts.index) == ["low", "moderate", "high"]
    assert (counts.to_numpy() >= 0).all()


def test_caseload_utilisation_is_a_percentage(results):
    slots = caseload_slots(results.metadata, results.timeseries["date"])
    shares = figures.caseload_utilisation(results.timeseries, slots)
    assert {"therapy", "brief"} <= set(shares.columns)
    assert shares[["therapy", "brief"]].to_numpy().min() >= 0
    assert shares[["therapy", "brief"]].to_numpy().max() <= 100  # fixed staff: never above
    assert shares["therapy"].max() > 0


STAFF = {"triage": {"wte": 1.0, "annual_cost_gbp": 50_000.0},
         "therapists": {"wte": 2.0, "annual_cost_gbp": 60_000.0}}
ONE_YEAR = {"scenario": {"hub": "h", "horizon_days": 365.25, "warmup_days": 0, "staff": STAFF}}


def total_only(total: float) -> pd.DataFrame:
    return pd.DataFrame({"kpi": ["cost_total_gbp"], "mean": [total], "ci_low": [total],
                         "ci_high": [total]})


def test_staff_cost_split_when_roles_add_up_to_the_total():
    components, note = figures.cost_components(total_only(170_000.0), ONE_YEAR)
    assert dict(zip(components["component"], components["mean"], strict=True)) == {
        "staff: triage clinicians": 50_000.0, "staff: therapists": 120_000.0}
    assert note and "Staff cost by role" in note


def test_no_staff_split_when_roles_do_not_add_up():
    assert figures.cost_components(total_only(200_000.0), ONE_YEAR) is None


def test_cost_kpis_are_preferred_to_the_staff_split():
    extra = pd.DataFrame({"kpi": ["cost_therapy_gbp", "cost_triage_gbp", "cost_per_client_gbp",
                                  "cost_per_therapy_completion_gbp", "hub-a:cost_therapy_gbp"],
                          "mean": [10.0, 5.0, 1.0, 2.0, 3.0], "ci_low": [8.0, 4.0, 0.5, 1.0, 2.0],
                          "ci_high": [12.0, 6.0, 1.5, 3.0, 4.0]})
    components, note = figures.cost_components(pd.concat([total_only(170_000.0), extra]),
                                               ONE_YEAR)
    assert sorted(components["component"]) == ["therapy", "triage"]  # no totals or unit costs
    assert note is None
    check_png(png_bytes(figures.costs_by_component(components, source=SOURCE, price_year=2023)))


def sweep_frame() -> pd.DataFrame:
    rows = []
    for wte in (1.0, 2.0, 3.0):
        for priority in ("fifo", "need"):
            for kpi, mean in (("therapy_wait_days_mean", 60 / wte),
                              ("therapist_utilisation", 0.9 / wte)):
                rows.append({"staff.therapists.wte": wte, "therapy.priority": priority,
                             "kpi": kpi, "mean": mean, "ci_low": 0.9 * mean,
                             "ci_high": 1.1 * mean, "n": 5})
    return pd.DataFrame(rows)


def test_sweep_curves_one_panel_per_kpi():
    fig = figures.sweep_curves(sweep_frame(), source=SOURCE)
    check_png(png_bytes(fig))
    check_labelled(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert visible[0].get_xlabel() == "therapists (WTE)"
    assert len(visible[0].lines) == 2  # one line per value of the second varied key


def test_category_sweep_draws_points_with_intervals_not_lines():
    frame = sweep_frame()
    fig = figures.sweep_curves(frame, source=SOURCE, x="therapy.priority")
    check_png(png_bytes(fig))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fifo", "need"]
    for line in ax.lines:  # error-bar points only: nothing joins two categories
        assert line.get_linestyle() in ("None", "none", "")
    caps = [c for c in ax.collections if c.get_segments()]
    assert caps  # the 95% intervals as error bars


def test_sweep_without_a_varied_key_is_an_error():
    with pytest.raises(ValueError, match="varied"):
        figures.sweep_curves(pd.DataFrame({"kpi": ["a"], "mean": [1.0]}))


@pytest.mark.parametrize("column,scale", [("share_of_replications_meeting", 1.0),
                                          ("share_meeting_target", 1.0),
                                          ("share_meeting_target_pct", 100.0)])
def test_staffing_search_curve_accepts_shares_or_percentages(column, scale):
    search = pd.DataFrame({"wte": [1, 2, 3, 4], column: np.array([0.0, 0.4, 0.9, 1.0]) * scale})
    fig = figures.staffing_search_curve(search, source=SOURCE, target_pct=90, chosen=3)
    check_png(png_bytes(fig))
    check_labelled(fig)
    y = fig.axes[0].lines[0].get_ydata()
    assert list(y) == pytest.approx([0, 40, 90, 100])


def test_search_folder_draws_its_required_share_and_answer(results):
    search = pd.DataFrame({"wte": [2.0, 3.0, 4.0],
                           "share_of_replications_meeting": [0.1, 0.6, 0.95],
                           "meets_target": [False, False, True]})
    meta = {**results.metadata, "confidence": 0.9, "answer_wte": 4.0, "role": "therapists",
            "target": "therapy_started_within_18w_pct >= 95"}
    folder = dataclasses.replace(results, metadata=meta, extras={"search": search})
    fig = {s.name: f for s, f, _ in build_figures(folder)}["staffing_search"]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "required: 90% of replications" in labels and "answer: 4 WTE" in labels
    assert fig.axes[0].get_xlabel() == "therapists (whole-time equivalents, WTE)"
    assert "started within 18 weeks" in fig.get_suptitle() and "≥ 95 %" in fig.get_suptitle()


def test_search_plot_zooms_on_the_answer():
    """A bisection over 0-30 WTE tries far levels first; the axis shows the answer (2.8) and the
    two levels tried nearest each side of it, not the whole range."""
    tried = [0.0, 30.0, 15.0, 7.5, 3.7, 1.9, 2.8, 2.4, 3.3]
    search = pd.DataFrame({"wte": tried, "share_of_replications_meeting":
                           [1.0 if w >= 2.8 else 0.2 for w in tried],
                           "meets_target": [w >= 2.8 for w in tried]})
    fig = figures.staffing_search_curve(search, source=SOURCE, target_pct=90, chosen=2.8)
    low, high = fig.axes[0].get_xlim()
    assert 1.5 < low < 1.9 and 3.7 < high < 4.2
    assert "zoomed on the answer: 4 of 9 levels" in fig.axes[0].get_xlabel()


def psa_frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"incremental_cost_gbp": rng.normal(5_000, 2_000, n),
                         "incremental_qalys": rng.normal(0.3, 0.1, n)})


def test_psa_figures_draw():
    for draw in (figures.psa_plane, figures.acceptability_curve):
        fig = draw(psa_frame(), source=SOURCE)
        check_png(png_bytes(fig))
        check_labelled(fig)


def test_ceac_of_a_known_icer():
    """Every draw costs 1,000 for 0.1 QALY (ICER 10,000): cost-effective above 10,000 only."""
    psa = pd.DataFrame({"incremental_cost_gbp": [1_000.0] * 3, "incremental_qalys": [0.1] * 3})
    curve = figures.ceac(psa, [0.0, 9_999.0, 10_001.0, 30_000.0])
    assert list(curve["probability_cost_effective"]) == [0.0, 0.0, 1.0, 1.0]


def test_extras_in_a_folder_are_drawn(results):
    ranking = pd.DataFrame({"parameter": ["a", "b"], "prcc_nmb_20000_gbp": [0.5, -0.2],
                            "method": "prcc"})
    extras = {"sweep": sweep_frame(), "psa": psa_frame(), "ranking": ranking,
              "staffing_search": pd.DataFrame({"wte": [1, 2], "share_meeting_target": [0.2, 1]})}
    richer = dataclasses.replace(results, extras=extras)
    drawn = {spec.name for spec, fig, _ in build_figures(richer) if fig is not None}
    assert {"sweep", "staffing_search", "psa_plane", "acceptability"} <= drawn
    assert len(drawn) == len(SPECS)


def test_malformed_extra_is_skipped_not_fatal(results):
    broken = dataclasses.replace(results, extras={"psa": pd.DataFrame({"x": [1]})})
    outcome = {spec.name: why for spec, fig, why in build_figures(broken) if fig is None}
    assert "incremental_cost_gbp" in outcome["psa_plane"]


def test_open_slots_share_from_the_daily_slots_series():
    days = pd.to_datetime(["2021-01-01", "2021-01-02"])
    series = pd.DataFrame({"date": days, "replication": 0, "therapy_caseload": [10, 10],
                           "therapy_slots": [10, 5], "brief_caseload": [1, 1]})
    funded = pd.DataFrame({"date": days, "pool": "therapy", "slots": [10.0, 10.0]})
    assert list(figures.open_slots_share(series, funded)["therapy"]) == [100.0, 50.0]
    assert list(figures.caseload_utilisation(series, funded)["therapy"]) == [100.0, 100.0]
    fig = figures.staff_utilisation(series, funded, source=SOURCE)
    assert any("slots open" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
