"""Caps that keep one user of the app from exhausting the machine, and the check that applies them.

The command line has no such caps: analysts who need longer or bigger runs use ``hubsim run``.
"""

from __future__ import annotations

from hubsim.experiments.workload import estimate, expected_clients  # noqa: F401 (expected_clients re-exported)
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.schema import AnyScenario

MAX_REPLICATIONS = 50
"""Replications per run: 50 give a 95% interval about a seventh as wide as one replication's
spread, and take about 90 s for a two-year Hub (one replication takes about 1.8 s)."""
DEFAULT_REPLICATIONS = 10  # enough for a first look at the intervals, ready in about 20 s
MIN_REPLICATIONS = 2  # a t-interval (and a paired comparison) needs two replications
MAX_HORIZON_DAYS = 1095
"""Three years: a year beyond the evaluated Hubs' two, enough to see a waiting list settle."""
MIN_HORIZON_DAYS = 28  # four weeks: shorter runs have almost no therapy starts to report
MAX_UPLOAD_BYTES = 64 * 1024
"""Uploaded scenario files: the largest shipped scenario is under 4 KiB, so 64 KiB leaves room
for long profiles and comments while keeping parsing instant."""
MAX_CLIENTS_PER_REPLICATION = 20_000
"""Expected clients in one replication: three times the largest shipped scenario (the major
incident surge, about 6,700) and far beyond any evaluated Hub (about 1,200 in two years)."""
MAX_CLIENT_REPLICATIONS = 400_000
"""Expected clients over a whole run (clients x replications x scenarios or staffing levels):
about ten minutes on one core at roughly 1.5 ms per simulated client."""
MAX_SEARCH_REPLICATIONS = 20  # per staffing level: shares resolved to 0.05, as the CLI default
MAX_SEARCH_GRID_POINTS = 201
"""WTE levels on the search grid (e.g. 0 to 20 WTE by 0.1): the search bisects, so it runs at
most 2 + ceil(log2(201)) = 10 of them."""
MAX_CONCURRENT_RUNS = 2  # replications running at once across all users: the machine's cores
MAX_EVENTS_PER_REPLICATION = 2_000_000
"""Estimated simulation events in one replication (``hubsim.experiments.workload``): eight times
the largest shipped scenario (the major incident surge, about 240,000). Counts staff absence spells
too, so a tiny file asking for sickness spells of seconds is refused before it runs."""
MAX_EVENTS_PER_RUN = 60_000_000  # events over a whole run: about ten minutes on one core
CACHE_MAX_ENTRIES = 600
"""Cached replications (each a few hundred kB of records): about 12 full runs of 50."""
CACHE_TTL_SECONDS = 3600  # cached replications are dropped after an hour unused

APP_SOURCE = "app"  # the 'file' named in messages about the app's own limits


def check_workload(scenario: AnyScenario, runs: int) -> None:
    """Raise ``ScenarioError`` when ``runs`` replications of ``scenario`` exceed the app's caps.

    Parameters
    ----------
    scenario : the validated scenario
    runs : replications in total (replications x scenarios, or x staffing levels searched)
    """
    work = estimate(scenario, runs)
    per_replication = work.clients
    if per_replication > MAX_CLIENTS_PER_REPLICATION:
        raise ScenarioError(
            APP_SOURCE, "arrivals",
            f"about {per_replication:,.0f} clients per replication; the app allows at most "
            f"{MAX_CLIENTS_PER_REPLICATION:,} (use the hubsim command line for bigger runs)")
    if per_replication * runs > MAX_CLIENT_REPLICATIONS:
        raise ScenarioError(
            APP_SOURCE, "replications",
            f"{runs} replications of about {per_replication:,.0f} clients each is more than the "
            f"app's {MAX_CLIENT_REPLICATIONS:,} simulated clients per run; use fewer "
            "replications or a shorter horizon (or the hubsim command line)")
    if work.events > MAX_EVENTS_PER_REPLICATION:
        raise ScenarioError(
            APP_SOURCE, work.driver,
            f"about {work.events:,.0f} simulation events per replication ({work.describe()}); "
            f"the app allows at most {MAX_EVENTS_PER_REPLICATION:,} (use the hubsim command line "
            "for bigger runs)")
    if work.total_events > MAX_EVENTS_PER_RUN:
        raise ScenarioError(
            APP_SOURCE, "replications",
            f"{runs} replications of about {work.events:,.0f} events each is more than the app's "
            f"{MAX_EVENTS_PER_RUN:,} simulation events per run; use fewer replications or a "
            "shorter horizon (or the hubsim command line)")
MAX_EXTRACT_UPLOAD_BYTES = 4 * 1024 * 1024
"""Uploaded Hub extracts: 4 MiB holds about 40,000 referrals at 100 bytes a row, decades of any
Hub's records, and parses in a second."""
MAX_PROJECTION_MONTHS = 36  # the app's projections: three years, as its horizon cap
