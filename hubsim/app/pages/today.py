"""Page: project from today. A Hub's extract (one row per referral) is fitted as ``hubsim fit``
fits it, over the current scenario, and projected month by month from its state as ``hubsim
project`` does: fitted parameters with their sources, the monthly table and fan charts, the
month the 18-week standard is first met, and the table to download."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from hubsim.app import state
from hubsim.app.common import require_built, sidebar
from hubsim.app.limits import (
    MAX_EXTRACT_UPLOAD_BYTES,
    MAX_PROJECTION_MONTHS,
    check_workload,
)
from hubsim.app.safe_upload import BYTES_PER_KIB, parse_extract_upload
from hubsim.app.views import plain_text, show_error
from hubsim.experiments.extract_fit import fit_scenario
from hubsim.experiments.fit_output import fitted_scenario
from hubsim.experiments.projection import STANDARD_PCT, project, projection_scenario
from hubsim.figures import png_bytes
from hubsim.figures.projection import projection_fan
from hubsim.scenario.extract import EXTRACT_COLUMNS, ExtractError, latest_date
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.schema import Scenario

UPLOADER = "today.upload"
AS_OF = "today.as_of"
MONTHS = "today.months"
RESULT = "result.today"
DEFAULT_MONTHS = 12
SHOWN = ("month_end", "waiting_clients_mean", "waiting_clients_p10", "waiting_clients_p90",
         "waiting_under_18w_pct_mean", "waiting_over_18w_clients_mean",
         "waiting_over_52w_clients_mean")


def _extract_upload():
    upload = st.file_uploader(
        f"Hub extract (CSV, up to {MAX_EXTRACT_UPLOAD_BYTES // BYTES_PER_KIB:,} KiB): one row per "
        f"referral with the columns {', '.join(EXTRACT_COLUMNS)}; see the README's 'Project "
        "from your own data' and scenarios/data/extract-template.csv.", type=["csv"],
        key=UPLOADER)
    if upload is None:
        st.info("Upload an extract to fit and project. Client references are read only to "
                "check for duplicates and are never shown or stored.")
        st.stop()
    return upload


def _fitted(base: Scenario, upload) -> tuple[Scenario, object]:
    """The fitted scenario and the fit, or the message in the page and a stop."""
    data = upload.getvalue()
    try:
        latest = latest_date(parse_extract_upload(data, upload.name, dt.date.max))
        as_of = st.date_input("As-of date: the extract as it stood on this day", value=latest,
                              min_value=latest, key=AS_OF)
        extract = parse_extract_upload(data, upload.name, as_of)
        fit = fit_scenario(extract, base)
        scenario = fitted_scenario(fit, base, as_of, f"{base.name} from {as_of}")
    except (ExtractError, ScenarioError) as exc:
        show_error(exc)
        st.stop()
    except ValueError as exc:  # too little history to fit demand: names the column
        show_error(ValueError(f"{upload.name}: {exc}"))
        st.stop()
    return scenario, fit


def _show_fit(scenario: Scenario, fit) -> None:
    assert scenario.state is not None  # a fitted scenario always has one
    st.subheader("Fitted parameters and their sources")
    st.dataframe(fit.table(), hide_index=True)
    demand = fit.demand
    kind = "trend and month of year" if demand.seasonal else "trend only"
    st.caption(plain_text(
        f"Demand: Poisson GLM ({kind}) on {demand.screenings:,} screenings over {demand.months} "
        f"months. State on {scenario.start_date}: {len(scenario.state.clients)} clients "
        f"(awaiting triage {scenario.state.count('awaiting_triage')}, waiting for therapy "
        f"{scenario.state.count('waiting_therapy')}, in therapy "
        f"{scenario.state.count('in_therapy')}); {fit.not_carried} in navigation to an "
        "external service not carried."))


def _run(scenario: Scenario) -> None:
    months = int(st.number_input("Months to project", min_value=1,
                                 max_value=MAX_PROJECTION_MONTHS, value=DEFAULT_MONTHS, step=1,
                                 key=MONTHS))
    replications, seed, _ = state.settings()
    st.caption(f"Run will project {months} months with {replications} replications, seed "
               f"{seed} (run settings in the sidebar).")
    key = (scenario.model_dump_json(), months, replications, seed)
    if st.button("Run projection", key="today.run", type="primary"):
        try:
            check_workload(projection_scenario(scenario, months), replications)
        except ScenarioError as exc:
            show_error(exc)
            return
        with st.spinner(f"Projecting {replications} replications…"):
            st.session_state[RESULT] = (key, project(scenario, months, replications, seed))
    kept = st.session_state.get(RESULT)
    if kept is None or kept[0] != key:
        return
    result = kept[1]
    st.subheader("Projection")
    st.markdown(plain_text(f"Therapy list first meets {STANDARD_PCT:g}% waiting 18 weeks or "
                           f"less: {result.answer}."))
    therapy = result.table[result.table["list"] == "therapy"]
    st.dataframe(therapy[list(SHOWN)].round(1), hide_index=True)
    st.image(png_bytes(projection_fan(result.table, f"Projection from {scenario.start_date}",
                                      f"{replications} replications · seed {seed}")),
             caption="Mean and 80% interval over replications, at each month end")
    st.download_button("The projection table, every list and measure (CSV)",
                       result.table.to_csv(index=False), file_name="projection.csv",
                       mime="text/csv", on_click="ignore", icon=":material/table:",
                       key="today.csv")


sidebar()
st.title("Project from today")
built = require_built()
if not isinstance(built.changed, Scenario):
    st.info("Projecting from an extract needs a single-Hub scenario: choose one on the "
            "Scenario & levers page.")
    st.stop()
st.markdown("Fit the current scenario to your Hub's own records (demand, pathway parameters "
            "and who is waiting or in therapy today), then project the lists month by month "
            "from there. Staffing and costs come from the current scenario and its levers.")
fitted, found = _fitted(built.changed, _extract_upload())
_show_fit(fitted, found)
_run(fitted)
