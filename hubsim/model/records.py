"""Per-client records: filled in as the simulation runs, frozen into a DataFrame at the end."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from hubsim.model.need import DOMAINS
from hubsim.model.population import ClientDraws
from hubsim.scenario.schema import (
    ETHNICITIES,
    NEED_TIERS,
    PATHWAYS,
    RISK_FACTORS,
    SECTORS,
    Scenario,
)

EXIT_REASONS: tuple[str, ...] = (
    "open",  # still with the Hub at the end of the horizon (see ``stage``)
    "not_reached",  # every triage call attempt failed
    "completed",  # finished the course of sessions
    "dropped_out",  # stopped attending after a session
    "discharged_dna",  # missed too many sessions in a row
    "left_waitlist",  # gave up waiting for Hub therapy
    "referred_external",  # onward referral accepted; left Hub capacity
    "signposted",  # given self-help / signposting information
    "no_further_support",  # no further need after triage
    "screen_negative",  # below the screen threshold for a triage call (screen-and-treat)
    "service_closed",  # still waiting when the service closed, and discharged
    "course_ended_closure",  # in a course when the service closed, and discharged (the sessions
    # so far count; with service.on_close = "refer_external" the course is referred on instead)
)
WAIT_LISTS: tuple[str, ...] = ("triage", "therapy", "brief")
"""The lists a client can wait on: for a triage call, Hub therapy, brief support."""
STAGES: tuple[str, ...] = (
    "awaiting_triage", "navigation", "waiting_therapy", "in_therapy", "waiting_brief", "in_brief",
    "exited",
)
_DTYPE_CACHE_SIZE = 64  # distinct category sets kept (populations, destinations per scenario)


@functools.lru_cache(maxsize=_DTYPE_CACHE_SIZE)
def categorical_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    """The (immutable, shared) categorical dtype of ``categories``: building one validates the
    categories, which costs more than a whole column of codes."""
    return pd.CategoricalDtype(list(categories))


@functools.lru_cache(maxsize=_DTYPE_CACHE_SIZE)
def _text_labels(labels: tuple[str, ...]) -> pd.api.extensions.ExtensionArray:
    """``labels`` as the array a frame makes of strings (immutable, shared: only ever read by
    ``take``)."""
    return pd.Series(list(labels)).array


def text_column(labels: tuple[str, ...], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A text column holding ``labels[codes[i]]`` in row ``i``, of the dtype a frame infers for
    strings (pandas ``str``; ``object`` before pandas 3): taken from the labels, where
    converting an array of strings would look at every row's string."""
    return _text_labels(labels).take(np.asarray(codes, dtype=np.intp))


def repeated_text(text: str, n: int) -> pd.api.extensions.ExtensionArray:
    """A text column (as ``text_column``) holding ``text`` in each of ``n`` rows."""
    return text_column((text,), np.zeros(n, dtype=np.intp))


_SEXES = ("female", "male")
_UNTRIAGED_OFFSET = 1  # log.pathway is -1 until triaged: category 0 is "none"
_PATHWAY_DTYPE = categorical_dtype(("none", *PATHWAYS))
_EXIT_DTYPE = categorical_dtype(EXIT_REASONS)
_STAGE_DTYPE = categorical_dtype(STAGES)


_EXIT_CODE = {reason: code for code, reason in enumerate(EXIT_REASONS)}
_EXITED = STAGES.index("exited")


class ClientLog:
    """Mutable per-client state during one run (struct of arrays, indexed by client id).

    During the run each field is a Python list (setting and reading one element of a list costs
    a fraction of doing it on a numpy array); ``freeze`` turns them into numpy arrays, float for
    days (NaN where not reached) and int64 for counts and codes.
    """

    # each field: a list during the run, a numpy array after ``freeze``
    triage_day: Any
    waitlist_join_day: Any
    course_start_day: Any
    referral_day: Any
    exit_day: Any
    triage_attempts: Any
    sessions_attended: Any
    sessions_missed: Any
    pathway: Any
    exit_reason: Any
    stage: Any

    __slots__ = (
        "triage_day", "waitlist_join_day", "course_start_day", "referral_day", "exit_day",
        "triage_attempts", "sessions_attended", "sessions_missed",
        "pathway", "exit_reason", "stage",
    )

    def __init__(self, n: int) -> None:
        # days from the scenario start, NaN until the event happens
        self.triage_day = [math.nan] * n
        self.waitlist_join_day = [math.nan] * n
        self.course_start_day = [math.nan] * n
        self.referral_day = [math.nan] * n
        self.exit_day = [math.nan] * n
        # counts, from 0
        self.triage_attempts = [0] * n
        self.sessions_attended = [0] * n
        self.sessions_missed = [0] * n
        # codes into PATHWAYS, EXIT_REASONS, STAGES
        self.pathway = [-1] * n  # -1 until triaged
        self.exit_reason = [0] * n  # 0 = open
        self.stage = [0] * n

    def exit(self, client: int, reason: str, day: float) -> None:
        """Close a client's episode with ``reason`` at ``day``."""
        self.exit_reason[client] = _EXIT_CODE[reason]
        self.exit_day[client] = day
        self.stage[client] = _EXITED

    def freeze(self) -> None:
        """Turn the fields into numpy arrays (at the end of the run; again does nothing)."""
        for name in ("triage_day", "waitlist_join_day", "course_start_day", "referral_day",
                     "exit_day"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=float))
        for name in ("triage_attempts", "sessions_attended", "sessions_missed", "pathway",
                     "exit_reason", "stage"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))

    def columns(self, draws: ClientDraws, scenario: Scenario) -> dict[str, Any]:
        """The columns of ``to_frame``, in order: numpy arrays, ``pd.Categorical`` for labels
        and pandas string arrays for text, one entry per client each (freezes the log).

        What the KPIs read without building the frame (``hubsim.results.client_columns``).
        """
        self.freeze()
        return {
            **_profile_columns(draws, scenario),
            **self._triage_columns(draws),
            **self._course_columns(draws),
            **self._exit_columns(draws, scenario),
        }

    def to_frame(self, draws: ClientDraws, scenario: Scenario) -> pd.DataFrame:
        """One row per client, units in column names (days from the scenario start date).

        Built in one DataFrame constructor: inserting columns one at a time costs far more than
        the arrays themselves.
        """
        return pd.DataFrame(self.columns(draws, scenario))

    def _triage_columns(self, draws: ClientDraws) -> dict[str, object]:
        return {
            "triage_attempts": self.triage_attempts,
            "triage_day": self.triage_day,
            "triage_wait_days": self.triage_day - draws.arrival_day,
            "pathway": pd.Categorical.from_codes(self.pathway + _UNTRIAGED_OFFSET,
                                                 dtype=_PATHWAY_DTYPE),
        }

    def _course_columns(self, draws: ClientDraws) -> dict[str, object]:
        wait = self.course_start_day - self.waitlist_join_day
        therapy = self.pathway == PATHWAYS.index("hub_therapy")
        brief = self.pathway == PATHWAYS.index("brief_support")
        return {
            "waitlist_join_day": self.waitlist_join_day,
            "course_start_day": self.course_start_day,
            "therapy_wait_days": np.where(therapy, wait, np.nan),
            "brief_wait_days": np.where(~therapy, wait, np.nan),
            "sessions_planned": np.where(
                therapy, draws.therapy_sessions, np.where(brief, draws.brief_sessions, 0)
            ),
            "sessions_attended": self.sessions_attended,
            "sessions_missed": self.sessions_missed,
        }

    def _exit_columns(self, draws: ClientDraws, scenario: Scenario) -> dict[str, object]:
        referred = ~np.isnan(self.referral_day)
        signposted = self.exit_reason == EXIT_REASONS.index("signposted")
        destinations = categorical_dtype(("", *scenario.external.destinations))
        return {
            "referral_day": self.referral_day,
            # code 0 is "" (not referred on); destination i is category i + 1
            "external_destination": pd.Categorical.from_codes(
                np.where(referred, draws.destination + 1, 0), dtype=destinations
            ),
            "external_start_day": self.referral_day + draws.external_wait_days,
            "self_help_start_day": np.where(
                signposted & draws.self_help, self.exit_day + draws.self_help_days, np.nan
            ),
            "exit_reason": pd.Categorical.from_codes(self.exit_reason, dtype=_EXIT_DTYPE),
            "exit_day": self.exit_day,
            "stage_at_end": pd.Categorical.from_codes(self.stage, dtype=_STAGE_DTYPE),
            "followup_day": draws.followup_day,
        }


def _profile_columns(draws: ClientDraws, scenario: Scenario) -> dict[str, object]:
    """Who each client is (drawn before the run): identity, population, risk factors, need."""
    populations = categorical_dtype(("own", *scenario.profiles))
    return {
        "client_id": np.arange(draws.n),
        "hub": repeated_text(scenario.hub, draws.n),
        "arrival_day": draws.arrival_day,
        "population": pd.Categorical.from_codes(draws.profile, dtype=populations),
        "sector": pd.Categorical.from_codes(draws.sector, dtype=categorical_dtype(SECTORS)),
        "sex": text_column(_SEXES, np.where(draws.female, _SEXES.index("female"),
                                            _SEXES.index("male"))),
        "ethnicity": pd.Categorical.from_codes(draws.ethnicity,
                                               dtype=categorical_dtype(ETHNICITIES)),
        **{factor: draws.risk[:, i] for i, factor in enumerate(RISK_FACTORS)},
        **{domain: draws.need[:, i] for i, domain in enumerate(DOMAINS)},
        "domains_positive": draws.need.sum(axis=1),
        "need_tier": pd.Categorical.from_codes(draws.tier, dtype=categorical_dtype(NEED_TIERS)),
    }


def label_codes(column: pd.Series | pd.Categorical) -> tuple[np.ndarray, tuple[str | None, ...]]:
    """Codes and labels of a column of labels (``pathway``, ``exit_reason``, ...).

    Row ``i``'s label is ``labels[codes[i]]``: a categorical column gives its own codes and
    categories (no per-row work); any other column is factorised. A missing value has code -1
    and ``labels`` ends with None, so ``labels[-1]``, and a numpy lookup table built from
    ``labels`` and indexed by ``codes``, give it None: it matches no label.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        categorical = column.array if isinstance(column, pd.Series) else column
        codes, categories = categorical.codes, categorical.categories
    else:
        codes, categories = pd.factorize(column)
    return codes, (*categories, None)


def label_mask(
    codes: np.ndarray, names: tuple[str | None, ...], labels: tuple[str, ...]
) -> np.ndarray:
    """Boolean array: rows whose label (``names[codes[i]]``, see ``label_codes``) is one of
    ``labels``."""
    return np.array([name in labels for name in names])[codes]


def has_label(column: pd.Series, *labels: str) -> np.ndarray:
    """Boolean array: rows of ``column`` whose label is one of ``labels`` (compared by code)."""
    return label_mask(*label_codes(column), labels)
