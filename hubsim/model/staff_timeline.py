"""Staff in post over time: funded WTE, recruitment lag, attrition, leave and sickness spells.

For each role the funded WTE is a step function (``wte`` from day 0, then ``changes``). It is cut
into posts of at most 1 WTE (post ``k`` holds ``clip(funded - k, 0, 1)``). A post funded after day 0
is filled after a sampled recruitment lag; post-holders leave at random (``attrition_per_year``)
and the post stays vacant for a sampled replacement lag. Borrowed staff are extra posts of at most
1 WTE each (a loan of 2.5 WTE is two whole-time and one half-time post), in place at once for the
loan's dates, with no leave or sickness of their own.

Annual leave: each post-holder has leave years from their own start in post. In each full leave
year they take exactly ``annual_leave_days`` working days: as many whole weeks (five working days)
as fit, and the remainder as one shorter spell. The year is cut into as many equal parts as there
are spells; each spell lies inside its own part (so spells never overlap and leave is spread over
the year), starts at midnight on a Monday chosen at random among those where it fits, and runs
until it has covered its working days, with the days off that follow: a week of leave is Monday
to Sunday, a 2-day remainder Monday and Tuesday. A bank holiday in a spell is not a day of leave,
so such a spell is a day longer. A post-holder who leaves mid-year keeps the leave planned before
their leaving day: the part year's leave is pro rata to within about a week (the balance is
taken as settled in pay rather than by moving leave: a rule that moved it would need to know the
leaving day in advance, and the draws before a day would then depend on later ones).
On a ``continuous`` calendar there are no weekends or bank holidays and five days of leave take
seven calendar days. Caseload slots follow the WTE at work in calendar time, so leave lowers
them; bank holidays do not (a weekly session that falls on one is moved within the week).

Sickness: an alternating renewal process per post-holder, in time order: a well stretch drawn
from an exponential distribution, then a spell from ``sickness_spell_days``, and so on. The mean
well stretch is ``mean spell x (1 - p) / p`` for ``p = sickness_absence_pct / 100``, so the
long-run share of time off sick is ``p``. Sickness may overlap leave.

Randomness: everything is drawn before the run from the role's own stream, so a change to one role
never shifts another's draws. Each post has three child streams (spawned in post order): who holds
it, their leave and their sickness; a stream never drawn from (no leave, no sickness) is never
built. All three are drawn in time order, so the draws for the first ``T`` days do not depend on
the horizon (a run with a longer horizon repeats the shorter one's staff up to its horizon).

Units: days from the scenario start date; WTE; working days of leave.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hubsim.model.calendar import Interval, bank_holiday_days, merge
from hubsim.model.rng import LazyChildren
from hubsim.scenario.schema import Scenario
from hubsim.scenario.staff import Role
from hubsim.scenario.units import DAYS_PER_WEEK, DAYS_PER_YEAR, WORKING_DAYS_PER_WEEK

PERCENT = 100.0
STREAMS_PER_POST = 3  # who holds the post, their leave, their sickness
LEAVE_TOLERANCE_DAYS = 1e-9  # a remainder shorter than this is no spell
MONDAY = 0


@dataclass(frozen=True)
class Spell:
    """One person in one post for a stretch of time at a fixed WTE.

    ``leave`` and ``sickness`` are the person's absences within [start, end) (days).
    """

    post: int
    wte: float
    start: float  # day in post
    end: float  # day left (or the horizon)
    leave: tuple[Interval, ...] = ()
    sickness: tuple[Interval, ...] = ()

    @property
    def absences(self) -> tuple[Interval, ...]:
        """Leave and sickness merged into disjoint intervals (days)."""
        return tuple(merge([*self.leave, *self.sickness]))


@dataclass(frozen=True)
class RoleTimeline:
    """Who is in post for one role over the horizon."""

    role: str
    spells: tuple[Spell, ...]

    def paid_wte_days(self, lo: float, hi: float) -> float:
        """WTE-days paid within [lo, hi] (absences are paid; vacancies are not)."""
        return sum(s.wte * max(0.0, min(s.end, hi) - max(s.start, lo)) for s in self.spells)

    def discounted_paid_wte_days(self, lo: float, hi: float, hazard_per_day: float) -> float:
        """WTE-days paid within [lo, hi], each day weighted by ``exp(-hazard_per_day (t - lo))``
        (discounted to ``lo``; a hazard of 0 gives ``paid_wte_days``)."""
        if hazard_per_day <= 0:
            return self.paid_wte_days(lo, hi)
        total = 0.0
        for s in self.spells:
            a, b = max(s.start, lo), min(s.end, hi)
            if b > a:
                total += s.wte * (math.exp(-hazard_per_day * (a - lo))
                                  - math.exp(-hazard_per_day * (b - lo))) / hazard_per_day
        return total

    def available_steps(self, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        """Step function of WTE at work (in post and not absent): (change days, WTE from then)."""
        deltas: dict[float, float] = {0.0: 0.0}
        for spell in self.spells:
            pieces = _subtract((spell.start, spell.end), spell.absences)
            for a, b in pieces:
                deltas[a] = deltas.get(a, 0.0) + spell.wte
                deltas[b] = deltas.get(b, 0.0) - spell.wte
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
    """Maximal funded stretches of post ``post`` as lists of (start, end, wte) pieces."""
    stretches, current = [], []
    bounds = [*(d for d, _ in steps[1:]), horizon]
    for (day, wte), end in zip(steps, bounds, strict=True):
        wte = min(1.0, max(0.0, wte - post))
        if wte > 0:
            current.append((day, end, wte))
        elif current:
            stretches.append(current)
            current = []
    if current:
        stretches.append(current)
    return stretches


class _LeaveDays:
    """Which days count as days of leave, and where a leave spell may start.

    On a weekday calendar: Monday to Friday except bank holidays in England; a spell starts at
    midnight on a Monday. On a continuous calendar every day is a working day and five days of
    leave take seven calendar days (the weekday share), from midnight on any Monday.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.weekday0 = scenario.start_date.weekday()
        self.continuous = scenario.calendar == "continuous"
        # leave years run up to a year past the horizon; their spells' lengths must not depend on
        # the horizon, so bank holidays are known that far
        reach = scenario.horizon_days + DAYS_PER_YEAR + 2 * DAYS_PER_WEEK
        self.closed = (frozenset() if self.continuous
                       else frozenset(bank_holiday_days(scenario.start_date, reach)))

    def mondays(self, lo: float, hi: float) -> range:
        """Whole days in [lo, hi) that are Mondays."""
        first = math.ceil(lo)
        first += (MONDAY - self.weekday0 - first) % DAYS_PER_WEEK
        return range(first, math.ceil(hi), DAYS_PER_WEEK)

    def is_working(self, day: int) -> bool:
        """True if whole day ``day`` would be a day of leave (a working day)."""
        return self.continuous or (
            (self.weekday0 + day) % DAYS_PER_WEEK < WORKING_DAYS_PER_WEEK
            and day not in self.closed)

    def length(self, start: int, working_days: float) -> float:
        """Calendar days from midnight of day ``start`` that hold ``working_days`` of leave,
        with the days off that follow (a week of leave runs Monday to Sunday)."""
        if self.continuous:
            return working_days * DAYS_PER_WEEK / WORKING_DAYS_PER_WEEK
        day, left = start, working_days
        while left > LEAVE_TOLERANCE_DAYS:
            if self.is_working(day) and left < 1.0:
                return day - start + left
            left -= 1.0 if self.is_working(day) else 0.0
            day += 1
        while not self.is_working(day):
            day += 1
        return float(day - start)


def _leave_sizes(entitlement_days: float) -> list[float]:
    """Working days of each leave spell in a year: whole weeks, then the remainder."""
    weeks, rest = divmod(entitlement_days, WORKING_DAYS_PER_WEEK)
    return [float(WORKING_DAYS_PER_WEEK)] * int(weeks) + (
        [rest] if rest > LEAVE_TOLERANCE_DAYS else [])


Stream = Callable[[], np.random.Generator]
"""A stream, built when first called for (``LazyChildren``): a role without leave or sickness
never builds those streams."""


def _leave(role: Role, stream: Stream, a: float, b: float,
           days: _LeaveDays) -> list[Interval]:
    """Leave spells of one person in post over [a, b), leave year by leave year from ``a``.

    Each year draws which part of the year holds which spell, and a uniform number per spell
    that picks its Monday among those where it fits in its part (the latest Monday that fits,
    if a bank holiday makes the chosen one overrun its part).
    """
    sizes = _leave_sizes(role.annual_leave_days)
    if not sizes:
        return []
    rng = stream()
    part = DAYS_PER_YEAR / len(sizes)
    out: list[Interval] = []
    year = a
    while year < b:
        order, picks = rng.permutation(len(sizes)), rng.random(len(sizes))
        for j, (size, pick) in enumerate(zip(np.asarray(sizes)[order], picks, strict=True)):
            lo, hi = year + j * part, year + (j + 1) * part
            nominal = size * DAYS_PER_WEEK / WORKING_DAYS_PER_WEEK
            mondays = days.mondays(lo, hi - nominal + LEAVE_TOLERANCE_DAYS)
            k = int(pick * len(mondays))
            while k > 0 and mondays[k] + days.length(mondays[k], size) > hi:
                k -= 1
            start = float(mondays[k])
            if start < b:
                out.append((start, min(start + days.length(mondays[k], size), b)))
        year += DAYS_PER_YEAR
    return out


def _sickness(role: Role, stream: Stream, a: float, b: float) -> list[Interval]:
    """Sickness spells of one person in post over [a, b): well stretches and spells in turn."""
    share = role.sickness_absence_pct / PERCENT
    mean_spell = role.sickness_spell_days.mean_value
    if share <= 0 or mean_spell <= 0:
        return []
    rng = stream()
    mean_well = mean_spell * (1.0 - share) / share
    out: list[Interval] = []
    t = a + rng.exponential(mean_well)
    while t < b:
        length = float(role.sickness_spell_days.sample(rng, 1)[0])
        out.append((t, min(t + length, b)))
        t += length + rng.exponential(mean_well)
    return out


def _occupancy(role: Role, rng: np.random.Generator, start: float, end: float, lagged: bool):
    """Intervals a post funded over [start, end) is filled, with attrition and refilling."""
    out = []
    t = start + (float(role.recruitment_lag_days.sample(rng, 1)[0]) if lagged else 0.0)
    rate = role.attrition_per_year / DAYS_PER_YEAR
    while t < end:
        leaves_on = t + (rng.exponential(1.0 / rate) if rate > 0 else math.inf)
        out.append((t, min(leaves_on, end)))
        t = leaves_on + float(role.replacement_lag_days.sample(rng, 1)[0])
    return out


def _clip(intervals: list[Interval], lo: float, hi: float) -> tuple[Interval, ...]:
    return tuple((max(x, lo), min(y, hi)) for x, y in intervals if min(y, hi) > max(x, lo))


def _post_spells(post: int, role: Role, streams: Sequence[Stream],
                 stretches: list, days: _LeaveDays) -> list[Spell]:
    """The spells of one funded post: its holders, each with their leave and sickness."""
    occupancy_stream, leave_stream, sickness_stream = streams
    spells = []
    for stretch in stretches:
        lagged = stretch[0][0] > 0
        for a, b in _occupancy(role, occupancy_stream(), stretch[0][0], stretch[-1][1], lagged):
            leave = _leave(role, leave_stream, a, b, days)
            sick = _sickness(role, sickness_stream, a, b)
            for s, e, wte in stretch:
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    spells.append(Spell(post, wte, lo, hi, _clip(leave, lo, hi),
                                        _clip(sick, lo, hi)))
    return spells


def split_wte(wte: float) -> list[float]:
    """``wte`` as posts of at most 1 WTE: whole-time posts and one part-time remainder."""
    whole = int(wte)
    rest = round(wte - whole, 9)
    return [1.0] * whole + ([rest] if rest > 0 else [])


def role_timeline(name: str, role: Role, scenario: Scenario,
                  rng: np.random.Generator) -> RoleTimeline:
    """Draw the role's posts, post-holders and absences over the horizon.

    Parameters
    ----------
    name : role name (e.g. ``"triage"``)
    role : the role's validated settings
    scenario : the scenario (start date, horizon, calendar)
    rng : the role's stream; each post draws from its own children of it (see module
        docstring), built only if drawn from (``LazyChildren``: ``rng`` must not spawn again)
    """
    horizon = scenario.horizon_days
    steps = funded_steps(role, scenario)
    days = _LeaveDays(scenario)
    spells: list[Spell] = []
    posts = math.ceil(max(w for _, w in steps) - 1e-9) if steps else 0
    children = LazyChildren(rng)  # post p's streams: children STREAMS_PER_POST * p + 0, 1, 2
    for post in range(posts):
        streams = [functools.partial(children.__getitem__, STREAMS_PER_POST * post + k)
                   for k in range(STREAMS_PER_POST)]
        spells += _post_spells(post, role, streams, _post_funding(steps, post, horizon), days)
    post = posts
    for loan in role.borrowed:
        lo = max(0.0, float((loan.start - scenario.start_date).days))
        hi = min(horizon, float((loan.end - scenario.start_date).days))
        for wte in split_wte(loan.wte):
            if hi > lo:
                spells.append(Spell(post, wte, lo, hi))
            post += 1
    return RoleTimeline(name, tuple(spells))
