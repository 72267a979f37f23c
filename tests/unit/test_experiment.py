"""Experiments: replication order, bands, interruption, task dispatch, replication count.

Fixed seeds throughout; equality checks are exact (same seed, same numbers).
"""

from __future__ import annotations

import math
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.auto_replications import first_converged, run_to_precision
from hubsim.experiments.defaults import AUTO_FIRST_BATCH as FIRST_BATCH
from hubsim.experiments.dispatch import Interrupted, run_tasks
from hubsim.experiments.replications import (
    BAND_SERIES,
    CLIENTS_FILE,
    COMPACT_EVERY,
    TIMESERIES_FILE,
    ExperimentInterrupted,
    RecordStream,
    assemble,
    replicate,
    run_experiment,
    waitlist_monthly_table,
)
from hubsim.results.groups import group_kpis_table
from hubsim.results.stats import DEFAULT_LOOKAHEAD
from hubsim.scenario.loader import build

HORIZON_DAYS = 60  # two months: a few dozen clients, a fraction of a second per replication
SEED = 11


@pytest.fixture(scope="module")
def tiny():
    """Registry defaults over a 60-day horizon."""
    return build({"horizon_days": HORIZON_DAYS}, None, "test")


def test_replications_are_in_order_with_ids(tiny) -> None:
    experiment = run_experiment(tiny, replications=3, seed=SEED)
    assert experiment.kpis["replication"].tolist() == [0, 1, 2]
    assert sorted(experiment.clients["replication"].unique()) == [0, 1, 2]
    assert experiment.replications == 3 and not experiment.partial
    assert experiment.summary.set_index("kpi").loc["clients_arrived", "n"] == 3


def test_same_seed_same_results_other_seed_differs(tiny) -> None:
    a = run_experiment(tiny, replications=2, seed=SEED)
    b = run_experiment(tiny, replications=2, seed=SEED)
    c = run_experiment(tiny, replications=2, seed=SEED + 1)
    pd.testing.assert_frame_equal(a.kpis, b.kpis, check_exact=True)
    pd.testing.assert_frame_equal(a.clients, b.clients, check_exact=True)
    assert not a.kpis["clients_arrived"].equals(c.kpis["clients_arrived"])


def test_one_replication_equals_the_same_id_in_a_longer_experiment(tiny) -> None:
    """Seeds come from the replication index, not from how many replications run."""
    long = run_experiment(tiny, replications=3, seed=SEED)
    short = run_experiment(tiny, replications=1, seed=SEED)
    pd.testing.assert_frame_equal(short.kpis, long.kpis.iloc[:1], check_exact=True)


def test_bands_summarise_the_daily_series(tiny) -> None:
    experiment = run_experiment(tiny, replications=4, seed=SEED)
    bands = experiment.bands
    assert list(bands.columns) == ["hub", "day", "variable", "mean", "q05", "q25", "q50", "q75",
                                   "q95"]
    assert set(bands["variable"]) == set(BAND_SERIES)
    assert len(bands) == len(BAND_SERIES) * HORIZON_DAYS
    waitlist = experiment.timeseries.pivot(index="day", columns="replication",
                                           values="therapy_waitlist")
    got = bands[bands["variable"] == "therapy_waitlist"].set_index("day")
    np.testing.assert_allclose(got["mean"], waitlist.mean(axis=1), rtol=1e-12)
    assert (got["q05"] <= got["q50"]).all() and (got["q50"] <= got["q95"]).all()


def test_no_records_means_no_bands(tiny) -> None:
    experiment = run_experiment(tiny, replications=2, seed=SEED, keep_records=False)
    assert experiment.clients is None and experiment.bands is None


def test_invalid_replication_count(tiny) -> None:
    with pytest.raises(ValueError, match="replications"):
        run_experiment(tiny, replications=0)


def test_ctrl_c_keeps_completed_replications(tiny) -> None:
    """A KeyboardInterrupt after the second replication: both kept, marked partial."""
    full = run_experiment(tiny, replications=2, seed=SEED)

    def stop_after_second(replication: int) -> None:
        if replication == 1:
            raise KeyboardInterrupt

    with pytest.raises(ExperimentInterrupted) as caught:
        run_experiment(tiny, replications=5, seed=SEED, on_result=stop_after_second)
    partial = caught.value.experiment
    assert partial.partial and partial.replications == 2
    assert sorted(caught.value.completed) == [0, 1]
    pd.testing.assert_frame_equal(partial.kpis, full.kpis, check_exact=True)


def test_ctrl_c_before_any_replication_gives_no_experiment(tiny, monkeypatch) -> None:
    def interrupted_simulation(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("hubsim.experiments.replications.simulate", interrupted_simulation)
    with pytest.raises(ExperimentInterrupted) as caught:
        run_experiment(tiny, replications=3, seed=SEED)
    assert caught.value.experiment is None and caught.value.completed == {}


def _square(x: int) -> int:
    return x * x


def test_run_tasks_keeps_task_order_on_a_thread_pool() -> None:
    items = [(i,) for i in range(20)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert run_tasks(_square, items, pool) == [i * i for i in range(20)]
    assert run_tasks(_square, items) == [i * i for i in range(20)]


def test_run_tasks_propagates_a_task_error() -> None:
    def boom(x: int) -> int:
        raise ZeroDivisionError(x)

    with ThreadPoolExecutor(max_workers=2) as pool, pytest.raises(ZeroDivisionError):
        run_tasks(boom, [(1,), (2,)], pool)


class _BrokenExecutor(Executor):
    """Every task fails as if its worker had died (not a process pool: cannot be replaced)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_exception(BrokenExecutor("worker died"))
        return future


def test_a_broken_executor_that_cannot_be_replaced_raises() -> None:
    with pytest.raises(BrokenExecutor):
        run_tasks(_square, [(1,)], _BrokenExecutor())


def test_interrupt_from_hook_reports_done_tasks() -> None:
    def hook(index: int, _result: int) -> None:
        if index == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        run_tasks(_square, [(i,) for i in range(6)], on_done=hook)
    assert caught.value.done == {0: 0, 1: 1, 2: 4}


def test_first_converged_is_the_smallest_count_and_skips_all_nan_kpis() -> None:
    rng = np.random.default_rng(SEED)
    frame = pd.DataFrame({
        "precise": 100 + rng.normal(0, 1, 40),
        "noisy": 10 + rng.normal(0, 5, 40),
        "never_measured": np.full(40, math.nan),
        "always_zero": np.zeros(40),
    })
    found = first_converged(frame, ["precise", "never_measured", "always_zero"], 0.05, 1)
    assert found is not None
    k, controller, controlled = found
    assert k == FIRST_BATCH  # precise from the start: n_solution 3, confirmed over 5 more
    assert controller.n_solution == FIRST_BATCH - controller.lookahead
    assert controlled == ["precise", "always_zero"]
    noisy = first_converged(frame, ["noisy"], 0.05, 1)
    assert noisy is None or noisy[0] > FIRST_BATCH


def test_replication_count_does_not_depend_on_batch_size(tiny) -> None:
    kpis = ["clients_arrived", "triage_utilisation"]
    one = run_to_precision(tiny, 0.1, kpis, max_replications=40, seed=SEED, batch_size=1,
                           keep_records=False)
    three = run_to_precision(tiny, 0.1, kpis, max_replications=40, seed=SEED, batch_size=3,
                             keep_records=False)
    assert one.converged and three.converged
    assert one.n_solution == three.n_solution
    pd.testing.assert_frame_equal(one.experiment.kpis, three.experiment.kpis, check_exact=True)
    assert one.experiment.replications == one.n_solution + DEFAULT_LOOKAHEAD
    assert (one.status["relative_precision"] <= 0.1).all()


def test_precision_cap_reached_is_reported(tiny) -> None:
    run = run_to_precision(tiny, 0.001, ["therapy_wait_days_p90"], max_replications=FIRST_BATCH,
                           seed=SEED, keep_records=False)
    assert not run.converged and run.n_solution is None
    assert run.experiment.replications == FIRST_BATCH


def test_unknown_kpi_is_an_error(tiny) -> None:
    with pytest.raises(KeyError, match="no_such_kpi"):
        run_to_precision(tiny, 0.1, ["no_such_kpi"], max_replications=FIRST_BATCH, seed=SEED,
                         keep_records=False)


class _StuckExecutor(Executor):
    """Tasks that never finish, as in a pool whose dead worker left a partial result."""

    def __init__(self) -> None:
        self.futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.futures.append(Future())
        return self.futures[-1]


def test_a_pool_stuck_after_a_worker_death_is_broken(monkeypatch) -> None:
    """A dead worker and no progress for the grace period: the pool is forced to break."""
    stuck = _StuckExecutor()
    forced: list[Executor] = []

    def fake_force_break(executor: Executor) -> None:
        forced.append(executor)
        for future in stuck.futures:
            future.set_exception(BrokenExecutor("broken by force"))

    monkeypatch.setattr("hubsim.experiments.dispatch.worker_died", lambda executor: True)
    monkeypatch.setattr("hubsim.experiments.dispatch.force_break", fake_force_break)
    monkeypatch.setattr("hubsim.experiments.dispatch.WATCH_INTERVAL_S", 0.01)
    monkeypatch.setattr("hubsim.experiments.dispatch.STUCK_GRACE_S", 0.05)
    with pytest.raises(BrokenExecutor, match="broken by force"):
        run_tasks(_square, [(1,), (2,)], stuck)
    assert forced == [stuck]


def test_run_tasks_retain_keeps_its_value_and_on_done_sees_the_whole_result() -> None:
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(2) as pool:
        got = run_tasks(pow, [(2, k) for k in range(6)], pool,
                        on_done=lambda i, r: seen.append((i, r)), retain=lambda _i, r: -r)
    assert got == [-(2 ** k) for k in range(6)]
    assert sorted(seen) == [(k, 2 ** k) for k in range(6)]


def _csv_bytes(frame: pd.DataFrame, path) -> bytes:
    frame.to_csv(path, index=False)
    return path.read_bytes()


def test_streamed_records_are_the_stacked_records_byte_for_byte(tiny, tmp_path) -> None:
    """Replications arriving out of order are written in order, and the files, bands and
    month-end tables equal those of an experiment held in memory (past one compaction)."""
    ids = list(range(COMPACT_EVERY + 3))
    memory = run_experiment(tiny, len(ids), SEED)
    folder = tmp_path / "stream"
    folder.mkdir()
    stream = RecordStream(tiny, folder, ids)
    for r in [ids[1], ids[0], *reversed(ids[2:])]:
        result = replicate(tiny, SEED, r, True)
        if r % 2:  # with the tables the replication worked out, or without (worked out here)
            stream.add(r, *result.records(), result.monthly, result.groups)
        else:
            stream.add(r, *result.records())
    assert stream.written == ids
    assert (folder / CLIENTS_FILE).read_bytes() == _csv_bytes(memory.clients, tmp_path / "c.csv")
    assert (folder / TIMESERIES_FILE).read_bytes() == _csv_bytes(
        memory.timeseries, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(stream.bands(), memory.bands, check_exact=True)
    pd.testing.assert_frame_equal(stream.monthly(), memory.waitlist_monthly, check_exact=True)
    pd.testing.assert_frame_equal(stream.groups(), memory.kpis_by_group, check_exact=True)


def test_stream_holds_only_replications_ahead_of_a_missing_one(tiny, tmp_path) -> None:
    stream = RecordStream(tiny, tmp_path, [0, 1, 2])
    records = {r: replicate(tiny, SEED, r, True) for r in (0, 2)}
    stream.add(2, *records[2][1:])
    assert stream.written == [] and not (tmp_path / CLIENTS_FILE).exists()
    stream.add(0, *records[0][1:])
    assert stream.written == [0]
    stream.flush()  # replication 1 never came: an interrupted run keeps 0 and 2, in order
    assert stream.written == [0, 2]
    written = pd.read_csv(tmp_path / CLIENTS_FILE)
    assert written["replication"].drop_duplicates().tolist() == [0, 2]


def test_run_experiment_with_records_dir_streams_them(tiny, tmp_path) -> None:
    memory = run_experiment(tiny, 3, SEED)
    streamed = run_experiment(tiny, 3, SEED, records_dir=tmp_path)
    assert streamed.clients is None and streamed.timeseries is None
    assert streamed.records == tmp_path
    pd.testing.assert_frame_equal(streamed.summary, memory.summary, check_exact=True)
    pd.testing.assert_frame_equal(streamed.bands, memory.bands, check_exact=True)
    assert (tmp_path / CLIENTS_FILE).read_bytes() == _csv_bytes(
        memory.clients, tmp_path / "c.csv")


def test_a_write_cut_short_is_undone_and_written_again_by_flush(tiny, tmp_path,
                                                                 monkeypatch) -> None:
    """Ctrl-C (or a full disk) half-way through a replication's rows leaves none of them."""
    records = {r: replicate(tiny, SEED, r, True) for r in (0, 1)}
    stream = RecordStream(tiny, tmp_path, [0, 1])
    stream.add(0, *records[0][1:])
    before = (tmp_path / CLIENTS_FILE).read_bytes()
    real = pd.DataFrame.to_csv
    calls = []

    def cut_on_timeseries(frame, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # replication 1: its clients written, then Ctrl-C
            raise KeyboardInterrupt
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", cut_on_timeseries)
    with pytest.raises(KeyboardInterrupt):
        stream.add(1, *records[1][1:])
    assert (tmp_path / CLIENTS_FILE).read_bytes() == before and stream.written == [0]
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    stream.flush()
    assert stream.written == [0, 1]
    written = pd.read_csv(tmp_path / CLIENTS_FILE)
    assert written["replication"].value_counts().sort_index().tolist() == [
        len(records[0][1]), len(records[1][1])]


@pytest.mark.parametrize("hubs", [1, 2])
def test_tables_worked_out_per_replication_equal_the_whole_tables(hubs) -> None:
    """The month-end and group KPI tables each replication works out where it runs, joined by
    the parent (results arriving out of order on a thread pool), equal the tables of all
    records at once (a 200-day horizon: several month ends)."""
    hub = {"horizon_days": 200}
    layers = hub if hubs == 1 else {**hub, "hubs": {"a": {}, "b": {}}}
    scenario = build(layers, None, "month ends")
    with ThreadPoolExecutor(2) as pool:
        experiment = run_experiment(scenario, 4, SEED, executor=pool)
    whole = waitlist_monthly_table(scenario, experiment.clients)
    assert len(whole) > 0 and set(whole["replication"]) == {0, 1, 2, 3}
    pd.testing.assert_frame_equal(experiment.waitlist_monthly, whole)
    groups = group_kpis_table(scenario, experiment.clients)
    assert set(groups["replication"]) == {0, 1, 2, 3}
    pd.testing.assert_frame_equal(experiment.kpis_by_group, groups)


def test_assemble_works_out_the_tables_when_a_replication_lacks_them() -> None:
    """A result without its own tables (e.g. from an older worker) makes ``assemble`` work out
    the whole tables from all the records: the same frames."""
    scenario = build({"horizon_days": 200}, None, "month ends")
    results = [replicate(scenario, SEED, r, True) for r in range(3)]
    full = assemble(scenario, SEED, [0, 1, 2], results)
    bare = [results[0], results[1]._replace(monthly=None, groups=None), results[2]]
    rebuilt = assemble(scenario, SEED, [0, 1, 2], bare)
    pd.testing.assert_frame_equal(rebuilt.waitlist_monthly, full.waitlist_monthly)
    pd.testing.assert_frame_equal(rebuilt.kpis_by_group, full.kpis_by_group)
