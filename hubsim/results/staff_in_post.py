"""Staff funded, in post and at work, by role and day, re-drawn from a run's metadata.

Each role's posts, post-holders, leave and sickness are drawn before a run from the role's own
named stream (``HUB/staff.ROLE`` of the replication; see ``hubsim.model.staff_timeline``), so
they can be drawn again, exactly, from the resolved scenario, the seed and the replication
numbers a results folder records. Nothing else in the run shifts them. Redeployment (therapists'
time lent to triage) is decided during the run and is not included: "at work" is in post and not
on leave or off sick.

Units: WTE (whole-time equivalents); dates are calendar days from the scenario's start date, each
read at the end of the day as in the timeseries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubsim.model.rng import Streams
from hubsim.model.staff_timeline import RoleTimeline, funded_steps, role_timeline
from hubsim.results.run_facts import scenario_object
from hubsim.scenario.schema import MultiHubScenario, Scenario

COLUMNS = ("replication", "hub", "role", "date", "funded_wte", "in_post_wte", "at_work_wte")
END_OF_DAY = 1.0  # days: a day's state is read at the next midnight, as the timeseries reads it


def _steps_at(days: np.ndarray, levels: np.ndarray, times: np.ndarray) -> np.ndarray:
    """A step function (level from each of ``days``) evaluated at ``times``."""
    index = np.searchsorted(days, times, side="right") - 1
    return np.where(index >= 0, levels[np.clip(index, 0, None)], 0.0)


def _in_post(timeline: RoleTimeline, times: np.ndarray) -> np.ndarray:
    wte = np.zeros(len(times))
    for spell in timeline.spells:
        wte += spell.wte * ((times >= spell.start) & (times < spell.end))
    return wte


def _funded(hub: Scenario, name: str, times: np.ndarray) -> np.ndarray:
    role = getattr(hub.staff, name)
    steps = funded_steps(role, hub)
    wte = _steps_at(np.array([d for d, _ in steps]), np.array([w for _, w in steps]), times)
    for loan in role.borrowed:
        lo = float((loan.start - hub.start_date).days)
        hi = float((loan.end - hub.start_date).days)
        wte = wte + loan.wte * ((times >= lo) & (times < hi))
    return wte


def hub_staff(hub: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """One Hub's staff by role and day for one replication (columns ``COLUMNS``)."""
    days = np.arange(int(np.ceil(hub.horizon_days)))
    times = np.minimum(days + END_OF_DAY, hub.horizon_days - 1e-9)
    dates = pd.to_datetime(hub.start_date) + pd.to_timedelta(days, unit="D")
    streams = Streams(seed, replication, prefix=f"{hub.hub}/")
    frames = []
    for name, role in hub.staff.roles().items():
        timeline = role_timeline(name, role, hub, streams[f"staff.{name}"])
        change_days, levels = timeline.available_steps(hub.horizon_days)
        frames.append(pd.DataFrame({
            "replication": replication, "hub": hub.hub, "role": name, "date": dates,
            "funded_wte": _funded(hub, name, times),
            "in_post_wte": _in_post(timeline, times),
            "at_work_wte": _steps_at(change_days, levels, times),
        }))
    return pd.concat(frames, ignore_index=True)


def staff_over_time(
    scenario: Scenario | MultiHubScenario, seed: int, replications: Iterable[int]
) -> pd.DataFrame:
    """Staff funded, in post and at work by Hub, role, replication and day (``COLUMNS``)."""
    hubs = scenario.hubs if isinstance(scenario, MultiHubScenario) else (scenario,)
    frames = [hub_staff(hub, seed, rep) for rep in replications for hub in hubs]
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)


def staff_from_metadata(
    meta: Mapping[str, Any], replications: Iterable[int] | None = None
) -> pd.DataFrame | None:
    """``staff_over_time`` for the run a results folder records: its resolved scenario, seed and
    replications (``replications`` overrides which). None when the metadata lacks the scenario
    or seed, or the scenario no longer validates."""
    scenario = scenario_object(meta)
    seed = meta.get("seed")
    if scenario is None or seed is None:
        return None
    reps = list(replications) if replications is not None else list(
        range(int(meta.get("replications", 0))))
    return staff_over_time(scenario, int(seed), reps)


__all__ = ["COLUMNS", "hub_staff", "staff_from_metadata", "staff_over_time"]
