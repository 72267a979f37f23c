"""Page: choose a Hub scenario (or upload one) and adjust the main levers."""

from __future__ import annotations

import streamlit as st

from hubsim.app import lever_widgets, levers, state
from hubsim.app.common import require_original, sidebar
from hubsim.app.limits import MAX_UPLOAD_BYTES
from hubsim.app.safe_upload import BYTES_PER_KIB, display_name, parse_upload
from hubsim.app.shipped import shipped_scenarios, title
from hubsim.app.views import plain_text, show_error
from hubsim.scenario.loader import ScenarioError
from hubsim.scenario.schema import AnyScenario

UPLOAD = "upload"  # the choice that shows the file uploader
CHOICE, UPLOADER, HUB = "ui.scenario", "ui.upload", "ui.hub"


def _choose() -> None:
    """The scenario choice: a shipped scenario, or an uploaded file."""
    options = [*shipped_scenarios(), UPLOAD]
    src = state.source()
    current = src.name if src and src.kind == "shipped" else UPLOAD
    choice = st.selectbox(
        "Scenario", options, key=CHOICE, index=options.index(current),
        format_func=lambda n: "Upload a scenario file…" if n == UPLOAD else f"{title(n)}  ({n})")
    if choice != UPLOAD:
        state.set_source(state.Source("shipped", choice))
        return
    upload = st.file_uploader(
        f"Scenario file (TOML, up to {MAX_UPLOAD_BYTES // BYTES_PER_KIB} KiB). It may extend a "
        "shipped scenario, e.g. `extends = \"baseline.toml\"`.", type=["toml"], key=UPLOADER)
    if upload is None:
        st.info("Choose a .toml scenario file to upload.")
        st.stop()
    name = display_name(upload.name)
    try:
        layers, name = parse_upload(upload.getvalue(), upload.name)
        state.set_source(state.Source("upload", name, upload.file_id, layers))
    except ScenarioError as exc:
        state.set_source(state.Source("upload", name, upload.file_id, error=exc))


def _hub_to_adjust(original: AnyScenario) -> str | None:
    hubs = state.hubs(original)
    if list(hubs) == [None]:
        return None
    return st.selectbox("Hub to adjust", list(hubs), key=HUB,
                        format_func=lambda h: hubs[h].name,
                        help="Each Hub of this scenario has its own levers.")


SECTIONS = (
    ("Demand: arrivals and incident surges", lever_widgets.demand),
    ("Staffing by role (whole-time equivalents, WTE)", lever_widgets.staffing),
    ("Pathway mix after triage", lever_widgets.pathways),
    ("Course length", lever_widgets.course_length),
    ("Waiting-list policy", lever_widgets.policy),
    ("Logic model", lever_widgets.preset),
)


def _changes() -> None:
    try:
        built = state.current()
    except ScenarioError as exc:
        show_error(exc)
        return
    if not built.overrides:
        st.success("The scenario is valid. No lever changed yet: runs use the scenario as "
                   "its file has it.")
        return
    st.success(f"The scenario is valid with your {len(built.overrides)} change(s):")
    st.markdown("\n".join(f"- `{levers.describe(k, v)}`" for k, v in built.overrides.items()))


sidebar()
st.title("Choose a scenario and adjust the levers")
st.caption("Pick one of the Hub scenarios shipped with hubsim, or upload your own; then change "
           "the levers below. Every change is checked exactly as `hubsim run --set` checks it.")
_choose()
original = require_original()
if original.description:
    st.markdown(plain_text(original.description))
hub_id = _hub_to_adjust(original)
hub = state.hubs(original)[hub_id]
for heading, section in SECTIONS:
    with st.expander(heading, expanded=heading.startswith("Staffing")):
        section(hub_id, hub)
_changes()
st.page_link("pages/results.py", label="Run the scenario and see the results",
             icon=":material/play_circle:")
