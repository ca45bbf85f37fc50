"""Bytes into tables of cells, for ``indicators.ingest.importer``: CSV in the encodings departments use, XLSX sheets
with their merged cells, within bounds on what a hostile workbook may cost.

A sheet is its non-blank rows, numbered as the spreadsheet shows them, each a list of cells from column A;
and its merged ranges, so that a header merged across columns can be unfolded and one merged down counted once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import openpyxl
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import WorkSheetParser

# Bounds on what a workbook may cost, far above any department's file: the bytes it unpacks to (a zip
# bomb is small packed), the cells its rows span (a row reaches from column A to its last cell) and the
# cells its merged ranges cover (a merge down a whole column covers a million cells).
MAX_XLSX_UNPACKED = 200 << 20
MAX_XLSX_CELLS = 5_000_000
MAX_XLSX_MERGED = 200_000
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
ENCODINGS_TRIED = "UTF-8、GB18030/GBK"


class Unreadable(Exception):
    """The bytes are not a file we can read: ``english`` says why, ``chinese`` too when it is given."""

    def __init__(self, english: str, chinese: str = "") -> None:
        super().__init__(english)
        self.english, self.chinese = english, chinese


class Number(NamedTuple):
    """A numeric spreadsheet cell: its value, and its text as the sheet shows it.

    Keys need the shown text: a period typed 2024.10 is the number 2024.1, and only the
    cell format says it means October.
    """

    value: float
    shown: str


class Merge(NamedTuple):
    """A merged range (1-based rows and columns, both ends included)."""

    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Sheet:
    """One table's worth of cells.

    Attributes:
        name: the sheet's name ("" for a CSV file).
        rows: the rows holding any text, as (row number, cells from column A); a cell hidden by a merge is None.
        merges: the merged ranges.
        anchors: for each cell hidden by a merge, (row, 0-based column) → its range.
    """

    name: str
    rows: list[tuple[int, list[Any]]]
    merges: list[Merge] = field(default_factory=list)
    anchors: dict[tuple[int, int], Merge] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for merge in self.merges:
            for row in range(merge.top, merge.bottom + 1):
                for col in range(merge.left, merge.right + 1):
                    if (row, col) != (merge.top, merge.left):
                        self.anchors[(row, col - 1)] = merge


# ---------------------------------------------------------------- CSV


def read_csv(data: bytes) -> tuple[Sheet, str]:
    """The CSV's one table and its encoding (``utf-8``, ``utf-8-sig``, ``gb18030``, ``utf-16``)."""
    text, encoding = decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        raise Unreadable(f"not a readable CSV table ({exc})") from exc
    return Sheet("", [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]), encoding


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-16 by BOM, else UTF-8 (BOM or not), else GB18030 (a superset of GBK
    and GB2312). A failure names the line where each encoding tried broke."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            line = data[:exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise Unreadable(f"broken UTF-16 text on line {line}", f"第 {line} 行不是有效的 UTF-16 文本") from exc
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("old .xls workbook; save it as .xlsx or .csv", "旧版 .xls 工作簿，请另存为 .xlsx 或 .csv")
    if b"\x00" in data:
        raise Unreadable("binary data, not CSV text", "二进制数据，不是 CSV 文本")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb:
            first, second = _line_of(data, utf8.start), _line_of(data, gb.start)
            raise Unreadable(
                f"neither UTF-8 nor GB18030/GBK text: tried UTF-8 (fails on line {first}) and GB18030/GBK "
                f"(fails on line {second})",
                f"既不是 UTF-8 也不是 GB18030/GBK 文本（已尝试 {ENCODINGS_TRIED}：UTF-8 在第 {first} 行出错，"
                f"GB18030/GBK 在第 {second} 行出错）"
            ) from gb


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _delimiter(text: str) -> str:
    """The separator that splits most of the first lines into the same, largest width."""
    sample = [line for line in text[:20000].splitlines()[:50] if line.strip()]

    def width(delimiter: str) -> int:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        return max(set(widths), key=lambda w: (widths.count(w), w)) if widths else 0

    return max((",", "\t", ";"), key=width)


# ---------------------------------------------------------------- XLSX


class Workbook:
    """An XLSX workbook opened read-only, its sheets read one at a time (``sheets``).

    Read-only mode streams each sheet's XML instead of building every cell object up front (half the time,
    a fraction of the memory); merged ranges, which that mode does not expose, come from the XML itself.
    """

    def __init__(self, data: bytes) -> None:
        merges = _check_workbook_size(data)
        try:
            # openpyxl warns about unsupported extensions (data validation, ...); they do not
            # matter for reading values. Any exception means the bytes are no usable workbook.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
            raise Unreadable(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
        self._merges = merges
        self.names = [sheet.title for sheet in self._book.worksheets]

    def close(self) -> None:
        self._book.close()

    def pick(self, wanted: str | int | None) -> list[int]:
        """The positions of the sheets to read: all for None or ``all``; else one, by name, by 0-based position
        (an int) or by 1-based position as the tabs are counted (digits that are no sheet's name)."""
        if wanted is None or wanted == "all":
            return list(range(len(self.names)))
        if isinstance(wanted, str) and wanted in self.names:
            return [self.names.index(wanted)]
        if isinstance(wanted, str) and wanted.strip().isdigit():
            wanted = int(wanted) - 1
        if isinstance(wanted, int) and 0 <= wanted < len(self.names):
            return [wanted]
        shown = "、".join(self.names)
        raise Unreadable(f"no sheet {wanted if isinstance(wanted, str) else wanted + 1!r}; sheets: "
                         f"{', '.join(self.names)}", f"没有工作表「{wanted}」；工作表有：{shown}")

    def sheet(self, index: int) -> Sheet:
        """One sheet's rows and merges."""
        worksheet = self._book.worksheets[index]
        try:
            rows = _rows(worksheet)
        except Unreadable:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken sheet XML
            raise Unreadable(f"sheet {worksheet.title!r} is not readable ({type(exc).__name__})") from exc
        path = worksheet._worksheet_path.lstrip("/")
        return Sheet(worksheet.title, rows, self._merges.get(path, []))


def _rows(worksheet: Any) -> list[tuple[int, list[Any]]]:
    """The rows holding text, from openpyxl's sheet parser: only the cells the XML holds, never the empty
    ones up to the farthest (``iter_rows`` would first create 17 billion for a single cell at XFD1048576)."""
    book = worksheet.parent
    spanned, rows = 0, []
    with worksheet._get_source() as source:
        parser = WorkSheetParser(source, worksheet._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, parsed in parser.parse():
            if not parsed:
                continue
            width = max(cell["column"] for cell in parsed)
            spanned += width
            if spanned > MAX_XLSX_CELLS:
                raise Unreadable(f"the sheet's rows span more than {MAX_XLSX_CELLS:,} cells; delete the empty "
                                 "rows and columns around the table",
                                 f"工作表的行跨越超过 {MAX_XLSX_CELLS:,} 个单元格，请删除表格周围的空行和空列")
            cells: list[Any] = [None] * width
            for cell in parsed:
                cells[cell["column"] - 1] = _value(ReadOnlyCell(worksheet, **cell))
            if any(value is not None and value != "" for value in cells):
                rows.append((number, cells))
    return rows


def _check_workbook_size(data: bytes) -> dict[str, list[Merge]]:
    """Refuse, before openpyxl opens it, a workbook beyond ``MAX_XLSX_UNPACKED`` or whose merged ranges
    cover more than ``MAX_XLSX_MERGED`` cells; the merged ranges of each sheet, by the sheet's XML path."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_XLSX_UNPACKED:
                raise Unreadable(f"the workbook unpacks to more than {MAX_XLSX_UNPACKED >> 20} MB",
                                 f"工作簿解压后超过 {MAX_XLSX_UNPACKED >> 20} MB")
            merges = {member.filename: _merges(archive.read(member)) for member in members
                      if member.filename.startswith("xl/worksheets/")}
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken archive fails in many ways (zlib, CRC, headers)
        raise Unreadable(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    covered = sum((m.bottom - m.top + 1) * (m.right - m.left + 1) for ranges in merges.values() for m in ranges)
    if covered > MAX_XLSX_MERGED:
        raise Unreadable(f"merged ranges cover more than {MAX_XLSX_MERGED:,} cells",
                         f"合并单元格超过 {MAX_XLSX_MERGED:,} 个")
    return merges


def _merges(sheet_xml: bytes) -> list[Merge]:
    """The merged ranges a sheet's XML declares."""
    found = []
    for first_col, first_row, last_col, last_row in _MERGE_REF.findall(sheet_xml):
        cols = sorted((column_index_from_string(first_col.decode()), column_index_from_string(last_col.decode())))
        rows = sorted((int(first_row), int(last_row)))
        found.append(Merge(rows[0], cols[0], rows[1], cols[1]))
    return found


def _value(cell: Any) -> Any:
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
        return f"{general(round(value * 100, 9))}%"
    return Number(float(value), _shown(value, number_format))


def _shown(value: float, number_format: str) -> str:
    """How Excel shows a number: with the format's fixed decimals, or as General."""
    decimals = _fixed_decimals(number_format)
    return general(value) if decimals is None else f"{value:.{decimals}f}"


@lru_cache(maxsize=256)
def _fixed_decimals(number_format: str) -> int | None:
    """The decimals a number format always shows; None for General, text and ``#`` (as many as needed)."""
    section = number_format.split(";")[0]
    if not re.search(r"[0#]", section):
        return None
    decimals = re.search(r"\.([0#]+)", section)
    if decimals and "#" in decimals.group(1):
        return None
    return len(decimals.group(1)) if decimals else 0


def general(value: float) -> str:
    """A number as Excel's General format shows it: 2024, not 2024.0."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)

