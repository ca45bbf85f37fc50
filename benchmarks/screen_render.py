"""Time to the first full render of the big screen in headless Chromium, at 1920×1080 and
3840×2160: from navigation to the moment the theme tiles, the district shapes and the alert
ticker are all on the page. The issue's bar: ≤ 2 s once the server is warm.

Run against a running server: ``.venv/bin/python benchmarks/screen_render.py [--url URL] [--repeat 5]``.
The first load of each size warms the server's caches and is not counted.
"""

from __future__ import annotations

import argparse
import statistics
import time

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Every part of the stage that needs data: tiles, the map's districts, the ticker's sentences.
READY = ("() => document.querySelectorAll('.screen-tile-value').length >= 10"
         " && document.querySelectorAll('.leaflet-interactive').length >= 6"
         " && document.querySelector('#screen-ticker')?.innerText.trim().length > 0")


def render_seconds(page, url: str) -> float:
    """Seconds from navigation until READY holds, polled every 20 ms through the DevTools protocol
    (Playwright's wait_for_function would eval inside the page, which the app's CSP forbids)."""
    started = time.perf_counter()
    page.goto(url)
    while not page.evaluate(READY):
        if time.perf_counter() - started > 30:
            raise SystemExit(f"the screen was not ready within 30 s: {url}")
        page.wait_for_timeout(20)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--path", default="/screen?city=xiamen&kiosk=1")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    failed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for width, height in ((1920, 1080), (3840, 2160)):
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            render_seconds(page, args.url + args.path)  # warms the server
            times = [render_seconds(page, args.url + args.path) for _ in range(args.repeat)]
            worst = max(times)
            failed |= worst > 2.0
            print(f"{width}×{height}: first full render median {statistics.median(times):.2f} s, "
                  f"worst {worst:.2f} s of {args.repeat} (bar ≤ 2 s){'  MISSED' if worst > 2.0 else ''}")
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
