"""hubsim web app: the script ``streamlit run`` executes (``hubsim app`` starts it).

Six pages over hubsim's public API: choose a scenario and adjust its levers; run replications
and see the results; compare against the unchanged scenario, and up to four scenarios side by
side; search for the staffing that meets a target; download results, report and scenario;
project from a Hub's own extract.
"""

from __future__ import annotations

import streamlit as st

from hubsim.app.common import APP_TITLE

st.set_page_config(page_title=APP_TITLE, page_icon=":material/health_and_safety:",
                   layout="wide")

PAGES = [
    st.Page("pages/scenario.py", title="Scenario & levers", icon=":material/tune:",
            default=True),
    st.Page("pages/results.py", title="Run & results", icon=":material/play_circle:"),
    st.Page("pages/compare.py", title="Compare scenarios", icon=":material/compare_arrows:"),
    st.Page("pages/search.py", title="Staffing search", icon=":material/group_add:"),
    st.Page("pages/downloads.py", title="Downloads", icon=":material/download:"),
    st.Page("pages/today.py", title="Project from today", icon=":material/update:"),
]

st.navigation(PAGES).run()  # each page draws the sidebar itself (hubsim.app.common.sidebar)
