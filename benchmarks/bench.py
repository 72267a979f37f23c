"""Benchmark: hubsim against a bare SimPy model of the same pathway, and the parallel speed-up.

Run from the repository root: ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``).

(a) one replication through ``hubsim.simulate``, of ``scenarios/baseline.toml`` and of a large
    Hub (the same for 8 years, with 4x the arrivals and 4x every role's WTE), staffing held steady;
(b) a bare SimPy model written here with the same behaviour - weekday working-time calendars for
    triage clinicians, contact attempts with retries, routing, caseload slots, weekly sessions
    with DNAs and drop-out - fed the same clients (hubsim's own arrival and client sampling, so
    the workload is identical) but keeping no records, series or KPIs; and the lean bare model,
    the same with hubsim's own shortcut (a call that finds a triage clinician free and nobody
    queued starts without a request or a release event), whose counts must be the bare model's
    within 1% (as the bare model's must be hubsim's);
(c) 20 replications serially and on a process pool of 2 workers, in alternating rounds, beside
    two controls timed the same way: 20 bare-model replications and 20 pure-Python loops.

(a) and (b) run in alternating rounds: each round times every model on both Hubs in turn, by
the CPU time of the process (``--clock wall`` for the wall clock, which on a busy shared machine
also counts the time spent waiting for a CPU). It prints, as medians and ranges over the rounds,
the times, the ratio hubsim / lean bare, hubsim's microseconds per SimPy event and how much that
grows from the baseline to the large Hub, then the speed-up of (c) and a summary table with the
targets.

``--scaling`` prints instead a table of clients/s, microseconds per event and peak memory of one
replication for 1, 2, 4 and 8 years at 1x, 4x and 16x the Hub, each in a fresh process with a
time limit (``--cell-limit``). A benchmark, not a test: figures depend on the machine and on what
else it is doing.
"""

from __future__ import annotations

import argparse
import functools
import gc
import heapq
import itertools
import json
import logging
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import simpy

from hubsim import load_scenario, simulate
from hubsim.experiments.dispatch import run_tasks
from hubsim.experiments.executors import process_pool
from hubsim.experiments.replications import run_experiment
from hubsim.experiments.simulate import hub_model
from hubsim.model.arrivals import all_arrivals
from hubsim.model.population import ClientDraws, sample_all
from hubsim.model.rng import Streams
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Course, Scenario
from hubsim.scenario.staff import THERAPY_ROLES

logger = logging.getLogger("bench")

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
REPEATS = 7  # best of seven, in turn: the least disturbed timing of one replication
REPLICATIONS = 20  # part (c)
ROUNDS = 5  # part (c): serial and pooled runs alternate, best of each
CALIBRATION_S = 0.05  # seconds: the control loop is timed at least this long to size it
WORKERS = 2  # part (c)
SEED = 0
STEADY_FIELDS = ("attrition_per_year", "annual_leave_days", "sickness_absence_pct")
DAYS_PER_YEAR = 365  # so that the baseline's two years (730 days) are 2 years here
LARGE_YEARS, LARGE_SIZE = 8, 4  # the large Hub: 8 years, 4x arrivals and 4x every role's WTE
RATIO_TARGET = 1.3  # hubsim may cost at most 30% more than the lean bare model
GROWTH_TARGET = 1.3  # a large Hub's cost per event may be at most 30% above the baseline's
MILLI, MICRO = 1e3, 1e6  # seconds to milliseconds, to microseconds
KIB_PER_MIB = 1024  # ru_maxrss is in KiB on Linux
SCALING_YEARS = (1, 2, 4, 8)  # --scaling: horizons
SCALING_SIZES = (1, 4, 16)  # --scaling: Hub sizes (arrivals and WTE multiplied)
SCALING_TIMED = 2  # --scaling: timed runs of a cell (the faster counts), after an untimed one
CELL_LIMIT_S = 300.0  # seconds: a scaling cell (a whole fresh process) is stopped after this
SPEEDUP_TARGET = 1.8  # two workers should come close to twice as fast
SHARE_TARGET = 0.95  # hubsim's pool speed-up within 5% of the bare-model control's, same rounds
# the bare model has no bank holidays, paused courses or waiting for a sooner-free clinician, so
# its counts may differ from hubsim's by a few clients: at most 1% (or 2 clients), else it stops
COUNT_TOLERANCE, COUNT_SLACK = 0.01, 2

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


class LeanBareHub(BareHub):
    """The bare model with hubsim's own shortcut for triage: a call that finds a clinician free
    and nobody queued starts at once, without a request or a release event.

    The clinicians are a count of free ones and a queue of waiting calls (priority, then time,
    then order of asking, as SimPy's ``PriorityResource``); a clinician finishing a call is handed
    straight to the head of the queue. Everything else is ``BareHub``'s.
    """

    def __init__(self, scenario: Scenario, draws: ClientDraws) -> None:
        super().__init__(scenario, draws)
        self.free = len(self.shifts)  # clinicians not held by a call
        self.waiting: list[tuple[int, float, int, simpy.Event]] = []
        self.order = itertools.count()

    def call(self, priority: int, minutes: float) -> Generator[simpy.Event, object, None]:
        if self.free and not self.waiting:
            self.free -= 1
        else:
            granted = self.env.event()
            heapq.heappush(self.waiting, (priority, self.env.now, next(self.order), granted))
            yield granted
        now = self.env.now
        who = min(self.idle, key=lambda k: (self.shifts[k].first_free(now), k))
        self.idle.remove(who)
        yield self.env.timeout(self.shifts[who].finish(now, minutes) - now)
        self.idle.append(who)
        if self.waiting:
            heapq.heappop(self.waiting)[3].succeed()
        else:
            self.free += 1


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


@dataclass
class Case:
    """One Hub size for parts (a) and (b): its scenario, clients, event counts and timings.

    Attributes
    ----------
    label : e.g. ``"baseline"``
    scenario : the scenario, staffing held steady
    draws : its clients for replication 0, as hubsim samples them
    events : SimPy events processed by ``"hubsim"``, ``"bare"`` and ``"lean"``
    times : CPU seconds of this process per round, of ``"hubsim"``, ``"loop"`` (hubsim's event
        loop alone: ``HubModel.run`` of a model built untimed), ``"inputs"`` (client sampling),
        ``"bare"`` and ``"lean"`` (the two bare models' event logic)
    walls : the same in wall-clock seconds
    clock : ``"cpu"`` or ``"wall"``: which of the two ``per_round`` reports
    """

    label: str
    scenario: Scenario
    draws: ClientDraws
    events: dict[str, int] = field(default_factory=dict)
    times: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("hubsim", "loop", "inputs", "bare", "lean")})
    walls: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("hubsim", "loop", "inputs", "bare", "lean")})
    clock: str = "cpu"

    def per_round(self, what: str) -> list[float]:
        """Per-round figures: ``"hubsim"``, ``"bare"`` and ``"lean"`` end to end (seconds; a bare
        model's clients are sampled as part of it), ``"ratio"`` hubsim / lean bare, ``"ratio
        bare"`` hubsim / bare, ``"us/event"`` hubsim's microseconds per SimPy event, ``"lean
        us/event"`` the lean bare model's (its event logic alone), ``"loop ratio"`` hubsim's event
        loop over the lean bare model's event logic."""
        t = self.times if self.clock == "cpu" else self.walls
        if what in ("bare", "lean"):
            return [a + b for a, b in zip(t["inputs"], t[what], strict=True)]
        if what == "ratio":
            return [h / b for h, b in zip(t["hubsim"], self.per_round("lean"), strict=True)]
        if what == "ratio bare":
            return [h / b for h, b in zip(t["hubsim"], self.per_round("bare"), strict=True)]
        if what == "us/event":
            return [h * MICRO / self.events["hubsim"] for h in t["hubsim"]]
        if what == "lean us/event":
            return [b * MICRO / self.events["lean"] for b in t["lean"]]
        if what == "loop ratio":
            return [h / b for h, b in zip(t["loop"], t["lean"], strict=True)]
        return t[what]


def spread(values: list[float], fmt: str = ".2f", scale: float = 1.0) -> str:
    """``median (min-max)`` of ``values`` times ``scale``, each with format ``fmt``."""
    v = [x * scale for x in values]
    return (f"{statistics.median(v):{fmt}} ({min(v):{fmt}}\N{EN DASH}{max(v):{fmt}})")


def make_case(label: str, scenario: Scenario) -> Case:
    """A case with its clients and its event counts (untimed runs), after checking that the lean
    bare model gives the bare model's counts and the bare model hubsim's, within
    ``COUNT_TOLERANCE`` (the lean model starts a call at once where the bare model yields a
    request event, so the order of events at one instant, and with it which clinician takes which
    call, can differ), and printing how they compare.

    Raises
    ------
    AssertionError
        the lean bare model's counts differ from the bare model's by more than the tolerance.
    """
    case = Case(label, scenario, clients_of(scenario, SEED, 0))
    with counting_events() as events:
        run = simulate(scenario, SEED, 0)
    case.events["hubsim"] = events[0]
    counts = {}
    for name, model in (("bare", BareHub), ("lean", LeanBareHub)):
        with counting_events() as events:
            counts[name] = model(scenario, case.draws).run()
        case.events[name] = events[0]
    off = [k for k, v in counts["bare"].items()
           if abs(counts["lean"][k] - v) > max(COUNT_SLACK, COUNT_TOLERANCE * v)]
    if off:
        raise AssertionError(f"{label}: the lean bare model's counts differ from the bare "
                             f"model's by more than {COUNT_TOLERANCE:.0%}: {counts}")
    if counts["lean"] != counts["bare"]:
        print(f"    {label}: lean bare vs bare (within {COUNT_TOLERANCE:.0%}): "
              + ", ".join(f"{k} {counts['lean'][k]} vs {v}" for k, v in counts["bare"].items()))
    _check_same_behaviour(label, run.kpis, counts["bare"])
    return case


def single_replication(cases: list[Case], rounds: int) -> None:
    """Parts (a) and (b): hubsim against the bare and the lean bare model on one replication of
    each case, in ``rounds`` rounds; in each round every model runs once on every case, in turn,
    so a drift in the machine's speed touches all of them alike.

    Each run is timed by the CPU time of this process and by the wall clock. The figures use the
    clock each case names: CPU time (the default) leaves out the time a busy machine keeps the
    process waiting for a CPU, which on a shared machine can double a wall-clock time. Before each
    run a full garbage collection is made, untimed: otherwise a baseline run could pay for
    scanning the garbage of the large Hub run before it (the collector stays on during the run,
    so each run pays for collecting its own garbage).
    """
    for _ in range(rounds):
        for case in cases:
            # each entry gives, untimed, what is then timed (a bare model is built in its time;
            # for "loop", hubsim's model is built untimed)
            for name, timed in (
                ("hubsim", lambda c=case: functools.partial(simulate, c.scenario, SEED, 0)),
                ("loop", lambda c=case: hub_model(c.scenario, SEED, 0).run),
                ("inputs", lambda c=case: functools.partial(clients_of, c.scenario, SEED, 0)),
                ("bare", lambda c=case: lambda: BareHub(c.scenario, c.draws).run()),
                ("lean", lambda c=case: lambda: LeanBareHub(c.scenario, c.draws).run()),
            ):
                fn = timed()
                gc.collect()  # untimed: no run pays for collecting an earlier run's garbage
                cpu, started = time.process_time(), time.perf_counter()
                fn()
                case.walls[name].append(time.perf_counter() - started)
                case.times[name].append(time.process_time() - cpu)
    clock = "CPU time" if cases[0].clock == "cpu" else "wall-clock time"
    print(f"(a), (b) one replication, {clock}, median (min\N{EN DASH}max) of {rounds} alternating "
          "rounds:")
    for case in cases:
        n, ev = case.draws.n, case.events
        hub = statistics.median(case.per_round("hubsim"))
        print(f"  {case.label}: {case.scenario.horizon_days:g} days, {n:,} clients")
        print(f"    {'(a) hubsim':17s} {spread(case.per_round('hubsim'), '.0f', MILLI)} ms  "
              f"{n / hub:7,.0f} clients/s  {ev['hubsim']:9,} events  "
              f"{spread(case.per_round('us/event'), '.1f')} us/event; wall clock "
              f"{spread(case.walls['hubsim'], '.0f', MILLI)} ms")
        for name, title in (("bare", "(b) bare SimPy"), ("lean", "    lean bare")):
            print(f"    {title:17s} {spread(case.per_round(name), '.0f', MILLI)} ms  "
                  f"{n / statistics.median(case.per_round(name)):7,.0f} clients/s  "
                  f"{ev[name]:9,} events  (of which sampling the clients "
                  f"{statistics.median(case.times['inputs']) * MILLI:.0f} ms)")
        print(f"    ratio hubsim / lean bare {spread(case.per_round('ratio'))} (target <= "
              f"{RATIO_TARGET}); hubsim / bare {spread(case.per_round('ratio bare'))}")
        loop = spread(case.times["loop"], ".0f", MILLI)
        print(f"    of hubsim's time, the event loop alone {loop} ms: "
              f"{spread(case.per_round('loop ratio'))} times the lean bare model's event logic; "
              "the rest is set-up, records, costs and KPIs")
    if len(cases) > 1:
        print(f"  us per event, {cases[-1].label} / {cases[0].label}: hubsim "
              f"{spread(growth(cases, 'us/event'))} (target <= {GROWTH_TARGET}); lean bare "
              f"model (event logic) {spread(growth(cases, 'lean us/event'))}")


def growth(cases: list[Case], what: str) -> list[float]:
    """Per round, the last case's ``what`` over the first case's (see ``Case.per_round``)."""
    return [b / a for a, b in zip(cases[0].per_round(what), cases[-1].per_round(what),
                                  strict=True)]


def _check_same_behaviour(label: str, kpis: Mapping[str, float], counts: dict[str, int]) -> None:
    """Assert that the bare model's counts are hubsim's, within ``COUNT_TOLERANCE``.

    Raises
    ------
    AssertionError
        a count differs by more than the tolerance: the two models no longer do the same work,
        and the timings would compare different things.
    """
    pairs = {"triaged": "clients_triaged", "started": "therapy_started",
             "completed": "therapy_completed", "referred": "external_referrals"}
    detail = ", ".join(f"{k} {counts[k]} vs {kpis[v]:g}" for k, v in pairs.items())
    off = [k for k, v in pairs.items()
           if abs(counts[k] - kpis[v]) > max(COUNT_SLACK, COUNT_TOLERANCE * kpis[v])]
    if off:
        raise AssertionError(f"{label}: the bare model's {off[0]} count differs from hubsim's by "
                             f"more than {COUNT_TOLERANCE:.0%} ({detail})")
    print(f"    {label}: lean bare = bare = hubsim within {COUNT_TOLERANCE:.0%} (asserted; bare vs "
          f"hubsim: {detail})")


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
             rounds: int) -> dict[str, list[float]]:
    """Part (c): ``replications`` replications serially, then on ``workers`` processes, in
    ``rounds`` alternating rounds; each speed-up compares the fastest (least disturbed) of each.

    On a shared virtual machine the speed of a CPU drifts by tens of per cent from one second to
    the next, and two CPUs need not run at the same speed, so the same rounds also time two
    controls, serially and on the same kind of pool: as many replications of the bare SimPy model
    (``steady``: no records, nothing returned but five counts), and as many tasks of a pure-Python
    loop (``spin``) each as long as one replication. Their speed-ups are about the most this
    machine gives such work at this time; hubsim's speed-up divided by them is the efficiency of
    hubsim's own parallel machinery (pool start-up, pickled results, assembling the experiment).

    The speed-ups are wall-clock figures, so a machine whose CPUs other work keeps busy gives
    no speed-up to anything. The CPU time the pooled run costs in all (the parent and the
    workers) over the serial run's is read beside them: what the pool adds (start-up, pickling,
    the parent's work on results), which other work on the machine touches far less.

    Returns
    -------
    dict[str, list[float]]
        Per task kind, the speed-up of each round; under ``"<kind> best"`` a one-element list,
        the fastest serial time over the fastest pooled time; under ``"<kind> cpu"`` each round's
        CPU time pooled over serial.
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
    speedups, found = {}, {}
    print(f"(c) {replications} tasks serially and on {workers} workers (pool start-up included), "
          f"best of {rounds} alternating rounds each:")
    for name, pairs in runs.items():
        serial, pooled = min(p[0] for p in pairs), min(p[1] for p in pairs)
        speedups[name] = serial[0] / pooled[0]
        found[name] = [s[0] / p[0] for s, p in pairs]
        found[f"{name} best"] = [speedups[name]]
        found[f"{name} cpu"] = [p[1] / s[1] for s, p in pairs]
        median = statistics.median(found[name])
        target = f" (target >= {SPEEDUP_TARGET})" if name == "hubsim" else " (control)"
        print(f"    {name:17s} serial {serial[0]:5.2f} s, pool {pooled[0]:5.2f} s: speed-up "
              f"{speedups[name]:.2f}{target}; median of rounds {median:.2f}; CPU time serial "
              f"{serial[1]:.2f} s, pool {pooled[1]:.2f} s")
    print(f"    hubsim's speed-up is {speedups['hubsim'] / speedups['bare model']:.0%} of the bare "
          f"model's and {speedups['hubsim'] / speedups['pure-Python loop']:.0%} of the loop's "
          f"(loop tasks sized to {one * 1e3:.0f} ms); load average now "
          f"{os.getloadavg()[0]:.1f}")
    return found


def summary(cases: list[Case], speedups: dict[str, list[float]] | None) -> None:
    """The compact table: each measure's median (min-max) over the rounds, and its target
    (``speedups`` None: part (c) was not run)."""
    rows: list[tuple[str, list[float], str, float | None, bool]] = []
    for case in cases:
        rows.append((f"hubsim / lean bare, {case.label}", case.per_round("ratio"), ".2f",
                     RATIO_TARGET, False))
    for case in cases:
        rows.append((f"  event loop alone / lean event logic, {case.label}",
                     case.per_round("loop ratio"), ".2f", None, False))
    for case in cases:
        rows.append((f"hubsim us/event, {case.label}", case.per_round("us/event"), ".1f", None,
                     False))
    if len(cases) > 1:
        rows.append((f"us/event {cases[-1].label} / {cases[0].label}",
                     growth(cases, "us/event"), ".2f", GROWTH_TARGET, False))
        rows.append(("  the same for the lean bare model (reference)",
                     growth(cases, "lean us/event"), ".2f", None, False))
    for name in ("hubsim", "bare model", "pure-Python loop") if speedups else ():
        title = "speed-up on the pool, " + ("hubsim" if name == "hubsim" else f"control: {name}")
        rows.append((title, speedups[name], ".2f", SPEEDUP_TARGET if name == "hubsim" else None,
                     True))
    if speedups:
        share = [h / b for h, b in zip(speedups["hubsim"], speedups["bare model"], strict=True)]
        rows.append(("hubsim's speed-up / the bare model's, per round", share, ".2f",
                     SHARE_TARGET, True))
        for name in ("hubsim", "bare model", "pure-Python loop"):
            rows.append((f"CPU time on the pool / serial, {name}", speedups[f"{name} cpu"],
                         ".2f", None, False))
    print(f"\n{'measure':48s} {'median (min' + chr(8211) + 'max)':20s} {'target':8s} result")
    for title, values, fmt, target, at_least in rows:
        if target is None:
            verdict, goal = "", ""
        else:
            met = (statistics.median(values) >= target if at_least
                   else statistics.median(values) <= target)
            verdict, goal = ("met" if met else "not met"), f"{'>=' if at_least else '<='} {target}"
        print(f"{title:48s} {spread(values, fmt):20s} {goal:8s} {verdict}")
    if not speedups:
        return
    print(f"(speed-up: {len(speedups['hubsim'])} rounds; best round against best round: hubsim "
          f"{speedups['hubsim best'][0]:.2f}, bare model {speedups['bare model best'][0]:.2f}, "
          f"loop {speedups['pure-Python loop best'][0]:.2f})")


def steady_staff(path: Path, years: float | None = None, size: float = 1.0) -> Scenario:
    """The scenario with staffing held steady: no attrition, leave or sickness absence.

    The bare model implements the client pathway with a fixed staff; hubsim's staffing timelines
    (leavers, vacancies, leave and sickness spells) have no counterpart in it.

    Parameters
    ----------
    path : a scenario file
    years : horizon in years of ``DAYS_PER_YEAR`` days (None keeps the file's horizon)
    size : Hub size: ``arrivals.scale`` and every role's ``wte`` are multiplied by it

    Raises
    ------
    ValueError
        ``size`` is not 1 and a role's WTE changes over time (only ``wte`` is scaled).
    """
    base = load_scenario(path)
    roles = base.staff.roles()
    overrides: dict[str, object] = {f"staff.{role}.{field}": 0
                                    for role in roles for field in STEADY_FIELDS}
    if years is not None:
        overrides["horizon_days"] = years * DAYS_PER_YEAR
    if size != 1:
        changing = [name for name, role in roles.items() if role.changes or role.borrowed]
        if changing:
            raise ValueError(f"staff.{changing[0]}: a Hub whose WTE changes cannot be scaled here")
        overrides["arrivals.scale"] = base.arrivals.scale * size
        overrides.update({f"staff.{name}.wte": role.wte * size for name, role in roles.items()})
    return load_scenario(path, overrides)


def cell(path: Path, years: int, size: int) -> dict[str, float]:
    """One scaling cell, in this (fresh) process: one hubsim replication of the steady-staffed
    scenario for ``years`` years at ``size`` times the Hub: the faster of ``SCALING_TIMED`` runs
    after an untimed one (the same replication), which pays what a process does once: imports
    on first use, cached tables, memory touched for the first time (in a fresh process a
    one-year run's first run took 2.5 times as long as its third). Returns its clients, events,
    CPU seconds, wall-clock seconds, the peak resident memory (MiB) after the first run (one
    replication's, in a fresh process), and the peak before it (the interpreter and imports)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scenario = steady_staff(path, years, size)
    simulate(scenario, SEED, 0)
    # the peak of one replication in a fresh process: later runs reuse, and fragment, its memory
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = wall = math.inf
    for _ in range(SCALING_TIMED):
        with counting_events() as events:
            cpu, started = time.process_time(), time.perf_counter()
            run = simulate(scenario, SEED, 0)
            took, took_wall = time.process_time() - cpu, time.perf_counter() - started
        seconds, wall = min(seconds, took), min(wall, took_wall)
        clients = run.kpis["clients_arrived"]
        del run
    return {"clients": clients, "events": events[0], "seconds": seconds,
            "wall": wall,
            "peak_mib": peak / KIB_PER_MIB, "start_mib": before / KIB_PER_MIB}


def scaling(path: Path, limit: float) -> None:
    """The scaling table: each cell a fresh process (so its peak memory is its own), stopped if
    it takes more than ``limit`` seconds; once a Hub size is over the limit, its longer runs are
    not tried."""
    print(f"scaling: one hubsim replication of {path.stem}, staffing held steady, seed {SEED}; "
          f"each cell a fresh process, stopped after {limit:g} s; size multiplies arrivals and "
          "every role's WTE; CPU seconds (wall clock beside); clients/s and us/event of CPU "
          "time; peak RSS of the process (before the run: interpreter and imports)")
    print(f"{'years':>5} {'size':>4} {'clients':>8} {'events':>10} {'CPU s':>7} {'wall s':>7} "
          f"{'clients/s':>9} {'us/event':>8} {'peak RSS MiB':>18}")
    for size in SCALING_SIZES:
        over = False
        for years in SCALING_YEARS:
            head = f"{years:5d} {size:3d}x"
            if over:
                print(f"{head} not run (a shorter run of this size was over the limit)")
                continue
            command = [sys.executable, __file__, "--cell", str(path), str(years), str(size)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=limit,
                                      check=True)
            except subprocess.TimeoutExpired:
                over = True
                print(f"{head} over limit ({limit:g} s)")
                continue
            c = json.loads(done.stdout.splitlines()[-1])
            print(f"{head} {c['clients']:8,.0f} {c['events']:10,} {c['seconds']:7.3f} "
                  f"{c['wall']:7.3f} "
                  f"{c['clients'] / c['seconds']:9,.0f} {c['seconds'] * MICRO / c['events']:8.1f} "
                  f"{c['peak_mib']:8.0f} ({c['start_mib']:.0f})")
    print(f"load average now {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--replications", type=int, default=REPLICATIONS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time (a) and (b) by CPU time or wall clock (default %(default)s)")
    parser.add_argument("--only", choices=("single", "parallel"),
                        help="run only (a) and (b), one replication, or only (c), the pool")
    parser.add_argument("--scaling", action="store_true",
                        help="print only the scaling table (years x Hub size)")
    parser.add_argument("--cell-limit", type=float, default=CELL_LIMIT_S,
                        help="seconds a scaling cell may take (default %(default)s)")
    parser.add_argument("--cell", nargs=3, metavar=("SCENARIO", "YEARS", "SIZE"),
                        help=argparse.SUPPRESS)  # one scaling cell, in a fresh process
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(cell(Path(args.cell[0]), int(args.cell[1]), int(args.cell[2]))))
        return
    if args.scaling:
        scaling(args.scenario, args.cell_limit)
        return
    full = load_scenario(args.scenario)
    scenario = steady_staff(args.scenario)
    if args.only == "parallel":
        print(f"scenario: {full.name}; machine: {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at the start")
        summary([], parallel(full, scenario, args.replications, args.workers, args.rounds))
        return
    large = steady_staff(args.scenario, LARGE_YEARS, LARGE_SIZE)
    print(f"scenario: {scenario.name} ({scenario.horizon_days:g} days, seed {SEED}); (a) and (b) "
          "with staffing held steady (no attrition, leave or sickness), as in the bare model; "
          f"large Hub: {LARGE_YEARS} years, {LARGE_SIZE}x arrivals and {LARGE_SIZE}x every "
          "role's WTE")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the start "
          "(other busy processes slow (c) most)")
    print("counts (untimed runs):")
    cases = [make_case("baseline", scenario), make_case("large Hub", large)]
    for case in cases:
        case.clock = args.clock
    single_replication(cases, args.rounds)
    t_full = best_time(lambda: simulate(full, SEED, 0), args.repeats)
    print(f"    for reference, hubsim on the full baseline (staffing timelines): "
          f"{t_full * MILLI:.1f} ms, best of {args.repeats}")
    speedups = None
    if args.only != "single":
        speedups = parallel(full, scenario, args.replications, args.workers, args.rounds)
    summary(cases, speedups)


if __name__ == "__main__":
    main()
