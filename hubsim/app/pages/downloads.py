"""Page: download the results (CSV, Excel), the report (HTML) and the scenario (TOML)."""

from __future__ import annotations

import functools

import streamlit as st

from hubsim.app import levers, state
from hubsim.app.common import require_built, sidebar
from hubsim.app.outputs import RunResult, run_key
from hubsim.app.shipped import scenarios_dir
from hubsim.app.toml_out import changes_toml, scenario_toml
from hubsim.app.views import plain_text

# Tables offered as CSV (the files `hubsim run` writes), with what each holds. (Page scripts keep
# notes in comments: Streamlit would show a bare string in the page.)
CSV_TABLES: dict[str, str] = {
    "summary": "KPI summary: mean, sd and 95% interval of each KPI",
    "replications": "KPIs of each replication",
    "clients": "One row per simulated client per replication",
    "timeseries": "Queues and staff in use, one row per day per replication",
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _results(result: RunResult) -> None:
    stem = result.experiment.scenario.hub
    for table, words in CSV_TABLES.items():
        if table not in result.results.tables():
            continue
        st.download_button(
            f"{words} (CSV)", functools.partial(result.csv, table), file_name=f"{stem}-{table}.csv",
            mime="text/csv", on_click="ignore", icon=":material/table:", key=f"csv.{table}")
    st.download_button("Everything as an Excel workbook, with a README sheet (XLSX)",
                       result.workbook, file_name=f"{stem}-results.xlsx", mime=XLSX_MIME,
                       on_click="ignore", icon=":material/grid_on:", key="xlsx")
    st.download_button("The report: results, figures, assumptions, validation (HTML)",
                       result.report, file_name=f"{stem}-report.html", mime="text/html",
                       on_click="ignore", icon=":material/description:", key="report")


def _note(built: state.Built) -> list[str]:
    seed_line = ("Made by the hubsim app from "
                 f"{'the shipped scenario' if built.source.kind == 'shipped' else 'the upload'} "
                 f"{built.source.name}.")
    return [seed_line, "Run it with: hubsim run THIS_FILE"]


def _changes_note(built: state.Built, horizon: float) -> list[str]:
    words = levers.change_list(built.original, built.overrides)
    return [*_note(built), "It holds the scenario's own settings (the files it extended merged "
            "in: it needs no other file)", f"with a horizon of {horizon:,.0f} days and your "
            f"{len(words)} change{'' if len(words) == 1 else 's'}:",
            *(f"  - {w}" for w in words)]


def _scenario(built: state.Built) -> None:
    stem = built.changed.hub
    st.download_button("The scenario with your changes, complete (TOML)",
                       scenario_toml(built.changed, _note(built)), file_name=f"{stem}.toml",
                       mime="application/toml", on_click="ignore", icon=":material/code:",
                       key="toml",
                       help="Every field written out, the evidence registry's defaults included.")
    _, _, horizon = state.settings()
    settings = {"name": f"{built.changed.name} (changed)", "horizon_days": horizon}
    st.download_button(
        f"Only the scenario's own settings and your changes, from {built.source.name} (TOML)",
        changes_toml(state.layers(), {**settings, **built.overrides},
                     _changes_note(built, horizon), scenarios_dir()),
        file_name=f"{stem}-changes.toml", mime="application/toml", on_click="ignore",
        icon=":material/difference:", key="toml.changes",
        help="Short and self-contained: runs wherever it is saved (hubsim run FILE); values "
             "the file does not set come from the evidence registry.")


sidebar()
st.title("Downloads")
built = require_built()
st.subheader("Scenario")
_scenario(built)
st.subheader("Results")
replications, seed, _ = state.settings()
result: RunResult | None = st.session_state.get("result.run")
if result is None:
    st.info("Run the scenario on the Run & results page first; its results appear here.")
    st.stop()
if result.key != run_key(built.changed, seed, replications):
    st.warning("These are the results of the last run, made before your latest changes.")
st.caption(plain_text(f"{result.experiment.scenario.name}: {result.experiment.replications} "
                      f"replications, seed {result.experiment.seed}."))
_results(result)
