"""Writing to the store: schema, catalog and cities, bulk observations, the latest table.

Everything that changes data goes through here, ``loading.py`` or ``catalog_store.py``; pages only read, through
``queries.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, inspect, select, tuple_
from sqlalchemy.orm import Session

from geo.cities import City
from indicators.catalog.accumulation import previous_in_year
from indicators.catalog.entries import Catalog, Indicator
from indicators.catalog.periods import shift, year_ago
from indicators.store.models import Area, Latest, Observation
from indicators.store.models import City as CityRow

# Newest values kept with each series for the sparklines of the tiles (a year of a monthly series).
RECENT_VALUES = 12
OBSERVATION_COLUMNS = ("indicator_code", "area_adcode", "period", "value", "flags", "source", "batch_id", "loaded_at")


def sync_city(session: Session, city: City) -> None:
    """Insert or update a city and its areas (the city itself and its districts)."""
    session.merge(CityRow(key=city.key, adcode=city.adcode, name_zh=city.name_zh, name_en=city.name_en))
    session.merge(
        Area(adcode=city.adcode, city_key=city.key, level="city", name_zh=city.name_zh,
             name_en=city.name_en, population=city.population)
    )
    for district in city.districts:
        session.merge(
            Area(adcode=district.adcode, city_key=city.key, level="district", name_zh=district.name_zh,
                 name_en=district.name_en, population=district.population)
        )


def count_observations(session: Session, city: City) -> int:
    """How many observations the store holds for the areas of ``city``."""
    adcodes = [city.adcode, *(d.adcode for d in city.districts)]
    return session.scalar(select(func.count()).select_from(Observation).where(Observation.area_adcode.in_(adcodes)))


def insert_observations(conn: Connection, frame: pd.DataFrame, *, batch_id: int, source: str,
                        loaded_at: datetime) -> int:
    """Bulk-insert new observations (no existing keys) inside the caller's transaction.

    Uses the driver directly: ``COPY`` on PostgreSQL, ``executemany`` on SQLite, because
    the ORM is ten times slower for the demo's millions of rows.

    Args:
        conn: a connection inside a transaction.
        frame: columns ``code``, ``adcode``, ``period`` (date), ``value``; optional ``flags``.
        batch_id: the load batch the rows belong to.
        source: where the rows come from (``demo``, a file name).
        loaded_at: the load time.

    Returns:
        The number of rows inserted.
    """
    if frame.empty:
        return 0
    flags = frame["flags"] if "flags" in frame else [""] * len(frame)
    postgres = conn.dialect.name == "postgresql"
    periods = frame["period"] if postgres else [p.isoformat() for p in frame["period"]]
    stamp = loaded_at if postgres else loaded_at.isoformat(sep=" ")
    rows = zip(frame["code"], frame["adcode"], periods, frame["value"].astype(float), flags,
               [source] * len(frame), [batch_id] * len(frame), [stamp] * len(frame))
    if postgres:
        with conn.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY observations ({', '.join(OBSERVATION_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" * len(OBSERVATION_COLUMNS))
        conn.exec_driver_sql(
            f"INSERT INTO observations ({', '.join(OBSERVATION_COLUMNS)}) VALUES ({placeholders})", list(rows)
        )
    return len(frame)


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Let a bulk insert of observations skip per-row foreign-key checks, then check them at once.

    On PostgreSQL the foreign keys of ``observations`` are dropped for the load and added
    back at the end, inside the same transaction: adding them validates every row in one
    pass, which costs a fraction of the per-row triggers (the technique pg_restore uses).
    A row that breaks them still fails the whole transaction. SQLite keeps its checks.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    keys = inspect(conn).get_foreign_keys("observations")
    for key in keys:
        conn.exec_driver_sql(f'ALTER TABLE observations DROP CONSTRAINT "{key["name"]}"')
    yield
    for key in keys:
        conn.exec_driver_sql(
            f'ALTER TABLE observations ADD CONSTRAINT "{key["name"]}" FOREIGN KEY ({", ".join(key["constrained_columns"])}) '
            f'REFERENCES {key["referred_table"]} ({", ".join(key["referred_columns"])})')


def compute_latest(frame: pd.DataFrame, indicator: Indicator, batch_id: int | None = None) -> list[dict]:
    """The ``latest`` rows of every series of one indicator in ``frame``.

    Args:
        frame: one indicator's observations (a single code): ``code``, ``adcode``, ``period``, ``value``
            and optionally ``batch_id`` (the newest batch that touched a row wins).
        indicator: the indicator: its frequency finds the previous and year-ago periods; a year-to-date
            one also gets its single-period values (see ``models.Latest``).
        batch_id: the batch to record when ``frame`` has no ``batch_id`` column.

    Returns:
        One dict per (indicator, area), ready for the ``latest`` table.
    """
    frequency, ytd = indicator.frequency, indicator.accumulation == "ytd"
    days = pd.to_datetime(frame["period"]).to_numpy().astype("datetime64[D]")
    values = frame["value"].to_numpy(dtype=float)
    batches = frame["batch_id"].to_numpy() if "batch_id" in frame else None
    rows = []
    area_ids, adcodes = pd.factorize(frame["adcode"])
    by_area = np.argsort(area_ids, kind="stable")
    bounds = np.searchsorted(area_ids[by_area], np.arange(len(adcodes) + 1))
    code = frame["code"].iat[0] if len(frame) else None
    for area, adcode in enumerate(adcodes):
        index = by_area[bounds[area]:bounds[area + 1]]
        order = index[np.argsort(days[index], kind="stable")]
        series_days, series_values = days[order], values[order]
        last = series_days[-1].astype(object)

        def value_at(period: date | None) -> float | None:
            if period is None:
                return None
            position = np.searchsorted(series_days, np.datetime64(period, "D"))
            found = position < len(series_days) and series_days[position] == np.datetime64(period, "D")
            return float(series_values[position]) if found else None

        def single_at(period: date) -> float | None:
            before = previous_in_year(period, frequency, indicator.jan_feb_merged)
            now, earlier = value_at(period), value_at(before) if before else 0.0
            return None if now is None or earlier is None else now - earlier

        single = indicator.single_periods
        year_before = year_ago(last, frequency)
        recent = zip(series_days[-RECENT_VALUES:].astype(object), series_values[-RECENT_VALUES:])
        rows.append({
            "indicator_code": code,
            "area_adcode": adcode,
            "period": last,
            "value": float(series_values[-1]),
            "prev_value": None if ytd else value_at(shift(last, frequency, -1)),
            "yoy_value": value_at(year_before),
            "period_value": single_at(last) if single else None,
            "period_yoy_value": single_at(year_before) if single else None,
            "first_period": series_days[0].astype(object),
            "count": len(order),
            "batch_id": int(batches[index].max()) if batches is not None else batch_id,
            "recent": json.dumps([[p.isoformat(), float(v)] for p, v in recent]),
        })
    return rows


def replace_latest(conn: Connection, rows: list[dict]) -> None:
    """Replace the ``latest`` rows of the series in ``rows``."""
    if not rows:
        return
    keys = [(r["indicator_code"], r["area_adcode"]) for r in rows]
    for start in range(0, len(keys), 500):
        conn.execute(delete(Latest).where(
            tuple_(Latest.indicator_code, Latest.area_adcode).in_(keys[start:start + 500])))
    conn.execute(insert(Latest), rows)


def refresh_latest(conn: Connection, catalog: Catalog, series: Iterable[tuple[str, str]]) -> None:
    """Recompute ``latest`` for the given (indicator, area) series from the observations (a series left
    without any value loses its row)."""
    by_code: dict[str, list[str]] = {}
    for code, adcode in series:
        by_code.setdefault(code, []).append(adcode)
    for code, adcodes in by_code.items():
        query = select(Observation.indicator_code.label("code"), Observation.area_adcode.label("adcode"),
                       Observation.period, Observation.value, Observation.batch_id).where(
            Observation.indicator_code == code, Observation.area_adcode.in_(adcodes))
        # Built column by column from all rows fetched at once: pandas probing Row objects attribute by attribute
        # took 3/4 of a 10,000-row push of daily series (benchmarks/api_bench.py).
        names = ["code", "adcode", "period", "value", "batch_id"]
        rows = conn.execute(query).all()
        frame = pd.DataFrame(dict(zip(names, zip(*rows))) if rows else {name: [] for name in names}, columns=names)
        emptied = set(adcodes) - set(frame["adcode"])
        if emptied:
            conn.execute(delete(Latest).where(Latest.indicator_code == code, Latest.area_adcode.in_(sorted(emptied))))
        replace_latest(conn, compute_latest(frame, catalog[code]))
