"""Frames per second of the map's playback in headless Chromium: how many distinct periods the
choropleth shows per second while playing (each one a server round trip that recolours the
districts through ``hideout``). The issue's bar: at least 2 frames per second.

Run against a running server: ``.venv/bin/python benchmarks/map_playback.py [--url URL] [--seconds 8]``.
"""

from __future__ import annotations

import argparse
import time

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--path", default="/map?city=xiamen&lang=zh&code=ENV-AQ-001")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        page.goto(args.url + args.path)
        page.wait_for_selector(".leaflet-interactive", timeout=30000)
        page.locator("#map-slider [role=slider]").focus()
        page.keyboard.press("Home")  # start from the first period so the history is long enough to play
        page.wait_for_timeout(1500)
        page.locator("#map-play").click()
        seen, started = [], time.perf_counter()
        while time.perf_counter() - started < args.seconds:
            text = page.inner_text("#map-period-text")
            if not seen or seen[-1] != text:
                seen.append(text)
            page.wait_for_timeout(50)
        frames = len(seen) - 1
        fps = frames / args.seconds
        print(f"playback: {frames} periods in {args.seconds:.0f} s = {fps:.1f} frames per second (bar ≥ 2)")
        browser.close()
    return 0 if fps >= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
