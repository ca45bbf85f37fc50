"""Cached callback answers (web/response_cache.py) through real HTTP requests to the app, signed in,
demo sign-in off: the same answer as uncached, gone with new data, never shared across clearance, role or
session, and never for callbacks outside the whitelist."""

from __future__ import annotations

import importlib
import json
import re
import uuid

import dash
import pytest
from sqlalchemy import func, select

from tests.support.dash_requests import (
    alert_payloads,
    multi_payload,
    payload,
    screen_payloads,
)
from indicators.accounts.users import authenticate, create_user
from indicators.catalog.entries import load_catalog
from indicators.store import db
from indicators.store.models import AuditEntry
from indicators.views.cache import cache, current_data_version
from indicators.views.queries import alerts
from indicators.warnings.alerts import run_warnings
from tests.conftest import DEMO_TODAY
from tests.helpers import request_context
from tests.web_clients import PASSWORD, call
from web.response_cache import callback_name, policy_of, response_key

pytestmark = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
RESTRICTED = [entry for entry in load_catalog() if entry.sensitivity == "restricted"]
SENTINEL = b'{"multi": true, "response": {"sentinel": {"children": "from the cache"}}}'


def answer(client, body: dict) -> bytes:
    """The body of a callback's answer, which must be a 200."""
    response = call(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data()


def uncached_call(client, body: dict, monkeypatch) -> bytes:
    """The answer with every cache switched off: what Dash and the store give."""
    with monkeypatch.context() as patch:
        patch.setattr(cache, "app", None)
        return answer(client, body)


def key_for(site, client, body: dict) -> str:
    """The cache key of ``body`` for the client's account (callbacks cached per viewer)."""
    with request_context(site.server, viewer=authenticate(client.username, PASSWORD).viewer()):
        return response_key(body, current_data_version())


def indicator_page(code: str = "ECO-GDP-001") -> dict:
    return payload("indicator-content", "indicator-args", {"code": code, "city": "xiamen", "lang": "zh", "area": None})


def test_a_warm_call_is_answered_from_the_cache_with_the_uncached_answer(site, monkeypatch):
    client = site.signed_in("analyst")
    body = indicator_page()
    first = answer(client, body)
    key = key_for(site, client, body)
    assert cache.get(key) == first
    assert answer(client, body) == first == uncached_call(client, body, monkeypatch)
    cache.set(key, SENTINEL)  # a warm call goes no further than the cache
    assert answer(client, body) == SENTINEL


def test_the_screen_refresh_counter_does_not_split_entries(site, monkeypatch):
    client = site.signed_in("leader")
    with request_context(site.server, viewer=authenticate(client.username, PASSWORD).viewer()):
        first = screen_payloads("xiamen")[0]
    later = json.loads(json.dumps(first))
    later["inputs"][0]["value"] = 7
    assert key_for(site, client, later) == key_for(site, client, first)
    assert answer(client, first) == answer(client, later) == uncached_call(client, later, monkeypatch)


def router(path: str, search: str = "?city=xiamen&lang=zh") -> dict:
    """Dash's page router as Chromium calls it when a link opens ``path``."""
    return multi_payload([("_pages_content", "children"), ("_pages_store", "data")],
                         [("_pages_location", "pathname", path), ("_pages_location", "search", search)], [])


def test_the_page_router_is_cached_only_for_pages_of_versioned_data(site, monkeypatch):
    admin = site.signed_in("admin")
    body = router("/map")
    assert answer(admin, body) == answer(admin, body) == uncached_call(admin, body, monkeypatch)
    assert key_for(site, admin, body) is not None
    # The accounts page lists accounts, which change without a new data version: rendered afresh each time.
    accounts = router("/admin/users", "")
    answer(admin, accounts)
    assert key_for(site, admin, accounts) is None
    create_user(f"new-{uuid.uuid4().hex[:8]}", PASSWORD, "viewer")
    assert answer(admin, accounts) == uncached_call(admin, accounts, monkeypatch)


def test_new_data_invalidates_the_cached_answers(site, monkeypatch):
    client = site.signed_in("analyst")
    body = indicator_page()
    answer(client, body)
    old_key = key_for(site, client, body)
    cache.set(old_key, SENTINEL)
    with db.transaction() as session:
        db.bump_data_version(session)
    assert key_for(site, client, body) != old_key
    assert answer(client, body) == uncached_call(client, body, monkeypatch) != SENTINEL


def test_viewers_of_different_clearance_never_share_an_entry(site, monkeypatch):
    cleared = site.signed_in("analyst", clearance="restricted")
    analyst = site.signed_in("analyst")
    petition = payload("group-content", "group-args", {"kind": "topic", "key": "petition", "city": "xiamen",
                                                        "lang": "zh", "filters": {}})
    names = [entry.name_zh.encode() for entry in RESTRICTED]
    assert any(name in answer(cleared, petition) for name in names)
    for_analyst = answer(analyst, petition)
    assert not any(name in for_analyst for name in names)
    assert for_analyst == uncached_call(analyst, petition, monkeypatch)


def test_viewers_of_different_roles_never_share_an_entry(site, monkeypatch):
    analyst, operator = site.signed_in("analyst"), site.signed_in("operator")  # both clearance internal
    with request_context(site.server, viewer=authenticate(analyst.username, PASSWORD).viewer()):
        if alerts("xiamen").empty:
            run_warnings(today=DEMO_TODAY)  # idempotent: the demo store's warnings, as other tests make them
        alert_id = int(alerts("xiamen", state="new")["id"].iloc[0])
    detail = alert_payloads("xiamen", [alert_id])[-1]  # offers the actions the role may take
    for_analyst = answer(analyst, detail)
    assert answer(operator, detail) == uncached_call(operator, detail, monkeypatch) != for_analyst


def test_sessions_never_share_a_header(site):
    first = site.signed_in("analyst")
    second = site.signed_in_as(first.username)
    header = multi_payload([("shell-header", "children"), ("shell-footer", "children"), ("shell", "className"),
                            ("shell-tabs", "children")],
                           [("shell-url", "pathname", "/"), ("shell-url", "search", "?city=xiamen")], [])
    answer(first, header)  # the session's CSRF token is made on its first header
    mine = answer(first, header)
    token = re.search(rb'"value":"([^"]+)","type":"hidden","name":"csrf_token"', mine).group(1)
    assert answer(first, header) == mine  # kept for the session …
    answer(second, header)
    assert token not in answer(second, header)  # … and for no other, even of the same account


def test_callbacks_outside_the_whitelist_are_never_cached(site):
    client = site.signed_in("analyst")
    export = multi_payload([("indicator-download", "data")],
                           [("indicator-export-csv", "n_clicks", 1), ("indicator-export-xlsx", "n_clicks", None)],
                           [("indicator-args", "data", {"code": "ECO-GDP-001", "city": "xiamen", "lang": "zh",
                                                        "area": None})])

    def exports() -> int:
        with db.transaction() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "export", AuditEntry.user == client.username))

    answer(client, export)
    answer(client, export)
    assert exports() == 2  # each export ran, and was audited
    with request_context(site.server, viewer=authenticate(client.username, PASSWORD).viewer()):
        version = current_data_version()
        outside = [output for output in dash.get_app().callback_map if policy_of(callback_name(output)) is None]
        assert "indicator-download.data" in outside
        assert all(response_key({"output": output, "inputs": []}, version) is None for output in outside)


def test_an_answer_rendered_while_the_store_fails_is_not_kept(site, monkeypatch):
    client = site.signed_in("analyst")
    body = payload("home-content", "home-args", {"city": "ningde", "lang": "en"})

    def store_down(*_args, **_kwargs):  # a query on a store that does not answer (nothing listens on port 1)
        with db.using("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1"), db.connect():
            pass

    with monkeypatch.context() as patch:
        patch.setattr(importlib.import_module("pages.home"), "theme_scores", store_down)
        assert b"notice-store-down" in answer(client, body)
    assert cache.get(key_for(site, client, body)) is None
    assert b"notice-store-down" not in answer(client, body)


def test_cacheable_answers_and_layouts_are_declared_where_they_are_defined(site):
    from indicators.views.cache import ANSWERS, SESSION
    from web.response_cache import routed_pages

    assert {name for name in ANSWERS if name.startswith("pages.")} >= {
        "pages._shell.update_shell", "pages._shell.find_indicators", "pages.home.fill_home",
        "pages._group.fill_group", "pages.indicator.fill_indicator", "pages.area.fill_area",
        "pages.catalog.fill_catalog", "pages.alerts.fill_list", "pages.alerts.fill_detail", "pages.map.recolour",
        "pages.map.fill_panel", "pages.map.fill_map", "pages.screen.fill_screen"}
    assert ANSWERS["pages._shell.update_shell"].by == SESSION
    assert ANSWERS["pages.screen.fill_screen"].ignoring == {"screen-refresh.n_intervals"}
    pages = routed_pages()
    assert all(pages.fullmatch(path) for path in ("/", "/themes/economy", "/indicator/ECO-GDP-001", "/area/350203",
                                                   "/catalog", "/alerts", "/map", "/screen"))
    assert not any(pages.fullmatch(path) for path in ("/data/loads", "/admin/users", "/data/quality", "/indicator/a/b"))
