"""Whole answers of read-only callbacks, cached as encoded bytes.

A warm call of a callback declared ``@cacheable_answer`` where it is defined (``indicators.views.cache
.ANSWERS``) — or of Dash's page router opening a page registered with ``cacheable_layout=True`` — is
answered from the cache before Dash reads the request: no callback, no queries, no JSON encoding. The
key (``CacheContext``) holds everything the answer depends on:

* the callback and the request body (minus the inputs the declaration says the callback ignores, such as
  the big screen's refresh counter, which counts up on every refresh);
* who asks: the viewer's role (an alert's detail offers the actions the role may take) and clearance and
  scope; for a ``SESSION`` callback also the session, as its answer carries the session's CSRF token
  and account name;
* the store, its data version (every load, warning run and alert action bumps it) and the day.

An entry lives ``TTL`` seconds at most, so an answer that looks at the clock (the screen's banner for
data older than two days) is at most that late. Only answers of 200 are kept, and not those rendered
while any store call failed (a notice, or a part left empty). Declared callbacks must not write, audit
or set headers: alert actions, exports and anything else that does are simply not declared. As they
only read, their cached queries use the data version read here (``pin_data_version``).
"""

from __future__ import annotations

import logging
import re

import dash
import flask
from flask import g, request

from indicators.accounts.access import current_viewer
from indicators.store import db
from indicators.views.cache import (
    ANSWERS,
    SESSION,
    VIEWER,
    AnswerPolicy,
    CacheContext,
    cache,
    current_data_version,
    pin_data_version,
)
from web.hardening import CALLBACK_PATH

log = logging.getLogger(__name__)
TTL = 300
# Dash's page router, which renders the layout of the page a link opens, known by its output.
ROUTER, ROUTER_OUTPUT = "dash page router", "_pages_content.children"


def routed_pages() -> re.Pattern[str]:
    """The paths of pages registered with ``cacheable_layout=True``: their layouts read nothing but
    versioned data and the viewer (the admin and data desk pages show accounts and loads, which change
    without a new data version, and do not declare it)."""
    paths = [re.sub(r"<[^>]+>", "[^/]+", page.get("path_template") or page["path"])
             for page in dash.page_registry.values() if page.get("cacheable_layout")]
    return re.compile("|".join(f"(?:{path})" for path in paths) or "(?!)")


def policy_of(name: str | None) -> AnswerPolicy | None:
    """How the answer of callback ``name`` is cached, or None when it is not."""
    if name == ROUTER:
        return AnswerPolicy(VIEWER, frozenset())
    return ANSWERS.get(name) if name else None


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
    pages = routed_pages()
    return any(isinstance(item, dict) and item.get("property") == "pathname" and isinstance(item.get("value"), str)
               and pages.fullmatch(item["value"]) for item in body["inputs"])


def response_key(body: dict, version: int) -> str | None:
    """The cache key of this callback request at data ``version``, or None when its answer must not be cached."""
    name = callback_name(body["output"])
    policy = policy_of(name)
    if policy is None or (name == ROUTER and not opens_routed_page(body)):
        return None
    session = None
    if policy.by == SESSION:
        session = flask.session.get("csrf_token")
        if not session:
            return None  # no token yet: the answer makes one, and two such sessions must not share it
        session = f"{current_viewer().username}|{session}"
    inputs = [{**item, "value": None}
              if isinstance(item, dict) and f"{item['id']}.{item['property']}" in policy.ignoring
              else item for item in body["inputs"]]
    return CacheContext.now(version).key("response", name, [{**body, "inputs": inputs}, session])


def answer_from_cache():
    """Before Dash: answer a cacheable callback request from the cache when it holds the answer."""
    if (request.path != CALLBACK_PATH or request.method != "POST" or getattr(cache, "app", None) is None
            or not cache.available()):
        return None  # not a callback, or the cache is switched off or failed moments ago (as for queries)
    body = request.get_json()
    if policy_of(callback_name(body["output"])) is None:
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
