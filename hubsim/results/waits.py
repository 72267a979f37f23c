"""Waits of everyone who joined a waiting list: Kaplan-Meier curves and NHS-style list snapshots.

Why not the mean over clients who started
-----------------------------------------
A client still waiting at the end of the horizon has no wait yet, so a wait averaged over the
clients who *started* leaves out exactly the long waiters: a staffing cut can then *lower* the
reported median wait. NHS waiting-list statistics count everyone still waiting. Here each list's
waits are estimated over all its joiners with a Kaplan-Meier curve ``S(t)``, the share of joiners
still waiting ``t`` days after joining:

- the *event* is leaving the list by starting (the first session, or the triage call);
- a client still waiting at the horizon is *censored* at ``horizon - join``: we know only that their
  wait is longer than that;
- a client who left the list without starting (gave up waiting: ``left_waitlist``; discharged or
  referred on when the service closed: ``service_closed``, ``referred_external``; triage never
  reached them: ``not_reached``) is censored when they left.

Censoring leavers assumes leaving says nothing about how long they would have waited. In the model
a client's patience is drawn at arrival from their own stream, independent of the queue and the
staffing, and closure and unreached calls do not depend on a client's place in the queue, so the
censoring is non-informative. The curve then answers the planner's question: *how long would a
client who stays on the list wait?*

Known bias, and its remedy: when the list is growing, the late joiners (who face the longest
waits) are censored earliest, so a plain curve's tail is estimated from early joiners, who waited
less, and long waits are understated (by a fifth to two fifths in the drained runs of
``tests/verification/test_wait_truth.py``). So a client still waiting at the horizon is not
censored when the run gives a forecast of their start from their place in the queue and the
list's recent throughput (``forecast_day``; ``hubsim.results.wait_forecast``): that forecast counts
as their start. ``*_wait_days_mean_lower_bound`` (each still-waiting client counted at their wait so
far, each leaver at their time on the list) is a floor the headline mean never falls below.

From one curve per list come the restricted mean wait (``∫ S(t) dt`` from 0 to the 52-week cap),
the median and 90th percentile (NaN, "not reached", when the curve never falls that far), the share
waiting over 52 weeks, ``100 S(364)``, and for therapy the shares started within 6 and 18 weeks,
``100 (1 - S(42))`` and ``100 (1 - S(126))``: every therapy-wait percentage has one denominator, all
joiners.

The curve's tail: nothing is observed beyond the longest time any joiner was watched on the list
(``last_observed_days``). There the curve is taken to 0, Efron's convention, as it is anyway when
that last observation is a start: so the restricted mean integrates the observed curve up to the
cap or that time, whichever is sooner (a mean never longer than anyone was seen to wait), and a
share at a later time is 0, provided the run was long enough to have watched a joiner that long
(``follow_up_days``, from the earliest joiner to the horizon); otherwise that share is NaN, not
known. Holding the curve at its last value instead (the convention of scipy and lifelines) fails
where the longest observations are censored for a reason: clients triage never reached leave after
their last call attempt, later than anyone reached is called, and a held curve reported several per
cent of them "waiting over 52 weeks" for a call that never takes more than a fortnight. A quantile
the observed curve does not reach is NaN ("not reached").

Snapshots count the clients on a list at an instant, as the NHS referral-to-treatment statistics
report waiting lists: a client is on a list at time ``d`` if they joined at or before ``d`` and had
neither started nor left by ``d``.

Only numpy here: this module is imported by every worker process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubsim.model.records import WAIT_LISTS
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.scenario import registry

WEEKS_6_DAYS = float(registry.constant("waits.standard_6w_days").value)
WEEKS_18_DAYS = float(registry.constant("waits.standard_18w_days").value)
WEEKS_52_DAYS = float(registry.constant("waits.long_wait_days").value)
RTT_STANDARD_PCT = float(registry.constant("waits.rtt_standard_pct").value)
LONGEST_WAITER_QUANTILE = float(registry.constant("waits.longest_waiter_quantile").value)
LONGEST_WAIT_LISTS: tuple[str, ...] = ("triage", "therapy")
"""The lists with longest-waiter KPIs (``longest_wait_kpis``)."""
CAP_DAYS = WEEKS_52_DAYS
"""Cap of the restricted mean wait: the mean is ``∫ S(t) dt`` from 0 to this (52 weeks)."""
_SHARE_TOLERANCE = 1e-12  # a product of (1 - d/n) factors meant to equal 0.5 may be 0.5 + 1e-16
FORECAST_COLUMN = "forecast_start_day"
"""Per-client column: forecast start of a client still on a list at the horizon (NaN else)."""


@dataclass(frozen=True)
class WaitCurve:
    """A Kaplan-Meier curve of the waits of one list's joiners.

    Attributes
    ----------
    times_days : days after joining at which someone started, ascending, distinct
    still_waiting : share of joiners still waiting just after each of ``times_days`` (0-1)
    joiners : clients who joined the list
    last_observed_days : longest time any joiner was watched on the list (started, left or
        still waiting); NaN if no joiners
    follow_up_days : longest time a joiner could have been watched (the earliest joiner to the
        horizon; at least ``last_observed_days``); NaN if no joiners
    """

    times_days: np.ndarray
    still_waiting: np.ndarray
    joiners: int
    last_observed_days: float
    follow_up_days: float

    def share_waiting(self, days: float) -> float:
        """``S(days)``: share (0-1) of joiners still waiting ``days`` after joining.

        Beyond ``last_observed_days`` it is 0 (Efron) if the run could have watched a joiner that
        long or the curve has reached 0, else NaN (not known); NaN when there are no joiners.
        """
        if not self.joiners:
            return float("nan")
        index = np.searchsorted(self.times_days, days, side="right")
        share = float(self.still_waiting[index - 1]) if index else 1.0
        if days > self.last_observed_days and share > 0:
            return 0.0 if days <= self.follow_up_days else float("nan")
        return share

    def quantile_days(self, share_started: float) -> float:
        """Smallest wait by which ``share_started`` (0-1) of joiners had started; NaN ("not
        reached") if the curve never falls to ``1 - share_started``."""
        reached = np.flatnonzero(self.still_waiting <= 1.0 - share_started + _SHARE_TOLERANCE)
        return float(self.times_days[reached[0]]) if reached.size else float("nan")

    def restricted_mean_days(self, cap_days: float = CAP_DAYS) -> float:
        """Restricted mean wait, capped at ``cap_days``: ``∫ S(t) dt`` from 0 to ``cap_days``, or
        to ``last_observed_days`` if sooner (the curve is 0 beyond it); NaN if no joiners."""
        if not self.joiners:
            return float("nan")
        end = min(cap_days, self.last_observed_days)
        edges = np.concatenate(([0.0], np.minimum(self.times_days, end), [end]))
        heights = np.concatenate(([1.0], self.still_waiting))
        return float(np.sum(heights * np.diff(edges)))


def kaplan_meier(
    durations_days: np.ndarray, started: np.ndarray, follow_up_days: float | None = None
) -> WaitCurve:
    """Kaplan-Meier curve of waits, right-censored.

    Parameters
    ----------
    durations_days : time on the list of each joiner, days (>= 0): the wait if they started,
        else the time until they were censored
    started : True where the joiner started (an event), False where censored
    follow_up_days : longest time a joiner could have been watched, e.g. from the earliest
        joiner to the horizon (default, and at least: the longest of ``durations_days``)

    Returns
    -------
    WaitCurve. Ties: clients censored at a time are still at risk at it (events first).
    """
    durations = np.asarray(durations_days, dtype=float)
    events = np.asarray(started, dtype=bool)
    if durations.shape != events.shape:
        raise ValueError("durations_days and started must have the same length")
    if not durations.size:
        return WaitCurve(np.empty(0), np.empty(0), 0, float("nan"), float("nan"))
    if not np.isfinite(durations).all() or (durations < 0).any():
        raise ValueError("durations_days must be finite and >= 0")
    times, index = np.unique(durations, return_inverse=True)
    starts = np.bincount(index, weights=events, minlength=times.size)
    leaving = np.bincount(index, minlength=times.size)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    keep = starts > 0
    still_waiting = np.cumprod(1.0 - starts[keep] / at_risk[keep])
    last = float(durations.max())
    follow_up = last if follow_up_days is None else max(float(follow_up_days), last)
    return WaitCurve(times[keep], still_waiting, int(durations.size), last, follow_up)


@dataclass(frozen=True)
class ListRecords:
    """Joiners of one waiting list, as arrays (days from the scenario start date).

    Attributes
    ----------
    join_day : when each joiner joined the list
    start_day : when they started (NaN if not)
    exit_day : when they left the Hub (NaN if still with it); used when they did not start
    forecast_day : forecast start of each joiner still on the list at the horizon (NaN for the
        others; see ``hubsim.results.wait_forecast``); None: no forecast
    """

    join_day: np.ndarray
    start_day: np.ndarray
    exit_day: np.ndarray
    forecast_day: np.ndarray | None = None

    def left_day(self) -> np.ndarray:
        """When each joiner left the list: started, or exited without starting (NaN: on it)."""
        return np.where(np.isnan(self.start_day), self.exit_day, self.start_day)


LIST_DAYS: dict[str, tuple[str, str]] = {
    "triage": ("arrival_day", "triage_day"),
    "therapy": ("waitlist_join_day", "course_start_day"),
    "brief": ("waitlist_join_day", "course_start_day"),
}
"""Per list, the record columns of the day a client joined it and the day they started."""
_PATHWAY_OF_LIST = {"therapy": "hub_therapy", "brief": "brief_support"}


def list_rows(rows: Mapping[str, np.ndarray], kind: str) -> tuple[np.ndarray, ListRecords]:
    """(which rows joined list ``kind``, their ``ListRecords``), from per-client arrays.

    ``rows`` holds the day columns of ``LIST_DAYS``, ``exit_day``, a flag per client for
    ``screen_negative`` and for each pathway list (``therapy``, ``brief``: on that pathway), and
    optionally ``FORECAST_COLUMN``. Triage joiners are the screen-positive clients; therapy and
    brief-support joiners the clients on that pathway who joined its waiting list.
    """
    if kind == "triage":
        joined = ~rows["screen_negative"]
    elif kind in _PATHWAY_OF_LIST:
        joined = rows[kind] & ~np.isnan(rows["waitlist_join_day"])
    else:
        raise ValueError(f"unknown waiting list {kind!r}; expected one of {WAIT_LISTS}")
    join, start = LIST_DAYS[kind]
    forecast = rows.get(FORECAST_COLUMN)
    return joined, ListRecords(rows[join][joined], rows[start][joined], rows["exit_day"][joined],
                               None if forecast is None else forecast[joined])


def client_rows(clients: ClientTable) -> dict[str, np.ndarray]:
    """The per-client arrays ``list_rows`` reads, from a clients frame (or ``ClientColumns``)."""
    columns = ClientColumns.of(clients)
    days = {name for pair in LIST_DAYS.values() for name in pair} | {"exit_day"}
    rows = {name: columns.floats(name) for name in days}
    rows["screen_negative"] = columns.has_label("exit_reason", "screen_negative")
    for kind, pathway in _PATHWAY_OF_LIST.items():
        rows[kind] = columns.has_label("pathway", pathway)
    if FORECAST_COLUMN in columns:
        rows[FORECAST_COLUMN] = columns.floats(FORECAST_COLUMN)
    return rows


def joined_list(clients: pd.DataFrame, kind: str) -> np.ndarray:
    """Which ``clients`` joined list ``kind`` (one of ``WAIT_LISTS``; see ``list_rows``)."""
    return list_rows(client_rows(clients), kind)[0]


def list_records(clients: pd.DataFrame, kind: str) -> ListRecords:
    """The joiners of list ``kind`` among ``clients`` (see ``list_rows``). Triage joiners join
    on arrival and start at the triage call; therapy and brief-support joiners join the waiting
    list and start at the first session."""
    return list_rows(client_rows(clients), kind)[1]


def time_on_list(records: ListRecords, horizon_days: float | np.ndarray) -> np.ndarray:
    """Days each joiner spent on the list: until they started or left, else until the horizon
    (``horizon_days`` a number or one per joiner)."""
    left = records.left_day()
    return np.where(np.isnan(left), horizon_days, left) - records.join_day


def wait_curve(
    records: ListRecords, horizon_days: float | np.ndarray, on_list: np.ndarray | None = None
) -> WaitCurve:
    """The curve of a list's joiners, followed up to ``horizon_days``: Kaplan-Meier over the
    observed waits, each still-waiting joiner with a forecast start counted at it (see
    ``hubsim.results.wait_forecast``), and those without one censored at the horizon.
    ``on_list``: ``time_on_list(records, horizon_days)`` if already at hand."""
    durations = time_on_list(records, horizon_days) if on_list is None else on_list
    started = ~np.isnan(records.start_day)
    watched = np.asarray(horizon_days, dtype=float) - records.join_day
    follow_up = float(watched.max()) if watched.size else None
    if records.forecast_day is not None:
        forecast = ~started & ~np.isnan(records.forecast_day)
        durations = np.where(forecast, records.forecast_day - records.join_day, durations)
        started = started | forecast
        if forecast.any():
            follow_up = max(follow_up or 0.0, float(durations[forecast].max()))
    return kaplan_meier(durations, started, follow_up)


def _started_mean(waits: np.ndarray) -> float:
    return float(waits.mean()) if waits.size else float("nan")


_STARTED_PERCENTILES = (50.0, 90.0)  # the median and 90th percentile of started waits


def _started_percentiles(waits: np.ndarray) -> tuple[float, float]:
    """(median, 90th percentile) of ``waits``, NaN if none: one ``np.percentile`` call, whose
    value at each percentile is the same as a call for it alone."""
    if not waits.size:
        return float("nan"), float("nan")
    median, p90 = np.percentile(waits, _STARTED_PERCENTILES).tolist()
    return median, p90


def wait_kpis(
    kind: str, records: ListRecords, horizon_days: float | np.ndarray
) -> dict[str, float]:
    """Wait KPIs of one list (``kind`` in ``WAIT_LISTS``): censoring-aware headline figures, the
    lower bound and the started-only figures.

    Returns
    -------
    ``{kind}_wait_days_mean`` (restricted mean, capped at 364 days), ``_median``, ``_p90``,
    ``{kind}_waited_over_52w_pct``, ``{kind}_wait_days_mean_lower_bound`` (also capped at 364
    days), ``{kind}_wait_days_mean_started``, ``_median_started``, ``_p90_started`` (started
    only); for therapy also ``therapy_started_within_6w_pct`` and ``_18w_pct``.
    """
    on_list = time_on_list(records, horizon_days)
    curve = wait_curve(records, horizon_days, on_list)
    started = ~np.isnan(records.start_day)
    waits = (records.start_day - records.join_day)[started]
    median_started, p90_started = _started_percentiles(waits)
    kpis = {
        f"{kind}_wait_days_mean": curve.restricted_mean_days(CAP_DAYS),
        f"{kind}_wait_days_median": curve.quantile_days(0.5),
        f"{kind}_wait_days_p90": curve.quantile_days(0.9),
        f"{kind}_waited_over_52w_pct": 100.0 * curve.share_waiting(WEEKS_52_DAYS),
        f"{kind}_wait_days_mean_lower_bound": (
            float(np.minimum(on_list, CAP_DAYS).mean()) if on_list.size else float("nan")),
        f"{kind}_wait_days_mean_started": _started_mean(waits),
        f"{kind}_wait_days_median_started": median_started,
        f"{kind}_wait_days_p90_started": p90_started,
    }
    if kind in LONGEST_WAIT_LISTS:
        kpis.update(longest_wait_kpis(kind, curve, on_list))
    if kind == "therapy":
        kpis["therapy_started_within_6w_pct"] = 100.0 * (1.0 - curve.share_waiting(WEEKS_6_DAYS))
        kpis["therapy_started_within_18w_pct"] = 100.0 * (
            1.0 - curve.share_waiting(WEEKS_18_DAYS))
    return kpis


def longest_wait_kpis(kind: str, curve: WaitCurve, on_list: np.ndarray) -> dict[str, float]:
    """The longest waiters of list ``kind``: who waits longest, and how many wait long.

    Parameters
    ----------
    kind : the list (one of ``LONGEST_WAIT_LISTS``)
    curve : its joiners' wait curve (``wait_curve``)
    on_list : days each joiner spent on the list (``time_on_list``): until they started, left,
        or the horizon

    Returns
    -------
    ``{kind}_wait_days_p95`` (95th percentile of waits over all joiners, from ``curve``; NaN:
    not reached), ``{kind}_longest_wait_days`` (the longest time any joiner spent on the list,
    days; 0 with no joiners) and ``{kind}_waited_over_18w`` / ``_52w`` (joiners who spent more
    than 18 / 52 weeks on it, observed: started late, left, or still waiting at the horizon).
    """
    return {
        f"{kind}_wait_days_p95": curve.quantile_days(LONGEST_WAITER_QUANTILE),
        f"{kind}_longest_wait_days": float(on_list.max()) if on_list.size else 0.0,
        f"{kind}_waited_over_18w": float(np.count_nonzero(on_list > WEEKS_18_DAYS)),
        f"{kind}_waited_over_52w": float(np.count_nonzero(on_list > WEEKS_52_DAYS)),
    }


def wait_curves(
    clients: pd.DataFrame, kind: str, windows: Mapping[str, tuple[float, float]]
) -> list[WaitCurve]:
    """One Kaplan-Meier curve of list ``kind`` per replication, all Hubs pooled, as the KPIs
    count them: clients who arrived in their Hub's KPI window, each followed to its horizon.

    Parameters
    ----------
    clients : per-client records (a ``replication`` column, else one replication)
    kind : one of ``WAIT_LISTS``
    windows : Hub id -> (warm-up days, horizon days)
    """
    hub = clients["hub"].astype(str).to_numpy()
    warmup = np.array([windows[h][0] for h in hub], dtype=float)
    horizon = np.array([windows[h][1] for h in hub], dtype=float)
    arrival = clients["arrival_day"].to_numpy(float)
    counted = (arrival >= warmup) | (warmup <= 0)  # no warm-up: a starting state's clients too
    clients = clients[counted].assign(_horizon_days=horizon[counted])
    groups = clients.groupby("replication", sort=True) if "replication" in clients else [
        (0, clients)]
    return [wait_curve(list_records(frame, kind),
                       frame["_horizon_days"].to_numpy(float)[joined_list(frame, kind)])
            for _, frame in groups]
