"""``hubsim app``: start the web app for planners and commissioners (needs ``hubsim[app]``).

The app is served by Streamlit on 127.0.0.1 unless ``--host`` says otherwise: binding to another
address exposes it to the network, so that is the user's explicit choice. Expected problems
(a bad scenario, a lever out of bounds) are shown as the command line's one-line message; an
unexpected error shows a generic message in the browser and its traceback only in this console.
"""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from typing import Annotated

import typer

from hubsim.app import ENTRY_POINT
from hubsim.cli.common import BAD_INPUT, INTERRUPTED, app, fail

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # loopback only: the app is not on the network unless asked
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")  # addresses only this machine can reach
DEFAULT_PORT = 8501  # Streamlit's usual port
MAX_PORT = 65535
MAX_UPLOAD_MB = 1  # Streamlit's smallest upload limit; the app itself accepts 64 KiB
INSTALL_HINT = "the web app needs Streamlit: install hubsim[app] (pip install 'hubsim[app]')"


def streamlit_command(host: str, port: int) -> list[str]:
    """The command that serves the app: ``python -m streamlit run ENTRY_POINT ...``."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ENTRY_POINT),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--server.fileWatcherType", "none", "--runner.magicEnabled", "false",
        "--server.maxUploadSize", str(MAX_UPLOAD_MB), "--client.showErrorDetails", "none",
    ]


def streamlit_installed() -> bool:
    """Whether the optional extra's packages are importable."""
    return all(importlib.util.find_spec(name) is not None for name in ("streamlit", "tomli_w"))


@app.command("app")
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but 127.0.0.1 makes the app reachable from other "
             "machines.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=MAX_PORT, help="Port to listen on.")]
    = DEFAULT_PORT,
) -> None:
    """Start the web app (choose a scenario, adjust levers, run, compare, download)."""
    if not streamlit_installed():
        fail(INSTALL_HINT, BAD_INPUT)
    command = streamlit_command(host, port)
    if host not in LOOPBACK_HOSTS:
        typer.echo(f"hubsim app: warning: listening on {host}: other machines can reach the app "
                   "(it has no login); use --host 127.0.0.1 to keep it on this machine", err=True)
    typer.echo(f"hubsim app: serving on http://{host}:{port} (Ctrl-C stops it)", err=True)
    logger.info("running %s", " ".join(command))
    try:
        code = subprocess.call(command)
    except KeyboardInterrupt:
        raise typer.Exit(INTERRUPTED) from None
    raise typer.Exit(code)
