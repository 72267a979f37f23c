"""A Hub's capacity over a run: triage clinicians and caseload slots that follow the staffing.

Builds each role's timeline (:mod:`hubsim.model.staff_timeline`), the triage pool (one server per
post-holder) and the therapy and brief-support caseload pools, whose staffed slots follow the WTE
at work: ``round(sum over roles of WTE at work x caseload_per_wte)``. An optional redeployment
rule moves a share of therapists' time to triage, week by week, while the triage backlog is long.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np
import simpy

from hubsim.model.calendar import WorkCalendar, holds_work
from hubsim.model.courses import CoursePool
from hubsim.model.rng import Streams
from hubsim.model.staff_timeline import RoleTimeline, role_timeline, split_wte
from hubsim.model.triage import TriagePool, closed_days, daily_hours, triage_calendars
from hubsim.scenario.schema import Scenario
from hubsim.scenario.staff import THERAPY_ROLES, caseload_slots
from hubsim.scenario.units import DAYS_PER_YEAR

REDEPLOY_REVIEW_DAYS = 7.0  # redeployment is reviewed weekly, in whole weeks


def slot_steps(
    parts: list[tuple[RoleTimeline, float]], horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Staffed caseload slots over time from (timeline, caseload per WTE) pairs."""
    steps = [t.available_steps(horizon) for t, _ in parts]
    days = np.unique(np.concatenate([d for d, _ in steps]))
    level = sum(
        caseload * levels[np.searchsorted(d, days, side="right") - 1]
        for (d, levels), (_, caseload) in zip(steps, parts, strict=True)
    )
    return days, caseload_slots(level)


class HubCapacity:
    """Staff timelines and the pools they staff, for one replication of one Hub."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, streams: Streams) -> None:
        self.env, self.scenario = env, scenario
        self.redeployed_weeks = 0
        staff, horizon = scenario.staff, scenario.horizon_days
        self.timelines = {
            name: role_timeline(name, role, scenario, streams[f"staff.{name}"])
            for name, role in staff.roles().items()
        }
        self.triage = TriagePool(env, triage_calendars(scenario, self.timelines["triage"]))
        therapy = slot_steps(
            [(self.timelines[r], getattr(staff, r).caseload_per_wte) for r in THERAPY_ROLES],
            horizon,
        )
        brief = slot_steps([(self.timelines["brief"], staff.brief.caseload_per_wte)], horizon)
        self.therapy = CoursePool(env, int(therapy[1].max(initial=1)), scenario.therapy)
        self.brief = CoursePool(env, int(brief[1].max(initial=1)), scenario.brief_support)
        self._therapy_base, self._therapy_lent = int(therapy[1][0]), 0
        self.therapy.set_capacity(self._therapy_base)
        self.brief.set_capacity(int(brief[1][0]))
        env.process(self._follow(therapy, self._set_therapy_base))
        env.process(self._follow(brief, self.brief.set_capacity))

    def _follow(
        self, steps: tuple[np.ndarray, np.ndarray], apply: Callable[[int], None]
    ) -> Generator[simpy.Event, object, None]:
        for day, slots in zip(*steps, strict=True):
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            apply(int(slots))

    def _set_therapy_base(self, slots: int) -> None:
        self._therapy_base = slots
        self.therapy.set_capacity(self._therapy_base - self._therapy_lent)

    def start_redeployment(self, backlog: Callable[[], int]) -> None:
        """Weekly: lend therapists' time to triage while ``backlog()`` exceeds the threshold."""
        rule = self.scenario.staff.therapists.redeploy
        if rule is not None:
            self.env.process(self._redeploy(rule.share, rule.when_backlog_above, backlog))

    def _redeploy(
        self, share: float, threshold: int, backlog: Callable[[], int]
    ) -> Generator[simpy.Event, object, None]:
        timeline = self.timelines["therapists"]
        caseload = self.scenario.staff.therapists.caseload_per_wte
        days, levels = timeline.available_steps(self.scenario.horizon_days)
        weekday = self.scenario.start_date.weekday()
        continuous = self.scenario.calendar == "continuous"
        while self.env.now < self.scenario.horizon_days:
            self._therapy_lent = 0
            if backlog() > threshold:
                wte = share * levels[np.searchsorted(days, self.env.now, side="right") - 1]
                if wte > 0:
                    week = (self.env.now, self.env.now + REDEPLOY_REVIEW_DAYS)
                    for part in split_wte(wte):  # servers of at most 1 WTE, as posts are
                        hours = daily_hours(self.scenario) * part
                        if not holds_work(continuous, hours):
                            continue
                        self.triage.add_server(WorkCalendar(
                            continuous, weekday, self.scenario.working_day_start_hour,
                            hours, [week],
                            closed_days=closed_days(self.scenario),
                        ))
                    self.triage.dispatch()
                    self._therapy_lent = int(caseload_slots(wte * caseload))
                    self.redeployed_weeks += 1
            self.therapy.set_capacity(self._therapy_base - self._therapy_lent)
            yield self.env.timeout(REDEPLOY_REVIEW_DAYS)

    def paid_wte_years(self, lo: float, hi: float) -> dict[str, float]:
        """WTE-years paid per role within [lo, hi] days."""
        return {n: t.paid_wte_days(lo, hi) / DAYS_PER_YEAR for n, t in self.timelines.items()}

    def discounted_paid_wte_years(
        self, lo: float, hi: float, discount_rate: float
    ) -> dict[str, float]:
        """WTE-years paid per role within [lo, hi] days, discounted to ``lo`` at
        ``discount_rate`` a year (continuously, at ``ln(1 + discount_rate)``)."""
        hazard = math.log1p(discount_rate) / DAYS_PER_YEAR
        return {n: t.discounted_paid_wte_days(lo, hi, hazard) / DAYS_PER_YEAR
                for n, t in self.timelines.items()}
