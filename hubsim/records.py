"""Per-client records: filled in as the simulation runs, frozen into a DataFrame at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.need import DOMAINS
from hubsim.population import ClientDraws
from hubsim.scenario import ETHNICITIES, NEED_TIERS, PATHWAYS, RISK_FACTORS, SECTORS, Scenario

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
)
STAGES: tuple[str, ...] = (
    "awaiting_triage", "navigation", "waiting_therapy", "in_therapy", "waiting_brief", "in_brief",
    "exited",
)
_TIME_FIELDS = (
    "triage_day", "waitlist_join_day", "course_start_day", "referral_day",
    "exit_day",
)
_COUNT_FIELDS = ("triage_attempts", "sessions_attended", "sessions_missed")


class ClientLog:
    """Mutable per-client state during one run (struct of arrays, indexed by client id)."""

    def __init__(self, n: int) -> None:
        for name in _TIME_FIELDS:
            setattr(self, name, np.full(n, np.nan))
        for name in _COUNT_FIELDS:
            setattr(self, name, np.zeros(n, dtype=np.int64))
        self.pathway = np.full(n, -1, dtype=np.int64)  # -1 until triaged
        self.exit_reason = np.zeros(n, dtype=np.int64)  # 0 = open
        self.stage = np.zeros(n, dtype=np.int64)

    def exit(self, client: int, reason: str, day: float) -> None:
        """Close a client's episode with ``reason`` at ``day``."""
        self.exit_reason[client] = EXIT_REASONS.index(reason)
        self.exit_day[client] = day
        self.stage[client] = STAGES.index("exited")

    def to_frame(self, draws: ClientDraws, scenario: Scenario) -> pd.DataFrame:
        """One row per client, units in column names (days from the scenario start date)."""
        hub, destinations = scenario.hub, tuple(scenario.external.destinations)
        populations = ("own", *scenario.profiles)
        pathway_names = np.array(["none", *PATHWAYS])
        frame = pd.DataFrame({"client_id": np.arange(draws.n), "hub": hub,
                              "arrival_day": draws.arrival_day})
        frame["population"] = pd.Categorical.from_codes(draws.profile, populations)
        frame["sector"] = pd.Categorical.from_codes(draws.sector, SECTORS)
        frame["sex"] = np.where(draws.female, "female", "male")
        frame["ethnicity"] = pd.Categorical.from_codes(draws.ethnicity, ETHNICITIES)
        for i, factor in enumerate(RISK_FACTORS):
            frame[factor] = draws.risk[:, i]
        for i, domain in enumerate(DOMAINS):
            frame[domain] = draws.need[:, i]
        frame["domains_positive"] = draws.need.sum(axis=1)
        frame["need_tier"] = pd.Categorical.from_codes(draws.tier, NEED_TIERS)
        frame["triage_attempts"] = self.triage_attempts
        frame["triage_day"] = self.triage_day
        frame["triage_wait_days"] = self.triage_day - draws.arrival_day
        frame["pathway"] = pd.Categorical(pathway_names[self.pathway + 1],
                                          categories=pathway_names)
        frame["waitlist_join_day"] = self.waitlist_join_day
        frame["course_start_day"] = self.course_start_day
        wait = self.course_start_day - self.waitlist_join_day
        therapy = self.pathway == PATHWAYS.index("hub_therapy")
        frame["therapy_wait_days"] = np.where(therapy, wait, np.nan)
        frame["brief_wait_days"] = np.where(~therapy, wait, np.nan)
        frame["sessions_planned"] = np.where(
            therapy, draws.therapy_sessions,
            np.where(self.pathway == PATHWAYS.index("brief_support"), draws.brief_sessions, 0),
        )
        frame["sessions_attended"] = self.sessions_attended
        frame["sessions_missed"] = self.sessions_missed
        frame["referral_day"] = self.referral_day
        referred = ~np.isnan(self.referral_day)
        frame["external_destination"] = pd.Categorical(
            np.where(referred, np.asarray(destinations)[draws.destination], ""),
            categories=["", *destinations],
        )
        frame["external_start_day"] = self.referral_day + draws.external_wait_days
        signposted = self.exit_reason == EXIT_REASONS.index("signposted")
        frame["self_help_start_day"] = np.where(
            signposted & draws.self_help, self.exit_day + draws.self_help_days, np.nan
        )
        frame["exit_reason"] = pd.Categorical.from_codes(self.exit_reason, EXIT_REASONS)
        frame["exit_day"] = self.exit_day
        frame["stage_at_end"] = pd.Categorical.from_codes(self.stage, STAGES)
        frame["followup_day"] = draws.followup_day
        return frame
