"""A Streamlit web app over hubsim's public API, for planners and commissioners.

Start it with ``hubsim app`` (needs the optional extra ``hubsim[app]``). The app holds no model or
validation logic of its own: scenarios are built with ``hubsim.scenario.loader.build`` (so every
message is the command line's), runs go through ``hubsim.experiments.replications``, comparisons
through ``hubsim.experiments.compare``/``hubsim.results.stats`` and the staffing search through
``hubsim.experiments.wte_search``.

This package imports no Streamlit at import time: ``hubsim.app.ENTRY_POINT`` is the script that
``streamlit run`` executes.
"""

from __future__ import annotations

from pathlib import Path

ENTRY_POINT = Path(__file__).with_name("streamlit_app.py")
"""The Streamlit script (``python -m streamlit run ENTRY_POINT``)."""

__all__ = ["ENTRY_POINT"]
