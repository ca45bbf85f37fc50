"""The administrators' pages' builders without a browser or a store: rows, columns, forms, messages, the audit
filters and the export."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import openpyxl
import pandas as pd
import pytest

from indicators.accounts.access import Viewer
from indicators.views import admin as audit_view
from pages._export import inert, table_bytes
from pages._reports import in_language
from tests.helpers import request_context, text_of

SIMING, HULI = "350203", "350206"


@pytest.fixture(scope="module")
def users_page(dash_app):
    # Pages register themselves with the app, so they import only once it exists.
    from pages import admin_users

    return admin_users


@pytest.fixture(scope="module")
def audit_page(dash_app):
    from pages import admin_audit

    return admin_audit


@pytest.fixture(scope="module")
def users_parts(dash_app):
    from pages import _admin_users_parts

    return _admin_users_parts


@pytest.fixture(scope="module")
def audit_parts(dash_app):
    from pages import _admin_audit_parts

    return _admin_audit_parts


ACCOUNTS = pd.DataFrame([
    {"username": "li.ming", "display_name": "李明", "role": "analyst", "clearance": "internal", "city_key": "xiamen",
     "districts": f"{SIMING},{HULI}", "active": True, "created_at": pd.Timestamp("2025-06-01 09:30:12"),
     "last_sign_in_at": pd.Timestamp("2025-06-30 08:05:00")},
    {"username": "wang", "display_name": float("nan"), "role": "viewer", "clearance": "restricted",
     "city_key": float("nan"), "districts": "", "active": False, "created_at": pd.Timestamp("2025-06-02 10:00:00"),
     "last_sign_in_at": pd.NaT},
])


# ---- accounts ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "lang", "shown"), [
    ("用户名已存在 / user 'li' exists", "zh", "用户名已存在"),
    ("用户名已存在 / user 'li' exists", "en", "User 'li' exists"),
    ("未知城市 / unknown city 'paris'", "en", "Unknown city 'paris'"),
    ("no separator here", "zh", "no separator here"),
])
def test_account_errors_show_the_page_language_only(message, lang, shown):
    assert in_language(message, lang, sentence=True) == shown


def test_grid_rows_carry_raw_values_for_the_form_and_texts_for_the_grid(users_parts):
    rows = users_parts.grid_rows(ACCOUNTS, lang="zh")
    assert rows[0] == {"username": "li.ming", "display_name": "李明", "role": "analyst", "clearance": "internal",
                       "city_key": "xiamen", "city": "厦门市", "districts": [SIMING, HULI],
                       "district_names": "思明区、湖里区", "active": True, "state": "启用",
                       "created": "2025-06-01 09:30", "last_sign_in": "2025-06-30 08:05"}
    assert rows[1]["city_key"] is None and rows[1]["city"] == "全部城市" and rows[1]["districts"] == []
    assert rows[1]["district_names"] == "全部区县" and rows[1]["display_name"] == ""
    assert (rows[1]["state"], rows[1]["last_sign_in"]) == ("已停用", "—")
    english = users_parts.grid_rows(ACCOUNTS, lang="en")
    assert english[0]["city"] == "Xiamen" and english[0]["district_names"] == "Siming District, Huli District"
    assert english[1]["state"] == "Disabled"


def test_columns_label_roles_and_clearances_and_render_text_only(users_parts):
    columns = {c["field"]: c for c in users_parts.column_defs("en")}
    assert list(columns) == ["username", "display_name", "role", "clearance", "city", "district_names", "state",
                             "created", "last_sign_in"]
    assert columns["role"]["refData"]["admin"] == "Administrator"
    assert columns["clearance"]["refData"] == {"public": "Public", "internal": "Internal", "restricted": "Restricted"}
    assert columns["state"]["cellClassRules"] == {"admin-users-disabled": "!params.data.active"}
    assert not [c for c in columns.values() if "cellRenderer" in c]
    assert users_parts.column_defs("zh")[2]["headerName"] == "角色"


@pytest.mark.parametrize(("city", "chosen", "kept"), [
    ("xiamen", [SIMING, "350902"], [SIMING]),  # a Ningde district is dropped
    ("ningde", [SIMING], []),
    (None, [SIMING], []),  # every city: no district
    ("atlantis", [], []),
])
def test_district_choices_belong_to_the_chosen_city(users_parts, city, chosen, kept):
    options, value = users_parts.district_choices(city, chosen, "zh")
    assert value == kept
    if city == "xiamen":
        assert {"label": "思明区", "value": SIMING} in options and len(options) >= 6
    if city in (None, "atlantis"):
        assert options == []


@pytest.mark.parametrize(("row", "clearance"), [
    ({"role": "analyst", "clearance": "internal"}, None),  # the role's own
    ({"role": "analyst", "clearance": "restricted"}, "restricted"),
    ({"role": "leader", "clearance": "public"}, "public"),
])
def test_the_edit_form_shows_an_own_clearance_only_when_it_differs_from_the_role(users_parts, row, clearance):
    values = users_parts.edit_values({"username": "li", "city_key": None, "districts": [], "active": True, **row})
    assert values == {"username": "li", "role": row["role"], "clearance": clearance, "city": None, "districts": [],
                      "active": True}


def test_a_generated_password_is_shown_in_the_confirmation_and_a_typed_one_is_not(users_parts):
    shown = text_of(users_parts.success("已添加账号 li。", "S3cret-generated", lang="zh"))
    assert "S3cret-generated" in shown and "仅显示这一次" in shown and '"Code"' in shown
    typed = text_of(users_parts.success("Account li added.", lang="en"))
    assert "Code" not in typed and "shown this once" not in typed and "notice-success" in typed


# ---- audit log --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "filters"), [
    ({"user": " li.ming ", "action": "export", "q": " <b>x</b> ", "from": "2025-06-01", "to": "2025-06-30",
      "city": "xiamen", "lang": "zh"},
     {"user": "li.ming", "action": "export", "q": "<b>x</b>", "from": "2025-06-01", "to": "2025-06-30"}),
    ({"action": "drop_table", "from": "2025-13-45", "to": "yesterday", "q": "   "}, {}),
    ({"from": "2025-06-01T00:00:00", "user": "x" * 100, "q": "y" * 500}, {"user": "x" * 64, "q": "y" * 100,
                                                                            "from": "2025-06-01"}),
    ({"user": None, "action": None, "from": None}, {}),
])
def test_url_filters_keep_only_values_that_can_be_filters(audit_parts, query, filters):
    assert audit_view.parse_filters(query) == filters
    assert list(audit_view.parse_filters(query)) == [k for k in audit_parts.FILTERS if k in filters]


def test_dates_make_an_inclusive_window_and_a_backwards_one_is_flagged():
    filters = {"from": "2025-06-01", "to": "2025-06-30"}
    assert audit_view.time_window(filters) == (datetime(2025, 6, 1), datetime.combine(date(2025, 6, 30), time.max))
    assert audit_view.time_window({}) == (None, None)
    assert not audit_view.bad_range(filters) and not audit_view.bad_range({"from": "2025-06-01"})
    assert audit_view.bad_range({"from": "2025-07-01", "to": "2025-06-30"})


def test_every_audit_action_has_a_label_in_both_languages(audit_parts):
    from indicators.accounts.audit import ACTIONS

    for action in ACTIONS:
        assert audit_parts.action_name(action, "zh") != action and audit_parts.action_name(action, "en") != action
    assert audit_parts.action_name("user_add", "zh") == "新增账号"
    assert audit_parts.action_name("brand_new", "en") == "brand_new"  # an action without a label yet shows as recorded


ENTRIES = pd.DataFrame([
    {"id": 12, "at": pd.Timestamp("2025-06-30 14:05:03"), "user": "?", "action": "sign_in_failed",
     "target": "<img src=x onerror=alert(1)>", "detail": '{"reason": "bad credentials"}', "remote_addr": "10.0.0.9"},
    {"id": 11, "at": pd.Timestamp("2025-06-30 09:00:00"), "user": "li", "action": "export",
     "target": '=HYPERLINK("http://evil.example","x")', "detail": "@SUM(1)", "remote_addr": "10.0.0.7"},
])


def test_log_rows_keep_what_was_recorded_as_plain_text(audit_parts):
    rows = audit_parts.grid_rows(ENTRIES)
    assert rows[0] == {"id": 12, "at": "2025-06-30 14:05:03", "user": "?", "action": "sign_in_failed",
                       "target": "<img src=x onerror=alert(1)>", "detail": '{"reason": "bad credentials"}',
                       "remote_addr": "10.0.0.9"}
    columns = audit_parts.column_defs("en")
    assert [c["field"] for c in columns] == ["at", "user", "action", "target", "detail", "remote_addr"]
    assert columns[2]["refData"]["sign_in_failed"] == "Failed sign-in"
    assert not [c for c in columns if "cellRenderer" in c]  # the default renderer writes text, never markup


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("li.ming", "li.ming"), ("", ""), ('{"a": 1}', '{"a": 1}'),
])
def test_cells_that_a_spreadsheet_would_run_are_made_inert(text, safe):
    assert inert(text) == safe


def test_the_export_table_is_in_the_page_language_and_runs_nothing(audit_parts):
    table = audit_parts.export_table(ENTRIES, "zh")
    assert list(table.columns) == ["编号", "时间", "用户", "操作", "对象", "详情", "来源地址"]
    assert table["操作"].tolist() == ["登录失败", "导出"] and table["编号"].tolist() == [12, 11]
    exported = pd.read_csv(io.BytesIO(table_bytes(table, "csv")), encoding="utf-8-sig")
    assert exported["对象"].tolist() == ["<img src=x onerror=alert(1)>", '\'=HYPERLINK("http://evil.example","x")']
    assert exported["详情"].tolist()[1] == "'@SUM(1)"
    assert list(audit_parts.export_table(ENTRIES, "en").columns)[:3] == ["No.", "Time", "User"]
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(table, "xlsx"))).active
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_counts_and_user_choices(audit_parts):
    assert audit_parts.count_text(3, False, "zh") == "共 3 条"
    assert audit_parts.count_text(500, True, "en").startswith("The newest 500 shown")
    assert audit_parts.user_options(["li", "?"], "zhao") == [{"label": n, "value": n} for n in ("?", "li", "zhao")]
    assert audit_parts.user_options(["li"], None) == [{"label": "li", "value": "li"}]
