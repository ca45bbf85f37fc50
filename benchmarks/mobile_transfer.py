"""Bytes a phone downloads for each page: every response's encoded (compressed) size, as Chromium counts it on
the wire, for a first visit (empty cache) and a second one (the same browser, cache warm), with how the second
visit's static files were answered (from the cache, or 304 Not Modified).

Run against a running server (``python app.py`` or ``scripts/start``):
``.venv/bin/python benchmarks/mobile_transfer.py [--url http://127.0.0.1:8050] [--page /map ...] [--user NAME]``.
Without ``--user`` the pages are measured as a demo-mode visitor (the demo leader); with it, signed in on the
login form as NAME (password from ``CITYVITALS_BENCH_PASSWORD``, else asked), which opens the data desk and
the admin pages too. Exits 1 when a page misses a budget (``--first-budget``/``--second-budget`` KiB).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
QUERY = "city=xiamen&lang=zh"
# Every page of the README with what shows that its content is there. The data desk and admin pages show their
# content to an account that may open them, a refusal (.notice-error) to others.
PAGES: list[tuple[str, str]] = [
    ("/", ".theme-card"),
    ("/themes/economy", ".group-page .tile"),
    ("/topics/health", ".group-page .tile"),
    ("/area/350203", ".area-page .theme-card"),
    ("/indicator/ECO-GDP-001", ".history-graph .main-svg"),
    ("/catalog", ".ag-row, .catalog-item"),
    ("/alerts", "#alerts-list button"),
    ("/map", "#map-leaflet path.leaflet-interactive"),
    ("/screen", ".screen-phone-item"),  # a phone gets the summary, not the stage
    ("/data/quality", ".quality-ranking tbody tr, .notice-error"),
    ("/data/upload", "#upload-file, .notice-error"),
    ("/data/loads", ".loads-page, .notice-error"),
    ("/data/catalog", "#dcat-grid .ag-row, #dcat-grid .phone-row, .notice-error"),
    ("/data/sources", ".src-page, .notice-error"),
    ("/admin/users", "#admin-users-grid .ag-row, #admin-users-grid .phone-row, .notice-error"),
    ("/admin/audit", ".admin-audit-grid .ag-row, .admin-audit-grid .phone-row, .notice-error"),
]


@dataclass
class Visit:
    """What one page load downloaded."""

    bytes: int = 0
    requests: int = 0
    by_kind: Counter = field(default_factory=Counter)
    from_cache: int = 0      # answered by the browser's cache without asking the server
    not_modified: int = 0    # revalidated: 304 with no body
    static_full: list[str] = field(default_factory=list)  # static files downloaded again in full


def is_static(url: str) -> bool:
    return "/assets/" in url or "/_dash-component-suites/" in url or "/_favicon.ico" in url


def measure(page, url: str, ready: str) -> Visit:
    """Load ``url``, wait for ``ready`` and for the network to settle; what went over the wire."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: dict[str, dict] = {}
    sizes: dict[str, int] = {}
    cached: set[str] = set()
    # The status on the wire: Chromium reports a revalidated answer as the cached 200, the 304 only here.
    wire_status: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: responses.__setitem__(e["requestId"], e))
    cdp.on("Network.responseReceivedExtraInfo", lambda e: wire_status.__setitem__(e["requestId"], e["statusCode"]))
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_selector(ready, timeout=60000)
    page.wait_for_load_state("networkidle")
    cdp.detach()
    visit = Visit()
    for request_id, size in sizes.items():
        event = responses.get(request_id)
        response = event["response"] if event else {}
        if response.get("url", "").startswith("data:"):
            continue  # drawn from the page itself (sparklines), nothing went over the wire
        visit.requests += 1
        visit.bytes += size
        visit.by_kind[event["type"] if event else "Other"] += size
        if request_id in cached or response.get("fromDiskCache") or response.get("fromMemoryCache"):
            visit.from_cache += 1
        elif wire_status.get(request_id, response.get("status")) == 304:
            visit.not_modified += 1
        elif is_static(response.get("url", "")):
            visit.static_full.append(re.sub(r"^https?://[^/]+", "", response["url"]))
    return visit


def sign_in(context, base: str, user: str, password: str) -> None:
    """Sign in as the login form does (through the context's request client: not counted as page traffic)."""
    form = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form)
    answer = context.request.post(f"{base}/login", form={"username": user, "password": password,
                                                          "csrf_token": token.group(1), "next": "/"},
                                  max_redirects=0)
    if answer.status != 302:
        raise SystemExit(f"sign-in as {user} failed ({answer.status})")


def kib(value: int) -> str:
    return f"{value / 1024:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--page", action="append", help="a path to measure (repeatable); default: every page")
    parser.add_argument("--user", help="sign in as this account (password from CITYVITALS_BENCH_PASSWORD)")
    parser.add_argument("--first-budget", type=float, default=600, help="KiB a first visit may take")
    parser.add_argument("--second-budget", type=float, default=60, help="KiB a second visit may take")
    parser.add_argument("--detail", action="store_true", help="list static files downloaded again in full")
    args = parser.parse_args(argv)
    pages = [(path, ready) for path, ready in PAGES if not args.page or path in args.page]
    pages += [(path, "body") for path in args.page or [] if path not in dict(PAGES)]
    password = (os.environ.get("CITYVITALS_BENCH_PASSWORD") or getpass.getpass(f"password of {args.user}: ")
                if args.user else None)
    print(f"{'page':24} {'first KiB':>9} {'req':>4} {'script':>7} {'css':>5} {'data':>6}   "
          f"{'second KiB':>10} {'req':>4} {'cached':>6} {'304':>4} {'again':>5}")
    missed = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path, ready in pages:
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            if args.user:
                sign_in(context, args.url, args.user, password)
            page = context.new_page()
            url = f"{args.url}{path}?{QUERY}"
            first, second = measure(page, url, ready), measure(page, url, ready)
            context.close()
            data = first.by_kind["XHR"] + first.by_kind["Fetch"] + first.by_kind["Document"]
            print(f"{path:24} {kib(first.bytes):>9} {first.requests:>4} {kib(first.by_kind['Script']):>7} "
                  f"{kib(first.by_kind['Stylesheet']):>5} {kib(data):>6}   {kib(second.bytes):>10} {second.requests:>4} "
                  f"{second.from_cache:>6} {second.not_modified:>4} {len(second.static_full):>5}")
            if args.detail and second.static_full:
                print("    downloaded again: " + ", ".join(second.static_full))
            missed += first.bytes > args.first_budget * 1024 or second.bytes > args.second_budget * 1024
        browser.close()
    print(f"budgets: first visit ≤ {args.first_budget:.0f} KiB, second ≤ {args.second_budget:.0f} KiB; "
          f"{missed} page(s) over")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
