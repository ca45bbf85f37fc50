"""Read the indicator files departments and statistics bureaus send, and check every value before anything
is stored.

This module only parses and validates; it never touches the database. A file is good only when
``ParsedFile.errors`` is empty, and the caller writes nothing otherwise.

Accepted files, as they really arrive:

* **CSV** in UTF-8 (with or without BOM), GB18030/GBK or UTF-16, separated by commas, tabs or semicolons;
  **XLSX**: one sheet (by name or position), every sheet that holds a table, or by default the first that does.
* **long** tables (indicator, area, period, value); **wide** ones with one column per period or measure
  (``指标, 地区, 2024年1月, 2024年2月 …``; 统计月报 ``指标, 计量单位, 10月, 1—10月, 增长%`` without an area
  column: the city's values), one column per area (``指标, 时间, 思明区, 湖里区 …``) or one column group per
  indicator (统计月报 rows of districts, ``地区, 规模以上工业增加值 [1—10月 | 增长%], …``). Headers may be
  Chinese or English, stacked over up to three rows with merged cells (``indicators.ingest.tables``).
* a title above the header (it may give the year, the period, the city and the unit: ``2024年1—10月厦门市主要经济
  指标``, ``单位：亿元``), blank rows, and notes below (``注：…``, ``数据来源：…``).

Periods are the forms of ``indicators.ingest.labels`` (``2024年3月``, ``2024-03``, ``2024Q1``, ``2024年1—2月``,
``1-3月``, ``上半年``, ``前三季度``, ``全年`` …). How a labelled value is stored follows the indicator's
``accumulation``: a year-to-date indicator keeps its 1—N月 values (a single-month value beside them is checked
against their difference, not stored); a period or stock indicator keeps single-period values (a cumulative
label is taken only when it spans one period). A growth column (``增长%``) is stored as the indicator whose
``growth_of`` is the row's indicator, or skipped with a note. Units given in the file are converted to the
catalog's (万元 → 亿元).

Rows are numbered as the spreadsheet shows them (1-based, title and blank rows included). Indicators are named
by code or Chinese name (marks such as ``其中：`` and a bracketed unit aside), areas by adcode or Chinese name
(see ``area_lookup``). A missing value (blank, —, /, NA, 无 …) is skipped, never an error. Each error names the
row, the column's header (``sheet!header`` when the workbook has several sheets), the cell's text and a reason in
Chinese and English.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd

from geo.cities import City
from indicators.catalog.accumulation import opens_year, previous_in_year
from indicators.catalog.entries import Catalog, Frequency, Indicator, is_rate_unit
from indicators.catalog.periods import period_start, shift
from indicators.ingest.labels import (  # noqa: F401 - WRONG_FREQUENCY is the importer's message too
    WRONG_FREQUENCY,
    Label,
    PeriodError,
    Span,
    place,
    single_period,
    span_of,
    unit_factor,
)
from indicators.ingest.sheets import (
    Number,
    Unreadable,
    Workbook,
    general,
    read_csv,
)
from indicators.ingest.tables import (
    CITY_ALIASES,
    MISSING,
    Column,
    Named,
    Names,
    Shape,
    Table,
    area_key,
    cell_text,
    find_table,
    is_city,
    is_missing,
)

COLUMNS = ("code", "adcode", "period", "value", "row", "sheet", "measure")

UNREADABLE = "无法读取文件 / unreadable file"
EMPTY_FILE = "空文件 / empty file"
NO_HEADER = ("未找到表头：需要 指标、地区、时间、数值 列，或 指标、地区 加各期列，或 指标、时间 加各地区列，"
             "或 地区 加各指标列 / no header row in the first 30 rows: need indicator, area, period, value columns, "
             "or indicator, area and one column per period, or indicator, period and one column per area, "
             "or area and one column per indicator")
NO_VALUES = "没有数值 / no values"
UNKNOWN_INDICATOR = "未知指标 / unknown indicator"
UNKNOWN_AREA = "未知地区 / unknown area"
BAD_PERIOD = "无法识别的时间 / period unparseable"
NOT_A_NUMBER = "不是数字 / not a number"
MISSING_KEY = {"indicator": "缺少指标 / indicator missing", "area": "缺少地区 / area missing",
               "period": "缺少时间 / period missing"}
NO_CITY = ("缺少地区：表中没有地区列，标题也没有写明城市，请指定城市 / area missing: the table has no area column and "
           "its title names no city; choose the city (--city, or the city on the upload page)")
NO_YEAR = ("缺少年份：时间没有年份，标题和年份列也没有 / year missing: the period has no year, and neither the title "
           "nor a year column gives one")
NO_PERIOD = ("缺少时间：该列没有写明时间，标题和时间列也没有 / period missing: the column names no period, and neither "
             "the title nor a period column gives one")
CITY_LEVEL = "市级指标不能按区县填报 / city-level indicator given for a district"
OUT_OF_RANGE = "超出合理范围 {low} ~ {high} / out of physical range {low} to {high}"
DUPLICATE = ("重复：指标、地区、时间与第 {row} 行「{column}」相同 / "
             "duplicate key (indicator, area, period) of row {row}, column {column}")
HOURLY_NOT_IN_FILES = ("小时指标按整点报送：请用接口 POST /api/v1/observations，列名为 indicator、area、period、value / "
                       "an hourly indicator takes whole hours: push them to POST /api/v1/observations with the columns "
                       "indicator, area, period, value")
FUTURE = ("时间晚于加载日期（{today}）的下一期 / the period is later than the one after the load's date ({today})")
JAN_MERGED = ("该指标1—2月合并发布，没有单独的1月数 / this indicator is published for January and February together "
              "(1—2月): it has no January value")
YTD_SINGLE = "累计指标需填报1—N月累计值 / a year-to-date indicator takes its 1—N月 cumulative value"
NOT_CUMULATIVE = ("当期指标不收累计值 / a period indicator takes the value of one period, not a cumulative one "
                  "(give the single-period value)")
YTD_DIFFERS = ("当期值与累计值之差 {expected} 不符（第 {row} 行「{column}」减上期累计） / the single-period value differs "
               "from the difference {expected} of the cumulative values (row {row}, column {column}, less the period "
               "before)")
SAME_PERIOD_DIFFERS = ("与同期的值 {other}（第 {row} 行「{column}」）不符 / differs from the value {other} of the "
                       "same period in row {row}, column {column}")
UNIT_MISMATCH = ("单位「{given}」不能换算为指标单位「{wanted}」 / unit {given} cannot be converted to the indicator's "
                 "unit {wanted}")

NOTE_GROWTH = ("「{column}」列为增速，目录中没有对应指标，未导入 / column {column} holds growth rates; the catalog has no "
               "indicator for them: not loaded")
NOTE_TOTAL = "「{column}」列为合计，未导入 / column {column} is a total: not loaded"
NOTE_CUMULATIVE = ("「{column}」列为累计值，当期指标已按当期值导入，{count} 个累计值未导入 / column {column}: {count} "
                   "cumulative values of period indicators not loaded (their single-period values are)")
NOTE_SINGLE = ("「{column}」列为累计指标的当期值，未另存；{checked} 个已与累计值之差核对 / column {column}: single-period "
               "values of year-to-date indicators, not stored; {checked} checked against the difference of the "
               "cumulative values")
NOTE_SINGLE_UNCHECKED = ("「{column}」列为累计指标的当期值，未另存（文件中没有上期累计值，无法核对） / column {column}: "
                         "single-period values of year-to-date indicators, not stored (the file has no cumulative value "
                         "of the period before to check them)")
NOTE_RATE = ("「{column}」列为累计指标的当期比率，无法由累计值核对，{count} 个未导入 / column {column}: {count} "
             "single-period rates of year-to-date indicators, which the cumulative values cannot check: not loaded")
NOTE_UNIT = "单位「{given}」已换算为「{wanted}」（{count} 个数值） / {count} values converted from {given} to {wanted}"
NOTE_SHEET = "工作表「{sheet}」没有表格，已跳过 / sheet {sheet} holds no table: skipped"


@dataclass(frozen=True)
class RowError:
    """One problem in a file: where it is, what was there and why it is refused.

    ``row`` is the 1-based row as the spreadsheet shows it (0 for the whole file), ``column`` the header as
    written in the file (``sheet!header`` when the workbook has several sheets) and ``sheet`` the sheet's name
    then ("" otherwise).
    """

    row: int
    column: str
    value: str
    reason: str
    sheet: str = ""


@dataclass(frozen=True)
class ParsedFile:
    """What ``read_observations`` found in one file.

    Attributes:
        file_name: the name to show in reports.
        format: ``csv`` or ``xlsx``, sniffed from the bytes (not the name).
        encoding: the CSV's encoding (``utf-8``, ``utf-8-sig``, ``gb18030``, ``utf-16``);
            None for XLSX or when the bytes could not be decoded.
        shape: ``long``, ``wide_period``, ``wide_area`` or ``wide_indicator`` (of the first table); None
            without a header.
        header_row: the (first) header's first row number; None without a header.
        observations: the values to store, columns ``code``, ``adcode``, ``period`` (the period's first day, a
            ``datetime.date``), ``value`` (float, in the catalog's unit), ``row``, ``sheet`` ("" for CSV) and
            ``measure`` (``growth`` when a growth column beside a level gave it, else ``value``). Values of
            derived indicators are among them, for checking against their formula.
        errors: every problem found, header problems first, then row by row (sheet by sheet).
        sheets: the sheets read (those holding a table); () for CSV.
        notes: what was read but not stored, or converted (growth columns without an indicator, totals, units),
            in Chinese and English.
    """

    file_name: str
    format: Literal["csv", "xlsx"] | None
    encoding: str | None
    shape: Shape | None
    header_row: int | None
    observations: pd.DataFrame
    errors: tuple[RowError, ...]
    sheets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the file may be stored: it has no errors at all."""
        return not self.errors


class _Cell(NamedTuple):
    """A cell with the header of its column."""

    column: str
    raw: Any

    @property
    def text(self) -> str:
        return cell_text(self.raw)


class _Entry(NamedTuple):
    """A checked value, before the values of the whole file decide what is stored."""

    indicator: Indicator
    adcode: str
    period: date
    value: float
    tolerance: float
    cumulative: bool
    whole: bool
    measure: str
    row: int
    sheet: str
    cell: _Cell
    period_cell: _Cell

    @property
    def key(self) -> tuple[str, str, date]:
        return self.indicator.code, self.adcode, self.period


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
    """Read a single period in any of the forms departments write.

    Args:
        value: text such as 2024年3月, 2024-03, 202403, 2024Q1, 2024年一季度, 2024-W11,
            2024年第11周, 2024, 2024-03-15, 20240315; or a date, or a number such as 2024.

    Returns:
        The period's first day and the frequency the form expresses.

    Raises:
        ValueError: when the text is no period we know, has no year, spans several periods (2024年1—3月,
            上半年: see ``importer_labels.parse_span``), or is no real date (a ``PeriodError`` whose reason
            names the day: ``2023-02-30：2月只有28天 / 2023-02-30: February has 28 days``).
    """
    return single_period(span_of(value if isinstance(value, date) else cell_text(value)))


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
    if isinstance(value, Number):
        value = value.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _finite(float(value))
    if isinstance(value, str):  # the common cases, without normalising
        if _NUMBER.fullmatch(value.strip()):
            return _finite(float(value))
        if _GROUPED.fullmatch(value.strip()):
            return _finite(float(value.replace(",", "")))
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).replace("−", "-")
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
    sheet: str | int | None = None,
    today: date | None = None,
) -> ParsedFile:
    """Parse and check one department's or statistics bureau's file.

    Args:
        source: the file's path, or its bytes (an upload).
        catalog: the indicators a file may name, by code or Chinese name.
        areas: names and adcodes the file may use, as made by ``area_lookup``; with one city's, a table
            without an area column holds that city's values.
        file_name: the name to report; defaults to the path's name.
        sheet: the XLSX sheet: its name, its 0-based position (an int), its 1-based position as text
            (``"2"``, as the tabs are counted, when no sheet is so named), ``"all"`` for every sheet that
            holds a table; by default the first sheet that holds one.
        today: the load's date: a period later than the one after it is refused (default: today).

    Returns:
        The values to store, every error, the notes, and the format, encoding, shape and sheets found.
        File-level problems (unreadable, empty, no header, no values) are errors on row 0.

    Raises:
        OSError: when ``source`` is a path that cannot be opened.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    name = file_name if file_name is not None else (source.name if isinstance(source, Path) else "")
    # Sniff the bytes, not the name: departments rename files, and an XLSX is a zip.
    fmt: Literal["csv", "xlsx"] = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
    names = Names(catalog, areas)
    checker = _Checker(names, today or date.today())
    encoding = None
    try:
        if fmt == "xlsx":
            tables, notes, empty = _xlsx_tables(data, sheet, names)
        else:
            table_sheet, encoding = read_csv(data)
            found = find_table(table_sheet, names)
            tables, notes, empty = ([(found, "")] if found else []), [], not table_sheet.rows
    except Unreadable as exc:
        reason = f"无法读取文件：{exc.chinese} / unreadable file: {exc.english}" if exc.chinese else \
            f"{UNREADABLE}: {exc.english}"
        return _failed(name, fmt, encoding, reason)
    if not tables:
        return _failed(name, fmt, encoding, EMPTY_FILE if empty else NO_HEADER)
    for table, label in tables:
        checker.read(table, label)
    checker.finish()
    frame = _frame(checker.kept)
    errors = checker.sorted_errors([label for _, label in tables])
    if not errors and frame.empty:
        errors = [RowError(0, "", "", NO_VALUES)]
    first = tables[0][0]
    return ParsedFile(name, fmt, encoding, first.shape, first.first, frame, tuple(errors),
                      tuple(table.sheet.name for table, _ in tables) if fmt == "xlsx" else (),
                      tuple(notes + checker.rendered_notes()))


def _xlsx_tables(data: bytes, wanted: str | int | None, names: Names
                 ) -> tuple[list[tuple[Table, str]], list[str], bool]:
    """The tables of the chosen sheets, each with the name errors give its sheet ("" in a one-sheet
    workbook); notes on sheets without a table; whether every chosen sheet was empty."""
    book = Workbook(data)
    try:
        picked = book.pick(wanted)
        several = len(book.names) > 1
        tables, notes, empty = [], [], True
        for index in picked:
            sheet = book.sheet(index)
            empty = empty and not sheet.rows
            table = find_table(sheet, names) if sheet.rows else None
            if table is not None:
                tables.append((table, sheet.name if several else ""))
                if wanted != "all":
                    break
            elif wanted == "all" and sheet.rows:
                notes.append(NOTE_SHEET.format(sheet=sheet.name))
        return tables, notes, empty
    finally:
        book.close()


# ---------------------------------------------------------------- checking values


class _Checker:
    """Checks values one at a time, then the file's values together (year-to-date values and the single-period
    values beside them); keeps what is stored, one error per cell and reason, and the notes."""

    def __init__(self, names: Names, today: date) -> None:
        self.names = names
        self.today = today
        self.errors: list[RowError] = []
        self.reported: set[tuple[int, str, str]] = set()
        self.entries: list[_Entry] = []
        self.refused: set[tuple[str, str, date]] = set()
        self.kept: list[tuple[str, str, date, float, int, str, str]] = []
        self.notes: dict[tuple[str, str, str, str], int] = {}
        self.checked: dict[str, int] = {}
        self.sheet = ""
        # Files repeat the same few labels thousands of times; resolve each text once.
        self.adcodes: dict[tuple[str, str | None], str | None] = {}
        self.spans: dict[str, Span | str] = {}
        self.places: dict[tuple[Span, Any, str], Any] = {}
        self.limits: dict[str, date] = {}

    # -------------------------------------------------------- reporting

    def column(self, name: str) -> str:
        """A header as errors name it: ``sheet!header`` in a workbook of several sheets."""
        return f"{self.sheet}!{name}" if self.sheet else name

    def error(self, row: int, cell: _Cell, reason: str) -> None:
        column = self.column(cell.column)
        if (row, column, reason) not in self.reported:
            self.reported.add((row, column, reason))
            self.errors.append(RowError(row, column, cell.text, reason, self.sheet))

    def note(self, template: str, column: str = "", given: str = "", wanted: str = "") -> None:
        key = (template, column, given, wanted)
        self.notes[key] = self.notes.get(key, 0) + 1

    def rendered_notes(self) -> list[str]:
        out = []
        for (template, column, given, wanted), count in self.notes.items():
            checked = self.checked.get(column, 0)
            if template == NOTE_SINGLE and not checked:
                template = NOTE_SINGLE_UNCHECKED
            out.append(template.format(column=column, given=given, wanted=wanted, count=count, checked=checked))
        return out

    def sorted_errors(self, sheets: list[str]) -> list[RowError]:
        order = {name: index for index, name in enumerate(sheets)}
        return sorted(self.errors, key=lambda e: (order.get(e.sheet, 0), e.row))

    # -------------------------------------------------------- one table

    def read(self, table: Table, sheet: str) -> None:
        """Check every value of a table, whatever its shape."""
        self.sheet = sheet
        context = table.context
        has_area = "area" in table.roles or table.shape == "wide_area" or context.city is not None
        if not has_area:
            self.error(table.first, _Cell("", ""), NO_CITY)
            return
        columns = self.value_columns(table)
        for number, cells in table.data:
            picked = {role: _pick(table, cells, role) for role in table.roles}
            if table.shape == "long":
                column = table.columns[_picked_column(table, cells, "value")]
                if not is_missing(picked["value"].raw):
                    self.add(table, number, picked, column, picked["value"])
                continue
            for column in columns:
                raw = cells[column.index] if column.index < len(cells) else None
                if not is_missing(raw):
                    self.add(table, number, picked, column, _Cell(column.name, raw))

    def value_columns(self, table: Table) -> list[Column]:
        """A wide table's columns of values; a header that names nothing usable is reported once."""
        context, shape = table.context, table.shape
        if shape == "long":
            return []
        usable = []
        for column in table.columns:
            if column.role is not None or not column.name:
                continue
            cell = _Cell(column.name, column.raw)
            label = column.label
            if shape == "wide_area":
                if column.area is None:
                    self.error(column.row, cell, UNKNOWN_AREA)
                else:
                    usable.append(column)
                continue
            if shape == "wide_indicator" and column.indicator is None:
                self.error(column.row, cell, UNKNOWN_INDICATOR)
                continue
            if label is not None and label.total:
                self.note(NOTE_TOTAL, column=self.column(column.name))
                continue
            if label is not None and label.problem:
                self.error(column.row, cell, label.problem)
                continue
            if not column.known or (label is None and shape == "wide_period"):
                self.error(column.row, cell, BAD_PERIOD)
                continue
            span = label.span if label is not None else None
            if span is None and context.span is None and "period" not in table.roles:
                if label is not None and label.hint == "cumulative" and label.measure == "value":
                    self.note(NOTE_TOTAL, column=self.column(column.name))  # 累计 of no named period: a total
                else:
                    self.error(column.row, cell, NO_PERIOD)
                continue
            if span is not None and span.year is None and context.year is None and "period" not in table.roles:
                self.error(column.row, cell, NO_YEAR)
                continue
            usable.append(column)
        return usable

    def add(self, table: Table, row: int, picked: dict[str, _Cell], column: Column, value: _Cell) -> None:
        """Check one value with its keys; remember it when everything is right."""
        label = column.label or Label()
        named, indicator_cell = self.indicator(table, row, picked, column)
        adcode, area_cell = self.area(table, row, picked, column)
        span, period_cell = self.span(table, row, picked, column, label)
        if named is None:
            return
        cumulative_label = label.hint == "cumulative" or (span is not None and span.ranged and label.hint != "single")
        target = named.indicator
        if label.measure == "growth":
            target = self.names.growth(named, cumulative_label)
            if target is None and named.indicator is not None:
                self.note(NOTE_GROWTH, column=self.column(column.name))
                return
        if target is None:
            self.error(row, indicator_cell, UNKNOWN_INDICATOR if indicator_cell.text else MISSING_KEY["indicator"])
            return
        placed = self.place(row, target, span, label, period_cell) if span is not None else None
        fits = self.level_fits(row, target, area_cell, adcode)
        reported = len(self.errors)
        number = self.number(table, row, picked, column, label, named, target, value)
        if adcode is not None and placed is not None and len(self.errors) > reported:
            self.refused.add((target.code, adcode, placed.period))  # reported: no second error for what it checks
        if adcode is None or placed is None or number is None or not fits:
            return
        self.entries.append(_Entry(target, adcode, placed.period, number[0], number[1], placed.cumulative,
                                   placed.whole, label.measure, row, self.sheet, value, period_cell))

    def indicator(self, table: Table, row: int, picked: dict[str, _Cell], column: Column
                  ) -> tuple[Named | None, _Cell]:
        if column.indicator is not None:
            return Named(column.indicator, column.unit), _Cell(column.name, column.raw)
        cell = picked["indicator"]
        named = self.names.indicator(cell.text)
        if named.indicator is None and not (column.label and column.label.measure == "growth" and named.base):
            self.error(row, cell, UNKNOWN_INDICATOR if cell.text else MISSING_KEY["indicator"])
            return None, cell
        return named, cell

    def area(self, table: Table, row: int, picked: dict[str, _Cell], column: Column) -> tuple[str | None, _Cell]:
        if column.area is not None and table.shape == "wide_area":
            return column.area, _Cell(column.name, column.raw)
        if "area" not in picked:
            return table.context.city, _Cell("", "")
        cell = picked["area"]
        key = (cell.text, table.context.city)
        if key not in self.adcodes:
            self.adcodes[key] = self.names.area(cell.text, table.context.city) if cell.text else None
        adcode = self.adcodes[key]
        if adcode is None:
            self.error(row, cell, UNKNOWN_AREA if cell.text else MISSING_KEY["area"])
        return adcode, cell

    def span(self, table: Table, row: int, picked: dict[str, _Cell], column: Column, label: Label
             ) -> tuple[Span | None, _Cell]:
        """The period of a value, its year filled in: the column's, else the row's, else the title's."""
        header = _Cell(column.name, column.raw)
        row_span: Span | None = None
        row_cell = picked.get("period")
        if row_cell is not None:
            row_span = self.row_span(row, row_cell)
            if row_span is None:
                return None, row_cell
        span, cell = label.span, header
        if span is None:
            span, cell = (row_span, row_cell) if row_span is not None else (table.context.span, header)
        if span is None:
            self.error(row, header, NO_PERIOD)
            return None, header
        if span.year is None:
            year = (row_span.year if row_span is not None and row_span is not span else None) or table.context.year
            if year is None:
                self.error(row, cell, NO_YEAR)
                return None, cell
            span = span.in_year(year)
        return span, cell

    def row_span(self, row: int, cell: _Cell) -> Span | None:
        text = cell.text
        if not text:
            self.error(row, cell, MISSING_KEY["period"])
            return None
        if text not in self.spans:
            try:
                self.spans[text] = span_of(cell.raw if isinstance(cell.raw, date) else text)
            except PeriodError as exc:
                self.spans[text] = exc.reason
            except ValueError:
                self.spans[text] = BAD_PERIOD
        found = self.spans[text]
        if isinstance(found, str):
            self.error(row, cell, found)
            return None
        return found

    def place(self, row: int, indicator: Indicator, span: Span, label: Label, cell: _Cell):
        """Where the value goes for this indicator; None (and the reason reported) when nowhere."""
        key = (span, label.hint, indicator.code)
        if key not in self.places:
            try:
                placed = place(span, label.hint, indicator)
                self.places[key] = placed
                if indicator.frequency == "hourly":
                    self.places[key] = HOURLY_NOT_IN_FILES
                elif indicator.jan_feb_merged and placed.period.month == 1:
                    self.places[key] = JAN_MERGED
                elif placed.period > self.limit(indicator.frequency):
                    self.places[key] = FUTURE.format(today=self.today.isoformat())
            except PeriodError as exc:
                self.places[key] = exc.reason
        found = self.places[key]
        if isinstance(found, str):
            self.error(row, cell, found)
            return None
        return found

    def limit(self, frequency: str) -> date:
        """The last period a load on ``today`` takes: the one after today's."""
        if frequency not in self.limits:
            self.limits[frequency] = shift(period_start(self.today, frequency), frequency, 1)
        return self.limits[frequency]

    def level_fits(self, row: int, ind: Indicator, area: _Cell, adcode: str | None) -> bool:
        """Whether the area suits the indicator: a city-level one has no district values."""
        if adcode is not None and ind.spatial_level == "city" and not is_city(adcode):
            self.error(row, area, CITY_LEVEL)
            return False
        return True

    def number(self, table: Table, row: int, picked: dict[str, _Cell], column: Column, label: Label, named: Named,
               target: Indicator, cell: _Cell) -> tuple[float, float] | None:
        """The value in the indicator's unit and how far rounding may have moved it; None when refused."""
        given, unit_cell = "", cell
        if label.measure != "growth":
            given, unit_cell = self.unit(table, picked, column, label, named, target)
        try:
            number = parse_number(cell.raw, unit=given or target.unit)
        except ValueError:
            self.error(row, cell, NOT_A_NUMBER)
            return None
        if number is None:
            return None
        factor = 1.0
        if given:
            factor = unit_factor(given, target.unit)
            if factor is None:
                self.error(row, unit_cell, UNIT_MISMATCH.format(given=given, wanted=target.unit))
                return None
            if factor != 1.0:
                self.note(NOTE_UNIT, given=given, wanted=target.unit)
                number *= factor
        if not target.in_range(number):
            low = "-∞" if target.min_value is None else general(target.min_value)
            high = "+∞" if target.max_value is None else general(target.max_value)
            self.error(row, cell, OUT_OF_RANGE.format(low=low, high=high))
            return None
        return number, _half_unit(cell.text) * abs(factor)

    def unit(self, table: Table, picked: dict[str, _Cell], column: Column, label: Label, named: Named,
             target: Indicator) -> tuple[str, _Cell]:
        """The unit the file gives a value in, and the cell that says so: the row's unit column, the column's
        header, the indicator's name, or the title (``单位：亿元``, for amounts only)."""
        header = _Cell(column.name, column.raw)
        unit_cell = picked.get("unit")
        if unit_cell is not None and unit_cell.text:
            return unit_cell.text, unit_cell
        if label.unit:
            return label.unit, header
        if named.unit:
            return named.unit, picked.get("indicator", header)
        if table.context.unit and not is_rate_unit(target.unit):
            return table.context.unit, _Cell("", table.context.unit)
        return "", header

    # -------------------------------------------------------- the whole file

    def finish(self) -> None:
        """Decide what is stored, now that every value of the file is known.

        A year-to-date indicator stores its cumulative values (and a year's first period, the same value);
        its other single-period values are checked against the difference of the cumulative ones. A period
        or stock indicator stores single-period values; a cumulative value beside them is skipped, one alone
        is an error.
        """
        stored: dict[tuple[str, str, date], _Entry] = {}
        singles, spares = [], []
        for entry in self.entries:
            ind = entry.indicator
            if ind.accumulation == "ytd":
                if entry.cumulative or opens_year(entry.period, ind.frequency, ind.jan_feb_merged):
                    self.store(stored, entry)
                else:
                    singles.append(entry)
            elif entry.whole:
                self.store(stored, entry)
            else:
                spares.append(entry)
        for entry in spares:
            self.sheet = entry.sheet
            if entry.key in self.refused:
                continue
            if entry.key in stored:
                self.note(NOTE_CUMULATIVE, column=self.column(entry.cell.column))
            else:
                self.error(entry.row, entry.period_cell, NOT_CUMULATIVE)
        for entry in singles:
            self.sheet = entry.sheet
            self.check_single(stored, entry)
        self.kept = [(e.indicator.code, e.adcode, e.period, e.value, e.row, e.sheet, e.measure)
                     for e in stored.values()]

    def store(self, stored: dict[tuple[str, str, date], _Entry], entry: _Entry) -> None:
        first = stored.get(entry.key)
        if first is None:
            stored[entry.key] = entry
            return
        self.sheet = entry.sheet
        same = abs(first.value - entry.value) <= _allowed(first, entry)
        if same and (first.cumulative != entry.cumulative or first.sheet != entry.sheet):
            # The same figure under 1—2月 and 2月, or repeated on another sheet of a bureau's workbook: keep one.
            if entry.cumulative and not first.cumulative:
                stored[entry.key] = entry
            return
        where = {"row": first.row, "column": f"{first.sheet}!{first.cell.column}" if first.sheet else first.cell.column}
        if first.cumulative == entry.cumulative:
            self.error(entry.row, entry.cell, DUPLICATE.format(**where))
        else:
            self.error(entry.row, entry.cell, SAME_PERIOD_DIFFERS.format(other=general(first.value), **where))

    def check_single(self, stored: dict[tuple[str, str, date], _Entry], entry: _Entry) -> None:
        """A year-to-date indicator's single-period value: never stored, checked where the file allows."""
        ind = entry.indicator
        column = self.column(entry.cell.column)
        cumulative = stored.get(entry.key)
        if cumulative is None:
            if entry.key not in self.refused:
                self.error(entry.row, entry.period_cell, YTD_SINGLE)
            return
        if not ind.single_periods:
            self.note(NOTE_RATE, column=column)
            return
        before = previous_in_year(entry.period, ind.frequency, ind.jan_feb_merged)
        previous = stored.get((ind.code, entry.adcode, before))
        if previous is not None:
            expected = cumulative.value - previous.value
            if abs(entry.value - expected) > _allowed(entry, cumulative, previous):
                where = f"{cumulative.sheet}!{cumulative.cell.column}" if cumulative.sheet else cumulative.cell.column
                self.error(entry.row, entry.cell, YTD_DIFFERS.format(expected=_rounded(expected), row=cumulative.row,
                                                                     column=where))
                return
            self.checked[column] = self.checked.get(column, 0) + 1
        self.note(NOTE_SINGLE, column=column)


# ---------------------------------------------------------------- small pure helpers

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def _pick(table: Table, cells: list[Any], role: str) -> _Cell:
    """The role's first non-blank cell, best-ranked column first (a code before a name)."""
    col = _picked_column(table, cells, role)
    return _Cell(table.columns[col].name, cells[col] if col < len(cells) else None)


def _picked_column(table: Table, cells: list[Any], role: str) -> int:
    columns = table.roles[role]
    return next((col for col in columns if col < len(cells) and cell_text(cells[col])), columns[-1])


def _half_unit(text: str) -> float:
    """Half the last shown digit's unit: how far rounding for display may have moved a value."""
    point = text.find(".")
    if point < 0:
        return 0.5
    tail = text[point + 1:]
    return 0.5 * 10.0 ** -(len(tail) - len(tail.lstrip("0123456789")))


def _allowed(*entries: _Entry) -> float:
    return sum(e.tolerance for e in entries) + 1e-9 * max(1.0, *(abs(e.value) for e in entries))


def _rounded(value: float) -> str:
    return general(round(value, 6))


def _failed(name: str, fmt: Literal["csv", "xlsx"], encoding: str | None, reason: str) -> ParsedFile:
    """A result for a file that could not be read as a table at all: one error on row 0."""
    return ParsedFile(name, fmt, encoding, None, None, _frame([]), (RowError(0, "", "", reason),))


def _frame(kept: list[tuple[str, str, date, float, int, str, str]]) -> pd.DataFrame:
    """Kept rows as the store expects them; ``period`` holds ``datetime.date`` objects."""
    frame = pd.DataFrame(kept, columns=list(COLUMNS))
    return frame.astype({"code": str, "adcode": str, "period": object, "value": "float64", "row": "int64",
                         "sheet": str, "measure": str})


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return value


def _short_name(name: str) -> str:
    """思明区 → 思明, 福安市 → 福安; names that would shrink to one character stay whole."""
    for suffix in ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _rank_name(ranked: dict[str, tuple[int, set[str]]], name: str, adcode: str, rank: int) -> None:
    """Record that ``name`` means ``adcode``; a better (lower) rank replaces worse ones."""
    key = area_key(name)
    if not key:
        return
    best, codes = ranked.get(key, (rank, set()))
    if rank < best:
        ranked[key] = (rank, {adcode})
    elif rank == best:
        ranked[key] = (rank, codes | {adcode})
