"""Small helpers the page tests share."""

import json
from contextlib import contextmanager
from contextvars import copy_context

import plotly


def text_of(value) -> str:
    """Components and figures as the JSON Dash sends, to look for text in them."""
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def run_callback(function, triggered: str | None, **kwargs):
    """Call a page callback as Dash would, ``triggered`` naming the input that changed (None: first call)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def call():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": triggered, "value": None}] if triggered else []))
        return function(**kwargs)

    return copy_context().run(call)


@contextmanager
def request_context(server, path: str = "/", viewer=None):
    """A request context of the app's Flask server with ``viewer`` signed in (the system by default),
    as the sign-in layer leaves it for the pages."""
    import flask

    from indicators.accounts.access import SYSTEM

    with server.test_request_context(path):
        flask.g.viewer = viewer or SYSTEM
        yield
