"""Bytes a phone downloads for a page: every response's encoded (compressed) size, as Chromium
counts it on the wire, for the first visit (empty cache) and a second one (browser cache warm).

Run against a running server (``python app.py`` or ``scripts/start``):
``.venv/bin/python benchmarks/mobile_transfer.py [--url http://127.0.0.1:8050] [--path /]``.
"""

from __future__ import annotations

import argparse
from collections import Counter

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def transfer(page, url: str, ready: str) -> tuple[int, Counter, int]:
    """Load ``url`` and wait for ``ready``; bytes on the wire in all, by resource type, and requests."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    kinds: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_selector(ready, timeout=60000)
    page.wait_for_load_state("networkidle")
    by_kind: Counter = Counter()
    for request, size in sizes.items():
        by_kind[kinds.get(request, "Other")] += size
    return sum(sizes.values()), by_kind, len(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--path", default="/?city=xiamen&lang=zh")
    parser.add_argument("--ready", default=".tile", help="CSS selector that means the page has its content")
    args = parser.parse_args(argv)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        for visit in ("first visit", "second visit"):
            total, by_kind, requests = transfer(page, args.url + args.path, args.ready)
            kinds = ", ".join(f"{kind} {size / 1024:.0f} KiB" for kind, size in by_kind.most_common())
            print(f"{visit}: {total / 1024:.0f} KiB in {requests} requests ({kinds})")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
