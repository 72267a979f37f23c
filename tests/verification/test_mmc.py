"""Verification: the Hub therapy waiting list as an M/M/c queue, against Erlang C.

``scenarios/verification/mmc.toml`` configures Poisson arrivals, instant triage, everyone routed
to Hub therapy, one "session" whose slot-holding time is exponential (the session interval),
``c`` caseload slots (``caseload_per_wte = 1`` so slots = WTE), a continuous calendar and no DNA,
drop-out or abandonment. The mean wait for a slot must then be Erlang C's

    Wq = C(c, a) / (c * mu - lambda),   a = lambda / mu,   rho = a / c.

Tolerances (both must hold for each (rho, c) pair):

* statistical: |sim - theory| <= max(3 * SE, 0.02 days), SE the standard error of the mean of
  ``therapy_wait_days_mean`` across independent replications. Replications are independent, so
  their spread is an honest SE even though waits *within* a replication are strongly
  autocorrelated at high rho (which is why we do not use the within-run spread).
* relative: |sim - theory| / theory <= 10%. Guards against a tolerance that has grown with a noisy
  estimate. Replications are sized so the SE is ~2-3% of Wq (per-replication relative sd of the
  mean wait over 4,800 days is ~12% at rho = 0.5 and ~20% at rho = 0.9 with c = 5), so 10% is
  >= 3 SE and a correct model fails it with probability well under 1%. The warm-up (200 days, in
  the scenario) is far longer than the queue's relaxation time, so start-up bias is negligible.
  ``therapy_wait_days_mean`` is the Kaplan-Meier restricted mean over all joiners (capped at 364
  days, far beyond any wait here): the handful of ~10^5 clients still waiting at the horizon are
  censored rather than dropped; in a stable queue the estimate's tail beyond the last observed
  wait adds well under 0.1%.

Utilisation: ``therapist_utilisation`` (slot-days occupied / slot-days staffed) must be within 3%
(relative) of rho: its estimate has a relative sd of ~1% per replication.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import hubsim
from hubsim.scenario.schema import Scenario

MMC_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "verification" / "mmc.toml"
DAYS_PER_WEEK = 7.0
ABS_FLOOR_DAYS = 0.02
REL_TOLERANCE = 0.10
UTILISATION_REL_TOLERANCE = 0.03
SEED = 20240601


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a = lambda / mu < c``."""
    if not 0 <= a < c:
        raise ValueError("need 0 <= a < c")
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue (days) of M/M/c: C(c, a) / (c mu - lambda)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_scenario(rho: float, c: int, service_days: float, horizon: float | None) -> Scenario:
    """mmc.toml with arrival rate, slots and mean service time set for (rho, c)."""
    lam = rho * c / service_days  # per day
    overrides: dict[str, float] = {
        "arrivals.per_week": lam * DAYS_PER_WEEK,
        "staff.therapists.wte": c,
        "therapy.session_interval_days.mean": service_days,
    }
    if horizon is not None:
        overrides["horizon_days"] = horizon
    return hubsim.load_scenario(MMC_PATH, overrides)


# ------------------------------------------------------------------------------ the oracle


def test_erlang_c_matches_known_values():
    # M/M/1: P(wait) = rho and Wq = rho / (mu - lambda)
    for rho in (0.1, 0.5, 0.9):
        assert erlang_c(1, rho) == pytest.approx(rho)
        assert erlang_c_wait(rho, 1.0, 1) == pytest.approx(rho / (1 - rho))
    # M/M/2 with a = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3; Wq = (1/3) / (2 - 1)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    # textbook M/M/3, lambda = 2.55, mu = 1 (the scenario file's own example): Wq ~ 1.623 days
    assert erlang_c_wait(2.55, 1.0, 3) == pytest.approx(1.6231, abs=1e-4)
    # time scaling: doubling the service time doubles Wq at the same rho
    assert erlang_c_wait(0.75, 0.5, 2) == pytest.approx(2 * erlang_c_wait(1.5, 1.0, 2))


# ------------------------------------------------------------------------------ the scenario


def assert_is_mmc(scenario: Scenario, c: int) -> None:
    """``scenario`` is the queue the theory is about (checked before any long run, so a broken
    scenario file fails in a second, not after minutes of replications of a huge queue)."""
    assert scenario.calendar == "continuous"
    assert scenario.staff.therapists.slots == c
    assert scenario.therapy.dna_probability == 0
    assert scenario.therapy.dropout_per_session == 0
    assert scenario.therapy.patience_days is None
    assert scenario.therapy.priority == "fifo"
    assert scenario.therapy.session_interval_days.dist == "exponential"
    for tier in ("low", "moderate", "high"):
        assert getattr(scenario.routing, tier).hub_therapy == 1.0
        assert getattr(scenario.therapy.sessions, tier).mean_value == 1
    assert scenario.triage.contact_success == 1.0
    # capacity must not vary over time: no attrition, leave or sickness of the therapy staff in
    # post, nor of the triage clinician (an absent one would hold arrivals back and release them
    # in bursts, so arrivals to the list would no longer be Poisson)
    staff = scenario.staff
    therapy_roles = [staff.therapists, *([staff.psychologists] if hasattr(staff, "psychologists")
                                         else [])]
    assert sum(r.slots for r in therapy_roles) == c
    for role in [r for r in therapy_roles if r.wte > 0] + [staff.triage]:
        for dynamic in ("attrition_per_year", "annual_leave_days", "sickness_absence_pct"):
            assert getattr(role, dynamic, 0) == 0, f"staff {dynamic} must be 0 for M/M/c"
        assert not getattr(role, "changes", ()) and not getattr(role, "borrowed", ())
        assert getattr(role, "redeploy", None) is None


def test_mmc_scenario_is_an_mmc_queue():
    scenario = mmc_scenario(0.85, 3, 1.0, None)
    assert scenario.arrivals.per_week == pytest.approx(2.55 * DAYS_PER_WEEK)
    assert_is_mmc(scenario, 3)


# ------------------------------------------------------------------------------ the comparison

# (rho, c, mean service days, replications, horizon override or None for the file's 5,000 days)
PAIRS = [
    pytest.param(0.50, 1, 1.0, 16, None, id="rho0.50-c1"),
    # mean service 2 days (mu = 0.5): checks the time scale too; a longer horizon keeps the
    # number of clients per replication up
    pytest.param(0.75, 2, 2.0, 16, 10_000.0, id="rho0.75-c2-mu0.5"),
    pytest.param(0.85, 3, 1.0, 16, None, id="rho0.85-c3", marks=pytest.mark.slow),
    pytest.param(0.90, 5, 1.0, 24, None, id="rho0.90-c5", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("rho", "c", "service_days", "replications", "horizon"), PAIRS)
def test_mean_wait_and_utilisation_match_erlang_c(rho, c, service_days, replications, horizon):
    scenario = mmc_scenario(rho, c, service_days, horizon)
    assert_is_mmc(scenario, c)
    experiment = hubsim.run_experiment(
        scenario, replications=replications, seed=SEED, keep_records=False
    )
    waits = experiment.kpis["therapy_wait_days_mean"].to_numpy(dtype=float)
    utilisation = experiment.kpis["therapist_utilisation"].to_numpy(dtype=float)
    assert np.isfinite(waits).all() and waits.size == replications

    theory = erlang_c_wait(rho * c / service_days, 1.0 / service_days, c)
    sim = float(waits.mean())
    se = float(waits.std(ddof=1) / math.sqrt(waits.size))
    error = abs(sim - theory)
    report = (f"rho={rho} c={c}: sim Wq={sim:.4f} (SE {se:.4f}, {replications} reps) vs Erlang C "
              f"{theory:.4f}; error {error:.4f} = {error / theory:.1%}, {error / se:.2f} SE; "
              f"utilisation {utilisation.mean():.4f} vs rho {rho}")
    print(report)
    problems = []
    if error > max(3 * se, ABS_FLOOR_DAYS):
        problems.append("mean wait outside 3 SE of Erlang C")
    if error / theory > REL_TOLERANCE:
        problems.append(f"mean wait more than {REL_TOLERANCE:.0%} from Erlang C")
    if abs(utilisation.mean() - rho) > UTILISATION_REL_TOLERANCE * rho:
        problems.append(f"utilisation more than {UTILISATION_REL_TOLERANCE:.0%} from rho")
    assert not problems, f"{'; '.join(problems)}: {report}"
