"""API benchmark on the production setup (gunicorn with ``gunicorn.conf.py``, PostgreSQL, Redis)::

    .venv/bin/python benchmarks/api_bench.py [--clients 50] [--duration 30] [--rows 10000] \\
        [--database-url postgresql+psycopg://127.0.0.1:5432/cityvitals_load] [--port 8766]

1. the store as ``benchmarks/load_test.py`` prepares it (``manage.py init``; the demo data of Xiamen and Ningde when
   empty, then ``manage.py warn``), and two service-account tokens made with ``manage.py tokens add``: a leader's
   (reads) and an admin's that writes (the push);
2. gunicorn in production mode with the Redis cache (the rate limit raised so that it does not throttle the run);
3. ``--clients`` concurrent clients (threads, each its own HTTP connection) for ``--duration`` seconds after one warm-up
   pass over every request, each asking in turn for the latest snapshot of a random area of Xiamen and for 5 years
   of a random monthly series of the city (``/api/v1/series/<code>/<adcode>/observations?start=…``), then waiting
   ``--think`` seconds, as the systems that poll the API do (each client starts at a random moment of its first
   wait, not all at once); every call is audited, as in production. The goal is judged on this run;
4. then the same clients back to back, with no wait, for ``--capacity-duration`` seconds: the most the installation
   answers (requests/s) and the latency when every client asks at once, reported without a goal;
5. a push of ``--rows`` rows (the newest daily values of public indicators, each raised by 0.1 %, so every row is
   a correction kept as a revision — the loader's most expensive case), timed end to end, then the values pushed back.

Prints p50/p95/p99 and requests/s per request kind of both runs and the push's wall time; exits 1 when a request
failed or a goal was missed (p95 of the polling run ≤ ``--target-p95`` 50 ms warm, push ≤ ``--target-push`` 3 s). The
clients run on the same cores as gunicorn, PostgreSQL and Redis, so the figures are upper bounds of the server's own
latency; back to back, the 50 clients' own work (a Python thread each) takes about half of the 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_test import DEFAULT_URL, prepare_store  # noqa: E402
from tests.support.faults import Gunicorn, manage, production_env  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds of the polling run")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the push")
    parser.add_argument("--think", default="1,3", help="seconds a client waits after each pair of requests, MIN,MAX "
                        "(systems polling the API; the goal is judged on this run)")
    parser.add_argument("--capacity-duration", type=float, default=15.0,
                        help="seconds of the back-to-back run after it (0: none)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--target-p95", type=float, default=50.0, help="milliseconds")
    parser.add_argument("--target-push", type=float, default=3.0, help="seconds")
    return parser.parse_args(argv)


def make_token(env: dict[str, str], name: str, role: str, write: bool) -> str:
    output = manage("tokens", "add", f"{name}-{int(time.time())}", "--role", role, "--days", "1",
                    *(["--write"] if write else []), env=env)
    return re.search(r"(cv_\S+)", output).group(1)


def workload(database_url: str) -> tuple[list[str], list[str]]:
    """Xiamen's areas and the monthly indicators the city has data of."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        areas = [row[0] for row in conn.execute(text("SELECT adcode FROM areas WHERE city_key = 'xiamen'"))]
        codes = [row[0] for row in conn.execute(text(
            "SELECT l.indicator_code FROM latest l JOIN indicators d ON d.code = l.indicator_code "
            "WHERE l.area_adcode = '350200' AND d.frequency = 'monthly' AND l.count >= 60"))]
    engine.dispose()
    return areas, codes


def push_rows(database_url: str, count: int) -> list[dict]:
    """The newest ``count`` stored values of public, stored (not derived) daily indicators."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.indicator_code, o.area_adcode, o.period, o.value FROM observations o "
            "JOIN indicators d ON d.code = o.indicator_code WHERE d.frequency = 'daily' AND d.sensitivity = 'public' "
            "AND coalesce(d.derived, '') = '' AND o.value IS NOT NULL AND o.value > 0 "
            "AND (d.max_value IS NULL OR o.value * 1.001 <= d.max_value) "
            "ORDER BY o.period DESC, o.indicator_code, o.area_adcode LIMIT :count"), {"count": count}).all()
    engine.dispose()
    return [{"indicator": code, "area": adcode, "period": period.isoformat(), "value": float(value)}
            for code, adcode, period, value in rows]


def run_clients(base: str, token: str, areas: list[str], codes: list[str], clients: int,
                duration: float, think: tuple[float, float]) -> tuple[dict[str, list[float]], int]:
    start = (date.today() - timedelta(days=5 * 366)).replace(day=1).isoformat()
    requests_by_kind = {"latest": [f"{base}/api/v1/areas/{adcode}/latest" for adcode in areas],
                        "series_5y": [f"{base}/api/v1/series/{code}/350200/observations?start={start}&limit=100"
                                      for code in codes]}
    headers = {"Authorization": f"Bearer {token}"}
    warm = requests.Session()
    for urls in requests_by_kind.values():  # one warm-up pass: the measured run is warm
        for url in urls:
            warm.get(url, headers=headers, timeout=60).raise_for_status()
    times: dict[str, list[float]] = {kind: [] for kind in requests_by_kind}
    failures = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def client(seed: int) -> None:
        chooser, session = random.Random(seed), requests.Session()
        mine: dict[str, list[float]] = {kind: [] for kind in requests_by_kind}
        failed = 0
        time.sleep(chooser.uniform(0, think[1]))  # pollers are not in step
        while time.perf_counter() < stop_at:
            for kind, urls in requests_by_kind.items():
                began = time.perf_counter()
                answer = session.get(chooser.choice(urls), headers=headers, timeout=60)
                mine[kind].append((time.perf_counter() - began) * 1000)
                failed += answer.status_code != 200
                if think[1] > 0:
                    time.sleep(chooser.uniform(*think))
        with lock:
            for kind, values in mine.items():
                times[kind].extend(values)
            failures[0] += failed

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failures[0]


def print_run(title: str, times: dict[str, list[float]], duration: float) -> dict[str, float]:
    """Print a run's table; returns each request kind's p95 (ms)."""
    print(title)
    print(f"{'request':<12}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    p95s = {}
    for kind, values in times.items():
        p50, p95s[kind], p99 = np.percentile(values, [50, 95, 99])
        print(f"{kind:<12}{len(values):>8}{len(values) / duration:>9.1f}{p50:>9.1f}{p95s[kind]:>9.1f}{p99:>9.1f}")
    total = sum(len(values) for values in times.values())
    print(f"{'total':<12}{total:>8}{total / duration:>9.1f}", flush=True)
    return p95s


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="cityvitals-api-bench-"))
    env = {**production_env({**os.environ, "CITYVITALS_DATABASE_URL": args.database_url}, args.cache_url),
           "CITYVITALS_API_RATE_LIMIT": "1000000/minute", "CITYVITALS_API_MAX_PUSH_BYTES": str(32 << 20)}
    prepare_store(env)
    reader, writer = make_token(env, "bench-reader", "leader", False), make_token(env, "bench-writer", "admin", True)
    areas, codes = workload(args.database_url)
    rows = push_rows(args.database_url, args.rows)
    server = Gunicorn(env, folder, args.port)
    server.start()
    missed = []
    try:
        print(f"{len(areas)} areas, {len(codes)} monthly series of 5 years, on {server.base}", flush=True)
        think = tuple(float(part) for part in args.think.split(","))
        times, failures = run_clients(server.base, reader, areas, codes, args.clients, args.duration, think)
        p95s = print_run(f"{args.clients} clients polling (wait {args.think.replace(',', '–')} s), {args.duration:g} s",
                         times, args.duration)
        missed += [f"{kind} p95 {p95:.1f} ms > {args.target_p95:g} ms" for kind, p95 in p95s.items()
                   if p95 > args.target_p95]
        if args.capacity_duration > 0:
            capacity, failed_back_to_back = run_clients(server.base, reader, areas, codes, args.clients,
                                                        args.capacity_duration, (0.0, 0.0))
            print_run(f"{args.clients} clients back to back (capacity, no goal), {args.capacity_duration:g} s",
                      capacity, args.capacity_duration)
            failures += failed_back_to_back
        print(f"failures: {failures}")
        if failures:
            missed.append(f"{failures} requests failed")
        headers = {"Authorization": f"Bearer {writer}"}
        raised = [{**row, "value": round(row["value"] * 1.001, 6)} for row in rows]
        began = time.perf_counter()
        answer = requests.post(f"{server.base}/api/v1/observations", json={"rows": raised}, headers=headers,
                               timeout=600)
        seconds = time.perf_counter() - began
        report = answer.json()
        print(f"push of {len(rows)} rows: {seconds:.2f} s, status {answer.status_code}, "
              f"{report.get('updated')} corrected, {report.get('inserted')} new, load #{report.get('load')}")
        if answer.status_code != 200:
            missed.append(f"push answered {answer.status_code}: {str(report)[:300]}")
        elif seconds > args.target_push:
            missed.append(f"push {seconds:.2f} s > {args.target_push:g} s")
        back = requests.post(f"{server.base}/api/v1/observations", json={"rows": rows}, headers=headers, timeout=600)
        print(f"values pushed back: status {back.status_code}")
    finally:
        server.stop()
    print("goals met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
