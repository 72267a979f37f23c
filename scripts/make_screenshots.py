"""Regenerate the screenshots under ``docs/img/``: the HTML report of a run and of a PSA, and the
app's scenario-comparison and download pages. Also prints how wide each report table is against
its column, so a table that no longer fits is seen.

Needs Debian's Chromium (``/usr/bin/chromium``, or ``HUBSIM_CHROMIUM``) driven by Playwright, as
the app's browser test does. Run from the repository root:

    .venv/bin/python scripts/make_screenshots.py            # report and app
    .venv/bin/python scripts/make_screenshots.py report     # report only
    .venv/bin/python scripts/make_screenshots.py app        # app only

The runs are small (a few replications, a 40-draw PSA) and seeded: the pictures show the layout,
not results to quote.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "app"))
from browser import launch_chromium, served_app, type_number, wait_idle  # noqa: E402

OUT = REPO_ROOT / "docs" / "img"
VIEWPORT = {"width": 1200, "height": 900}  # px: a laptop screen
RUN = ["scenarios/staffing-growth.toml", "--replications", "5", "--seed", "0"]
PSA = ["scenarios/baseline.toml", "--draws", "40", "--replications", "1", "--seed", "0"]
REPORT_SECTIONS = ("results", "figures", "assumptions", "validation")
APP_LOAD_MS = 180_000  # a first page load and a run of the app on a loaded machine
APP_VIEWPORT = {"width": 1400, "height": 1500}  # tall enough for the cards and the KPI table
COMPARE_VIEWPORT = {"width": 1400, "height": 2700}  # the side-by-side table and both charts
THERAPISTS_WTE = "1.5"  # down from the baseline's 2.4
SIDE_BY_SIDE = ("staffing-growth.toml", "staffing-cut.toml")  # shipped scenarios added

logger = logging.getLogger("make_screenshots")


def hubsim(*args: str) -> None:
    """Run a hubsim command from the repository root; stop on failure."""
    subprocess.run([sys.executable, "-c", "from hubsim.cli.main import main; main()", *args],
                   cwd=REPO_ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def table_widths(page: Page) -> list[tuple[int, int]]:
    """(table width, column width) in px of every table in the report."""
    return page.evaluate("""() => [...document.querySelectorAll('table')].map(
        t => [t.scrollWidth, t.parentElement.clientWidth])""")


def shoot_section(page: Page, anchor: str, path: Path, max_height: int = 1400) -> None:
    """A screenshot of the top of one report section (at most ``max_height`` px)."""
    box = page.locator(f"section#{anchor}").bounding_box()
    page.screenshot(path=path, full_page=True, clip={
        "x": box["x"] - 20, "y": box["y"], "width": box["width"] + 40,
        "height": min(box["height"], max_height)})
    logger.info("wrote %s", path)


def reports(browser) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run, psa = Path(tmp) / "run", Path(tmp) / "psa"
        hubsim("run", *RUN, "--out", str(run))
        hubsim("report", str(run))
        hubsim("psa", *PSA, "--out", str(psa))
        hubsim("report", str(psa))
        page = browser.new_page(viewport=VIEWPORT)
        for folder, name in ((run, "report"), (psa, "report-psa")):
            page.goto((folder / "report.html").as_uri())
            for (width, column), index in zip(table_widths(page), range(99), strict=False):
                print(f"{name} table {index}: {width} px in a {column} px column"
                      f"{'' if width <= column else '  <- too wide'}")
            sections = REPORT_SECTIONS if name == "report" else ("question", "results",
                                                                  "figures")
            for anchor in sections:
                shoot_section(page, anchor, OUT / f"{name}-{anchor}.png")


def app_pages(browser) -> None:
    """The results page after a change of staffing, the side-by-side comparison with two
    shipped scenarios, and the downloads page."""
    with tempfile.TemporaryDirectory() as tmp, served_app(Path(tmp) / "app.log") as url:
        page = browser.new_page(viewport=APP_VIEWPORT)
        page.set_default_timeout(APP_LOAD_MS)
        expect.set_options(timeout=APP_LOAD_MS)
        page.goto(url)
        expect(page.get_by_role("heading", name="Choose a scenario")).to_be_visible()
        wait_idle(page)
        type_number(page, "Therapists (WTE)", THERAPISTS_WTE)
        wait_idle(page)
        page.get_by_role("link", name="Run & results").click()
        wait_idle(page)
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text("Clients awaiting a triage call over time.")).to_be_visible()
        wait_idle(page)
        page.screenshot(path=OUT / "app-results.png")
        page.get_by_role("link", name="Compare scenarios").click()
        wait_idle(page)
        for name in SIDE_BY_SIDE:
            box = page.get_by_role("combobox").last
            box.click()
            box.fill(name)
            page.keyboard.press("Enter")
            wait_idle(page)
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Run side by side").click()
        expect(page.get_by_alt_text("0").or_(page.locator("img")).nth(1)).to_be_visible()
        wait_idle(page)
        page.set_viewport_size(COMPARE_VIEWPORT)  # the app scrolls inside its own frame
        wait_idle(page)
        page.screenshot(path=OUT / "app-compare.png")
        page.set_viewport_size(APP_VIEWPORT)
        page.get_by_role("link", name="Downloads").click()
        wait_idle(page)
        page.screenshot(path=OUT / "app-downloads.png")
        logger.info("wrote app-results.png, app-compare.png, app-downloads.png")


def main(which: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            if not which or "report" in which:
                reports(browser)
            if not which or "app" in which:
                app_pages(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
