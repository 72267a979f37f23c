"""What each column of a results folder's tables means, in plain words, with its unit.

Used by the Excel export's README sheet and by the HTML report. KPI units live in
``hubsim.results.kpis.KPI_UNITS``; this module adds the words.
"""

from __future__ import annotations

from hubsim.results import financial_year
from hubsim.results.kpis import KPI_UNITS
from hubsim.results.waits import LONGEST_WAIT_LISTS, RTT_STANDARD_PCT
from hubsim.scenario.schema import RISK_FACTORS

_LISTS = {"triage": ("the wait from screen to triage call", "the triage list"),
          "therapy": ("the wait for Hub therapy", "the therapy waiting list"),
          "brief": ("the wait for brief Hub support", "the brief-support waiting list")}


def _wait_labels(kind: str) -> dict[str, str]:
    wait, _ = _LISTS[kind]
    everyone = "all who joined, still-waiting clients counted"
    return {
        f"{kind}_wait_days_mean": f"restricted mean of {wait}, capped at 364 days ({everyone})",
        f"{kind}_wait_days_median": f"median of {wait} ({everyone}; blank: not reached)",
        f"{kind}_wait_days_p90": f"90th percentile of {wait} ({everyone}; blank: not reached)",
        f"{kind}_waited_over_52w_pct": f"share of all who joined whose {wait[4:]} exceeds 52 "
                                       "weeks (still-waiting clients counted)",
        f"{kind}_wait_days_mean_lower_bound": f"lower bound of the mean of {wait}: each "
                                              "still-waiting client at their wait so far, each "
                                              "leaver at their time on the list (capped at 364 "
                                              "days)",
        f"{kind}_wait_days_mean_started": f"mean of {wait} (started only)",
        f"{kind}_wait_days_median_started": f"median of {wait} (started only)",
        f"{kind}_wait_days_p90_started": f"90th percentile of {wait} (started only)",
    }


def _snapshot_labels(kind: str) -> dict[str, str]:
    _, name = _LISTS[kind]
    at = "at the end (several Hubs: on the earliest end of any Hub's horizon)"
    return {
        f"{kind}_waitlist_end": f"clients on {name} {at}",
        f"{kind}_waiting_under_18w_pct_end": f"share of {name} waiting 18 weeks or less {at}",
        f"{kind}_waiting_over_18w_end": f"clients on {name} waiting over 18 weeks {at}",
        f"{kind}_waiting_over_52w_end": f"clients on {name} waiting over 52 weeks {at}",
        f"{kind}_longest_wait_days_end": f"longest wait so far on {name} {at}",
    }


def _longest_labels(kind: str) -> dict[str, str]:
    wait, name = _LISTS[kind]
    return {
        f"{kind}_wait_days_p95": f"95th percentile of {wait} (all who joined, still-waiting "
                                 "clients counted; blank: not reached)",
        f"{kind}_longest_wait_days": f"longest time any joiner spent on {name} (waiting to "
                                     "start, until they started, left, or the end)",
        f"{kind}_waited_over_18w": f"joiners who spent more than 18 weeks on {name} (started "
                                   "late, left, or still waiting at the end)",
        f"{kind}_waited_over_52w": f"joiners who spent more than 52 weeks on {name}",
    }


KPI_LABELS: dict[str, str] = {
    "clients_arrived": "keyworkers who completed the online screen",
    "clients_triaged": "clients who had a clinical triage call",
    "clients_not_reached": "clients whom triage never reached (all call attempts failed)",
    **{name: label for kind in ("triage", "therapy", "brief") for name, label in
       _wait_labels(kind).items()},
    "therapy_started": "clients who started Hub therapy",
    "therapy_completed": "clients who completed a course of Hub therapy",
    "therapy_started_within_6w_pct": "share of all who joined the therapy waiting list who "
                                     "started within 6 weeks (still-waiting clients counted)",
    "therapy_started_within_18w_pct": "share of all who joined the therapy waiting list who "
                                      "started within 18 weeks (still-waiting clients counted)",
    **{name: label for kind in ("triage", "therapy") for name, label in
       _snapshot_labels(kind).items()},
    "therapy_waitlist_max": "largest therapy waiting list at the end of any day",
    "external_referrals": "clients referred on to external services (with a closure: those "
                          "handed on at closure included, see handed_on_at_closure)",
    "triage_utilisation": "share of triage clinicians' working time spent on triage",
    "therapist_utilisation": "share of therapy caseload slot-days occupied",
    "brief_utilisation": "share of brief-support caseload slot-days occupied",
    "cost_total_gbp": "Total cost over the results window (Hub and downstream service use)",
    "cost_per_client_gbp": "Total cost per keyworker screened",
    **{name: label for kind in LONGEST_WAIT_LISTS for name, label in
       _longest_labels(kind).items()},
    "therapy_waitlist_peak_month": "month end at which the therapy waiting list is largest "
                                   "(1 = the first month end on or after the start date)",
    "therapy_18w_met_from_month": "first month end from which the therapy waiting list meets "
                                  f"the 18-week standard ({RTT_STANDARD_PCT:.0f}% waiting 18 "
                                  "weeks or less) at every later month end (1 = the first "
                                  "month end; blank: missed at the last month end)",
    **{f"{kind}_waiting_at_closure": f"clients waiting on {_LISTS[kind][1]} when the service "
                                     "closed (all then handed on or discharged)"
       for kind in ("triage", "therapy", "brief")},
    "courses_ended_at_closure": "clients in a course of Hub therapy or brief support that ended "
                                "when the service closed",
    "handed_on_at_closure": "clients referred on to other services because the service closed "
                            "(also counted in external_referrals)",
    "discharged_at_closure": "clients discharged because the service closed (waiting or in a "
                             "course)",
}
"""Plain-English meaning of each KPI (the unit is in ``KPI_UNITS``)."""

KPI_TITLES: dict[str, str] = {
    "clients_arrived": "Clients screened",
    "clients_triaged": "Triage calls completed",
    "clients_not_reached": "Never reached by triage",
    "triage_wait_days_mean": "Wait for triage: mean",
    "triage_wait_days_median": "Wait for triage: median",
    "triage_wait_days_p90": "Wait for triage: 90th percentile",
    "triage_wait_days_p95": "Wait for triage: 95th percentile",
    "triage_longest_wait_days": "Wait for triage: longest seen",
    "triage_waited_over_18w": "Waited over 18 weeks for triage",
    "triage_waited_over_52w": "Waited over 52 weeks for triage",
    "therapy_started": "Therapy courses started",
    "therapy_completed": "Therapy courses completed",
    "therapy_wait_days_mean": "Wait for therapy: mean",
    "therapy_wait_days_median": "Wait for therapy: median",
    "therapy_wait_days_p90": "Wait for therapy: 90th percentile",
    "therapy_wait_days_p95": "Wait for therapy: 95th percentile",
    "therapy_longest_wait_days": "Wait for therapy: longest seen",
    "therapy_waited_over_18w": "Waited over 18 weeks for therapy",
    "therapy_waited_over_52w": "Waited over 52 weeks for therapy",
    "therapy_waited_over_52w_pct": "Therapy waits over 52 weeks",
    "therapy_started_within_6w_pct": "Therapy started within 6 weeks",
    "therapy_started_within_18w_pct": "Therapy started within 18 weeks",
    "therapy_waitlist_end": "Therapy waiting list at the end",
    "therapy_waitlist_max": "Therapy waiting list at its largest",
    "therapy_waiting_under_18w_pct_end": "Therapy list within 18 weeks at the end",
    "therapy_waiting_over_18w_end": "Therapy list over 18 weeks at the end",
    "therapy_waiting_over_52w_end": "Therapy list over 52 weeks at the end",
    "therapy_longest_wait_days_end": "Longest wait on the therapy list at the end",
    "therapy_waitlist_peak_month": "Therapy list peaks at month",
    "therapy_18w_met_from_month": "Therapy list meets 18 weeks from month",
    "triage_waitlist_end": "Triage list at the end",
    "triage_utilisation": "Triage clinicians busy",
    "therapist_utilisation": "Therapy caseload slots in use",
    "brief_utilisation": "Brief-support slots in use",
    "external_referrals": "Referred on to other services",
    "triage_waiting_at_closure": "Waiting for triage at closure",
    "therapy_waiting_at_closure": "Waiting for therapy at closure",
    "brief_waiting_at_closure": "Waiting for brief support at closure",
    "courses_ended_at_closure": "Courses ended by the closure",
    "handed_on_at_closure": "Handed on to other services at closure",
    "discharged_at_closure": "Discharged at closure",
    "cost_total_gbp": "Total cost",
    "hub_cost_gbp": "Hub cost (staff, set-up, running)",
    "cost_staff_gbp": "Staff cost",
    "cost_setup_gbp": "Set-up cost",
    "cost_non_staff_gbp": "Non-staff running cost",
    "cost_downstream_gbp": "Downstream service use",
    "cost_per_client_gbp": "Cost per keyworker screened",
    "cost_per_therapy_completion_gbp": "Hub cost per therapy course completed",
    "cost_per_keyworker_supported_gbp": "Hub cost per keyworker supported",
    "qalys": "QALYs gained",
    "employer_cost_gbp": "Employer cost (absence, turnover)",
}
"""Short titles of KPIs for tables a person reads (CLI, Excel headline); the unit goes with the
value. KPI names stay in CSV headers; ``kpi_title`` falls back to the name in words."""

CLIENT_COLUMNS: dict[str, tuple[str, str]] = {
    "client_id": ("client number within the Hub and replication, in arrival order", "id"),
    "hub": ("Hub identifier", "id"),
    "arrival_day": ("when the client completed the screen", "days from start date"),
    "population": ("where the client came from: 'own' for the scenario's own arrivals "
                   "(keyworkers), else the population profile of a surge or cohort",
                   "category"),
    "sector": ("sector the keyworker works in", "category"),
    "sex": ("sex", "female/male"),
    "ethnicity": ("ethnic group", "category"),
    **{factor: (f"risk factor: {factor.replace('_', ' ')}", "true/false")
       for factor in RISK_FACTORS},
    "anxiety": ("above threshold on GAD-7", "true/false"),
    "depression": ("above threshold on PHQ-9", "true/false"),
    "ptsd": ("above threshold on PCL-5 or ITQ", "true/false"),
    "alcohol": ("above threshold on AUDIT", "true/false"),
    "functioning": ("above threshold on WSAS (impaired functioning)", "true/false"),
    "domains_positive": ("screening measures above threshold", "count 0-5"),
    "need_tier": ("need tier from the number of positive measures", "low/moderate/high"),
    "triage_attempts": ("triage call attempts made", "count"),
    "triage_day": ("when the triage call started (blank: never reached)", "days from start date"),
    "triage_wait_days": ("wait from screen to triage call", "days"),
    "pathway": ("pathway after triage ('none': not reached)", "category"),
    "waitlist_join_day": ("when the client joined a Hub waiting list", "days from start date"),
    "course_start_day": ("first session of Hub therapy or brief support", "days from start date"),
    "therapy_wait_days": ("wait for Hub therapy (blank: not started; the KPIs also count "
                          "those still waiting)", "days"),
    "brief_wait_days": ("wait for brief support (blank: not started; the KPIs also count "
                        "those still waiting)", "days"),
    "sessions_planned": ("sessions the course would have had", "sessions"),
    "sessions_attended": ("sessions attended", "sessions"),
    "sessions_missed": ("appointments missed (did not attend)", "sessions"),
    "referral_day": ("when an onward referral was accepted", "days from start date"),
    "external_destination": ("external service referred to (blank: none)", "category"),
    "external_start_day": ("when the external service would start treatment",
                           "days from start date"),
    "self_help_start_day": ("when a signposted client started self-help or self-referred "
                            "support (blank: did not)", "days from start date"),
    "exit_reason": ("why the client left the Hub ('open': still with it at the end)", "category"),
    "exit_day": ("when the client left the Hub", "days from start date"),
    "stage_at_end": ("where the client was at the end of the horizon", "category"),
    "followup_day": ("day of the evaluation-style follow-up survey (5-8 months after screening)",
                     "days from start date"),
    "forecast_start_day": ("for a client still on a list at the end: forecast start (triage call "
                           "or first session) from their place in the queue and the list's "
                           "recent throughput (blank: not waiting)", "days from start date"),
    "replication": ("replication number", "index"),
}

TIMESERIES_COLUMNS: dict[str, tuple[str, str]] = {
    "hub": ("Hub identifier", "id"),
    "day": ("simulated day", "days from start date"),
    "date": ("calendar date of the day", "date"),
    "arrivals": ("keyworkers who completed the screen that day", "clients"),
    "triage_backlog": ("clients waiting for a triage call at the end of the day", "clients"),
    "therapy_waitlist": ("clients waiting for Hub therapy at the end of the day", "clients"),
    "therapy_caseload": ("therapy caseload slots occupied at the end of the day", "clients"),
    "brief_waitlist": ("clients waiting for brief support at the end of the day", "clients"),
    "brief_caseload": ("brief-support caseload slots occupied at the end of the day", "clients"),
    "therapy_slots": ("therapy caseload slots staffed (staff at work) at the end of the day",
                      "slots"),
    "brief_slots": ("brief-support caseload slots staffed at the end of the day", "slots"),
    "therapy_paused": ("therapy courses paused for want of staff at the end of the day",
                       "clients"),
    "brief_paused": ("brief-support courses paused for want of staff at the end of the day",
                     "clients"),
    "replication": ("replication number", "index"),
}

# the bands hubsim.experiments.replications.timeseries_bands writes
BAND_PERCENTILES = (5, 25, 50, 75, 95)
BAND_COLUMNS: dict[str, tuple[str, str]] = {
    "hub": ("Hub identifier", "id"),
    "day": ("simulated day", "days from start date"),
    "variable": ("which daily series (a column of the timeseries sheet)", "name"),
    "mean": ("mean over replications", "clients"),
    **{f"q{q:02d}": (f"{q}th percentile over replications", "clients") for q in BAND_PERCENTILES},
}

_MONTH_END = "at the end of the month-end date"
MONTHLY_COLUMNS: dict[str, tuple[str, str]] = {
    "replication": ("replication number", "index"),
    "hub": ("Hub identifier", "id"),
    "list": ("waiting list: triage, therapy or brief (support)", "name"),
    "date": ("calendar month end", "date"),
    "day": ("time of the snapshot: the end of that date", "days from start date"),
    "waiting_clients": (f"clients on the list {_MONTH_END}", "clients"),
    "waiting_under_18w_pct": ("share of the list waiting 18 weeks or less (blank: empty list)",
                              "%"),
    "waiting_over_18w_clients": ("clients on the list waiting over 18 weeks", "clients"),
    "waiting_over_52w_clients": ("clients on the list waiting over 52 weeks", "clients"),
    "longest_wait_days": ("longest wait so far of anyone on the list (0: empty list)", "days"),
}

MONTHLY_SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    **{k: MONTHLY_COLUMNS[k] for k in ("hub", "list", "date", "day")},
    "measure": ("which month-end measure (a column of the waitlist_monthly sheet)", "name"),
    "mean": ("mean over replications", "unit in the measure's name"),
    "ci_low": ("lower end of the 95% t-interval for the mean", "unit in the measure's name"),
    "ci_high": ("upper end of the 95% t-interval for the mean", "unit in the measure's name"),
    "n": ("replications with a value", "count"),
}

VALIDATION_COLUMNS: dict[str, tuple[str, str]] = {
    "figure": ("published figure of the evaluation (evidence registry target)", "name"),
    "role": ("input (a parameter was set from it), calibrated (parameters were fitted to it) or "
             "out-of-sample (neither: validation)", "text"),
    "published": ("the published value (or range across Hubs)", "unit column"),
    "published_n": ("people the published figure rests on (blank: a count or a range)", "count"),
    "unit": ("unit of the figure", "text"),
    "simulated": ("mean of the same measure over replications", "unit column"),
    "ci_low": ("95% interval, low end (range figures: lowest Hub mean)", "unit column"),
    "ci_high": ("95% interval, high end (range figures: highest Hub mean)", "unit column"),
    "published_low": ("published figure's 95% interval, low end (Wilson at its n, Poisson for "
                      "a count, or the published CI; range figures: the range)", "unit column"),
    "published_high": ("published figure's 95% interval, high end", "unit column"),
    "accept_low": ("lowest simulated mean that passes: the published interval widened in "
                   "quadrature by the simulation's 95% half-width", "unit column"),
    "accept_high": ("highest simulated mean that passes", "unit column"),
    "passed": ("within the accepted range", "true/false"),
    "n": ("replications", "count"),
    "source": ("where the published figure comes from", "text"),
}

SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "kpi": ("KPI name ('HUB:KPI' for one Hub of several)", "name"),
    "mean": ("mean over replications", "unit of the KPI"),
    "sd": ("standard deviation over replications", "unit of the KPI"),
    "ci_low": ("lower end of the 95% t-interval for the mean", "unit of the KPI"),
    "ci_high": ("upper end of the 95% t-interval for the mean", "unit of the KPI"),
    "half_width": ("half-width of the 95% t-interval", "unit of the KPI"),
    "n": ("replications with a value", "count"),
}


def kpi_title(name: str) -> str:
    """Short title of KPI ``name`` for a table (``HUB:KPI``: the Hub in front; a cost by
    financial year: "Cost in 2020-21")."""
    hub, _, base = name.rpartition(":")
    year = financial_year.year_of_kpi(base)
    if year is not None:
        title = f"Cost in {financial_year.label(year)}"
    else:
        title = KPI_TITLES.get(base) or base.replace("_", " ").capitalize()
    return f"{hub}: {title}" if hub else title


def kpi_label(name: str) -> str:
    """Plain words for KPI ``name`` (``HUB:KPI`` names keep the Hub in front)."""
    hub, _, base = name.rpartition(":")
    year = financial_year.year_of_kpi(base)
    if year is not None:
        label = (f"total cost in financial year {financial_year.label(year)} (April-March): "
                 "staff paid, set-up in the first year, running costs, and the downstream cost "
                 "of clients screened in the year")
    else:
        label = KPI_LABELS.get(base, base.replace("_", " "))
    return f"{hub}: {label}" if hub else label


def kpi_unit(name: str) -> str:
    """Unit of KPI ``name`` ('' when unknown)."""
    base = name.rpartition(":")[2]
    return "GBP" if financial_year.year_of_kpi(base) is not None else KPI_UNITS.get(base, "")


def replication_columns(columns: list[str]) -> dict[str, tuple[str, str]]:
    """Meaning and unit of each column of ``replications.csv`` (one KPI per column)."""
    return {
        c: ("replication number", "index") if c == "replication" else (kpi_label(c), kpi_unit(c))
        for c in columns
    }


GROUP_COLUMNS: dict[str, tuple[str, str]] = {
    "group_by": ("how clients are grouped: population (where they came from) or need_tier",
                 "name"),
    "group": ("the group ('own': the scenario's own arrivals, keyworkers)", "name"),
    "kpi": ("KPI name (its meaning as on the replications sheet, over the group's clients)",
            "name"),
    "mean": ("mean over replications", "unit of the KPI"),
    "ci_low": ("lower end of the 95% t-interval for the mean", "unit of the KPI"),
    "ci_high": ("upper end of the 95% t-interval for the mean", "unit of the KPI"),
    "n": ("replications with a value", "count"),
}

COST_YEAR_COLUMNS: dict[str, tuple[str, str]] = {
    "financial_year": ("NHS financial year, 1 April to 31 March", "years"),
    "kpi": ("KPI name of the year's cost", "name"),
    "mean": ("mean total cost in the year over replications", "GBP"),
    "ci_low": ("lower end of the 95% t-interval for the mean", "GBP"),
    "ci_high": ("upper end of the 95% t-interval for the mean", "GBP"),
    "n": ("replications with a value", "count"),
}

TABLE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "summary": SUMMARY_COLUMNS, "clients": CLIENT_COLUMNS, "timeseries": TIMESERIES_COLUMNS,
    "timeseries_bands": BAND_COLUMNS, "validation": VALIDATION_COLUMNS,
    "waitlist_monthly": MONTHLY_COLUMNS, "waitlist_monthly_summary": MONTHLY_SUMMARY_COLUMNS,
    "kpis_by_group": GROUP_COLUMNS, "costs_by_financial_year": COST_YEAR_COLUMNS,
}
"""Column meanings of each table with fixed columns (``replications``: see
``replication_columns``)."""

TABLE_WORDS: dict[str, str] = {
    "summary": "one row per KPI: mean, sd and 95% interval over replications",
    "replications": "one row per replication, one column per KPI",
    "clients": "one row per client per replication: need, pathway, waits, sessions, exit",
    "timeseries": "one row per day per Hub per replication: queues and caseloads at day end",
    "timeseries_bands": "per Hub and day: mean and percentiles of daily series over replications",
    "validation": "the evaluation's published figures against the simulated ones",
    "waitlist_monthly": "one row per replication, Hub, waiting list and month end: the list as "
                        "the NHS RTT statistics report it",
    "waitlist_monthly_summary": "per Hub, list, month end and measure: mean and 95% interval "
                                "over replications",
    "sweep": "KPIs (mean and 95% interval) at each value of the varied parameter(s)",
    "staffing_search": "share of replications meeting the target at each staffing level",
    "psa": "one row per probabilistic sensitivity analysis draw",
    "costs": "cost components",
    "kpis_by_group": "KPIs by population (keyworkers, incident, ...) and by need tier: mean and "
                     "95% interval over replications",
    "costs_by_financial_year": "total cost in each NHS financial year (April-March): mean and "
                               "95% interval over replications",
}
"""What each table holds, in a few words."""


def table_columns(name: str, columns: list[str]) -> dict[str, tuple[str, str]]:
    """Meaning and unit of each of ``columns`` of table ``name`` (unknown ones left blank)."""
    if name == "replications":
        return replication_columns(columns)
    known = TABLE_COLUMNS.get(name, {})
    return {c: known.get(c, ("", "")) for c in columns}
