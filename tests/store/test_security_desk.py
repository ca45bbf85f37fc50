"""The data desk holds the same line as the pages: each attack on a write or report path, crafted as a hostile
client sends it (``/_dash-update-component``, the form posts, ``manage.py``), on SQLite and PostgreSQL.

Every test asserts the refusal, its audit record, that the store is unchanged, and that nothing restricted or
outside the caller's scope is in the answer. The store is the mini catalog (GOV-PET-001 is restricted,
GOV-HOT-001 internal) with Xiamen's areas and a few values whose digits would betray a leak.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import (
    AuditEntry,
    IndicatorDef,
    LoadBatch,
    Observation,
    SqlSource,
    User,
)
from tests.callbacks import call
from tests.store._mini import create_mini_store
from tests.web_clients import PASSWORD, Site, csrf, sign_in

ROOT = Path(__file__).resolve().parents[2]
SIMING, HULI = "350203", "350206"
ARGS = {"city": "xiamen", "lang": "zh"}
# Values of the store a hostile operator would like to confirm or read: none may appear in an answer to them.
SEED = ("指标代码,地区,时间,数值\n"
        "GOV-PET-001,思明区,2025年4月,4321\nGOV-PET-001,湖里区,2025年4月,2718\n"
        "GOV-HOT-001,思明区,2025年4月,91.5\nGOV-HOT-001,湖里区,2025年4月,88.25\n")
RESTRICTED_MARKS = ("GOV-PET-001", "信访总量", "Petitions received", "4321", "2718")
NOT_PERMITTED = "无权操作"


@pytest.fixture
def desk(dash_app, store_url, uncached, monkeypatch) -> Site:
    """The app on a mini store of its own with the seed values, demo sign-in off."""
    from indicators.ingest.loading import load_bytes

    create_mini_store(store_url)
    assert load_bytes(SEED.encode(), "seed.csv").ok
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    return Site(server, address_prefix="10.12")


def upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def store_state() -> tuple:
    """Everything a write could change: values, definitions' sensitivities and thresholds, loads, sources."""
    with Session(db.engine()) as session:
        values = session.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                        Observation.value).order_by(Observation.indicator_code,
                                                                    Observation.area_adcode)).all()
        definitions = session.execute(select(IndicatorDef.code, IndicatorDef.sensitivity, IndicatorDef.red)
                                      .order_by(IndicatorDef.code)).all()
        loads = session.execute(select(LoadBatch.id, LoadBatch.status).where(LoadBatch.status != "rejected")).all()
        sources = session.scalars(select(SqlSource.name)).all()
    return [tuple(v) for v in values], [tuple(d) for d in definitions], [tuple(b) for b in loads], sources


def refusals(user: str) -> list[dict]:
    with Session(db.engine()) as session:
        details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "access_denied",
                                                                  AuditEntry.user == user)).all()
    return [json.loads(detail) for detail in details]


def leaks(text: str, marks=RESTRICTED_MARKS) -> list[str]:
    return [mark for mark in marks if mark in text]


# ---- 1. the catalog import and edit --------------------------------------------------------------------------

def _catalog_row(code: str) -> str:
    from indicators.ingest.catalog_edits import catalog_csv

    return catalog_csv([code])  # as the system: the full row, header first


def test_a_catalog_import_cannot_lift_a_restricted_indicator_or_show_its_thresholds(desk):
    from pages.data_catalog import apply_import, check_import

    operator = desk.signed_in("operator")
    lifted = _catalog_row("GOV-PET-001").replace(",restricted,", ",public,").replace("3000.0,3600.0", "1.0,3600.0")
    before = store_state()
    values = {"dcat-import-file.contents": upload(lifted), "dcat-args.data": ARGS, "dcat-version.data": 0}
    checked = call(operator, check_import, values)
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "无权查看的指标" in text and "1 行" in text
    assert checked.get_json()["response"]["dcat-import-apply"]["disabled"] is True
    assert not leaks(text, RESTRICTED_MARKS + ("3600", "4200", "5000"))
    applied = call(operator, apply_import, {**values, "dcat-import-apply.n_clicks": 1}, "dcat-import-apply.n_clicks")
    assert "已导入" not in applied.get_data(as_text=True) and not leaks(applied.get_data(as_text=True))
    assert store_state() == before
    assert [r["hidden_rows"] for r in refusals(operator.username) if r["action"] == "catalog_import"] == [1, 1]


def test_changing_a_sensitivity_is_for_a_leader_or_admin_on_every_path(desk):
    from indicators.views.data_catalog import indicator_row as _row
    from pages._data_catalog_parts import FORM_FIELDS
    from pages.data_catalog import apply_import, save

    operator, admin = desk.signed_in("operator"), desk.signed_in("admin")
    public = _catalog_row("GOV-HOT-001").replace(",internal,", ",public,")
    values = {"dcat-import-file.contents": upload(public), "dcat-args.data": ARGS, "dcat-version.data": 0,
              "dcat-import-apply.n_clicks": 1}
    before = store_state()
    refused = call(operator, apply_import, values, "dcat-import-apply.n_clicks").get_data(as_text=True)
    assert "GOV-HOT-001: sensitivity" in refused and "已导入" not in refused

    from tests.helpers import request_context

    with request_context(desk.server):
        form = {f"dcat-{field}.value": value for field, value in _row("GOV-HOT-001").items() if field in FORM_FIELDS}
    form.update({"dcat-sensitivity.value": "public", "dcat-save.n_clicks": 1, "dcat-selected.data": "GOV-HOT-001",
                 "dcat-comment.value": "", "dcat-version.data": 0, "dcat-args.data": ARGS})
    saved = call(operator, save, form, "dcat-save.n_clicks").get_data(as_text=True)
    assert "未保存" in saved and "机密权限" in saved
    assert store_state() == before
    assert {r.get("field") or r["action"] for r in refusals(operator.username)} == {"catalog_import", "sensitivity"}
    # An admin may.
    assert "已保存 1 处修改" in call(admin, save, form, "dcat-save.n_clicks").get_data(as_text=True)
    with Session(db.engine()) as session:
        assert session.get(IndicatorDef, "GOV-HOT-001").sensitivity == "public"


def test_an_operator_cannot_edit_an_indicator_above_their_clearance(desk):
    from indicators.accounts.access import Viewer
    from indicators.ingest.catalog_edits import CatalogDenied, edit_indicator, revisions
    from tests.helpers import request_context

    before = store_state()
    with request_context(desk.server, viewer=Viewer("olga", "operator", "internal")):
        with pytest.raises(CatalogDenied):
            edit_indicator("GOV-PET-001", {"red": 1.0})
        assert revisions("GOV-PET-001").empty
    assert store_state() == before and refusals("olga")


# ---- 2. SQL sources ------------------------------------------------------------------------------------------

def _register(client, url: str, name: str = "probe", city: str = "xiamen", query: str | None = None):
    from pages.data_sources import register

    query = query or "SELECT indicator_code AS indicator, area_adcode AS area, period, value FROM observations"
    return call(client, register, {"src-add.n_clicks": 1, "src-name.value": name, "src-url.value": url,
                                   "src-city.value": city, "src-every.value": 60, "src-query.value": query,
                                   "src-version.data": 0, "src-args.data": ARGS}, "src-add.n_clicks")


def _own_store_urls(store_url: str, tmp_path: Path) -> list[str]:
    from sqlalchemy import make_url

    url = make_url(store_url)
    if url.get_backend_name() == "sqlite":
        link = tmp_path / "innocent.db"
        link.symlink_to(url.database)
        return [store_url, f"sqlite:///{url.database}", f"sqlite:///{link}",
                f"sqlite:///{os.path.relpath(url.database)}", f"sqlite:///file:{url.database}?mode=ro&uri=true"]
    return [store_url, url.set(query={}).render_as_string(False), f"postgresql://localhost:{url.port}/{url.database}",
            f"postgresql+psycopg://127.0.0.1/{url.database}", f"postgresql+psycopg2://[::1]:{url.port}/{url.database}",
            f"postgresql://LOCALHOST/{url.database}?host=/var/run/postgresql"]


def test_a_sql_source_cannot_read_the_apps_own_store(desk, store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite,postgresql")
    operator = desk.signed_in("operator")
    before = store_state()
    for number, url in enumerate(_own_store_urls(store_url, tmp_path)):
        text = _register(operator, url, name=f"probe{number}").get_data(as_text=True)
        assert "已登记" not in text and ("自身" in text or "SQLite" in text), (url, text)
    assert store_state() == before
    assert len([r for r in refusals(operator.username) if r["action"] == "sql_source"]) == number + 1
    # Not a kind of database the installation allows: SQLite files by default.
    monkeypatch.delenv("CITYVITALS_SQL_SOURCE_SCHEMES")
    assert "不允许的数据库类型" in _register(operator, f"sqlite:///{tmp_path / 'department.db'}").get_data(as_text=True)


def test_a_source_that_names_the_store_is_refused_again_when_it_runs(desk, store_url, monkeypatch):
    """A source already in the store (registered before the check existed) that names the store: test and run
    are refused, and the users table never reaches an answer or a report."""
    from indicators.ingest.sql_sources import run_due_sources
    from pages.data_sources import act

    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite,postgresql")
    operator = desk.signed_in("operator")
    query = "SELECT username AS indicator, password_hash AS area, role AS period, id AS value FROM users"
    with Session(db.engine()) as session, session.begin():
        session.execute(insert(SqlSource).values(
            name="old", url=store_url, query=query, city_key="xiamen", every_minutes=5, active=True,
            created_by=operator.username, created_at=func.now(), last_status="", last_message=""))
    before = store_state()
    for action in ("test", "run"):
        clicked = [{"id": {"action": action, "name": "old", "type": "src-action"}, "property": "n_clicks", "value": 1}]
        answer = call(operator, act, {'{"action":["ALL"],"name":["ALL"],"type":"src-action"}.n_clicks': clicked,
                                      "src-version.data": 0, "src-args.data": ARGS},
                      json.dumps({"action": action, "name": "old", "type": "src-action"}, separators=(",", ":"))
                      + ".n_clicks").get_data(as_text=True)
        assert "自身" in answer and "argon2" not in answer and operator.username not in answer, answer
    with Session(db.engine()) as session, session.begin():
        session.execute(update(SqlSource).values(last_run_at=None))
    assert not run_due_sources()[0].ok  # the scheduled run too
    assert store_state() == before
    with Session(db.engine()) as session:
        reports = " ".join(session.scalars(select(LoadBatch.report)).all())
        assert "argon2" not in reports and not session.scalar(select(func.count()).select_from(LoadBatch)
                                                              .where(LoadBatch.file_name == "sql:old"))
    assert [r for r in refusals(operator.username) if r["action"] == "sql_source"]


@pytest.fixture
def department_db(tmp_path, monkeypatch) -> str:
    """A department's own database (a SQLite file, allowed for these tests) with hotline and petition rows."""
    path = tmp_path / "department.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE report (code TEXT, district TEXT, month TEXT, amount REAL)")
        conn.executemany("INSERT INTO report VALUES (?, ?, ?, ?)", [
            ("GOV-HOT-001", "思明区", "2025-05", 93.5), ("GOV-HOT-001", "湖里区", "2025-05", 87.5)])
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite")
    return f"sqlite:///{path}"


QUERY = "SELECT code AS indicator, district AS area, month AS period, amount AS value FROM report"


def _act(client, action: str, name: str):
    from pages.data_sources import act

    triggered = json.dumps({"action": action, "name": name, "type": "src-action"}, separators=(",", ":"))
    clicked = [{"id": {"action": action, "name": name, "type": "src-action"}, "property": "n_clicks", "value": 1}]
    return call(client, act, {'{"action":["ALL"],"name":["ALL"],"type":"src-action"}.n_clicks': clicked,
                              "src-version.data": 0, "src-args.data": ARGS}, triggered + ".n_clicks")


def test_a_sources_test_is_for_its_author_and_rows_beyond_scope_are_refused(desk, department_db):
    from indicators.ingest.sql_sources import run_due_sources

    author = desk.signed_in("operator", city_key="xiamen", districts=(SIMING,))
    other = desk.signed_in("operator")
    assert "已登记" in _register(author, department_db, name="hotline", query=QUERY).get_data(as_text=True)
    before = store_state()
    tested = _act(author, "test", "hotline").get_data(as_text=True)
    assert NOT_PERMITTED in tested and "87.5" not in tested and "湖里区" not in tested  # Huli's row: not permitted
    refused = _act(other, "test", "hotline").get_data(as_text=True)
    assert "登记人" in refused and "93.5" not in refused
    ran = _act(other, "run", "hotline").get_data(as_text=True)  # a run by someone else: no rows shown
    assert "loaded 2 values" in ran and "93.5" not in ran
    # The scheduled run acts as its author, who may not write Huli: nothing loaded.
    with Session(db.engine()) as session, session.begin():
        session.execute(update(SqlSource).values(last_run_at=None))
    run = run_due_sources()[0]
    assert not run.ok and NOT_PERMITTED in run.load.text()
    after = store_state()
    assert after[0] != before[0]  # the other operator's run did load (the whole city is theirs)
    with Session(db.engine()) as session, session.begin():
        session.execute(update(User).where(User.username == author.username).values(active=False))
        session.execute(update(SqlSource).values(last_run_at=None))
    assert "停用" in run_due_sources()[0].message and store_state() == after
    assert {r["action"] for r in refusals(other.username)} == {"sql_source_test"}
    assert {r["action"] for r in refusals(author.username)} == {"data_load"}


def test_analysts_cannot_list_sources_and_bound_operators_see_their_citys(desk, department_db):
    from pages.data_sources import fill_list

    operator = desk.signed_in("operator")
    _register(operator, department_db, name="hotline", query=QUERY)
    _register(operator, department_db, name="ningde-src", city="ningde", query=QUERY)
    analyst = desk.signed_in("analyst")
    listing = call(analyst, fill_list, {"src-version.data": 0, "src-args.data": ARGS}).get_data(as_text=True)
    assert "hotline" not in listing and "无权" in listing and refusals(analyst.username)
    bound = desk.signed_in("operator", city_key="xiamen")
    listing = call(bound, fill_list, {"src-version.data": 0, "src-args.data": ARGS}).get_data(as_text=True)
    assert "hotline" in listing and "ningde-src" not in listing
    assert "超出您的范围" in _act(bound, "run", "ningde-src").get_data(as_text=True)


# ---- 3. the loader -------------------------------------------------------------------------------------------

def _check(client, text: str, city: str = "xiamen"):
    from pages.data_upload import check_file

    return call(client, check_file, {"upload-file.contents": upload(text), "upload-city.value": city,
                                     "upload-file.filename": "guess.csv", "upload-args.data": ARGS})


def _load(client, text: str, city: str = "xiamen"):
    from pages.data_upload import load_checked_file

    checked = {"checksum": hashlib.sha256(text.encode()).hexdigest(), "name": "guess.csv", "city": city}
    return call(client, load_checked_file, {"upload-commit.n_clicks": 1, "upload-file.contents": upload(text),
                                            "upload-checked.data": checked, "upload-args.data": ARGS},
                "upload-commit.n_clicks")


@pytest.mark.parametrize("row", [
    "GOV-PET-001,思明区,2025年4月,4321",  # a restricted value guessed right: must not say "unchanged"
    "GOV-PET-001,思明区,2025年4月,4000",  # or "corrected"
    "信访总量,思明区,2025年4月,4321",  # by its Chinese name
    "GOV-HOT-001,湖里区,2025年4月,88.25",  # another district's value
    "GOV-HOT-001,厦门市,2025年4月,90",  # the city's total is not a district account's to make
])
def test_the_loader_refuses_rows_beyond_clearance_and_scope_before_comparing(desk, row):
    operator = desk.signed_in("operator", city_key="xiamen", districts=(SIMING,))
    text = f"指标代码,地区,时间,数值\n{row}\nGOV-HOT-001,思明区,2025年4月,91.5\n"
    before = store_state()
    checked = _check(operator, text).get_data(as_text=True)
    assert "未通过校验" in checked and NOT_PERMITTED in checked and "不变" not in checked and "修订" not in checked
    assert not leaks(checked, RESTRICTED_MARKS[:3] + ("湖里区", "88.25"))
    loaded = _load(operator, text).get_data(as_text=True)
    assert "已导入" not in loaded and NOT_PERMITTED in loaded
    assert store_state() == before
    assert [(r["action"], r["rows"]) for r in refusals(operator.username)] == [("data_load", 1)] * 2
    # Their own district's row alone passes.
    assert "校验通过" in _check(operator, "指标代码,地区,时间,数值\nGOV-HOT-001,思明区,2025年4月,91.5\n").get_data(as_text=True)


def test_a_city_account_cannot_load_another_city(desk):
    operator = desk.signed_in("operator", city_key="xiamen")
    before = store_state()
    answer = _check(operator, "指标,地区,时间,数值\nGOV-HOT-001,蕉城区,2025年4月,90\n", city="ningde")
    assert NOT_PERMITTED in answer.get_data(as_text=True) and store_state() == before


def test_undoing_a_load_beyond_scope_is_refused_before_reading_it(desk):
    from indicators.ingest.loading import load_bytes
    from pages.data_loads import undo

    batch = load_bytes("指标,地区,时间,数值\nGOV-HOT-001,湖里区,2025年5月,77.75\n".encode(), "huli.csv").batch_id
    operator = desk.signed_in("operator", city_key="xiamen", districts=(SIMING,))
    before = store_state()
    answer = call(operator, undo, {"loads-undo.n_clicks": 1, "loads-selected.data": batch, "loads-comment.value": "x",
                                   "loads-version.data": 0, "loads-args.data": ARGS}, "loads-undo.n_clicks")
    text = answer.get_data(as_text=True)
    assert "已撤销" not in text and "77.75" not in text and "无权" in text
    assert store_state() == before and [r["action"] for r in refusals(operator.username)] == ["data_undo"]


def _manage(*args: str, store_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYVITALS_DATABASE_URL": store_url}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_manage_py_load_as_a_user_holds_the_same_line(desk, store_url, tmp_path):
    operator = desk.user("operator", city_key="xiamen", districts=(SIMING,))
    file = tmp_path / "guess.csv"
    file.write_text("指标代码,地区,时间,数值\nGOV-PET-001,思明区,2025年4月,4321\n", encoding="utf-8")
    before = store_state()
    done = _manage("load", str(file), "--user", operator, store_url=store_url)
    assert done.returncode == 1 and "not permitted" in done.stdout and "unchanged" not in done.stdout
    assert "4321" not in done.stdout.replace(str(file), "")
    unknown = _manage("load", str(file), "--user", "nobody-here", "--dry-run", store_url=store_url)
    assert unknown.returncode == 2 and "no active account" in unknown.stderr
    analyst = desk.user("analyst")
    assert _manage("load", str(file), "--user", analyst, store_url=store_url).returncode == 2
    facilities = tmp_path / "schools.csv"
    facilities.write_text("kind,name_zh,lat,lon,area_adcode\nschool,湖里小学,24.51,118.12,350206\n", encoding="utf-8")
    refused = _manage("facilities", "load", str(facilities), "--city", "xiamen", "--user", operator, store_url=store_url)
    assert refused.returncode == 1 and "not permitted" in refused.stdout
    assert store_state() == before
    assert [r["action"] for r in refusals(operator)] == ["data_load", "facilities_load"]
    assert [r["action"] for r in refusals(analyst)] == ["data_load"]


# ---- 4. reports ----------------------------------------------------------------------------------------------

def test_load_reports_show_a_reader_only_what_they_may_see(desk):
    from indicators.ingest.loading import load_bytes
    from pages.data_loads import fill_detail

    ok = load_bytes(SEED.replace("2025年4月", "2025年5月").encode(), "may.csv").batch_id
    rejected = load_bytes(("指标,地区,时间,数值\nGOV-PET-001,思明区,2025年6月,很多9876\n"
                           "GOV-HOT-001,湖里区,2025年6月,好5432\n").encode(), "bad.csv")
    with Session(db.engine()) as session:
        rejected_id = session.scalar(select(func.max(LoadBatch.id)).where(LoadBatch.status == "rejected"))
    analyst = desk.signed_in("analyst", city_key="xiamen", districts=(SIMING,))
    shown = call(analyst, fill_detail, {"loads-selected.data": ok, "loads-version.data": 0,
                                        "loads-args.data": ARGS}).get_data(as_text=True)
    assert "GOV-HOT-001" in shown and "GOV-PET-001" not in shown and "未显示" in shown
    bad = call(analyst, fill_detail, {"loads-selected.data": rejected_id, "loads-version.data": 0,
                                      "loads-args.data": ARGS}).get_data(as_text=True)
    assert not rejected.ok and not leaks(bad, ("9876", "5432", "GOV-PET-001", "湖里区")) and "未显示" in bad
    admin = desk.signed_in("admin")
    whole = call(admin, fill_detail, {"loads-selected.data": rejected_id, "loads-version.data": 0,
                                      "loads-args.data": ARGS}).get_data(as_text=True)
    assert "9876" in whole and "5432" in whole  # the same request shows them to someone who sees everything


def test_the_catalog_export_names_no_hidden_indicator(desk):
    from pages.data_catalog import export

    with Session(db.engine()) as session, session.begin():
        session.execute(update(IndicatorDef).where(IndicatorDef.code == "ENV-AIR-001")
                        .values(aggregation="wmean:GOV-PET-001"))
    analyst = desk.signed_in("analyst")
    answer = call(analyst, export, {"dcat-export.n_clicks": 1, "dcat-args.data": ARGS}).get_json()
    content = answer["response"]["dcat-download"]["data"]["content"]
    assert "ENV-AIR-001" in content and "GOV-PET-001" not in content and "wmean:(受限指标" in content


# ---- 5, 6. sessions and redirects ------------------------------------------------------------------------------

def test_signing_out_ends_every_copy_of_the_session(desk):
    from indicators.accounts.users import update_user
    from pages.data_loads import fill_list

    values = {"loads-version.data": 0, "loads-args.data": ARGS}
    client = desk.signed_in("analyst")
    copy = desk.client()
    copy.set_cookie("cityvitals_session", client.get_cookie("cityvitals_session").value)
    assert call(copy, fill_list, values).status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client, "/login")}).status_code == 302
    assert call(copy, fill_list, values).status_code == 401 and call(client, fill_list, values).status_code == 401
    # A change of role ends every session of the account as well.
    other = desk.signed_in("analyst")
    update_user(other.username, role="viewer")
    assert call(other, fill_list, values).status_code == 401


@pytest.mark.parametrize("target", ["/.//evil.example", "//evil.example", "/\\evil.example", "/%2F%2Fevil.example",
                                    "%2F%2Fevil.example", "/%252F%252Fevil.example", "/%5Cevil.example",
                                    "/\t/evil.example", "/%09/evil.example", "https:evil.example", "/./\\evil.example"])
def test_sign_in_goes_nowhere_but_this_site(desk, target):
    name = desk.user("viewer")
    answer = sign_in(desk.client(), name, PASSWORD, target)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_odd_paths_are_not_served_and_header_links_come_from_the_route(desk):
    from pages._shell import update_shell

    client = desk.signed_in("analyst")
    for path in ("//evil.example", "/.//evil.example", "/assets//x", "/catalog/../x"):
        answer = client.get("/", environ_overrides={"PATH_INFO": path})
        assert answer.status_code == 404 and "_dash-renderer" not in answer.get_data(as_text=True), path
    header = call(client, update_shell, {"shell-url.pathname": "//evil.example", "shell-url.search": "?city=xiamen"})
    text = header.get_data(as_text=True)
    assert header.status_code == 200 and "evil.example" not in text
    assert '"href":"\\u002f?city=xiamen&lang=en"' in text  # the language switch of the home page ("/" escaped)


def test_anonymous_requests_get_no_app_shell(desk):
    client = desk.client()
    for path in ("/favicon.ico", "/assets//anything", "/assets/../app.py", "/data/loads"):
        answer = client.get(path)
        assert answer.status_code in (301, 302, 401, 404) and b"_dash-renderer" not in answer.data, path
    assert client.get("/favicon.ico").headers["Location"] == "/_favicon.ico"
    assert client.get("/assets/00-variables.css").status_code == 200


def test_no_server_advertises_its_version():
    import runpy

    import gunicorn.http.wsgi

    from web.hardening import QuietRequestHandler

    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gunicorn.http.wsgi.SERVER == "cityvitals"
    assert QuietRequestHandler.version_string(None) == "cityvitals"
