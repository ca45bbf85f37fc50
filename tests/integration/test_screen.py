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
    assert page.locator("#screen-stage .screen-count").count() == 4  # (the phone's summary is hidden)
    assert "经济发展" in page.inner_text(".screen-body") and "当前预警" in page.inner_text("#screen-stage .screen-counts")
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


@pytest.mark.parametrize(("viewport", "scale"), [("pc", 1), ("wall", 2)], indirect=["viewport"])
def test_an_imported_screen_definition_is_what_the_wall_draws(page, live_server, live_data_dir, live_store,
                                                               page_problems, viewport, scale):
    """An edited definition, imported with ``manage.py screen import``, reaches the wall without a restart:
    its title and its columns, at 1920×1080 and on the 4K wall alike; importing the shipped file brings it back."""
    import subprocess
    import sys

    from indicators.catalog.screens import SCREENS_PATH

    edited = SCREENS_PATH.read_text(encoding="utf-8").replace("城市运行一屏通览", "城市运行指挥大屏", 1).replace(
        """      - {panel: theme, theme: governance, tiles: 3}
      - {panel: theme, theme: environment, tiles: 3}
      - {panel: alert_list, items: 4}
""", """      - {panel: alert_list, items: 6}
      - {panel: theme, theme: environment, tiles: 2}
""", 1)
    source = live_data_dir / "edited-screens.yaml"
    source.write_text(edited, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "CITYVITALS_DATA_DIR": str(live_data_dir), "HOME": str(live_data_dir),
           "CITYVITALS_DATABASE_URL": live_store}

    def screen_import(path) -> None:
        subprocess.run([sys.executable, "manage.py", "screen", "import", str(path)], cwd=SCREENS_PATH.parents[2],
                       env=env, check=True, capture_output=True, timeout=120)

    screen_import(source)
    try:
        _open(page, f"{live_server}/screen?city=xiamen&lang=zh")
        assert page.inner_text("#screen-title") == "厦门市 · 城市运行指挥大屏"
        right = page.locator("#screen-right > section")
        assert right.count() == 2 and "最新预警" in right.nth(0).inner_text()
        assert right.nth(1).get_attribute("data-theme") == "environment"
        assert right.nth(1).locator(".screen-tile").count() == 2
        width, height = viewport["width"], viewport["height"]
        assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [
            width, height]
        for i in range(right.count()):
            box = right.nth(i).bounding_box()
            assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1
        assert float(page.get_attribute("#screen-stage", "data-scale")) == scale
        page.screenshot(path=str(artifacts_dir() / f"screen-imported-{viewport['name']}.png"), full_page=False)
        assert page_problems == CLEAN
    finally:
        screen_import(SCREENS_PATH)


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
def test_a_phone_gets_a_summary_not_the_shrunk_stage(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/screen?city=ningde&lang=zh&topic=lithium")
    page.wait_for_selector(".screen-phone-item", timeout=30000)
    assert page.locator("#screen-stage").is_hidden() and page.locator("#screen-phone").is_visible()
    assert page.inner_text(".screen-phone-title") == "宁德市 · 锂电新能源"
    codes = [page.locator(".screen-phone-item").nth(i).get_attribute("data-code")
             for i in range(page.locator(".screen-phone-item").count())]
    assert set(codes[:3]) == {"ECO-LIB-001", "ECO-LIB-002", "ECO-LIB-003"}  # the topic's headlines lead
    assert page.locator("#screen-phone .screen-count").count() == 4
    assert page.evaluate("document.getElementById('screen-phone').scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=str(artifacts_dir() / "screen-phone.png"), full_page=False)
    assert page_problems == CLEAN
