"""Template files for departments: the rows the loader expects for their next periods, values left blank,
in the three shapes it reads (``indicators.ingest.importer``):

* ``long`` — 指标代码, 指标名称, 地区, 时间, 数值: one row per value;
* ``wide_period`` — 指标代码, 指标名称, 地区, then one column per period (one frequency per file);
* ``wide_area`` — 指标代码, 指标名称, 时间, then one column per district and 全市 for the city.

A filled template loads as it is: the tests fill one with numbers and load it. XLSX templates carry a
title row above the header and a note below, as departments' own files do; the loader skips both.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import openpyxl
from openpyxl.styles import Font, PatternFill

from geo.cities import get_city
from indicators.accounts.access import AccessDenied, current_viewer, require
from indicators.catalog.entries import Indicator
from indicators.catalog.periods import expected_latest, shift
from indicators.ingest.catalog_edits import store_catalog

SHAPES = ("long", "wide_period", "wide_area")
FORMATS = ("xlsx", "csv")
PERIODS = 3
CITY_COLUMN = "全市"
NOTE = "注:数值列留空表示暂无数据;请勿修改指标代码、地区和时间。"


class TemplateError(ValueError):
    """A template that cannot be made (e.g. several frequencies in a wide-by-period file)."""


@dataclass(frozen=True)
class Template:
    """A template's title and table (header first), before it is written as CSV or XLSX."""

    title: str
    rows: list[list[str]]


def period_label(period: date, frequency: str, *, cumulative: bool = False, jan_feb_merged: bool = False) -> str:
    """A period as templates write it, in a form the loader reads back (2025年5月, 2025Q2, 2025-W18 …);
    a year-to-date value's period as the bureau writes it (2025年1—5月, 2025年1—2月)."""
    if frequency == "monthly":
        if period.month > 1 and (cumulative or (jan_feb_merged and period.month == 2)):
            return f"{period.year}年1—{period.month}月"
        return f"{period.year}年{period.month}月"
    if frequency == "quarterly":
        if cumulative and period.month > 1:
            return f"{period.year}年1—{(period.month - 1) // 3 + 1}季度"
        return f"{period.year}Q{(period.month - 1) // 3 + 1}"
    if frequency == "yearly":
        return f"{period.year}年"
    if frequency == "weekly":
        year, week, _ = period.isocalendar()
        return f"{year}-W{week:02d}"
    return period.isoformat()


def entry_label(entry: Indicator, period: date) -> str:
    """``period_label`` for one indicator's value (cumulative for a year-to-date one)."""
    return period_label(period, entry.frequency, cumulative=entry.accumulation == "ytd",
                        jan_feb_merged=entry.jan_feb_merged)


def due_periods(frequency: str, today: date, count: int = PERIODS, *, jan_feb_merged: bool = False) -> list[date]:
    """The newest ``count`` published periods due by ``today``, oldest first (no January of an indicator
    published for January and February together)."""
    periods, period = [], expected_latest(frequency, today, jan_feb_merged)
    while len(periods) < count:
        if not (jan_feb_merged and frequency == "monthly" and period.month == 1):
            periods.append(period)
        period = shift(period, frequency, -1)
    return periods[::-1]


def entry_periods(entry: Indicator, today: date) -> list[date]:
    """``due_periods`` of one indicator."""
    return due_periods(entry.frequency, today, jan_feb_merged=entry.jan_feb_merged)


def _areas(entry: Indicator, city_key: str) -> list[tuple[str, str]]:
    """The areas a template of ``entry`` has rows for: those the viewer may write (``Viewer.writes_area``)."""
    city, viewer = get_city(city_key), current_viewer()
    if entry.spatial_level == "city":
        return [(city.adcode, city.name_zh)] if viewer.writes_area(city.adcode) else []
    return [(d.adcode, d.name_zh) for d in city.districts if viewer.writes_area(d.adcode)]


def _indicators(department: str | None, code: str | None) -> list[Indicator]:
    viewer = current_viewer()
    # Only what this viewer may see; derived indicators are computed by the store, never delivered.
    chosen = [e for e in store_catalog() if viewer.sees_sensitivity(e.sensitivity) and e.formula is None
              and (e.code == code if code else e.department == department)]
    if not chosen:
        raise TemplateError("没有可用的指标 / no indicators for this template")
    return chosen


def build_template(*, city_key: str, shape: str, department: str | None = None, code: str | None = None,
                   today: date | None = None) -> Template:
    """The template of one indicator or of a department's indicators (those the viewer may see).

    Args:
        city_key: the city whose areas the rows name.
        shape: one of ``SHAPES``.
        department, code: the department's indicators, or one indicator.
        today: periods are the newest ``PERIODS`` due by this day.

    Raises:
        TemplateError: nothing to put in it, or a wide-by-period template over several frequencies.
    """
    viewer = require("data.view")
    if not viewer.sees_city(city_key):
        raise AccessDenied("city outside your scope")
    if shape not in SHAPES:
        raise TemplateError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
    today = today or date.today()
    entries = _indicators(department, code)
    city = get_city(city_key)
    title = f"{city.name_zh} {department or entries[0].department} 数据报送模板 ({entries[0].name_zh if code else '全部指标'})"
    if shape == "long":
        rows = [["指标代码", "指标名称", "地区", "时间", "数值"]]
        rows += [[e.code, e.name_zh, name, entry_label(e, p), ""]
                 for e in entries for _, name in _areas(e, city_key) for p in entry_periods(e, today)]
        return Template(title, rows)
    if shape == "wide_period":
        kinds = sorted({(e.frequency, e.accumulation == "ytd", e.jan_feb_merged) for e in entries})
        if len(kinds) > 1:
            frequencies = sorted({e.frequency for e in entries})
            raise TemplateError(f"这些指标的频度或累计口径不同({'、'.join(frequencies)}),按期横排的模板请逐个指标下载 / "
                                f"these indicators differ in frequency or in year-to-date reporting "
                                f"({', '.join(frequencies)}): take wide-by-period templates per indicator")
        periods = entry_periods(entries[0], today)
        rows = [["指标代码", "指标名称", "地区", *(entry_label(entries[0], p) for p in periods)]]
        rows += [[e.code, e.name_zh, name, *[""] * len(periods)] for e in entries for _, name in _areas(e, city_key)]
        return Template(title, rows)
    columns = [d.name_zh for d in city.districts if viewer.writes_area(d.adcode)]
    columns += [CITY_COLUMN] if viewer.writes_area(city.adcode) else []
    rows = [["指标代码", "指标名称", "时间", *columns]]
    for e in entries:
        for p in entry_periods(e, today):
            # A city-level indicator has its value in the 全市 column only; its district cells stay empty.
            rows.append([e.code, e.name_zh, entry_label(e, p), *[""] * len(columns)])
    return Template(title, rows)


def template_bytes(template: Template, kind: str) -> bytes:
    """The template as an XLSX (title row, bold header, note) or a CSV (UTF-8 with BOM, header first)."""
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(template.rows)
        return out.getvalue().encode("utf-8-sig")
    if kind != "xlsx":
        raise TemplateError(f"unknown format {kind!r}; one of {', '.join(FORMATS)}")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append([template.title])
    sheet["A1"].font = Font(bold=True, size=13)
    for row in template.rows:
        sheet.append(row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F5")
    sheet.append([])
    sheet.append([NOTE])
    for column, width in zip("ABCDEFGHIJ", (14, 28, 12, 12, 12, 12, 12, 12, 12, 12)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
