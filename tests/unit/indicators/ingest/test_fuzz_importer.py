"""Fuzzing the loader's parsing (indicators.ingest.importer, indicators.ingest.facilities) and the exports (pages._export).

Whatever bytes arrive — random, a truncated or bomb-like workbook, NUL bytes, mixed or broken encodings,
10,000-column rows, spreadsheet formulas, injection strings in every column — the answer is a report that
names row, column and reason, or a clean rejection of the whole file; never an exception, never a formula
read as a number. And an export never hands a spreadsheet a live formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cities import get_city
from indicators.catalog.entries import load_catalog
from indicators.ingest import importer
from indicators.ingest import sheets as importer_sheets
from indicators.ingest.facilities import city_box, parse_facilities
from indicators.ingest.importer import (
    NO_VALUES,
    NOT_A_NUMBER,
    UNREADABLE,
    area_lookup,
    parse_number,
    read_observations,
)
from pages._export import table_bytes
from tests.fuzz_inputs import FORMULAS, NASTY, nasty_text

CATALOG = load_catalog()
XIAMEN = get_city("xiamen")
AREAS = area_lookup(XIAMEN)
# A monthly indicator reported per district, in 亿元 (no percent sign to strip), whose single months are stored
# (a year-to-date one takes 1—N月 values).
CODE = next(i.code for i in CATALOG if i.frequency == "monthly" and i.spatial_level == "district" and i.unit == "亿元"
            and i.accumulation == "period" and not i.jan_feb_merged)
HEADER = ["指标代码", "地区", "时间", "数值"]
FUZZ = settings(max_examples=150, deadline=None, database=None)


def read(data: bytes):
    """The importer's reading of ``data`` against the real catalog and Xiamen's areas."""
    return read_observations(data, catalog=CATALOG, areas=AREAS, file_name="fuzz")


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, text_cells: bool = False) -> bytes:
    """A workbook of ``rows``; with ``text_cells`` a cell like "=1+1" is text, not a formula."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if text_cells:
        for cell in (cell for row in book.active.iter_rows() for cell in row if cell.data_type == "f"):
            cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rejected_whole(parsed) -> str:
    """The reason of a file rejected as a whole (one error on row 0), after checking that shape."""
    assert not parsed.ok and parsed.observations.empty
    assert [(e.row, e.column) for e in parsed.errors] == [(0, "")]
    return parsed.errors[0].reason


def with_sheet_xml(rows: list[list[object]], before_end: bytes = b"", after_data: bytes = b"") -> bytes:
    """A workbook whose first sheet's XML gets extra rows and trailing parts written by hand."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", before_end + b"</sheetData>" + after_data)
            target.writestr(member, data)
    return buffer.getvalue()


# ---- any bytes ---------------------------------------------------------------------------------------------

STARTS = [b"", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\xd0\xcf\x11\xe0",
          ",".join(HEADER).encode() + b"\n"]


@FUZZ
@given(start=st.sampled_from(STARTS), body=st.binary(max_size=3000))
def test_any_bytes_give_a_report_never_an_exception(start, body):
    parsed = read(start + body)
    assert parsed.observations.empty  # random bytes never make a value
    assert all(error.row >= 0 and error.reason for error in parsed.errors)


hostile = nasty_text | st.sampled_from(FORMULAS)


def column(*good: str):
    """A column's own good values three times in four, something hostile otherwise: rows get kept as
    well as refused."""
    return st.integers(0, 3).flatmap(lambda pick: hostile if pick == 0 else st.sampled_from(good))


rows_of_cells = st.lists(st.tuples(column(CODE, CATALOG.by_code[CODE].name_zh),
                                   column("思明区", "湖里区", "350206"), column("2024年3月", "2024-04", "202405"),
                                   column("12.5", "1,234", "１２", "0", "—", "-3")).map(list),
                         min_size=1, max_size=6)


@FUZZ
@given(rows=rows_of_cells, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_every_reported_cell_is_the_cell_of_the_file_and_only_numbers_are_kept(rows, encoding):
    data = csv_bytes([HEADER, *rows], encoding)
    parsed = read(data)
    if parsed.header_row is None:  # the whole file refused (NUL, …): one reason, nothing kept
        rejected_whole(parsed)
        return
    table = list(csv.reader(io.StringIO(data.decode(parsed.encoding), newline="")))
    for error in parsed.errors:
        if error.row == 0:  # every value missing: the file is refused, never an empty load
            assert error.reason == NO_VALUES and parsed.observations.empty
            continue
        assert error.value == table[error.row - 1][HEADER.index(error.column)].strip(), error
    for kept in parsed.observations.itertuples():
        assert parse_number(table[kept.row - 1][3], unit="亿元") == kept.value  # a formula is never a number


# ---- hand-picked files -------------------------------------------------------------------------------------

def test_formulas_in_csv_and_in_text_cells_of_xlsx_are_text_not_numbers():
    rows = [HEADER] + [[CODE, "思明区", f"2024年{month}月", formula] for month, formula in enumerate(FORMULAS, 1)]
    for data in (csv_bytes(rows), xlsx_bytes(rows, text_cells=True)):
        parsed = read(data)
        assert parsed.observations.empty
        assert [(e.row, e.column, e.value, e.reason) for e in parsed.errors] == \
            [(row, "数值", formula, NOT_A_NUMBER) for row, formula in enumerate(FORMULAS, 2)]


def test_real_formulas_without_a_computed_value_are_blank_not_numbers():
    rows = [HEADER, [CODE, "思明区", "2024年1月", "=1+1"], [CODE, "思明区", "2024年2月", "=HYPERLINK(\"x\",3)"]]
    parsed = read(xlsx_bytes(rows))
    # openpyxl saved no value for them: nothing to load, and a file without values is refused
    assert rejected_whole(parsed) == NO_VALUES


def test_injection_strings_in_every_column_are_reported_as_written():
    strings = ["<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "=cmd|' /C calc'!A0"]
    rows = [HEADER, strings, [CODE, strings[0], strings[2], "1"], [CODE, "思明区", strings[1], strings[3]]]
    reported = [(e.row, e.column, e.value) for e in read(csv_bytes(rows)).errors]
    assert reported == [(2, "指标代码", strings[0]), (2, "地区", strings[1]), (2, "时间", strings[2]),
                        (3, "地区", strings[0]), (3, "时间", strings[2]), (4, "时间", strings[1]),
                        (4, "数值", strings[3])]


def test_a_truncated_workbook_is_refused_as_unreadable():
    data = xlsx_bytes([HEADER] + [[CODE, "思明区", f"2024年{m}月", m] for m in range(1, 13)])
    assert read(data).ok
    assert rejected_whole(read(data[: len(data) // 2])).startswith(UNREADABLE)


UNREADABLE_FILES = [
    ("NUL bytes", b"\xe6\x8c\x87\xe6\xa0\x87,\x00\n1,2\n", "binary data"),
    ("UTF-8 header, GB18030 rows", ",".join(HEADER).encode() + b"\n" + "思明区,二〇二四\n".encode("gb18030"),
     "neither UTF-8 nor GB18030"),
    ("UTF-16 cut in a character", codecs.BOM_UTF16_LE + "指标".encode("utf-16-le") + b"\x00", "broken UTF-16"),
    ("UTF-16 with a lone surrogate", codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", "broken UTF-16"),
    ("a cell beyond the csv module's limit", ('指标代码,"' + "x" * 200_000 + '"\n').encode(), "not a readable CSV"),
    ("an old .xls", b"\xd0\xcf\x11\xe0" + bytes(200), "old .xls"),
]


@pytest.mark.parametrize(("case", "data", "reason"), UNREADABLE_FILES, ids=[case for case, _, _ in UNREADABLE_FILES])
def test_unreadable_bytes_are_refused_with_the_reason(case, data, reason):
    assert reason in rejected_whole(read(data)), case


def test_a_10000_column_row_is_read_and_its_extra_columns_ignored():
    extra = [f"备用{i}" for i in range(10_000 - len(HEADER))]
    junk = [text for text in NASTY if "\x00" not in text and len(text) < 1000]
    rows = [HEADER + extra, [CODE, "思明区", "2024年3月", "12.5"] + [junk[i % len(junk)] for i in range(len(extra))]]
    started = time.perf_counter()
    parsed = read(csv_bytes(rows))
    assert parsed.ok and parsed.observations["value"].tolist() == [12.5]
    assert time.perf_counter() - started < 5


def test_10000_period_columns_are_each_checked():
    periods = [f"{1925 + i // 12}年{i % 12 + 1}月" for i in range(100 * 12)]  # 1,200 real months …
    header = ["指标", "地区"] + periods + [f"第{i}列" for i in range(10_000 - 2 - len(periods))]  # … and junk
    parsed = read(csv_bytes([header, [CODE, "思明区"] + ["1"] * (len(header) - 2)]))
    assert len(parsed.observations) == len(periods)
    assert len(parsed.errors) == len(header) - 2 - len(periods)
    assert {(e.row, e.reason) for e in parsed.errors} == {(1, importer.BAD_PERIOD)}


def test_a_workbook_that_would_take_minutes_or_gigabytes_is_refused_at_once(monkeypatch):
    rows = [HEADER, [CODE, "思明区", "2024年3月", 12.5]]
    far_rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(3, 400))
    whole_columns = b'<mergeCells count="2"><mergeCell ref="A3:A1048576"/><mergeCell ref="B3:B1048576"/></mergeCells>'
    started = time.perf_counter()
    assert "rows span more than" in rejected_whole(read(with_sheet_xml(rows, before_end=far_rows)))
    assert "merged ranges cover more than" in rejected_whole(read(with_sheet_xml(rows, after_data=whole_columns)))
    monkeypatch.setattr(importer_sheets, "MAX_XLSX_UNPACKED", 10_000)  # a zip bomb, made small
    assert "unpacks to more than" in rejected_whole(read(xlsx_bytes(rows * 50)))
    assert time.perf_counter() - started < 5


def test_one_stray_cell_far_out_is_read_without_walking_the_empty_sheet():
    stray = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    started = time.perf_counter()
    parsed = read(with_sheet_xml([HEADER, [CODE, "思明区", "2024年3月", 12.5]], before_end=stray))
    assert parsed.ok and parsed.observations["value"].tolist() == [12.5]
    assert time.perf_counter() - started < 5


# ---- facilities --------------------------------------------------------------------------------------------

FACILITY_HEADER = "kind,name_zh,name_en,lat,lon,area_adcode,capacity\n"


def _inside_xiamen() -> str:
    min_lon, min_lat, max_lon, max_lat = city_box(XIAMEN)
    return f"{(min_lat + max_lat) / 2},{(min_lon + max_lon) / 2},{XIAMEN.districts[0].adcode}"


@FUZZ
@given(start=st.sampled_from([b"", FACILITY_HEADER.encode(), codecs.BOM_UTF8 + FACILITY_HEADER.encode()]),
       body=st.binary(max_size=2000) | st.text(max_size=2000).map(lambda text: text.encode("utf-8", "replace")))
def test_any_facilities_file_gives_a_report_never_an_exception(start, body):
    rows, errors = parse_facilities(start + body, XIAMEN)
    assert rows or errors  # an empty file is an error too
    assert all(error.row >= 0 and error.reason for error in errors)


def test_markup_and_sql_in_facility_names_stay_the_names():
    names = ["<img src=x onerror=alert(1)>", "'; DROP TABLE facilities; --"]
    rows, errors = parse_facilities(f"{FACILITY_HEADER}school,{names[0]},\"{names[1]}\",{_inside_xiamen()},"
                                    f"\n".encode(), XIAMEN)
    assert not errors and (rows[0]["name_zh"], rows[0]["name_en"]) == tuple(names)


BAD_FACILITY_ROWS = [
    ("cells beyond the header", "school,a,b,{inside},1,EXTRA,MORE", (2, "", "EXTRA,MORE")),
    ("a formula as capacity", "school,a,b,{inside},=cmd|' /C calc'!A0", (2, "capacity", "=cmd|' /C calc'!A0")),
    ("a NUL in a name", "school,a\x00b,b,{inside},1", (0, "", "")),
    ("a cell beyond the csv module's limit", 'school,"' + "x" * 200_000 + '",b,{inside},1', (0, "", "")),
]


@pytest.mark.parametrize(("case", "line", "expected"), BAD_FACILITY_ROWS, ids=[case for case, *_ in BAD_FACILITY_ROWS])
def test_bad_facility_rows_are_reported_and_nothing_kept(case, line, expected):
    rows, errors = parse_facilities((FACILITY_HEADER + line.format(inside=_inside_xiamen()) + "\n").encode(), XIAMEN)
    assert not rows and (errors[0].row, errors[0].column, errors[0].value) == expected, case


# ---- exports -----------------------------------------------------------------------------------------------

def _exported(texts: list[str]) -> tuple[list[str], list]:
    """``texts`` (and a number beside each) exported: the CSV's text cells and the XLSX's cells below the header."""
    frame = pd.DataFrame({"text": texts, "number": [-1.5] * len(texts)})
    written = list(csv.reader(io.StringIO(table_bytes(frame, "csv").decode("utf-8-sig"), newline="")))[1:]
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, "xlsx"))).active
    return [row[0] for row in written], [cell for row in sheet.iter_rows(min_row=2) for cell in row]


@FUZZ
@given(texts=st.lists(nasty_text.filter(lambda text: len(text) < 1000) | st.sampled_from(FORMULAS), min_size=1,
                      max_size=8))
def test_exports_never_start_a_text_cell_with_a_formula(texts):
    written, cells = _exported(texts)
    live = ("=", "+", "-", "@", "\t", "\r")
    assert not [text for text in written if text.startswith(live)]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [cell.value for cell in cells if cell.column == 1 and str(cell.value).startswith(live)]
    assert [cell.value for cell in cells if cell.column == 2] == [-1.5] * len(texts)  # numbers stay numbers


def test_control_characters_do_not_break_an_xlsx_export():
    written, cells = _exported(["a\x01b", "\x0b=1+1", "line\nbreak"])
    assert [cell.value for cell in cells if cell.column == 1] == ["ab", "'=1+1", "line\nbreak"]
    assert written == ["a\x01b", "\x0b=1+1", "line\nbreak"]  # CSV keeps them: not a formula either


def test_an_exported_formula_is_the_text_behind_a_quote():
    written, cells = _exported(list(FORMULAS) + ["<script>alert(1)</script>", "'=already quoted"])
    assert written == ["'" + formula for formula in FORMULAS] + ["<script>alert(1)</script>", "'=already quoted"]
    assert [cell.value for cell in cells if cell.column == 1] == written
