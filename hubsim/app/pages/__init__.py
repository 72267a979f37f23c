"""The app's pages: scripts that ``hubsim.app.streamlit_app`` runs with ``st.navigation``.

(A package only so that the pages are installed with hubsim; Streamlit runs each file itself.)
"""
