"""What a phone downloads: static files compressed under strong ETags and revalidated with 304, fingerprinted ones
cached for good and never tied to the session cookie; AG Grid and Leaflet only on pages that show them; plotly.js's
basic bundle for the charts; a second visit that takes nothing static again in full (benchmarks/mobile_transfer.py
measures the same way, page by page)."""

from __future__ import annotations

import html
import json
import re
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import brotli
import pytest
from plotly.offline import get_plotlyjs_version

from benchmarks.mobile_transfer import measure
from web import static_files
from web.static_files import PLOTLY_PATH, CompressedBodies, digest_of

HOME = "/?city=xiamen&lang=zh"


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a GET, without following anything or decoding the body."""
    try:
        with urlopen(Request(url, headers=headers), timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def index(live_server: str) -> str:
    """The page the app serves (the demo visitor is signed in on the way)."""
    return fetch(live_server + HOME)[2].decode()


def test_a_stylesheet_is_compressed_revalidated_and_cached_for_good_under_its_fingerprint(live_server):
    href = re.search(r'href="(/assets/_bundle\.css\?m=[^"]+)"', index(live_server)).group(1)
    status, headers, body = fetch(live_server + href, **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert status == 200 and headers["content-encoding"] == "br" and len(body) == int(headers["content-length"])
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = headers["etag"]
    assert etag.startswith('"') and etag.endswith('-br"')  # strong, and this encoding's
    assert "set-cookie" not in headers and "cookie" not in headers["vary"].lower()
    assert "accept-encoding" in headers["vary"].lower()
    again = fetch(live_server + href, **{"Accept-Encoding": "gzip, deflate, br, zstd", "If-None-Match": etag})
    assert again[0] == 304 and again[2] == b""
    # Another encoding is another representation: its own ETag, and the Brotli one does not match it.
    status, gzipped, _ = fetch(live_server + href, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert status == 200 and gzipped["content-encoding"] == "gzip" and gzipped["etag"] != etag


def test_a_url_that_is_not_this_version_of_the_file_is_revalidated_not_kept(live_server):
    for path in ("/assets/10-base.css", "/assets/10-base.css?m=1", "/assets/_bundle.css?m=1",
                 "/_dash-component-suites/dash/dcc/async-dropdown.js"):
        status, headers, _ = fetch(live_server + path, **{"Accept-Encoding": "br"})
        assert status == 200 and headers["cache-control"] == "no-cache", path
        assert fetch(live_server + path, **{"Accept-Encoding": "br", "If-None-Match": headers["etag"]})[0] == 304


def test_the_assets_come_as_one_stylesheet_and_one_script_in_order(live_server):
    page = index(live_server)
    stylesheets = re.findall(r'<link rel="stylesheet" href="(/assets/[^"]+)"', page)
    scripts = [src for src in re.findall(r'<script src="([^"]+)"', page) if src.startswith("/assets/")]
    assert [href.split("?")[0] for href in stylesheets] == ["/assets/_bundle.css"]
    assert [src.split("?")[0] for src in scripts] == ["/assets/_bundle.js"]
    css = fetch(live_server + stylesheets[0])[2].decode()
    assert css.index("--level-red") < css.index(".shell-header") < css.index(".phone-row")  # 00-…, 20-…, 92-…
    js = fetch(live_server + scripts[0])[2].decode()
    assert js.index("cityvitals-lazy-libraries") < js.index("window.deskGrids")  # 01-… before 92-…
    # The renderer comes after the assets' scripts (01-lazy-libraries.js must wrap fetch before it starts).
    every = re.findall(r'<script src="([^"]+)"', page)
    assert every.index(scripts[0]) < next(i for i, src in enumerate(every) if "dash_renderer" in src)


def test_the_charts_get_plotly_basic_bundle_of_the_version_plotly_expects(live_server):
    status, headers, body = fetch(live_server + PLOTLY_PATH)
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}".encode() in body[:200]
    assert len(body) < 1_300_000  # the full bundle is 4.8 MB


def test_grid_and_map_libraries_are_not_in_the_page_but_named_for_loading(live_server):
    page = index(live_server)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert any("dash_core_components" in src for src in scripts)
    assert not any("dash_ag_grid" in src or "dash_leaflet" in src for src in scripts)
    meta = re.search(r'<meta name="cityvitals-lazy-libraries" content="([^"]+)">', page).group(1)
    libraries = json.loads(html.unescape(meta))
    assert set(libraries) == {"dash_ag_grid", "dash_leaflet"}
    for url in libraries.values():
        status, headers, _ = fetch(live_server + url)
        assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
def test_a_phone_downloads_grid_map_and_chart_code_only_where_they_show(page, live_server, page_problems, viewport):
    loaded: list[str] = []
    page.on("request", lambda request: request.resource_type == "script" and loaded.append(request.url))

    def scripts_of(path: str, ready: str) -> list[str]:
        loaded.clear()
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(ready, timeout=30000)
        page.wait_for_load_state("networkidle")
        return list(loaded)

    home = scripts_of(HOME, ".theme-card")
    assert not [url for url in home if "dash_ag_grid" in url or "dash_leaflet" in url or "plotly" in url]
    # The phone's catalog is a list: no grid code (the PC's grid loads it, tests/integration/test_catalog.py).
    catalog = scripts_of("/catalog?city=xiamen&lang=zh", ".catalog-item")
    assert not [url for url in catalog if "dash_ag_grid" in url or "dash_leaflet" in url or "plotly" in url]
    # The indicator page's district map lies far below the chart: drawn, with Leaflet, only once scrolled to.
    indicator = scripts_of("/indicator/ECO-GDP-001?city=xiamen&lang=zh", ".history-graph .main-svg")
    page.wait_for_timeout(1500)  # past the moment a part near the screen waits for the charts above it
    assert [url for url in indicator if "plotly" in url] and not [url for url in loaded if "dash_leaflet" in url]
    assert page.locator("#indicator-map").count() == 0
    page.locator("#indicator-map-slot").scroll_into_view_if_needed()
    page.wait_for_selector("#indicator-map .district-label", timeout=30000)
    assert [url for url in loaded if "dash_leaflet" in url]
    assert page_problems == {"console": [], "offsite": [], "failed": []}


@pytest.mark.parametrize("viewport", ["mobile"], indirect=True)
@pytest.mark.parametrize(("path", "ready"), [(HOME, ".theme-card"), ("/map?city=xiamen&lang=zh", ".map-page")])
def test_a_second_visit_takes_no_static_file_again(page, live_server, viewport, path, ready):
    first = measure(page, live_server + path, ready)
    second = measure(page, live_server + path, ready)
    assert first.requests > 15 and second.from_cache > 8  # the page's scripts and the assets' two bundles
    assert second.static_full == [], second.static_full  # each one from the cache, or 304 without a body
    assert second.bytes < first.bytes / 4


def test_compressed_bodies_are_kept_for_other_workers_and_a_tampered_one_is_not_served(tmp_path, monkeypatch):
    raw = b"window.answer = 42;\n" * 400
    digest = digest_of(raw)
    first = CompressedBodies(tmp_path)
    body = first.get(digest, "br", raw)
    assert brotli.decompress(body) == raw and (tmp_path / f"{digest}.br").read_bytes() == body

    def no_compressing(*_):
        raise AssertionError("compressed again")

    monkeypatch.setattr(static_files, "compress", no_compressing)
    assert CompressedBodies(tmp_path).get(digest, "br", raw) == body  # another worker, or after a restart
    (tmp_path / f"{digest}.br").write_bytes(brotli.compress(b"alert('not the file')"))
    monkeypatch.undo()
    again = CompressedBodies(tmp_path).get(digest, "br", raw)
    assert brotli.decompress(again) == raw  # a body that does not unpack to the file is compressed anew


def test_the_babel_polyfill_url_serves_regenerator_alone(live_server):
    path = re.search(r'<script src="(/_dash-component-suites/dash/deps/polyfill@[^"]+)"', index(live_server)).group(1)
    status, headers, body = fetch(live_server + path)
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"regeneratorRuntime = runtime" in body and len(body) < 30_000  # Babel's polyfill is 99 KB
