"""Small helpers the page tests share."""

import json
from contextlib import contextmanager
from contextvars import copy_context

import plotly


def text_of(value) -> str:
    """Components and figures as the JSON Dash sends, to look for text in them."""
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def as_tree(value):
    """A component (or list, dict, figure) as plain data: ``{"type", "props"}`` with children converted too."""
    return json.loads(text_of(value))


def find_components(value, kind: str | None = None, **props) -> list[dict]:
    """Every component in ``value`` of type ``kind`` (e.g. "Td", "Link") whose props include ``props``, in
    document order, as plain data: for asserting on the structure of a page instead of searching its text."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "type" in node and "props" in node:
                if (kind is None or node["type"] == kind) and all(node["props"].get(k) == v for k, v in props.items()):
                    found.append(node)
                for child in node["props"].values():
                    walk(child)
            else:
                for child in node.values():
                    walk(child)

    walk(as_tree(value))
    return found


def assert_same_component(actual, expected) -> None:
    """Two components (or trees of them) are equal in type, props and children."""
    assert as_tree(actual) == as_tree(expected)


def run_callback(function, triggered: str | None, triggered_value=None, **kwargs):
    """Call a page callback as Dash would, ``triggered`` naming the input that changed (None: first call) to
    ``triggered_value`` (a click's count, say)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def call():
        inputs = [{"prop_id": triggered, "value": triggered_value}] if triggered else []
        context_value.set(AttributeDict(triggered_inputs=inputs))
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
