"""Finding the table in a sheet, for ``indicators.ingest.importer``: its header (one to three rows, merges unfolded),
what each column holds, and what the title above says (year, period, city, unit).

The shapes read:

* ``long`` — indicator, area, period and value columns;
* ``wide_period`` — indicator (and area) in the rows, one column per period or measure (``2024年3月``,
  ``1—10月``, ``增长%``); without an area column the values are the city's (统计月报 rows of indicators);
* ``wide_area`` — indicator and period in the rows, one column per area;
* ``wide_indicator`` — areas in the rows, one column (or a group of measure columns) per indicator (统计月报
  rows of districts).

A header may stand over several rows: ``2024年`` above ``3月`` reads ``2024年3月``, ``1—10月`` above ``累计`` and
``增长%`` reads ``1—10月累计`` and ``1—10月增长%``; a header cell merged down counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from indicators.catalog.entries import Catalog, Indicator
from indicators.ingest.labels import (
    Label,
    Span,
    is_unit_like,
    parse_label,
    title_span,
    title_unit,
    title_year,
)
from indicators.ingest.sheets import Number, Sheet, general

Shape = Literal["long", "wide_period", "wide_area", "wide_indicator"]
HEADER_SCAN_ROWS = 30
HEADER_DEPTH = 3

# Header names by role; within a role the earlier names win (a code beats a name).
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator": ("指标代码", "指标编码", "code", "indicator_code", "指标", "指标名称", "指标项", "项目", "指标项目",
                  "indicator"),
    "area": ("行政区划代码", "区划代码", "地区代码", "adcode", "地区", "区域", "区县", "行政区", "行政区划",
             "地区名称", "县区", "县市区", "县(市、区)", "县(市、区)名称", "区县(市)", "各区", "area", "region",
             "district"),
    "period": ("时间", "期间", "统计期", "统计期间", "统计时间", "报告期", "日期", "时期", "年月", "年份", "月份",
               "季度", "period", "date", "time"),
    "value": ("数值", "值", "指标值", "数据", "value"),
    "unit": ("计量单位", "单位", "unit"),
}
ROLES = ("indicator", "area", "period", "value")
# Columns a wide table may carry besides its keys; anything else must be a period, an area or an indicator.
IGNORED_HEADERS = frozenset({"备注", "说明", "序号", "编号", "数据来源", "来源", "口径", "note"})
_ALIAS = {_name: (role, rank) for role, names in ROLE_ALIASES.items() for rank, _name in enumerate(names)}
# Names every configured city answers to when one city is given (全市 = the whole city).
CITY_ALIASES = ("全市", "市本级", "全市合计", "合计")
# Compared after NFKC, so the full-width ／ and － are covered by / and -.
MISSING = frozenset({"", "-", "--", "—", "——", "–", "/", "NA", "N/A", "无", "…", "..."})
_NOTE = re.compile(r"\s*(注|备注|说明|数据来源|资料来源|来源|单位|计量单位|填报人|填表人|填报单位|填报日期|制表人?|审核人?|"
                   r"负责人|联系人|联系电话)\s*\d*\s*:")
# Marks before a sub-item's name: 其中：, #, 一、, (一), 1.
_NAME_MARKS = re.compile(r"^(?:其中[:：]?|[#＃]+|[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d{1,2}[、.](?!\d))+")
_NAME_UNIT = re.compile(r"(.+)\(([^()]+)\)")
_GROWTH_NAMES = ("增速", "增长率", "增长速度", "增长", "增速(可比价)", "增长率(可比价)")
_BRACKETED = re.compile(r"\((.+)\)")
_HIDDEN = object()  # a header cell merged down from the one above: counted once


@dataclass(frozen=True)
class Named:
    """An indicator as a file names it.

    Attributes:
        indicator: the catalog's indicator, or None when the name is none of them.
        unit: a unit in brackets after the name (``地区生产总值（亿元）``), or "".
        base: the name without marks and unit, to find its growth rate's indicator by name.
    """

    indicator: Indicator | None
    unit: str = ""
    base: str = ""


class Names:
    """What a file's names mean: indicators by code or Chinese name, areas by name or adcode."""

    def __init__(self, catalog: Catalog, areas: Mapping[str, str]) -> None:
        self.codes = catalog.by_code
        self.names: dict[str, Indicator] = {}
        for ind in catalog:
            self.names.setdefault(norm(ind.name_zh), ind)
        self.areas = {area_key(name): adcode for name, adcode in areas.items()}
        cities = {adcode for adcode in self.areas.values() if is_city(adcode)}
        self.single_city = next(iter(cities)) if len(cities) == 1 else None
        self._city_names = sorted(((key, adcode) for key, adcode in self.areas.items() if is_city(adcode)
                                   and not key.isdigit() and len(key) >= 2), key=lambda kv: -len(kv[0]))
        self._growth: dict[str, list[Indicator]] = {}
        for ind in catalog:
            if ind.growth_of:
                self._growth.setdefault(ind.growth_of, []).append(ind)
        for ind in catalog:  # a derived growth(X) reports X's growth too (its published value is checked)
            formula = ind.formula
            if formula is not None and re.fullmatch(r"growth\([A-Z0-9-]+\)", formula.text.replace(" ", "")):
                self._growth.setdefault(formula.inputs[0], []).append(ind)
        self._indicators: dict[str, Named] = {}

    def indicator(self, text: str) -> Named:
        """The indicator a cell names (cached: files repeat the same few names thousands of times)."""
        found = self._indicators.get(text)
        if found is None:
            found = self._indicators[text] = self._find(text)
        return found

    def _find(self, text: str) -> Named:
        key = norm(text)
        if not key:
            return Named(None)
        exact = self.codes.get(key.upper()) or self.names.get(key)
        if exact is not None:
            return Named(exact, "", key)
        base = _NAME_MARKS.sub("", key) or key
        unit = ""
        match = _NAME_UNIT.fullmatch(base)
        if base not in self.names and match and is_unit_like(match.group(2)):
            base, unit = match.group(1), match.group(2)
        return Named(self.names.get(base), unit, base)

    def growth(self, level: Named, cumulative: bool) -> Indicator | None:
        """The indicator that publishes the growth rate of ``level``: one whose ``growth_of`` names it (a
        year-to-date one for a cumulative rate, a single-period one otherwise, when there are both), a derived
        ``growth(level)``, or one named as the level's name plus 增速 / 增长率."""
        candidates = self._growth.get(level.indicator.code, []) if level.indicator is not None else []
        if candidates:
            wanted = "ytd" if cumulative else "period"
            return next((ind for ind in candidates if ind.accumulation == wanted), candidates[0])
        if level.base:
            return next((self.names[level.base + suffix] for suffix in _GROWTH_NAMES
                         if level.base + suffix in self.names), None)
        return None

    def area(self, text: str, city: str | None = None) -> str | None:
        """The adcode a cell names; with ``city`` (the sheet's city), 全市, 合计 … name it too."""
        key = area_key(text)
        adcode = self.areas.get(key)
        if adcode is None and city is not None and key in CITY_ALIASES:
            return city
        return adcode

    def city_in(self, text: str) -> str | None:
        """The one city a title names (厦门市…, 厦门…), if exactly one."""
        key = norm(text)
        found = {adcode for name, adcode in self._city_names if name in key}
        return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Column:
    """One column of a table, as its header says.

    Attributes:
        index: 0-based.
        name: the header as written, stacked cells joined (``2024年3月``).
        row: the header row to name in errors about it.
        raw: the header cell (a date, a number) when it is one cell, else ``name``.
        role: ``indicator``, ``area``, ``period``, ``value``, ``unit`` or ``ignored`` for a key column; None
            for a column of values.
        rank: the rank of its name within the role (a code column before a name column).
        label: the period, measure and unit it names, if any.
        indicator: the indicator it names (``wide_indicator``), if any.
        unit: the unit after the indicator's name, if any.
        area: the area it names (``wide_area``), if any.
        known: every stacked cell was understood.
    """

    index: int
    name: str
    row: int
    raw: Any
    role: str | None = None
    rank: int = 0
    label: Label | None = None
    indicator: Indicator | None = None
    unit: str = ""
    area: str | None = None
    known: bool = True


@dataclass(frozen=True)
class Context:
    """What the title above a table (and the sheet's name) says for the whole table."""

    year: int | None = None
    span: Span | None = None
    city: str | None = None
    unit: str = ""


@dataclass
class Table:
    """A table found in a sheet: its header, shape, title context and the rows below the header."""

    sheet: Sheet
    first: int
    last: int
    shape: Shape
    columns: list[Column]
    roles: dict[str, list[int]]
    context: Context
    data: list[tuple[int, list[Any]]]


def find_table(sheet: Sheet, names: Names) -> Table | None:
    """The first header in the sheet's first rows and the table under it; None when there is none.

    A header may stand over up to three rows; the deepest reading that makes a header wins, so ``2024年``
    above ``1月 … 12月`` is one header, not a yearly one above a row of data.
    """
    rows = sheet.rows
    for start in range(min(len(rows), HEADER_SCAN_ROWS)):
        context = None
        for depth in range(HEADER_DEPTH, 0, -1):
            block = rows[start:start + depth]
            if len(block) < depth or block[-1][0] - block[0][0] != depth - 1:
                continue
            if not all(_header_like(sheet, number, cells, names) for number, cells in block[1:]):
                continue
            context = context or _context(sheet, rows[:start], names)
            columns = _columns(sheet, block, names)
            table = _classify(sheet, block, columns, context, rows[start + depth:], names)
            if table is not None:
                return table
    return None


# ---------------------------------------------------------------- the header's cells


def _header_like(sheet: Sheet, number: int, cells: list[Any], names: Names) -> bool:
    """Whether a row under a header row may continue it: labels, units and names only, no values."""
    seen = False
    for col, raw in enumerate(cells):
        merge = sheet.anchors.get((number, col))
        if merge is not None and merge.top < number:
            continue  # merged down from the row above
        text = cell_text(raw)
        if not text:
            continue
        if isinstance(raw, (Number, date)) and parse_label(text) is None:
            return False
        if not (_header_key(text) in _ALIAS or _header_key(text) in IGNORED_HEADERS or parse_label(text) is not None
                or is_unit_like(text) or names.indicator(text).indicator is not None
                or names.area(text) is not None):
            return False
        seen = True
    return seen


def _unfolded(sheet: Sheet, block: list[tuple[int, list[Any]]]) -> list[list[Any]]:
    """The header rows' cells with merges unfolded: a merge across columns repeats its text, one merged down
    is hidden below its first row. In a row without merges (a CSV file), a blank cell over a labelled one
    takes the text to its left: ``2024年,,`` above ``1月,2月,3月``."""
    width = max(len(cells) for _, cells in block)
    grid = []
    for number, cells in block:
        line = []
        for col in range(width):
            raw = cells[col] if col < len(cells) else None
            merge = sheet.anchors.get((number, col))
            if merge is not None:
                raw = cells[merge.left - 1] if merge.top == number and merge.left - 1 < len(cells) else _HIDDEN
            line.append(raw)
        grid.append(line)
    for depth, (number, _) in enumerate(block[:-1]):
        if any(merge.top == number and merge.right > merge.left for merge in sheet.merges):
            continue
        carry = None
        for col in range(width):
            raw = grid[depth][col]
            text = "" if raw is _HIDDEN else cell_text(raw)
            if raw is _HIDDEN or _header_key(text) in _ALIAS:
                carry = None
            elif text:
                carry = raw
            elif carry is not None and any(grid[below][col] is not _HIDDEN and cell_text(grid[below][col])
                                           for below in range(depth + 1, len(block))):
                grid[depth][col] = carry
    return grid


def _columns(sheet: Sheet, block: list[tuple[int, list[Any]]], names: Names) -> list[Column]:
    grid = _unfolded(sheet, block)
    columns = []
    for col in range(len(grid[0])):
        parts = [(number, grid[depth][col]) for depth, (number, _) in enumerate(block)
                 if grid[depth][col] is not _HIDDEN and cell_text(grid[depth][col])]
        if not parts:
            columns.append(Column(col, "", block[0][0], None))
            continue
        name = "".join(cell_text(raw) for _, raw in parts)
        raw = parts[0][1] if len(parts) == 1 else name
        columns.append(_column(col, name, parts[-1][0], raw, [cell_text(raw) for _, raw in parts], names))
    return columns


def _column(col: int, name: str, row: int, raw: Any, texts: list[str], names: Names) -> Column:
    """What a column's stacked header cells say: a key's role, or the period, measure, indicator or area."""
    roles = [_ALIAS[_header_key(text)] for text in texts if _header_key(text) in _ALIAS]
    if roles or any(_header_key(text) in IGNORED_HEADERS for text in texts):
        rest = [_BRACKETED.fullmatch(norm(text)) for text in texts if _header_key(text) not in _ALIAS]
        if len(roles) == 1 and all(match and is_unit_like(match.group(1)) for match in rest):
            unit = rest[0].group(1) if rest else (parse_label(texts[0]) or Label()).unit
            return Column(col, name, row, raw, roles[0][0], roles[0][1], Label(unit=unit))
        return Column(col, name, row, raw, "ignored" if not roles else None, known=not roles)
    if len(texts) == 1:
        named, area = names.indicator(texts[0]), names.area(texts[0])
        label = Label(span_of_date(raw)) if isinstance(raw, date) else parse_label(texts[0])
        return Column(col, name, row, raw, None, 0, label, named.indicator, named.unit, area,
                      label is not None or named.indicator is not None or area is not None)
    labels, indicator, unit, area, known = [], None, "", None, True
    for text in texts:
        named = names.indicator(text)
        if parse_label(text) is not None:
            labels.append(text)
        elif named.indicator is not None and indicator is None:
            indicator, unit = named.indicator, named.unit
        elif names.area(text) is not None and area is None:
            area = names.area(text)
        elif is_unit_like(text.strip("()（）")):
            labels.append(f"({text.strip('()（）')})")
        else:
            known = False
    label = parse_label("".join(labels)) if labels else None
    return Column(col, name, row, raw, None, 0, label, indicator, unit, area, known and (label is not None or not labels))


def span_of_date(day: date) -> Span:
    return Span(day.year, day.month, day.month, "daily", day=day)


# ---------------------------------------------------------------- the table's shape


def _classify(sheet: Sheet, block: list[tuple[int, list[Any]]], columns: list[Column], context: Context,
              below: list[tuple[int, list[Any]]], names: Names) -> Table | None:
    """The table this header makes, if it makes one."""
    columns = [_guess_role(column, below, names) if column.index < 2 and not column.name else column
               for column in columns]
    ranked: dict[str, list[tuple[int, int]]] = {}
    for column in columns:
        if column.role is not None and column.role != "ignored":
            ranked.setdefault(column.role, []).append((column.rank, column.index))
    roles = {role: [col for _, col in sorted(found)] for role, found in ranked.items()}
    keys = set(roles) & set(ROLES)
    spread = [column for column in columns if column.role is None and column.name]
    shape: Shape | None = None
    if keys >= {"indicator", "period", "value"}:
        shape = "long"  # without an area column, the values are the city's
    elif {"indicator"} <= keys and "area" not in keys and any(c.area for c in spread) and (
            "period" in keys or context.span is not None):
        shape = "wide_area"
    elif "indicator" not in keys and "area" in keys and any(c.indicator for c in spread):
        shape = "wide_indicator"
    elif "indicator" in keys and "value" not in keys and any(_names_a_value(c) for c in spread):
        shape = "wide_period"
    if shape is None:
        return None
    if shape == "wide_period":
        columns = _with_periods(columns)
    elif shape == "wide_indicator":
        columns = _with_periods(columns, by_indicator=True)
    data = _data_rows(sheet, block[-1][0], below)
    return Table(sheet, block[0][0], block[-1][0], shape, columns, roles, context, data)


def _names_a_value(column: Column) -> bool:
    label = column.label
    return label is not None and not label.total and (label.span is not None or label.measure == "growth"
                                                       or label.hint is not None or bool(label.problem))


def _guess_role(column: Column, below: list[tuple[int, list[Any]]], names: Names) -> Column:
    """A key column without a header (统计月报 often leave the corner blank): indicators or areas, by what
    its first cells name."""
    texts = [cell_text(cells[column.index]) for _, cells in below[:12] if column.index < len(cells)]
    texts = [text for text in texts if text][:6]
    if not texts:
        return column
    for role, known in (("indicator", lambda t: names.indicator(t).indicator is not None),
                        ("area", lambda t: names.area(t) is not None)):
        if sum(map(known, texts)) * 2 > len(texts):
            return replace(column, role=role)
    return column


def _with_periods(columns: list[Column], *, by_indicator: bool = False) -> list[Column]:
    """A growth column without a period of its own takes the period (and 累计/当月) of the value column to its
    left (``1—10月 | 增长%``), within the same indicator's group."""
    last: dict[Any, Label] = {}
    out = []
    for column in columns:
        group = column.indicator if by_indicator else None
        label = column.label
        if label is not None and not label.total:
            if label.measure == "value":
                last[group] = label
            elif label.span is None and group in last:
                left = last[group]
                column = replace(column, label=replace(label, span=left.span, hint=label.hint or left.hint))
        out.append(column)
    return out


def _data_rows(sheet: Sheet, header_last: int, below: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """The rows under the header, notes left out, a label merged down over rows repeated in each (a merge
    across columns — titles, notes — is left alone)."""
    tops = {number: cells for number, cells in sheet.rows}
    data = []
    for number, cells in below:
        if is_note(cells):
            continue
        filled = list(cells)
        for col in range(len(filled)):
            merge = sheet.anchors.get((number, col))
            if merge is not None and merge.left == merge.right and header_last < merge.top < number:
                top = tops.get(merge.top, [])
                filled[col] = top[col] if col < len(top) else None
        data.append((number, filled))
    return data


# ---------------------------------------------------------------- the title


def _context(sheet: Sheet, above: list[tuple[int, list[Any]]], names: Names) -> Context:
    """What the rows above the header and the sheet's name say: the year, the period, the city, the unit."""
    title = " ".join(text for _, cells in above for text in map(cell_text, cells) if text)
    span = title_span(title) or title_span(sheet.name)
    year = (span.year if span is not None else None) or title_year(title) or title_year(sheet.name)
    if span is not None and span.year is None:
        span = span.in_year(year) if year is not None else None
    if span is not None and span.grain == "yearly" and not span.ranged:
        span = None  # a year alone says which year, not which months
    city = names.single_city or names.city_in(f"{title} {sheet.name}")
    return Context(year, span, city, title_unit(title))


# ---------------------------------------------------------------- small pure helpers


def cell_text(raw: Any) -> str:
    """A cell as text, the way the sheet shows it."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, Number):
        return raw.shown
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float):
        return general(raw)
    return str(raw)


def norm(text: str) -> str:
    """Full-width forms folded (NFKC) and all spaces removed, for comparing names."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def area_key(text: str) -> str:
    key = norm(text)
    # 12-digit statistical codes (350203000000) are the 6-digit adcode padded with zeros.
    return key[:6] if len(key) == 12 and key.isdigit() and key.endswith("000000") else key


@lru_cache(maxsize=4096)
def _header_key(name: str) -> str:
    """A header without spaces, case or a trailing unit: 数值（亿元） and 数值 are one role."""
    return re.sub(r"\(.*\)$", "", norm(name).lower()) if name else ""


def long_columns(headers: Iterable[str]) -> dict[str, str]:
    """The header that names each role of a long table (``indicator``, ``area``, ``period``, ``value``) among
    ``headers``, by ``ROLE_ALIASES`` (指标代码 → indicator; the earlier name of a role wins)."""
    found: dict[str, tuple[int, str]] = {}
    for header in headers:
        role, rank = _ALIAS.get(_header_key(header or ""), (None, 0))
        if role in ROLES and (role not in found or rank < found[role][0]):
            found[role] = (rank, header)
    return {role: header for role, (_, header) in found.items()}


def is_city(adcode: str) -> bool:
    # Prefecture-level adcodes end in 00 (GB/T 2260); districts and counties never do.
    return adcode.endswith("00")


def is_note(cells: Iterable[Any]) -> bool:
    first = next((text for text in map(cell_text, cells) if text), "")
    return bool(_NOTE.match(unicodedata.normalize("NFKC", first)))


def is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if not isinstance(raw, str):
        return False
    text = raw.strip()
    # The markers are at most three characters; skip normalising longer text.
    return not text or (len(text) <= 3 and norm(text).upper() in MISSING)
