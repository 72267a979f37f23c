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
import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from app_helpers import PAGES  # noqa: E402  (the app tests' helpers, shared with this script)
from browser import launch_chromium, served_app, type_number, wait_idle  # noqa: E402

PAGE_TIMEOUT_MS = 90_000
SHOWN_TIMEOUT_MS = 30_000  # a change not shown by then counts as lost (wait mode)
SETTLE_S = 1.0  # after the page switch, before the settings line is read (no-wait mode)
VIEWPORT = {"width": 1400, "height": 1500}
LEVERS_HEADING = PAGES["pages/scenario.py"]
RESULTS_HEADING = PAGES["pages/results.py"]
SETTINGS_LINE = re.compile(r"days · \d+ replications · seed")
TYPED = (("Therapists (WTE)", "1.5"), ("Horizon (days)", "365"), ("Replications", "12"))
EXPECTED = ("365 days", "12 replications", "therapists (WTE): 2.4 → 1.5")


def _spin() -> None:
    while True:
        pass


def try_once(page: Page, url: str, wait: bool) -> str:
    """One session: the settings line the Run & results page shows after the three changes."""
    page.goto(url)
    expect(page.get_by_role("heading", name=LEVERS_HEADING)).to_be_visible()
    (lever_label, lever_value), *settings = TYPED
    type_number(page, lever_label, lever_value)
    if wait:
        expect(page.get_by_text(f"staff.therapists.wte = {lever_value}")).to_be_visible()
        wait_idle(page)
    else:
        for label, value in settings:
            type_number(page, label, value)
    page.get_by_role("link", name="Run & results").click()
    expect(page.get_by_role("heading", name=RESULTS_HEADING)).to_be_visible()
    if wait:
        wait_idle(page)
        for label, value in settings:
            type_number(page, label, value)
            try:
                expect(page.get_by_text(SETTINGS_LINE)).to_contain_text(
                    f"{value} ", timeout=SHOWN_TIMEOUT_MS)
            except AssertionError:
                break  # lost: the line below says which value
            wait_idle(page)
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
    lost = 0
    try:
        with tempfile.TemporaryDirectory() as folder, \
                served_app(Path(folder) / "server.log") as url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
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
        for spinner in spinners:
            spinner.terminate()
    mode = "waiting for each change" if args.wait else "one after another"
    print(f"{lost} of {args.runs} tries lost a value ({mode}, {args.load} busy processes)")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
