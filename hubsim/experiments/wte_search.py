"""Staffing search: the smallest WTE of one role for which a KPI target holds often enough.

A *target* is a KPI, an operator and a value (``therapy_started_within_18w_pct >= 95``). At a
given WTE the scenario is run for ``replications`` replications, and the target *holds* at that
WTE when at least ``confidence`` of them meet it (``confidence`` is a share of simulated years,
not a statistical confidence level on the mean; a replication whose KPI is NaN does not meet
the target). The answer is the smallest WTE on the grid ``wte_min, wte_min + step, ...,
wte_max`` at which the target holds, or None when it does not hold even at ``wte_max``.

Every WTE is run with the same seed and replication ids (common random numbers), so each
replication sees the same clients at every WTE and the share meeting the target is (close to)
monotone in WTE. The search assumes that monotonicity: it evaluates ``wte_min`` (the answer if
the target holds there), then ``wte_max``, then bisects the grid between them, caching every
point, so it runs ``2 + ceil(log2(n))`` points of an ``n``-point grid rather than all of them.
The functional tests check the answer against a brute-force grid on a small scenario.

Each WTE is a new scenario built through the loader, so validation runs at every point (see
``hubsim.experiments.wte_scenarios``; for several Hubs, ``hub`` names the one whose staff change).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubsim.experiments.defaults import (
    DEFAULT_WTE_MAX,
    DEFAULT_WTE_MIN,
    DEFAULT_WTE_STEP,
    SEARCH_CONFIDENCE,
    SEARCH_REPLICATIONS,
)
from hubsim.experiments.replications import run_experiments
from hubsim.experiments.wte_scenarios import WteScenarios, kpi_window_days, staff_cost_per_year
from hubsim.experiments.wte_target import SearchInputError, Target, parse_target
from hubsim.model.records import WAIT_LISTS
from hubsim.results.role_cost import RoleCost, role_cost
from hubsim.results.stats import t_interval
from hubsim.scenario.schema import AnyScenario, MultiHubScenario

logger = logging.getLogger(__name__)


MAX_GRID_POINTS = 1_000_000  # a grid this fine is a unit slip (step in hours, not WTE)
KPI_INTERVAL = 0.95  # the interval printed beside each KPI mean: the usual 95% t-interval
_SLACK = 1e-9  # float slack: 18 of 20 replications must count as meeting 0.9
_DECIMALS = 9  # WTE grid values rounded here, so 0.1 * 3 is 0.3 and not 0.30000000000000004
STAFF_COST_KPIS: tuple[str, ...] = ("cost_staff_gbp", "cost_total_gbp")
"""Staff cost KPI, first found: ``cost_staff_gbp`` when costs are split out, else the total."""

__all__ = [
    "SearchInputError", "SearchResult", "Target", "parse_target", "search_wte",
    "smallest_passing", "wte_grid",
]


def wte_grid(wte_min: float, wte_max: float, step: float) -> np.ndarray:
    """``wte_min, wte_min + step, ...`` up to ``wte_max``, which is always the last point (WTE)."""
    if not (math.isfinite(wte_min) and wte_min >= 0):
        raise SearchInputError("wte_min", f"must be a WTE >= 0, got {wte_min!r}")
    if not math.isfinite(wte_max) or wte_max < wte_min:
        raise SearchInputError(
            "wte_min", f"must not exceed the maximum ({wte_min:g} > {wte_max:g} WTE)")
    if not (math.isfinite(step) and step > 0):
        raise SearchInputError("step", f"must be a WTE > 0, got {step!r}")
    steps = math.floor((wte_max - wte_min) / step + _SLACK)
    if steps + 1 > MAX_GRID_POINTS:
        raise SearchInputError("step", f"{step:g} WTE gives more than {MAX_GRID_POINTS:,} points")
    grid = np.round(wte_min + step * np.arange(steps + 1), _DECIMALS)
    if wte_max - grid[-1] > _SLACK:
        grid = np.append(grid, wte_max)
    return grid


def smallest_passing(
    grid: np.ndarray, share_at: Callable[[float], float], confidence: float
) -> float | None:
    """Smallest grid value whose share meeting the target is >= ``confidence``, by bisection.

    Assumes the share is monotone non-decreasing along ``grid``. Evaluates ``grid[0]`` (returned
    if it passes), then ``grid[-1]`` (None if it fails), then bisects; each point at most once.
    """
    cache: dict[int, bool] = {}

    def passes(index: int) -> bool:
        if index not in cache:
            cache[index] = share_at(float(grid[index])) >= confidence - _SLACK
        return cache[index]

    if passes(0):
        return float(grid[0])
    low, high = 0, len(grid) - 1
    if high == 0 or not passes(high):
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle
    return float(grid[high])


@dataclass(frozen=True)
class SearchResult:
    """The outcome of ``search_wte``.

    Attributes
    ----------
    answer : smallest WTE on the grid at which the target holds, or None if it fails at wte_max
    points : one row per evaluated WTE, by WTE: ``wte`` (WTE), ``share_of_replications_meeting``
        (0-1), ``meets_target``, ``kpi_mean``, ``ci_low``, ``ci_high`` (the KPI's unit; 95%
        t-interval across replications), ``waited_over_52w_pct_mean`` (%, the long-wait share
        of the target's list, NaN for a target that is not a wait), ``staff_cost_gbp_mean``
        (GBP over the KPI window, the whole Hub's staff), ``staff_cost_gbp_per_year`` (GBP per
        year), ``role_payroll_cost_gbp_per_year`` and ``role_full_cost_gbp_per_year`` (the
        searched role alone at this WTE, GBP per year, see :mod:`hubsim.role_cost`),
        ``evaluation`` (1 = evaluated first)
    replication_kpis : one row per evaluated WTE and replication: ``wte, replication``, the
        target KPI, ``meets_target`` and the staff cost KPI (for paired analyses)
    cost_kpi : the KPI used as staff cost (``cost_staff_gbp`` when present, else
        ``cost_total_gbp``)
    answer_staff_cost_gbp, answer_staff_cost_gbp_per_year : mean staff cost at the answer over
        the KPI window (GBP) and per year (GBP per year); None without an answer
    window_days : days the KPIs cover (horizon less warm-up); None if several Hubs differ
    answer_role_cost : the searched role's own annual cost at the answer and the marginal cost
        of moving from the scenario's WTE to it (payroll and full economic cost); None without
        an answer
    """

    role: str
    hub: str | None
    target: Target
    confidence: float
    replications: int
    seed: int
    grid: tuple[float, ...]
    answer: float | None
    points: pd.DataFrame
    replication_kpis: pd.DataFrame
    cost_kpi: str
    answer_staff_cost_gbp: float | None
    answer_staff_cost_gbp_per_year: float | None
    window_days: float | None
    answer_role_cost: RoleCost | None = None

    def describe(self) -> str:
        """The answer in one sentence."""
        held = (f"{self.target} in at least {self.confidence:.0%} of {self.replications} "
                "replications")
        if self.answer is None:
            return f"not found: even {self.grid[-1]:g} WTE {self.role} does not give {held}"
        floor = " (the minimum searched; fewer may do)" if self.answer == self.grid[0] else ""
        return f"{self.answer:g} WTE {self.role}{floor} gives {held}"


def tail_kpi(kpi: str) -> str | None:
    """The long-wait share (``X_waited_over_52w_pct``) to show beside a wait KPI of list X (the
    same Hub's for ``HUB:KPI``), or None for a KPI that is not a wait."""
    hub, colon, base = kpi.rpartition(":")
    for kind in WAIT_LISTS:
        if base.startswith((f"{kind}_wait", f"{kind}_started_within")):
            return f"{hub}{colon}{kind}_waited_over_52w_pct"
    return None


class _Points:
    """Runs points on demand, checks the KPI once, keeps one row per evaluated WTE."""

    def __init__(self, scenarios: WteScenarios, target: Target, confidence: float,
                 run: Callable[[AnyScenario, float], pd.DataFrame],
                 on_point: Callable[[dict[str, Any]], None] | None) -> None:
        self.scenarios, self.target, self.confidence = scenarios, target, confidence
        self.run, self.on_point = run, on_point
        self.rows: list[dict[str, Any]] = []
        self.kpis: list[pd.DataFrame] = []
        self.cost_kpi = STAFF_COST_KPIS[-1]

    def _check_kpi(self, kpis: pd.DataFrame) -> None:
        if self.target.kpi in kpis.columns:
            return
        names = [c for c in kpis.columns if c != "replication" and ":" not in c]
        hubs = " (or HUB:KPI for one Hub)" if len(names) < len(kpis.columns) - 1 else ""
        raise SearchInputError(
            "target", f"unknown KPI {self.target.kpi!r}; KPIs{hubs}: {', '.join(names)}")

    def share_at(self, wte: float, scenario: AnyScenario | None = None) -> float:
        """Run ``wte`` (its scenario may be given, already built) and record its row."""
        scenario = scenario if scenario is not None else self.scenarios.at(wte)
        kpis = self.run(scenario, wte)
        self._check_kpi(kpis)
        self.cost_kpi = next((k for k in STAFF_COST_KPIS if k in kpis.columns), self.cost_kpi)
        tail = tail_kpi(self.target.kpi)
        met = self.target.met(kpis[self.target.kpi])
        mean, _sd, low, high, _n = t_interval(kpis[self.target.kpi], KPI_INTERVAL)
        share = float(met.mean())
        row = {
            "wte": wte, "share_of_replications_meeting": share,
            "meets_target": bool(share >= self.confidence - _SLACK), "kpi_mean": mean,
            "ci_low": low, "ci_high": high,
            "waited_over_52w_pct_mean": (t_interval(kpis[tail])[0] if tail in kpis.columns
                                         else math.nan),
            "staff_cost_gbp_mean": float(kpis[self.cost_kpi].mean()),
            "staff_cost_gbp_per_year": float(
                staff_cost_per_year(kpis, scenario, self.cost_kpi).mean()),
            **{f"role_{view}_cost_gbp_per_year": cost for view, cost in
               role_cost(self.scenarios.hub, self.scenarios.role, wte).annual.items()},
            "evaluation": len(self.rows) + 1,
        }
        self.rows.append(row)
        self.kpis.append(kpis[["replication", self.target.kpi, self.cost_kpi]].assign(
            wte=wte, meets_target=met))
        logger.info("%s = %g WTE: %.0f%% of replications meet %s", self.scenarios.role, wte,
                    100 * share, self.target)
        if self.on_point is not None:
            self.on_point(row)
        return share


def _build_ends(scenarios: WteScenarios, grid: np.ndarray) -> dict[float, AnyScenario]:
    """The scenarios at both ends of the grid, so an invalid WTE stops the search before a run."""
    built = {}
    for parameter, wte in (("wte_min", grid[0]), ("wte_max", grid[-1])):
        try:
            built[float(wte)] = scenarios.at(float(wte))
        except ValueError as exc:  # ScenarioError names the field and the problem
            field, message = getattr(exc, "field", ""), getattr(exc, "message", exc)
            problem = f"{field}: {message}" if field else str(message)
            raise SearchInputError(parameter, f"{wte:g} WTE: {problem}") from None
    return built


def _check_settings(confidence: float, replications: int) -> None:
    if not 0 < confidence <= 1:
        raise SearchInputError("confidence", f"must be a share in (0, 1], got {confidence!r}")
    if replications < 1:
        raise SearchInputError("replications", f"must be >= 1, got {replications!r}")


def search_wte(
    scenario: str | Path | AnyScenario,
    role: str,
    target: Target | str,
    *,
    overrides: Mapping[str, Any] | None = None,
    hub: str | None = None,
    confidence: float = SEARCH_CONFIDENCE,
    wte_min: float = DEFAULT_WTE_MIN,
    wte_max: float = DEFAULT_WTE_MAX,
    step: float = DEFAULT_WTE_STEP,
    replications: int = SEARCH_REPLICATIONS,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> SearchResult:
    """Smallest WTE of ``role`` for which ``target`` holds in >= ``confidence`` of replications.

    Parameters
    ----------
    scenario : a scenario file, or a loaded ``Scenario`` / ``MultiHubScenario``
    role : a role of the scenario's ``[staff]`` section (``triage``, ``therapists``, ``brief``...)
    target : a ``Target`` or its text, e.g. ``"therapy_started_within_18w_pct >= 95"``
    overrides : dotted overrides for a scenario file, e.g. ``{"horizon_days": 365}``
    hub : the Hub whose staff are searched (required, and only used, for several Hubs)
    confidence : share of replications (0-1] that must meet the target at the answer
    wte_min, wte_max, step : the WTE grid searched (WTE); ``wte_max`` is always a grid point
    replications, seed : replications per point; every point uses replication ids
        ``0..replications-1`` and ``seed`` (common random numbers)
    executor : any ``concurrent.futures.Executor`` for the replications (None = serial)
    progress : a progress bar over each point's replications (only on a terminal)
    on_point : called with each point's row (see ``SearchResult.points``) as it is evaluated

    Raises
    ------
    SearchInputError
        (a ``ValueError``) naming the parameter: unknown role or Hub, malformed target, unknown
        KPI (found after the first point), ``wte_min > wte_max``, a WTE the scenario rejects...
    """
    target = parse_target(target) if isinstance(target, str) else target
    _check_settings(confidence, replications)
    grid = wte_grid(wte_min, wte_max, step)
    scenarios = WteScenarios(scenario, role, hub, overrides)
    ends = _build_ends(scenarios, grid)
    run = _runner(role, replications, seed, executor, progress)
    points = _Points(scenarios, target, confidence, run, on_point)
    answer = smallest_passing(grid, lambda w: points.share_at(w, ends.get(w)), confidence)
    return _result(scenarios, target, confidence, replications, seed, grid, answer, points)


def _runner(
    role: str, replications: int, seed: int, executor: Executor | None, progress: bool
) -> Callable[[AnyScenario, float], pd.DataFrame]:
    """Runs one point: replications ``0..replications-1`` of ``seed`` (the same at every WTE)."""

    def run(built: AnyScenario, wte: float) -> pd.DataFrame:
        desc = f"{role} {wte:g} WTE"
        [experiment] = run_experiments([built], replications, seed, executor, progress, desc)
        return experiment.kpis

    return run


def _result(
    scenarios: WteScenarios, target: Target, confidence: float, replications: int, seed: int,
    grid: np.ndarray, answer: float | None, points: _Points,
) -> SearchResult:
    table = pd.DataFrame(points.rows).sort_values("wte", ignore_index=True)
    reps = pd.concat(points.kpis, ignore_index=True)
    reps = reps[["wte", "replication", target.kpi, "meets_target", points.cost_kpi]]
    reps = reps.sort_values(["wte", "replication"], ignore_index=True)
    at_answer = table[table["wte"] == answer]
    cost = per_year = None
    if answer is not None:
        cost = float(at_answer["staff_cost_gbp_mean"].iloc[0])
        per_year = float(at_answer["staff_cost_gbp_per_year"].iloc[0])
    hub = scenarios.hub.hub if isinstance(scenarios.base, MultiHubScenario) else None
    return SearchResult(
        role=scenarios.role, hub=hub, target=target, confidence=confidence,
        replications=replications, seed=seed, grid=tuple(float(w) for w in grid), answer=answer,
        points=table, replication_kpis=reps, cost_kpi=points.cost_kpi,
        answer_staff_cost_gbp=cost, answer_staff_cost_gbp_per_year=per_year,
        window_days=kpi_window_days(scenarios.base),
        answer_role_cost=None if answer is None else role_cost(scenarios.hub, scenarios.role,
                                                               answer),
    )
