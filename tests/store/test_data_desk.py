"""The operator's desk through its callbacks, as operators, analysts and viewers: upload, loads and undo,
templates, catalog edits and import, SQL sources — each checked against the store and the audit log."""

from __future__ import annotations

import base64
import hashlib
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.accounts.access import Viewer
from indicators.store import db
from indicators.store.models import AuditEntry, IndicatorDef, LoadBatch, Observation
from tests.helpers import request_context, run_callback, text_of
from tests.store._mini import create_mini_store

OPERATOR = Viewer("olga", "operator", "internal")
ANALYST = Viewer("ana", "analyst", "internal")
ARGS = {"city": "xiamen", "lang": "zh"}
GOOD = "指标代码,地区,时间,数值\nGOV-HOT-001,思明区,2025年4月,91.5\nGOV-HOT-001,湖里区,2025年4月,88\n"
BAD = "指标代码,地区,时间,数值\nGOV-HOT-001,火星区,2025年4月,91.5\nGOV-HOT-001,湖里区,2025年4月,很好\n"


@pytest.fixture
def desk(dash_app, store_url, uncached):
    """The app's data pages on a small store of their own."""
    create_mini_store(store_url)
    from pages import data_catalog, data_loads, data_sources, data_upload

    return {"server": dash_app.server, "upload": data_upload, "loads": data_loads, "catalog": data_catalog,
            "sources": data_sources}


def upload(text: str, encoding: str = "utf-8") -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode(encoding)).decode()


def observations() -> int:
    with Session(db.engine()) as session:
        return session.scalar(select(func.count()).select_from(Observation))


def actions() -> list[tuple[str, str]]:
    with Session(db.engine()) as session:
        return [tuple(r) for r in session.execute(select(AuditEntry.user, AuditEntry.action).order_by(AuditEntry.id))]


def test_an_operator_checks_loads_and_undoes_a_file(desk):
    upload_page, loads_page = desk["upload"], desk["loads"]
    with request_context(desk["server"], viewer=OPERATOR):
        report, disabled, checked, name, _ = run_callback(
            upload_page.check_file, "upload-file.contents", contents=upload(GOOD, "gb18030"), city="xiamen",
            filename="热线月报.csv", args=ARGS)
        assert not disabled and checked["name"] == "热线月报.csv" and observations() == 0  # a check writes nothing
        assert "校验通过" in text_of(report) and "gb18030" in text_of(report)
        result, _ = run_callback(upload_page.load_checked_file, "upload-commit.n_clicks", clicks=1,
                                 contents=upload(GOOD, "gb18030"), checked=checked, args=ARGS)
        assert "已导入 热线月报.csv" in text_of(result) and observations() == 2
        # Another file than the one checked is refused before anything is written.
        other = upload(GOOD.replace("91.5", "70"))
        refused, _ = run_callback(upload_page.load_checked_file, "upload-commit.n_clicks", clicks=1, contents=other,
                                  checked=checked, args=ARGS)
        assert "不是同一个" in text_of(refused)
        batch = max(r for r in loads_page.load_history()["id"])
        detail = text_of(run_callback(loads_page.fill_detail, None, selected=batch, _version=0, args=ARGS))
        assert "热线月报.csv" in detail and "GOV-HOT-001" in detail and "撤销本次加载" in detail
        message, version = run_callback(loads_page.undo, "loads-undo.n_clicks", clicks=1, selected=batch,
                                        comment="月份错了", version=0, args=ARGS)
    assert "已撤销加载" in text_of(message) and version == 1 and observations() == 0
    assert [a for u, a in actions() if u == "olga"] == ["data_load", "data_undo"]  # the other file was never loaded


def test_a_bad_file_lists_every_bad_row_and_cannot_be_loaded(desk):
    with request_context(desk["server"], viewer=OPERATOR):
        report, disabled, checked, _, _ = run_callback(
            desk["upload"].check_file, "upload-file.contents", contents=upload(BAD), city="xiamen", filename="bad.csv",
            args={"city": "xiamen", "lang": "en"})
    text = text_of(report)
    assert disabled and checked is None and observations() == 0
    assert "nothing was written" in text and "火星区" in text and "unknown area" in text and "not a number" in text


def test_analysts_may_not_load(desk):
    with request_context(desk["server"], viewer=ANALYST):
        refused = desk["upload"].layout(city="xiamen")
        assert "无权查看" in text_of(refused)
        assert "以有权限的账号登录" in text_of(refused) and "/login?next=%2Fdata%2Fupload" in str(refused)
        report, disabled, *_ = run_callback(desk["upload"].check_file, "upload-file.contents", contents=upload(GOOD),
                                            city="xiamen", filename="a.csv", args=ARGS)
        assert "无权查看" in text_of(report) and disabled
        result, _ = run_callback(desk["upload"].load_checked_file, "upload-commit.n_clicks", clicks=1,
                                 contents=upload(GOOD), args=ARGS,
                                 checked={"checksum": hashlib.sha256(GOOD.encode()).hexdigest(), "name": "a.csv",
                                          "city": "xiamen"})
        assert "无权查看" in text_of(result)
        # They may see the loads, without the undo.
        assert "加载记录" in text_of(desk["loads"].layout(city="xiamen"))
    assert observations() == 0


def test_a_downloaded_template_filled_in_loads(desk):
    with request_context(desk["server"], viewer=OPERATOR):
        file, message = run_callback(desk["upload"].download_template, "upload-template-button.n_clicks", _clicks=1,
                                     scope="indicator", department=None, code="GOV-HOT-001", shape="wide_period",
                                     kind="csv", city="xiamen", args=ARGS)
        assert message is None and file["filename"] == "template-GOV-HOT-001-wide_period.csv"
        lines = base64.b64decode(file["content"]).decode("utf-8-sig").splitlines()
        assert lines[0].startswith("指标代码,指标名称,地区,") and len(lines) == 7  # header + six districts
        filled = "\n".join([lines[0]] + [line.rstrip(",") + ",90,91,92" for line in lines[1:]]) + "\n"
        report, disabled, *_ = run_callback(desk["upload"].check_file, "upload-file.contents", contents=upload(filled),
                                            city="xiamen", filename="filled.csv", args=ARGS)
        assert not disabled, text_of(report)
        _, mixed = run_callback(desk["upload"].download_template, "upload-template-button.n_clicks", _clicks=1,
                                scope="department", department="市统计局", code=None, shape="wide_period", kind="xlsx",
                                city="xiamen", args=ARGS)
    assert mixed is None or "频度不同" in text_of(mixed)


def _form(catalog_page, code: str) -> dict:
    from indicators.views.data_catalog import indicator_row
    from pages._data_catalog_parts import FORM_FIELDS

    row = indicator_row(code)
    return {field: row[field] for field in FORM_FIELDS}


def save(page, code: str, values: dict, comment: str = "", lang: str = "zh"):
    """Press the catalog form's save button with ``values`` in the form."""
    from pages._data_catalog_parts import FORM_FIELDS

    ordered = [values[field] for field in FORM_FIELDS]
    return run_callback(lambda: page.save(1, code, comment, 0, {"city": "xiamen", "lang": lang}, *ordered),
                        "dcat-save.n_clicks")


def stored_red(code: str) -> float:
    with Session(db.engine()) as session:
        return session.get(IndicatorDef, code).red


def test_an_operator_fixes_a_threshold_and_it_is_recorded(desk):
    page = desk["catalog"]
    with request_context(desk["server"], viewer=OPERATOR):
        form = _form(page, "GOV-HOT-001")
        message, version = save(page, "GOV-HOT-001", {**form, "red": 65.0}, comment="考核口径调整")
        assert "已保存 1 处修改" in text_of(message) and version == 1 and stored_red("GOV-HOT-001") == 65.0
        history = text_of(run_callback(page.fill_form, None, code="GOV-HOT-001", _version=1, args=ARGS)[1])
        assert "考核口径调整" in history and "70.0" in history and "65.0" in history and "olga" in history
        # Out of order for "higher is better" (blue > yellow > orange > red): refused, with the reason.
        refused, _ = save(page, "GOV-HOT-001", {**form, "red": 90.0}, lang="en")
        assert "Not saved" in text_of(refused) and "not ordered" in text_of(refused)
    assert stored_red("GOV-HOT-001") == 65.0
    assert actions()[-1] == ("olga", "catalog_change")


def test_an_operator_sets_how_an_indicator_accumulates_and_a_bad_formula_is_refused(desk):
    page = desk["catalog"]
    code = "GOV-HOT-001"
    with request_context(desk["server"], viewer=OPERATOR):
        form = _form(page, code)
        assert form["accumulation"] == "period" and form["jan_feb_merged"] is False
        message, _ = save(page, code, {**form, "jan_feb_merged": True}, comment="1—2月合并发布")
        assert "已保存 1 处修改" in text_of(message)
        refused, _ = save(page, code, {**_form(page, code), "derived": "GOV-HOT-001 + 1"}, lang="en")
        assert "Not saved" in text_of(refused) and "depend on each other" in text_of(refused)
        refused, _ = save(page, code, {**_form(page, code), "derived": "__import__('os')"}, lang="en")
        assert "Not saved" in text_of(refused)
    with Session(db.engine()) as session:
        row = session.get(IndicatorDef, code)
        assert row.jan_feb_merged is True and row.derived == ""


def test_analysts_see_the_catalog_but_cannot_change_it(desk):
    page = desk["catalog"]
    with request_context(desk["server"], viewer=ANALYST):
        form, _, _ = run_callback(page.fill_form, None, code="GOV-HOT-001", _version=0, args=ARGS)
        assert "修改需要数据员或管理员角色" in text_of(form)
        message, _ = save(page, "GOV-HOT-001", {**_form(page, "GOV-HOT-001"), "red": 60.0})
    assert "无权查看" in text_of(message) and stored_red("GOV-HOT-001") == 70.0


def test_the_catalog_is_exported_and_a_changed_copy_imported(desk):
    page = desk["catalog"]
    with request_context(desk["server"], viewer=OPERATOR):
        exported = run_callback(page.export, "dcat-export.n_clicks", _clicks=1, args=ARGS)["content"]
        assert "GOV-PET-001" not in exported  # restricted: above an operator's clearance
        changed = exported.replace("市政务服务中心", "市政务服务管理局")
        contents = upload(changed)
        report, disabled = run_callback(page.check_import, "dcat-import-file.contents", contents=contents, args=ARGS)
        assert not disabled and "将修改 1 处" in text_of(report)
        message, _, _ = run_callback(page.apply_import, "dcat-import-apply.n_clicks", clicks=1, contents=contents,
                                     version=0, args=ARGS)
        assert "已导入 1 处修改" in text_of(message)
        broken, disabled = run_callback(page.check_import, "dcat-import-file.contents",
                                        contents=upload(exported.replace("70.0,95.0", "99.0,95.0")), args=ARGS)
    assert disabled and "未通过校验" in text_of(broken)
    assert [a for u, a in actions() if u == "olga"] == ["export", "catalog_change"]


def test_an_operator_registers_tests_and_runs_a_sql_source(desk, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite")  # the department's test database is a file
    page = desk["sources"]
    department = tmp_path / "hotline.db"
    with sqlite3.connect(department) as conn:
        conn.execute("CREATE TABLE report (code TEXT, district TEXT, month DATE, amount REAL)")
        conn.execute("INSERT INTO report VALUES ('GOV-HOT-001', '思明区', '2025-04-01', 91.5)")
    query = "SELECT code AS indicator, district AS area, month AS period, amount AS value FROM report"
    with request_context(desk["server"], viewer=OPERATOR):
        added, version = run_callback(page.register, "src-add.n_clicks", clicks=1, name="hotline",
                                      url=f"sqlite:///{department}", city="xiamen", every=30, query=query, version=0,
                                      args=ARGS)
        assert "已登记数据源 hotline" in text_of(added)
        refused, _ = run_callback(page.register, "src-add.n_clicks", clicks=1, name="evil", url=f"sqlite:///{department}",
                                  city="xiamen", every=30, query="DELETE FROM report", version=0, args=ARGS)
        assert "SELECT" in text_of(refused)
        test_id = '{"action":"test","name":"hotline","type":"src-action"}.n_clicks'
        tested, _ = run_callback(page.act, test_id, clicks=[1], version=1, args=ARGS)
        assert "would load 1 values" in text_of(tested) and observations() == 0
        run_id = '{"action":"run","name":"hotline","type":"src-action"}.n_clicks'
        ran, _ = run_callback(page.act, run_id, clicks=[1], version=2, args=ARGS)
        assert "loaded 1 values" in text_of(ran) and observations() == 1
        listing = text_of(run_callback(page.fill_list, None, _version=3, args=ARGS))
    assert "hotline" in listing and "成功" in listing
    with Session(db.engine()) as session:
        assert session.scalar(select(LoadBatch.kind).order_by(LoadBatch.id.desc()).limit(1)) == "sql"
