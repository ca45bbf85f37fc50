"""Read the indicator files departments send and check every value before anything is stored.

This module only parses and validates; it never touches the database. A file is good only
when ``ParsedFile.errors`` is empty, and the caller writes nothing otherwise.

Accepted files, as departments really send them:

* **CSV** in UTF-8 (with or without BOM), GB18030/GBK or UTF-16, separated by commas, tabs
  or semicolons; **XLSX** (the first sheet unless told otherwise).
* **long** tables (indicator, area, period, value), or **wide** ones with one column per
  period (``指标, 地区, 2024年1月, 2024年2月 …``) or one column per area
  (``指标, 时间, 思明区, 湖里区 …``). Headers may be Chinese or English.
* a title above the header, blank rows, and notes below (``注：…``, ``数据来源：…``).

Rows are numbered as the spreadsheet shows them (1-based, title and blank rows included).
Indicators are named by code or exact Chinese name, areas by adcode or Chinese name (see
``area_lookup``). A missing value (blank, —, /, NA, 无 …) is skipped, never an error.
Each error names the row, the column's header, the cell's text and a reason in Chinese
and English.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

import openpyxl
import pandas as pd
from openpyxl.utils import column_index_from_string

from geo.cities import City
from indicators.catalog import Catalog, Frequency, Indicator
from indicators.periods import period_start

Shape = Literal["long", "wide_period", "wide_area"]
COLUMNS = ("code", "adcode", "period", "value", "row")
HEADER_SCAN_ROWS = 30
# Bounds on what a workbook may cost, far above any department's file: the bytes it unpacks to (a zip
# bomb is small packed), the cells its rows span (a row reaches from column A to its last cell) and the
# cells its merged ranges cover (openpyxl creates an object for each: a merge down a whole column of a
# sheet takes it a minute).
MAX_XLSX_UNPACKED = 200 << 20
MAX_XLSX_CELLS = 5_000_000
MAX_XLSX_MERGED = 200_000
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')

# Names every configured city answers to when one city is given (全市 = the whole city).
CITY_ALIASES = ("全市", "市本级", "全市合计", "合计")
# Compared after NFKC, so the full-width ／ and － are covered by / and -.
MISSING = frozenset({"", "-", "--", "—", "——", "–", "/", "NA", "N/A", "无", "…", "..."})

# Header names by role; within a role the earlier names win (a code beats a name).
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator": ("指标代码", "指标编码", "code", "indicator_code", "指标", "指标名称", "指标项", "indicator"),
    "area": ("行政区划代码", "区划代码", "地区代码", "adcode", "地区", "区域", "区县", "行政区", "行政区划",
             "地区名称", "area", "region", "district"),
    "period": ("时间", "期间", "统计期", "统计期间", "统计时间", "报告期", "日期", "时期", "年月", "年份", "月份",
               "季度", "period", "date", "time"),
    "value": ("数值", "值", "指标值", "数据", "value"),
}
ROLES = tuple(ROLE_ALIASES)
# Columns a wide table may carry besides its keys; anything else must be a period or an area.
IGNORED_HEADERS = frozenset({"单位", "计量单位", "备注", "说明", "序号", "编号", "数据来源", "来源", "口径", "unit", "note"})
# A wide-by-period table's total column is derived from the periods, not a period itself.
PERIOD_TOTALS = frozenset({"合计", "总计", "小计", "累计"})
_ALIAS = {name: (role, rank) for role, names in ROLE_ALIASES.items() for rank, name in enumerate(names)}

FREQUENCY_ZH = {"daily": "日度", "weekly": "周度", "monthly": "月度", "quarterly": "季度", "yearly": "年度"}
UNREADABLE = "无法读取文件 / unreadable file"
EMPTY_FILE = "空文件 / empty file"
NO_HEADER = ("未找到表头：需要 指标、地区、时间、数值 列，或 指标、地区 加各期列，或 指标、时间 加各地区列 / "
             f"no header row in the first {HEADER_SCAN_ROWS} rows: need indicator, area, period, value columns, "
             "or indicator, area and one column per period, or indicator, period and one column per area")
UNKNOWN_INDICATOR = "未知指标 / unknown indicator"
UNKNOWN_AREA = "未知地区 / unknown area"
BAD_PERIOD = "无法识别的时间 / period unparseable"
NOT_A_NUMBER = "不是数字 / not a number"
MISSING_KEY = {"indicator": "缺少指标 / indicator missing", "area": "缺少地区 / area missing",
               "period": "缺少时间 / period missing"}
CITY_LEVEL = "市级指标不能按区县填报 / city-level indicator given for a district"
WRONG_FREQUENCY = "时间与指标频度（{zh}）不符 / period does not match the indicator's frequency {frequency}"
OUT_OF_RANGE = "超出合理范围 {low} ~ {high} / out of physical range {low} to {high}"
DUPLICATE = ("重复：指标、地区、时间与第 {row} 行「{column}」相同 / "
             "duplicate key (indicator, area, period) of row {row}, column {column}")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_NOTE = re.compile(r"\s*(注|备注|说明|数据来源|资料来源|来源|单位|计量单位|填报人|填表人|填报单位|填报日期|制表人?|审核人?|"
                   r"负责人|联系人|联系电话)\s*\d*\s*:")
_QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
# Matched against the NFKC text with spaces removed, upper-cased; every pattern must match whole.
_PERIOD_FORMS: tuple[tuple[re.Pattern[str], Frequency], ...] = tuple(
    (re.compile(pattern), frequency) for pattern, frequency in (
        (r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})", "daily"),
        (r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日", "daily"),
        (r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", "daily"),
        (r"(?P<y>\d{4})-?W(?P<w>\d{1,2})", "weekly"),
        (r"(?P<y>\d{4})年第(?P<w>\d{1,2})周", "weekly"),
        (r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})", "monthly"),
        (r"(?P<y>\d{4})年(?P<m>\d{1,2})月份?", "monthly"),
        (r"(?P<y>\d{4})M?(?P<m>\d{2})", "monthly"),
        (r"(?P<y>\d{4})(?:-|年)?Q(?P<q>[1-4])", "quarterly"),
        (r"(?P<y>\d{4})年第?(?P<q>[1-4一二三四])季度?", "quarterly"),
        (r"(?P<y>\d{4})(?:年度?)?", "yearly"),
    )
)


@dataclass(frozen=True)
class RowError:
    """One problem in a file: where it is, what was there and why it is refused.

    ``row`` is the 1-based row as the spreadsheet shows it (0 for the whole file) and
    ``column`` the header as written in the file.
    """

    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class ParsedFile:
    """What ``read_observations`` found in one file.

    Attributes:
        file_name: the name to show in reports.
        format: ``csv`` or ``xlsx``, sniffed from the bytes (not the name).
        encoding: the CSV's encoding (``utf-8``, ``utf-8-sig``, ``gb18030``, ``utf-16``);
            None for XLSX or when the bytes could not be decoded.
        shape: ``long``, ``wide_period`` or ``wide_area``; None without a header.
        header_row: the header's row number; None without a header.
        observations: the valid values, columns ``code``, ``adcode``, ``period`` (the
            period's first day, a ``datetime.date``), ``value`` (float) and ``row``.
        errors: every problem found: bad wide headers first, then row by row.
    """

    file_name: str
    format: Literal["csv", "xlsx"] | None
    encoding: str | None
    shape: Shape | None
    header_row: int | None
    observations: pd.DataFrame
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """Whether the file may be stored: it has no errors at all."""
        return not self.errors


class _Number(NamedTuple):
    """A numeric spreadsheet cell: its value, and its text as the sheet shows it.

    Keys need the shown text: a period typed 2024.10 is the number 2024.1, and only the
    cell format says it means October.
    """

    value: float
    shown: str


class _Cell(NamedTuple):
    """A cell with the header of its column."""

    column: str
    raw: Any

    @property
    def text(self) -> str:
        return _text(self.raw)


class _Unreadable(Exception):
    """The bytes are not a file we can read; the message says why."""


@dataclass(frozen=True)
class _Header:
    row: int
    shape: Shape
    cells: list[Any]
    names: list[str]
    roles: dict[str, list[int]]
    spread: list[int]


# ---------------------------------------------------------------- public helpers


def area_lookup(cities: City | Iterable[City]) -> dict[str, str]:
    """Every way a file may name an area, mapped to the area's adcode.

    Adcodes, full names (思明区, 厦门市) and short names (思明, 厦门) of each city and its
    districts; when only one city is given (alone or in a list), also 全市, 市本级,
    全市合计 and 合计. A name shared by two areas is left out, so it is reported as
    unknown instead of being guessed; a full name always beats another area's short name.

    Args:
        cities: one city, or several.

    Returns:
        A mapping from normalised name or adcode to adcode.
    """
    group = [cities] if isinstance(cities, City) else list(cities)
    ranked: dict[str, tuple[int, set[str]]] = {}
    for city in group:
        entries = [(city.adcode, city.name_zh, city.short_zh)]
        entries += [(d.adcode, d.name_zh, _short_name(d.name_zh)) for d in city.districts]
        for adcode, name, short in entries:
            for rank, key in enumerate((adcode, name, short)):
                _rank_name(ranked, key, adcode, rank)
        for alias in CITY_ALIASES if len(group) == 1 else ():
            _rank_name(ranked, alias, city.adcode, 1)
    return {key: next(iter(codes)) for key, (_, codes) in ranked.items() if len(codes) == 1}


def parse_period(value: Any) -> tuple[date, Frequency]:
    """Read a period in any of the forms departments write.

    Args:
        value: text such as 2024年3月, 2024-03, 202403, 2024Q1, 2024年一季度, 2024-W11,
            2024年第11周, 2024, 2024-03-15, 20240315; or a date, or a number such as 2024.

    Returns:
        The period's first day and the frequency the form expresses.

    Raises:
        ValueError: when the text is no period we know, or no real date.
    """
    text = _TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", _text(value)))
    key = re.sub(r"\s+", "", text).upper()
    for pattern, frequency in _PERIOD_FORMS:
        match = pattern.fullmatch(key)
        if match:
            start = _period_date(frequency, match.groupdict())
            if start is not None and 1900 <= start.year <= 2100:
                return start, frequency
            break
    raise ValueError(f"period unparseable: {text!r}")


def parse_number(value: Any, *, unit: str = "") -> float | None:
    """Read a value as departments write it.

    Args:
        value: a number, or text with thousands separators (1,234.5 or 1，234),
            full-width digits (１２３４), spaces, or the indicator's unit after it (85.2%).
        unit: the indicator's unit; a value may end with it.

    Returns:
        The number, or None when the cell says the value is missing (blank, —, –, -, /,
        ／, NA, 无).

    Raises:
        ValueError: when the value is not a finite number.
    """
    if isinstance(value, _Number):
        value = value.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _finite(float(value))
    if isinstance(value, str):  # the common cases, without normalising
        if _NUMBER.fullmatch(value.strip()):
            return _finite(float(value))
        if _GROUPED.fullmatch(value.strip()):
            return _finite(float(value.replace(",", "")))
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(value))).replace("−", "-")
    if text.upper() in MISSING:
        return None
    unit = re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit))
    if unit and text.endswith(unit):
        text = text[: -len(unit)]
    if "," in text and _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {value!r}")
    return _finite(float(text))


def read_observations(
    source: Path | bytes,
    *,
    catalog: Catalog,
    areas: Mapping[str, str],
    file_name: str | None = None,
    sheet: str | int = 0,
) -> ParsedFile:
    """Parse and check one department file.

    Args:
        source: the file's path, or its bytes (an upload).
        catalog: the indicators a file may name, by code or exact Chinese name.
        areas: names and adcodes the file may use, as made by ``area_lookup``.
        file_name: the name to report; defaults to the path's name.
        sheet: the XLSX sheet, by name or 0-based position.

    Returns:
        The valid observations (``code``, ``adcode``, ``period`` as the period's first
        day, ``value``, ``row``), every error, and the format, encoding and shape found.
        File-level problems (unreadable, empty, no header) are errors on row 0.

    Raises:
        OSError: when ``source`` is a path that cannot be opened.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    name = file_name if file_name is not None else (source.name if isinstance(source, Path) else "")
    # Sniff the bytes, not the name: departments rename files, and an XLSX is a zip.
    fmt: Literal["csv", "xlsx"] = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
    try:
        rows, encoding = _read_xlsx(data, sheet) if fmt == "xlsx" else _read_csv(data)
    except _Unreadable as exc:
        return _failed(name, fmt, None, f"{UNREADABLE}: {exc}")
    rows = [(number, cells) for number, cells in rows if any(_text(cell) for cell in cells)]
    if not rows:
        return _failed(name, fmt, encoding, EMPTY_FILE)
    header = _find_header(rows, _normalised(areas))
    if header is None:
        return _failed(name, fmt, encoding, NO_HEADER)
    checker = _Checker(catalog, areas)
    _check_rows(header, [(n, cells) for n, cells in rows if n > header.row and not _is_note(cells)], checker)
    return ParsedFile(name, fmt, encoding, header.shape, header.row, _frame(checker.kept), tuple(checker.errors))


# ---------------------------------------------------------------- reading bytes into rows


def _read_csv(data: bytes) -> tuple[list[tuple[int, list[Any]]], str]:
    text, encoding = _decode(data)
    try:
        delimiter = _delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return list(enumerate(reader, start=1)), encoding
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        raise _Unreadable(f"not a readable CSV table ({exc})") from exc


def _decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-16 by BOM, else UTF-8 (BOM or not), else GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _Unreadable("broken UTF-16 text") from exc
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Unreadable("old .xls workbook; save it as .xlsx or .csv")
    if b"\x00" in data:
        raise _Unreadable("binary data, not CSV text")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, so it reads all three.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise _Unreadable("neither UTF-8 nor GB18030/GBK text") from exc


def _delimiter(text: str) -> str:
    """The separator that splits most of the first lines into the same, largest width."""
    sample = [line for line in text[:20000].splitlines()[:50] if line.strip()]

    def width(delimiter: str) -> int:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        return max(set(widths), key=lambda w: (widths.count(w), w)) if widths else 0

    return max((",", "\t", ";"), key=width)


def _read_xlsx(data: bytes, sheet: str | int) -> tuple[list[tuple[int, list[Any]]], None]:
    try:
        _check_workbook_size(data)
        # openpyxl warns about unsupported extensions (data validation, ...); they do not
        # matter for reading values. Any exception means the bytes are no usable workbook.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except _Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise _Unreadable(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    try:
        sheet_ = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    except (KeyError, IndexError) as exc:
        raise _Unreadable(f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}") from exc
    held = _held_cells(sheet_)
    if sum(map(max, held.values())) > MAX_XLSX_CELLS:
        raise _Unreadable(f"the sheet's rows span more than {MAX_XLSX_CELLS:,} cells; "
                          "delete the empty rows and columns around the table")
    filled = _merged_down(sheet_)
    return [(number, [filled.get((number, col - 1), cells.get(col)) for col in range(1, max(cells) + 1)])
            for number, cells in sorted(held.items())], None


def _held_cells(sheet: Any) -> dict[int, dict[int, Any]]:
    """The values of the cells the sheet holds, by row and column (both 1-based).

    Read from openpyxl's own store of cells: ``iter_rows`` would first create every empty cell up to
    the farthest one, 17 billion for a single cell at XFD1048576.
    """
    rows: dict[int, dict[int, Any]] = {}
    for (row, column), cell in sheet._cells.items():
        rows.setdefault(row, {})[column] = _xlsx_value(cell)
    return rows


def _check_workbook_size(data: bytes) -> None:
    """Refuse, before openpyxl opens it, a workbook beyond ``MAX_XLSX_UNPACKED`` or whose merged ranges
    cover more than ``MAX_XLSX_MERGED`` cells."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_XLSX_UNPACKED:
            raise _Unreadable(f"the workbook unpacks to more than {MAX_XLSX_UNPACKED >> 20} MB")
        sheets = [member for member in members if member.filename.startswith("xl/worksheets/")]
        if sum(_merged_cells(archive.read(member)) for member in sheets) > MAX_XLSX_MERGED:
            raise _Unreadable(f"merged ranges cover more than {MAX_XLSX_MERGED:,} cells")


def _merged_cells(sheet_xml: bytes) -> int:
    """How many cells the merged ranges of a sheet's XML span."""
    total = 0
    for first_col, first_row, last_col, last_row in _MERGE_REF.findall(sheet_xml):
        width = abs(column_index_from_string(last_col.decode()) - column_index_from_string(first_col.decode())) + 1
        total += width * (abs(int(last_row) - int(first_row)) + 1)
    return total


def _merged_down(sheet: Any) -> dict[tuple[int, int], Any]:
    """Cells hidden by a merge down one column, with the merged (top) value.

    An indicator or area label is often merged over the rows it applies to; a merge
    across columns (titles, notes) is left alone.
    """
    filled = {}
    for merged in sheet.merged_cells.ranges:
        if merged.min_col == merged.max_col:
            value = _xlsx_value(sheet.cell(merged.min_row, merged.min_col))
            for row in range(merged.min_row + 1, merged.max_row + 1):
                filled[(row, merged.min_col - 1)] = value
    return filled


def _xlsx_value(cell: Any) -> Any:
    """A cell's value as the sheet shows it: dates as dates, 85.2% as text, numbers shown."""
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, (str, date)):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)  # TRUE/FALSE, times, durations: text, never a number
    number_format = cell.number_format or "General"
    if "%" in number_format:
        return f"{_general(round(value * 100, 9))}%"
    return _Number(float(value), _shown(value, number_format))


def _shown(value: float, number_format: str) -> str:
    """How Excel shows a number: with the format's fixed decimals, or as General."""
    section = number_format.split(";")[0]
    if not re.search(r"[0#]", section):  # General, text and the like
        return _general(value)
    decimals = re.search(r"\.([0#]+)", section)
    if decimals and "#" in decimals.group(1):
        return _general(value)
    return f"{value:.{len(decimals.group(1)) if decimals else 0}f}"


# ---------------------------------------------------------------- finding the header


def _find_header(rows: list[tuple[int, list[Any]]], areas: Mapping[str, str]) -> _Header | None:
    for number, cells in rows[:HEADER_SCAN_ROWS]:
        header = _classify(number, cells, areas)
        if header is not None:
            return header
    return None


def _classify(number: int, cells: list[Any], areas: Mapping[str, str]) -> _Header | None:
    """The header this row is, if it is one: which columns hold which role, and the shape."""
    names = [_text(cell) for cell in cells]
    ranked: dict[str, list[tuple[int, int]]] = {}
    others = []
    for col, name in enumerate(names):
        key = _header_key(name)
        if key in _ALIAS:
            role, rank = _ALIAS[key]
            ranked.setdefault(role, []).append((rank, col))
        elif name and key not in IGNORED_HEADERS:
            others.append(col)
    roles = {role: [col for _, col in sorted(found)] for role, found in ranked.items()}
    shape: Shape | None = None
    if set(roles) >= set(ROLES):
        shape, others = "long", []
    elif set(roles) == {"indicator", "area"} and any(_period_or_none(cells[col]) for col in others):
        shape = "wide_period"
    elif set(roles) == {"indicator", "period"} and any(_area_key(names[col]) in areas for col in others):
        shape = "wide_area"
    return _Header(number, shape, cells, names, roles, others) if shape else None


def _header_key(name: str) -> str:
    """A header without spaces, case or a trailing unit: 数值（亿元） and 数值 are one role."""
    return re.sub(r"\(.*\)$", "", _norm(name).lower())


def _period_or_none(raw: Any) -> tuple[date, Frequency] | None:
    try:
        return parse_period(raw)
    except ValueError:
        return None


def _is_note(cells: list[Any]) -> bool:
    first = next((text for text in map(_text, cells) if text), "")
    return bool(_NOTE.match(unicodedata.normalize("NFKC", first)))


# ---------------------------------------------------------------- checking rows


def _check_rows(header: _Header, rows: list[tuple[int, list[Any]]], checker: _Checker) -> None:
    """Feed every value of the table to the checker, whatever the table's shape."""
    spread = [col for col in header.spread if checker.header_ok(header, col)]
    for number, cells in rows:
        picked = {role: _pick(header, cells, role) for role in header.roles}
        if header.shape == "long":
            checker.add(number, picked["indicator"], picked["area"], picked["period"], picked["value"])
        for col in spread:
            label = _Cell(header.names[col], header.cells[col])
            value = _Cell(header.names[col], cells[col] if col < len(cells) else None)
            if header.shape == "wide_period":
                checker.add(number, picked["indicator"], picked["area"], label, value)
            else:
                checker.add(number, picked["indicator"], label, picked["period"], value)


def _pick(header: _Header, cells: list[Any], role: str) -> _Cell:
    """The role's first non-blank cell, best-ranked column first (a code before a name)."""
    columns = header.roles[role]
    if len(columns) == 1:
        return _Cell(header.names[columns[0]], cells[columns[0]] if columns[0] < len(cells) else None)
    for col in columns:
        raw = cells[col] if col < len(cells) else None
        if _text(raw) or col == columns[-1]:
            return _Cell(header.names[col], raw)
    raise AssertionError("a role always has a column")


class _Checker:
    """Checks values one at a time; keeps the valid rows and one error per cell and reason."""

    def __init__(self, catalog: Catalog, areas: Mapping[str, str]) -> None:
        self.codes = catalog.by_code
        self.names: dict[str, Indicator] = {}
        for ind in catalog:
            self.names.setdefault(_norm(ind.name_zh), ind)
        self.areas = _normalised(areas)
        self.errors: list[RowError] = []
        self.reported: set[tuple[int, str, str]] = set()
        self.seen: dict[tuple[str, str, date], tuple[int, str]] = {}
        self.kept: list[tuple[str, str, date, float, int]] = []
        # Files repeat the same few labels thousands of times; resolve each text once.
        self.indicators: dict[str, Indicator | None] = {}
        self.adcodes: dict[str, str | None] = {}
        self.periods: dict[str, tuple[date, Frequency] | None] = {}

    def error(self, row: int, cell: _Cell, reason: str) -> None:
        if (row, cell.column, reason) not in self.reported:
            self.reported.add((row, cell.column, reason))
            self.errors.append(RowError(row, cell.column, cell.text, reason))

    def header_ok(self, header: _Header, col: int) -> bool:
        """Whether a wide table's period or area column can be read; reports it if not."""
        cell = _Cell(header.names[col], header.cells[col])
        if header.shape == "wide_area":
            return self.area(header.row, cell) is not None
        return _header_key(cell.column) not in PERIOD_TOTALS and self.period(header.row, cell) is not None

    def add(self, row: int, indicator: _Cell, area: _Cell, period: _Cell, value: _Cell) -> None:
        """Check one value with its keys; keep it when everything is right."""
        if _is_missing(value.raw):
            return
        ind, adcode, when = self.indicator(row, indicator), self.area(row, area), self.period(row, period)
        if ind is None:
            return
        fits = self.level_fits(row, ind, area, adcode) & self.frequency_fits(row, ind, period, when)
        number = self.number(row, ind, value)
        if adcode is None or when is None:
            return
        first = self.seen.setdefault((ind.code, adcode, when[0]), (row, value.column))
        if first != (row, value.column):
            self.error(row, value, DUPLICATE.format(row=first[0], column=first[1]))
        elif fits and number is not None:
            self.kept.append((ind.code, adcode, when[0], number, row))

    def indicator(self, row: int, cell: _Cell) -> Indicator | None:
        text = cell.text
        if text not in self.indicators:
            key = _norm(text)
            self.indicators[text] = self.codes.get(key.upper()) or self.names.get(key)
        ind = self.indicators[text]
        if ind is None:
            self.error(row, cell, UNKNOWN_INDICATOR if text else MISSING_KEY["indicator"])
        return ind

    def area(self, row: int, cell: _Cell) -> str | None:
        text = cell.text
        if text not in self.adcodes:
            self.adcodes[text] = self.areas.get(_area_key(text)) if text else None
        adcode = self.adcodes[text]
        if adcode is None:
            self.error(row, cell, UNKNOWN_AREA if text else MISSING_KEY["area"])
        return adcode

    def period(self, row: int, cell: _Cell) -> tuple[date, Frequency] | None:
        text = cell.text
        if text not in self.periods:
            self.periods[text] = _period_or_none(cell.raw)
        if self.periods[text] is None:
            self.error(row, cell, BAD_PERIOD if text else MISSING_KEY["period"])
        return self.periods[text]

    def level_fits(self, row: int, ind: Indicator, area: _Cell, adcode: str | None) -> bool:
        """Whether the area suits the indicator: a city-level one has no district values."""
        if adcode is not None and ind.spatial_level == "city" and not _is_city(adcode):
            self.error(row, area, CITY_LEVEL)
            return False
        return True

    def frequency_fits(self, row: int, ind: Indicator, period: _Cell, when: tuple[date, Frequency] | None) -> bool:
        """Whether the period is one of the indicator's frequency."""
        if when is not None and not _matches(when, ind.frequency):
            self.error(row, period, WRONG_FREQUENCY.format(zh=FREQUENCY_ZH[ind.frequency], frequency=ind.frequency))
            return False
        return True

    def number(self, row: int, ind: Indicator, cell: _Cell) -> float | None:
        try:
            number = parse_number(cell.raw, unit=ind.unit)
        except ValueError:
            self.error(row, cell, NOT_A_NUMBER)
            return None
        if number is not None and not ind.in_range(number):
            low = "-∞" if ind.min_value is None else _general(ind.min_value)
            high = "+∞" if ind.max_value is None else _general(ind.max_value)
            self.error(row, cell, OUT_OF_RANGE.format(low=low, high=high))
            return None
        return number


def _matches(when: tuple[date, Frequency], frequency: Frequency) -> bool:
    """Whether a parsed period is a period of ``frequency``.

    A plain date also stands for the period it starts (2024-03-01 for March), because
    Excel turns a typed 2024/3 into the date 2024-03-01.
    """
    start, given = when
    return given == frequency or (given == "daily" and period_start(start, frequency) == start)


def _is_city(adcode: str) -> bool:
    # Prefecture-level adcodes end in 00 (GB/T 2260); districts and counties never do.
    return adcode.endswith("00")


# ---------------------------------------------------------------- small pure helpers


def _failed(name: str, fmt: Literal["csv", "xlsx"], encoding: str | None, reason: str) -> ParsedFile:
    """A result for a file that could not be read as a table at all: one error on row 0."""
    return ParsedFile(name, fmt, encoding, None, None, _frame([]), (RowError(0, "", "", reason),))


def _frame(kept: list[tuple[str, str, date, float, int]]) -> pd.DataFrame:
    """Kept rows as the store expects them; ``period`` holds ``datetime.date`` objects."""
    frame = pd.DataFrame(kept, columns=list(COLUMNS))
    return frame.astype({"code": str, "adcode": str, "period": object, "value": "float64", "row": "int64"})


def _text(raw: Any) -> str:
    """A cell as text, the way the sheet shows it."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, _Number):
        return raw.shown
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float):
        return _general(raw)
    return str(raw)


def _norm(text: str) -> str:
    """Full-width forms folded (NFKC) and all spaces removed, for comparing names."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _area_key(text: str) -> str:
    key = _norm(text)
    # 12-digit statistical codes (350203000000) are the 6-digit adcode padded with zeros.
    return key[:6] if len(key) == 12 and key.isdigit() and key.endswith("000000") else key


def _normalised(areas: Mapping[str, str]) -> dict[str, str]:
    return {_area_key(name): adcode for name, adcode in areas.items()}


def _is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if not isinstance(raw, str):
        return False
    text = raw.strip()
    # The markers are at most three characters; skip normalising longer text.
    return not text or (len(text) <= 3 and _norm(text).upper() in MISSING)


def _general(value: float) -> str:
    """A number as Excel's General format shows it: 2024, not 2024.0."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return value


def _period_date(frequency: Frequency, parts: dict[str, str]) -> date | None:
    """The first day of the period the matched parts name; None when no such day exists."""
    year = int(parts["y"])
    try:
        if frequency == "daily":
            return date(year, int(parts["m"]), int(parts["d"]))
        if frequency == "weekly":
            return date.fromisocalendar(year, int(parts["w"]), 1)
        if frequency == "monthly":
            return date(year, int(parts["m"]), 1)
        if frequency == "quarterly":
            return date(year, 3 * _QUARTERS[parts["q"]] - 2, 1)
        return date(year, 1, 1)
    except ValueError:
        return None


def _short_name(name: str) -> str:
    """思明区 → 思明, 福安市 → 福安; names that would shrink to one character stay whole."""
    for suffix in ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _rank_name(ranked: dict[str, tuple[int, set[str]]], name: str, adcode: str, rank: int) -> None:
    """Record that ``name`` means ``adcode``; a better (lower) rank replaces worse ones."""
    key = _area_key(name)
    if not key:
        return
    best, codes = ranked.get(key, (rank, set()))
    if rank < best:
        ranked[key] = (rank, {adcode})
    elif rank == best:
        ranked[key] = (rank, codes | {adcode})
