"""The alert centre in headless Chromium at phone and PC sizes: list, URL filters, detail, an action."""

import re

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
TOUCH_TARGETS = (".alert-row, .alerts-chip, .alerts-action:not([hidden]), .alerts-more:not([hidden]), .alerts-back, "
                 ".dash-dropdown")


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_touch_targets(page) -> list[str]:
    """Visible controls lower than 44 px (the phone's minimum touch target)."""
    return page.evaluate(f"""[...document.querySelectorAll({TOUCH_TARGETS!r})]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.id || e.className)""")


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_list_applies_the_level_filter_from_the_url(page, live_server, page_problems, viewport):
    page.goto(live_server + "/alerts?city=xiamen&level=orange")
    page.wait_for_selector(".alert-row", timeout=30000)
    rows = page.locator(".alert-row")
    assert rows.count() >= 1
    assert page.locator(".alert-row:not(.level-orange)").count() == 0
    assert page.locator(".alert-row.level-orange .level-badge").first.inner_text() == "橙色"
    assert "is-active" in page.locator("#alerts-chip-orange").get_attribute("class")
    orange = int(page.inner_text("#alerts-count-orange"))
    page_size = 10 if viewport["name"] == "mobile" else 100
    assert page.inner_text("#alerts-summary") == f"显示 {min(orange, page_size)} / {orange}"
    assert rows.count() == min(orange, page_size)
    assert page.evaluate("innerWidth") == viewport["width"]
    assert _no_horizontal_overflow(page)
    if viewport["name"] == "mobile":
        assert _small_touch_targets(page) == []
    page.wait_for_timeout(1000)  # the phone's scroll-into-view runs after the list's callbacks
    assert page.evaluate("scrollY") == 0  # the page opens at its title, counts and filters
    page.screenshot(path=str(artifacts_dir() / f"alerts-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_before_a_pick_the_detail_pane_sums_up_the_open_alerts(page, live_server, page_problems, viewport):
    """The detail pane is not empty until a pick: the open alerts of the filters by department and by theme."""
    page.goto(live_server + "/alerts?city=xiamen&lang=en")
    page.wait_for_selector(".alerts-overview .briefing-bar-value", timeout=30000)
    page.wait_for_load_state("networkidle")
    total = sum(int(page.inner_text(f"#alerts-count-{level}")) for level in ("red", "orange", "yellow", "blue"))
    charts = page.locator(".alerts-overview .briefing-chart")
    by_department = [int(x) for x in charts.nth(0).locator(".briefing-bar-value").all_inner_texts()]
    by_theme = [int(x) for x in charts.nth(1).locator(".briefing-bar-value").all_inner_texts()]
    assert total > 0 and sum(by_theme) == total  # every alert has one theme
    named = by_department[:10]  # the departments beyond the top ten are one bar after them
    assert named == sorted(named, reverse=True) and sum(by_department) == total
    assert page.inner_text(".alerts-overview-total").startswith(f"{total} open alerts")
    red = int(page.inner_text("#alerts-count-red"))
    page.click("#alerts-chip-red")  # the summary follows the filters
    wait_until(page, f"(document.querySelector('.alerts-overview-total') || {{}}).innerText?.startsWith('{red} open')")
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_acknowledging_an_alert_moves_it_and_records_the_comment(page, live_server, page_problems, viewport):
    page.goto(live_server + "/alerts?city=ningde&state=new")
    page.wait_for_selector(".alert-row", timeout=30000)
    first = page.locator(".alert-row").first
    alert_id = first.get_attribute("data-alert")
    first.click()
    page.wait_for_selector(".alert-history tbody tr")
    assert f"alert={alert_id}" in page.url and "state=new" in page.url
    history = page.locator(".alert-history tbody tr")
    before = history.count()
    assert "生成预警" in history.first.inner_text() and "系统" in history.first.inner_text()
    assert page.locator(".alert-explanation").inner_text().strip()
    assert page.locator(".alert-indicator-link").get_attribute("href").startswith("/indicator/")
    if viewport["name"] == "mobile":  # the detail replaces the list
        assert not page.locator(".alerts-list-pane").is_visible() and page.locator("#alerts-back").is_visible()
    comment = f"已电话核实 {viewport['name']}"
    page.fill("#alerts-comment", comment)
    page.click("#alerts-do-acknowledge")
    wait_until(page, f"document.querySelector('.alert-history').innerText.includes({comment!r})")
    assert history.count() == before + 1
    last = history.last.inner_text()
    assert "demo" in last and re.search(r"新预警\s*→\s*已确认", last)
    assert page.locator("#alerts-detail-body .alert-state").inner_text() == "已确认"
    assert not page.locator("#alerts-do-acknowledge").is_visible() and page.locator("#alerts-do-resolve").is_visible()
    assert page.input_value("#alerts-comment") == ""
    # The list (new alerts only) no longer has it.
    page.wait_for_selector(f'.alert-row[data-alert="{alert_id}"]', state="detached")
    if viewport["name"] == "mobile":
        assert _small_touch_targets(page) == []
        page.click("#alerts-back")
        page.wait_for_selector(".alerts-list-pane", state="visible")
        assert "alert=" not in page.url
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"alerts-acted-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_deep_link_opens_the_alert_and_chips_filter(page, live_server, page_problems, viewport):
    page.goto(live_server + "/alerts?city=xiamen&lang=en")
    page.wait_for_selector(".alert-row", timeout=30000)
    row = page.locator(".alert-row").nth(1)
    alert_id, sentence = row.get_attribute("data-alert"), row.locator(".alert-sentence").inner_text()
    page.goto(live_server + f"/alerts?city=xiamen&lang=en&alert={alert_id}")
    page.wait_for_selector(".alert-detail-title")
    assert page.inner_text(".alert-detail-title") == sentence
    assert page.locator(f'.alert-row.is-selected[data-alert="{alert_id}"]').count() == 1
    assert "Opened" in page.locator(".alert-history").inner_text()
    page.click("#alerts-chip-red")
    wait_until(page, "location.search.includes('level=red')")
    wait_until(page, "document.querySelector('#alerts-chip-red').className.includes('is-active')")
    wait_until(page, "[...document.querySelectorAll('.alert-row')].every(r => r.classList.contains('level-red'))")
    assert f"alert={alert_id}" in page.url  # the selection stays while filtering
    assert page.locator(".alert-row").count() == int(page.inner_text("#alerts-count-red"))
    assert page_problems == CLEAN


SHOWN = {"zh": r"显示 (\d+) / (\d+)", "en": r"Showing (\d+) of (\d+)"}


def _shown(page, lang: str) -> tuple[int, int]:
    """The summary's (shown, total)."""
    found = re.fullmatch(SHOWN[lang], page.inner_text("#alerts-summary"))
    assert found, page.inner_text("#alerts-summary")
    return int(found[1]), int(found[2])


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_phone_lists_ten_alerts_and_shows_ten_more_at_a_time(page, live_server, page_problems, viewport, lang):
    from tests.integration.test_text_fit import FIT

    page.goto(f"{live_server}/alerts?city=xiamen&lang={lang}")
    page.wait_for_selector(".alert-row", timeout=30000)
    rows = page.locator(".alert-row")
    shown, total = _shown(page, lang)
    assert total > 20 and shown == rows.count() == 10
    ranks = page.evaluate("[...document.querySelectorAll('.alert-row')].map(r => r.className.match(/level-(\\w+)/)[1])")
    order = ["red", "orange", "yellow", "blue"]
    assert ranks == sorted(ranks, key=order.index)  # worst first, as on a PC
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(artifacts_dir() / f"alerts-paged-mobile-{lang}.png"), full_page=True)
    assert height < 2400, height  # 1,588 px in Chinese, 2,026 in English; all 53 open alerts at once made 6,346
    fit = page.evaluate(FIT)
    assert fit["checked"] >= 20 and fit["cut"] == [] and fit["over"] == []

    page.click("#alerts-more")
    wait_until(page, "document.querySelectorAll('.alert-row').length === 20")
    assert _shown(page, lang) == (20, total)
    longer = page.evaluate("document.documentElement.scrollHeight")
    assert height + 600 < longer < height * 3, (height, longer)  # ten more compact rows
    assert _small_touch_targets(page) == [] and _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"alerts-paged-more-mobile-{lang}.png"), full_page=True)

    # A filter applies to every alert, not to the ten shown; the list starts again from its first ten.
    page.click("#alerts-chip-yellow")
    wait_until(page, "[...document.querySelectorAll('.alert-row')].every(r => r.classList.contains('level-yellow'))")
    yellow = int(page.inner_text("#alerts-count-yellow"))
    assert _shown(page, lang) == (min(yellow, 10), yellow) and rows.count() == min(yellow, 10)
    assert page.locator("#alerts-more").is_visible() == (yellow > 10)
    assert page_problems == CLEAN
