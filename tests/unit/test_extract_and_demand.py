"""The Hub extract format, the demand regression and its per-replication draws."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hubsim.experiments.demand_fit import fit_demand
from hubsim.model.demand import coefficients_for, design, monthly_segments
from hubsim.model.records import EXIT_REASONS
from hubsim.model.rng import Streams
from hubsim.scenario.extract import (
    DISCHARGE_REASONS,
    EXTRACT_COLUMNS,
    ExtractError,
    latest_date,
    parse_extract,
)
from hubsim.scenario.state import Demand

HEADER = ",".join(EXTRACT_COLUMNS) + "\n"
AS_OF = dt.date(2022, 4, 1)


def test_discharge_reasons_are_the_model_exit_reasons():
    assert DISCHARGE_REASONS == tuple(r for r in EXIT_REASONS if r != "open")


def test_a_good_extract_reads_with_blanks_as_not_yet():
    text = HEADER + (
        "A,2021-01-05,high,2021-01-07,hub_therapy,2021-01-07,2021-02-01,3,1,,\n"
        "B,2021-01-06,,,,,,,,,\n"
        "C,2021-01-06,low,2021-01-08,signpost,,,0,0,2021-01-08,signposted\n")
    extract = parse_extract(text, AS_OF, "e.csv")
    rows = extract.rows
    assert "reference" not in rows  # references never leave the reader
    assert list(rows["sessions_attended"]) == [3, 0, 0]
    assert rows.loc[1, "triage_date"] is None and rows["pathway"].isna()[1]
    assert latest_date(extract) == dt.date(2021, 2, 1)


def test_a_discharged_client_on_a_list_needs_a_pathway_that_has_one():
    text = HEADER + "A,2021-01-05,,2021-01-07,signpost,2021-01-07,,0,0,,\n"
    with pytest.raises(ExtractError, match="row 2, column pathway"):
        parse_extract(text, AS_OF, "e.csv")


def _counts(beta: np.ndarray, months: int, seasonal: bool, rng) -> list[dt.date]:
    """Screen dates of a Poisson process with monthly means exp(x beta)."""
    origin = dt.date(2020, 1, 1)
    x = design(np.arange(months), origin, seasonal)
    dates = []
    for m, mu in enumerate(np.exp(x @ beta)):
        first = np.datetime64("2020-01", "M") + m
        days = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
        for _ in range(rng.poisson(mu)):
            dates.append((first.astype("datetime64[D]")
                          + rng.integers(0, days)).astype(dt.date))
    return dates


def test_the_regression_recovers_trend_and_seasons_within_three_standard_errors():
    rng = np.random.default_rng(1)
    beta = np.array([np.log(60), 0.01, *0.3 * np.sin(np.arange(1, 12))])
    fit = fit_demand(_counts(beta, 48, True, rng), dt.date(2023, 12, 31))
    assert fit.seasonal and fit.months == 48
    z = (np.asarray(fit.demand.coefficients) - beta) / np.asarray(fit.standard_errors)
    assert np.all(np.abs(z) < 3.5), z  # 13 estimates: P(any |z| > 3.5) is about 0.6%


def test_short_histories_fit_a_trend_only():
    rng = np.random.default_rng(2)
    fit = fit_demand(_counts(np.array([np.log(50), 0.0]), 12, False, rng), dt.date(2020, 12, 31))
    assert not fit.seasonal and len(fit.demand.coefficients) == 2


def test_each_replication_draws_its_own_demand_path():
    demand = Demand(origin=dt.date(2022, 1, 1), coefficients=(np.log(50), 0.0),
                    covariance=((0.01, 0.0), (0.0, 1e-6)))
    draws = [coefficients_for(demand, Streams(0, r)) for r in range(200)]
    assert len({tuple(d) for d in draws}) == 200
    assert np.allclose(coefficients_for(demand, Streams(0, 7)), draws[7])  # same seed, same draw
    # the draws spread as the covariance says (sd of the intercept 0.1, within 15%)
    assert 0.085 < np.std([d[0] for d in draws]) < 0.115
    fixed = demand.model_copy(update={"uncertainty": False})
    assert np.array_equal(coefficients_for(fixed, Streams(0, 3)), [np.log(50), 0.0])


def test_monthly_segments_give_each_month_its_expected_count():
    demand = Demand(origin=dt.date(2022, 1, 1), coefficients=(np.log(62.0), 0.0),
                    covariance=((0.0, 0.0), (0.0, 0.0)))
    starts, rates = monthly_segments(demand, dt.date(2022, 1, 15), 60.0,
                                     np.asarray(demand.coefficients))
    assert list(starts) == [0.0, 17.0, 45.0]  # 15 Jan, 1 Feb, 1 Mar
    assert rates[0] == pytest.approx(62.0 / 31) and rates[1] == pytest.approx(62.0 / 28)


def test_the_state_takes_blank_tiers_and_pathways_as_not_recorded():
    from hubsim.experiments.extract_fit import state_table
    from hubsim.scenario.state import State

    text = HEADER + (
        "A,2022-03-01,,,,,,,,,\n"
        "B,2022-02-01,,2022-02-03,hub_therapy,2022-02-03,,,,,\n"
        "C,2022-01-01,high,2022-01-02,hub_therapy,2022-01-02,2022-02-01,3,1,,\n")
    state, navigation = state_table(parse_extract(text, AS_OF, "e.csv").rows, AS_OF)
    parsed = State.model_validate(state)
    assert [c.stage for c in parsed.clients] == ["awaiting_triage", "waiting_therapy",
                                                 "in_therapy"]
    assert parsed.clients[0].tier is None and parsed.clients[2].tier == "high"
    assert parsed.clients[2].attended == 3 and navigation == 0
