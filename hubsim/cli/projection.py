"""``hubsim fit`` and ``hubsim project``: start from where a Hub stands today.

``fit`` reads a Hub's extract (``hubsim.scenario.extract``), fits demand, pathway parameters and the
state at the as-of date (``hubsim.experiments.extract_fit``) and writes a scenario that ``extends``
the base. ``project`` runs a scenario with a state month by month
(``hubsim.experiments.projection``) and writes the monthly table and fan charts. Bad input exits 2
with one line naming the file, row and column, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from hubsim.cli.common import ScenarioArg, SeedOpt, SetOpt, app, check_out_dir, fail, load_or_fail
from hubsim.scenario.loader import ScenarioError, load_scenario
from hubsim.scenario.schema import Scenario

DEFAULT_PROJECT_REPLICATIONS = 30
MAX_PROJECT_REPLICATIONS = 10_000
TABLE_FILE = "projection.csv"
MONTHLY_FILE = "projection_replications.csv"
STANDARD_FILE = "standard_met.csv"
FIGURE_STEM = "projection"


def _as_of(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of: {text!r} is not a date (YYYY-MM-DD)")
        raise  # unreachable: fail exits


@app.command()
def fit(
    extract: Annotated[Path, typer.Argument(help="The Hub's extract (CSV; see the README).",
                                            show_default=False)],
    as_of: Annotated[str, typer.Option("--as-of", help="The as-of date, YYYY-MM-DD: the "
                                       "extract as it stood that day.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Scenario file to write.", show_default=False)],
    scenario: Annotated[Path | None, typer.Option(
        help="Base scenario the new one extends \\[default: the registry's defaults].")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Fit a scenario to a Hub's extract: demand, pathway parameters, state at the as-of date."""
    from hubsim.experiments.extract_fit import fit_scenario
    from hubsim.experiments.fit_output import fitted_scenario_toml
    from hubsim.scenario.extract import ExtractError, read_extract
    from hubsim.scenario.loader import build

    day = _as_of(as_of)
    if out.exists() and not force:
        fail(f"{out}: exists (give --force to replace it)")
    base = (load_or_fail(scenario, None) if scenario is not None
            else build({"name": "Hub"}, None, "registry"))
    if not isinstance(base, Scenario):
        fail(f"{scenario}: a single-Hub scenario is needed (this one has several Hubs)")
        return
    try:
        found = fit_scenario(read_extract(extract, day), base)
    except ExtractError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"{extract}: {exc}")
    name = f"{base.name if scenario else 'Hub'} from {day}"
    text = fitted_scenario_toml(found, day, str(extract), out, scenario, name)
    _write_checked(out, text)
    typer.echo(f"fitted: {out}")
    typer.echo(found.table().to_string(index=False))


def _write_checked(out: Path, text: str) -> None:
    """Write ``text`` at ``out`` only once it loads as a valid scenario from there."""
    folder = out.resolve().parent
    if not folder.is_dir():
        fail(f"{out}: folder {folder} does not exist")
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".toml", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            load_scenario(tmp)
        except ScenarioError as exc:
            fail(f"{out}: the fitted scenario is not valid ({exc.field}: {exc.message})")
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)


@app.command()
def project(
    scenario: ScenarioArg,
    months: Annotated[int, typer.Option(min=1, max=120, help="Calendar months to project.")]
    = 12,
    replications: Annotated[int, typer.Option(
        min=1, max=MAX_PROJECT_REPLICATIONS, help="Replications.")] = DEFAULT_PROJECT_REPLICATIONS,
    seed: SeedOpt = 0,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the table and fan charts.")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing folder.")] = False,
    set_: SetOpt = None,
) -> None:
    """Project a scenario with a \\[state] month by month: list sizes, 18/52-week waits, when the
    18-week standard is first met, with 80% intervals."""
    from hubsim.experiments.projection import STANDARD_PCT
    from hubsim.experiments.projection import project as run_projection
    from hubsim.figures.projection import projection_fan
    from hubsim.figures.style import save_figure
    from hubsim.results.write import atomic_folder

    loaded = load_or_fail(scenario, set_)
    if not isinstance(loaded, Scenario) or loaded.state is None:
        fail(f"{scenario}: state: a scenario with a [state] is needed (write one with "
             "hubsim fit)")
    if out is not None:
        check_out_dir(out, force)
    result = run_projection(loaded, months, replications, seed)
    therapy = result.table[result.table["list"] == "therapy"]
    columns = ["month_end", "waiting_clients_mean", "waiting_clients_p10", "waiting_clients_p90",
               "waiting_under_18w_pct_mean", "waiting_over_52w_clients_mean"]
    typer.echo(f"{loaded.name}: {months} months from {loaded.start_date}, {replications} "
               "replications (mean and 80% interval)")
    typer.echo(therapy[columns].round(1).to_string(index=False))
    typer.echo(f"therapy list first meets {STANDARD_PCT:g}% within 18 weeks: {result.answer}")
    if out is None:
        return
    source = f"Scenario: {loaded.name} · {replications} replications · seed {seed}"
    figure = projection_fan(result.table, f"Projection from {loaded.start_date}", source)
    with atomic_folder(out, force) as folder:
        result.table.to_csv(folder / TABLE_FILE, index=False)
        result.monthly.to_csv(folder / MONTHLY_FILE, index=False)
        result.standard_met.to_csv(folder / STANDARD_FILE, index=False)
        save_figure(figure, folder / FIGURE_STEM)
    typer.echo(f"written: {out}")
