"""The ``hubsim`` command line.

Exit codes: 0 success; 1 a check failed; 2 bad input (file, scenario field or option), reported in
one line naming the file and the field, without a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import typer

from hubsim.cli.common import BAD_INPUT, app
from hubsim.experiments.stopping import exit_code, sigterm_as_interrupt
from hubsim.scenario.loader import ScenarioError

try:  # typer vendors its own click from 0.2x on
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer, on the click package
    from click.exceptions import (  # type: ignore[assignment]  # the same classes
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )

if TYPE_CHECKING:  # names for annotations; imported where used, to keep start-up light
    pass



def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        with sigterm_as_interrupt():  # SIGTERM (timeout, a scheduler) stops any command as Ctrl-C
            code = app(standalone_mode=False)
    except ScenarioError as exc:  # e.g. a bad --set caught outside a command's own handling
        typer.echo(f"hubsim: error: {exc}", err=True)
        sys.exit(BAD_INPUT)
    except NoArgsIsHelpError as exc:  # bare ``hubsim``: the help, as before
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:  # a bad option or argument: one line, not a box
        typer.echo(f"hubsim: error: {one_line(exc.format_message())}", err=True)
        sys.exit(BAD_INPUT)
    except ClickException as exc:
        typer.echo(f"hubsim: error: {one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("hubsim: interrupted", err=True)
        sys.exit(exit_code())
    sys.exit(code if isinstance(code, int) else 0)


def one_line(text: str) -> str:
    """``text`` with its lines joined, for a one-line error message."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


# Each topic module registers its commands on ``app`` when imported.
from hubsim.cli import (  # noqa: E402, F401
    economics,
    evidence,
    experiments,
    projection,
    reporting,
    run,  # first: validate and run head the command list
    staff,
    webapp,
)
