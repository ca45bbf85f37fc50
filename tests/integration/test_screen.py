"""The big screen (/screen) in headless Chromium: the 1920×1080 stage fills 1080p at scale 1 and
4K at scale 2 without scrollbars; themes, map and ticker show; kiosk mode, English, rotation and
the offline banner."""

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
READY = ".screen-tile"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=30000)
    page.wait_for_selector("#screen-stage[data-scale]", timeout=10000)
    page.wait_for_selector(".screen-map path.leaflet-interactive", timeout=10000)


@pytest.mark.parametrize(("viewport", "scale"), [("pc", 1), ("wall", 2)], indirect=["viewport"])
def test_stage_fills_the_screen(page, live_server, page_problems, viewport, scale):
    _open(page, f"{live_server}/screen?city=xiamen&lang=zh")
    width, height = viewport["width"], viewport["height"]
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [width, height]
    assert page.evaluate("[document.body.scrollWidth, document.body.scrollHeight]") == [width, height]
    assert float(page.get_attribute("#screen-stage", "data-scale")) == scale
    box = page.locator("#screen-stage").bounding_box()
    assert [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, width, height]
    assert page.locator(".shell-header").is_hidden()  # bare page: no app header
    # The five themes, the map, the counts and the ticker are on screen, nothing cut off.
    themes = page.locator(".screen-theme[data-theme]")
    assert themes.count() == 5
    for i in range(5):
        part = themes.nth(i).bounding_box()
        assert part["x"] >= 0 and part["y"] >= 0 and part["x"] + part["width"] <= width + 1
        assert part["y"] + part["height"] <= height + 1
        assert themes.nth(i).locator(".screen-tile").count() >= 2
    assert page.locator(".screen-map").is_visible() and page.locator(".screen-map path.leaflet-interactive:not(.alert-marker)").count() == 6
    assert page.locator(".screen-map path.alert-marker").count() >= 1  # the districts' open alerts
    ticker = page.locator(".screen-ticker").bounding_box()
    assert ticker["y"] + ticker["height"] <= height + 1 and page.locator(".screen-ticker").inner_text().strip()
    assert page.locator(".screen-count").count() == 4
    assert "经济发展" in page.inner_text(".screen-body") and "当前预警" in page.inner_text(".screen-counts")
    # Legible: the tiles' values are at least 38 stage pixels high, i.e. 76 px on the 4K wall.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.screen-tile-value')).fontSize)")
    assert size >= 38 and page.locator(".screen-tile-value").first.bounding_box()["height"] >= 38 * scale
    # Live clock in the browser; fresh data: no delay banner.
    first = page.inner_text("#screen-clock")
    assert "年" in first
    wait_until(page, f"document.getElementById('screen-clock').textContent !== {first!r}", timeout=3000)
    assert page.locator("#screen-stale").is_hidden() and page.locator("#screen-offline").is_hidden()
    assert page.inner_text("#screen-asof") not in ("", "—")
    page.screenshot(path=str(artifacts_dir() / f"screen-{viewport['name']}.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_other_window_sizes_keep_proportions(page, live_server, page_problems, viewport):
    page.set_viewport_size({"width": 1280, "height": 1024})  # 5:4: letterboxed top and bottom
    _open(page, f"{live_server}/screen?city=ningde&lang=zh")
    box = page.locator("#screen-stage").bounding_box()
    assert round(box["width"]) == 1280 and round(box["height"]) == 720 and round(box["y"]) == 152
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [1280, 1024]
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_kiosk_hides_the_controls(page, live_server, page_problems, viewport):
    _open(page, f"{live_server}/screen?city=xiamen&lang=zh")
    assert page.locator(".screen-controls").is_visible()
    _open(page, f"{live_server}/screen?city=xiamen&lang=zh&kiosk=1")
    assert page.locator(".screen-controls").count() == 0
    assert page.locator(".leaflet-control-zoom").is_hidden()
    assert page.evaluate("getComputedStyle(document.querySelector('.screen-tile')).cursor") == "none"
    page.screenshot(path=str(artifacts_dir() / "screen-kiosk.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_english_and_a_topic_screen(page, live_server, page_problems, viewport):
    _open(page, f"{live_server}/screen?city=ningde&lang=en&topic=safety")
    assert page.inner_text("#screen-title") == "Ningde · Public safety"
    text = page.inner_text("#screen-stage")
    for part in ("Economy", "Social governance", "Open alerts", "Health score", "Data as of", "Districts ·"):
        assert part in text, part
    assert "经济发展" not in text and "当前预警" not in text
    assert page.locator(".screen-control.is-active", has_text="Public safety").count() == 1
    page.screenshot(path=str(artifacts_dir() / "screen-en-topic.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_rotation_cycles_and_a_touch_pauses_it(page, live_server, page_problems, viewport):
    _open(page, f"{live_server}/screen?city=xiamen&lang=zh&rotate=5&kiosk=1")
    assert page.inner_text("#screen-title") == "厦门市 · 城市运行一屏通览"
    wait_until(page, "document.getElementById('screen-title').textContent.includes('疫情防控')", timeout=12000)
    page.locator(".screen-map").click()  # a touch pauses the rotation for a minute
    title = page.inner_text("#screen-title")
    page.wait_for_timeout(7000)
    assert page.inner_text("#screen-title") == title
    assert page.evaluate("window.cityvitals.screen.pausedUntil - Date.now()") > 40000
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_banner_when_the_server_cannot_be_reached(page, live_server, viewport):
    _open(page, f"{live_server}/screen?city=xiamen&lang=zh")
    assert page.locator("#screen-offline").is_hidden()
    page.route(f"{live_server}/", lambda route: route.abort())
    assert page.evaluate("window.cityvitals.screen.ping()") is False
    assert page.locator("#screen-offline").is_visible()
    assert page.inner_text("#screen-offline") == "服务器连接中断，正在重连"
    page.unroute(f"{live_server}/")
    assert page.evaluate("window.cityvitals.screen.ping()") is True
    assert page.locator("#screen-offline").is_hidden()
