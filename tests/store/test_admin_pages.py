"""The administrators' pages (accounts, audit log) through real HTTP requests, demo sign-in off: what an
admin can do and what the log records of it, and that everyone else gets the not-permitted notice from
the layout and from every callback called directly, and changes nothing."""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import date, timedelta
from urllib.parse import quote

import dash
import openpyxl
import pandas as pd
import pytest

from indicators.accounts import audit
from indicators.accounts.access import Viewer
from indicators.accounts.users import authenticate, list_users
from indicators.store import db
from tests.helpers import request_context, text_of
from tests.web_clients import PASSWORD, audit_rows, call

pytestmark = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
SIMING = "350203"
DENIED_ZH = "无权访问"  # what the admin pages' callbacks answer a viewer without the right


def callback_body(first_output: str, values: dict[str, object], changed: str | None = None) -> dict:
    """The body the browser sends for the callback whose first output is ``first_output`` ("id.property").

    Args:
        first_output: names the callback.
        values: "id.property" → value, for its inputs and states (others are None).
        changed: the input that changed ("id.property"); None for the first call of a page.
    """
    app = dash.get_app()
    key = next(k for k in app.callback_map if k.strip(".").split("...")[0].split("@")[0] == first_output)
    spec = app.callback_map[key]
    outputs = [dict(zip(("id", "property"), part.split("@")[0].split(".", 1))) for part in key.strip(".").split("...")]

    def described(kind: str) -> list[dict]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")}
                for item in ({"id": d["id"], "property": d["property"]} for d in spec[kind])]

    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": described("inputs"),
            "state": described("state"), "changedPropIds": [changed] if changed else []}


def answer(client, first_output: str, values: dict[str, object], changed: str | None = None) -> dict:
    """The callback's outputs ("id.property" → value); empty when it changed nothing."""
    reply = call(client, callback_body(first_output, values, changed))
    assert reply.status_code in (200, 204), reply.get_data(as_text=True)
    if reply.status_code == 204:
        return {}
    response = reply.get_json()["response"]
    return {f"{cid}.{prop}": value for cid, props in response.items() for prop, value in props.items()}


def text(value) -> str:
    """An answer's value as JSON, to look for text in it."""
    return json.dumps(value, ensure_ascii=False)


def page(client, path: str, search: str = "?lang=zh") -> str:
    """The page's layout as the router callback sends it."""
    return text(answer(client, "_pages_content.children", {"_pages_location.pathname": path,
                                                           "_pages_location.search": search},
                       "_pages_location.pathname"))


ARGS = {"admin-users-args.data": {"lang": "zh"}}


def add(client, username: str, *, password: str = "", lang: str = "zh", **fields) -> dict:
    """A click on "add account" with the form filled in (an analyst unless ``role`` says otherwise)."""
    values = {f"admin-users-add-{name}.value": fields.get(name) for name in ("clearance", "city", "districts")}
    values.update({"admin-users-add.n_clicks": 1, "admin-users-add-username.value": username,
                   "admin-users-add-role.value": fields.get("role", "analyst"),
                   "admin-users-add-display-name.value": fields.get("display_name", ""),
                   "admin-users-add-password.value": password, "admin-users-added.data": 0,
                   "admin-users-args.data": {"lang": lang}})
    return answer(client, "admin-users-add-message.children", values, "admin-users-add.n_clicks")


def change(client, button: str, selected: dict | None, **form) -> dict:
    """A click on ``button`` (save, toggle, reset) for the ``selected`` account, the edit form holding ``form``."""
    values = {f"admin-users-edit-{name}.value": form.get(name) for name in ("role", "clearance", "city", "districts")}
    values.update({f"admin-users-{button}.n_clicks": 1, "admin-users-selected.data": selected,
                   "admin-users-changed.data": 0, **ARGS})
    return answer(client, "admin-users-edit-message.children", values, f"admin-users-{button}.n_clicks")


def accounts() -> dict[str, dict]:
    """Every account's rights as the store has them (read as the system)."""
    fields = ("role", "clearance", "city_key", "districts", "active")
    return {row["username"]: {name: None if pd.isna(row[name]) else row[name] for name in fields}
            for row in list_users().to_dict("records")}


def shown_password(message) -> str:
    """The password a confirmation shows (in its code element)."""
    codes = [item["props"]["children"] for line in message["props"]["children"]
             for item in (line["props"]["children"] if isinstance(line["props"]["children"], list) else [])
             if isinstance(item, dict) and item.get("type") == "Code"]
    assert len(codes) == 1, message
    return codes[0]


def audit_filters(**filters) -> dict:
    """The audit page's filter controls holding ``filters`` (``from`` and ``to`` as dates)."""
    values = {f"admin-audit-{name}.{'date' if name in ('from', 'to') else 'value'}": value
              for name, value in filters.items()}
    return {**values, "admin-audit-args.data": {"city": "xiamen", "lang": "zh"}, "admin-audit-exported.data": 0}


# ---- the accounts page ------------------------------------------------------------------------------------

def test_an_admin_sees_the_page_and_every_account(site):
    admin = site.signed_in("admin")
    layout = page(admin, "/admin/users")
    assert "admin-users-grid" in layout and "admin-users-add" in layout and DENIED_ZH not in layout
    listed = answer(admin, "admin-users-grid.rowData", {**ARGS, "admin-users-added.data": 0})
    rows = {row["username"]: row for row in listed["admin-users-grid.rowData"]}
    assert rows[admin.username]["role"] == "admin" and rows[admin.username]["clearance"] == "restricted"
    assert rows[admin.username]["state"] == "启用" and rows[admin.username]["city"] == "全部城市"
    # Every account shows its effective clearance, whether it has one of its own or not.
    site.user("analyst", clearance="restricted")
    listed = answer(admin, "admin-users-grid.rowData", {**ARGS, "admin-users-added.data": 1})
    rows = {row["username"]: row for row in listed["admin-users-grid.rowData"]}
    assert {row["clearance"] for row in rows.values()} <= {"public", "internal", "restricted"}
    assert listed["admin-users-count.children"] == f"共 {len(rows)} 个账号"
    assert listed["admin-users-status.children"] is None
    # The header's navigation offers administration to an admin, whose tabs lead to both pages.
    header = text(answer(admin, "shell-header.children", {"shell-url.pathname": "/admin/users",
                                                          "shell-url.search": "?lang=zh"}, "shell-url.pathname"))
    assert "/admin/users?" in header and "系统管理" in header
    from pages._tabs import admin_tabs

    with request_context(dash.get_app().server, viewer=Viewer("root", "admin", "restricted")):
        tabs = text_of(admin_tabs("/admin/users", "xiamen", "zh"))
    assert "/admin/users?" in tabs and "/admin/audit?" in tabs and "账号管理" in tabs and "审计日志" in tabs


def test_an_admin_adds_accounts_with_a_password_shown_once_and_each_is_audited(site):
    admin = site.signed_in("admin")
    name = f"li-{uuid.uuid4().hex[:6]}"
    districts = answer(admin, "admin-users-add-districts.options", {"admin-users-add-city.value": "xiamen", **ARGS},
                       "admin-users-add-city.value")
    assert {"label": "思明区", "value": SIMING} in districts["admin-users-add-districts.options"]

    done = add(admin, name, city="xiamen", districts=[SIMING], display_name="李明")
    password = shown_password(done["admin-users-add-message.children"])
    assert "已添加账号" in text(done) and "仅显示这一次" in text(done)
    assert done["admin-users-added.data"] == 1 and done["admin-users-add-password.value"] == ""
    assert done["admin-users-add-username.value"] == ""
    made = authenticate(name, password)
    assert made is not None and (made.role, made.city_key, made.districts) == ("analyst", "xiamen", (SIMING,))
    entry = audit_rows("user_add", name)[-1]
    assert entry.user == admin.username and entry.remote_addr.startswith("10.9.")
    assert json.loads(entry.detail)["districts"] == [SIMING]

    typed = f"wang-{uuid.uuid4().hex[:6]}"
    done = add(admin, typed, password=PASSWORD, role="viewer", clearance="internal", lang="en")
    assert f"Account {typed} added." in text(done)
    assert "shown this once" not in text(done) and PASSWORD not in text(done)
    assert authenticate(typed, PASSWORD).clearance == "internal"


@pytest.mark.parametrize(("username", "password", "options", "lang", "message"), [
    (None, PASSWORD, {}, "zh", "用户名已存在"),  # None: a user name already taken
    (None, PASSWORD, {}, "en", "User 'viewer-"),
    ("x y", PASSWORD, {}, "en", "User name: letters, digits"),
    ("short-pass", "short", {}, "zh", "密码至少 10 个字符"),
    ("scope", PASSWORD, {"districts": [SIMING]}, "en", "Districts need a city"),
    ("scope", PASSWORD, {"city": "ningde", "districts": [SIMING]}, "zh", "不属于该城市的区县"),
])
def test_refused_additions_say_why_in_the_page_language_and_add_nothing(site, username, password, options, lang,
                                                                         message):
    admin = site.signed_in("admin")
    username = username or site.user("viewer")
    before = accounts()
    refused = add(admin, username, password=password, lang=lang, **options)
    shown = refused["admin-users-add-message.children"]["props"]["children"]
    assert message in shown and " / " not in shown  # the page's language only
    assert "admin-users-added.data" not in refused  # the list is not reloaded: nothing changed
    assert accounts() == before


def test_an_admin_changes_disables_enables_and_resets_an_account_and_each_is_audited(site):
    admin = site.signed_in("admin")
    other = site.signed_in("analyst")
    name = other.username
    selected = {"username": name, "active": True}

    saved = change(admin, "save", selected, role="viewer", clearance="internal", city="xiamen", districts=[SIMING])
    assert "已保存" in text(saved) and saved["admin-users-changed.data"] == 1
    row = accounts()[name]
    assert (row["role"], row["clearance"], row["city_key"]) == ("viewer", "internal", "xiamen")
    assert row["districts"] == SIMING
    detail = json.loads(audit_rows("user_change", name)[-1].detail)
    assert detail["role"] == ["analyst", "viewer"] and audit_rows("user_change", name)[-1].user == admin.username
    # A change of rights ends the account's sessions.
    assert call(other, callback_body("admin-users-grid.rowData", ARGS)).status_code == 401

    # Back to the role's clearance and every city: an empty clearance and city.
    change(admin, "save", selected, role="viewer", clearance=None, city=None, districts=[])
    row = accounts()[name]
    assert (row["clearance"], row["city_key"], row["districts"]) == ("public", None, "")

    disabled = change(admin, "toggle", selected)
    assert "已停用" in text(disabled) and not accounts()[name]["active"]
    assert json.loads(audit_rows("user_change", name)[-1].detail)["active"] == [True, False]
    assert authenticate(name, PASSWORD) is None
    enabled = change(admin, "toggle", {"username": name, "active": False})
    assert "已启用" in text(enabled) and accounts()[name]["active"]

    reset = change(admin, "reset", selected)
    password = shown_password(reset["admin-users-edit-message.children"])
    assert authenticate(name, password) is not None and authenticate(name, PASSWORD) is None
    assert audit_rows("password_reset", name)[-1].user == admin.username


def test_an_admin_cannot_change_their_own_account_or_nobody(site):
    admin = site.signed_in("admin")
    for button in ("save", "toggle", "reset"):
        refused = change(admin, button, {"username": admin.username, "active": True}, role="viewer")
        assert "不能在此更改您自己的账号" in text(refused) and "admin-users-changed.data" not in refused
    assert accounts()[admin.username]["role"] == "admin" and accounts()[admin.username]["active"]
    assert "请先在表格中选择一个账号" in text(change(admin, "toggle", None))
    # Still signed in: nothing ended the admin's session.
    assert call(admin, callback_body("admin-users-grid.rowData", ARGS)).status_code == 200


def test_selecting_a_row_fills_the_edit_form_from_the_current_rows(site):
    admin = site.signed_in("admin")
    rows = [{"username": "zhao", "display_name": "赵", "role": "analyst", "clearance": "restricted",
             "city_key": "xiamen", "districts": [SIMING], "active": False}]
    shown = answer(admin, "admin-users-selected.data", {"admin-users-grid.selectedRows": [{"username": "zhao"}],
                                                        "admin-users-grid.rowData": rows, **ARGS},
                   "admin-users-grid.selectedRows")
    assert shown["admin-users-selected.data"] == {"username": "zhao", "role": "analyst", "clearance": "restricted",
                                                  "city": "xiamen", "districts": [SIMING], "active": False}
    assert shown["admin-users-edit.hidden"] is False and shown["admin-users-toggle.children"] == "启用账号"
    assert shown["admin-users-edit-name.children"] == "zhao · 赵"
    # The districts come with their options, in the same answer.
    assert {"label": "思明区", "value": SIMING} in shown["admin-users-edit-districts.options"]
    assert shown["admin-users-edit-districts.value"] == [SIMING]
    nothing = answer(admin, "admin-users-selected.data", {"admin-users-grid.selectedRows": [],
                                                          "admin-users-grid.rowData": rows, **ARGS})
    assert nothing["admin-users-selected.data"] is None and nothing["admin-users-edit.hidden"] is True


# ---- everyone else ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "analyst", "leader"])
def test_non_admins_get_the_notice_from_the_layouts_and_every_callback_and_change_nothing(site, role):
    admin = site.signed_in("admin")
    client = site.signed_in(role)
    # The page itself: the one refusal of every page the viewer may not open, with a way to sign in and back.
    for path in ("/admin/users", "/admin/audit"):
        layout = page(client, path)
        assert "无权查看" in layout and f"/login?next={quote(path, safe='')}" in layout
        assert "admin-users-grid" not in layout and "admin-audit-grid" not in layout
    assert "not yours to see" in page(client, "/admin/users", "?lang=en")
    header = text(answer(client, "shell-header.children", {"shell-url.pathname": "/", "shell-url.search": "?lang=zh"},
                         "shell-url.pathname"))
    assert "/admin/" not in header

    listed = answer(client, "admin-users-grid.rowData", ARGS)
    assert listed["admin-users-grid.rowData"] == [] and DENIED_ZH in text(listed["admin-users-status.children"])
    assert admin.username not in text(listed)
    before = accounts()
    intruder = f"intruder-{uuid.uuid4().hex[:6]}"
    assert DENIED_ZH in text(add(client, intruder, role="admin"))
    for button in ("save", "toggle", "reset"):
        refused = change(client, button, {"username": admin.username, "active": True}, role="viewer")
        assert DENIED_ZH in text(refused) and "admin-users-changed.data" not in refused
    assert accounts() == before and authenticate(admin.username, PASSWORD) is not None
    selected = answer(client, "admin-users-selected.data", {
        "admin-users-grid.selectedRows": [{"username": admin.username}], **ARGS,
        "admin-users-grid.rowData": [{"username": admin.username, "display_name": "", "role": "admin",
                                      "clearance": "restricted", "city_key": None, "districts": [], "active": True}]})
    assert selected["admin-users-edit.hidden"] is True
    assert answer(client, "admin-users-add-districts.options", {"admin-users-add-city.value": "xiamen", **ARGS})[
        "admin-users-add-districts.options"] == []

    log = answer(client, "admin-audit-grid.rowData", audit_filters())
    assert log["admin-audit-grid.rowData"] == [] and DENIED_ZH in text(log["admin-audit-status.children"])
    exported = answer(client, "admin-audit-download.data", {**audit_filters(), "admin-audit-export-csv.n_clicks": 1},
                      "admin-audit-export-csv.n_clicks")
    assert "admin-audit-download.data" not in exported and DENIED_ZH in text(exported)
    refusals = [e for e in audit_rows("access_denied") if e.user == client.username]
    # The refused page visits are recorded too (the one refusal of every page).
    assert {json.loads(e.detail)["action"] for e in refusals} == {"open_page", "user_add", "user_save", "user_toggle",
                                                                  "user_reset", "export"}
    assert not [e for e in audit_rows("export", "audit") if e.user == client.username]


# ---- the audit log ----------------------------------------------------------------------------------------

def test_the_log_filters_by_user_action_text_and_dates_and_shows_input_as_typed(site):
    admin = site.signed_in("admin")
    marker = uuid.uuid4().hex[:8]
    script = f"<script>alert('{marker}')</script>"
    audit.record("sign_in_failed", target=script, user=f"mallory-{marker}", remote_addr="10.6.6.6")
    audit.record("export", target=f"ECO-GDP-001@350200 {marker}", user=f"analyst-{marker}", remote_addr="10.6.6.7")

    found = answer(admin, "admin-audit-grid.rowData", audit_filters(q=marker), "admin-audit-q.value")
    rows = found["admin-audit-grid.rowData"]
    assert [row["action"] for row in rows] == ["export", "sign_in_failed"]  # newest first
    assert rows[1]["target"] == script and rows[1]["remote_addr"] == "10.6.6.6"
    assert found["admin-audit-count.children"] == "共 2 条" and found["admin-audit-status.children"] is None
    assert found["admin-audit-url.search"] == f"?city=xiamen&lang=zh&q={marker}"
    assert f"mallory-{marker}" in [option["value"] for option in found["admin-audit-user.options"]]

    by_action = answer(admin, "admin-audit-grid.rowData", audit_filters(q=marker, action="sign_in_failed"),
                       "admin-audit-action.value")
    assert [row["user"] for row in by_action["admin-audit-grid.rowData"]] == [f"mallory-{marker}"]
    assert "action=sign_in_failed" in by_action["admin-audit-url.search"]
    by_user = answer(admin, "admin-audit-grid.rowData", audit_filters(user=f"analyst-{marker}"))
    assert [row["action"] for row in by_user["admin-audit-grid.rowData"]] == ["export"]
    assert "admin-audit-url.search" not in by_user  # the first call leaves the URL as it came

    today = date.today()
    inside = answer(admin, "admin-audit-grid.rowData", audit_filters(q=marker, **{"from": today.isoformat(),
                                                                                  "to": today.isoformat()}))
    assert len(inside["admin-audit-grid.rowData"]) == 2
    yesterday = (today - timedelta(days=1)).isoformat()
    before = answer(admin, "admin-audit-grid.rowData", audit_filters(q=marker, to=yesterday))
    assert before["admin-audit-grid.rowData"] == [] and before["admin-audit-count.children"] == "共 0 条"
    backwards = answer(admin, "admin-audit-grid.rowData", audit_filters(**{"from": today.isoformat(),
                                                                           "to": "2020-01-01"}))
    assert backwards["admin-audit-grid.rowData"] == [] and "起始日期晚于截止日期" in text(backwards)


def test_the_log_shows_the_newest_entries_up_to_its_limit_and_says_so(site):
    from indicators.views.admin import ROW_LIMIT

    admin = site.signed_in("admin")
    marker = uuid.uuid4().hex[:8]
    with db.transaction() as session:
        for number in range(ROW_LIMIT + 1):
            audit.record_in(session, "export", target=f"{marker}-{number:04d}", user="bulk", remote_addr="10.6.6.9")
    listed = answer(admin, "admin-audit-grid.rowData", audit_filters(q=marker))
    rows = listed["admin-audit-grid.rowData"]
    assert len(rows) == ROW_LIMIT and rows[0]["target"] == f"{marker}-{ROW_LIMIT:04d}"  # the oldest is left out
    assert listed["admin-audit-count.children"] == f"显示最新 {ROW_LIMIT} 条;更早的记录请缩小筛选范围"


def test_the_export_has_the_filtered_entries_keeps_formulas_inert_and_is_itself_audited(site):
    admin = site.signed_in("admin")
    marker = uuid.uuid4().hex[:8]
    formula = f'=HYPERLINK("http://evil.example/{marker}","x")'
    audit.record("sign_in_failed", target=formula, user="?", remote_addr="10.6.6.8")
    audit.record("sign_in_failed", target=f"plain {marker}", user="?", remote_addr="10.6.6.8")
    filters = audit_filters(q=marker, action="sign_in_failed")

    sent = answer(admin, "admin-audit-download.data", {**filters, "admin-audit-export-csv.n_clicks": 1},
                  "admin-audit-export-csv.n_clicks")
    csv_text = base64.b64decode(sent["admin-audit-download.data"]["content"]).decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0] == "编号,时间,用户,操作,对象,详情,来源地址" and len(lines) == 3
    assert "'=HYPERLINK" in csv_text and ",登录失败," in lines[1]
    assert sent["admin-audit-download.data"]["filename"].endswith(".csv") and "已导出 2 条记录" in text(sent)
    assert sent["admin-audit-exported.data"] == 1
    entry = [e for e in audit_rows("export", "audit") if e.user == admin.username][-1]
    assert json.loads(entry.detail) == {"format": "csv", "rows": 2,
                                        "filters": {"action": "sign_in_failed", "q": marker}}

    sent = answer(admin, "admin-audit-download.data", {**filters, "admin-audit-export-xlsx.n_clicks": 1},
                  "admin-audit-export-xlsx.n_clicks")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sent["admin-audit-download.data"]["content"]))).active
    cells = {cell.value: cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
    assert cells["'" + formula] == "s" and formula not in cells
    # After an export the list shows the export's own entry.
    listed = answer(admin, "admin-audit-grid.rowData",
                    {**audit_filters(action="export"), "admin-audit-exported.data": 2}, "admin-audit-exported.data")
    newest = listed["admin-audit-grid.rowData"][0]
    assert (newest["user"], newest["target"]) == (admin.username, "audit") and '"xlsx"' in newest["detail"]

    backwards = answer(admin, "admin-audit-download.data",
                       {**audit_filters(**{"from": "2025-02-01", "to": "2025-01-01"}),
                        "admin-audit-export-csv.n_clicks": 1}, "admin-audit-export-csv.n_clicks")
    assert "admin-audit-download.data" not in backwards and "起始日期晚于截止日期" in text(backwards)


# ---- the layouts (the refusal is recorded, so these need a store) ---------------------------------------------------

def test_the_accounts_layout_is_the_notice_only_for_a_non_admin(use_demo_store, dash_app):
    from pages import admin_users

    def refused_visits() -> int:
        return len([e for e in audit_rows("access_denied", "/admin/users")
                    if e.user == "li" and json.loads(e.detail)["action"] == "open_page"])

    before = refused_visits()
    with request_context(dash_app.server, "/admin/users", Viewer("li", "leader", "restricted")):
        refused = text_of(admin_users.layout(lang="en"))
    # The one page refusal, with the way to sign in as someone who may.
    assert "not yours to see" in refused and "/login?next=%2Fadmin%2Fusers" in refused
    assert "admin-users-grid" not in refused and "admin-users-add" not in refused
    assert refused_visits() == before + 1  # the refused visit is recorded
    with request_context(dash_app.server, "/admin/users", Viewer("root", "admin", "restricted")):
        page = text_of(admin_users.layout(lang="zh"))
    assert "无权查看" not in page and "admin-users-grid" in page and "admin-users-add-password" in page
    assert '"autoComplete": "new-password"' in page  # never the admin's own saved password


def test_the_audit_layout_is_the_notice_only_for_a_non_admin_and_takes_the_url_filters(use_demo_store, dash_app):
    from pages import admin_audit

    with request_context(dash_app.server, "/admin/audit", Viewer("li", "analyst", "internal")):
        refused = text_of(admin_audit.layout(lang="zh"))
    assert "无权查看" in refused and "以有权限的账号登录" in refused and "admin-audit-grid" not in refused and "admin-audit-export-csv" not in refused
    with request_context(dash_app.server, "/admin/audit", Viewer("root", "admin", "restricted")):
        page = admin_audit.layout(lang="en", action="user_add", user="li", **{"from": "2025-06-01"})
    text = text_of(page)
    assert "not yours to see" not in text and '"value": "user_add"' in text and '"date": "2025-06-01"' in text
    assert '{"label": "li", "value": "li"}' in text  # the URL's user is a choice before the log is read
    assert "dangerously" not in text
