"""The data-quality desk in headless Chromium on a PC and a phone: figures, the departments' ranking, the list,
filters in the URL, one indicator's history issues, export, and an accessibility scan (axe, WCAG 2 A/AA)."""

import re
from pathlib import Path

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)]
CLEAN = {"console": [], "offsite": [], "failed": []}
ROWS = ".quality-grid .ag-center-cols-container .ag-row"
PHONE_ROWS = ".quality-grid .phone-row"  # a phone lists the rows (assets/92-desk-grids.js)


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _rows(viewport) -> str:
    return PHONE_ROWS if viewport["name"] == "mobile" else ROWS


def _open(page, url: str, viewport) -> None:
    page.goto(url)
    page.wait_for_selector(".quality-ranking tbody tr", timeout=30000)
    # Rows below the fold are not painted (AG Grid's content-visibility), so they count once in the page.
    page.wait_for_selector(_rows(viewport), state="attached", timeout=30000)


def _figures(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all(".quality-figure", "tiles => tiles.map(t => [t.dataset.kind, "
                                                            "t.querySelector('.quality-figure-value').innerText])"))


def _shown(page) -> tuple[int, int]:
    """Listed and total indicators, from the count line ("27 / 540 项指标")."""
    numbers = [int(n) for n in re.findall(r"\d+", page.inner_text("#quality-count"))]
    return numbers[0], numbers[-1]


def test_desk_shows_figures_ranking_and_list(page, live_server, page_problems, viewport):
    _open(page, live_server + "/data/quality?city=xiamen&lang=zh", viewport)
    assert page.inner_text("h1") == "数据质量"
    assert page.locator(".data-tab.is-active").inner_text() == "数据质量"
    figures = _figures(page)
    statuses = sum(int(figures[kind]) for kind in ("on_time", "missing", "late", "never_loaded"))
    assert int(figures["total"]) == statuses == _shown(page)[1] >= 500
    assert figures["completeness"].endswith("%")
    ranks = [int(cell) for cell in page.eval_on_selector_all(".quality-ranking tbody tr td:first-child",
                                                             "cells => cells.map(c => c.innerText)")]
    assert len(ranks) > 20 and ranks == sorted(ranks) and ranks[0] == 1
    name = ".phone-row a.phone-row-title" if viewport["name"] == "mobile" else ".ag-row .quality-name a"
    link = page.locator(name).first.get_attribute("href")
    assert link.startswith("/indicator/") and link.endswith("?city=xiamen&lang=zh")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"data-quality-{viewport['name']}.png"), full_page=False)
    assert_accessible(page)
    assert page_problems == CLEAN


def test_a_department_filters_the_list_and_a_row_opens_its_history(page, live_server, page_problems, viewport):
    _open(page, live_server + "/data/quality?city=ningde&lang=en", viewport)
    total = _shown(page)[1]
    first = page.locator(".quality-ranking tbody tr").nth(2)
    department = first.get_attribute("data-department")
    indicators = int(first.locator("td").nth(3).inner_text())
    first.locator("a").click()
    wait_until(page, "n => document.querySelector('#quality-count')?.innerText.startsWith(n + ' of')",
               arg=str(indicators))
    assert "department=" in page.url and "city=ningde" in page.url and "lang=en" in page.url
    assert "is-selected" in page.locator(f".quality-ranking tr[data-department='{department}']").get_attribute("class")
    assert _shown(page) == (indicators, total)
    assert int(_figures(page)["total"]) == indicators  # the figures follow the department
    if viewport["name"] == "pc":
        cells = page.eval_on_selector_all(f"{ROWS} [col-id='department']", "cells => cells.map(c => c.innerText)")
        assert cells and len(set(cells)) == 1

    if viewport["name"] == "mobile":
        assert page.locator(PHONE_ROWS).count() == min(indicators, 20)  # a page of the department's rows
        assert not page.evaluate("performance.getEntriesByType('resource').some(e => e.name.includes('dash_ag_grid'))")
        page.locator(f"{PHONE_ROWS} .phone-row-pick").first.click()
    else:
        page.locator(f"{ROWS} [col-id='status']").first.click()
    page.wait_for_selector("#quality-issues .quality-issues-title")
    if viewport["name"] == "mobile":  # on a phone the history lies below the list: the tap scrolls to it.
        wait_until(page, "() => { const r = document.querySelector('#quality-issues .quality-issues-title')"
                         ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert page.locator("#quality-issues .quality-indicator-link").get_attribute("href").startswith("/indicator/")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"data-quality-filtered-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN


def test_status_from_the_url_and_export_of_the_list(page, live_server, page_problems, viewport):
    _open(page, live_server + "/data/quality?city=xiamen&lang=zh&status=on_time", viewport)
    if viewport["name"] == "mobile":  # a phone starts with the filters folded into one control
        assert not page.evaluate("document.querySelector('#quality-filters').open")
        page.click(".quality-filters > summary")
    assert page.inner_text("#quality-status") == "准时"
    shown, total = _shown(page)
    assert 0 < shown < total
    with page.expect_download() as download:
        page.click("#quality-export-list-csv")
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("代码,指标名称,责任单位,频率,报送状态") and len(lines) == shown + 1
    assert all(",准时," in line for line in lines[1:])
    assert page_problems == CLEAN
