"""Whole answers of read-only callbacks, cached as encoded bytes.

A warm call of a callback named in ``CACHEABLE`` (Dash's page router only for the pages in
``ROUTED_PAGES``) is answered from the cache before Dash reads the request: no callback, no queries, no
JSON encoding. The key holds everything the answer depends on:

* the callback and the request body (minus the inputs ``CACHEABLE`` says the callback ignores, such as
  the big screen's refresh counter, which counts up on every refresh);
* who asks: the viewer's role (an alert's detail offers the actions the role may take) and clearance and
  scope (``Viewer.cache_key``); for a ``SESSION`` callback also the session, as its answer carries the
  session's CSRF token and account name;
* the store, its data version (every load, warning run and alert action bumps it) and the day.

An entry lives ``TTL`` seconds at most, so an answer that looks at the clock (the screen's banner for
data older than two days) is at most that late. Only answers of 200 are kept, and not those rendered
while any store call failed (a notice, or a part left empty). The callbacks named here must not write,
audit or set headers: alert actions, exports and anything else that does are simply not named. As they
only read, their cached queries use the data version read here (``pin_data_version``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date

import dash
import flask
from flask import g, request

from indicators.accounts.access import current_viewer
from indicators.store import db
from indicators.views.cache import cache, current_data_version, pin_data_version
from web.hardening import CALLBACK_PATH

log = logging.getLogger(__name__)
TTL = 300
VIEWER, SESSION = "viewer", "session"
# Dash's page router, which renders the layout of the page a link opens, known by its output.
ROUTER, ROUTER_OUTPUT = "dash page router", "_pages_content.children"
# Callback (module.function) → (whose answer it is, inputs whose values do not change the answer).
CACHEABLE: dict[str, tuple[str, frozenset[str]]] = {
    "pages._shell.update_shell": (SESSION, frozenset()),
    "pages._shell.find_indicators": (VIEWER, frozenset()),
    "pages.home.fill_home": (VIEWER, frozenset()),
    "pages._group.fill_group": (VIEWER, frozenset()),
    "pages.indicator.fill_indicator": (VIEWER, frozenset()),
    "pages.area.fill_area": (VIEWER, frozenset()),
    "pages.catalog.fill_catalog": (VIEWER, frozenset()),
    "pages.alerts.fill_list": (VIEWER, frozenset()),
    "pages.alerts.fill_detail": (VIEWER, frozenset()),
    "pages.map.recolour": (VIEWER, frozenset()),
    "pages.map.fill_panel": (VIEWER, frozenset()),
    "pages.screen.fill_screen": (VIEWER, frozenset({"screen-refresh.n_intervals"})),
    ROUTER: (VIEWER, frozenset()),
}
# The router runs the layout of the page at its pathname: only these pages' layouts read nothing but
# versioned data and the viewer (the admin and data desk pages show accounts and loads, which change
# without a new data version).
ROUTED_PAGES = re.compile(r"/((themes|topics|indicator|area)/[^/]+|catalog|alerts|map|screen)?")


def callback_name(output: str) -> str | None:
    """``module.function`` of the callback that serves ``output`` (``ROUTER`` for Dash's page router)."""
    if ROUTER_OUTPUT in output.split(".."):
        return ROUTER
    entry = dash.get_app().callback_map.get(output)
    function = entry and entry.get("callback")
    function = getattr(function, "__wrapped__", function)
    return f"{function.__module__}.{function.__qualname__}" if function else None


def opens_routed_page(body: dict) -> bool:
    """Whether a request to the page router opens one of ``ROUTED_PAGES``."""
    return any(isinstance(item, dict) and item.get("property") == "pathname" and isinstance(item.get("value"), str)
               and ROUTED_PAGES.fullmatch(item["value"]) for item in body["inputs"])


def response_key(body: dict, version: int) -> str | None:
    """The cache key of this callback request at data ``version``, or None when its answer must not be cached."""
    name = callback_name(body["output"])
    if name not in CACHEABLE:
        return None
    scope, ignored = CACHEABLE[name]
    if name == ROUTER and not opens_routed_page(body):
        return None
    viewer = current_viewer()
    owner = f"{viewer.role}|{viewer.cache_key}"
    if scope == SESSION:
        session_token = flask.session.get("csrf_token")
        if not session_token:
            return None  # no token yet: the answer makes one, and two such sessions must not share it
        owner += f"|{viewer.username}|{session_token}"
    inputs = [{**item, "value": None} if isinstance(item, dict) and f"{item['id']}.{item['property']}" in ignored
              else item for item in body["inputs"]]
    material = json.dumps([name, {**body, "inputs": inputs}, owner, db.current_url(), version,
                           date.today().isoformat()], sort_keys=True, ensure_ascii=False, default=str)
    return "response:" + hashlib.blake2b(material.encode(), digest_size=20).hexdigest()


def answer_from_cache():
    """Before Dash: answer a cacheable callback request from the cache when it holds the answer."""
    if (request.path != CALLBACK_PATH or request.method != "POST" or getattr(cache, "app", None) is None
            or not cache.available()):
        return None  # not a callback, or the cache is switched off or failed moments ago (as for queries)
    body = request.get_json()
    if callback_name(body["output"]) not in CACHEABLE:
        return None
    try:
        version = current_data_version()
        key = response_key(body, version)
        cached = None if key is None else cache.get(key)
    except db.StoreUnavailable:
        return None  # Dash answers, and the pages say the store is down
    except Exception as exc:  # a cache that is down must not take the pages with it
        log.warning("response cache unavailable: %s", exc)
        return None
    if cached is not None:
        return flask.Response(cached, mimetype="application/json")
    pin_data_version(version)
    if key is not None:
        g.response_cache = (key, version, db.failures())
    return None


def keep_answer(response: flask.Response) -> flask.Response:
    """After Dash: keep a good answer of a cacheable callback under the key of its request."""
    pending = g.pop("response_cache", None)
    if pending is None or response.status_code != 200 or response.direct_passthrough:
        return response
    key, version, failures_before = pending
    if db.failures() != failures_before:
        return response  # built while the store failed: a notice, or parts left empty
    try:
        if current_data_version() == version:  # the data did not change while the answer was built
            cache.set(key, response.get_data(), timeout=TTL)
    except db.StoreUnavailable:
        pass
    except Exception as exc:
        log.warning("response cache unavailable, answer not kept: %s", exc)
    return response


def init_app(server: flask.Flask) -> None:
    """Wire the cache in after sign-in and the callback check (a refused request never reaches it)."""
    server.before_request(answer_from_cache)
    server.after_request(keep_answer)
