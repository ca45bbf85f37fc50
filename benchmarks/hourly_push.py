"""Push of hourly values through the in-process loader (``indicators.ingest.hourly.load_hourly``, what
``POST /api/v1/observations`` calls), on a fresh store with the real catalog::

    .venv/bin/python benchmarks/hourly_push.py [--rows 10000] [--database-url postgresql+psycopg://127.0.0.1:5432/test]

``--rows`` hours of the hourly AQI for Xiamen's districts (whole days, so every day rolls up into the daily AQI),
timed three ways: new values, the same values again (nothing changes), and every value corrected (each hour and each
day kept as a revision — the most expensive case). Prints the wall time and rows/s of each; exits 1 when a push was
refused or took longer than ``--target`` seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from geo.cities import get_city, load_cities  # noqa: E402
from indicators.catalog.entries import load_catalog  # noqa: E402
from indicators.ingest.catalog_edits import sync_catalog  # noqa: E402
from indicators.ingest.hourly import load_hourly  # noqa: E402
from indicators.store import db  # noqa: E402
from indicators.store.writes import sync_city  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="hourly values per push")
    parser.add_argument("--database-url", help="an empty store (default: a new SQLite file)")
    parser.add_argument("--target", type=float, default=10.0, help="seconds a push may take")
    return parser.parse_args(argv)


def hourly_rows(count: int, bump: float = 0.0) -> list[dict]:
    """``count`` hours of the hourly AQI, district after district, day after day, ending yesterday 23:00."""
    districts = get_city("xiamen").districts
    hours_per_area = -(-count // len(districts))
    days = -(-hours_per_area // 24)
    first = datetime.combine(datetime.now().date() - timedelta(days=days), datetime.min.time())
    rows = [{"indicator": "ENV-AIR-101", "area": district.adcode,
             "period": f"{first + timedelta(hours=h):%Y-%m-%d %H:00}", "value": round(40 + 25 * ((h % 24) in range(5, 10)) + (h % 7) + bump, 1)}
            for district in districts for h in range(days * 24)]
    return rows[:count]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='cityvitals-hourly-')}/store.db"
    db.upgrade(url)
    db.use(url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    missed = []
    for label, rows in (("new", hourly_rows(args.rows)), ("unchanged", hourly_rows(args.rows)),
                        ("corrected", hourly_rows(args.rows, bump=1.0))):
        began = time.perf_counter()
        report = load_hourly(rows, f"bench-{label}.json", city_key="xiamen")
        seconds = time.perf_counter() - began
        print(f"{label:<10} {len(rows):>7} rows {seconds:7.2f} s {len(rows) / seconds:9.0f} rows/s  "
              f"{report.inserted} new, {report.updated} corrected, {report.unchanged} unchanged "
              f"({db.engine().dialect.name})")
        if not report.ok:
            missed.append(f"{label}: refused: {report.errors[:3]}")
        elif seconds > args.target:
            missed.append(f"{label}: {seconds:.2f} s > {args.target:g} s")
    print("goals met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
