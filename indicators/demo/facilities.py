"""Demo facilities for the map's point layers: schools, hospitals, markets, monitoring and fire stations.

Deterministic for a seed and a city: each district gets counts in proportion to its population,
placed at random points inside its boundary (rejection sampling in the district's bounding box,
with an even-odd point-in-polygon test, so holes and islands are respected).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.cities import City
from geo.polygons import Ring, contains, district_polygons
from indicators.store.models import FACILITY_KINDS, Facility, LoadBatch

# Persons per facility (at least ``MINIMUM`` of each kind per district).
PERSONS_PER = {"school": 25000, "hospital": 120000, "market": 50000, "monitoring_station": 250000,
               "fire_station": 180000}
MINIMUM = {"school": 3, "hospital": 1, "market": 2, "monitoring_station": 1, "fire_station": 1}
# (Chinese name pattern, English name pattern, capacity range or None); {d} the district, {n} the number.
NAMES = {
    "school": [("{d}第{n}中学", "{d} No. {n} Middle School", (900, 3200)),
               ("{d}第{n}小学", "{d} No. {n} Primary School", (600, 2400))],
    "hospital": [("{d}第{n}人民医院", "{d} No. {n} People's Hospital", (120, 1500))],
    "market": [("{d}第{n}农贸市场", "{d} No. {n} Farmers' Market", (60, 420))],
    "monitoring_station": [("{d}第{n}空气质量监测站", "{d} Air Quality Monitoring Station No. {n}", None)],
    "fire_station": [("{d}第{n}消防救援站", "{d} Fire Station No. {n}", (3, 14))],
}


def sample_points(polygons: list[list[Ring]], count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``count`` random (lon, lat) points inside the polygons, by rejection sampling in their bounding box."""
    every = np.concatenate([polygon[0] for polygon in polygons])
    (min_lon, min_lat), (max_lon, max_lat) = every.min(axis=0), every.max(axis=0)
    points: list[tuple[float, float]] = []
    for _ in range(200):
        if len(points) >= count:
            break
        lon = rng.uniform(min_lon, max_lon, 4 * count + 16)
        lat = rng.uniform(min_lat, max_lat, 4 * count + 16)
        keep = contains(polygons, lon, lat)
        points.extend(zip(lon[keep].round(6).tolist(), lat[keep].round(6).tolist()))
    if len(points) < count:
        raise ValueError("could not place enough points inside the district")
    return points[:count]


def short_name(name: str) -> str:
    """A district's name without its administrative suffix (English): ``Siming District`` → ``Siming``."""
    for suffix in (" District", " County", " City"):
        name = name.removesuffix(suffix)
    return name


def demo_facilities(city: City, *, seed: int) -> Iterator[dict]:
    """The city's demo facilities as rows of :class:`Facility` (without id and batch), deterministic."""
    shapes = district_polygons(city)
    for district in city.districts:
        if district.adcode not in shapes:
            continue
        rng = np.random.default_rng([seed, zlib.crc32(district.adcode.encode())])
        for kind in FACILITY_KINDS:
            count = max(MINIMUM[kind], round(district.population / PERSONS_PER[kind]))
            patterns = NAMES[kind]
            numbers = {i: 0 for i in range(len(patterns))}
            for index, (lon, lat) in enumerate(sample_points(shapes[district.adcode], count, rng)):
                pattern = index % len(patterns)
                numbers[pattern] += 1
                zh, en, capacity = patterns[pattern]
                yield {"city_key": city.key, "area_adcode": district.adcode, "kind": kind,
                       "name_zh": zh.format(d=district.name_zh, n=numbers[pattern]),
                       "name_en": en.format(d=short_name(district.name_en), n=numbers[pattern]),
                       "lat": lat, "lon": lon,
                       "capacity": None if capacity is None else float(rng.integers(capacity[0], capacity[1]))}


def count_facilities(session: Session, city_key: str) -> int:
    """How many facilities the city has in the store."""
    return session.scalar(select(func.count()).select_from(Facility).where(Facility.city_key == city_key)) or 0


def add_demo_facilities(session: Session, city: City, *, seed: int) -> int:
    """Insert the city's demo facilities inside the caller's transaction, as one load batch.

    Returns:
        The number of facilities inserted.
    """
    batch = LoadBatch(kind="demo", file_name=f"demo-facilities:{city.key}", user="system", status="running",
                      started_at=datetime.now())
    session.add(batch)
    session.flush()
    rows = [{**row, "batch_id": batch.id} for row in demo_facilities(city, seed=seed)]
    if rows:
        session.execute(Facility.__table__.insert(), rows)
    batch.status, batch.rows_total, batch.rows_inserted, batch.finished_at = "ok", len(rows), len(rows), datetime.now()
    return len(rows)
