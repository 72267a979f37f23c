"""The report's model description, in the structure of the STRESS-DES checklist, and the
"Reproduce" section.

STRESS-DES: Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the
reporting of empirical simulation studies: introducing the STRESS guidelines. J Simul 2019;13(1):
55-67. The full checklist for hubsim is in ``docs/stress-des.md``; this section fills in what
depends on the run (its scenario, run length, replications, software versions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubsim.report.html import bullets, esc, para
from hubsim.report.words import num
from hubsim.results.kpis import CORE_KPIS
from hubsim.results.run_facts import command_line, hubs

DIAGRAM = """\
 arrivals (keyworkers who complete the online screen; Poisson, rate by date)
     |  screening: GAD-7, PHQ-9, PCL-5/ITQ, AUDIT, WSAS  ->  need tier (low / moderate / high)
     v
 triage queue --> clinical triage call (clinicians' working hours; up to N attempts;
     |            some clients are never reached)
     v
 pathway decision (probabilities by need tier)
     +--> Hub therapy waiting list --> course of weekly sessions in a caseload slot --> exit
     +--> brief Hub support list   --> a few sessions in a brief-support slot       --> exit
     +--> external referral: Hub navigation, then the external service's wait        --> exit
     +--> signposting / self-help                                                   --> exit
     +--> no further support                                                        --> exit
"""
REFERENCE = ("Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the "
             "reporting of empirical simulation studies: introducing the STRESS guidelines. "
             "J Simul 2019;13(1):55-67.")


def _objectives(meta: Mapping[str, Any]) -> str:
    runs = hubs(meta)
    purpose = (runs[0].get("description") if len(runs) == 1 else
               (meta.get("scenario") or {}).get("description")) or "Not stated in the scenario."
    return (
        "<h3>1. Objectives</h3>"
        + para(f"1.1 Purpose: {purpose}")
        + para("1.2 Outputs: per-client records, daily queue and caseload series, and KPIs per "
               "replication with their means and 95% intervals: " + ", ".join(CORE_KPIS) + ".")
        + para(f"1.3 Experimentation aims: estimate these KPIs for the scenario "
               f"{meta.get('scenario_name', '')!s} from {meta.get('replications', '?')} "
               "independent replications.")
    )


def _logic(meta: Mapping[str, Any]) -> str:
    overrides = meta.get("overrides") or []
    scenario_logic = ("Overrides on the command line: " + ", ".join(overrides) + "."
                      if overrides else "The scenario file as written, with no overrides.")
    return (
        "<h3>2. Logic</h3>" + para("2.1 Base model overview diagram:")
        + f"<pre>{esc(DIAGRAM)}</pre>"
        + para("2.2 Base model logic: each client is a SimPy process from screen to exit "
               "(hubsim.model.pathway). Everything about a client that does not depend on the "
               "state of the Hub is drawn on arrival (hubsim.model.population). Triage "
               "clinicians work to their calendars (hubsim.model.triage, hubsim.model.calendar); "
               "staff in post follow funding, recruitment, attrition and absence "
               "(hubsim.model.staff_timeline, hubsim.model.capacity); therapy and brief support "
               "hold a caseload slot for the whole course (hubsim.model.courses).")
        + para(f"2.3 Scenario logic: {scenario_logic} The scenario in plain words is above.")
        + para("2.4 Algorithms: arrivals by thinning a Poisson process (Lewis and Shedler 1979); "
               "need from a one-factor Gaussian copula with risk-factor shifts "
               "(hubsim.model.need); "
               "pathway, course length, missed appointments and drop-out by inverse-CDF and "
               "Bernoulli draws from named streams.")
        + bullets([
            "Entities: keyworkers (clients), with need profile, sector and risk factors.",
            "Activities: triage call attempts; therapy and brief-support sessions; navigation "
            "to external services.",
            "Resources: triage clinicians (working minutes while in post and at work); therapy "
            "caseload slots (therapists and psychologists) and brief-support caseload slots, "
            "round(WTE at work x caseload per WTE), following recruitment, attrition, leave, "
            "sickness and borrowed staff.",
            "Queues: triage (a returning client's retry before a first attempt, then first come "
            "first served); therapy waiting list (first come first served, or by need); brief "
            "support (first come first served).",
            "Entry and exit: entry on completing the screen; exit when not reached, after a "
            "course, on referral, signposting or no further support, or on leaving the list.",
        ])
    )


def _data(meta: Mapping[str, Any]) -> str:
    return (
        "<h3>3. Data</h3>"
        + para("3.1 Data sources: the evidence registry (hubsim/data/evidence.toml), which gives "
               "every default with its source; the evaluation is Varese et al., Health and "
               "Social Care Delivery Research 2024;12(29), doi 10.3310/HGQR5133.")
        + para("3.2 Pre-processing: the need model's thresholds and correlation are calibrated "
               "to the evaluation's screening figures (hubsim.experiments.calibration, "
               "`hubsim calibrate`).")
        + para("3.3 Input parameters and 3.4 assumptions: see the Assumptions section; values "
               "with status 'assumption' have no direct evidence and say why they were chosen.")
    )


def _experimentation(meta: Mapping[str, Any]) -> str:
    runs = hubs(meta)
    horizon = ", ".join(f"{num(h.get('horizon_days', 0))} days" for h in runs) or "not recorded"
    warmup = ", ".join(f"{num(h.get('warmup_days', 0))} days" for h in runs) or "not recorded"
    if meta.get("replications_mode") == "auto":
        reps = (f"{meta.get('replications')} replications chosen automatically to a 95% "
                f"half-width within {float(meta.get('precision', 0)):.0%} of the mean "
                "(Hoad, Robinson and Davies 2010)")
    else:
        reps = f"{meta.get('replications', '?')} replications, fixed in advance"
    return (
        "<h3>4. Experimentation</h3>"
        + para(f"4.1 Initialisation: the Hub starts empty; warm-up {warmup} (results count from "
               "the end of the warm-up).")
        + para(f"4.2 Run length: {horizon} of simulated time (a terminating simulation of the "
               "Hub's service period).")
        + para(f"4.3 Estimation approach: {reps}; 95% t-intervals across replications; each "
               "replication's random streams are seeded by (seed, replication, stream name), "
               "so scenarios that differ only in staffing see the same clients.")
    )


def _implementation(meta: Mapping[str, Any]) -> str:
    versions = meta.get("versions") or {}
    software = ", ".join(f"{k} {v}" for k, v in versions.items()) or "not recorded"
    executor = meta.get("executor") or "serial"
    return (
        "<h3>5. Implementation</h3>"
        + para(f"5.1 Software: {software}.")
        + para("5.2 Random sampling: numpy Generators (PCG64), one stream per stochastic "
               "activity, derived with SeedSequence from (seed, replication, a hash of the "
               "stream's name) (hubsim.model.rng).")
        + para("5.3 Model execution: SimPy's event scheduling; ties at the same instant are "
               "resolved by the rules in hubsim.model.triage and hubsim.model.courses.")
        + para(f"5.4 System specification: executor {executor}; wall time "
               f"{meta.get('wall_time_seconds', '?')} s. Hardware is not recorded.")
    )


def _code_access(meta: Mapping[str, Any]) -> str:
    return (
        "<h3>6. Code access</h3>"
        + para(f"hubsim {meta.get('hubsim_version', '?')} (MIT licence). The model is described "
               "for reviewers in docs/model.md and the STRESS-DES checklist in "
               "docs/stress-des.md of the hubsim repository; cite it with CITATION.cff.")
        + para(REFERENCE, "note")
    )


def model_section(meta: Mapping[str, Any]) -> str:
    """HTML body of "Model description (STRESS-DES)"."""
    parts = (_objectives, _logic, _data, _experimentation, _implementation, _code_access)
    return "".join(part(meta) for part in parts)


def reproduce_section(meta: Mapping[str, Any]) -> str:
    """HTML body of "Reproduce": the command, seed, version and scenario hash."""
    facts = [
        f"hubsim version: {meta.get('hubsim_version', 'not recorded')}",
        f"seed: {meta.get('seed', 'not recorded')}",
        f"scenario hash (SHA-256 of the resolved scenario): "
        f"{meta.get('scenario_hash', 'not recorded')}",
        f"run created: {meta.get('created_utc', 'not recorded')} (UTC)",
    ]
    if meta.get("partial"):
        facts.append("This run was interrupted: only the completed replications are included.")
    return (para("Run this command from the folder it was first run in (the scenario path is as "
                 "given then) to get the same results:")
            + f"<pre>{esc(command_line(meta))}</pre>" + bullets(facts))
