"""SQL sources: registered, checked, run read-only against a real second database, loaded like files."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from indicators.ingest.sql_sources import (
    SqlSourceError,
    add_source,
    check_query,
    due_sources,
    fetch_rows,
    period_text,
    run_due_sources,
    run_source,
    sources,
)
from indicators.store import db
from indicators.store.models import AuditEntry, LoadBatch, Observation
from indicators.views.queries import series
from tests.conftest import POSTGRES_URL
from tests.store._mini import create_mini_store

QUERY = "SELECT code AS indicator, district AS area, month AS period, amount AS value FROM hotline_report"


@pytest.fixture
def store(store_url, monkeypatch):
    create_mini_store(store_url)
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite,postgresql")  # the departments' test databases
    return store_url


@pytest.fixture
def department_db(tmp_path):
    """A department's own database (SQLite): the 12345 hotline's monthly satisfaction by district."""
    path = tmp_path / "hotline.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE hotline_report (code TEXT, district TEXT, month DATE, amount REAL)")
        conn.executemany("INSERT INTO hotline_report VALUES (?, ?, ?, ?)", [
            ("GOV-HOT-001", "思明区", "2025-04-01", 91.5), ("GOV-HOT-001", "思明区", "2025-05-01", 92.0),
            ("GOV-HOT-001", "湖里区", "2025-05-01", 88.4)])
    return path


@contextmanager
def department_postgres():
    """A department's database of its own on the test PostgreSQL server (a source may not name the store's)."""
    name = f"dept_{uuid.uuid4().hex[:10]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose_all = create_engine(url)
        dispose_all.dispose()
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        server.dispose()


def observations() -> int:
    with Session(db.engine()) as session:
        return session.scalar(select(func.count()).select_from(Observation))


@pytest.mark.parametrize("query, reason", [
    ("DELETE FROM observations", "must start with SELECT"),
    ("SELECT 1; DROP TABLE observations", "only one statement"),
    ("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", "may not contain DELETE"),
    ("SELECT * INTO copy FROM t", "may not contain INTO"),
    ("select 1 /* ; */ ; update t set a = 1", "only one statement"),
])
def test_only_one_read_only_select_is_accepted(query, reason):
    with pytest.raises(SqlSourceError, match=reason):
        check_query(query)


def test_words_inside_strings_and_comments_do_not_count():
    assert check_query("SELECT 'delete me; now' AS note -- update later\n FROM t;") == \
        "SELECT 'delete me; now' AS note -- update later\n FROM t"


def test_database_dates_become_the_indicators_periods():
    from datetime import date

    assert [period_text(date(2025, 5, 1), f) for f in ("monthly", "quarterly", "yearly", "weekly", "daily")] == \
        ["2025-05", "2025Q2", "2025", "2025-W18", "2025-05-01"]
    assert period_text("2025年5月", "monthly") == "2025年5月"


def test_a_source_is_registered_run_and_loaded_like_a_file(store, department_db):
    add_source("hotline", f"sqlite:///{department_db}", QUERY, city_key="xiamen", every_minutes=60)
    assert sources()["name"].tolist() == ["hotline"] and due_sources() == ["hotline"]
    first = run_source("hotline")
    assert first.ok, first.message
    assert (first.load.inserted, first.load.updated) == (3, 0)
    assert series("GOV-HOT-001", "350203")["value"].tolist() == [91.5, 92.0]
    with Session(db.engine()) as session:
        batch = session.get(LoadBatch, first.load.batch_id)
        audit = session.scalars(select(AuditEntry.action).where(AuditEntry.target.in_(("hotline", "sql:hotline")))).all()
    assert (batch.kind, batch.file_name, batch.status) == ("sql", "sql:hotline", "ok")
    assert audit == ["sql_source", "data_load"]
    row = sources().iloc[0]
    assert row["last_status"] == "ok" and row["last_batch_id"] == first.load.batch_id
    assert due_sources() == [] and due_sources(datetime.now() + timedelta(minutes=61)) == ["hotline"]
    assert run_source("hotline").load.unchanged == 3  # a second run of the same rows changes nothing


def test_a_bad_row_rejects_the_run_and_writes_nothing(store, department_db):
    with sqlite3.connect(department_db) as conn:
        conn.execute("INSERT INTO hotline_report VALUES ('GOV-HOT-001', '火星区', '2025-05-01', 90)")
    add_source("hotline", f"sqlite:///{department_db}", QUERY, city_key="xiamen")
    before = observations()
    run = run_source("hotline")
    assert not run.ok and run.load.errors[0].value == "火星区" and "unknown area" in run.load.errors[0].reason
    assert observations() == before
    assert sources().iloc[0]["last_status"] == "failed"


def test_registration_is_checked_and_the_password_never_shown(store):
    url = "postgresql+psycopg://reader:s3cret-pw@10.0.0.9:5432/hotline"
    add_source("remote", url, QUERY)
    assert sources().iloc[0]["url"] == "postgresql+psycopg://reader:***@10.0.0.9:5432/hotline"
    with Session(db.engine()) as session:
        details = session.scalars(select(AuditEntry.detail)).all()
    assert details and not any("s3cret-pw" in d for d in details)
    for args, options, reason in [(("remote", url, QUERY), {}, "exists"), (("x y", url, QUERY), {}, "name"),
                                  (("other", "not a url", QUERY), {}, "URL"),
                                  (("other", url, "DROP TABLE x"), {}, "SELECT"),
                                  (("other", url, QUERY), {"every_minutes": 1}, "5 minutes"),
                                  (("other", url, QUERY), {"city_key": "atlantis"}, "unknown city")]:
        with pytest.raises(SqlSourceError, match=reason):
            add_source(*args, **options)


def test_an_unreachable_source_fails_alone(store, department_db):
    add_source("down", "postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1", QUERY)
    add_source("hotline", f"sqlite:///{department_db}", QUERY, city_key="xiamen")
    runs = {run.name: run for run in run_due_sources()}
    assert not runs["down"].ok and "the query failed" in runs["down"].message
    assert runs["hotline"].ok
    assert dict(zip(sources()["name"], sources()["last_status"])) == {"down": "failed", "hotline": "ok"}


def test_queries_run_read_only(store, department_db):
    from sqlalchemy.exc import OperationalError

    from indicators.ingest.sql_sources import _read_only_engine

    # SQLite sources are opened read-only: a write that got past the word check would still fail.
    engine = _read_only_engine(f"sqlite:///{department_db}")
    with pytest.raises(OperationalError, match="readonly"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM hotline_report"))
    engine.dispose()
    assert len(fetch_rows(f"sqlite:///{department_db}", QUERY)) == 3
    if db.engine().dialect.name == "postgresql":
        probe = "SELECT 'GOV-HOT-001' AS indicator, '思明区' AS area, '2025-05' AS period, nextval('source_probe') AS value"
        with pytest.raises(SqlSourceError, match="app's own store"):  # never the store itself
            fetch_rows(db.current_url(), probe)
        with department_postgres() as url:
            with create_engine(url).begin() as conn:
                conn.execute(text("CREATE SEQUENCE source_probe"))
            with pytest.raises(SqlSourceError, match="read-only transaction"):
                fetch_rows(url, probe)
