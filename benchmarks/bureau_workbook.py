"""Bureau workbook benchmark: loading a 12-sheet, 100,000-value 统计月报-style XLSX (goal ≤ 10 s).

Run ``python benchmarks/bureau_workbook.py`` (``--values``, ``--sheets`` to change the size). The workbook is
generated from the real catalog for Xiamen: eleven sheets of monthly indicators, one row per indicator and
area, a two-row header (``2017年`` merged over ``1月 … 12月``); and one sheet of year-to-date indicators with
``1月``, ``1—2月`` … ``1—12月`` columns and a ``1—12月增长%`` column per year. It is loaded through
``indicators.ingest.loading.load_bytes`` into an empty SQLite store: first a dry run (read and check everything,
count what would change, write nothing), then the real load. Each step runs in a fresh process, so its peak
memory (the process's peak resident size, and the growth over the process before the step) is its own.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.cities import get_city  # noqa: E402
from indicators.catalog.entries import Indicator, load_catalog  # noqa: E402

GOAL_SECONDS = 10.0
FIRST_YEAR = 2017
TODAY = date(2025, 3, 1)  # the load's date: every generated period is before it


def _monthly(accumulation: str) -> list[Indicator]:
    return [i for i in load_catalog() if i.frequency == "monthly" and i.spatial_level == "district"
            and i.accumulation == accumulation and not i.derived and not i.growth_of and i.max_value != i.min_value]


def _value(indicator: Indicator, share: float, rng: np.random.Generator) -> float:
    """A plausible value: the typical one scaled by ``share`` and a little noise, inside the physical range."""
    value = indicator.typical * share * rng.uniform(0.9, 1.0)
    low = indicator.min_value if indicator.min_value is not None else -np.inf
    high = indicator.max_value if indicator.max_value is not None else np.inf
    return round(float(np.clip(value, low, high)), 2)


def build_workbook(values: int, sheets: int, seed: int = 1) -> tuple[bytes, int]:
    """The workbook's bytes and how many values it holds (at least ``values``)."""
    rng = np.random.default_rng(seed)
    city = get_city("xiamen")
    areas = [city.name_zh, *(d.name_zh for d in city.districts)]
    ytd = [i for i in _monthly("ytd") if i.unit != "%"]
    ytd_rows = [(i, area) for i in ytd for area in areas]
    years = list(range(FIRST_YEAR, TODAY.year))
    labels = ["1月", *(f"1—{m}月" for m in range(2, 13)), "1—12月增长%"]
    ytd_values = sum(len(years) * (12 if i.jan_feb_merged else 13) for i, _ in ytd_rows)
    period_rows = [(i, area) for i in _monthly("period") for area in areas]
    per_row = 12 * len(years)
    wanted_rows = min(len(period_rows), -(-(values - ytd_values) // per_row))
    period_rows = period_rows[:wanted_rows]
    book = openpyxl.Workbook(write_only=False)
    book.remove(book.active)
    groups = np.array_split(np.arange(len(period_rows)), sheets - 1)
    count = 0
    for number, group in enumerate(groups, start=1):
        sheet = book.create_sheet(f"月度{number}")
        sheet.append([f"{city.name_zh}主要指标月度数据（{years[0]}—{years[-1]}年）"])
        sheet.append(["指标名称", "地区", *(f"{y}年" if m == 0 else None for y in years for m in range(12))])
        sheet.append([None, None, *(f"{m}月" for _ in years for m in range(1, 13))])
        for col, _ in enumerate(years):
            start = 3 + 12 * col
            sheet.merge_cells(start_row=2, start_column=start, end_row=2, end_column=start + 11)
        sheet.merge_cells("A2:A3")
        sheet.merge_cells("B2:B3")
        for index in group:
            indicator, area = period_rows[index]
            sheet.append([indicator.name_zh, area, *(_value(indicator, 1.0, rng) for _ in range(per_row))])
            count += per_row
        sheet.append(["注：月度数据为快报数。"])
    sheet = book.create_sheet("累计")
    sheet.append([f"{city.name_zh}主要指标累计数据（{years[0]}—{years[-1]}年）"])
    sheet.append(["指标名称", "地区", *(f"{y}年" if i == 0 else None for y in years for i in range(len(labels)))])
    sheet.append([None, None, *(label for _ in years for label in labels)])
    for col, _ in enumerate(years):
        start = 3 + len(labels) * col
        sheet.merge_cells(start_row=2, start_column=start, end_row=2, end_column=start + len(labels) - 1)
    for indicator, area in ytd_rows:
        cells: list[object] = []
        for _ in years:
            months = [_value(indicator, m / 12, rng) for m in range(1, 13)]
            cells += ["—" if indicator.jan_feb_merged else months[0], *np.maximum.accumulate(months[1:]).tolist(),
                      round(float(rng.uniform(-5, 15)), 1)]
            count += 12 if indicator.jan_feb_merged else 13
        sheet.append([indicator.name_zh, area, *cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def _step(url: str, path: str, dry_run: bool, out: multiprocessing.Queue) -> None:
    """One load in a fresh process: its time and memory."""
    from indicators.ingest.loading import load_bytes
    from indicators.store import db

    db.use(url)
    content = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = load_bytes(content, Path(path).name, user="bench", dry_run=dry_run, city_key="xiamen", sheet="all",
                        today=TODAY)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put((seconds, peak / 1024, (peak - before) / 1024, report.ok, report.rows, report.inserted,
             report.text().splitlines()[:8]))


def _measured(url: str, path: Path, dry_run: bool) -> tuple:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_step, args=(url, str(path), dry_run, out))
    process.start()
    result = out.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when the goal is missed or the workbook does not load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000, help="values in the workbook (at least)")
    parser.add_argument("--sheets", type=int, default=12, help="sheets in the workbook")
    args = parser.parse_args(argv)

    from sqlalchemy.orm import Session

    from geo.cities import load_cities
    from indicators.ingest.catalog_edits import sync_catalog
    from indicators.store import db
    from indicators.store.writes import sync_city

    started = time.perf_counter()
    content, count = build_workbook(args.values, args.sheets)
    print(f"workbook: {args.sheets} sheets, {count:,} values, {len(content) / 1e6:.1f} MB "
          f"(generated in {time.perf_counter() - started:.1f} s)")
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "统计月报.xlsx"
        path.write_bytes(content)
        url = f"sqlite:///{Path(folder) / 'store.db'}"
        db.upgrade(url)
        with Session(db.use(url)) as session, session.begin():
            sync_catalog(session, load_catalog())
            for city in load_cities().values():
                sync_city(session, city)
        db.dispose(url)
        print(f"  {'step':28} {'seconds':>8} {'peak RSS MB':>12} {'growth MB':>10}  values stored")
        for name, dry_run in (("dry run (read and check)", True), ("load into SQLite", False)):
            seconds, peak, growth, loaded, rows, inserted, text = _measured(url, path, dry_run)
            met = loaded and seconds <= GOAL_SECONDS
            ok &= met
            print(f"  {name:28} {seconds:8.2f} {peak:12.0f} {growth:10.0f}  {rows:,} "
                  f"({inserted:,} new) {'ok' if met else 'MISSED'}")
            if not loaded:
                print("\n".join(f"    {line}" for line in text))
    print("(growth columns without an indicator of their own are read and skipped, not stored)")
    print(f"goal: each step ≤ {GOAL_SECONDS:.0f} s (timings on a shared machine are noisy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
