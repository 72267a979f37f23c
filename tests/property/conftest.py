"""Hypothesis strategies shared by the property tests: small random *valid* scenarios.

The strategy is handed to tests through a session-scoped fixture (``scenario_layers``), drawn with
``st.data()``, so no test module has to import another (which depends on pytest's import mode).
A drawn value is a plain ``layers`` mapping for ``hubsim.scenario.loader.build(layers, overrides,
source)``: registry defaults < layers < overrides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import strategies as st

from hubsim.scenario.schema import NEED_TIERS, PATHWAYS, Scenario, Screening


def _dist_minutes() -> st.SearchStrategy[Any]:
    """Minutes of clinician time: a bare number (fixed) or a lognormal / exponential table."""
    return st.one_of(
        st.floats(0, 120),
        st.builds(
            lambda m, s: {"dist": "lognormal", "mean": m, "sd": s},
            st.floats(5, 120), st.floats(1, 40),
        ),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(5, 120)),
    )


def _dist_interval() -> st.SearchStrategy[Any]:
    """Days between sessions: fixed (ties happen), exponential or uniform."""
    return st.one_of(
        st.floats(0, 14),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.5, 14)),
        st.builds(
            lambda lo, width: {"dist": "uniform", "low": lo, "high": lo + width},
            st.floats(0, 7), st.floats(0, 7),
        ),
    )


def _dist_sessions() -> st.SearchStrategy[Any]:
    """Sessions per course: a bare integer, a Poisson or a lognormal table."""
    return st.one_of(
        st.integers(1, 12),
        st.builds(lambda m: {"dist": "poisson", "mean": m}, st.floats(0.5, 12)),
        st.builds(
            lambda m, s: {"dist": "lognormal", "mean": m, "sd": s},
            st.floats(1, 12), st.floats(0.5, 5),
        ),
    )


@st.composite
def routing_vector(draw: st.DrawFn) -> dict[str, float]:
    """Pathway probabilities: integer weights (zeros allowed) normalised to sum to 1.

    Dividing integer weights by their total keeps every value in [0, 1] and the float sum within
    1e-15 of 1, far inside the schema's 1e-6 tolerance.
    """
    weights = draw(
        st.lists(st.integers(0, 10), min_size=len(PATHWAYS), max_size=len(PATHWAYS))
        .filter(lambda w: sum(w) > 0)
    )
    total = sum(weights)
    return {p: w / total for p, w in zip(PATHWAYS, weights, strict=True)}


@st.composite
def caseload_staff(draw: st.DrawFn, max_wte: float) -> dict[str, float]:
    """WTE and caseload with ``round(wte * caseload_per_wte) >= 1`` (at least one slot)."""
    wte = draw(st.floats(0.2, max_wte))
    caseload = draw(st.floats(1, 6))
    caseload = max(caseload, 1.0 / wte)  # wte * caseload >= 1, so it rounds to >= 1 slot
    return {"wte": wte, "caseload_per_wte": caseload}


@st.composite
def scenario_layers(draw: st.DrawFn, min_per_week: float = 1.0) -> dict[str, Any]:
    """A small valid scenario as a layers mapping (horizon 30-150 days, a few clients)."""
    horizon = draw(st.one_of(st.integers(30, 150).map(float), st.floats(30, 150)))
    warmup = draw(st.one_of(st.just(0.0), st.floats(0, 0.9).map(lambda f: f * horizon)))
    therapy: dict[str, Any] = {
        "sessions": draw(st.one_of(
            _dist_sessions(),
            st.fixed_dictionaries({t: _dist_sessions() for t in NEED_TIERS}),
        )),
        "max_sessions": draw(st.integers(1, 30)),
        "session_interval_days": draw(_dist_interval()),
        "dna_probability": draw(st.floats(0, 0.5)),
        "max_consecutive_dna": draw(st.integers(1, 3)),
        "dropout_per_session": draw(st.floats(0, 0.3)),
        "priority": draw(st.sampled_from(["fifo", "need"])),
    }
    patience = draw(st.one_of(
        st.none(),
        st.floats(0, 60),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(1, 60)),
    ))
    if patience is not None:
        therapy["patience_days"] = patience
    start_date = draw(st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)))
    optional: dict[str, Any] = {}
    if "service" in Scenario.model_fields:  # the Hub may close, discharging or referring on
        closes = draw(st.one_of(st.none(), st.integers(1, int(horizon))))
        service: dict[str, Any] = {"on_close": draw(st.sampled_from(["discharge",
                                                                     "refer_external"]))}
        if closes is not None:
            service["closes"] = start_date + dt.timedelta(days=closes)
        optional["service"] = service
    screening: dict[str, Any] = {"correlation": draw(st.floats(0, 0.9))}
    if "onward_min_domains" in Screening.model_fields:  # screen-and-treat threshold
        screening["onward_min_domains"] = draw(st.integers(0, 2))
    return {
        **optional,
        "name": "property test scenario",
        "hub": "prop",
        "start_date": start_date,
        "horizon_days": horizon,
        "warmup_days": warmup,
        "calendar": draw(st.sampled_from(["weekdays", "continuous"])),
        # not 0: day boundaries (where the daily series is sampled) never meet a window opening
        "working_day_start_hour": draw(st.floats(6, 12)),
        "arrivals": {"per_week": draw(st.floats(min_per_week, 40))},
        "screening": screening,
        "triage": {
            "call_minutes": draw(_dist_minutes()),
            "admin_minutes": draw(_dist_minutes()),
            "failed_attempt_minutes": draw(_dist_minutes()),
            "contact_success": draw(st.floats(0, 1)),
            "retry_after_days": draw(st.floats(0, 5)),
            "max_attempts": draw(st.integers(1, 4)),
        },
        "routing": {tier: draw(routing_vector()) for tier in NEED_TIERS},
        "therapy": therapy,
        "brief_support": {
            "sessions": draw(_dist_sessions()),
            "session_interval_days": draw(_dist_interval()),
            "dna_probability": draw(st.floats(0, 0.5)),
            "dropout_per_session": draw(st.floats(0, 0.3)),
        },
        "staff": {
            "triage": {"wte": draw(st.floats(0.2, 4))},
            "therapists": draw(caseload_staff(3.0)),
            "brief": draw(caseload_staff(2.0)),
        },
    }


@pytest.fixture(scope="session")
def valid_layers() -> st.SearchStrategy[dict[str, Any]]:
    """Strategy of small valid scenarios (draw it with ``st.data()``)."""
    return scenario_layers()


@pytest.fixture(scope="session")
def busy_layers() -> st.SearchStrategy[dict[str, Any]]:
    """Strategy of small valid scenarios with at least 10 expected arrivals a week."""
    return scenario_layers(min_per_week=10.0)
