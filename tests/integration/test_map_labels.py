"""Maps explain themselves (issue 17), in headless Chromium at 1920×1080: every district named on the map
with no two names on top of each other at any zoom, alert markers in their district's worst level with a
legend saying so, facility clusters in the layers' colours, names legible on the big screen's dark map."""

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
LEVEL_FILLS = {"#d92d20", "#f07a17", "#e8b800", "#2f6fdb"}
NAMES = {"zh": {"思明", "海沧", "湖里", "集美", "同安", "翔安"},
         "en": {"Siming", "Haicang", "Huli", "Jimei", "Tong'an", "Xiang'an"}}

SHOWN_LABELS = """(root) => [...document.querySelectorAll(root + ' .district-label:not(.is-hidden) span')].map(span => {
    const box = span.getBoundingClientRect();
    return {text: span.textContent, left: box.left, right: box.right, top: box.top, bottom: box.bottom,
            colour: getComputedStyle(span).color, size: parseFloat(getComputedStyle(span).fontSize)};
})"""


def _overlaps(labels: list[dict]) -> list[str]:
    return [f"{a['text']} / {b['text']}" for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_names_its_districts_without_overlap_at_every_zoom(page, live_server, page_problems, viewport, lang):
    page.goto(f"{live_server}/map?city=xiamen&lang={lang}")
    page.wait_for_selector("#map-leaflet .district-label span", timeout=30000)
    wait_until(page, "document.querySelectorAll('#map-leaflet .district-label').length === 6")
    box = page.locator("#map-leaflet").bounding_box()
    labels = page.evaluate(SHOWN_LABELS, "#map-leaflet")
    # At the opening zoom of a 1920 screen every district is named, inside the map, nothing on top of another.
    assert {label["text"] for label in labels} == NAMES[lang]
    assert _overlaps(labels) == []
    for label in labels:
        assert box["x"] <= label["left"] and label["right"] <= box["x"] + box["width"]
        assert box["y"] <= label["top"] and label["bottom"] <= box["y"] + box["height"]
        assert label["size"] >= 13
    # The alert markers: each in its district's worst level's colour (not all red), explained in a legend.
    fills = page.eval_on_selector_all("#map-leaflet path.alert-marker", "paths => paths.map(p => p.getAttribute('fill'))")
    assert fills and set(fills) <= LEVEL_FILLS
    legend = page.locator(".map-legend-alerts").inner_text()
    assert ("最高等级" in legend and "条数" in legend) if lang == "zh" else ("worst open alert" in legend)
    page.screenshot(path=str(artifacts_dir() / f"map-labels-1920-{lang}.png"))

    # Zoomed out, names that would run into each other give way to the larger district's.
    for _ in range(3):
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(600)
    far = page.evaluate(SHOWN_LABELS, "#map-leaflet")
    assert _overlaps(far) == [] and 1 <= len(far) < 6
    assert NAMES[lang] & {label["text"] for label in far} >= {"同安" if lang == "zh" else "Tong'an"}
    page.screenshot(path=str(artifacts_dir() / f"map-labels-zoomed-out-{lang}.png"))
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_clusters_take_the_layers_colours_not_leaflets(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/map?city=xiamen&lang=zh&theme=education")
    page.wait_for_selector("#map-leaflet .marker-cluster .map-cluster", timeout=30000)
    colours = page.eval_on_selector_all("#map-leaflet .map-cluster",
                                        "bubbles => bubbles.map(b => getComputedStyle(b).backgroundColor)")
    assert set(colours) == {"rgb(105, 65, 198)"}  # --layer-school, #6941c6
    assert "学校" in page.locator(".map-legend-layers").inner_text()
    # Names are drawn above bubbles and alert markers (their own pane), so a bubble never covers a district's name.
    z_order = page.evaluate("""() => {
        const z = selector => Number(getComputedStyle(document.querySelector(selector).closest('.leaflet-pane')).zIndex);
        return {names: z('#map-leaflet .district-label'), bubbles: z('#map-leaflet .marker-cluster'),
                alerts: z('#map-leaflet path.alert-marker')};
    }""")
    assert z_order["names"] > max(z_order["bubbles"], z_order["alerts"]), z_order
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_the_big_screen_names_districts_in_light_ink(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/screen?city=xiamen&lang=zh")
    page.wait_for_selector("#screen-map .district-label span", timeout=30000)
    labels = page.evaluate(SHOWN_LABELS, "#screen-map")
    assert {label["text"] for label in labels} <= NAMES["zh"] and len(labels) >= 5 and _overlaps(labels) == []
    assert {label["colour"] for label in labels} == {"rgb(255, 255, 255)"}
    page.screenshot(path=str(artifacts_dir() / "screen-labels-1920.png"))
    assert page_problems == CLEAN
