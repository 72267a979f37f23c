"""Type three settings into ``hubsim app`` many times and count the values the app lost.

Streamlit can drop a number typed while the app is still rerunning for the previous change. The
browser test (``tests/app/test_app_browser.py``) therefore waits for each change to show on the
page, and for the app to be idle, before it makes the next. This script measures both ways::

    .venv/bin/python scripts/stress_app_inputs.py --runs 40 --load 3          # one after another
    .venv/bin/python scripts/stress_app_inputs.py --runs 40 --load 3 --wait   # as the test does

Each try opens a fresh session, sets therapists to 1.5 WTE (a lever), the horizon to 365 days and
the replications to 12, then reads the settings line on the Run & results page (the horizon, the
lever changes and the replications that Run would use). ``--load N`` keeps N busy processes
spinning, as a loaded CI machine is. Needs the app extra, Playwright and Debian's ``chromium``
(``make test`` installs them). Exit code 1 if any value was lost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = os.environ.get("HUBSIM_CHROMIUM", "/usr/bin/chromium")  # Debian's package
LOOPBACK = "127.0.0.1"
SERVER_START_S = 90
POLL_S = 0.5
PAGE_TIMEOUT_MS = 90_000
SHOWN_TIMEOUT_MS = 30_000  # a change not shown by then counts as lost (wait mode)
SETTLE_S = 1.0  # after the page switch, before the settings line is read (no-wait mode)
VIEWPORT = {"width": 1400, "height": 1500}
LEVER_HEADING = "Choose a scenario and adjust the levers"
RESULTS_HEADING = "Run the scenario and see the results"
SETTINGS_LINE = re.compile(r"days · \d+ lever")
TYPED = (("Therapists (WTE)", "1.5"), ("Horizon (days)", "365"), ("Replications", "12"))
EXPECTED = ("365 days", "1 lever change", "12 replications")


def _spin() -> None:
    while True:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from hubsim.cli import main; main()", "app", "--host", LOOPBACK,
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=POLL_S) as answer:
                if answer.read() == b"ok":
                    return server, url
        except (urllib.error.URLError, OSError):
            time.sleep(POLL_S)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit(f"hubsim app did not answer within {SERVER_START_S} s")


def _idle(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning")


def _type(page: Page, label: str, value: str) -> None:
    box = page.get_by_role("spinbutton", name=label)
    box.fill(value)
    box.press("Enter")


def try_once(page: Page, url: str, wait: bool) -> str:
    """One session: the settings line the Run & results page shows after the three changes."""
    page.goto(url)
    expect(page.get_by_role("heading", name=LEVER_HEADING)).to_be_visible()
    (lever_label, lever_value), *settings = TYPED
    _type(page, lever_label, lever_value)
    if wait:
        expect(page.get_by_text(f"staff.therapists.wte = {lever_value}")).to_be_visible()
        _idle(page)
    else:
        for label, value in settings:
            _type(page, label, value)
    page.get_by_role("link", name="Run & results").click()
    expect(page.get_by_role("heading", name=RESULTS_HEADING)).to_be_visible()
    if wait:
        _idle(page)
        for label, value in settings:
            _type(page, label, value)
            try:
                expect(page.get_by_text(SETTINGS_LINE)).to_contain_text(
                    f"{value} ", timeout=SHOWN_TIMEOUT_MS)
            except AssertionError:
                break  # lost: the line below says which value
            _idle(page)
    else:
        time.sleep(SETTLE_S)
    boxes = ", ".join(f"{label} {page.get_by_role('spinbutton', name=label).input_value()}"
                      for label, _ in settings)
    return f"{page.get_by_text(SETTINGS_LINE).inner_text()}  [boxes: {boxes}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="tries (default 40)")
    parser.add_argument("--load", type=int, default=0, help="busy processes to run alongside")
    parser.add_argument("--wait", action="store_true",
                        help="wait for each change to show and the app to be idle")
    args = parser.parse_args()
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.load)]
    for spinner in spinners:
        spinner.start()
    server, url = _serve()
    lost = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
            for attempt in range(1, args.runs + 1):
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(PAGE_TIMEOUT_MS)
                line = try_once(page, url, args.wait)
                page.close()
                kept = all(part in line for part in EXPECTED)
                lost += not kept
                print(f"{attempt:3d} {'kept' if kept else 'LOST'}  {line}", flush=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        for spinner in spinners:
            spinner.terminate()
    mode = "waiting for each change" if args.wait else "one after another"
    print(f"{lost} of {args.runs} tries lost a value ({mode}, {args.load} busy processes)")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
