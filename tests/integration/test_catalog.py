"""The catalog page in headless Chromium on a PC and a phone: grid (a list on the phone), search, URL filters,
export."""

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)]
NO_PROBLEMS = {"console": [], "offsite": [], "failed": []}


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _row_codes(page) -> list[str]:
    # The grid's row id is the indicator code (rows are virtualised: these are the rendered ones); the phone's
    # list items carry it too (a page of them is drawn).
    return page.eval_on_selector_all(".ag-center-cols-container .ag-row, .catalog-item",
                                     "rows => rows.map(r => r.getAttribute('row-id') || r.dataset.code)")


def _count(page) -> tuple[int, int]:
    """Shown and total indicators, from the count line ("12 / 540 项指标", "共 540 项指标", "12 of 540 …")."""
    numbers = [int(n) for n in re.findall(r"\d+", page.inner_text("#catalog-count"))]
    return (numbers[0], numbers[-1])


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".ag-center-cols-container .ag-row, .catalog-item", timeout=30000)
    wait_until(page, "document.querySelector('#catalog-count').innerText.length > 0")


def test_grid_lists_every_indicator_and_search_narrows_it(page, live_server, page_problems, viewport):
    _open(page, live_server + "/catalog?city=xiamen&lang=zh")
    shown, total = _count(page)
    assert shown == total >= 500
    assert len(_row_codes(page)) >= 5
    assert page.inner_text("h1") == "指标目录"
    mobile = viewport["name"] == "mobile"
    # Phones get a list, a page at a time, and no grid; PCs the grid with every column.
    assert page.locator(".ag-root").count() == (0 if mobile else 1)
    assert page.locator(".ag-header-cell[col-id='department']").count() == (0 if mobile else 1)
    assert len(_row_codes(page)) == (50 if mobile else len(_row_codes(page)))
    assert page.locator("#catalog-more").is_visible() == mobile
    # Values line up on the right, under their header (or at the right of the list item).
    value = ".catalog-item-value" if mobile else ".ag-row .catalog-value"
    assert page.evaluate(f"getComputedStyle(document.querySelector('{value}')).textAlign") == "right"
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"catalog-{viewport['name']}.png"), full_page=False)
    if mobile:  # the next page of the list
        page.click("#catalog-more")
        wait_until(page, "document.querySelectorAll('.catalog-item').length === 100")

    before = page.inner_text("#catalog-count")
    page.fill("#catalog-q", "GDP")
    wait_until(page, "text => document.querySelector('#catalog-count').innerText !== text", arg=before)
    shown, _ = _count(page)
    assert 0 < shown < total
    assert "ECO-GDP-001" in _row_codes(page) and len(_row_codes(page)) == shown
    assert "q=GDP" in page.url and "city=xiamen" in page.url
    link = page.locator(".ag-row[row-id='ECO-GDP-001'] a, .catalog-item[data-code='ECO-GDP-001'] a").first
    assert link.get_attribute("href") == "/indicator/ECO-GDP-001?city=xiamen&lang=zh"
    assert _no_horizontal_overflow(page)
    assert page_problems == NO_PROBLEMS


def test_filters_come_from_the_url_and_restricted_values_show_to_a_leader(page, live_server, page_problems, viewport):
    _open(page, live_server + "/catalog?city=ningde&lang=en&theme=governance&sensitivity=restricted")
    assert page.inner_text("#catalog-theme") == "Social governance"
    assert "Restricted" in page.inner_text("#catalog-sensitivity")
    shown, total = _count(page)
    assert 0 < shown < total and "of" in page.inner_text("#catalog-count")
    codes = _row_codes(page)
    assert codes and all(code.startswith("GOV-") for code in codes)
    values = page.eval_on_selector_all(".ag-center-cols-container .ag-cell[col-id='value'], .catalog-item-number",
                                       "cells => cells.map(c => c.innerText)")
    # The demo leader's clearance covers restricted indicators (a viewer never receives them at all:
    # tests/store/test_security.py).
    assert values and all(re.fullmatch(r"[\d,.\-—]+", value) for value in values)
    assert _no_horizontal_overflow(page)

    page.click("#catalog-clear")
    wait_until(page, "total => document.querySelector('#catalog-count').innerText.startsWith(total + ' ')",
               arg=str(total))
    assert "theme=" not in page.url and "sensitivity=" not in page.url and "city=ningde" in page.url
    assert page.inner_text("#catalog-theme") == "All"
    assert page_problems == NO_PROBLEMS


def test_export_downloads_the_filtered_list(page, live_server, page_problems, viewport):
    _open(page, live_server + "/catalog?city=xiamen&lang=zh&theme=environment")
    shown, _ = _count(page)
    with page.expect_download() as csv_download:
        page.click("#catalog-export-csv")
    data = Path(csv_download.value.path()).read_bytes()
    assert csv_download.value.suggested_filename.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("代码,指标名称,主题") and len(lines) == shown + 1
    assert all(line.startswith("ENV-") and ",生态环保," in line for line in lines[1:])

    with page.expect_download() as xlsx_download:
        page.click("#catalog-export-xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("代码", "指标名称") and len(rows) == shown + 1
    assert {row[0] for row in rows[1:]} == {line.split(",")[0] for line in lines[1:]}
    assert page_problems == NO_PROBLEMS
