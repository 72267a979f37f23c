"""Benchmark: hubsim against a bare SimPy model of the same pathway, and the parallel speed-up.

Run from the repository root: ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``).

(a) one replication of ``scenarios/baseline.toml`` through ``hubsim.simulate`` (best of several);
(b) a bare SimPy model written here with the same behaviour - weekday working-time calendars for
    triage clinicians, contact attempts with retries, routing, caseload slots, weekly sessions
    with DNAs and drop-out - fed the same clients (hubsim's own arrival and client sampling, so
    the workload is identical) but keeping no records, series or KPIs;
(c) 20 replications serially and on a process pool of 2 workers, in alternating rounds, beside
    two controls timed the same way: 20 bare-model replications and 20 pure-Python loops.

It prints the ratio hubsim / bare (end to end, and for the event logic alone), clients and
events per second, a check that both models give the same counts, and the speed-up. A benchmark,
not a test: figures depend on the machine and on what else it is doing.
"""

from __future__ import annotations

import argparse
import functools
import logging
import math
import os
import resource
import statistics
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import simpy

from hubsim import load_scenario, simulate
from hubsim.arrivals import all_arrivals
from hubsim.dispatch import run_tasks
from hubsim.executors import process_pool
from hubsim.experiment import run_experiment
from hubsim.population import ClientDraws, sample_all
from hubsim.rng import Streams
from hubsim.scenario import NEED_TIERS, PATHWAYS, Course, Scenario
from hubsim.staff_schema import THERAPY_ROLES

logger = logging.getLogger("bench")

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
REPEATS = 7  # best of seven, in turn: the least disturbed timing of one replication
REPLICATIONS = 20  # part (c)
ROUNDS = 5  # part (c): serial and pooled runs alternate, best of each
CALIBRATION_S = 0.05  # seconds: the control loop is timed at least this long to size it
WORKERS = 2  # part (c)
SEED = 0
STEADY_FIELDS = ("attrition_per_year", "annual_leave_days", "sickness_absence_pct")
RATIO_TARGET = 1.3  # hubsim may cost at most 30% more than the bare model
SPEEDUP_TARGET = 1.8  # two workers should come close to twice as fast

MINUTES_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
WORKDAYS = 5  # Monday to Friday
WEEK = 7
TOUCH = 1e-12  # days: a working window "ends" this close to its end (as hubsim's calendar)
RETRY, FIRST = 0, 1  # a returning client's call attempt goes before a first attempt
THERAPY, BRIEF, EXTERNAL = (PATHWAYS.index(p) for p in
                            ("hub_therapy", "brief_support", "external_referral"))


class Shift:
    """When one triage clinician works: a daily window on weekdays, or all the time."""

    def __init__(self, continuous: bool, weekday0: int, open_hour: float, hours: float) -> None:
        self.continuous, self.weekday0 = continuous, weekday0
        self.start, self.length = open_hour / HOURS_PER_DAY, hours / HOURS_PER_DAY

    def first_free(self, t: float) -> float:
        """Earliest working time at or after ``t`` (days)."""
        if self.continuous:
            return t
        day = math.floor(t)
        while (self.weekday0 + day) % WEEK >= WORKDAYS or t >= self.closing(day) - TOUCH:
            day += 1
            t = max(t, day)
        return max(t, day + self.start)

    def closing(self, day: int) -> float:
        """End of the working window of calendar day ``day`` (days)."""
        return day + self.start + self.length

    def finish(self, t: float, minutes: float) -> float:
        """When ``minutes`` of work begun at ``t`` ends, carried over closed hours (days)."""
        if self.continuous:
            return t + minutes / MINUTES_PER_DAY
        left, t = minutes / MINUTES_PER_DAY, self.first_free(t)
        while t + left > self.closing(math.floor(t)) + TOUCH:
            closing = self.closing(math.floor(t))
            left -= closing - t
            t = self.first_free(closing + TOUCH)
        return t + left


def shifts(scenario: Scenario) -> list[Shift]:
    """One shift per clinician: ``ceil(wte)`` of them, the last working the fractional part."""
    staff = scenario.staff.triage
    share = [1.0] * math.ceil(staff.wte)
    if staff.wte % 1:
        share[-1] = staff.wte % 1
    hours = staff.clinical_hours_per_week / WORKDAYS
    weekday0 = scenario.start_date.weekday()
    return [Shift(scenario.calendar == "continuous", weekday0, scenario.working_day_start_hour,
                  hours * s) for s in share]


class BareHub:
    """The Hub pathway in plain SimPy: no records, no series, only five counters."""

    def __init__(self, scenario: Scenario, draws: ClientDraws) -> None:
        self.s, self.d, self.env = scenario, draws, simpy.Environment()
        self.shifts = shifts(scenario)
        self.clinicians = simpy.PriorityResource(self.env, capacity=len(self.shifts))
        self.idle = list(range(len(self.shifts)))
        staff = scenario.staff
        therapy_slots = round(sum(getattr(staff, r).wte * getattr(staff, r).caseload_per_wte
                                  for r in THERAPY_ROLES))
        self.therapy = simpy.PriorityResource(self.env, therapy_slots)
        self.brief = simpy.PriorityResource(self.env, staff.brief.slots)
        self.counts = dict.fromkeys(("triaged", "started", "completed", "sessions", "referred"), 0)

    def run(self) -> dict[str, int]:
        self.env.process(self.arrivals())
        self.env.run(until=self.s.horizon_days)
        return self.counts

    def arrivals(self) -> Generator[simpy.Event, object, None]:
        for client, day in enumerate(self.d.arrival_day):
            yield self.env.timeout(day - self.env.now)
            self.env.process(self.client(client))

    def call(self, priority: int, minutes: float) -> Generator[simpy.Event, object, None]:
        with self.clinicians.request(priority=priority) as request:
            yield request
            now = self.env.now
            who = min(self.idle, key=lambda k: (self.shifts[k].first_free(now), k))
            self.idle.remove(who)
            yield self.env.timeout(self.shifts[who].finish(now, minutes) - now)
            self.idle.append(who)

    def client(self, c: int) -> Generator[simpy.Event, object, None]:
        d, triage = self.d, self.s.triage
        for attempt in range(triage.max_attempts):
            priority = RETRY if attempt else FIRST
            if d.contact_u[c, attempt] < triage.contact_success:
                yield from self.call(priority, d.call_minutes[c, attempt] + d.admin_minutes[c])
                yield from self.after_triage(c)
                return
            yield from self.call(priority, d.failed_minutes[c, attempt])
            if attempt + 1 < triage.max_attempts:
                yield self.env.timeout(triage.retry_after_days)

    def after_triage(self, c: int) -> Generator[simpy.Event, object, None]:
        self.counts["triaged"] += 1
        d, pathway = self.d, int(self.d.pathway[c])
        if pathway == THERAPY:
            fifo = self.s.therapy.priority == "fifo"
            rank = 0 if fifo else len(NEED_TIERS) - 1 - int(d.tier[c])
            yield from self.course(c, self.therapy, self.s.therapy, rank, d.therapy_sessions[c],
                                   d.therapy_seed[c], float(d.patience_days[c]), True)
        elif pathway == BRIEF:
            yield from self.course(c, self.brief, self.s.brief_support, 0, d.brief_sessions[c],
                                   d.brief_seed[c], math.inf, False)
        elif pathway == EXTERNAL:
            yield self.env.timeout(float(d.navigation_days[c]))
            self.counts["referred"] += 1

    def course(self, c: int, slots: simpy.PriorityResource, course: Course, rank: int,
               planned: int, seed: int, patience: float, therapy: bool):
        with slots.request(priority=rank) as slot:
            yield slot if math.isinf(patience) else slot | self.env.timeout(patience)
            if not slot.triggered:
                return
            self.counts["started"] += therapy
            yield from self.sessions(course, int(planned), np.random.default_rng(int(seed)),
                                     therapy)

    def sessions(self, course: Course, planned: int, rng: np.random.Generator, therapy: bool):
        interval = course.session_interval_days
        gap: Callable[[], float] = (
            (lambda: interval.value) if interval.dist == "fixed"
            else (lambda: float(interval.sample(rng, 1)[0])))
        attended = missed = 0
        while True:
            if rng.random() < course.dna_probability:
                missed += 1
                yield self.env.timeout(gap())
                if missed >= course.max_consecutive_dna:
                    return
                continue
            attended, missed = attended + 1, 0
            self.counts["sessions"] += therapy
            yield self.env.timeout(gap())
            if attended >= planned:
                self.counts["completed"] += therapy
                return
            if rng.random() < course.dropout_per_session:
                return


def clients_of(scenario: Scenario, seed: int, replication: int) -> ClientDraws:
    """The same clients hubsim simulates: its arrival and client sampling, its stream names."""
    streams = Streams(seed, replication, prefix=f"{scenario.hub}/")
    days, profile = all_arrivals(scenario, streams)
    return sample_all(scenario, streams, days, profile)


@contextmanager
def counting_events() -> Iterator[list[int]]:
    """Count the SimPy events processed by the environments run while the block runs.

    Each ``Environment.run`` is wrapped once: when it returns, the events it scheduled
    (``env._eid``, a counter) less those still queued (``env._queue``) are the events it
    processed - the same figure as counting every ``Environment.step``, at no cost per event, so
    a timed run can count its own events. Uses SimPy 4's private attributes.

    Yields
    ------
    list[int]
        One element, the running total of events processed.
    """
    count, run = [0], simpy.Environment.run

    def counted(env: simpy.Environment, until: object = None) -> object:
        try:
            return run(env, until)
        finally:
            count[0] += next(env._eid) - len(env._queue)  # next() reads the counter; harmless

    simpy.Environment.run = counted
    try:
        yield count
    finally:
        simpy.Environment.run = run


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` wall-clock timings of ``fn()`` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def best_times(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Fastest of ``repeats`` timings of each of ``fns`` (seconds), taken in turn: a drift in the
    machine's speed then touches all of them alike, not one more than another."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, took in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            took.append(time.perf_counter() - started)
    return [min(took) for took in times]


def single_replication(scenario: Scenario, repeats: int) -> None:
    """Parts (a) and (b): hubsim against the bare model on one replication."""
    draws = clients_of(scenario, SEED, 0)
    run = simulate(scenario, SEED, 0)
    counts = BareHub(scenario, draws).run()
    with counting_events() as hub_events:
        simulate(scenario, SEED, 0)
    with counting_events() as bare_events:
        BareHub(scenario, draws).run()
    t_hub, t_inputs, t_events = best_times([
        lambda: simulate(scenario, SEED, 0),
        lambda: clients_of(scenario, SEED, 0),
        lambda: BareHub(scenario, draws).run(),
    ], repeats)
    t_bare = t_inputs + t_events
    n = draws.n
    print(f"(a) hubsim.simulate, one replication: {t_hub * 1e3:8.1f} ms  "
          f"{n / t_hub:9,.0f} clients/s  {hub_events[0] / t_hub:9,.0f} events/s "
          f"({n:,} clients, {hub_events[0]:,} events)")
    print(f"(b) bare SimPy model, same clients:   {t_bare * 1e3:8.1f} ms  "
          f"{n / t_bare:9,.0f} clients/s  {bare_events[0] / t_bare:9,.0f} events/s "
          f"(inputs {t_inputs * 1e3:.1f} ms + events {t_events * 1e3:.1f} ms; "
          f"{bare_events[0]:,} events)")
    ratio, logic = t_hub / t_bare, (t_hub - t_inputs) / t_events
    print(f"    ratio hubsim / bare: {ratio:.2f} end to end (target <= {RATIO_TARGET}), "
          f"{logic:.2f} excluding the shared client sampling")
    _check_same_behaviour(run.kpis, counts)


def _check_same_behaviour(kpis, counts: dict[str, int]) -> None:
    pairs = {"triaged": "clients_triaged", "started": "therapy_started",
             "completed": "therapy_completed", "referred": "external_referrals"}
    same = all(counts[k] == kpis[v] for k, v in pairs.items())
    detail = ", ".join(f"{k} {counts[k]} vs {kpis[v]:g}" for k, v in pairs.items())
    print(f"    same behaviour (bare vs hubsim counts): {'yes' if same else 'NO'} ({detail})")


def _cpu_seconds(children: bool) -> float:
    """CPU seconds used so far by this process, or by its finished child processes."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _timed(fn: Callable[[], object], children: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and, if ``children``, its child processes)."""
    cpu, kids, started = _cpu_seconds(False), _cpu_seconds(True), time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    used = _cpu_seconds(False) - cpu + (_cpu_seconds(True) - kids if children else 0.0)
    return wall, used


def spin(loops: int) -> int:
    """A pure-Python busy loop: the control task of part (c), with no hubsim in it."""
    total = 0
    for k in range(loops):
        total += k * k
    return total


def spin_loops(seconds: float) -> int:
    """Loops of ``spin`` that take about ``seconds`` here and now."""
    loops = 100_000
    while (took := best_time(functools.partial(spin, loops), 1)) < CALIBRATION_S:
        loops *= 2
    return max(1, round(loops * seconds / took))


def bare_replication(scenario: Scenario, replication: int) -> dict[str, int]:
    """One replication of the bare model (its clients drawn as hubsim draws them): a control."""
    return BareHub(scenario, clients_of(scenario, SEED, replication)).run()


def _tasks(fn: Callable[..., object], items: list[tuple], workers: int | None) -> None:
    """``fn`` over ``items`` serially (``workers`` None) or on a process pool like hubsim's."""
    if workers is None:
        run_tasks(fn, items)
        return
    with process_pool(workers) as pool:
        run_tasks(fn, items, pool)


def parallel(scenario: Scenario, steady: Scenario, replications: int, workers: int,
             rounds: int) -> None:
    """Part (c): ``replications`` replications serially, then on ``workers`` processes, in
    ``rounds`` alternating rounds; each speed-up compares the fastest (least disturbed) of each.

    On a shared virtual machine the speed of a CPU drifts by tens of per cent from one second to
    the next, and two CPUs need not run at the same speed, so the same rounds also time two
    controls, serially and on the same kind of pool: as many replications of the bare SimPy model
    (``steady``: no records, nothing returned but five counts), and as many tasks of a pure-Python
    loop (``spin``) each as long as one replication. Their speed-ups are about the most this
    machine gives such work at this time; hubsim's speed-up divided by them is the efficiency of
    hubsim's own parallel machinery (pool start-up, pickled results, assembling the experiment).
    """
    one = best_time(lambda: simulate(scenario, SEED, 0), REPEATS)
    loops = spin_loops(one)
    bare_items = [(steady, r) for r in range(replications)]
    work: dict[str, Callable[[int | None], object]] = {
        "hubsim": lambda w: run_experiment(scenario, replications, SEED, workers=w),
        "bare model": lambda w: _tasks(bare_replication, bare_items, w),
        "pure-Python loop": lambda w: _tasks(spin, [(loops,)] * replications, w),
    }
    runs: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {k: [] for k in work}
    for _ in range(rounds):
        for name, run in work.items():
            runs[name].append((_timed(functools.partial(run, None), False),
                               _timed(functools.partial(run, workers), True)))
    speedups = {}
    print(f"(c) {replications} tasks serially and on {workers} workers (pool start-up included), "
          f"best of {rounds} alternating rounds each:")
    for name, pairs in runs.items():
        serial, pooled = min(p[0] for p in pairs), min(p[1] for p in pairs)
        speedups[name] = serial[0] / pooled[0]
        median = statistics.median(s[0] / p[0] for s, p in pairs)
        target = f" (target >= {SPEEDUP_TARGET})" if name == "hubsim" else " (control)"
        print(f"    {name:17s} serial {serial[0]:5.2f} s, pool {pooled[0]:5.2f} s: speed-up "
              f"{speedups[name]:.2f}{target}; median of rounds {median:.2f}; CPU time serial "
              f"{serial[1]:.2f} s, pool {pooled[1]:.2f} s")
    print(f"    hubsim's speed-up is {speedups['hubsim'] / speedups['bare model']:.0%} of the bare "
          f"model's and {speedups['hubsim'] / speedups['pure-Python loop']:.0%} of the loop's "
          f"(loop tasks sized to {one * 1e3:.0f} ms); load average now "
          f"{os.getloadavg()[0]:.1f}")


def steady_staff(path: Path) -> Scenario:
    """The scenario with staffing held steady: no attrition, leave or sickness absence.

    The bare model implements the client pathway with a fixed staff; hubsim's staffing timelines
    (leavers, vacancies, leave and sickness spells) have no counterpart in it.
    """
    roles = load_scenario(path).staff.roles()
    overrides = {f"staff.{role}.{field}": 0 for role in roles for field in STEADY_FIELDS}
    return load_scenario(path, overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--replications", type=int, default=REPLICATIONS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    full = load_scenario(args.scenario)
    scenario = steady_staff(args.scenario)
    print(f"scenario: {scenario.name} ({scenario.horizon_days:g} days, seed {SEED}); (a) and (b) "
          "with staffing held steady (no attrition, leave or sickness), as in the bare model")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the start "
          "(other busy processes slow (c) most)")
    single_replication(scenario, args.repeats)
    t_full = best_time(lambda: simulate(full, SEED, 0), args.repeats)
    print(f"    for reference, hubsim on the full scenario (staffing timelines): "
          f"{t_full * 1e3:.1f} ms")
    parallel(full, scenario, args.replications, args.workers, args.rounds)


if __name__ == "__main__":
    main()
