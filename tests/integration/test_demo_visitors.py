"""A visitor of demo mode reaches every page of the README: the header says whose view they see (not a user name
beside a sign-in button), a page their view may not open says the one refusal of the data desk with a link to sign
in and come back, the login page names the demo operator and admin, and those accounts open nothing once demo
sign-in is off."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pytest

from indicators.accounts.users import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from indicators.store import db
from tests.integration.conftest import artifacts_dir, assert_accessible
from tests.web_clients import Site, sign_in

REFUSED = ["/admin/users", "/admin/audit", "/data/upload", "/data/sources"]


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_the_header_says_whose_view_a_demo_visitor_sees(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/?city=xiamen&lang=zh")
    page.wait_for_selector(".theme-card", timeout=30000)
    account = page.locator(".account")
    assert account.locator(".account-name").count() == 0  # no "demo" beside a sign-in link
    assert account.inner_text().split("\n") == ["演示访客 · 领导视图", "换账号登录"]
    assert account.locator("a").get_attribute("href") == "/login?lang=zh"
    page.goto(f"{live_server}/?city=xiamen&lang=en")
    page.wait_for_selector(".theme-card", timeout=30000)
    assert "Demo · leader's view" in page.locator(".account").inner_text()
    assert page_problems == {"console": [], "offsite": [], "failed": []}


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_every_refused_page_says_the_same_and_leads_to_a_demo_account(page, live_server, page_problems, viewport):
    notices = set()
    for path in REFUSED:
        page.goto(f"{live_server}{path}?city=xiamen&lang=zh")
        notice = page.wait_for_selector(".notice-error", timeout=30000)
        notices.add(notice.inner_text())
        link = page.locator(".notice-error a")
        assert link.get_attribute("href") == f"/login?next={quote(path, safe='')}&lang=zh"
    assert notices == {"该内容不存在,或您无权查看。 以有权限的账号登录"}
    assert_accessible(page)
    page.locator(".notice-error a").click()  # the last one: /data/sources
    page.wait_for_selector(".login-card")
    listed = page.locator(".login-demo-accounts li").all_inner_texts()
    assert listed == ["demo-operator 数据操作员", "demo-admin 管理员"]
    assert DEMO_PASSWORD in page.locator(".login-card").inner_text()
    page.screenshot(path=str(artifacts_dir() / "login-demo-accounts-pc.png"))
    page.fill("input[name=username]", "demo-operator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click(".login-submit")
    page.wait_for_selector(".src-page", timeout=30000)
    assert page.url.startswith(f"{live_server}/data/sources")
    assert page.locator(".notice-error").count() == 0
    assert page.locator(".account .account-name").inner_text() == "demo-operator"
    assert page_problems == {"console": [], "offsite": [], "failed": []}


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_the_demo_admin_opens_the_admin_pages(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/login?next={quote('/admin/users?city=xiamen&lang=zh')}")
    page.fill("input[name=username]", "demo-admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click(".login-submit")
    page.wait_for_selector("#admin-users-grid .ag-row", timeout=30000)
    names = page.eval_on_selector_all("#admin-users-grid .ag-row", "rows => rows.map(r => r.innerText)")
    assert any("demo-operator" in row for row in names)
    assert page_problems == {"console": [], "offsite": [], "failed": []}


def test_demo_accounts_open_nothing_once_demo_sign_in_is_off(dash_app, store_url, monkeypatch):
    db.upgrade(store_url)
    server = dash_app.server
    settings = server.config["CITYVITALS_SETTINGS"]
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS", replace(settings, demo_login=True))
    site = Site(server, address_prefix="10.17")
    with server.app_context():
        ensure_demo_accounts()
    kept = site.client()
    assert sign_in(kept, "demo-admin", DEMO_PASSWORD).status_code == 302
    assert kept.get("/admin/users").status_code == 200
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS", replace(settings, demo_login=False))
    assert kept.get("/admin/users").headers["Location"].startswith("/login")  # the session ended
    for username in DEMO_ACCOUNTS:
        refused = sign_in(site.client(), username, DEMO_PASSWORD)
        assert refused.status_code == 401, username


def test_a_demo_account_signs_in_before_any_page_was_visited(dash_app, store_url, monkeypatch):
    db.upgrade(store_url)  # a fresh store: the demo accounts are not made yet
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=True))
    client = Site(server, address_prefix="10.18").client()
    assert sign_in(client, "demo-operator", DEMO_PASSWORD).status_code == 302
    assert client.get("/data/upload").status_code == 200
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    assert sign_in(Site(server, address_prefix="10.19").client(), "demo-admin", DEMO_PASSWORD).status_code == 401
