"""Store benchmark: ``init`` time, and the three page queries on demo and 10-million-row stores.

Run ``python manage.py bench`` (both backends, demo stores only) or
``python manage.py bench --synthetic 10000000`` (adds the large stores; a few minutes).
Queries are timed uncached (straight to the store), after one warm-up call each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.cities import City, District, get_city  # noqa: E402
from indicators.bootstrap import init_store  # noqa: E402
from indicators.catalog.entries import load_catalog  # noqa: E402
from indicators.catalog.periods import shift  # noqa: E402
from indicators.store import db  # noqa: E402
from indicators.store.models import Area, LoadBatch  # noqa: E402
from indicators.store.models import City as CityRow
from indicators.store.writes import compute_latest, insert_observations, replace_latest  # noqa: E402
from indicators.views.queries import area_values, latest_snapshot, series  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"
TARGETS_MS = {"latest snapshot (one area)": 30, "5-year monthly series": 5, "all areas at a period": 10}


def _timed(func, repeat: int) -> tuple[float, float]:
    func()  # warm-up: first call pays for connection and plan caching
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def query_figures(city: City, repeat: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of the three queries on the current store, for ``city``."""
    catalog = load_catalog()
    monthly = next(i for i in catalog if i.frequency == "monthly" and i.spatial_level == "district")
    district = city.districts[0].adcode
    start = shift(date.today().replace(day=1), "monthly", -60)
    return {
        "latest snapshot (one area)": _timed(lambda: latest_snapshot(district), repeat),
        "5-year monthly series": _timed(lambda: series(monthly.code, district, start=start), repeat),
        "all areas at a period": _timed(lambda: area_values(monthly.code, city.key), repeat),
    }


def _postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def fresh_url(backend: str, folder: Path) -> tuple[str, callable]:
    """A new empty store on ``backend`` and the function that removes it."""
    if backend == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        db.dispose(_postgres_schema_url(schema))
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    return _postgres_schema_url(schema), drop


def synthetic_cities(rows_wanted: int, rows_per_area: int) -> list[City]:
    """Made-up cities (adcodes 99xxxx) with enough areas for ``rows_wanted`` observations."""
    n_areas = max(1, -(-rows_wanted // rows_per_area))  # rounded up: at least rows_wanted
    cities = []
    for c in range(0, n_areas, 10):
        adcode = f"99{c // 10:02d}00"
        districts = tuple(District(f"99{c // 10:02d}{d:02d}", f"合成区{c + d}", f"Synthetic {c + d}", 100000)
                          for d in range(1, min(10, n_areas - c)))
        cities.append(City(f"syn{c // 10}", adcode, f"合成市{c // 10}", f"Synthetic {c // 10}", "合成",
                           "350200.geojson", (0.0, 0.0), 9, False, districts))
    return cities


def fill_synthetic(url: str, rows_wanted: int) -> int:
    """Fill the store with random-walk series of every indicator in synthetic areas."""
    catalog = load_catalog()
    engine = db.use(url)
    end = date.today()
    periods = {f: pd.date_range("2019-01-01", end, freq={"daily": "D", "weekly": "W-MON", "monthly": "MS",
                                                           "quarterly": "QS", "yearly": "YS"}[f]).date
               for f in ("daily", "weekly", "monthly", "quarterly", "yearly")}
    per_area = sum(len(periods[i.frequency]) for i in catalog)
    rng, inserted = np.random.default_rng(1), 0
    with Session(engine) as session, session.begin():
        batch = LoadBatch(kind="demo", file_name="synthetic", status="ok")
        session.add(batch)
        cities = synthetic_cities(rows_wanted, per_area)
        for city in cities:
            session.merge(CityRow(key=city.key, adcode=city.adcode, name_zh=city.name_zh, name_en=city.name_en))
            for adcode, level in [(city.adcode, "city"), *((d.adcode, "district") for d in city.districts)]:
                session.merge(Area(adcode=adcode, city_key=city.key, level=level, name_zh=adcode, name_en=adcode))
        session.flush()
        conn = session.connection()
        areas = [a for c in cities for a in (c.adcode, *(d.adcode for d in c.districts))]
        for indicator in catalog:
            dates = periods[indicator.frequency]
            values = indicator.typical * (1 + 0.01 * rng.standard_normal((len(areas), len(dates))).cumsum(axis=1))
            frame = pd.DataFrame({"code": indicator.code, "adcode": np.repeat(areas, len(dates)),
                                  "period": np.tile(dates, len(areas)), "value": values.ravel()})
            inserted += insert_observations(conn, frame, batch_id=batch.id, source="synthetic",
                                            loaded_at=pd.Timestamp.now().to_pydatetime())
            replace_latest(conn, compute_latest(frame, indicator, batch.id))
    return inserted


def print_table(title: str, figures: dict[str, tuple[float, float]]) -> bool:
    """Print p50/p95 against the targets; return whether every p50 meets its target."""
    print(f"\n{title}")
    print(f"  {'query':32} {'p50 ms':>8} {'p95 ms':>8} {'target p50':>11}")
    ok = True
    for name, (p50, p95) in figures.items():
        met = p50 <= TARGETS_MS[name]
        ok &= met
        print(f"  {name:32} {p50:8.2f} {p95:8.2f} {'≤ ' + str(TARGETS_MS[name]):>9} {'ok' if met else 'MISSED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="manage.py bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--synthetic", type=int, default=0, help="also build a store of this many observations")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per query")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            url, drop = fresh_url(backend, Path(folder))
            try:
                report = init_store(url, city_keys=("xiamen", "ningde"), seed=20190101, progress=False)
                print(f"\n[{backend}] init of both demo cities: {report.seconds:.1f} s, {report.rows:,} observations, "
                      f"{report.rows / report.seconds:,.0f} rows/s overall")
                ok &= print_table(f"[{backend}] demo store, Xiamen", query_figures(get_city("xiamen"), args.repeat))
                if args.synthetic:
                    started = time.perf_counter()
                    rows = fill_synthetic(url, args.synthetic - report.rows)
                    print(f"\n[{backend}] synthetic rows added: {rows:,} in {time.perf_counter() - started:.0f} s "
                          f"(store total {rows + report.rows:,})")
                    db.use(url)
                    ok &= print_table(f"[{backend}] {rows + report.rows:,}-observation store, Xiamen",
                                      query_figures(get_city("xiamen"), args.repeat))
            finally:
                drop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
