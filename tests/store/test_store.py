"""The store on SQLite and PostgreSQL: schema, catalog, bulk writes, latest values, queries."""

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from indicators.ingest.catalog_edits import sync_catalog
from indicators.store import db
from indicators.store.models import IndicatorDef, Latest, LoadBatch, Observation
from indicators.store.writes import compute_latest, insert_observations, replace_latest
from indicators.views.queries import (
    area_values,
    latest_snapshot,
    search_catalog,
    series,
    store_stats,
    theme_scores,
)
from tests.store._mini import MINI, XIAMEN, create_mini_store


def _monthly(code: str, adcode: str, values: list[float], start: date = date(2023, 1, 1)) -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS").date
    return pd.DataFrame({"code": code, "adcode": adcode, "period": periods, "value": values})


@pytest.fixture
def store(store_url: str) -> str:
    """A migrated store with the mini catalog, Xiamen's areas and a few series."""
    create_mini_store(store_url)
    with Session(db.engine()) as session, session.begin():
        batch = LoadBatch(kind="test", status="ok", finished_at=datetime(2025, 1, 2))
        session.add(batch)
        session.flush()
        conn = session.connection()
        frames = [
            _monthly("GOV-HOT-001", XIAMEN.adcode, [90 + i % 5 for i in range(23)] + [78.0]),
            _monthly("GOV-HOT-001", "350203", [91.0] * 24),
            _monthly("GOV-HOT-001", "350206", [86.0] * 23 + [84.0]),
            _monthly("ECO-IND-001", XIAMEN.adcode, [6.0 + i / 10 for i in range(24)]),
        ]
        for frame in frames:
            insert_observations(conn, frame, batch_id=batch.id, source="test", loaded_at=datetime(2025, 1, 2))
            replace_latest(conn, compute_latest(frame, MINI[frame["code"].iat[0]], batch.id))
        db.bump_data_version(session)
    return store_url


def test_migration_creates_every_table_and_is_repeatable(store_url):
    db.upgrade(store_url)
    db.upgrade(store_url)  # upgrading an up-to-date store is a no-op
    tables = set(inspect(db.engine()).get_table_names())
    assert {"cities", "areas", "indicators", "observations", "revisions", "latest", "forecasts", "forecast_runs",
            "alerts", "alert_events", "users", "audit_log", "load_batches", "meta", "alembic_version"} <= tables


def test_catalog_sync_is_idempotent(store):
    with Session(db.engine()) as session, session.begin():
        assert sync_catalog(session, MINI) == 0
        assert session.scalar(select(func.count()).select_from(IndicatorDef)) == len(MINI)


def test_latest_keeps_previous_and_year_ago_values(store):
    with Session(db.engine()) as session:
        row = session.get(Latest, ("GOV-HOT-001", XIAMEN.adcode))
    assert row.period == date(2024, 12, 1)
    assert (row.value, row.prev_value, row.yoy_value) == (78.0, 92.0, 91.0)
    assert row.count == 24 and row.first_period == date(2023, 1, 1)


def test_latest_snapshot_levels_and_changes(store):
    snapshot = latest_snapshot(XIAMEN.adcode, today=date(2025, 1, 5)).set_index("code")
    hotline = snapshot.loc["GOV-HOT-001"]
    assert hotline["level"] == "yellow"  # 78 is below 80 (yellow) but not 75 (orange)
    assert (hotline["mom"], hotline["yoy"], hotline["change_unit"]) == (-14.0, -13.0, "pp")  # a rate: points
    growth = snapshot.loc["ECO-IND-001"]
    assert growth["change_unit"] == "pp"
    assert hotline["overdue"] == 0
    assert snapshot.index[0] == "GOV-HOT-001"  # worst first
    assert snapshot.loc["ECO-IND-001", "level"] == "normal"
    assert latest_snapshot(XIAMEN.adcode, today=date(2025, 4, 1)).set_index("code").loc["GOV-HOT-001", "overdue"] == 2


def test_series_and_area_values(store):
    history = series("GOV-HOT-001", XIAMEN.adcode, start=date(2024, 1, 1))
    assert len(history) == 12 and history["value"].iloc[-1] == 78.0 and (history["revisions"] == 0).all()
    areas = area_values("GOV-HOT-001", XIAMEN.key)
    assert set(areas["adcode"]) == {XIAMEN.adcode, "350203", "350206"}
    districts = areas[areas["level"] == "district"]
    assert districts["adcode"].tolist() == ["350203", "350206"]  # best first for an up indicator
    assert areas.set_index("adcode").loc["350206", "warning"] == "blue"


def test_theme_scores_and_search(store):
    scores = theme_scores(XIAMEN.adcode).set_index("theme")
    assert scores.loc["governance", "yellow"] == 1
    assert 0 < scores.loc["governance", "score"] < 60
    assert scores.loc["economy", "score"] > 60
    assert search_catalog("满意")["code"].tolist() == ["GOV-HOT-001"]
    assert search_catalog("pm2.5")["code"].tolist() == ["ENV-AIR-001"]
    assert search_catalog(topic="petition")["code"].tolist() == ["GOV-PET-001"]
    assert set(search_catalog(theme="economy", spatial_level="district")["code"]) == {"ECO-POP-001"}


def test_stats_count_areas_and_observations_per_city(store):
    stats = store_stats()
    assert stats["indicators"] == len(MINI)
    assert stats["cities"]["xiamen"] == {"areas": 7, "observations": 96}
    assert stats["themes"]["governance"] == 2 and stats["topics"]["petition"] == 1


def test_insert_rejects_an_existing_key_and_keeps_the_store(store):
    frame = _monthly("ECO-IND-001", XIAMEN.adcode, [1.0])
    with pytest.raises(Exception):
        with Session(db.engine()) as session, session.begin():
            batch = session.scalar(select(LoadBatch.id))
            insert_observations(session.connection(), frame, batch_id=batch, source="x", loaded_at=datetime.now())
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 96


def test_bulk_load_keeps_referential_integrity(store):
    from indicators.store.writes import bulk_load

    frame = _monthly("NOPE-XXX-001", XIAMEN.adcode, [1.0])  # no such indicator
    with pytest.raises(Exception):
        with Session(db.engine()) as session, session.begin():
            batch = session.scalar(select(LoadBatch.id))
            with bulk_load(session.connection()):
                insert_observations(session.connection(), frame, batch_id=batch, source="x", loaded_at=datetime.now())
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 96
    fks = inspect(db.engine()).get_foreign_keys("observations")
    assert {fk["referred_table"] for fk in fks} == {"indicators", "areas", "load_batches"}
