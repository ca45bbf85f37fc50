"""Tests for indicators.ingest.importer: every file shape, encoding, period, number and error."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from geo.cities import City, District
from indicators.catalog.entries import parse_catalog
from indicators.ingest.importer import (
    RowError,
    area_lookup,
    parse_number,
    parse_period,
    read_observations,
)

CATALOG_CSV = """\
code,name_zh,name_en,theme,topics,unit,frequency,direction,department,source,spatial_level,aggregation,min_value,max_value,typical,definition
ECO-IND-001,规上工业增加值,Industrial value added,economy,industry,亿元,monthly,up,统计局,统计月报,district,sum,0,10000,100,规模以上工业增加值
GOV-PET-001,信访件数,Petitions,governance,petition,件,daily,down,信访局,信访系统,district,sum,0,100000,10,每日受理信访件数
ENV-AQI-001,空气质量优良率,Good air days,environment,,%,monthly,up,生态环境局,空气监测,city,none,0,100,95,优良天数占比
ECO-GDP-001,地区生产总值,GDP,economy,,亿元,quarterly,up,统计局,季度核算,district,sum,0,100000,500,地区生产总值
GOV-POP-001,常住人口,Resident population,governance,,万人,yearly,neutral,统计局,人口年报,district,sum,0,2000,100,年末常住人口
PUB-FLU-001,流感样病例数,ILI cases,public_service,health,例,weekly,down,卫健委,哨点监测,district,sum,0,100000,50,哨点医院流感样病例
"""
CATALOG = parse_catalog(CATALOG_CSV)
CODE_BY_FREQUENCY = {ind.frequency: ind.code for ind in CATALOG if ind.spatial_level == "district"}


def _district(adcode: str, name_zh: str) -> District:
    return District(adcode=adcode, name_zh=name_zh, name_en=name_zh, population=100000)


def _city(adcode: str, name_zh: str, districts: tuple[District, ...]) -> City:
    return City(key=adcode, adcode=adcode, name_zh=name_zh, name_en=name_zh, short_zh=name_zh.removesuffix("市"),
                boundaries=f"{adcode}.geojson", center=(0.0, 0.0), zoom=9, demo=False, districts=districts)


XIAMEN = _city("350200", "厦门市", (
    _district("350203", "思明区"), _district("350206", "湖里区"), _district("350211", "集美区")))
AREAS = area_lookup(XIAMEN)


def _csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _write_csv(path, rows, **options):
    path.write_bytes(_csv_bytes(rows, **options))
    return path


def _write_xlsx(path, rows, edit=None):
    """An XLSX made the way openpyxl users make them; ``edit`` adds merges and formats."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if edit is not None:
        edit(sheet)
    book.save(path)
    return path


def _read(source, **options):
    return read_observations(source, catalog=CATALOG, areas=AREAS, **options)


def _records(parsed) -> list[tuple]:
    """The kept values as (code, adcode, period, value, row)."""
    return list(parsed.observations[["code", "adcode", "period", "value", "row"]].itertuples(index=False, name=None))


# ---------------------------------------------------------------- areas


def test_area_lookup_knows_adcodes_full_and_short_names_of_one_city():
    assert AREAS["350203"] == AREAS["思明区"] == AREAS["思明"] == "350203"
    assert AREAS["350200"] == AREAS["厦门市"] == AREAS["厦门"] == "350200"
    assert AREAS["全市"] == AREAS["市本级"] == "350200"
    assert area_lookup([XIAMEN]) == AREAS  # a list of one city is still one city


def test_area_lookup_of_several_cities_drops_city_aliases_and_shared_names():
    other = _city("350900", "宁德市", (_district("350902", "蕉城区"), _district("350981", "思明县")))
    areas = area_lookup([XIAMEN, other])
    assert "全市" not in areas and "市本级" not in areas
    assert areas["思明区"] == "350203" and areas["思明县"] == "350981"
    assert "思明" not in areas  # short for both 思明区 and 思明县: ambiguous
    assert areas["宁德"] == "350900"


# ---------------------------------------------------------------- periods

PERIOD_CASES = [
    ("2024年3月", date(2024, 3, 1), "monthly"),
    ("2024年03月", date(2024, 3, 1), "monthly"),
    ("2024-03", date(2024, 3, 1), "monthly"),
    ("2024/03", date(2024, 3, 1), "monthly"),
    ("202403", date(2024, 3, 1), "monthly"),
    ("2024.03", date(2024, 3, 1), "monthly"),
    ("2024.10", date(2024, 10, 1), "monthly"),
    ("２０２４年３月", date(2024, 3, 1), "monthly"),
    ("2024Q1", date(2024, 1, 1), "quarterly"),
    ("2024-Q2", date(2024, 4, 1), "quarterly"),
    ("2024年第一季度", date(2024, 1, 1), "quarterly"),
    ("2024年三季度", date(2024, 7, 1), "quarterly"),
    ("2024年第4季度", date(2024, 10, 1), "quarterly"),
    ("2024年", date(2024, 1, 1), "yearly"),
    ("2024", date(2024, 1, 1), "yearly"),
    ("2024年度", date(2024, 1, 1), "yearly"),
    ("2024-03-15", date(2024, 3, 15), "daily"),
    ("2024/3/15", date(2024, 3, 15), "daily"),
    ("20240315", date(2024, 3, 15), "daily"),
    ("2024年3月15日", date(2024, 3, 15), "daily"),
    ("2024-03-15 00:00:00", date(2024, 3, 15), "daily"),
    ("2024-W11", date(2024, 3, 11), "weekly"),
    ("2024W01", date(2024, 1, 1), "weekly"),
    ("2024年第11周", date(2024, 3, 11), "weekly"),
]


@pytest.mark.parametrize(("text", "start", "frequency"), PERIOD_CASES)
def test_parse_period_reads_every_form(text, start, frequency):
    assert parse_period(text) == (start, frequency)


@pytest.mark.parametrize(("value", "expected"), [
    (date(2024, 3, 15), (date(2024, 3, 15), "daily")),
    (datetime(2024, 3, 1, 0, 0), (date(2024, 3, 1), "daily")),
    (202403, (date(2024, 3, 1), "monthly")),
    (2024, (date(2024, 1, 1), "yearly")),
])
def test_parse_period_reads_dates_and_numbers(value, expected):
    assert parse_period(value) == expected


@pytest.mark.parametrize("text", ["2024年13月", "2024-02-30", "2024-W54", "2023-W53", "2024Q5", "24年3月",
                                  "三月", "", "1800年", "2024年上半年"])
def test_parse_period_rejects_what_is_no_period(text):
    with pytest.raises(ValueError):
        parse_period(text)


@pytest.mark.parametrize(("text", "start", "frequency"), PERIOD_CASES)
def test_every_period_form_loads_for_an_indicator_of_its_frequency(tmp_path, text, start, frequency):
    path = _write_csv(tmp_path / "p.csv", [["指标", "地区", "时间", "数值"], [CODE_BY_FREQUENCY[frequency], "思明区", text, 1]])
    parsed = _read(path)
    assert parsed.errors == ()
    assert _records(parsed) == [(CODE_BY_FREQUENCY[frequency], "350203", start, 1.0, 2)]


# ---------------------------------------------------------------- numbers

NUMBER_CASES = [
    ("1234.5", 1234.5), ("1,234.5", 1234.5), ("12,345,678", 12345678.0), ("1，234", 1234.0),
    ("１２３４", 1234.0), ("１，２３４．５", 1234.5), ("  12.5 ", 12.5), ("\u300012\u3000", 12.0), ("-3", -3.0),
    ("－3", -3.0), ("+3", 3.0), ("1.5e3", 1500.0), (".5", 0.5), (7, 7.0), (2.5, 2.5),
]
MISSING_MARKERS = ["", "  ", "—", "–", "-", "/", "／", "NA", "na", "N/A", "无", "——", "--"]


@pytest.mark.parametrize(("value", "expected"), NUMBER_CASES)
def test_parse_number_reads_every_form(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize(("value", "unit", "expected"), [
    ("85.2%", "%", 85.2), ("85.2％", "%", 85.2), ("12亿元", "亿元", 12.0), ("1.5‰", "‰", 1.5),
])
def test_parse_number_drops_the_indicators_unit(value, unit, expected):
    assert parse_number(value, unit=unit) == expected


@pytest.mark.parametrize("marker", [*MISSING_MARKERS, None])
def test_parse_number_reads_missing_markers_as_none(marker):
    assert parse_number(marker) is None


@pytest.mark.parametrize("value", ["abc", "1,23", "1.2.3", "85.2%", "12亿", "nan", "inf", "1_000", True,
                                   float("nan"), date(2024, 1, 1)])
def test_parse_number_rejects_what_is_no_number(value):
    with pytest.raises(ValueError):
        parse_number(value)


# Only text fits a CSV, and ECO-IND-001 allows 0 to 10000.
FILE_NUMBER_CASES = [(text, value) for text, value in NUMBER_CASES if isinstance(text, str) and 0 <= value <= 10000]


@pytest.mark.parametrize(("text", "expected"), FILE_NUMBER_CASES)
def test_every_number_form_loads_from_a_file(tmp_path, text, expected):
    path = _write_csv(tmp_path / "n.csv", [["指标", "地区", "时间", "数值"], ["ECO-IND-001", "思明区", "2024-01", text]])
    assert _records(_read(path)) == [("ECO-IND-001", "350203", date(2024, 1, 1), expected, 2)]


@pytest.mark.parametrize("marker", MISSING_MARKERS)
def test_missing_values_are_skipped_in_long_and_wide_files(tmp_path, marker):
    long = _write_csv(tmp_path / "long.csv", [["指标", "地区", "时间", "数值"], ["ECO-IND-001", "思明区", "2024-01", marker],
                                              ["ECO-IND-001", "湖里区", "2024-01", 5]])
    wide = _write_csv(tmp_path / "wide.csv", [["指标", "地区", "2024年1月", "2024年2月"],
                                              ["ECO-IND-001", "思明区", marker, 5]])
    assert _records(_read(long)) == [("ECO-IND-001", "350206", date(2024, 1, 1), 5.0, 3)]
    assert _records(_read(wide)) == [("ECO-IND-001", "350203", date(2024, 2, 1), 5.0, 2)]
    assert _read(long).errors == _read(wide).errors == ()


# ---------------------------------------------------------------- encodings and shapes

LONG_ROWS = [
    ["indicator", "area", "period", "value"],
    ["ECO-IND-001", "思明区", "2024年1月", "12.5"],
    ["规上工业增加值", "湖里", "2024-02", "1,000"],
    ["ENV-AQI-001", "厦门市", "2024年1月", "85.2%"],
    ["GOV-PET-001", "350211", "2024/3/15", "7"],
]
LONG_EXPECTED = [
    ("ECO-IND-001", "350203", date(2024, 1, 1), 12.5, 2),
    ("ECO-IND-001", "350206", date(2024, 2, 1), 1000.0, 3),
    ("ENV-AQI-001", "350200", date(2024, 1, 1), 85.2, 4),
    ("GOV-PET-001", "350211", date(2024, 3, 15), 7.0, 5),
]


@pytest.mark.parametrize(("encoding", "detected", "delimiter"), [
    ("utf-8", "utf-8", ","), ("utf-8-sig", "utf-8-sig", ","), ("gbk", "gb18030", ","), ("utf-8", "utf-8", "\t"),
    ("utf-16", "utf-16", "\t"),
])
def test_long_csv_in_every_encoding(tmp_path, encoding, detected, delimiter):
    path = _write_csv(tmp_path / "long.csv", LONG_ROWS, encoding=encoding, delimiter=delimiter)
    parsed = _read(path)
    assert (parsed.ok, parsed.format, parsed.encoding, parsed.shape, parsed.header_row) == (
        True, "csv", detected, "long", 1)
    assert parsed.file_name == "long.csv"
    assert _records(parsed) == LONG_EXPECTED


def test_observations_have_the_columns_and_types_the_store_expects(tmp_path):
    frame = _read(_write_csv(tmp_path / "long.csv", LONG_ROWS)).observations
    assert list(frame.columns) == ["code", "adcode", "period", "value", "row", "sheet", "measure"]
    assert str(frame["value"].dtype) == "float64" and str(frame["row"].dtype) == "int64"
    assert set(frame["sheet"]) == {""} and set(frame["measure"]) == {"value"}
    assert all(type(p) is date for p in frame["period"])


def test_gbk_csv_with_chinese_headers_a_title_and_blank_lines(tmp_path):
    rows = [
        ["2024年厦门市各区规上工业增加值"],
        [],
        ["指标代码", "指标名称", "区县", "统计期", "数值（亿元）", "备注"],
        ["ECO-IND-001", "规上工业增加值", "思明区", "2024年1月", "１２３４", "快报"],
        ["", "规上工业增加值", "湖里区", "2024年1月", "1，234"],  # no code: the name column stands in
        [],
        ["注：数据为快报数。"],
    ]
    parsed = _read(_csv_bytes(rows, encoding="gbk"), file_name="工业.csv")
    assert (parsed.errors, parsed.encoding, parsed.header_row, parsed.file_name) == ((), "gb18030", 3, "工业.csv")
    assert _records(parsed) == [("ECO-IND-001", "350203", date(2024, 1, 1), 1234.0, 4),
                                ("ECO-IND-001", "350206", date(2024, 1, 1), 1234.0, 5)]


def test_wide_by_period_xlsx_with_title_merged_labels_and_notes(tmp_path):
    rows = [
        ["2024年厦门市各区规上工业增加值统计表"],
        ["单位：亿元"],
        ["指标", "地区", "2024年1月", datetime(2024, 2, 1), "2024-03", "合计", "备注"],
        ["规上工业增加值", "思明区", 10.5, 11, "—", 21.5, None],
        [None, "湖里区", "1,234.5", None, 12, 1246.5, "估计"],
        [],
        ["注：1月数据为快报数。"],
        ["数据来源：厦门市统计局"],
    ]

    def edit(sheet):
        sheet.merge_cells("A1:G1")
        sheet.merge_cells("A4:A5")  # the indicator label spans both district rows
        sheet.merge_cells("A7:G7")

    parsed = _read(_write_xlsx(tmp_path / "wide.xlsx", rows, edit))
    assert (parsed.errors, parsed.format, parsed.encoding, parsed.shape, parsed.header_row) == (
        (), "xlsx", None, "wide_period", 3)
    assert _records(parsed) == [
        ("ECO-IND-001", "350203", date(2024, 1, 1), 10.5, 4),
        ("ECO-IND-001", "350203", date(2024, 2, 1), 11.0, 4),
        ("ECO-IND-001", "350206", date(2024, 1, 1), 1234.5, 5),
        ("ECO-IND-001", "350206", date(2024, 3, 1), 12.0, 5),
    ]


def test_wide_by_area_csv(tmp_path):
    rows = [
        ["指标", "时间", "思明区", "湖里", "350211000000", "全市"],
        ["ECO-IND-001", "2024年1月", "10", "20", "30", "60"],
        ["ENV-AQI-001", "2024年1月", "", "", "", "95.5%"],
        ["规上工业增加值", "2024-02", "1,000", "", "—", ""],
    ]
    parsed = _read(_write_csv(tmp_path / "areas.csv", rows))
    assert (parsed.errors, parsed.shape, parsed.header_row) == ((), "wide_area", 1)
    assert _records(parsed) == [
        ("ECO-IND-001", "350203", date(2024, 1, 1), 10.0, 2),
        ("ECO-IND-001", "350206", date(2024, 1, 1), 20.0, 2),
        ("ECO-IND-001", "350211", date(2024, 1, 1), 30.0, 2),
        ("ECO-IND-001", "350200", date(2024, 1, 1), 60.0, 2),
        ("ENV-AQI-001", "350200", date(2024, 1, 1), 95.5, 3),
        ("ECO-IND-001", "350203", date(2024, 2, 1), 1000.0, 4),
    ]


def test_xlsx_cells_are_read_as_the_sheet_shows_them(tmp_path):
    rows = [
        ["指标", "地区", "时间", "数值"],
        ["ENV-AQI-001", "厦门市", 2024.1, 0.852],     # shown as 2024.10 and 85.2%
        ["ENV-AQI-001", 350200, datetime(2024, 9, 1), 90],  # Excel turns a typed 2024/9 into a date
        ["ENV-AQI-001", "厦门", 2024.01, "88"],
        ["ECO-IND-001", "思明区", "2024-01", 1234.5678],  # a rounded display keeps the full value
    ]

    def edit(sheet):
        sheet["C2"].number_format = "0.00"
        sheet["D2"].number_format = "0.0%"
        sheet["D5"].number_format = "#,##0.0"

    parsed = _read(_write_xlsx(tmp_path / "cells.xlsx", rows, edit))
    assert parsed.errors == ()
    assert _records(parsed) == [
        ("ENV-AQI-001", "350200", date(2024, 10, 1), 85.2, 2),
        ("ENV-AQI-001", "350200", date(2024, 9, 1), 90.0, 3),
        ("ENV-AQI-001", "350200", date(2024, 1, 1), 88.0, 4),
        ("ECO-IND-001", "350203", date(2024, 1, 1), 1234.5678, 5),
    ]


def test_xlsx_sheet_by_name(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["封面"])
    book.create_sheet("数据").append(["指标", "地区", "时间", "数值"])
    book["数据"].append(["ECO-IND-001", "思明区", "2024-01", 3])
    book.save(tmp_path / "two.xlsx")
    assert len(_read(tmp_path / "two.xlsx", sheet="数据").observations) == 1
    assert _read(tmp_path / "two.xlsx", sheet="无此表").errors[0].row == 0


# ---------------------------------------------------------------- frequencies


@pytest.mark.parametrize(("code", "period", "ok"), [
    ("ECO-IND-001", "2024-03-15", False),    # a day is no month
    ("GOV-PET-001", "2024年3月", False),      # a month is no day
    ("ECO-IND-001", "2024Q1", False),
    ("ECO-GDP-001", "2024年3月", False),
    ("ECO-IND-001", "2024-03-01", True),     # a month's first day stands for the month
    ("ECO-GDP-001", "2024-04-01", True),
    ("GOV-POP-001", "2024-01-01", True),
    ("PUB-FLU-001", "2024-03-11", True),     # a Monday stands for its ISO week
    ("PUB-FLU-001", "2024-03-12", False),
])
def test_periods_must_match_the_indicators_frequency(tmp_path, code, period, ok):
    path = _write_csv(tmp_path / "f.csv", [["指标", "地区", "时间", "数值"], [code, "思明区", period, 1]])
    parsed = _read(path)
    assert parsed.ok is ok
    if not ok:
        frequency = CATALOG[code].frequency
        assert parsed.errors[0].reason.endswith(f"period does not match the indicator's frequency {frequency}")


# ---------------------------------------------------------------- errors


def test_a_bad_file_reports_every_reason_with_row_column_and_value(tmp_path):
    rows = [
        ["指标", "地区", "时间", "数值"],
        ["ECO-IND-001", "思明区", "2024年1月", "10"],
        ["XXX-BAD-001", "思明区", "2024年1月", "10"],
        ["ECO-IND-001", "鼓浪屿", "2024年1月", "10"],
        ["ECO-IND-001", "思明区", "2024年2月", "abc"],
        ["ECO-IND-001", "思明区", "2024年3月", "20000"],
        ["ECO-IND-001", "思明区", "2024-01", "11"],
        ["ECO-IND-001", "思明区", "2024年13月", "10"],
        ["ECO-IND-001", "思明区", "2024-04-15", "10"],
        ["GOV-PET-001", "思明区", "2024年3月", "10"],
        ["ENV-AQI-001", "思明区", "2024年1月", "90"],
        ["", "思明区", "2024年1月", "10"],
        ["ECO-IND-001", "", "2024年5月", "10"],
        ["ECO-IND-001", "思明区", "", "10"],
        ["ECO-IND-001", "湖里区", "2024年1月", "12%"],
        ["ECO-IND-001", "集美区", "2024年1月", "—"],
    ]
    parsed = _read(_write_csv(tmp_path / "bad.csv", rows))
    assert parsed.errors == (
        RowError(3, "指标", "XXX-BAD-001", "未知指标 / unknown indicator"),
        RowError(4, "地区", "鼓浪屿", "未知地区 / unknown area"),
        RowError(5, "数值", "abc", "不是数字 / not a number"),
        RowError(6, "数值", "20000", "超出合理范围 0 ~ 10000 / out of physical range 0 to 10000"),
        RowError(7, "数值", "11", "重复：指标、地区、时间与第 2 行「数值」相同 / "
                                   "duplicate key (indicator, area, period) of row 2, column 数值"),
        RowError(8, "时间", "2024年13月", "没有13月 / there is no month 13"),
        RowError(9, "时间", "2024-04-15",
                 "时间与指标频度（月度）不符 / period does not match the indicator's frequency monthly"),
        RowError(10, "时间", "2024年3月",
                 "时间与指标频度（日度）不符 / period does not match the indicator's frequency daily"),
        RowError(11, "地区", "思明区", "市级指标不能按区县填报 / city-level indicator given for a district"),
        RowError(12, "指标", "", "缺少指标 / indicator missing"),
        RowError(13, "地区", "", "缺少地区 / area missing"),
        RowError(14, "时间", "", "缺少时间 / period missing"),
        RowError(15, "数值", "12%", "不是数字 / not a number"),
    )
    assert not parsed.ok
    assert _records(parsed) == [("ECO-IND-001", "350203", date(2024, 1, 1), 10.0, 2)]


def test_wide_files_report_bad_headers_once_and_bad_labels_once_per_row(tmp_path):
    by_period = [
        ["标题"],
        ["指标", "地区", "2024年1月", "2024年13月", "2024-01"],
        ["ECO-IND-001", "思明区", "1", "2", "3"],
        ["XXX-BAD-001", "湖里区", "1", "2", "3"],
    ]
    parsed = _read(_write_csv(tmp_path / "p.csv", by_period))
    assert parsed.errors == (
        RowError(2, "2024年13月", "2024年13月", "没有13月 / there is no month 13"),
        RowError(3, "2024-01", "3", "重复：指标、地区、时间与第 3 行「2024年1月」相同 / "
                                    "duplicate key (indicator, area, period) of row 3, column 2024年1月"),
        RowError(4, "指标", "XXX-BAD-001", "未知指标 / unknown indicator"),
    )
    by_area = [["指标", "时间", "思明区", "鼓浪屿"], ["ENV-AQI-001", "2024年1月", "90", ""]]
    parsed = _read(_write_csv(tmp_path / "a.csv", by_area))
    assert parsed.errors == (
        RowError(1, "鼓浪屿", "鼓浪屿", "未知地区 / unknown area"),
        RowError(2, "思明区", "思明区", "市级指标不能按区县填报 / city-level indicator given for a district"),
    )


def test_percent_formatted_cell_for_an_indicator_without_percent_unit_is_refused(tmp_path):
    rows = [["指标", "地区", "时间", "数值"], ["ECO-IND-001", "思明区", "2024-01", 0.5]]
    parsed = _read(_write_xlsx(tmp_path / "pct.xlsx", rows, lambda s: setattr(s["D2"], "number_format", "0%")))
    assert parsed.errors == (RowError(2, "数值", "50%", "不是数字 / not a number"),)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "空文件 / empty file"),
    (b" \r\n,,\r\n\r\n", "空文件 / empty file"),
    ("名称,说明\r\n甲,乙\r\n".encode(), "未找到表头"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "unreadable file: old .xls workbook"),
    (b"PK\x03\x04 not really a zip", "unreadable file: not a readable XLSX workbook"),
    (b"\x00\x01\x02\x03", "unreadable file: binary data"),
    (b"\x81\x30", "unreadable file: neither UTF-8 nor GB18030/GBK"),
    ("指标,地区,时间,数值\r\nECO-IND-001,思明区,2024年1月,—\r\n".encode(), "没有数值 / no values"),
])
def test_file_level_problems_are_errors_on_row_0(content, reason):
    parsed = _read(content, file_name="x.csv")
    assert len(parsed.errors) == 1
    error = parsed.errors[0]
    assert (error.row, error.column, error.value) == (0, "", "")
    assert error.reason.startswith(reason) or (error.reason.startswith("无法读取文件") and reason in error.reason)
    assert parsed.observations.empty
    assert list(parsed.observations.columns) == ["code", "adcode", "period", "value", "row", "sheet", "measure"]


# ---------------------------------------------------------------- speed


def test_ten_thousand_rows_parse_with_every_value_kept(tmp_path):
    # How fast: benchmarks/bureau_workbook.py (speed is measured by benchmarks, not by timed tests).
    days = [date.fromordinal(date(2015, 1, 1).toordinal() + i).isoformat() for i in range(3334)]
    rows = [["指标", "地区", "时间", "数值"]]
    rows += [["GOV-PET-001", area, day, f"{i % 97},{i % 1000:03d}"] for i, day in enumerate(days)
             for area in ("思明区", "湖里区", "集美区")]
    content = _csv_bytes(rows[:10001])
    parsed = _read(content, file_name="big.csv")
    assert parsed.ok and len(parsed.observations) == 10000
    # "1,001" is one thousand and one: every value read with its thousands separator.
    assert parsed.observations["value"].sum() == sum(int(row[3].replace(",", "")) for row in rows[1:10001])
