"""Staff in post over time: funded WTE, recruitment lag, attrition, leave and sickness spells.

For each role the funded WTE is a step function (``wte`` from day 0, then ``changes``). It is cut
into posts of at most 1 WTE (post ``k`` holds ``clip(funded - k, 0, 1)``). A post funded after day 0
is filled after a sampled recruitment lag; post-holders leave at random (``attrition_per_year``)
and the post stays vacant for a sampled replacement lag. Borrowed staff are extra posts in place
at once. Post-holders take annual leave in week-long spells at random times and sickness
spells at a rate giving ``sickness_absence_pct`` of time. Everything is drawn before the run
from the role's own stream, so a change to one role never shifts another's draws.

Units: days from the scenario start date; WTE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hubsim.calendar import Interval, merge
from hubsim.scenario import Scenario
from hubsim.staff_schema import Role

LEAVE_SPELL_DAYS = 7.0  # a week of annual leave (calendar days)
WORKING_DAYS_PER_LEAVE_SPELL = 5.0  # the working days in that week
DAYS_PER_YEAR = 365.25
PERCENT = 100.0


@dataclass(frozen=True)
class Spell:
    """One person in one post for a stretch of time at a fixed WTE."""

    post: int
    fte: float
    start: float  # day in post
    end: float  # day left (or the horizon)
    absences: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class RoleTimeline:
    """Who is in post for one role over the horizon."""

    role: str
    spells: tuple[Spell, ...]

    def paid_wte_days(self, lo: float, hi: float) -> float:
        """WTE-days paid within [lo, hi] (absences are paid; vacancies are not)."""
        return sum(s.fte * max(0.0, min(s.end, hi) - max(s.start, lo)) for s in self.spells)

    def available_steps(self, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        """Step function of WTE at work (in post and not absent): (change days, WTE from then)."""
        deltas: dict[float, float] = {0.0: 0.0}
        for spell in self.spells:
            pieces = _subtract((spell.start, spell.end), spell.absences)
            for a, b in pieces:
                deltas[a] = deltas.get(a, 0.0) + spell.fte
                deltas[b] = deltas.get(b, 0.0) - spell.fte
        days = np.array(sorted(d for d in deltas if d < horizon))
        level = np.cumsum([deltas[d] for d in days])
        return days, np.clip(np.round(level, 9), 0.0, None)


def _subtract(span: Interval, holes: tuple[Interval, ...]) -> list[Interval]:
    out, t = [], span[0]
    for a, b in merge(holes):
        if a > t:
            out.append((t, min(a, span[1])))
        t = max(t, b)
    if t < span[1]:
        out.append((t, span[1]))
    return [(a, b) for a, b in out if b > a]


def funded_steps(role: Role, scenario: Scenario) -> list[tuple[float, float]]:
    """(day, funded WTE from that day) for the role, starting at day 0."""
    steps = [(0.0, role.wte)]
    for change in role.changes:
        day = float((change.start - scenario.start_date).days)
        if day <= 0:
            steps[0] = (0.0, change.wte)
        elif day < scenario.horizon_days:
            steps.append((day, change.wte))
    return steps


def _post_funding(steps: list[tuple[float, float]], post: int, horizon: float):
    """Maximal funded stretches of post ``post`` as lists of (start, end, fte) pieces."""
    stretches, current = [], []
    bounds = [*(d for d, _ in steps[1:]), horizon]
    for (day, wte), end in zip(steps, bounds, strict=True):
        fte = min(1.0, max(0.0, wte - post))
        if fte > 0:
            current.append((day, end, fte))
        elif current:
            stretches.append(current)
            current = []
    if current:
        stretches.append(current)
    return stretches


def _occupancy(role: Role, rng: np.random.Generator, start: float, end: float, lagged: bool):
    """Intervals a post funded over [start, end) is filled, with attrition and refilling."""
    out = []
    t = start + (float(role.recruitment_lag_days.sample(rng, 1)[0]) if lagged else 0.0)
    rate = role.attrition_per_year / DAYS_PER_YEAR
    while t < end:
        leave = t + (rng.exponential(1.0 / rate) if rate > 0 else math.inf)
        out.append((t, min(leave, end)))
        t = leave + float(role.replacement_lag_days.sample(rng, 1)[0])
    return out


def _absences(role: Role, rng: np.random.Generator, a: float, b: float) -> tuple[Interval, ...]:
    """Leave weeks and sickness spells of one person in post over [a, b)."""
    years = (b - a) / DAYS_PER_YEAR
    weeks = rng.poisson(role.annual_leave_days / WORKING_DAYS_PER_LEAVE_SPELL * years)
    starts = rng.uniform(a, b, weeks)
    spells = [(s, s + LEAVE_SPELL_DAYS) for s in starts]
    mean_spell = role.sickness_spell_days.mean_value
    share = role.sickness_absence_pct / PERCENT
    count = rng.poisson(share * (b - a) / mean_spell) if mean_spell > 0 else 0
    sick = rng.uniform(a, b, count)
    lengths = role.sickness_spell_days.sample(rng, count)
    spells += list(zip(sick, sick + lengths, strict=True))
    return tuple((max(x, a), min(y, b)) for x, y in merge(spells) if min(y, b) > max(x, a))


def role_timeline(name: str, role: Role, scenario: Scenario, rng: np.random.Generator):
    """Draw the role's posts, post-holders and absences over the horizon."""
    horizon = scenario.horizon_days
    steps = funded_steps(role, scenario)
    spells = []
    posts = math.ceil(max(w for _, w in steps) - 1e-9) if steps else 0
    for post in range(posts):
        for stretch in _post_funding(steps, post, horizon):
            lagged = stretch[0][0] > 0
            for a, b in _occupancy(role, rng, stretch[0][0], stretch[-1][1], lagged):
                for s, e, fte in stretch:
                    if min(e, b) > max(s, a):
                        lo, hi = max(s, a), min(e, b)
                        spells.append(Spell(post, fte, lo, hi, _absences(role, rng, lo, hi)))
    for i, loan in enumerate(role.borrowed):
        lo = max(0.0, float((loan.start - scenario.start_date).days))
        hi = min(horizon, float((loan.end - scenario.start_date).days))
        if hi > lo:
            spells.append(Spell(posts + i, loan.wte, lo, hi, ()))
    return RoleTimeline(name, tuple(spells))
