"""Forecast the waits of clients still on a list at the horizon, from their place in the queue.

Why
---
A Kaplan-Meier curve treats a client still waiting at the horizon as censored: it assumes they
would wait like the earlier joiners who were watched as long. When the list is growing (a staffing
cut, a surge) that is wrong in a known direction: late joiners face the longest waits and are the
ones censored earliest, so the curve's tail comes from early joiners, who waited less, and the
estimated waits are too short. Measured against the drain (the same clients, arrivals stopped at
the horizon, the run continued until the list is empty:
``hubsim.experiments.simulate.simulate_drain``), the Kaplan-Meier restricted mean understated the
true mean therapy wait of ``staffing-cut.toml`` by a fifth (160 against 200 days) and the surge's
triage wait by two fifths (101 against 175 days).

How
---
What a waiting-list manager would say: at the rate the list has been clearing, the ``k``-th client
in the queue starts in about ``k / rate`` days. For each client still waiting at the horizon:

- their place ``k`` (1 = next) is their rank in the order the list is served: join order for
  triage, brief support and fifo therapy; need tier (high first), then join order, for need
  priority; clients past the breach threshold first, for breach priority;
- ``rate`` is the number of clients who left the list (started, or left without starting) per day
  over the last ``THROUGHPUT_WINDOW_DAYS`` before the horizon: the list's recent throughput, as
  the NHS-R ``NHSRwaitinglist`` queueing metrics use removals per week as capacity;
- their forecast start is ``horizon + k / rate`` (the per-client column ``forecast_start_day``),
  and the curve (``hubsim.results.waits.wait_curve``) counts it as their start.

Against the drain the forecast's capped mean was within 5%, median within 16%, 90th percentile
within 10% and 52-week share within 5.2 points, and it ranked the options as the truth did.

Clients who left without starting stay censored at their leaving time, as in the plain curve.
When nobody left the list in the window (no throughput: a service that has stopped) there is
nothing to forecast from, and the still-waiting clients stay censored.

The forecast assumes the recent throughput goes on and that nobody joins ahead of today's waiters;
under need priority, new high-need joiners would overtake low-need waiters, so their forecast is
the shortest they could wait. Only numpy and pandas here: this runs in every worker process.
"""

from __future__ import annotations

import numpy as np

from hubsim.model.records import WAIT_LISTS
from hubsim.results.client_columns import ClientColumns, ClientTable
from hubsim.results.waits import LIST_DAYS, client_rows, list_rows
from hubsim.scenario import registry
from hubsim.scenario.schema import NEED_TIERS, Scenario

THROUGHPUT_WINDOW_DAYS = float(registry.constant("waits.throughput_window_days").value)


def recent_throughput_per_day(
    left_day: np.ndarray, horizon_days: float, window_days: float = THROUGHPUT_WINDOW_DAYS,
    window_start_day: float = 0.0,
) -> float:
    """Clients who left a list per day over the window before the horizon.

    Parameters
    ----------
    left_day : day each joiner left the list (started or left without starting); NaN if on it
    horizon_days : end of the run, days from the start date
    window_days : length of the window, days
    window_start_day : the window never starts before this day (e.g. the warm-up's end)
    """
    lo = max(horizon_days - window_days, window_start_day)
    span = horizon_days - lo
    if span <= 0:
        return 0.0
    left = left_day[~np.isnan(left_day)]
    return float(np.count_nonzero((left >= lo) & (left <= horizon_days))) / span


def _queue_order(clients: ClientColumns, kind: str, scenario: Scenario, horizon_days: float):
    """Sort keys (``np.lexsort`` rows, primary last) of the order list ``kind`` is served in.

    Triage and brief support: order of joining. Therapy: ``fifo`` by joining; ``need`` by need
    tier (high first), then joining; ``breach`` as ``need``, but clients past
    ``breach_after_days`` at the horizon first (as the model re-queues them ahead).
    """
    join = clients.floats(LIST_DAYS[kind][0])
    policy = scenario.therapy.priority if kind == "therapy" else "fifo"
    if policy == "fifo":
        return join
    tier, tiers = clients.labels("need_tier")  # each label's rank (NaN: missing), then each
    # client's
    rank = np.array([np.nan if t is None else len(NEED_TIERS) - 1 - NEED_TIERS.index(t)
                     for t in tiers], dtype=float)[tier]
    breached = np.zeros(len(join))
    if policy == "breach":
        breached = np.where(horizon_days - join > scenario.therapy.breach_after_days, 0.0, 1.0)
        rank = np.where(breached == 0.0, 0.0, rank)  # breached clients: in order of joining
    return np.vstack([join, rank, breached])


def forecast_start_day(clients: ClientTable, scenario: Scenario) -> np.ndarray:
    """Forecast start day of each client still on a list at the horizon; NaN for everyone else.

    The start is a first therapy or brief-support session, or the triage call: ``horizon +
    place / throughput`` for the client's list (see the module docstring). A client is on at
    most one list at a time, so one column holds all three lists' forecasts. ``clients``: a
    frame or ``ClientColumns``.
    """
    clients = ClientColumns.of(clients)
    horizon = scenario.horizon_days
    out = np.full(len(clients), np.nan)
    rows = client_rows(clients)
    for kind in WAIT_LISTS:
        joined, records = list_rows(rows, kind)
        left = np.full(len(clients), np.nan)
        left[joined] = records.left_day()
        waiting = joined & np.isnan(left)
        if not waiting.any():
            continue
        rate = recent_throughput_per_day(left, horizon)
        if rate <= 0:
            continue
        keys = _queue_order(clients, kind, scenario, horizon)
        places = np.flatnonzero(waiting)
        order = (np.lexsort(keys[:, places]) if keys.ndim == 2
                 else np.argsort(keys[places], kind="stable"))
        out[places[order]] = horizon + np.arange(1, places.size + 1) / rate
    return out
