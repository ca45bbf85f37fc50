"""No text cut, no text drawn over other text, on every page at 390×844, 1920×1080 and 3840×2160, in Chinese and
English (issue 17): no element with text whose text is wider (or, where it hides overflow, taller) than its box, and
no two lines of text that overlap. On a phone the header is compact, the first
tile (or alert, or indicator) shows above the fold and the tab bar marks the page's section; a stock axe run is
clean at every size. Screenshots of every page go to ``artifacts/``."""

from __future__ import annotations

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = pytest.mark.browser

# path → (what shows once the page has its data, the first figure a phone must show above the fold, its tab)
PAGES = {
    "/": (".theme-card", ".theme-card", "总览"),
    "/themes/economy": (".group-page .tile", ".group-page .tile", "指标"),
    "/topics/health": (".group-page .tile", ".group-page .tile", "指标"),
    "/alerts": (".alert-row", ".alert-row", "预警"),
    "/catalog": (".ag-center-cols-container .ag-row, .catalog-item", ".ag-center-cols-container .ag-row, .catalog-item",
                 "指标"),
    "/area/350203": (".area-page .theme-card", ".area-page .theme-card", "总览"),
    "/indicator/ECO-GDP-001": (".history-graph .main-svg", ".history-graph", "指标"),
}
TABS_EN = {"总览": "Overview", "预警": "Alerts", "指标": "Indicators"}
PHONE_HEADER_MAX = 82  # px: the header was 133 px (issue 17), then 102; the search keeps a 44 px touch target

# Every element with text of its own, except what draws its own text (charts, maps, grids, form controls) and what
# is only for screen readers; each is checked against its box, and each line of text against every other.
FIT = """() => {
  const skip = 'svg, .js-plotly-plot, .ag-root-wrapper, .leaflet-container, .dash-dropdown, input, textarea, select, '
             + 'script, style, .sr-only, .visually-hidden, .ag-aria-description-container';
  // A text's box is its nearest ancestor that is not inline: a tile's name holds the link that holds the words.
  const flowing = e => ['inline', 'contents'].includes(getComputedStyle(e).display);
  const holderOf = n => { let e = n.parentElement; while (e && flowing(e)) e = e.parentElement; return e; };
  const shown = e => { const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && e.innerText && e.innerText.trim(); };
  const texts = new Map();  // holder → its text nodes
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim() || !n.parentElement || n.parentElement.closest(skip)) continue;
    const holder = holderOf(n);
    if (holder && shown(holder)) texts.set(holder, [...(texts.get(holder) || []), n]);
  }
  const els = [...texts.keys()];
  const cut = els.filter(e => {
    const cs = getComputedStyle(e);
    if (['auto', 'scroll'].includes(cs.overflowX)) return false;  // scrollers scroll
    return e.scrollWidth > e.clientWidth + 1 || (cs.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 1);
  }).map(e => `${e.className}: ${e.innerText.slice(0, 40)} (${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight})`);
  // Where each line of a text shows: its line box (glyphs reach past a tight line height), clipped by every ancestor
  // that clips; a fixed bar (the phone's tabs) is a layer of its own that the page scrolls under.
  const clip = (e, r) => { let [l, t, rt, b] = [r.left, r.top, r.right, r.bottom];
    for (let a = e.parentElement; a; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') { const q = a.getBoundingClientRect();
        l = Math.max(l, q.left); t = Math.max(t, q.top); rt = Math.min(rt, q.right); b = Math.min(b, q.bottom); } }
    return {left: l, top: t, right: rt, bottom: b}; };
  const layer = e => { for (let a = e; a; a = a.parentElement) if (getComputedStyle(a).position === 'fixed') return a;
    return null; };
  const lineBoxes = n => { const range = document.createRange(); range.selectNodeContents(n);
    const lh = parseFloat(getComputedStyle(n.parentElement).lineHeight);
    const line = r => (lh > 0 && r.height > lh) ? new DOMRect(r.left, r.top + (r.height - lh) / 2, r.width, lh) : r;
    return [...range.getClientRects()].map(r => clip(n.parentElement, line(r))); };
  const lines = els.map(e => [e, texts.get(e).flatMap(lineBoxes), layer(e)]);
  const over = [];
  for (let i = 0; i < lines.length; i++) for (let j = i + 1; j < lines.length; j++) {
    const [a, ra, la] = lines[i], [b, rb, lb] = lines[j];
    if (a.contains(b) || b.contains(a) || la !== lb) continue;
    if (ra.some(p => rb.some(q => Math.min(p.right, q.right) - Math.max(p.left, q.left) > 2
                                  && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 2)))
      over.push(`${a.innerText.slice(0, 24)} × ${b.innerText.slice(0, 24)}`);
  }
  return {checked: els.length, cut, over};
}"""

# The other pages, signed in as an administrator: path → what shows once the page has its data.
OTHER_PAGES = {
    "/map": "#map-leaflet path.leaflet-interactive",
    "/screen": ".screen-tile, .screen-phone-item",
    "/province": ".province-table tr[data-city]",
    "/province/screen": ".province-rank",
    "/evaluation": ".evaluation-department",
    "/briefing": ".briefing-summary",
    "/inbox": ".page-title",
    "/data/quality": ".quality-ranking tbody tr",
    "/data/upload": "#upload-file",
    "/data/loads": ".loads-main",
    "/data/catalog": ".page-title",
    "/data/sources": ".page-title",
    "/admin/users": ".admin-page",
    "/admin/audit": ".admin-page",
    "/admin/topics": ".admin-topics-preview tr[data-topic]",
    "/admin/screens": ".admin-screens-stage .screen-tile",
    "/admin/notify": ".notify-forms",
}


def _fit(page) -> dict:
    return page.evaluate(FIT)


def _wait_for(page, selector: str) -> None:
    """Until an element of ``selector`` has a box (polled through page.evaluate, which the CSP allows)."""
    wait_until(page, "s => { const e = document.querySelector(s); return !!e && e.getBoundingClientRect().height > 0; }",
               arg=selector, timeout=30000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_is_cut_or_overlapping_on_the_main_pages(page, live_server, page_problems, viewport, lang):
    mobile = viewport["name"] == "mobile"
    problems = {}
    for path, (ready, first, tab) in PAGES.items():
        page.goto(f"{live_server}{path}?city=xiamen&lang={lang}")
        _wait_for(page, ready)
        page.wait_for_timeout(600)  # web fonts and the header's fit (21-header-fit.js) settle
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(artifacts_dir() / f"text-fit-{name}-{viewport['name']}-{lang}.png"))
        found = _fit(page)
        assert found["checked"] >= 10, (path, found)  # the check saw the page's text
        if found["cut"] or found["over"]:
            problems[path] = {"cut": found["cut"][:10], "over": found["over"][:10]}
        if mobile:
            header = page.locator(".shell-header").bounding_box()
            assert header["height"] <= PHONE_HEADER_MAX, (path, header)
            top = page.locator(first).first.bounding_box()
            assert top["y"] < viewport["height"] - 56, (path, top)  # above the fold, clear of the tab bar
            active = page.locator(".shell-tabs .tab.is-active").all_inner_texts()
            assert active == [tab if lang == "zh" else TABS_EN[tab]], (path, active)
        if lang == "zh":  # stock axe (WCAG 2 A/AA) at every size, with the folded filters and the compact header
            assert_accessible(page)
    assert problems == {}
    assert page_problems == {"console": [], "offsite": [], "failed": []}


def _sign_in(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/login?lang=zh&next=/data/sources")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click(".login-submit")
    page.wait_for_selector(".data-page .page-title", timeout=30000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_is_cut_or_overlapping_on_every_other_page(page, live_server, admin_account, page_problems, viewport,
                                                            lang):
    """The walls, maps, briefing, evaluation, data desk and administration, as an administrator sees them."""
    _sign_in(page, live_server, *admin_account)
    problems = {}
    for path, ready in OTHER_PAGES.items():
        page.goto(f"{live_server}{path}?city=xiamen&lang={lang}")
        page.wait_for_selector(ready, state="attached", timeout=30000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(600)  # web fonts, the wall's scale and the header's fit settle
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(artifacts_dir() / f"text-fit-{name}-{viewport['name']}-{lang}.png"))
        found = _fit(page)
        assert found["checked"] >= 10, (path, found)  # the check saw the page's text
        if found["cut"] or found["over"]:
            problems[path] = {"cut": found["cut"][:10], "over": found["over"][:10]}
        if lang == "zh":  # stock axe (WCAG 2 A/AA) on every page at every size
            assert_accessible(page)
    assert problems == {}
    assert page_problems == {"console": [], "offsite": [], "failed": []}


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
def test_the_check_finds_cut_and_overlapping_text(page, live_server, viewport):
    """The check above can fail: a tile name squeezed into a box too small, a unit moved onto the value."""
    page.goto(f"{live_server}/themes/economy?city=xiamen&lang=en")
    _wait_for(page, ".group-page .tile")
    assert _fit(page)["cut"] == []
    page.evaluate("""() => {
        const name = document.querySelector('.tile-name');
        Object.assign(name.style, {width: '40px', whiteSpace: 'nowrap', overflow: 'hidden'});
        const unit = document.querySelector('.tile-unit');
        Object.assign(unit.style, {position: 'relative', left: '-30px'});
    }""")
    found = _fit(page)
    assert len(found["cut"]) == 1 and found["cut"][0].startswith("tile-name")
    assert found["over"]
