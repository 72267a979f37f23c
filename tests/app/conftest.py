"""Fixtures for the web app's tests: an ``AppTest`` of the app with small, fast run settings.

The optional extra ``hubsim[app]`` must be installed (the test extra installs it): these tests
fail, rather than skip, without it, so a missing install step cannot pass CI unseen.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

try:
    from streamlit.testing.v1 import AppTest
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError(
        "the web app's tests need Streamlit: install hubsim[app] (make test installs it)"
    ) from exc

from app_helpers import APP_TIMEOUT_S, settings

from hubsim.app import ENTRY_POINT
from hubsim.app.state import SETTINGS_STORE


@pytest.fixture
def app() -> Callable[..., AppTest]:
    """Factory: a fresh app, run once on its first page, with small run settings."""

    def _make(**kwargs) -> AppTest:
        test = AppTest.from_file(str(ENTRY_POINT), default_timeout=APP_TIMEOUT_S)
        test.session_state[SETTINGS_STORE] = settings(**kwargs)
        test.run()
        assert not test.exception, test.exception
        return test

    return _make
