"""The big screen through a server restart: it shows the offline banner while the server is down
and comes back by itself, with its data, once the server is up again — no reload, no touch.

Starts ``python app.py`` on the given store (it must exist: run ``scripts/start`` or
``manage.py init`` first), opens ``/screen?kiosk=1&refresh=5`` in headless Chromium, stops the
server, waits, starts it again, waits, and prints what the screen showed at each step.

Run: ``.venv/bin/python benchmarks/screen_reconnect.py [--database-url URL] [--port 8099]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
VISIBLE_BANNERS = ("[...document.querySelectorAll('.screen-banner')]"
                   ".filter(e => e.offsetParent !== null).map(e => e.innerText)")


def serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "CITYVITALS_DATABASE_URL": url, "CITYVITALS_PORT": str(port),
           "CITYVITALS_FIRST_START_FORECAST": "0"}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not answer within 120 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'data' / 'cityvitals.db'}")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--wait", type=float, default=25.0, help="seconds down, and seconds to recover")
    args = parser.parse_args(argv)
    server = serve(args.database_url, args.port)
    ok = True
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"http://127.0.0.1:{args.port}/screen?kiosk=1&refresh=5")
            page.wait_for_selector(".screen-tile-value", timeout=30000)
            print("running:", page.evaluate(VISIBLE_BANNERS) or "no banner")
            server.terminate()
            server.wait(timeout=20)
            page.wait_for_timeout(args.wait * 1000)
            down = page.evaluate(VISIBLE_BANNERS)
            print(f"server stopped {args.wait:.0f} s:", down or "no banner")
            server = serve(args.database_url, args.port)
            page.wait_for_timeout(args.wait * 1000)
            back, tiles = page.evaluate(VISIBLE_BANNERS), page.locator(".screen-tile-value").count()
            print(f"server back {args.wait:.0f} s:", back or "no banner", f"· {tiles} tiles · page errors: {errors or 'none'}")
            ok = bool(down) and not back and tiles > 0 and not errors
            browser.close()
    finally:
        server.terminate()
    print("reconnects by itself" if ok else "DID NOT recover as expected")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
