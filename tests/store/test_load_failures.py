"""A load that fails for a reason outside the file: one honest line, nothing written, the attempt recorded."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from geo.cities import load_cities
from indicators.catalog.entries import load_catalog
from indicators.ingest.catalog_edits import sync_catalog
from indicators.ingest.loading import DISK_FULL, STORE_DOWN, load_bytes
from indicators.store import db
from indicators.store.models import AuditEntry, LoadBatch, Observation
from indicators.store.writes import sync_city

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql+psycopg://127.0.0.1:9/nowhere?connect_timeout=2"


def _daily_file(days: int) -> bytes:
    start = date(2010, 1, 1)
    rows = "".join(f"ENV-AIR-001,思明区,{start + timedelta(days=i)},{20 + i % 30}\n" for i in range(days))
    return ("指标代码,地区,时间,数值\n" + rows).encode("utf-8")


def test_a_full_disk_writes_nothing_and_says_so_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'small.db'}"
    db.use(url)
    db.upgrade(url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    with db.engine().connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    # The database file may grow by a few pages only: a real "database or disk is full" from SQLite.
    event.listen(db.engine(), "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages + 12}"))
    db.engine().dispose()
    report = load_bytes(_daily_file(4000), "air.csv", user="tester")
    assert report.failure == DISK_FULL and not report.ok
    assert report.text() == f"air.csv: {DISK_FULL}" and "Traceback" not in report.text()
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Observation)) == 0
        assert conn.execute(select(LoadBatch.status)).scalars().all() == ["failed"]
        assert conn.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "data_load_failed")) == 1
    db.dispose(url)


def test_a_store_that_is_gone_gives_an_honest_message_not_a_traceback():
    db.use(UNREACHABLE)
    try:
        report = load_bytes(_daily_file(3), "air.csv", user="tester")
    finally:
        db.dispose(UNREACHABLE)
    assert report.failure == STORE_DOWN and report.errors[0].reason == STORE_DOWN


def test_the_command_says_it_in_one_line(tmp_path):
    path = tmp_path / "air.csv"
    path.write_bytes(_daily_file(3))
    env = {**os.environ, "CITYVITALS_DATABASE_URL": UNREACHABLE}
    done = subprocess.run([sys.executable, "manage.py", "load", str(path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and done.stdout.strip() == f"air.csv: {STORE_DOWN}", output
    assert "Traceback" not in output and len(done.stderr.splitlines()) <= 2, output  # the log's lines, one each
