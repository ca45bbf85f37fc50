"""Server time of the pages' callbacks at demo size, called the way the browser calls them.

Each page's content callback is POSTed to ``/_dash-update-component`` through Flask's test client
(the full Dash request path: JSON decoding, the callback, the layers below it, JSON encoding and
compression),
for both demo cities and a spread of themes, topics, indicators and areas. "Cold" clears the
query cache before every call; "warm" repeats the call with the cache filled. The issue's bars:
p95 ≤ 100 ms warm and ≤ 500 ms cold.

Run: ``.venv/bin/python benchmarks/pages_bench.py [--database-url URL] [--repeat N]``; without a
URL it builds a demo store of both cities in a temporary SQLite file (about 30 s) and runs the
warnings on it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.dash_requests import cases  # noqa: E402  (after the path is set)


def timed(client, body: dict) -> float:
    """Milliseconds of one callback request; fails on anything but 200."""
    started = time.perf_counter()
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                           headers={"Accept-Encoding": "gzip, deflate, br"})  # as Chromium asks, so compression counts
    elapsed = 1000 * (time.perf_counter() - started)
    if response.status_code != 200:
        raise SystemExit(f"{body['output']} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Print p50/p95 per page, cold and warm; exit 1 when a bar is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a store to read (default: a new demo store in a temporary file)")
    parser.add_argument("--repeat", type=int, default=5, help="warm calls per request")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url
        if url is None:
            from indicators.bootstrap import init_store
            from indicators.store import db
            from indicators.warnings.alerts import run_warnings

            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            print("building a demo store of both cities …", flush=True)
            init_store(url, city_keys=("xiamen", "ningde"), seed=20190101, progress=False)
            db.use(url)
            run_warnings()
        os.environ["CITYVITALS_DATABASE_URL"] = url
        import app as app_module
        from indicators.views.cache import cache

        server = app_module.server
        client = server.test_client()
        failed = False
        with server.app_context():
            requests = cases(random.Random(7))
        print(f"{'page':<11}{'calls':>6}{'cold p50':>10}{'cold p95':>10}{'warm p50':>10}{'warm p95':>10}  (ms)")
        for page, bodies in requests.items():
            cold, warm = [], []
            for body in bodies:
                with server.app_context():
                    cache.clear()
                cold.append(timed(client, body))
                warm.extend(timed(client, body) for _ in range(args.repeat))
            row = (percentile(cold, 0.5), percentile(cold, 0.95), percentile(warm, 0.5), percentile(warm, 0.95))
            missed = row[1] > 500 or row[3] > 100
            failed |= missed
            print(f"{page:<11}{len(bodies):>6}" + "".join(f"{v:>10.1f}" for v in row) + ("  MISSED" if missed else ""))
        print(f"\nbars: p95 ≤ 100 ms warm, ≤ 500 ms cold; query cache {server.config['CITYVITALS_SETTINGS'].cache_url}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
