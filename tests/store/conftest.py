"""Fixtures of the store tests that go through the web app."""

from dataclasses import replace

import pytest

from tests.web_clients import Site


@pytest.fixture
def site(dash_app, use_demo_store, monkeypatch) -> Site:
    """The app with demo sign-in off (as in production), on the demo store; a factory of signed-in clients."""
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    return Site(server)
