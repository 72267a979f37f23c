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

from playwright.sync_api import Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "app"))
from browser import launch_chromium, served_app, wait_idle  # noqa: E402

OUT = REPO_ROOT / "docs" / "img"
VIEWPORT = {"width": 1200, "height": 900}  # px: a laptop screen
RUN = ["scenarios/staffing-growth.toml", "--replications", "5", "--seed", "0"]
PSA = ["scenarios/baseline.toml", "--draws", "40", "--replications", "1", "--seed", "0"]
REPORT_SECTIONS = ("results", "figures", "assumptions", "validation")
APP_LOAD_S = 120_000  # ms: a first run of the app on a loaded machine

logger = logging.getLogger("make_screenshots")


def hubsim(*args: str) -> None:
    """Run a hubsim command from the repository root; stop on failure."""
    subprocess.run([sys.executable, "-c", "from hubsim.cli import main; main()", *args],
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
    from app_screens import shoot_app  # the app's pages: see tests/app/app_screens.py

    with tempfile.TemporaryDirectory() as tmp, served_app(Path(tmp) / "app.log") as url:
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(APP_LOAD_S)
        page.goto(url)
        wait_idle(page)
        shoot_app(page, url, OUT)


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
