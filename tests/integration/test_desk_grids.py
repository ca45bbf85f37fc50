"""The desk's grids (data quality, catalog desk, accounts, audit log) at 390×844, 1920×1080 and 3840×2160 in
Chinese and English: no cell or header whose text overflows its box (cut, or drawn over its neighbour), no
column without data, columns as wide as the type on a video wall, and a phone that starts with the filters
folded and lists the rows instead, without downloading AG Grid. Screenshots go to
artifacts/desk-<page>-<viewport>-<lang>.png."""

from __future__ import annotations

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["mobile", "pc", "wall"], indirect=True)]
CLEAN = {"console": [], "offsite": [], "failed": []}

# Every rendered header and cell whose content is wider or taller than its box (cut or drawn over a neighbour).
OVERFLOWING = """grid => Array.from(document.querySelectorAll(grid + ' .ag-header-cell-label, ' + grid + ' .ag-cell'))
    .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0)
    .filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
    .map(el => (el.getAttribute('col-id') || el.closest('[col-id]')?.getAttribute('col-id')) + ': ' + el.innerText)"""
# Latin headers broken inside a word ("Frequenc|y"): more lines than words (Chinese may break anywhere).
BROKEN_WORDS = """grid => Array.from(document.querySelectorAll(grid + ' .ag-header-cell-text'))
    .filter(el => el.offsetParent !== null && /^[\\x20-\\x7e]+$/.test(el.innerText.trim()))
    .filter(el => { const style = getComputedStyle(el);
        const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
        return Math.round(el.getBoundingClientRect().height / line) > el.innerText.trim().split(/\\s+/).length; })
    .map(el => el.innerText)"""
# The shown columns without a single non-empty cell among the rendered rows.
EMPTY = """grid => {
    const columns = Array.from(document.querySelectorAll(grid + ' .ag-header-cell[col-id]'))
        .filter(h => h.offsetParent !== null).map(h => h.getAttribute('col-id'));
    return columns.filter(id => !Array.from(document.querySelectorAll(grid + ` .ag-cell[col-id="${id}"]`))
        .some(c => c.innerText.trim() !== ''));
}"""
# Each pinned-left cell's right edge against the left edge of the cell after it in the same row.
PINNED_OVERLAP = """grid => Array.from(document.querySelectorAll(grid + ' .ag-pinned-left-cols-container .ag-row'))
    .flatMap(row => Array.from(row.querySelectorAll('.ag-cell')).slice(0, -1).map(cell => {
        const inner = cell.firstElementChild || cell, next = cell.nextElementSibling;
        return next && inner.getBoundingClientRect().right > next.getBoundingClientRect().left + 1 ? cell.innerText : null;
    })).filter(Boolean)"""


# On a phone: the list items' facts and titles whose text overflows their box, and whether AG Grid was fetched.
PHONE_CUT = """grid => Array.from(document.querySelectorAll(grid + ' .phone-row-title, ' + grid + ' .phone-row-fact'))
    .filter(el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > window.innerWidth)
    .map(el => el.innerText)"""
AG_GRID_FETCHED = "() => performance.getEntriesByType('resource').some(e => e.name.includes('dash_ag_grid'))"


def _check_phone_list(page, grid: str) -> None:
    wait_until(page, f"document.querySelectorAll('{grid} .phone-row').length > 0", timeout=30000)
    assert page.evaluate(PHONE_CUT, grid) == []
    assert page.locator(f"{grid} .phone-row .phone-row-fact").count() > 0
    assert not page.evaluate(AG_GRID_FETCHED)


def _check_grid(page, grid: str, viewport: dict) -> None:
    if viewport["name"] == "mobile":
        _check_phone_list(page, grid)
        return
    wait_until(page, f"document.querySelectorAll('{grid} .ag-center-cols-container .ag-row').length > 0",
               timeout=30000)
    page.wait_for_timeout(400)  # the column widths follow the screen once the grid has drawn
    assert page.evaluate(OVERFLOWING, grid) == []
    assert page.evaluate(EMPTY, grid) == []
    assert page.evaluate(PINNED_OVERLAP, grid) == []
    assert page.evaluate(BROKEN_WORDS, grid) == []


def _scaled(page, grid: str, viewport: dict) -> None:
    """On a video wall the grid's type and rows are twice the PC's."""
    if viewport["name"] == "mobile":
        return
    font, row = page.evaluate(f"""() => {{ const cell = document.querySelector('{grid} .ag-center-cols-container .ag-cell');
        return [parseFloat(getComputedStyle(cell).fontSize), cell.closest('.ag-row').getBoundingClientRect().height]; }}""")
    if viewport["name"] == "wall":
        assert font >= 26 and row >= 70, (font, row)
    else:
        assert font <= 15, font


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_quality_grid_fits_its_columns(page, live_server, page_problems, viewport, lang):
    page.goto(f"{live_server}/data/quality?city=xiamen&lang={lang}")
    _check_grid(page, ".quality-grid", viewport)
    _scaled(page, ".quality-grid", viewport)
    ranks = page.eval_on_selector_all(".quality-ranking tbody tr td:first-child", "cells => cells.map(c => c.innerText)")
    assert len(set(ranks)) > len(ranks) / 2  # ties broken by the next criterion, not all rank 1
    # Numbers end at their cell's right edge, under their right-aligned heads.
    for column in ("days_late", "completeness", "gaps"):
        gap = page.evaluate("""column => {
            const cell = document.querySelector(`.quality-grid .ag-center-cols-container .ag-cell[col-id="${column}"]`);
            if (!cell) { return 0; }  // hidden on a phone
            const text = document.createRange(); text.selectNodeContents(cell);
            return cell.getBoundingClientRect().right - parseFloat(getComputedStyle(cell).paddingRight)
                - text.getBoundingClientRect().right; }""", column)
        assert abs(gap) <= 3, (column, gap)
    filters_open = page.evaluate("document.querySelector('#quality-filters').open")
    assert filters_open is (viewport["name"] != "mobile")
    page.screenshot(path=str(artifacts_dir() / f"desk-quality-{viewport['name']}-{lang}.png"), full_page=True)
    assert page_problems == CLEAN


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_catalog_desk_grid_fits_its_columns(page, live_server, page_problems, viewport, lang):
    page.goto(f"{live_server}/data/catalog?city=xiamen&lang={lang}")
    _check_grid(page, ".dcat-grid", viewport)
    _scaled(page, ".dcat-grid", viewport)
    page.screenshot(path=str(artifacts_dir() / f"desk-catalog-{viewport['name']}-{lang}.png"))
    assert page_problems == CLEAN


def test_the_admin_grids_fit_their_columns(page, live_server, admin_account, page_problems, viewport):
    name, password = admin_account
    page.goto(f"{live_server}/login?next=%2Fadmin%2Fusers%3Flang%3Den")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click(".login-submit")
    _check_grid(page, ".admin-users-grid", viewport)
    _scaled(page, ".admin-users-grid", viewport)
    page.screenshot(path=str(artifacts_dir() / f"desk-users-{viewport['name']}-en.png"))
    page.goto(f"{live_server}/admin/audit?lang=zh")
    _check_grid(page, ".admin-audit-grid", viewport)
    page.screenshot(path=str(artifacts_dir() / f"desk-audit-{viewport['name']}-zh.png"))
    assert page_problems == CLEAN


# The evaluation ranking's header and body cells whose text is cut (wider than the cell) without a tooltip, and
# the columns whose every cell is empty or a dash.
TABLE_CUT = """table => Array.from(document.querySelectorAll(table + ' th, ' + table + ' td'))
    .filter(el => el.scrollWidth > el.clientWidth + 1 && !el.title).map(el => el.innerText)"""
TABLE_EMPTY = """table => {
    const heads = Array.from(document.querySelectorAll(table + ' thead th'));
    const rows = Array.from(document.querySelectorAll(table + ' tbody tr'));
    return heads.filter((h, i) => !rows.some(r => !['', '—'].includes((r.children[i]?.innerText || '').trim())))
        .map(h => h.innerText);
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_evaluation_ranking_fits_and_ranks(page, live_server, page_problems, viewport, lang):
    if viewport["name"] == "mobile":
        pytest.skip("the evaluation page is a desk page: PC and video wall")
    page.goto(f"{live_server}/evaluation?city=xiamen&lang={lang}")
    wait_until(page, "document.querySelectorAll('.evaluation-ranking tbody tr').length > 0", timeout=30000)
    wait_until(page, "document.querySelector('#evaluation-trend .main-svg') !== null", timeout=30000)
    page.wait_for_timeout(400)
    assert page.evaluate(TABLE_CUT, ".evaluation-ranking") == []
    assert page.evaluate(TABLE_EMPTY, ".evaluation-ranking") == []
    # The ranking fits the page: no sideways scrolling at 1920 or on the wall.
    assert page.evaluate("""() => { const s = document.querySelector('.evaluation-ranking-card .quality-scroll');
        return s.scrollWidth <= s.clientWidth + 1; }""")
    rows = page.eval_on_selector_all(".evaluation-ranking tbody tr",
                                     "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))")
    ranks = [row[0] for row in rows]
    # Ties broken by the next criterion: departments share a rank only when every figure is the same, and a
    # shared rank leaves a gap after it (1, 2, 2, 4).
    for position, row in enumerate(rows):
        assert int(row[0]) <= position + 1
        if position and row[0] == rows[position - 1][0]:
            assert row[2:] == rows[position - 1][2:], (rows[position - 1], row)
        elif position:
            assert int(row[0]) == position + 1 and row[2:] != rows[position - 1][2:], (rows[position - 1], row)
    # Drawn as the data-quality ranking: the same table class, a score bar on the share on time.
    assert page.locator(".evaluation-ranking.quality-ranking td.quality-score").count() == len(ranks)
    font, height = page.evaluate("""() => [parseFloat(getComputedStyle(document.querySelector('.evaluation-ranking td'))
        .fontSize), document.querySelector('#evaluation-trend .main-svg').getBoundingClientRect().height]""")
    tick = page.evaluate("parseFloat(document.querySelector('#evaluation-trend .ytick text').style.fontSize)")
    if viewport["name"] == "wall":
        assert font >= 26 and height >= 700 and tick >= 26, (font, height, tick)
    else:
        assert font <= 15 and 300 <= height <= 400 and tick <= 14, (font, height, tick)
    # The period's name is whole (the dropdown grows with the type).
    assert page.evaluate("""() => Array.from(document.querySelectorAll('#evaluation-period *'))
        .filter(el => el.children.length === 0 && el.innerText && el.scrollWidth > el.clientWidth + 1)
        .map(el => el.innerText)""") == []
    page.screenshot(path=str(artifacts_dir() / f"desk-evaluation-{viewport['name']}-{lang}.png"), full_page=True)
    assert page_problems == CLEAN


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_catalog_grid_has_no_empty_column(page, live_server, page_problems, viewport, lang):
    if viewport["name"] == "mobile":
        pytest.skip("a phone shows the catalog as a list (tests/integration/test_catalog.py)")
    page.goto(f"{live_server}/catalog?city=xiamen&lang={lang}")
    wait_until(page, "document.querySelectorAll('#catalog-table .ag-center-cols-container .ag-row').length > 0",
               timeout=30000)
    page.wait_for_timeout(400)
    assert page.evaluate(EMPTY, "#catalog-table") == []
    overdue = page.eval_on_selector_all("#catalog-table .ag-cell[col-id='overdue']", "cells => cells.map(c => c.innerText)")
    assert overdue and all(text.strip() for text in overdue)  # 时效 says on time, late or no data: never blank
    page.screenshot(path=str(artifacts_dir() / f"desk-public-catalog-{viewport['name']}-{lang}.png"))
    assert page_problems == CLEAN


def test_the_loads_table_fits_and_has_no_empty_column(page, live_server, admin_account, page_problems, viewport):
    if viewport["name"] == "mobile":
        pytest.skip("the load records are a desk table: PC and video wall")
    name, password = admin_account
    page.goto(f"{live_server}/login?next=%2Fdata%2Floads%3Fcity%3Dxiamen%26lang%3Den")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click(".login-submit")
    wait_until(page, "document.querySelectorAll('.loads-table tbody tr').length > 0", timeout=30000)
    page.wait_for_timeout(400)
    assert page.evaluate(TABLE_CUT, ".loads-table") == []
    assert page.evaluate(TABLE_EMPTY, ".loads-table") == []
    page.screenshot(path=str(artifacts_dir() / f"desk-loads-{viewport['name']}-en.png"), full_page=True)
    page.goto(f"{live_server}/data/sources?city=xiamen&lang=zh")
    page.wait_for_timeout(1500)
    if page.locator(".src-table").count():
        assert page.evaluate(TABLE_CUT, ".src-table") == []
        assert page.evaluate(TABLE_EMPTY, ".src-table") == []
    page.screenshot(path=str(artifacts_dir() / f"desk-sources-{viewport['name']}-zh.png"), full_page=True)
    assert page_problems == CLEAN
