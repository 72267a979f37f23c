"""End to end: ``hubsim app`` on loopback, driven in headless Chromium as a planner would use it.

Load the app, cut the therapists, run, see the KPI table, download the KPI summary CSV and check
it against the public API. Uses Debian's ``chromium`` package through Playwright (no browser
download): the test fails, never skips, when that browser is missing (CI installs it).

``HUBSIM_UPDATE_SCREENSHOT=1`` also saves the results page to ``docs/img/app.png`` (the README's
screenshot); otherwise it goes to the test's temporary folder only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import PAGES
from browser import launch_chromium, served_app, type_number, wait_idle
from playwright.sync_api import expect, sync_playwright

from hubsim import load_scenario, run_experiment

PAGE_TIMEOUT_MS = 90_000  # the first page load imports hubsim, pandas and matplotlib
RUN_TIMEOUT_MS = 150_000  # the run below takes about 10 s; a loaded CI machine is slower
VIEWPORT = {"width": 1400, "height": 1500}  # tall enough for the cards and the KPI table
THERAPISTS_WTE = "1.5"  # down from the baseline's 2.4
HORIZON_DAYS = "365"  # a year: enough for a waiting list; short enough to run in seconds
REPLICATIONS = "10"  # the app's default: intervals narrow enough to read
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO_ROOT / "docs" / "img" / "app.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVERS_HEADING = PAGES["pages/scenario.py"]
RESULTS_HEADING = PAGES["pages/results.py"]
LAST_FIGURE_CAPTION = "Clients awaiting a triage call over time."  # the page is complete

pytestmark = pytest.mark.slow


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """``hubsim app`` on a free loopback port (``tests/app/browser.py``)."""
    with served_app(tmp_path / "server.log") as url:
        yield url


def _number(page, label: str, value: str, shown: str) -> None:
    """Type ``value`` into the number box ``label``, commit it (Enter), and wait for ``shown``.

    Each change is confirmed on the page before the next is made, as a planner reads the page:
    Streamlit can drop a widget's new value when another change arrives while the app is still
    rerunning for the last one (a run of a previous CI build used the scenario's 730-day horizon
    after the test had typed 365 into the box).
    """
    type_number(page, label, value)
    expect(page.get_by_text(shown)).to_be_visible()
    wait_idle(page)


def test_planner_changes_staffing_runs_and_downloads_csv(app_url: str, tmp_path: Path):
    expected = run_experiment(load_scenario(
        REPO_ROOT / "scenarios" / "baseline.toml",
        {"horizon_days": float(HORIZON_DAYS), "staff.therapists.wte": float(THERAPISTS_WTE)}),
        int(REPLICATIONS), seed=0).summary
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            # expect() keeps its own 5 s default; the first page load under a busy machine (the
            # test suite on two workers) can take longer, so assertions wait as long as actions
            expect.set_options(timeout=PAGE_TIMEOUT_MS)
            page.goto(app_url)
            expect(page.get_by_role("heading", name=LEVERS_HEADING)).to_be_visible()
            _number(page, "Therapists (WTE)", THERAPISTS_WTE,
                    f"staff.therapists.wte = {THERAPISTS_WTE}")
            page.get_by_role("link", name="Run & results").click()
            expect(page.get_by_role("heading", name=RESULTS_HEADING)).to_be_visible()
            wait_idle(page)
            change = f"your changes: therapists (WTE): 2.4 → {THERAPISTS_WTE}"
            _number(page, "Horizon (days)", HORIZON_DAYS, f"{HORIZON_DAYS} days ·")
            settings = f"{HORIZON_DAYS} days · {REPLICATIONS} replications · seed 0 · {change}"
            _number(page, "Replications", REPLICATIONS, settings)
            page.get_by_role("button", name="Run").click()
            table = page.get_by_role("table").first
            expect(table).to_contain_text("therapy_wait_days_mean", timeout=RUN_TIMEOUT_MS)
            expect(table).to_contain_text("days (95% CI")
            expect(page.get_by_text(LAST_FIGURE_CAPTION)).to_be_visible()
            shot = page.screenshot(path=str(tmp_path / "app.png"))
            assert shot.startswith(PNG_SIGNATURE)
            if os.environ.get("HUBSIM_UPDATE_SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                SCREENSHOT.write_bytes(shot)
            page.get_by_role("link", name="Downloads").click()
            with page.expect_download() as download:
                page.get_by_role("button", name="KPI summary").click()
            csv = tmp_path / "summary.csv"
            download.value.save_as(csv)
        finally:
            browser.close()
    pd.testing.assert_frame_equal(pd.read_csv(csv), expected, check_dtype=False)
