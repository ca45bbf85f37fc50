"""A store made by ``init`` from nothing, on SQLite and PostgreSQL: what the first start gives."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.bootstrap import init_store
from indicators.views.queries import latest_snapshot, store_stats, theme_scores
from indicators.warnings.alerts import run_warnings
from tests.conftest import DEMO_TODAY

ROOT = Path(__file__).resolve().parents[2]


def test_stats_describe_both_demo_cities(use_demo_store):
    stats = store_stats()
    assert stats["indicators"] >= 520
    assert min(stats["themes"].values()) >= 70 and min(stats["topics"].values()) >= 15
    assert stats["cities"]["xiamen"]["areas"] == 7 and stats["cities"]["ningde"]["areas"] == 10
    assert stats["cities"]["xiamen"]["observations"] > 400_000
    assert stats["cities"]["ningde"]["observations"] > stats["cities"]["xiamen"]["observations"]
    assert stats["cities"]["luan"] == {"areas": 8, "observations": 0}  # configured, not generated


def test_stats_command_prints_json(use_demo_store):
    env = {**os.environ, "CITYVITALS_DATABASE_URL": use_demo_store}
    out = subprocess.run([sys.executable, "manage.py", "stats", "--json"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout
    stats = json.loads(out)
    assert set(stats) >= {"indicators", "themes", "topics", "cities"}
    assert stats["cities"]["xiamen"]["areas"] == 7


def test_init_again_keeps_everything(use_demo_store):
    before = store_stats()
    report = init_store(use_demo_store, city_keys=("xiamen", "ningde"), seed=7, today=DEMO_TODAY, progress=False)
    assert report.generated == {} and report.indicators_changed == 0
    assert store_stats() == before


def test_demo_city_has_a_living_snapshot(use_demo_store):
    snapshot = latest_snapshot("350200", today=DEMO_TODAY)
    assert len(snapshot) >= 500
    assert snapshot["level"].isin(["blue", "yellow", "orange", "red"]).sum() >= 3  # breaches to find
    assert (snapshot["level"] == "normal").mean() > 0.8                          # but mostly healthy
    assert (snapshot["overdue"] > 0).sum() >= 1                                 # some late data
    scores = theme_scores("350200")
    assert len(scores) == 5 and scores["score"].between(30, 100).all()


def test_warnings_on_the_demo_store(use_demo_store):
    report = run_warnings(today=DEMO_TODAY)
    rules = {rule for rule, _ in report.findings}
    assert {"threshold", "stale"} <= rules


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_the_audit_passes_on_the_demo_store(use_demo_store):
    from geo.cities import get_city
    from indicators.catalog.entries import load_catalog
    from indicators.demo.audit import audit_store

    for key in ("xiamen", "ningde"):
        report = audit_store(get_city(key), load_catalog())
        assert report.ok, report.text()
        assert report.check("derived").checked > 1000 and report.check("parts").checked > 20000


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_audit_command_prints_each_check(use_demo_store):
    env = {**os.environ, "CITYVITALS_DATABASE_URL": use_demo_store}
    result = subprocess.run([sys.executable, "manage.py", "audit", "--city", "xiamen"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "xiamen: all checks passed" in result.stdout
    for name in ("aqi", "air_days", "rain", "aggregation", "parts", "year_to_date", "derived", "growth", "ranges",
                 "pork"):
        assert f"ok   {name}" in result.stdout


def test_the_demo_opens_on_half_a_year_of_handled_alerts(use_demo_store):
    from datetime import datetime, timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from indicators.accounts.access import Viewer, acting_as
    from indicators.store import db
    from indicators.store.models import Alert, AlertEvent, AlertTracking, Latest
    from indicators.views.evaluation import evaluation

    start = DEMO_TODAY - timedelta(days=182)
    with acting_as(Viewer("ada", "admin", "restricted")):
        ranking = evaluation("xiamen", start, DEMO_TODAY, now=datetime.combine(DEMO_TODAY, datetime.min.time())).ranking
    assert len(ranking) >= 8 and ranking["received"].sum() >= 30
    rates = ranking["on_time_rate"]
    assert rates.max() == 100.0 and rates.min() < 90 and rates.nunique() >= 3  # some prompt, some late
    assert (ranking["overdue"] > 0).any() and ranking["median_ack_minutes"].notna().all()
    with Session(db.engine()) as session:
        newest = {(c, a): p for c, a, p in session.execute(select(Latest.indicator_code, Latest.area_adcode,
                                                                  Latest.period))}
        closed = session.execute(select(Alert, AlertTracking).join(AlertTracking, AlertTracking.alert_id == Alert.id)
                                 .where(Alert.state == "closed")).all()
        assert len(closed) >= 30
        for alert, tracking in closed:
            assert alert.opened_at < tracking.acknowledged_at < tracking.resolved_at < alert.closed_at
            assert alert.closed_at < datetime.combine(DEMO_TODAY, datetime.min.time())
            assert alert.period < newest[(alert.indicator_code, alert.area_adcode)]  # today's breach is live
            assert (tracking.escalation > 0) == (tracking.acknowledged_at > tracking.ack_due
                                                 or tracking.resolved_at > tracking.resolve_due)
            steps = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                    .order_by(AlertEvent.id)).all()
            assert [e.at for e in steps] == sorted(e.at for e in steps)
            assert [e.action for e in steps if e.action != "escalate"] == [
                "open", "dispatch", "acknowledge", "resolve", "close"]
