"""The province wall (/province/screen) in headless Chromium at 1920×1080 and 3840×2160: the stage scaled to the
window, the cities ranked on every figure, the province map drawn, the alert counts the province page's cities sum
to, no text cut off; on a phone the counts and panels one below the other instead of a shrunk stage."""

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
# Panels whose text overflows its box (a name cut by the panel, not by its own ellipsis).
OVERFLOWING = """() => [...document.querySelectorAll(
        '#screen-stage .province-panel .screen-theme-name, #screen-stage .screen-count-label')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


@pytest.mark.parametrize(("viewport", "scale"), [("pc", 1), ("wall", 2)], indirect=["viewport"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_province_wall_ranks_the_cities_on_the_stage(page, live_server, page_problems, viewport, scale, lang):
    page.goto(f"{live_server}/province/screen?city=xiamen&lang={lang}")
    page.wait_for_selector("#screen-stage[data-scale] .province-panel .province-rank", timeout=30000)
    page.wait_for_selector("#province-screen-map path.leaflet-interactive", timeout=20000)
    page.wait_for_timeout(300)
    assert float(page.get_attribute("#screen-stage", "data-scale")) == scale
    title = page.inner_text("#province-screen-title")
    assert title == ("福建省 · 城市运行比较" if lang == "zh" else "Fujian · cities at a glance")
    figures = page.eval_on_selector_all("#screen-stage .province-panel", "els => els.map(e => e.dataset.figure)")
    assert figures == ["overall", "score", "good_air_days", "gdp_growth", "industry_growth", "retail_per_capita"]
    for figure in figures:
        ranks = page.eval_on_selector_all(f"#screen-stage .province-panel[data-figure='{figure}'] .province-rank",
                                          "els => els.map(e => e.dataset.rank)")
        assert ranks == sorted(ranks) and len(ranks) >= 2 and ranks[0] == "1", (figure, ranks)
    assert page.locator("#province-screen-map path.leaflet-interactive").count() >= 2  # one outline per city
    counts = [int(v) for v in page.eval_on_selector_all("#screen-stage .screen-count-value",
                                                         "els => els.map(e => e.textContent)")]
    assert len(counts) == 4 and sum(counts) > 0
    assert page.evaluate(OVERFLOWING) == []
    link = page.locator("#screen-stage .province-panel[data-figure='overall'] .screen-rank-name").first.get_attribute(
        "href")
    assert link.startswith("/screen?city=")
    page.screenshot(path=str(artifacts_dir() / f"province-screen-{viewport['name']}-{lang}.png"), full_page=False)
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
def test_a_phone_gets_the_panels_one_below_the_other_not_a_shrunk_stage(page, live_server, page_problems, viewport):
    page.goto(f"{live_server}/province/screen?city=xiamen&lang=zh")
    page.wait_for_selector("#province-screen-phone .province-panel .province-rank", timeout=30000)
    assert not page.is_visible("#screen-stage")
    panels = page.locator("#province-screen-phone .province-panel")
    assert panels.count() == 6 and page.locator("#province-screen-phone .screen-count").count() == 4
    boxes = [panels.nth(i).bounding_box() for i in range(6)]
    assert all(b["width"] >= 340 for b in boxes) and all(a["y"] < b["y"] for a, b in zip(boxes, boxes[1:]))
    page.screenshot(path=str(artifacts_dir() / "province-screen-mobile.png"), full_page=False)
    clipped = page.eval_on_selector_all("#province-screen-phone .province-panel, #province-screen-phone .screen-theme-name",
                                        "els => els.filter(e => e.scrollHeight > e.clientHeight + 1"
                                        " || e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert clipped == []  # every city of every panel, and every title, whole
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page_problems == CLEAN


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_province_page_ranks_its_cities_on_a_map_and_links_to_each(page, live_server, page_problems, viewport,
                                                                       lang):
    page.goto(f"{live_server}/province?city=xiamen&lang={lang}")
    page.wait_for_selector(".province-table tr[data-city]", timeout=30000)
    page.wait_for_selector("#province-map path.leaflet-interactive", timeout=20000)
    assert page.inner_text(".province-head .page-title") == ("福建省 · 城市比较" if lang == "zh"
                                                              else "Fujian · cities compared")
    ranks = page.eval_on_selector_all(".province-table tbody tr", "rows => rows.map(r => r.cells[0].textContent)")
    assert len(ranks) >= 2 and ranks[0] == "1" and ranks == sorted(ranks)
    assert page.locator("#province-map path.leaflet-interactive").count() == len(ranks)
    # The map names its cities (a point inside each, not a centroid in the sea).
    wait_until(page, "document.querySelectorAll('#province-map .district-label span').length >= 2")
    names = set(page.eval_on_selector_all("#province-map .district-label span", "spans => spans.map(s => s.textContent)"))
    assert names == ({"厦门", "宁德"} if lang == "zh" else {"Xiamen", "Ningde"})
    # Every city's row links to the city, and the wall view is one tap away.
    links = page.eval_on_selector_all(".province-table tbody tr td:nth-child(2) a", "as => as.map(a => a.href)")
    assert all("/?city=" in link for link in links) and len(links) == len(ranks)
    assert "/province/screen?" in page.get_attribute(".province-wall-link", "href")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # the table scrolls inside
    page.screenshot(path=str(artifacts_dir() / f"province-{viewport['name']}-{lang}.png"), full_page=False)
    page.click(".province-wall-link")
    page.locator(".province-panel:visible").first.wait_for(timeout=30000)  # the stage, or a phone's panels
    assert page_problems == CLEAN
