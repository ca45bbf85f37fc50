"""The analyst's map in headless Chromium: districts drawn, recoloured by indicator, colouring and
period (through the layer's hideout, never resending the geometry), a district's panel, phone
layout and an accessibility scan."""

import re

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
# The districts: the alert markers and facility points are leaflet paths too.
PATHS = "#map-leaflet path.leaflet-interactive:not(.alert-marker):not(.facility-point)"
XIAMEN_DISTRICTS = 6
LEVEL_FILLS = {"#d92d20", "#f07a17", "#e8b800", "#2f6fdb", "#1f9d55", "#98a2b3"}
QUANTILE_FILLS = {"#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c", "#98a2b3"}
PM25 = "ENV-AIR-010"  # monthly PM2.5, μg/m³, with district data


def _fills(page) -> list[str]:
    return page.eval_on_selector_all(PATHS, "paths => paths.map(p => p.getAttribute('fill'))")


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _geometry_answers(page) -> list[str]:
    """Record the callback answers that carry GeoJSON features (there must be none)."""
    carried: list[str] = []

    def check(response):
        if "_dash-update-component" in response.url and '"features"' in response.text():
            carried.append(response.url)

    page.on("response", check)
    return carried


def _overlapping_slider_labels(page) -> list[str]:
    """Pairs of shown period labels under the time slider that run into each other (less than 4 px apart)."""
    return page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('#map-slider .dash-slider-mark, .map-slider .dash-slider-mark')]
            .filter(mark => mark.offsetParent !== null)
            .map(mark => [mark.innerText, mark.getBoundingClientRect()]);
        return boxes.slice(1).filter(([, box], i) => box.left < boxes[i][1].right + 4)
            .map(([text], i) => boxes[i][0] + ' / ' + text);
    }""")


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_map_recolours_animates_and_opens_a_district(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/map?city=xiamen&lang=zh&mode=quantile")
    page.wait_for_selector(PATHS, timeout=30000)
    geometry = _geometry_answers(page)
    assert page.locator(PATHS).count() == XIAMEN_DISTRICTS
    assert set(_fills(page)) <= QUANTILE_FILLS and len(set(_fills(page))) >= 2
    assert "OpenStreetMap" in page.locator(".map-attribution").inner_text()
    assert page.locator(".leaflet-tile").count() == 0  # no tiles unless CITYVITALS_TILE_URL is set

    # Pick another indicator by its pinyin initials: the tooltips and URL follow, the paths stay.
    page.locator("#map-code").click()
    page.locator(".dash-dropdown-search").fill("xklwpm25pj")  # 细颗粒物（PM2.5）平均浓度
    page.get_by_role("option", name=re.compile(PM25)).click()
    wait_until(page, f"location.search.includes('code={PM25}')")
    assert page.locator(PATHS).count() == XIAMEN_DISTRICTS
    if viewport["name"] == "pc":
        page.locator(PATHS).nth(2).hover(force=True)
        page.wait_for_selector(".map-tip", timeout=15000)
        tip = page.locator(".map-tip").inner_text()
        assert "μg/m³" in tip and "等级" in tip and "截至" in tip

    # Colour by warning level.
    page.get_by_role("button", name="预警等级").click()
    wait_until(page, "location.search.includes('mode=level')")
    assert page.get_by_role("button", name="预警等级").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="五分位").get_attribute("aria-pressed") == "false"
    wait_until(page, f"[...document.querySelectorAll('{PATHS}')].every(p => {sorted(LEVEL_FILLS)}.includes(p.getAttribute('fill')))")
    assert page.locator(".map-legend-item").count() == 6

    # The slider moves the period: Home goes to the first one.
    newest = page.locator("#map-period-text").inner_text()
    newest_query = page.evaluate("location.search")
    page.locator("#map-slider [role=slider]").focus()
    page.keyboard.press("Home")
    wait_until(page, f"document.querySelector('#map-period-text').innerText !== {newest!r}")
    wait_until(page, f"location.search !== {newest_query!r}")
    first = page.locator("#map-period-text").inner_text()
    assert first != newest and re.search(r"period=\d{4}-\d{2}-01", page.url)

    # Play moves on by itself; pause stops it.
    page.locator("#map-play").click()
    wait_until(page, f"document.querySelector('#map-period-text').innerText !== {first!r}", timeout=30000)
    page.locator("#map-play").click()
    wait_until(page, "document.querySelector('#map-play').innerText.includes('播放')", timeout=10000)
    paused = page.locator("#map-period-text").inner_text()
    page.wait_for_timeout(1500)  # several play intervals: a paused map stays where it is
    assert page.locator("#map-period-text").inner_text() == paused

    # A click on a district opens its panel with a link to its page.
    page.locator(PATHS).nth(0).click(force=True)
    page.wait_for_selector(".map-panel-body", timeout=30000)
    link = page.locator(".map-panel-link")
    assert re.fullmatch(r"/area/3502\d\d\?city=xiamen&lang=zh", link.get_attribute("href"))
    assert page.locator(".map-panel-body .level-badge").count() >= 1
    wait_until(page, "location.search.includes('area=3502')")
    assert page.locator(PATHS).count() == XIAMEN_DISTRICTS
    assert _no_horizontal_overflow(page)
    assert _overlapping_slider_labels(page) == []
    page.screenshot(path=str(artifacts_dir() / f"map-{viewport['name']}.png"), full_page=viewport["name"] == "mobile")
    if viewport["name"] == "mobile":  # the panel is under the map, not beside it
        map_box, panel_box = page.locator("#map-leaflet").bounding_box(), page.locator("#map-panel").bounding_box()
        assert panel_box["y"] >= map_box["y"] + map_box["height"] and map_box["width"] >= 330
    assert geometry == []  # the map page never sent its districts again (the district page draws its own map)
    link.click()
    page.wait_for_selector(".area-page .theme-card", timeout=30000)
    assert "/area/3502" in page.url
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_before_a_click_the_panel_ranks_the_districts(page, live_server, page_problems, viewport):
    """The side panel is not one hint line: it ranks the districts by the map's indicator (PM2.5, lower is
    better, so the cleanest first), and a row opens that district's panel."""
    page.goto(f"{live_server}/map?city=xiamen&lang=en&code={PM25}")
    page.wait_for_selector(".map-rank-row", timeout=30000)
    page.wait_for_load_state("networkidle")  # the panel is drawn with the page, then once more for the slider
    rows = page.locator(".map-rank-row")
    assert rows.count() == XIAMEN_DISTRICTS
    texts = page.locator(".map-rank-value").all_inner_texts()
    assert all(re.match(r"\d+(\.\d+)? μg/m³$", text) for text in texts), texts
    values = [float(text.split()[0]) for text in texts]
    assert values == sorted(values) and values[0] < values[-1]
    assert "best first" in page.locator(".map-rank-what").inner_text()
    widths = page.eval_on_selector_all(".map-rank-bar", "bars => bars.map(b => Math.round(b.getBoundingClientRect().left))")
    assert len(set(widths)) == 1  # the bars line up
    last = page.locator(".map-rank-name").nth(XIAMEN_DISTRICTS - 1).inner_text()
    rows.nth(XIAMEN_DISTRICTS - 1).click()
    page.wait_for_selector(".map-panel-body", timeout=30000)
    assert page.locator(".map-panel-title").inner_text() == last
    wait_until(page, "location.search.includes('area=3502')")
    page.locator("#map-panel-close").click()
    page.wait_for_selector(".map-rank-row", timeout=30000)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_the_district_page_maps_open_alerts_and_a_click_opens_another_district(page, live_server, page_problems,
                                                                               viewport):
    page.goto(f"{live_server}/area/350203?city=xiamen&lang=zh")  # 思明区
    districts = "#area-map path.leaflet-interactive:not(.alert-marker)"
    page.wait_for_selector(districts, timeout=30000)
    wait_until(page, "document.querySelectorAll('#area-map .district-label span').length >= 5")
    assert page.locator(districts).count() == XIAMEN_DISTRICTS
    assert set(page.eval_on_selector_all(districts, "ps => ps.map(p => p.getAttribute('fill'))")) <= LEVEL_FILLS
    widths = page.eval_on_selector_all(districts, "ps => ps.map(p => p.getAttribute('stroke-width'))")
    assert widths.count("3") == 1  # this district is outlined
    assert "最高等级" in page.inner_text(".area-map-title")
    outlined = widths.index("3")
    page.locator(districts).nth((outlined + 1) % XIAMEN_DISTRICTS).click(force=True)
    wait_until(page, "/\\/area\\/3502\\d\\d/.test(location.pathname) && !location.pathname.endsWith('350203')")
    page.wait_for_selector(".area-page .theme-card", timeout=30000)
    page.screenshot(path=str(artifacts_dir() / "area-map-pc.png"), full_page=True)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_map_state_comes_from_the_url_in_english(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/map?city=ningde&lang=en&code={PM25}&mode=level&area=350902")
    page.wait_for_selector(".map-panel-body", timeout=30000)
    page.wait_for_selector(PATHS, timeout=30000)  # the panel can arrive before Leaflet draws
    assert page.locator(PATHS).count() == 9  # Ningde's districts and counties
    assert page.locator(".map-panel-link").get_attribute("href") == "/area/350902?city=ningde&lang=en"
    assert "Open alerts" in page.locator("#map-panel").inner_text()
    assert "PM2.5" in page.locator("#map-code").inner_text()
    page.locator("#map-panel-close").click()
    page.wait_for_selector(".map-panel-hint", timeout=30000)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_map_accessibility(page, live_server, viewport):
    page.goto(f"{live_server}/map?city=xiamen&lang=zh&area=350203")
    page.wait_for_selector(".map-panel-body", timeout=30000)
    page.wait_for_selector(PATHS, timeout=30000)
    assert_accessible(page)


# Schools (or any points) on the map: the counts of the clusters plus the single points.
MARKERS = """() => [...document.querySelectorAll('#map-leaflet .marker-cluster span')]
    .reduce((sum, span) => sum + parseInt(span.textContent, 10), 0)
    + document.querySelectorAll('#map-leaflet path.facility-point').length"""


def _polygon_answers(page) -> list[str]:
    """Record the callback answers that carry district polygons (there must be none)."""
    carried: list[str] = []

    def check(response):
        if "_dash-update-component" in response.url and '"Polygon"' in response.text().replace("Multi", ""):
            carried.append(response.url)

    page.on("response", check)
    return carried


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_education_map_shows_clustered_schools(page, live_server, page_problems, viewport):
    from geo.cities import get_city
    from indicators.demo.facilities import demo_facilities

    # How many schools a district gets depends on its population only, not on the seed.
    schools = sum(1 for row in demo_facilities(get_city("xiamen"), seed=1) if row["kind"] == "school")
    page.goto(f"{live_server}/map?city=xiamen&lang=zh&theme=education")
    page.wait_for_selector("#map-leaflet .marker-cluster", timeout=30000)
    assert "教育一张图" in page.locator("#map-theme").inner_text()
    assert "PUB-EDU-009" in page.locator("#map-code").inner_text()
    assert page.locator("#map-leaflet .marker-cluster").count() >= 2
    assert page.evaluate(MARKERS) == schools
    assert page.locator("path.facility-point:not(.facility-school)").count() == 0
    districts = PATHS
    assert page.locator(districts).count() == XIAMEN_DISTRICTS
    assert page.get_by_role("button", name="学校").get_attribute("aria-pressed") == "true"

    # Adding the hospitals adds their points; the districts' geometry is not sent again.
    polygons = _polygon_answers(page)
    page.get_by_role("button", name="医院").click()
    wait_until(page, f"({MARKERS})() > {schools}", timeout=30000)
    assert page.get_by_role("button", name="医院").get_attribute("aria-pressed") == "true"
    assert page.locator(districts).count() == XIAMEN_DISTRICTS
    page.screenshot(path=str(artifacts_dir() / "map-education.png"))
    assert polygons == []
    assert page_problems == CLEAN
