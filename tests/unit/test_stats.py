"""Unit tests for hubsim.results.stats (output analysis). Fast: no simulation runs."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubsim.results.stats import (
    ReplicationController,
    mser5,
    paired_difference,
    percentile_bands,
    replications_needed,
    summarise,
    t_interval,
)

# t_{0.975, 4} from standard t tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
T_975_DF4 = 2.776445


# --------------------------------------------------------------------------- t_interval


def test_t_interval_hand_computed() -> None:
    mean, sd, lo, hi, n = t_interval([1, 2, 3, 4, 5])
    sd_hand = math.sqrt(10 / 4)  # squared deviations 4+1+0+1+4 = 10, ddof=1
    half = T_975_DF4 * sd_hand / math.sqrt(5)  # = 1.963243
    assert n == 5
    assert mean == pytest.approx(3.0)
    assert sd == pytest.approx(1.5811388, abs=1e-6)
    assert lo == pytest.approx(3.0 - half, abs=1e-5)
    assert hi == pytest.approx(3.0 + half, abs=1e-5)
    assert hi - 3.0 == pytest.approx(1.963, abs=5e-4)


def test_t_interval_confidence_changes_width() -> None:
    _, _, lo95, hi95, _ = t_interval([1, 2, 3, 4, 5], confidence=0.95)
    _, _, lo90, hi90, _ = t_interval([1, 2, 3, 4, 5], confidence=0.90)
    # t_{0.95, 4} = 2.131847 (same tables as above)
    assert (hi90 - lo90) / 2 == pytest.approx(2.131847 * math.sqrt(2.5 / 5), abs=1e-5)
    assert hi90 - lo90 < hi95 - lo95
    with pytest.raises(ValueError):
        t_interval([1, 2, 3], confidence=1.0)


def test_t_interval_drops_nan() -> None:
    with_nan = t_interval([1, np.nan, 2, 3, np.nan, 4, 5])
    assert with_nan[4] == 5
    np.testing.assert_allclose(with_nan[:4], t_interval([1, 2, 3, 4, 5])[:4])


def test_t_interval_n1_and_n0() -> None:
    mean, sd, lo, hi, n = t_interval([7.5, np.nan])
    assert (mean, n) == (7.5, 1)
    assert math.isnan(sd) and math.isnan(lo) and math.isnan(hi)
    empty = t_interval([np.nan, np.nan])
    assert empty[4] == 0 and all(math.isnan(v) for v in empty[:4])
    assert t_interval([])[4] == 0


def test_t_interval_constant() -> None:
    mean, sd, lo, hi, n = t_interval([4.0, 4.0, 4.0, 4.0])
    assert (mean, sd, lo, hi, n) == (4.0, 0.0, 4.0, 4.0, 4)


def test_t_interval_coverage() -> None:
    """Coverage of the nominal 95% interval for n = 10 normal samples.

    2000 intervals: binomial sd of the coverage = sqrt(0.95 * 0.05 / 2000) = 0.0049, so
    [0.93, 0.97] is about +-4 sd. A z-interval (1.96 instead of t_{0.975,9} = 2.262) would give
    about 0.92 and an sd with ddof=0 about 0.93 - 0.94, so the test discriminates.
    """
    rng = np.random.default_rng(20240501)
    true_mean, sd, n, reps = 50.0, 8.0, 10, 2000
    samples = rng.normal(true_mean, sd, size=(reps, n))
    hits = 0
    for row in samples:
        _, _, lo, hi, _ = t_interval(row)
        hits += lo <= true_mean <= hi
    assert 0.93 <= hits / reps <= 0.97


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
    st.floats(-1e3, 1e3, allow_nan=False),
)
def test_t_interval_properties(values: list[float], shift: float) -> None:
    mean, sd, lo, hi, n = t_interval(values)
    assert n == len(values)
    assert lo <= mean <= hi
    assert hi - mean == pytest.approx(mean - lo, rel=1e-9, abs=1e-6)
    shifted = t_interval(np.asarray(values) + shift)
    assert shifted[0] == pytest.approx(mean + shift, rel=1e-9, abs=1e-6)
    assert shifted[1] == pytest.approx(sd, rel=1e-6, abs=1e-6)


# --------------------------------------------------------------------------- summarise


def test_summarise_columns_order_and_values() -> None:
    kpis = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "wait_days": [10.0, 12.0, 11.0, np.nan],
            "scenario": ["x", "x", "x", "x"],
            "cost_gbp": [100.0, 100.0, 100.0, 100.0],
        }
    )
    out = summarise(kpis)
    assert list(out.columns) == ["kpi", "mean", "sd", "ci_low", "ci_high", "half_width", "n"]
    assert list(out["kpi"]) == ["wait_days", "cost_gbp"]
    wait = out.iloc[0]
    expected = t_interval([10.0, 12.0, 11.0])
    assert wait["n"] == 3
    stats = wait[["mean", "sd", "ci_low", "ci_high"]].astype(float)
    np.testing.assert_allclose(stats, expected[:4])
    assert wait["half_width"] == pytest.approx((expected[3] - expected[2]) / 2)
    cost = out.iloc[1]
    assert (cost["sd"], cost["half_width"], cost["ci_low"]) == (0.0, 0.0, 100.0)


def test_summarise_exclude() -> None:
    kpis = pd.DataFrame({"replication": [0, 1], "seed": [5, 6], "a": [1.0, 2.0]})
    assert list(summarise(kpis, exclude=("replication", "seed"))["kpi"]) == ["a"]
    assert list(summarise(kpis, exclude=())["kpi"]) == ["replication", "seed", "a"]


# --------------------------------------------------------------------------- paired_difference


def _kpi_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"replication": np.arange(n), "wait": rng.normal(20, 4, n), "cost": rng.normal(1e4, 500, n)}
    )


def test_paired_difference_exact_shift() -> None:
    rng = np.random.default_rng(7)
    a = _kpi_frame(rng, 12)
    b = a.copy()
    b[["wait", "cost"]] += 1.0
    b = b.sample(frac=1.0, random_state=np.random.default_rng(8))  # pairing must use the key
    out = paired_difference(a, b)
    assert list(out.columns) == [
        "kpi", "mean_a", "mean_b", "diff_mean", "diff_sd", "ci_low", "ci_high", "n", "significant",
    ]
    assert list(out["kpi"]) == ["wait", "cost"]
    for _, row in out.iterrows():
        assert row["diff_mean"] == pytest.approx(1.0)
        assert row["diff_sd"] == pytest.approx(0.0, abs=1e-9)
        assert row["mean_b"] - row["mean_a"] == pytest.approx(1.0)
        assert row["n"] == 12
        assert bool(row["significant"])
    assert out.iloc[0]["mean_a"] == pytest.approx(a["wait"].mean())


def test_paired_difference_symmetric_noise_not_significant() -> None:
    rng = np.random.default_rng(11)
    a = _kpi_frame(rng, 20)
    noise = rng.normal(0, 2, 10)
    b = a.copy()
    b["wait"] += np.concatenate([noise, -noise])  # differences average exactly 0
    b["cost"] -= 50.0  # a clear negative effect on the other KPI
    out = paired_difference(a, b).set_index("kpi")
    wait = out.loc["wait"]
    assert wait["diff_mean"] == pytest.approx(0.0, abs=1e-9)
    assert wait["ci_low"] < 0 < wait["ci_high"]
    assert not wait["significant"]
    assert out.loc["cost", "ci_high"] < 0 and out.loc["cost", "significant"]


def test_paired_difference_alignment_nan_and_columns() -> None:
    a = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [1.0, 2.0, 3.0, 4.0], "only_a": 1.0})
    b = pd.DataFrame({"replication": [1, 2, 3, 4], "x": [4.0, np.nan, 9.0, 0.0], "only_b": 2.0})
    out = paired_difference(a, b)
    assert list(out["kpi"]) == ["x"]
    row = out.iloc[0]  # pairs: rep 1 (2 -> 4), rep 3 (4 -> 9); rep 2 has NaN
    expected = t_interval([2.0, 5.0])
    assert row["n"] == 2
    assert (row["mean_a"], row["mean_b"]) == (3.0, 6.5)
    np.testing.assert_allclose(row[["diff_mean", "diff_sd", "ci_low", "ci_high"]].astype(float),
                               expected[:4])
    dup = pd.concat([a, a.iloc[[0]]])
    with pytest.raises(pd.errors.MergeError):
        paired_difference(dup, b)


# --------------------------------------------------------------------------- percentile_bands


def test_percentile_bands_hand_made() -> None:
    rows = []
    for rep in range(5):  # day 2 listed first: output must be sorted
        rows.append({"replication": rep, "day": 2, "b_queue": 10.0 * (rep + 1), "a_wait": -rep})
        rows.append({"replication": rep, "day": 1, "b_queue": rep + 1.0, "a_wait": 0.0})
    out = percentile_bands(pd.DataFrame(rows), ["b_queue", "a_wait"])
    assert list(out.columns) == ["day", "variable", "mean", "q05", "q25", "q50", "q75", "q95"]
    assert list(zip(out["variable"], out["day"], strict=True)) == [
        ("a_wait", 1), ("a_wait", 2), ("b_queue", 1), ("b_queue", 2),
    ]
    # values 1..5: linear-interpolation quantile at position q * 4 (0-based)
    expected_day1 = [3.0, 1.2, 2.0, 3.0, 4.0, 4.8]
    queue = out[out["variable"] == "b_queue"].set_index("day")
    np.testing.assert_allclose(queue.loc[1, "mean":"q95"].astype(float), expected_day1)
    np.testing.assert_allclose(queue.loc[2, "mean":"q95"].astype(float),
                               10 * np.array(expected_day1))
    wait = out[out["variable"] == "a_wait"].set_index("day")
    np.testing.assert_allclose(wait.loc[2, "mean":"q95"].astype(float),
                               [-2.0, -3.8, -3.0, -2.0, -1.0, -0.2])


def test_percentile_bands_quantile_names() -> None:
    frame = pd.DataFrame({"replication": [0, 1], "day": [0, 0], "v": [0.0, 10.0]})
    out = percentile_bands(frame, "v", quantiles=(0.1, 0.5, 0.9))
    assert list(out.columns) == ["day", "variable", "mean", "q10", "q50", "q90"]
    np.testing.assert_allclose(out.loc[0, ["q10", "q50", "q90"]].astype(float), [1.0, 5.0, 9.0])
    with pytest.raises(ValueError):
        percentile_bands(frame, "v", quantiles=(0.5, 0.501))


@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("with_nan", [False, True])
def test_percentile_bands_agree_with_pandas_groupby(ragged: bool, with_nan: bool) -> None:
    """Random series (some values missing, or a day some replications lack) against a direct
    pandas groupby: NaNs are skipped, an all-NaN day gives NaN bands, any layout is handled."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"replication": np.repeat(np.arange(9), 30),
                          "day": np.tile(np.arange(30), 9),
                          "queue": rng.poisson(20, 270).astype(float),
                          "wait": rng.exponential(5, 270)})
    if with_nan:
        frame.loc[rng.random(270) < 0.2, "wait"] = np.nan
        frame.loc[frame["day"] == 3, "wait"] = np.nan
    if ragged:
        frame = frame[~((frame["day"] == 5) & (frame["replication"] < 4))]
    out = percentile_bands(frame, ["wait", "queue"]).set_index(["variable", "day"])
    grouped = frame.melt(id_vars=["day"], value_vars=["queue", "wait"], var_name="variable") \
        .groupby(["variable", "day"])["value"]
    for name, expected in {"mean": grouped.mean(), "q05": grouped.quantile(0.05),
                           "q50": grouped.quantile(0.5), "q95": grouped.quantile(0.95)}.items():
        np.testing.assert_allclose(out[name].to_numpy(), expected.to_numpy(), rtol=1e-12,
                                   equal_nan=True, err_msg=name)


# --------------------------------------------------------------------------- mser5


def _mser_reference(x: np.ndarray, batch_size: int) -> int:
    """Direct loop over truncation points, written independently of the vectorised version."""
    m = len(x) // batch_size
    z = [float(np.mean(x[i * batch_size:(i + 1) * batch_size])) for i in range(m)]
    best_d, best = 0, math.inf
    for d in range(0, min(m // 2, m - 2) + 1):
        rest = z[d:]
        zbar = sum(rest) / len(rest)
        value = sum((v - zbar) ** 2 for v in rest) / len(rest) ** 2
        if value < best:
            best_d, best = d, value
    return best_d * batch_size


def test_mser5_detects_warmup() -> None:
    rng = np.random.default_rng(2010)
    ramp = np.linspace(10.0, 0.0, 100)  # initial bias decaying from 10 to 0 over 100 obs
    x = np.concatenate([ramp, np.zeros(900)]) + rng.normal(0.0, 1.0, 1000)
    d = mser5(x)
    assert 50 <= d <= 200
    assert d % 5 == 0


def test_mser5_stationary_small() -> None:
    x = np.random.default_rng(1997).normal(5.0, 1.0, 1000)
    assert mser5(x) <= 50


def test_mser5_hand_example_and_half_restriction() -> None:
    # batch_size 1: one outlier at the start; truncating it leaves zero variance.
    assert mser5([10.0, 0, 0, 0, 0, 0], batch_size=1) == 1
    # Same with batches of 5: first batch mean 10, then zeros -> truncate 5 observations.
    assert mser5([10.0] * 5 + [0.0] * 25) == 5
    # The unrestricted minimum is d = 6 ([0, 0] left, MSER 0), outside the first half (d <= 4);
    # within it, MSER(d) = 6/64, 4.857/49, 4/36, 2.8/25, 2/16 for d = 0..4 -> d = 0.
    assert mser5([1.0, -1, 1, -1, 1, -1, 0, 0], batch_size=1) == 0


def test_mser5_short_series_and_errors() -> None:
    assert mser5(np.arange(9.0)) == 0  # one complete batch
    assert mser5([100.0] * 5 + [0.0] * 5) == 0  # two batches: cannot leave two after truncating
    with pytest.raises(ValueError):
        mser5([1.0, np.nan] * 10)


def test_mser5_matches_reference() -> None:
    rng = np.random.default_rng(42)
    for size, batch in [(1000, 5), (333, 5), (57, 3), (200, 1)]:
        x = rng.normal(0, 1, size) + np.exp(-np.arange(size) / rng.uniform(5, 50)) * 5
        assert mser5(x, batch_size=batch) == _mser_reference(x, batch)


# --------------------------------------------------------------------------- replications


def _frame(**cols: np.ndarray) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"replication": np.arange(n), **cols})


def _feed(ctrl: ReplicationController, frame: pd.DataFrame) -> int | None:
    """Call update after each row; return the row count at first convergence."""
    for k in range(1, len(frame) + 1):
        if ctrl.update(frame.iloc[:k]):
            return k
    return None


def test_replications_needed() -> None:
    assert replications_needed([100.0, 101.0, 99.0])  # half-width 2.48 -> 2.5% < 5%
    assert not replications_needed([100.0, 120.0, 80.0])  # 24.8% > 5%
    assert not replications_needed([100.0])
    assert replications_needed([0.0, 0.0, 0.0])  # known exactly
    assert not replications_needed([-1.0, 1.0, -1.0, 1.0])  # mean 0, sd > 0


def test_controller_converges_on_precise_kpi() -> None:
    rng = np.random.default_rng(123)
    frame = _frame(wait=rng.normal(100, 5, 40), zero=np.zeros(40))
    ctrl = ReplicationController(precision=0.05, lookahead=5)
    k = _feed(ctrl, frame)
    # Expected n: t_{0.975,n-1} * 5 / sqrt(n) <= 5, i.e. about n = 7, so convergence by ~12.
    assert k is not None and k <= 20
    assert ctrl.n_solution is not None and k == ctrl.n_solution + 5
    # Independent check with replications_needed on each prefix.
    met = [replications_needed(frame["wait"][:j]) for j in range(1, k + 1)]
    assert all(met[ctrl.n_solution - 1:k])
    assert not met[ctrl.n_solution - 2] or ctrl.n_solution == 3
    status = ctrl.status()
    assert list(status.columns) == ["kpi", "n", "mean", "half_width", "relative_precision", "met"]
    assert list(status["kpi"]) == ["wait", "zero"] and status["met"].all()
    assert status.loc[1, "relative_precision"] == 0.0


def test_controller_never_converges_on_noisy_kpi(caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(321)
    frame = _frame(wait=rng.normal(1, 5, 40))  # needs ~ (1.96 * 5 / 0.05)^2 = 38000 reps
    ctrl = ReplicationController(precision=0.05, max_replications=40)
    with caplog.at_level(logging.WARNING, logger="hubsim.results.stats"):
        assert _feed(ctrl, frame) is None
    assert ctrl.n_solution is None and not ctrl.converged
    assert "not reached" in caplog.text


def test_controller_lookahead_single_count_not_converged() -> None:
    # Precision met at n = 3 only (2.5%); the 4th value blows the interval up.
    frame = _frame(wait=np.array([100.0, 101.0, 99.0, 160.0, 40.0, 170.0, 30.0, 100.0]))
    met = [replications_needed(frame["wait"][:k]) for k in range(3, 9)]
    assert met == [True, False, False, False, False, False]
    ctrl = ReplicationController(lookahead=5)
    assert not ctrl.update(frame) and ctrl.n_solution is None
    no_lookahead = ReplicationController(lookahead=0)
    assert no_lookahead.update(frame) and no_lookahead.n_solution == 3


def test_controller_min_replications() -> None:
    frame = _frame(wait=np.array([100.0, 100.1, 100.2, 100.1]))  # 0.6% precise from n = 2
    assert replications_needed(frame["wait"][:2])
    assert not ReplicationController(lookahead=0).update(frame.iloc[:2])
    early = ReplicationController(lookahead=0, min_replications=2)
    assert early.update(frame.iloc[:2]) and early.n_solution == 2
    late = ReplicationController(lookahead=1)
    assert late.update(frame) and late.n_solution == 3
    assert not ReplicationController(lookahead=1).update(frame.iloc[:3])


def test_controller_zero_mean_kpis() -> None:
    rng = np.random.default_rng(5)
    good = rng.normal(100, 1, 30)
    assert ReplicationController().update(_frame(a=good, z=np.zeros(30)))
    pm = np.tile([-1.0, 1.0], 15)  # mean 0 at even counts, sd > 0: never known exactly
    assert not ReplicationController().update(_frame(a=good, z=pm))
    ctrl = ReplicationController(kpis=["a"])  # only the chosen KPIs are controlled
    assert ctrl.update(_frame(a=good, z=pm))
    with pytest.raises(KeyError):
        ReplicationController(kpis=["missing"]).update(_frame(a=good))


def test_controller_batch_equals_incremental_and_nan() -> None:
    rng = np.random.default_rng(99)
    x = rng.normal(50, 4, 60)
    x[[4, 9, 17]] = np.nan  # a KPI undefined in some replications
    frame = _frame(x=x, y=rng.normal(20, 1, 60))
    incremental = ReplicationController()
    k = _feed(incremental, frame)
    batch = ReplicationController()
    assert batch.update(frame)
    assert k is not None and batch.n_solution == incremental.n_solution == k - 5
    for j in range(3, k + 1):  # vectorised prefix check agrees with replications_needed
        expect = all(replications_needed(frame[c][:j]) for c in ("x", "y"))
        assert ReplicationController(lookahead=0, min_replications=j).update(
            frame.iloc[:j]) == expect
