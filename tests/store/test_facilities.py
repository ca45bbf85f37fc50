"""Facilities, the map's point layers, on SQLite and PostgreSQL: demo points inside their districts,
CSV loading all or nothing, the GeoJSON query, and a store made before them upgrading in place."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from matplotlib.path import Path as MplPath
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.orm import Session

from geo.polygons import district_polygons
from indicators.bootstrap import init_store
from indicators.demo.facilities import demo_facilities
from indicators.ingest.catalog_edits import entry_fields
from indicators.ingest.facilities import load_facilities
from indicators.store import db
from indicators.store.models import FACILITY_KINDS, Facility, LoadBatch, Observation
from indicators.store.writes import insert_observations, sync_city
from indicators.views.map_queries import facilities
from tests.store._mini import MINI, XIAMEN, create_mini_store, series_frame

TODAY = date(2025, 6, 30)
GOOD = """kind,name_zh,name_en,lat,lon,area_adcode,capacity
school,思明区第1中学,Siming No. 1 Middle School,24.4500,118.0900,350203,1800
school,湖里区第2小学,,24.5100,118.1300,350206,
hospital,海沧医院,Haicang Hospital,24.4900,117.9900,350205,"1,200"
"""
BAD = """kind,name_zh,name_en,lat,lon,area_adcode,capacity
school,思明区第1中学,Siming No. 1 Middle School,24.4500,118.0900,350203,1800
library,图书馆,Library,24.4500,118.0900,350203,
school,远方学校,Far school,39.9,116.4,350203,
market,菜市场,Market,24.5,abc,350902,
hospital,医院,Hospital,24.5,118.1,350203,many
"""


def _facility_count(city_key: str | None = None) -> int:
    with Session(db.engine()) as session:
        query = select(func.count()).select_from(Facility)
        if city_key:
            query = query.where(Facility.city_key == city_key)
        return session.scalar(query)


def _write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_demo_points_lie_inside_their_district(store_url):
    report = init_store(store_url, city_keys=("xiamen",), seed=7, today=TODAY, progress=False, catalog=MINI)
    assert report.generated["xiamen"] > 0
    collection = facilities("xiamen")
    features = collection["features"]
    assert collection["type"] == "FeatureCollection" and len(features) == _facility_count("xiamen") > 100
    assert _facility_count("ningde") == 0  # only the demo cities asked for
    kinds = Counter(f["properties"]["kind"] for f in features)
    assert set(kinds) == set(FACILITY_KINDS) and kinds["school"] > kinds["hospital"] > 0
    # Checked with matplotlib's point-in-polygon, independently of the generator's own test.
    shapes = district_polygons(XIAMEN)
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        props = feature["properties"]
        outer = [MplPath(polygon[0]) for polygon in shapes[props["area_adcode"]]]
        assert any(path.contains_point((lon, lat)) for path in outer), props
        assert props["name_zh"] and props["name_en"]
    first_school = next(f["properties"] for f in features if f["properties"]["kind"] == "school")
    assert first_school["name_zh"].endswith("第1中学") and first_school["name_en"].endswith("No. 1 Middle School")
    hospitals = facilities("xiamen", kind="hospital")["features"]
    assert len(hospitals) == kinds["hospital"] and {f["properties"]["kind"] for f in hospitals} == {"hospital"}
    # The same seed gives the same points; a second init adds nothing.
    assert [(f["geometry"]["coordinates"]) for f in features[:5]] == \
        [[r["lon"], r["lat"]] for r in sorted(demo_facilities(XIAMEN, seed=7),
                                               key=lambda r: (r["kind"], r["area_adcode"]))[:5]]
    init_store(store_url, city_keys=("xiamen",), seed=7, today=TODAY, progress=False, catalog=MINI)
    assert _facility_count("xiamen") == len(features)


def test_a_bad_csv_is_rejected_whole_with_row_column_and_reason(store_url, tmp_path):
    create_mini_store(store_url)
    report = load_facilities(_write(tmp_path, "bad.csv", BAD), "xiamen")
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "kind"), (4, "lat"), (4, "lon"), (5, "lon"), (5, "area_adcode"), (6, "capacity")}
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert "unknown kind" in reasons[(3, "kind")] and "outside Xiamen" in reasons[(4, "lat")]
    assert reasons[(5, "lon")] == "not a number" and "not a district of Xiamen" in reasons[(5, "area_adcode")]
    assert "REJECTED, nothing written" in report.text() and "library" in report.text()
    assert _facility_count() == 0  # the good first row was not written either
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(LoadBatch)) == 0
    missing = load_facilities(_write(tmp_path, "missing.csv", "kind,name_zh,lat\nschool,x,24.5\n"), "xiamen")
    assert {(e.row, e.column) for e in missing.errors} == {(1, "lon"), (1, "area_adcode")}


def test_a_good_csv_loads_in_one_batch_and_replaces_its_kinds(store_url, tmp_path):
    create_mini_store(store_url)
    report = load_facilities(_write(tmp_path, "good.csv", GOOD, "gb18030"), "xiamen", user="tester")
    assert report.ok, report.text()
    assert report.inserted == 3 and report.replaced == 0 and report.batch_id is not None
    features = facilities("xiamen")["features"]
    by_name = {f["properties"]["name_zh"]: f for f in features}
    assert by_name["海沧医院"]["properties"]["capacity"] == 1200.0
    assert by_name["湖里区第2小学"]["properties"]["name_en"] == "湖里区第2小学"  # falls back to the Chinese name
    assert by_name["湖里区第2小学"]["properties"]["capacity"] is None
    assert by_name["思明区第1中学"]["geometry"]["coordinates"] == [118.09, 24.45]
    # Loading a schools-only file again replaces the schools and leaves the hospital.
    schools = "\n".join(GOOD.splitlines()[:2]) + "\n"
    again = load_facilities(_write(tmp_path, "schools.csv", schools), "xiamen")
    assert again.ok and again.replaced == 2 and again.inserted == 1
    assert sorted(f["properties"]["kind"] for f in facilities("xiamen")["features"]) == ["hospital", "school"]


def test_a_store_made_at_revision_0001_upgrades_in_place(store_url):
    config = db.alembic_config(store_url)
    with db.engine().begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert "facilities" not in inspect(db.engine()).get_table_names()
    # Written as a store of revision 0001 had them: only that revision's columns.
    then = Table("indicators", MetaData(), autoload_with=db.engine())  # the table as revision 0001 made it
    with Session(db.engine()) as session, session.begin():
        session.execute(then.insert(),
                        [{name: value for name, value in {**entry_fields(entry), "catalog_version": MINI.version}.items()
                          if name in then.c} for entry in MINI])
        sync_city(session, XIAMEN)
    code = next(iter(MINI)).code
    with Session(db.engine()) as session, session.begin():  # observations only: ``latest`` had other columns then
        batch = LoadBatch(kind="test", status="ok", finished_at=datetime.now())
        session.add(batch)
        session.flush()
        insert_observations(session.connection(), series_frame(code, "350203", [1.0, 2.0, 3.0], "MS", "2025-05-01"),
                            batch_id=batch.id, source="test", loaded_at=datetime.now())
    report = init_store(store_url, city_keys=("xiamen",), seed=7, today=TODAY, progress=False, catalog=MINI)
    assert report.generated == {}  # the city had data: kept, not regenerated
    assert "facilities" in inspect(db.engine()).get_table_names()
    with db.engine().connect() as conn:
        head = ScriptDirectory.from_config(config).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(select(func.count()).select_from(Observation)).scalar() == 3
    assert _facility_count("xiamen") > 100  # the demo city got its points
