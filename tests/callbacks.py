"""Callback requests built from the app's own callback map, as a hostile client crafts them: any callback by
its function, with any values for its inputs and states (also those the page would never send)."""

from __future__ import annotations

import json

import dash


def callback_entries() -> dict[str, dict]:
    """Every server-side callback of the app: its output key → its entry in Dash's callback map (built on the
    app's first request, which also registers the page router)."""
    app = dash.get_app()
    if not any("_pages_content" in key for key in app.callback_map):
        app.server.test_client().get("/healthz")
    return {key: entry for key, entry in app.callback_map.items() if entry.get("callback") is not None}


def function_of(entry: dict):
    function = entry["callback"]
    return getattr(function, "__wrapped__", function)


def name_of(entry: dict) -> str:
    function = function_of(entry)
    return f"{function.__module__}.{function.__qualname__}"


def key_of(function) -> str:
    """The callback-map key (its output) of the page callback ``function``."""
    matches = [key for key, entry in callback_entries().items() if function_of(entry) is function]
    assert len(matches) == 1, (function, matches)
    return matches[0]


def outputs_of(key: str) -> list[dict] | dict:
    """The ``outputs`` the renderer sends for a callback-map key (``..a.b...c.d..``, hashes of duplicates off)."""
    def one(text: str) -> dict:
        text = text.split("@")[0]
        component, _, prop = text.rpartition(".")
        return {"id": json.loads(component) if component.startswith("{") else component, "property": prop}

    if key.startswith(".."):
        return [one(part) for part in key[2:-2].split("...")]
    return one(key)


def _item(spec: dict, values: dict) -> dict | list:
    prop_id = f"{spec['id']}.{spec['property']}"
    if spec["id"].startswith("{"):  # a pattern: the matched components, as values gives them (none by default)
        return values.get(prop_id, [])
    return {"id": spec["id"], "property": spec["property"], "value": values.get(prop_id)}


def body(key: str, values: dict, triggered: str | None = None) -> dict:
    """The request for the callback ``key`` with ``values`` (``"component.property"`` → value; missing ones
    None), ``triggered`` naming the input that changed (the first one by default)."""
    entry = dash.get_app().callback_map[key]
    inputs = [_item(spec, values) for spec in entry["inputs"]]
    first = entry["inputs"][0]
    return {"output": key, "outputs": outputs_of(key), "inputs": inputs,
            "state": [_item(spec, values) for spec in entry["state"]],
            "changedPropIds": [triggered or f"{first['id']}.{first['property']}"]}


def call(client, function_or_key, values: dict, triggered: str | None = None):
    """POST the crafted request for a page callback (by function or key) as ``client``."""
    key = function_or_key if isinstance(function_or_key, str) else key_of(function_or_key)
    return client.post("/_dash-update-component", data=json.dumps(body(key, values, triggered)),
                       content_type="application/json")
