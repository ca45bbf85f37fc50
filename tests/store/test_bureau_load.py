"""Loading a statistics bureau's workbook (统计月报) into the store, on SQLite and PostgreSQL: the values stored
exactly, the same figures as GBK CSV change nothing, a bad variant writes nothing and is recorded as rejected."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.ingest.loading import load_bytes
from indicators.store import db
from indicators.store.models import LoadBatch, Observation
from tests.store.test_loading import store  # noqa: F401 - the fixture: real catalog, every city, no values

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2024, 11, 20)
OCT, SEP, MAR, FEB = date(2024, 10, 1), date(2024, 9, 1), date(2024, 3, 1), date(2024, 2, 1)

COVER = [["厦门统计月报"], ["2024年第10期"]]
# Rows of districts: indicators merged over their 1—10月 and 增长% columns; 全市 is the city.
DISTRICTS = [
    ["2024年1—10月各区主要经济指标"],
    ["地区", "规模以上工业增加值", None, "社会消费品零售总额", None, "出口总额（万元）"],
    [None, "1—10月", "增长%", "1—10月", "增长%", "1—10月"],
    ["全市", 650.3, 6.1, 2100.5, 5.2, 8002000],
    ["思明区", 50.1, 3.1, 700.2, 4.1, 1000000],
    ["湖里区", 150.25, -2.5, 600, 5.0, "—"],
    ["数据来源：厦门市统计局"],
]
DISTRICT_MERGES = ["A1:F1", "A2:A3", "B2:C2", "D2:E2"]
# Rows of indicators, no area column: the city's. 2024年 above the cumulative and single months.
HISTORY = [
    ["厦门市规模以上工业增加值（2024年）"],
    ["指标名称", "计量单位", "2024年", None, None, None, None],
    [None, None, "1—2月", "1—3月", "3月", "1—9月", "10月"],
    ["规模以上工业增加值", "亿元", 120.4, 190.5, 70.1, 580.0, 70.3],
    ["注：10月为当月值，已与累计值核对。"],
]
HISTORY_MERGES = ["A1:G1", "A2:A3", "B2:B3", "C2:G2"]
STORED = {
    ("ECO-IND-001", "350200", OCT): 650.3, ("ECO-IND-002", "350200", OCT): 6.1,
    ("ECO-CON-001", "350200", OCT): 2100.5, ("ECO-TRD-002", "350200", OCT): 800.2,
    ("ECO-IND-001", "350203", OCT): 50.1, ("ECO-IND-002", "350203", OCT): 3.1,
    ("ECO-CON-001", "350203", OCT): 700.2, ("ECO-TRD-002", "350203", OCT): 100.0,
    ("ECO-IND-001", "350206", OCT): 150.25, ("ECO-IND-002", "350206", OCT): -2.5,
    ("ECO-CON-001", "350206", OCT): 600.0,
    ("ECO-IND-001", "350200", FEB): 120.4, ("ECO-IND-001", "350200", MAR): 190.5,
    ("ECO-IND-001", "350200", SEP): 580.0,
}


def _workbook(districts: list[list[object]] = DISTRICTS, history: list[list[object]] = HISTORY) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows, merges in (("封面", COVER, []), ("各区", districts, DISTRICT_MERGES),
                               ("工业", history, HISTORY_MERGES)):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stored() -> dict[tuple[str, str, date], float]:
    with Session(db.engine()) as session:
        rows = session.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                      Observation.value)).all()
    return {(code, adcode, period): value for code, adcode, period, value in rows}


def _batches() -> list[str]:
    with Session(db.engine()) as session:
        return session.scalars(select(LoadBatch.status).order_by(LoadBatch.id)).all()


def _load(content: bytes, name: str, **options):
    return load_bytes(content, name, user="tester", city_key="xiamen", today=TODAY, **options)


def test_a_bureau_workbook_loads_as_it_is(store):  # noqa: F811 - the imported fixture
    dry = _load(_workbook(), "统计月报.xlsx", sheet="all", dry_run=True)
    assert dry.ok, dry.text()
    assert _stored() == {} and _batches() == []
    report = _load(_workbook(), "统计月报.xlsx", sheet="all")
    assert report.ok, report.text()
    assert (report.rows, report.inserted, report.updated) == (len(STORED), len(STORED), 0)
    assert _stored() == pytest.approx(STORED)
    assert any("万元" in note and "亿元" in note for note in report.notes)
    assert any("「工业!2024年10月」" in note and "1 个已与累计值之差核对" in note for note in report.notes)
    assert _batches() == ["ok"]


def test_the_same_figures_as_gbk_csv_change_nothing(store):  # noqa: F811
    assert _load(_workbook(), "统计月报.xlsx", sheet="各区").ok
    rows = [[cell if cell is not None else "" for cell in row] for row in DISTRICTS]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    report = _load(buffer.getvalue().encode("gbk"), "各区.csv")
    assert report.ok and report.encoding == "gb18030", report.text()
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 11)


def test_a_bad_variant_is_rejected_whole_and_recorded(store):  # noqa: F811
    bad = [list(row) for row in DISTRICTS]
    bad[4] = ["思明区", 50.1, 3.1, "七百", 4.1, 1000000]
    bad[5] = ["鼓浪屿", 150.25, -2.5, 600, 5.0, "—"]
    report = _load(_workbook(bad), "统计月报.xlsx", sheet="all")
    assert not report.ok
    assert [(e.row, e.column, e.value, e.sheet) for e in report.errors] == [
        (5, "各区!社会消费品零售总额1—10月", "七百", "各区"), (6, "各区!地区", "鼓浪屿", "各区")]
    assert [e.reason.split(" / ")[1] for e in report.errors] == ["not a number", "unknown area"]
    assert "REJECTED" in report.text() and "各区!地区" in report.text()
    assert _stored() == {} and _batches() == ["rejected"]


def test_a_single_month_that_disagrees_rejects_the_workbook(store):  # noqa: F811
    history = [list(row) for row in HISTORY]
    history[3] = ["规模以上工业增加值", "亿元", 120.4, 190.5, 75.0, 580.0, 70.3]
    report = _load(_workbook(history=history), "统计月报.xlsx", sheet="all")
    # October's single month is checked against 全市's 1—10月 on the other sheet: it agrees
    assert [(e.row, e.column, e.value) for e in report.errors] == [(4, "工业!2024年3月", "75")]
    assert "differs from the difference 70.1 of the cumulative values (row 4, column 工业!2024年1—3月" in \
        report.errors[0].reason
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 0


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the command is the same on either store
def test_manage_load_reads_one_sheet_or_all(store, tmp_path):  # noqa: F811
    path = tmp_path / "统计月报.xlsx"
    path.write_bytes(_workbook())
    env = {**os.environ, "CITYVITALS_DATABASE_URL": store}

    def load(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", "load", str(path), "--city", "xiamen", "--dry-run", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    first, named, everything = load(), load("--sheet", "各区"), load("--sheet", "all")
    assert first.returncode == named.returncode == everything.returncode == 0, first.stderr + everything.stdout
    assert "would load 11 values" in first.stdout  # 各区: the first sheet holding a table
    assert "would load 11 values" in named.stdout
    assert f"would load {len(STORED)} values" in everything.stdout
    # 工业, the third tab, alone: its October is a single month whose 1—10月 is on 各区
    third = load("--sheet", "3")
    assert third.returncode == 1 and "a year-to-date indicator takes its 1—N月 cumulative value" in third.stdout
    assert "note: 工作表「封面」没有表格，已跳过" in everything.stdout
    missing = load("--sheet", "无此表")
    assert missing.returncode == 1 and "没有工作表「无此表」" in missing.stdout
