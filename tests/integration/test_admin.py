"""The administrators' pages in headless Chromium on a PC and a phone: the demo leader is refused, an admin
signs in on the real login form, adds and disables an account and finds both in the audit log, where markup
typed as a user name shows as text; with an accessibility scan (axe, WCAG 2 A/AA) of both pages."""

import re
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)]
CLEAN = {"console": [], "offsite": [], "failed": []}


def _row(viewport, grid: str, row_id: str = "", index: int | None = None) -> str:
    """A grid row's selector: AG Grid's on a PC, the list item a phone shows instead (assets/92-desk-grids.js)."""
    if viewport["name"] == "mobile":
        return f"{grid} .phone-row" + (f"[data-row-id='{row_id}']" if row_id else "") + (
            f"[data-row-index='{index}']" if index is not None else "")
    return f"{grid} .ag-center-cols-container .ag-row" + (f"[row-id='{row_id}']" if row_id else "") + (
        f"[row-index='{index}']" if index is not None else "")


def _cell(viewport, column: str) -> str:
    """A column's cell within a row (on a phone, the fact's value)."""
    return f"[data-col-id='{column}'] .phone-row-value" if viewport["name"] == "mobile" else f"[col-id='{column}']"


def _column(page, viewport, grid: str, column: str) -> list[str]:
    return page.eval_on_selector_all(f"{_row(viewport, grid)} {_cell(viewport, column)}", "cells => cells.map(c => c.innerText)")


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _header_fits(page) -> bool:
    """Every header link reachable without scrolling, and no name, badge, switch or link broken into two lines."""
    return page.evaluate("""() => {
        const lines = element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
        };
        const nav = document.querySelector('.nav');
        const labels = document.querySelectorAll(
            '.brand-title, .demo-badge, .switch-option, .account-name, .account-role, .nav-link');
        return nav.scrollWidth <= nav.clientWidth + 1 && [...labels].every(label => lines(label) === 1);
    }""")


@pytest.fixture
def settle(page):
    """Wait until the page has had no request in flight for half a second: a callback still running when
    the test leaves the page (the header follows every URL change) would be aborted, a failed request."""
    pending = set()
    page.on("request", lambda request: pending.add(request))
    page.on("requestfinished", lambda request: pending.discard(request))
    page.on("requestfailed", lambda request: pending.discard(request))

    def wait(quiet_ms: int = 500, timeout_ms: int = 20000) -> None:
        quiet = waited = 0
        while quiet < quiet_ms:
            page.wait_for_timeout(100)
            waited += 100
            quiet = 0 if pending else quiet + 100
            if waited > timeout_ms:
                raise AssertionError(f"requests still in flight: {[r.url for r in pending]}")

    return wait


def _fail_sign_in(page, base: str, username: str) -> None:
    """A failed sign-in posted as the login form does (its 401 page is not this test's page)."""
    form = page.context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = page.context.request.post(f"{base}/login", form={"username": username, "password": "wrong-password-1",
                                                               "csrf_token": token, "next": "/"})
    assert answer.status == 401


def _sign_in(page, base: str, username: str, password: str, next_path: str):
    page.goto(f"{base}/login?lang=zh&next={quote(next_path)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login-submit")


def _pick(page, dropdown: str, option: str) -> None:
    page.click(dropdown)
    page.get_by_role("option", name=option, exact=True).click()


def test_the_demo_leader_is_refused_both_pages(page, live_server, page_problems, viewport, settle):
    # The refusal of every page the viewer may not open (see test_demo_visitors): with a way to sign in and back.
    page.goto(live_server + "/admin/users?city=xiamen&lang=zh")
    page.wait_for_selector(".refused-page .notice-error", timeout=30000)
    assert "无权查看" in page.inner_text(".refused-page") and page.locator(".admin-grid").count() == 0
    assert page.get_attribute(".refused-page a", "href") == "/login?next=%2Fadmin%2Fusers&lang=zh"
    page.wait_for_selector(".nav .nav-link", state="attached")
    assert page.locator(".nav a[href^='/admin/']").count() == 0  # the navigation leaves them out
    settle()
    page.goto(live_server + "/admin/audit?city=xiamen&lang=en&action=sign_in")
    page.wait_for_selector(".refused-page .notice-error", timeout=30000)
    assert "not yours to see" in page.inner_text(".refused-page") and page.locator("#admin-audit-export-csv").count() == 0
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"admin-refused-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN


def test_an_admin_adds_and_disables_an_account_and_the_log_shows_it(page, live_server, admin_account, page_problems,
                                                                    viewport, settle):
    admin, password = admin_account
    # A failed sign-in whose "user name" is markup: the log must show it as typed, never run it.
    markup = f"<img src=x onerror=window.__pwned=1>{viewport['name']}"
    _fail_sign_in(page, live_server, markup)
    _sign_in(page, live_server, admin, password, "/admin/users?city=xiamen&lang=zh")
    page.wait_for_selector(_row(viewport, ".admin-users-grid", admin), timeout=30000)
    assert page.inner_text("h1") == "账号管理" and "个账号" in page.inner_text("#admin-users-count")
    if viewport["name"] == "pc":  # phones navigate by the bottom tab bar, without the admin pages
        assert page.locator(".nav a[href^='/admin/users']").is_visible()  # the section's one entry
        assert _header_fits(page)
    assert page.locator(".data-tabs a[href^='/admin/audit']").is_visible()  # and its other page, one tab away
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"admin-users-{viewport['name']}.png"), full_page=False)
    assert_accessible(page)

    # Add an analyst of Siming district; the generated password is shown once.
    name = f"zhang-{viewport['name']}-{uuid.uuid4().hex[:4]}"
    page.fill("#admin-users-add-username", name)
    page.fill("#admin-users-add-display-name", "张三")
    _pick(page, "#admin-users-add-role", "分析员")
    _pick(page, "#admin-users-add-city", "厦门市")
    _pick(page, "#admin-users-add-districts", "思明区")
    page.keyboard.press("Escape")
    page.click("#admin-users-add")
    page.wait_for_selector("#admin-users-add-message .admin-password")
    assert len(page.inner_text("#admin-users-add-message .admin-password")) >= 16
    assert page.input_value("#admin-users-add-username") == "" and page.input_value("#admin-users-add-password") == ""
    cells = _row(viewport, ".admin-users-grid", name)
    page.wait_for_selector(cells)
    assert page.inner_text(f"{cells} {_cell(viewport, 'role')}") == "分析员"
    assert page.inner_text(f"{cells} {_cell(viewport, 'district_names')}") == "思明区"

    # Select it and disable it.
    if viewport["name"] == "mobile":
        page.locator(f"{cells} .phone-row-title").click()
    else:  # the name column is pinned: its cell is in the pinned rows
        page.locator(f".admin-users-grid .ag-row[row-id='{name}'] [col-id='username']").click()
    page.wait_for_selector("#admin-users-edit:not([hidden])")
    if viewport["name"] == "mobile":  # on a phone the form lies below the list: the tap scrolls to it.
        wait_until(page, "() => { const r = document.querySelector('#admin-users-edit').getBoundingClientRect();"
                         " return r.top >= 0 && r.top < window.innerHeight; }")
    assert name in page.inner_text("#admin-users-edit-name")
    wait_until(page, "document.querySelector('#admin-users-edit-districts').innerText.includes('思明区')")
    page.click("#admin-users-toggle")
    page.wait_for_selector("#admin-users-edit-message .notice-success")
    assert f"已停用 {name}" in page.inner_text("#admin-users-edit-message")
    wait_until(page, "document.querySelector('#admin-users-toggle').innerText === '启用账号'")
    assert page.inner_text(f"{cells} {_cell(viewport, 'state')}") == "已停用"
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"admin-users-changed-{viewport['name']}.png"), full_page=True)

    # The log lists both, newest first, and filters by the URL.
    settle()
    page.goto(f"{live_server}/admin/audit?city=xiamen&lang=zh&q={name}")
    page.wait_for_selector(_row(viewport, ".admin-audit-grid"), timeout=30000)
    actions = _column(page, viewport, ".admin-audit-grid", "action")
    assert actions == ["账号变更", "新增账号"]
    assert page.inner_text("#admin-audit-count") == "共 2 条"
    page.locator("#admin-audit-action").click()
    page.get_by_role("option", name="新增账号", exact=True).click()
    wait_until(page, "location.search.includes('action=user_add')")
    wait_until(page, "document.querySelector('#admin-audit-count').innerText === '共 1 条'")
    assert f"q={name}" in page.url

    # Markup stored in the log is text in the grid: no element made of it, no script run.
    settle()
    page.goto(f"{live_server}/admin/audit?city=xiamen&lang=zh&action=sign_in_failed&q={quote(viewport['name'])}")
    page.wait_for_selector(_row(viewport, ".admin-audit-grid"), timeout=30000)
    targets = _column(page, viewport, ".admin-audit-grid", "target")
    assert markup in targets
    assert page.locator(".admin-audit-grid img").count() == 0 and page.evaluate("window.__pwned") is None

    # The export has the filtered entries; the export itself is then the newest entry of the log.
    with page.expect_download() as download:
        page.click("#admin-audit-export-csv")
    data = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert data.splitlines()[0] == "编号,时间,用户,操作,对象,详情,来源地址" and markup in data
    assert "已导出" in page.inner_text("#admin-audit-export-message")
    settle()
    page.goto(f"{live_server}/admin/audit?city=xiamen&lang=zh&action=export&user={admin}")
    page.wait_for_selector(_row(viewport, ".admin-audit-grid"), timeout=30000)
    first = page.locator(_row(viewport, ".admin-audit-grid", index=0))
    assert first.locator(_cell(viewport, "target")).inner_text() == "audit" and '"csv"' in first.inner_text()
    assert page.get_by_role("button", name=re.compile("删除|编辑|修改")).count() == 0  # the log is read only
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"admin-audit-{viewport['name']}.png"), full_page=False)
    assert_accessible(page)
    assert page_problems == CLEAN
