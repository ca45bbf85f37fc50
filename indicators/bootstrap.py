"""``init``: create or upgrade the store, load the catalog and cities, generate demo data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from geo.cities import City, get_city, load_cities
from indicators.catalog.entries import Catalog, load_catalog
from indicators.demo import generate_city
from indicators.demo.facilities import add_demo_facilities, count_facilities
from indicators.demo.handling import add_handling_record
from indicators.demo.hourly import add_demo_hours
from indicators.ingest.catalog_edits import sync_catalog
from indicators.store import db
from indicators.store.derived import recompute_all
from indicators.store.models import LoadBatch
from indicators.store.writes import (
    bulk_load,
    compute_latest,
    count_observations,
    insert_observations,
    replace_latest,
    sync_city,
)
from indicators.warnings.alerts import WarnReport, run_warnings


@dataclass
class InitReport:
    """What ``init`` did, and how long it took."""

    indicators_changed: int = 0
    generated: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: WarnReport | None = None  # the evaluation after demo data arrived
    handled: dict[str, int] = field(default_factory=dict)  # the demo's past alerts, handled and closed

    @property
    def rows(self) -> int:
        """Observations generated in all cities."""
        return sum(self.generated.values())


def generate_demo(session: Session, catalog: Catalog, city: City, *, seed: int, today: date,
                  progress: bool) -> int:
    """Generate and insert a city's demo data in one transaction, recorded as one load batch.

    Returns:
        The number of observations inserted.
    """
    batch = LoadBatch(kind="demo", file_name=f"demo:{city.key}", user="system", status="running",
                      started_at=datetime.now())
    session.add(batch)
    session.flush()
    conn, loaded_at, rows = session.connection(), datetime.now(), 0
    chunks = generate_city(catalog, city, end=today, seed=seed)
    bar = tqdm(total=len(catalog), desc=f"demo data {city.name_zh}", unit="indicator", disable=not progress)
    with bulk_load(conn):
        for frame in chunks:
            bar.update()
            indicator = catalog[frame["code"].iat[0]]
            if indicator.formula is not None:
                continue  # computed from its inputs below, as for loaded data
            rows += insert_observations(conn, frame, batch_id=batch.id, source="demo", loaded_at=loaded_at)
            replace_latest(conn, compute_latest(frame, indicator, batch.id))
        # The catalog's count was an upper bound (no hourly series here, no metro in a city without one): end at 100 %.
        bar.total = bar.n
        bar.refresh()
        bar.close()
        recompute_all(conn, catalog, batch_id=batch.id)
    rows += add_demo_hours(conn, catalog, [city.adcode, *(d.adcode for d in city.districts)], today=today, seed=seed,
                           batch_id=batch.id, loaded_at=loaded_at)
    batch.status, batch.rows_total, batch.rows_inserted, batch.finished_at = "ok", rows, rows, datetime.now()
    db.bump_data_version(session)
    return rows


def init_store(url: str, *, city_keys: tuple[str, ...], seed: int, today: date | None = None,
               progress: bool = True, catalog: Catalog | None = None) -> InitReport:
    """Create or upgrade the store at ``url`` and fill what is missing.

    Upgrades the schema (keeping data), loads the catalog and every configured city, and
    generates demo data for each city in ``city_keys`` that has no observations yet; when it did,
    the warnings are evaluated at once.

    Args:
        url: the store's database URL.
        city_keys: cities that get demo data when empty.
        seed: demo data seed.
        today: the demo data's "today" (defaults to the real one).
        progress: show progress bars.
        catalog: the catalog to load (the catalog file by default).

    Returns:
        What was done.
    """
    started = time.perf_counter()
    db.upgrade(url)
    engine = db.use(url)
    catalog = catalog or load_catalog()
    report = InitReport()
    with Session(engine) as session, session.begin():
        report.indicators_changed = sync_catalog(session, catalog)
        for city in load_cities().values():
            sync_city(session, city)
    for key in city_keys:
        city = get_city(key)
        with Session(engine) as session, session.begin():
            if count_observations(session, city) == 0:
                report.generated[city.key] = generate_demo(
                    session, catalog, city, seed=seed, today=today or date.today(), progress=progress)
            if count_facilities(session, city.key) == 0:  # also for stores made before the point layers
                add_demo_facilities(session, city, seed=seed)
                db.bump_data_version(session)
    if report.generated:
        with Session(engine) as session, session.begin():
            for key in report.generated:  # the past half year's handled alerts, before today's are opened
                report.handled[key] = add_handling_record(session, get_city(key), seed=seed,
                                                          today=today or date.today())
        # A city with new data gets its warnings now, not at the next ``warn`` (the screen would show 0 alerts).
        report.warnings = run_warnings(today=today)
    report.seconds = time.perf_counter() - started
    return report


def store_is_empty(url: str) -> bool:
    """Whether the store at ``url`` has no schema or no observations yet."""
    engine = db.use(url)
    if "observations" not in inspect(engine).get_table_names():
        return True
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM observations LIMIT 1")).first() is None
