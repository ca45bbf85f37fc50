"""The analyst's pages in headless Chromium: indicator, themes, topics, area, the header search,
and an accessibility scan (axe, WCAG 2 A/AA) of each."""

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
# A monthly indicator with district data and thresholds, in every demo city.
INDICATOR = "ECO-GDP-001"


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_indicator_page(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/indicator/{INDICATOR}?city=xiamen&lang=zh")
    page.wait_for_selector(".history-graph .main-svg", timeout=30000)
    assert page.locator(".explanation").inner_text().strip() != ""
    assert page.locator(".meta-list dd").first.inner_text() == INDICATOR
    assert page.locator(".data-table tbody tr").count() >= 12
    # On a phone the chart is simplified: no range buttons, no legend.
    if viewport["name"] == "mobile":
        wait_until(page, "!document.querySelector('.history-graph .rangeselector')", timeout=10000)
        assert page.locator(".history-graph .legend").count() == 0
    else:
        assert page.locator(".history-graph .rangeselector").count() == 1
    page.locator(".chips .chip", has_text="思明区").click()
    wait_until(page, "location.search.includes('area=350203')")
    wait_until(page, "document.querySelector('.history-graph')?.closest('.card')"
               "?.innerText.includes('思明区')")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"indicator-{viewport['name']}.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出数据 CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "code,unit,area,period,value,kind,当季值"  # GDP is year to date: its quarters too
    assert f"{INDICATOR}," in text.splitlines()[1] and "思明区" in text.splitlines()[1]
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_theme_page_filters_live_in_the_url(page, live_server, page_problems, viewport):
    # Social governance: the demo's environment is all normal within its seasons, its governance has stories.
    page.goto(f"{live_server}/themes/governance?city=ningde&lang=en")
    page.wait_for_selector(".group-page .tile", timeout=30000)
    everything = page.locator(".group-page .tile").count()
    assert "area=" not in page.url  # the default area stays out of the URL
    assert everything > 50 and page.locator(".group-head .page-title").inner_text() == "Social governance"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto(f"{live_server}/themes/governance?city=ningde&lang=en&level=normal")
    page.wait_for_selector(".group-page .tile", timeout=30000)
    normal = page.locator(".group-page .tile").count()
    assert 0 < normal < everything
    assert page.locator(".group-page .tile.level-normal").count() == normal
    # Choosing a level in the dropdown puts it in the URL.
    page.locator(".filter", has_text="Level").locator(".filter-input").click()
    page.get_by_role("option", name="Red").click()
    wait_until(page, "location.search.includes('level=red')")
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_topic_and_area_pages(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/topics/health?city=xiamen&lang=zh")
    page.wait_for_selector(".group-page .tile", timeout=30000)
    assert page.locator(".group-head .page-title").inner_text() == "疫情防控"  # 厦门 names its topic (topics.yaml)
    page.goto(f"{live_server}/area/350203?city=xiamen&lang=zh")
    page.wait_for_selector(".area-page .theme-card", timeout=30000)
    assert page.locator(".area-page .theme-card").count() == 5
    assert "/ 6" in page.locator(".area-page .data-table").inner_text()
    page.screenshot(path=str(artifacts_dir() / "area-pc.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_search_by_pinyin_initials_opens_the_indicator(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/?city=xiamen&lang=zh")
    page.wait_for_selector(".theme-card", timeout=30000)
    page.locator(".shell-search").click()
    page.keyboard.type("kqzlyl")  # 空气质量优良…
    page.get_by_role("option").first.click()
    page.wait_for_selector(".history-graph .main-svg", timeout=30000)
    assert "/indicator/" in page.url and "city=xiamen" in page.url
    assert "空气质量优良" in page.locator(".page-title").inner_text()
    assert page_problems == CLEAN


PAGES = [
    ("/", ".theme-card"),
    (f"/indicator/{INDICATOR}", ".history-graph .main-svg"),
    ("/themes/economy", ".group-page .tile"),
    ("/topics/safety", ".group-page .tile"),
    ("/area/350203", ".area-page .theme-card"),
    ("/catalog", ".ag-row, .catalog-item"),
    ("/alerts", "#alerts-list button"),
]


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_accessibility(page, live_server, viewport, path, ready):
    page.goto(f"{live_server}{path}?city=xiamen&lang=zh")
    page.wait_for_selector(ready, timeout=30000)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
@pytest.mark.parametrize(("path", "ready"), [PAGES[0], PAGES[1], PAGES[5], PAGES[6]])
def test_accessibility_on_a_phone(page, live_server, viewport, path, ready):
    test_accessibility(page, live_server, viewport, path, ready)


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_home_leads_to_a_theme_a_district_and_the_alerts(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/?city=ningde&lang=en")
    page.wait_for_selector(".theme-card", timeout=30000)
    page.locator(".theme-card .card-title a", has_text="Market").click()
    page.wait_for_selector(".group-page .tile", timeout=30000)
    assert "/themes/market" in page.url and "city=ningde" in page.url and "lang=en" in page.url
    page.go_back()
    page.wait_for_selector(".theme-card", timeout=30000)
    page.locator(".chips .chip").nth(1).click()
    page.wait_for_selector(".area-page .theme-card", timeout=30000)
    assert "/area/3509" in page.url and "Rank among districts" in page.inner_text(".area-page")
    page.get_by_role("link", name="Alerts").click()
    page.wait_for_selector("#alerts-list button", timeout=30000)
    assert "/alerts" in page.url and "city=ningde" in page.url
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["mobile", "pc"], indirect=True)
def test_phone_tab_bar(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/?city=xiamen&lang=zh")
    page.wait_for_selector(".theme-card", timeout=30000)
    tabs = page.locator(".shell-tabs .tab")
    if viewport["name"] == "pc":
        assert not page.locator(".shell-tabs").is_visible()
        return
    assert tabs.count() == 4 and [tabs.nth(i).inner_text() for i in range(4)] == ["总览", "预警", "指标", "地图"]
    assert min(tabs.nth(i).bounding_box()["height"] for i in range(4)) >= 44
    bar = page.locator(".shell-tabs").bounding_box()
    assert abs(bar["y"] + bar["height"] - viewport["height"]) < 2  # pinned to the bottom
    tabs.nth(1).click()
    page.wait_for_selector("#alerts-list button", timeout=30000)
    assert "/alerts" in page.url and "tab is-active" in tabs.nth(1).get_attribute("class")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / "tabs-mobile.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["wall"], indirect=True)
def test_on_a_video_wall_the_charts_type_grows_with_the_page(page, live_server, page_problems, viewport):
    """At 3840×2160 the tokens double the page's text; the charts' type, margins and height double with it."""
    page.goto(f"{live_server}/indicator/{INDICATOR}?city=xiamen&lang=zh")
    page.wait_for_selector(".history-graph .main-svg .xtick text", timeout=30000)
    wait_until(page, "document.querySelector('.history-graph .js-plotly-plot')?.layout?.font?.size === 26")
    page.wait_for_timeout(300)
    tick = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.history-graph .xtick text')).fontSize)")
    page_text = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.meta-list dd')).fontSize)")
    assert tick >= 24 and tick >= 0.8 * page_text, (tick, page_text)
    height = page.evaluate("document.querySelector('.history-graph .js-plotly-plot').getBoundingClientRect().height")
    assert height >= 700  # the 1920 layout's chart, doubled: not a strip across a 2160-high page
    page.locator(".chips .chip", has_text="思明区").click()  # a new figure from the server is scaled again
    wait_until(page, "document.querySelector('.history-graph')?.closest('.card')?.innerText.includes('思明区')")
    wait_until(page, "document.querySelector('.history-graph .js-plotly-plot')?.layout?.font?.size === 26")
    page.screenshot(path=str(artifacts_dir() / "indicator-wall-charts.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
@pytest.mark.parametrize("lang,hour,button", [("zh", "时", "近48小时"), ("en", ":00", "48h")])
def test_an_hourly_indicator_page_draws_its_last_48_hours(page, live_server, page_problems, viewport, lang, hour,
                                                          button):
    page.goto(f"{live_server}/indicator/ENV-AIR-101?city=xiamen&lang={lang}&area=350203")
    page.wait_for_selector(".history-graph .main-svg", timeout=30000)
    ticks = page.eval_on_selector_all(".history-graph .xtick text", "texts => texts.map(t => t.textContent)")
    assert len(ticks) >= 6 and all(hour in tick for tick in ticks), ticks
    assert button in page.locator(".history-graph .rangeselector").text_content()
    assert page.locator(".data-table tbody tr").count() >= 12  # the newest hours, each against the hour before
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"indicator-hourly-{lang}-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN
