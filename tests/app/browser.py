"""Driving the real app in headless Chromium: shared by the browser test and
``scripts/stress_app_inputs.py``.

``served_app`` starts ``hubsim app`` on a free loopback port and stops it (with its Streamlit
child) afterwards; ``launch_chromium`` starts Debian's ``chromium`` through Playwright (no browser
download); ``type_number`` and ``wait_idle`` make one change and wait for the app to take it.
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
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, expect

DEBIAN_CHROMIUM = "/usr/bin/chromium"  # where Debian's `chromium` package puts the browser
CHROMIUM = os.environ.get("HUBSIM_CHROMIUM", DEBIAN_CHROMIUM)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOOPBACK = "127.0.0.1"
SERVER_START_S = 90  # Streamlit imports and starts in a few seconds; a loaded CI machine is slower
SERVER_STOP_S = 10
POLL_S = 0.5
APP_ROOT = '[data-testid="stApp"]'  # Streamlit marks its script's state on the app's root
SCRIPT_STATE, SCRIPT_IDLE = "data-test-script-state", "notRunning"


class AppServerError(RuntimeError):
    """``hubsim app`` exited or did not answer in time (the message carries its log)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AppServerError(f"hubsim app exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=POLL_S) as answer:
                if answer.read() == b"ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(POLL_S)
    raise AppServerError(f"hubsim app did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@contextmanager
def served_app(log: Path) -> Iterator[str]:
    """``hubsim app`` on a free loopback port, its output in ``log``; yields its URL."""
    port = _free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from hubsim.cli.main import main; main()", "app",
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


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian Chromium; a clear error (never a skip) when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        raise FileNotFoundError(f"no Chromium at {CHROMIUM}: install Debian's package "
                                "(apt-get install chromium); make test and .ci/run do so where "
                                "missing")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def type_number(page: Page, label: str, value: str) -> None:
    """Type ``value`` into the number box ``label`` and commit it (Enter)."""
    box = page.get_by_role("spinbutton", name=label)
    box.fill(value)
    box.press("Enter")


def wait_idle(page: Page) -> None:
    """Wait until the app has finished its rerun (Streamlit's own marker on the page)."""
    expect(page.locator(APP_ROOT)).to_have_attribute(SCRIPT_STATE, SCRIPT_IDLE)
