"""Hourly indicators in the store, on SQLite and PostgreSQL: hours written all or nothing, corrections kept, days
rolled up into their daily indicator in the same load, old hours deleted, a load undone."""

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.cities import load_cities
from indicators.catalog.entries import load_catalog
from indicators.ingest.catalog_edits import sync_catalog
from indicators.ingest.hourly import load_hourly
from indicators.ingest.loading import undo_load
from indicators.store import db
from indicators.store.hourly import delete_older_hours
from indicators.store.models import AuditEntry, HourlyObservation, HourlyRevision, Latest, Observation, Revision
from indicators.store.writes import sync_city

SIMING, XIAMEN = "350203", "350200"
DAY = date(2025, 6, 30)
NOW = datetime(2025, 7, 1, 12, 0)
AQI = [40 + 3 * hour for hour in range(24)]  # mean 74.5


@pytest.fixture
def store(store_url: str) -> str:
    """A migrated store with the real catalog and every configured city, no observations."""
    db.upgrade(store_url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    return store_url


def _rows(code: str, area: str, values: list[float], day: date = DAY) -> list[dict]:
    return [{"indicator": code, "area": area, "period": f"{day:%Y-%m-%d} {hour:02d}:00", "value": value}
            for hour, value in enumerate(values)]


def _daily(code: str, adcode: str, day: date = DAY) -> float | None:
    with Session(db.engine()) as session:
        return session.scalar(select(Observation.value).where(
            Observation.indicator_code == code, Observation.area_adcode == adcode, Observation.period == day))


def _count(table) -> int:
    with Session(db.engine()) as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_days_hours_roll_up_into_its_daily_value_and_a_correction_is_kept(store):
    report = load_hourly(_rows("ENV-AIR-101", "思明区", AQI), "station.json", now=NOW)
    assert report.ok and (report.inserted, report.updated) == (24, 0), report.text()
    assert _daily("ENV-AIR-001", SIMING) == pytest.approx(74.5)
    with Session(db.engine()) as session:
        latest = session.get(Latest, ("ENV-AIR-101", SIMING))
        assert (latest.period, latest.value, latest.prev_value, latest.count) == (DAY, 109, 106, 24)
        assert '"2025-06-30T23:00"' in latest.recent
        assert session.get(Latest, ("ENV-AIR-001", SIMING)).value == pytest.approx(74.5)
    corrected = [{"indicator": "ENV-AIR-101", "area": SIMING, "period": "2025-06-30T06:00:00Z", "value": 64}]
    again = load_hourly(corrected, "station.json", now=NOW)  # 06:00 UTC is 14:00 in Xiamen, stored 82
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 0)
    assert _daily("ENV-AIR-001", SIMING) == pytest.approx(74.5 - 18 / 24)
    with Session(db.engine()) as session:
        kept = session.scalars(select(HourlyRevision)).one()
        assert (kept.observed_at, kept.old_value, kept.new_value) == (datetime(2025, 6, 30, 14), 82, 64)
        daily = session.scalars(select(Revision)).one()
        assert (daily.old_value, daily.new_value) == (pytest.approx(74.5), pytest.approx(73.75))
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "data_load")) == 2


def test_a_day_short_of_hours_has_no_daily_value_and_amounts_add_up(store):
    assert load_hourly(_rows("ENV-AIR-101", SIMING, AQI[:19]), "station.json", now=NOW).ok
    assert _daily("ENV-AIR-001", SIMING) is None  # 19 hours: GB 3095 wants 20 for a daily mean
    traffic = [1.0 + 0.1 * hour for hour in range(24)]
    assert load_hourly(_rows("PUB-TRN-105", "厦门市", traffic), "bridges.json", now=NOW).ok
    assert _daily("PUB-TRN-005", XIAMEN) == pytest.approx(sum(traffic))


@pytest.mark.parametrize("row,column,reason", [
    ({"period": "2025-06-30"}, "period", "needs a date and hour"),
    ({"period": "2025-06-30 14:30"}, "period", "on the hour"),
    ({"period": "30/06/2025 14h"}, "period", "not a date and hour"),
    ({"period": "2025-07-01 14:00"}, "period", "later than the present"),
    ({"area": "火星区"}, "area", "unknown area"),
    ({"value": 900}, "value", "out of physical range"),
    ({"indicator": "ENV-AIR-001"}, "indicator", "not an hourly indicator"),
])
def test_a_bad_row_is_named_with_its_column_and_nothing_is_written(store, row, column, reason):
    rows = _rows("ENV-AIR-101", SIMING, AQI[:3])
    rows[1] = {**rows[1], **row}
    report = load_hourly(rows, "station.json", now=NOW)
    assert not report.ok and [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0].reason
    assert _count(HourlyObservation) == 0 and _count(Observation) == 0


def test_old_hours_are_deleted_and_their_days_stay(store):
    load_hourly(_rows("ENV-AIR-101", SIMING, AQI, DAY - timedelta(days=100)) + _rows("ENV-AIR-101", SIMING, AQI),
                "station.json", now=NOW)
    with db.engine().begin() as conn:
        deleted = delete_older_hours(conn, load_catalog(), retention_days=90, now=NOW)
    assert deleted == 24 and _count(HourlyObservation) == 24
    assert _daily("ENV-AIR-001", SIMING, DAY - timedelta(days=100)) == pytest.approx(74.5)
    with Session(db.engine()) as session:
        assert session.get(Latest, ("ENV-AIR-101", SIMING)).count == 24


def test_undoing_an_hourly_load_brings_back_the_hours_and_the_day_before_it(store):
    load_hourly(_rows("ENV-AIR-101", SIMING, AQI), "first.json", now=NOW)
    second = load_hourly(_rows("ENV-AIR-101", SIMING, [value + 24 for value in AQI]), "second.json", now=NOW)
    assert _daily("ENV-AIR-001", SIMING) == pytest.approx(98.5)
    undone = undo_load(second.batch_id)
    assert undone.hours == 24
    assert _daily("ENV-AIR-001", SIMING) == pytest.approx(74.5)
    with Session(db.engine()) as session:
        assert sorted(session.scalars(select(HourlyObservation.value))) == sorted(AQI)


def test_the_latest_hour_above_the_red_line_raises_an_alert_and_a_silent_station_goes_stale(store):
    from indicators.store.models import Alert
    from indicators.warnings.alerts import run_warnings

    hours = [60.0] * 20 + [120, 180, 190, 260]  # 23:00 alone is above 200: orange
    load_hourly(_rows("ENV-AIR-101", SIMING, hours), "station.json", now=NOW)
    run_warnings(today=DAY, now=datetime(2025, 7, 1, 0, 30))
    with Session(db.engine()) as session:
        alert = session.scalars(select(Alert).where(Alert.indicator_code == "ENV-AIR-101")).one()
        assert (alert.rule, alert.level, alert.period) == ("threshold", "orange", DAY)
        assert "6月30日23时" in alert.sentence_zh and "260" in alert.sentence_zh
    run_warnings(today=DAY + timedelta(days=1), now=datetime(2025, 7, 1, 5, 30))  # 03:00 and before are due
    with Session(db.engine()) as session:
        stale = session.scalars(select(Alert).where(Alert.indicator_code == "ENV-AIR-101", Alert.rule == "stale")).one()
        assert stale.level == "orange" and "逾期 4 期" in stale.sentence_zh


def test_pruning_old_hours_is_audited(store):
    from indicators.ingest.hourly import prune_hours

    load_hourly(_rows("ENV-AIR-101", SIMING, AQI, DAY - timedelta(days=40)), "station.json", now=NOW)
    assert prune_hours(30, now=NOW) == 24 and prune_hours(30, now=NOW) == 0
    with Session(db.engine()) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "hourly_pruned")).all()
        assert len(entries) == 1 and '"deleted": 24' in entries[0].detail


def test_the_demo_hours_give_back_the_stored_days_along_the_days_usual_course(use_demo_store):
    from tests.conftest import DEMO_TODAY

    with Session(db.engine()) as session:
        hours = pd.DataFrame([tuple(r) for r in session.execute(select(
            HourlyObservation.indicator_code, HourlyObservation.area_adcode, HourlyObservation.observed_at,
            HourlyObservation.value))], columns=["code", "adcode", "hour", "value"])
        days = {(c, a, p): v for c, a, p, v in session.execute(select(
            Observation.indicator_code, Observation.area_adcode, Observation.period, Observation.value)
            .where(Observation.indicator_code.in_(("ENV-AIR-001", "ENV-AIR-002", "PUB-TRN-005")),
                   Observation.period >= DEMO_TODAY - timedelta(days=14)))}
    assert set(hours["code"]) == {"ENV-AIR-101", "ENV-AIR-102", "PUB-TRN-105"}
    assert hours["hour"].min() == datetime(2025, 6, 16) and hours["hour"].max() == datetime(2025, 6, 29, 23)
    hours["day"] = pd.to_datetime(hours["hour"]).dt.date
    catalog = load_catalog()
    for (code, adcode, day), part in hours.groupby(["code", "adcode", "day"]):
        rolled = part["value"].sum() if catalog[code].rollup_sums else part["value"].mean()
        assert len(part) == 24 and rolled == pytest.approx(days[(catalog[code].rolls_up_to, adcode, day)], abs=1e-3)
    by_hour = hours.assign(h=pd.to_datetime(hours["hour"]).dt.hour).groupby(["code", "h"])["value"].mean()
    assert by_hour["PUB-TRN-105"].nlargest(4).index.isin([8, 9, 17, 18, 19]).all()
    assert by_hour["ENV-AIR-102"][range(5, 10)].mean() > 1.2 * by_hour["ENV-AIR-102"][range(14, 19)].mean()


def test_a_departments_file_naming_an_hourly_indicator_is_refused_not_stored_as_days(store):
    from indicators.ingest.loading import load_bytes

    report = load_bytes("指标代码,地区,时间,数值\nENV-AIR-101,思明区,2025-06-30,57\n".encode(), "day.csv")
    assert not report.ok and [(e.row, e.column) for e in report.errors] == [(2, "时间")]
    assert "POST /api/v1/observations" in report.errors[0].reason
    assert _count(Observation) == 0 and _count(HourlyObservation) == 0


def test_demo_hours_made_today_reach_the_newest_hour_due_so_no_series_opens_overdue(store):
    from indicators.catalog.periods import hours_overdue
    from indicators.demo.hourly import add_demo_hours, today_published_hours
    from indicators.store.models import LoadBatch

    today, now = date(2026, 3, 10), datetime(2026, 3, 10, 10, 30)
    assert today_published_hours(today, now) == 9  # 0:00–8:00, each due two hours after it ends
    assert today_published_hours(today, datetime(2026, 3, 10, 1, 5)) == 0
    assert today_published_hours(date(2025, 6, 30), now) == 0  # a store made for another day: whole days only
    with Session(db.engine()) as session, session.begin():
        batch = LoadBatch(kind="demo", file_name="demo:test", user="system", status="ok", started_at=now)
        session.add(batch)
        session.flush()
        session.add_all([Observation(indicator_code="ENV-AIR-001", area_adcode=SIMING, period=today - timedelta(days=d),
                                     value=60.0 + d, batch_id=batch.id, loaded_at=now) for d in (1, 2)])
        session.flush()
        add_demo_hours(session.connection(), load_catalog(), [SIMING], today=today, seed=7, batch_id=batch.id,
                       loaded_at=now)
    with Session(db.engine()) as session:
        hours = session.execute(select(HourlyObservation.observed_at, HourlyObservation.value).where(
            HourlyObservation.indicator_code == "ENV-AIR-101").order_by(HourlyObservation.observed_at)).all()
    assert len(hours) == 48 + 9 and hours[-1].observed_at == datetime(2026, 3, 10, 8)
    assert hours_overdue(hours[-1].observed_at, now) == 0
    assert _daily("ENV-AIR-001", SIMING, today) is None  # today's hours make no day before it is published
    assert 0.6 * 61 < sum(v for _, v in hours[-9:]) / 9 < 1.5 * 61  # yesterday's level along the morning's shape
