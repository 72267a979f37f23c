"""Expected EQ-5D of each client on their follow-up day, from the logic model (no randomness).

The logic model (:mod:`hubsim.results.outcomes`) gives every client a utility at screening
``u0`` (by need tier), a treatment that acts once at ``effect_day`` with probability ``p``, and
weekly remission and deterioration hazards. Its expected utility ``t`` years after screening is

    ``u(t) = u0 + g - f(t) [(g + l) e^(-r t) - l e^(-(r + d) t)]``

with ``f(t) = 1`` before the treatment acts at ``T`` and ``1 - p e^(-w (t - T))`` after (``w``
the benefit's decay hazard, as in the QALYs) (``g`` gain, ``l`` loss, both
capped as in :func:`hubsim.results.outcomes.client_outcome_arrays`). The evaluation measured
EQ-5D in its follow-up survey 5-8 months after screening, so this is the simulated counterpart
of its 0.755.

:func:`screening_utility_shift` inverts the relation: the shift to add to every tier's utility at
screening so that the respondents' mean follow-up utility equals a published value. ``u(t)`` is
linear in ``u0`` except where the caps bind, so a few fixed-point steps converge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.results.outcomes import client_outcome_arrays, hazard_per_year
from hubsim.scenario.economics import MIN_EQ5D
from hubsim.scenario.schema import Scenario
from hubsim.scenario.units import DAYS_PER_YEAR, WEEKS_PER_YEAR

SHIFT_STEPS = 20
"""Fixed-point steps of :func:`screening_utility_shift` (each is exact while no cap binds)."""
SHIFT_TOLERANCE = 1e-6
"""EQ-5D units: stop once the mean follow-up utility is this close to the wanted value."""


def utility_at_followup(
    respondents: pd.DataFrame, scenario: Scenario, shift: float = 0.0
) -> pd.Series:
    """Expected EQ-5D index of each row of ``respondents`` on its ``followup_day``.

    Parameters
    ----------
    respondents : per-client records of one Hub (columns of ``clients.csv``).
    scenario : the Hub's scenario (its ``outcomes`` section).
    shift : EQ-5D units added to every tier's utility at screening (for calibration).
    """
    arrays = client_outcome_arrays(respondents, scenario)
    effects = scenario.outcomes.effects
    arrival = respondents["arrival_day"].to_numpy(float)
    t = (respondents["followup_day"].to_numpy(float) - arrival) / DAYS_PER_YEAR
    effect_years = (arrays["effect_day"] - arrival) / DAYS_PER_YEAR
    acted = ~np.isnan(effect_years) & (effect_years <= t)
    decay = scenario.outcomes.benefit_decay_per_year  # as in the QALYs: the benefit wears off
    held = arrays["probability"] * np.exp(-decay * np.where(acted, t - effect_years, 0.0))
    f = np.where(acted, 1.0 - held, 1.0)
    u0 = arrays["baseline_utility"] + shift
    gain = np.minimum(effects.utility_gain, 1.0 - u0)
    loss = np.minimum(effects.utility_loss, u0 - MIN_EQ5D)
    r = hazard_per_year(effects.remission_per_week, WEEKS_PER_YEAR)
    d = hazard_per_year(effects.deterioration_per_week, WEEKS_PER_YEAR)
    utility = u0 + gain - f * ((gain + loss) * np.exp(-r * t) - loss * np.exp(-(r + d) * t))
    return pd.Series(utility, index=respondents.index, name="followup_eq5d")


def screening_utility_shift(
    respondents: list[tuple[pd.DataFrame, Scenario]], wanted: float
) -> float:
    """The shift (EQ-5D units) to add to every tier's utility at screening so that the mean
    follow-up utility of all ``respondents`` (pairs of one Hub's records and its scenario) is
    ``wanted``."""
    shift = 0.0
    count = sum(len(frame) for frame, _ in respondents)
    if count == 0:
        raise ValueError("no follow-up respondents to calibrate on")
    for _ in range(SHIFT_STEPS):
        mean = sum(float(utility_at_followup(frame, hub, shift).sum())
                   for frame, hub in respondents) / count
        if abs(mean - wanted) < SHIFT_TOLERANCE:
            break
        shift += wanted - mean
    return shift


__all__ = ["screening_utility_shift", "utility_at_followup"]
