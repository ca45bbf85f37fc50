"""``manage.py scheduler``: the real process runs the due SQL sources, the warnings, the forecast and the
notification tick at start, logging each job as a JSON line, and a source's rows end up in the store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indicators.ingest.sql_sources import add_source, sources
from indicators.views.queries import series
from tests.store._mini import create_mini_store, series_frame, write_series

pytestmark = pytest.mark.faults  # starts the scheduler process

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the scheduler only calls what other tests cover
def test_the_scheduler_runs_sources_warnings_and_forecasts(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite")  # the department's test database is a file
    create_mini_store(store_url)
    write_series([series_frame("GOV-HOT-001", "350203", [90, 91, 92, 93, 94, 95, 96, 97, 98, 91, 92, 93], "MS",
                               "2025-05-01")])
    department = tmp_path / "department.db"
    with sqlite3.connect(department) as conn:
        conn.execute("CREATE TABLE r (code TEXT, district TEXT, month DATE, amount REAL)")
        conn.execute("INSERT INTO r VALUES ('GOV-HOT-001', '湖里区', '2025-05-01', 88)")
    add_source("department", f"sqlite:///{department}",
               "SELECT code AS indicator, district AS area, month AS period, amount AS value FROM r", city_key="xiamen")
    env = {**os.environ, "CITYVITALS_DATABASE_URL": store_url, "CITYVITALS_LOG_FORMAT": "json"}
    process = subprocess.Popen([sys.executable, "manage.py", "scheduler"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done: dict[str, dict] = {}
    expected = {"sql-sources", "warnings", "forecast", "notify", "hourly-retention"}
    deadline = time.monotonic() + 120
    try:
        while not expected <= set(done) and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            if not line.startswith("{"):
                continue  # a library's own warning, not a log record
            entry = json.loads(line)
            if entry.get("logger") == "cityvitals.scheduler":
                done[entry["job"]] = entry
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert set(done) == expected, done
    assert all(entry["level"] == "INFO" and entry["msg"].endswith("done") for entry in done.values()), done
    assert done["sql-sources"]["outcome"] == {"department": "ok"}
    assert done["forecast"]["outcome"]["series"] >= 1
    assert done["notify"]["outcome"]["given_up"] == 0  # no address book yet: routed, nothing to send
    assert done["hourly-retention"]["outcome"]["deleted"] == 0  # no hours yet, none past the retention
    assert series("GOV-HOT-001", "350206")["value"].tolist() == [88.0]
    assert sources().iloc[0]["last_status"] == "ok"
