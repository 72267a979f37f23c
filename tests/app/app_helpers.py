"""Constants and helpers shared by the web app's tests."""

from __future__ import annotations

from hubsim.app.state import HORIZON, REPLICATIONS, SEED

APP_TIMEOUT_S = 120  # one script run, including a small run of replications on a slow machine
TEST_REPLICATIONS = 3  # enough for a paired interval, fast
TEST_HORIZON_DAYS = 240.0  # eight months: long enough for the therapy waiting list to form
PAGES: dict[str, str] = {
    "pages/scenario.py": "Choose a scenario and adjust the levers",
    "pages/results.py": "Run the scenario and see the results",
    "pages/compare.py": "Compare with the unchanged scenario",
    "pages/search.py": "Staffing search",
    "pages/downloads.py": "Downloads",
    "pages/today.py": "Project from today",
}
"""Every page of the app and its title."""


def settings(replications: int = TEST_REPLICATIONS, horizon: float = TEST_HORIZON_DAYS,
             seed: int = 0) -> dict[str, float]:
    """The sidebar's run settings as the app keeps them."""
    return {REPLICATIONS: replications, SEED: seed, HORIZON: horizon}
