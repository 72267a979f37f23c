"""The resolved scenario in plain words, for the report's "Scenario in plain words" section.

Reads the scenario as stored in ``run_metadata.json`` (plain JSON data). A field an older or newer
version does not write is left out of the text rather than failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hubsim.report.html import bullets, esc, para, table
from hubsim.results.run_facts import ROLE_LABELS, hubs, to_date
from hubsim.scenario.schema import NEED_TIERS, PATHWAYS
from hubsim.scenario.staff import CASELOAD_POOLS, caseload_slots
from hubsim.scenario.units import DAYS_PER_MONTH, MINUTES_PER_HOUR

PERCENT = 100.0
PATHWAY_WORDS = {
    "hub_therapy": "Hub therapy", "brief_support": "brief support",
    "external_referral": "external referral", "signpost": "signposting",
    "no_further_support": "no further support",
}
PRIORITY_WORDS = {"fifo": "first come, first served", "need": "highest need tier first",
                  "breach": "highest need tier first"}


def num(value: float) -> str:
    """A number as people read it: ``1,234``, ``2.5``, ``0.35``."""
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"


def pct(value: float) -> str:
    """A probability 0-1 as a percentage."""
    return f"{PERCENT * float(value):.4g}%"


def day_text(value: Any) -> str:
    """A date as '1 April 2020'."""
    day = to_date(value)
    return f"{day.day} {day:%B %Y}"


def describe_dist(dist: Mapping[str, Any] | float | None, unit: str = "") -> str:
    """A distribution table in words, e.g. 'lognormal, mean 60, sd 15 minutes'."""
    suffix = f" {unit}" if unit else ""
    if dist is None:
        return "none"
    if not isinstance(dist, Mapping):
        return f"{num(dist)}{suffix}"
    kind = dist.get("dist", "?")
    if kind == "fixed":
        return f"{num(dist['value'])}{suffix}"
    if kind in ("empirical", "discrete"):
        values = [num(v) for v in dist["values"]]
        listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
        weights = dist.get("weights")
        tail = f" (weights {':'.join(num(w) for w in weights)})" if weights else ""
        return f"{listed}{suffix}{tail}"
    if kind == "uniform":
        return f"between {num(dist['low'])} and {num(dist['high'])}{suffix} (uniform)"
    spread = f", sd {num(dist['sd'])}" if "sd" in dist else ""
    return f"{num(dist.get('mean', float('nan')))}{suffix} on average ({kind}{spread})"


def _clock(hub: Mapping[str, Any]) -> str:
    hours = float(hub.get("working_day_start_hour", 0.0))
    whole = int(hours)
    return f"{whole:02d}:{round((hours - whole) * MINUTES_PER_HOUR):02d}"


def _period(hub: Mapping[str, Any]) -> str:
    start = to_date(hub["start_date"])
    days = float(hub["horizon_days"])
    end = start + dt.timedelta(days=max(int(days) - 1, 0))  # the last simulated day
    warmup = float(hub.get("warmup_days", 0))
    text = (f"Simulated period: {num(days)} days ({days / DAYS_PER_MONTH:.1f} months) from "
            f"{day_text(start)} to {day_text(end)}")
    calendar = hub.get("calendar")
    if calendar == "weekdays":
        text += f", with clinicians working Monday to Friday from {_clock(hub)}"
    elif calendar == "continuous":
        text += ", with clinicians available around the clock (a verification setting)"
    if warmup > 0:
        return text + f"; the first {num(warmup)} days are a warm-up, left out of the results."
    return text + "; no warm-up: the Hub starts empty and results count from day 0."


def _arrivals(hub: Mapping[str, Any]) -> str:
    arrivals = hub.get("arrivals") or {}
    scale = float(arrivals.get("scale", 1.0))
    if arrivals.get("profile"):
        steps = []
        for seg in arrivals["profile"]:
            rate = (f"{num(seg['per_month'])} a month" if seg.get("per_month") is not None
                    else f"{num(seg['per_week'])} a week")
            steps.append(f"{rate} from {day_text(seg['from'])}")
        text = "Arrivals (keyworkers completing the online screen): " + "; ".join(steps)
    else:
        text = f"Arrivals: {num(arrivals.get('per_week', 0))} screenings a week"
    text += ", at random (a Poisson process)"
    return text + (f", all multiplied by {num(scale)}." if scale != 1.0 else ".")


def _surges(hub: Mapping[str, Any]) -> str:
    arrivals = hub.get("arrivals") or {}
    parts = [f"from {day_text(s['from'])} a surge of {num(s['peak_per_week'])} screenings a week, "
             f"halving every {num(s['half_life_days'])} days"
             + (f" ({s['population']} population)" if s.get("population") else "")
             for s in arrivals.get("surges") or ()]
    parts += [f"an invited cohort '{c['name']}' of {num(c['size'])} people from "
              f"{day_text(c['invited'])}, {pct(c['response'])} screening at each of "
              f"{len(c['rounds_days'])} rounds"
              + (f" ({c['population']} population)" if c.get("population") else "")
              for c in arrivals.get("cohorts") or ()]
    if not parts:
        raise KeyError("surges")
    return "In addition: " + "; ".join(parts) + "."


def shares(mapping: Mapping[str, float]) -> str:
    """'nhs 70%, social care 8%, ...' from a mapping of shares 0-1."""
    return ", ".join(f"{k.replace('_', ' ')} {pct(v)}" for k, v in mapping.items())


def _population(hub: Mapping[str, Any]) -> str:
    population = hub["population"]
    return (f"Who screens: by sector {shares(population['sector'])}; {pct(population['female'])} "
            f"women; by ethnicity {shares(population['ethnicity'])}. Risk factors that raise "
            f"need: {shares(population['risk_factors'])}.")


def _correlation(value: Any) -> str:
    """The latent correlation in words, for any of its three scenario forms."""
    if isinstance(value, Mapping):
        general = float(value["general"])
        return (f"latent correlation {num(value['anxiety_depression'])} between anxiety and "
                f"depression, {num(general)} between the other pairs, "
                f"{num(general * float(value['alcohol_ratio']))} with alcohol")
    if isinstance(value, list | tuple):
        return "latent correlations from a 5 x 5 matrix"
    return f"latent correlation {num(value)} between every pair"


def _screening(hub: Mapping[str, Any]) -> str:
    screening = hub["screening"]
    specific = [k.replace("_", " ") for k, v in screening["risk_shift_sd"].items()
                if isinstance(v, Mapping)]
    raises = "each risk factor raises need" + (
        f", {' and '.join(specific)} on specific measures" if specific else "")
    return (f"Screening: share above threshold on each measure for a client with no risk factor: "
            f"{shares(screening['prevalence'])} (correlated, "
            f"{_correlation(screening['correlation'])}; {raises}). Need tier: "
            f"moderate from {screening['moderate_min_domains']} positive measures, high from "
            f"{screening['high_min_domains']}.")


def _triage(hub: Mapping[str, Any]) -> str:
    staff, triage = hub["staff"]["triage"], hub["triage"]
    return (f"Triage: {num(staff['wte'])} WTE triage clinicians with "
            f"{num(staff['clinical_hours_per_week'])} clinical hours a week per WTE. A call "
            f"takes {describe_dist(triage['call_minutes'], 'minutes')} plus "
            f"{describe_dist(triage['admin_minutes'], 'minutes')} of admin; an unanswered "
            f"attempt {describe_dist(triage['failed_attempt_minutes'], 'minutes')}. Each "
            f"attempt reaches the client with probability {pct(triage['contact_success'])}; "
            f"retried after {num(triage['retry_after_days'])} days, up to "
            f"{triage['max_attempts']} attempts.")


def _course_words(course: Mapping[str, Any]) -> str:
    return (f"one session every {describe_dist(course['session_interval_days'], 'days')}, "
            f"{num(course['session_minutes'])} minutes each; {pct(course['dna_probability'])} "
            f"of appointments missed ({course['max_consecutive_dna']} misses in a row end the "
            f"course); {pct(course['dropout_per_session'])} drop out after each session")


def _slots(hub: Mapping[str, Any], pool: str) -> str:
    """'2 WTE therapists × 9 clients each = 18 caseload slots' for a caseload pool, summed over
    its roles and rounded as in the model."""
    staff = hub["staff"]
    roles = [r for r in CASELOAD_POOLS[pool] if r in staff and float(staff[r]["wte"]) > 0]
    roles = roles or [CASELOAD_POOLS[pool][0]]
    exact = sum(float(staff[r]["wte"]) * float(staff[r]["caseload_per_wte"]) for r in roles)
    terms = " + ".join(f"{num(staff[r]['wte'])} WTE {ROLE_LABELS.get(r, r)} × "
                       f"{num(staff[r]['caseload_per_wte'])} clients each" for r in roles)
    return f"{terms} = {int(caseload_slots(exact))} caseload slots"


def _therapy(hub: Mapping[str, Any]) -> str:
    therapy = hub["therapy"]
    sessions = "; ".join(f"{tier} need {describe_dist(therapy['sessions'][tier], 'sessions')}"
                         for tier in NEED_TIERS if tier in therapy["sessions"])
    patience = therapy.get("patience_days")
    waiting = ("clients wait until a slot frees" if patience is None
               else f"clients leave the list after {describe_dist(patience, 'days')}")
    order = PRIORITY_WORDS.get(therapy["priority"], therapy["priority"])
    if therapy.get("breach_after_days") is not None and therapy["priority"] == "breach":
        order += f" (clients waiting over {num(therapy['breach_after_days'])} days go first)"
    return (f"Hub therapy: {_slots(hub, 'therapy')}; the waiting list is {order} and "
            f"{waiting}. Sessions per course: {sessions} (at most {therapy['max_sessions']}); "
            f"{_course_words(therapy)}.")


def _brief(hub: Mapping[str, Any]) -> str:
    brief = hub["brief_support"]
    return (f"Brief Hub support: {_slots(hub, 'brief')}; "
            f"{describe_dist(brief['sessions'], 'sessions')}; "
            f"{_course_words(brief)}.")


def _external(hub: Mapping[str, Any]) -> str:
    external = hub["external"]
    places = "; ".join(
        f"{name.replace('_', ' ')} {pct(d['share'])}, waiting "
        f"{describe_dist(d['wait_days'], 'days')}" + (
            f" to the first appointment, then {describe_dist(d['hidden_wait_days'], 'days')} "
            "to the second" if d.get("hidden_wait_days") else "")
        for name, d in external["destinations"].items()
    )
    return (f"External referral: {describe_dist(external['navigation_days'], 'days')} of Hub "
            f"navigation, then one of: {places}.")


def _signpost(hub: Mapping[str, Any]) -> str:
    signpost = hub["signpost"]
    return (f"Signposting: {pct(signpost['uptake'])} of those signposted go on to self-help or "
            f"self-referred support, after {describe_dist(signpost['days_to_support'], 'days')}.")


def _evaluation(hub: Mapping[str, Any]) -> str:
    window, followup = hub["evaluation"], hub["followup"]
    return (f"Evaluation comparison: clients screened from {day_text(window['window_start'])} to "
            f"{day_text(window['window_end'])}, followed up {num(followup['min_days'])} to "
            f"{num(followup['max_days'])} days after screening (as in the evaluation's survey).")


def _staff(hub: Mapping[str, Any]) -> str:
    parts = []
    for role, spec in hub["staff"].items():
        band = f", band {spec['band']}" if spec.get("band") else ""
        parts.append(f"{ROLE_LABELS.get(role, role)} {num(spec['wte'])} WTE{band}")
        redeploy = spec.get("redeploy")
        if redeploy:
            parts[-1] += (f" ({pct(redeploy['share'])} of their time moves to triage in any week "
                          f"that starts with more than {redeploy['when_backlog_above']} awaiting "
                          "triage)")
    return "Staff at the start (funded WTE): " + "; ".join(parts) + "."


def _closure(hub: Mapping[str, Any]) -> str:
    service = hub["service"]
    if not service.get("closes"):
        raise KeyError("closes")
    return (f"The service closes on {day_text(service['closes'])}; clients still with it then: "
            f"{str(service.get('on_close', '')).replace('_', ' ')}.")


def _costs(hub: Mapping[str, Any]) -> str:
    parts = [f"{ROLE_LABELS.get(role, role)} £{num(t['annual_cost_gbp'])}"
             for role, t in hub["staff"].items() if "annual_cost_gbp" in t]
    return (f"Staff cost per WTE per year: {', '.join(parts)} "
            f"({hub.get('price_year', 'unstated')} prices).")


def _changes(hub: Mapping[str, Any]) -> list[str]:
    out = []
    for role, spec in hub.get("staff", {}).items():
        who = ROLE_LABELS.get(role, role)
        for change in spec.get("changes") or ():
            out.append(f"Staffing change: {who} funded at {num(change['wte'])} WTE from "
                       f"{day_text(change['from'])} (new posts filled after a recruitment lag).")
        for loan in spec.get("borrowed") or ():
            out.append(f"Borrowed staff: {num(loan['wte'])} WTE {who} from "
                       f"{day_text(loan['from'])} to {day_text(loan['to'])}.")
    return out


SENTENCE_PARTS = (
    _period, _arrivals, _surges, _population, _screening, _staff, _triage, _therapy, _brief,
    _external, _signpost, _closure, _costs, _evaluation,
)


def routing_table(hub: Mapping[str, Any]) -> str:
    """Pathway probabilities after triage, one row per need tier."""
    routing = hub.get("routing") or {}
    rows = [[tier, *(pct(routing[tier].get(p, 0)) for p in PATHWAYS)]
            for tier in NEED_TIERS if tier in routing]
    headers = ["need tier", *(PATHWAY_WORDS[p] for p in PATHWAYS)]
    return table(headers, rows, numeric=range(1, len(PATHWAYS) + 1))


def hub_items(hub: Mapping[str, Any]) -> list[str]:
    """One sentence per aspect of one Hub's scenario; a missing aspect is left out."""
    items = []
    for part in SENTENCE_PARTS:
        try:
            items.append(part(hub))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return items + _changes(hub)


def scenario_section(meta: Mapping[str, Any]) -> str:
    """HTML body of "Scenario in plain words"."""
    runs = hubs(meta)
    if not runs:
        return para("The results folder does not record the resolved scenario.")
    out = []
    overrides = meta.get("overrides") or []
    for hub in runs:
        if len(runs) > 1:
            out.append(f"<h3>{esc(hub.get('name', hub.get('hub', 'Hub')))}</h3>")
        out.append(bullets(hub_items(hub)))
        out.append("<h3>Routing after triage (probability of each pathway)</h3>")
        out.append(routing_table(hub))
    if overrides:
        out.append(para("Set on the command line for this run: " + ", ".join(overrides) + "."))
    return "".join(out)
