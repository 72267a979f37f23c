"""End to end: ``hubsim app`` on loopback, driven in headless Chromium as a planner would use it.

Load the app, cut the therapists, run, see the KPI table, download the KPI summary CSV and check
it against the public API. Uses Debian's ``chromium`` package through Playwright (no browser
download): the test fails, never skips, when that browser is missing (CI installs it).

``HUBSIM_UPDATE_SCREENSHOT=1`` also saves the results page to ``docs/img/app.png`` (the README's
screenshot); otherwise it goes to the test's temporary folder only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from hubsim import load_scenario, run_experiment

DEBIAN_CHROMIUM = "/usr/bin/chromium"  # where Debian's `chromium` package puts the browser
CHROMIUM = os.environ.get("HUBSIM_CHROMIUM", DEBIAN_CHROMIUM)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOOPBACK = "127.0.0.1"
SERVER_START_S = 90  # Streamlit imports and starts in a few seconds; a loaded CI machine is slower
SERVER_STOP_S = 10
POLL_S = 0.5
PAGE_TIMEOUT_MS = 90_000  # the first page load imports hubsim, pandas and matplotlib
RUN_TIMEOUT_MS = 150_000  # the run below takes about 10 s; a loaded CI machine is slower
VIEWPORT = {"width": 1400, "height": 1500}  # tall enough for the cards and the KPI table
THERAPISTS_WTE = "1.5"  # down from the baseline's 2.4
HORIZON_DAYS = "365"  # a year: enough for a waiting list; short enough to run in seconds
REPLICATIONS = "10"  # the app's default: intervals narrow enough to read
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO_ROOT / "docs" / "img" / "app.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
APP_ROOT = '[data-testid="stApp"]'  # Streamlit marks its script's state on the app's root
SCRIPT_STATE, SCRIPT_IDLE = "data-test-script-state", "notRunning"
RESULTS_HEADING = "Run the scenario and see the results"
LAST_FIGURE_CAPTION = "Clients awaiting a triage call over time."  # the page is complete

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"hubsim app exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=POLL_S) as answer:
                if answer.read() == b"ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(POLL_S)
    pytest.fail(f"hubsim app did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@pytest.fixture
def served_app(tmp_path: Path) -> Iterator[str]:
    """``hubsim app`` on a free loopback port; stopped (with its Streamlit child) afterwards."""
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from hubsim.cli import main; main()", "app",
             "--host", LOOPBACK, "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://{LOOPBACK}:{port}"
        _wait_healthy(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(SERVER_STOP_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(SERVER_STOP_S)


def _browser(playwright):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's package "
                    "(apt-get install chromium); make test and .ci/run do so where missing")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _number(page, label: str, value: str, shown: str) -> None:
    """Type ``value`` into the number box ``label``, commit it (Enter), and wait for ``shown``.

    Each change is confirmed on the page before the next is made, as a planner reads the page:
    Streamlit can drop a widget's new value when another change arrives while the app is still
    rerunning for the last one (a run of a previous CI build used the scenario's 730-day horizon
    after the test had typed 365 into the box).
    """
    box = page.get_by_role("spinbutton", name=label)
    box.fill(value)
    box.press("Enter")
    expect(page.get_by_text(shown)).to_be_visible()
    _wait_idle(page)


def _wait_idle(page) -> None:
    """Wait until the app has finished its rerun (Streamlit's own marker on the page)."""
    expect(page.locator(APP_ROOT)).to_have_attribute(SCRIPT_STATE, SCRIPT_IDLE)


def test_planner_changes_staffing_runs_and_downloads_csv(served_app: str, tmp_path: Path):
    expected = run_experiment(load_scenario(
        REPO_ROOT / "scenarios" / "baseline.toml",
        {"horizon_days": float(HORIZON_DAYS), "staff.therapists.wte": float(THERAPISTS_WTE)}),
        int(REPLICATIONS), seed=0).summary
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(served_app)
            heading = "Choose a scenario and adjust the levers"
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
            _number(page, "Therapists (WTE)", THERAPISTS_WTE,
                    f"staff.therapists.wte = {THERAPISTS_WTE}")
            page.get_by_role("link", name="Run & results").click()
            expect(page.get_by_role("heading", name=RESULTS_HEADING)).to_be_visible()
            _wait_idle(page)
            _number(page, "Horizon (days)", HORIZON_DAYS, f"{HORIZON_DAYS} days · 1 lever change")
            settings = f"{HORIZON_DAYS} days · 1 lever change(s) · {REPLICATIONS} replications"
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
