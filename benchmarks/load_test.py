"""Load test: analysts and big screens on the production setup (gunicorn, 2 workers; PostgreSQL; Redis).

One command prepares what it needs, runs the load for ``--duration`` and prints, per endpoint, the
requests, failures, requests/s and p50/p95/p99, with the totals::

    .venv/bin/python benchmarks/load_test.py [--duration 5m] [--users 50] [--screens 10] \\
        [--database-url postgresql+psycopg://127.0.0.1:5432/cityvitals_load] [--port 8765]

It exits 1 when any request failed or a target was missed. Targets (the issue's): at least
``--target-rps`` 200 requests/s overall and p95 ≤ ``--target-p95`` 200 ms, for the total and for
every callback endpoint (the sign-in, "login-page" and "login", is reported but not judged: Argon2 is slow
on purpose, and it happens once per session).

What it does, in order:

1. the store: ``manage.py init`` (creates or upgrades the schema; demo data of Xiamen and Ningde when
   empty, then ``manage.py warn``); the PostgreSQL database itself is created with ``createdb`` if missing;
2. two accounts with a known password: ``load-analyst`` (analyst, clearance internal) and ``load-screen``
   (leader, for the screens); every simulated person signs in on their own, so each has its own session;
3. the workload file: the exact callback bodies the browser sends (``tests/support/dash_requests.py``), built
   with the analyst signed in, so analysts only ask for what they may see; then the app's cache is emptied,
   so the run starts cold, as after a deploy;
4. gunicorn in production mode (``CITYVITALS_ENV=production``, Redis cache, JSON request log), with the
   repository's ``gunicorn.conf.py`` (2 workers);
5. locust, headless, with ``benchmarks/locustfile.py``: ``--users`` analysts and ``--screens`` screens,
   spawned at 10 a second; then gunicorn is stopped and the table printed.

The workload:

* An analyst signs in once, then visits pages, weighted as ``VISIT_WEIGHTS`` says (indicator pages most).
  Opening a page is what Chromium sends on a click in the header (recorded with the browser): the shell's
  header callback and Dash's page router ("page", which renders the page's layout) at once, then the
  page's content callback(s). Some visits go on with interactions: the catalog's filter changes, an alert
  opened from the alert list and the list filtered to red alerts, the map switched to quintiles and a
  district's panel. Indicator pages are drawn from ``INDICATOR_PAGES`` random (indicator, area) pairs
  per city within the analyst's clearance, so some are cold all run long. Between two actions the
  analyst thinks ``--think`` seconds (default 0.1–0.5 s, uniform; see below).
* A screen signs in as a leader, opens ``/screen?city=…&rotate=30`` (header, router and its fill
  callback), then posts the fill callback every ``--screen-interval`` seconds (default 5), stepping
  through the city's topic screens with the refresh counter counting up, as the browser does. A real
  screen calls every 60 s (``?refresh=60``), or 3 times a minute with 30-s rotation: 5 s is 12× (4×) harsher.
* Not replayed: callbacks that do no work and answer 204 or a URL (the header search's ``shell-go``,
  the filters' ``group-go``, ``alerts-url``, ``alerts-selected``): they would add cheap requests that
  flatter the throughput and the percentiles; nor GETs of the HTML page, ``_dash-layout`` and static files,
  which the browser fetches once per full page load, not per click.

Think time decides what is measured. With 1–3 s (``--think 1,3``: a person reading a page for 2 s on
average is already a busy one), 50 analysts ask for about 60 requests/s, which measures their demand and
misses the 200 requests/s target by construction. The default 0.1–0.5 s makes the same 60 users press the
server to the target, which measures its capacity.

Everything runs on this machine's cores: locust, the two gunicorn workers, PostgreSQL and Redis share
them, so the figures are lower bounds of the server alone. The table's footer gives the CPU seconds of
locust and of gunicorn over the run, and the load average.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.dash_requests import cases, multi_payload, payload, screen_payloads  # noqa: E402
from tests.support.faults import Gunicorn, manage, production_env  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PASSWORD = "Correct-horse-42"
ACCOUNTS = {"analyst": ("load-analyst", "analyst"), "screen": ("load-screen", "leader")}
# How often analysts open each kind of page, relative to each other.
VISIT_WEIGHTS = {"indicator": 30, "theme": 15, "topic": 10, "home": 10, "catalog": 10, "alerts": 10, "map": 10,
                 "area": 5}
INDICATOR_PAGES = 200
DEFAULT_URL = "postgresql+psycopg://127.0.0.1:5432/cityvitals_load"
NOT_JUDGED = {"login-page", "login"}
# People arrive 2 a second, not all in the same second, as signing in (Argon2) is slow on purpose.
SPAWN_RATE = 2


def run_seconds(args: argparse.Namespace) -> int:
    """Locust's run time: the users' arrival, the warm-up, then the measured ``--duration``."""
    return -(-(args.users + args.screens) // SPAWN_RATE) + args.warmup + duration_seconds(args.duration)


def duration_seconds(text: str) -> int:
    """``300``, ``300s``, ``5m`` or ``1h`` in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        return
    engine = create_engine(url)
    try:
        with engine.connect():
            return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    finally:
        engine.dispose()
    print(f"creating the database {parsed.database} …", flush=True)
    subprocess.run(["createdb", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
                    *(["-U", parsed.username] if parsed.username else []), parsed.database], check=True)


def prepare_store(env: dict[str, str]) -> None:
    """Create or upgrade the store; demo data and warnings when it was empty."""
    from indicators.bootstrap import store_is_empty

    ensure_database(env["CITYVITALS_DATABASE_URL"])
    empty = store_is_empty(env["CITYVITALS_DATABASE_URL"])
    if empty:
        print("building the demo store of Xiamen and Ningde (1–3 minutes) …", flush=True)
    manage("init", "--quiet", env=env)
    if empty:
        manage("warn", env=env)


def ensure_accounts() -> None:
    """The test's accounts, active, with the known password (created, or reset when they exist)."""
    from indicators.accounts.users import (
        AccountError,
        create_user,
        reset_password,
        update_user,
    )

    for username, role in ACCOUNTS.values():
        try:
            create_user(username, PASSWORD, role)
        except AccountError:
            reset_password(username, PASSWORD)
            update_user(username, role=role, active=True)


def page_open(path: str, search: str) -> list[tuple[str, dict]]:
    """What Chromium sends first when a link opens ``path``: the header and Dash's page router, at once."""
    shell = multi_payload([("shell-header", "children"), ("shell-footer", "children"), ("shell", "className"),
                           ("shell-tabs", "children")],
                          [("shell-url", "pathname", path), ("shell-url", "search", search)], [])
    router = multi_payload([("_pages_content", "children"), ("_pages_store", "data")],
                           [("_pages_location", "pathname", path), ("_pages_location", "search", search)], [])
    return [("shell", shell), ("page", router)]


def query(**values: str | None) -> str:
    return "?" + urlencode({key: value for key, value in values.items() if value})


def content_visit(kind: str, body: dict) -> list:
    """A visit of a page with one content callback: open it, then fill it."""
    args = body["inputs"][0]["value"]
    if kind in ("theme", "topic"):
        path = f"/{kind}s/{args['key']}"
        search = query(city=args["city"], lang=args["lang"], **args["filters"])
    elif kind == "indicator":
        path, search = f"/indicator/{args['code']}", query(city=args["city"], lang=args["lang"], area=args["area"])
    elif kind == "area":
        path, search = f"/area/{args['adcode']}", query(lang=args["lang"])
    else:
        path, search = "/", query(city=args["city"], lang=args["lang"])
    return [[page_open(path, search), [(kind, body)]]]


def indicator_pages(rng: random.Random) -> list[dict]:
    """``INDICATOR_PAGES`` indicator pages per city: random indicators the viewer may see, random areas."""
    from indicators.views.queries import areas, indicators

    codes = indicators()["code"].tolist()
    bodies = []
    for city in ("xiamen", "ningde"):
        adcodes = areas(city)["adcode"].tolist()
        bodies += [payload("indicator-content", "indicator-args", {
            "code": rng.choice(codes), "city": city, "lang": "zh", "area": rng.choice([None, *adcodes])})
            for _ in range(INDICATOR_PAGES)]
    return bodies


def by_city(bodies: list[dict], city: str) -> list[dict]:
    """The bodies whose page arguments (the ``…-args`` store in their state) name ``city``."""
    return [body for body in bodies
            if any(item["id"].endswith("-args") and item["value"]["city"] == city for item in body["state"])]


def interactive_visits(requests: dict[str, list[dict]]) -> dict[str, list]:
    """Visits of the catalog, the alert centre and the map: open, fill, then interact."""
    visits: dict[str, list] = {"catalog": [], "alerts": [], "map": []}
    for city in ("xiamen", "ningde"):
        search = query(city=city, lang="zh")
        first, *filters = by_city(requests["catalog"], city)
        visits["catalog"] += [[[page_open("/catalog", search), [("catalog", first)]], [[("catalog", f)]]]
                              for f in filters]
        alerts = by_city(requests["alerts"], city)
        open_list, red_list, *details = alerts
        visits["alerts"] += [[[page_open("/alerts", search), [("alerts", open_list)]], [[("alert", detail)]],
                              [[("alerts", red_list)]]] for detail in details]
        maps = by_city(requests["map"], city)
        recolours = [body for body in maps if body["output"].startswith("..map-areas")]
        panels = [body for body in maps if body["output"] == "map-panel.children"]
        for level, quantile in zip(recolours[::2], recolours[1::2]):
            for panel in panels:
                visits["map"].append([[page_open("/map", search), [("map", level)]], [[("map", quantile)]],
                                      [[("map-panel", panel)]]])
    return visits


def screen_workload() -> list[dict]:
    """Per city: opening its rotating big screen, and the fill callback of each screen of the rotation."""
    screens = []
    for city in ("xiamen", "ningde"):
        refresh = screen_payloads(city)
        screens.append({"open": [page_open("/screen", query(city=city, rotate="30")), [("screen", refresh[0])]],
                        "refresh": refresh})
    return screens


def signed_in(server, role: str):
    """A request context with the test account of ``role`` signed in, as the sign-in layer leaves it."""
    import flask

    from indicators.accounts.users import authenticate

    context = server.test_request_context("/")
    context.push()
    flask.g.viewer = authenticate(ACCOUNTS[role][0], PASSWORD).viewer()
    return context


def build_workload(path: Path) -> None:
    """Write the workload file: the callback bodies of every visit, built as each account sees the store;
    then empty the app's cache so the run starts cold."""
    import app as app_module
    from indicators.views.cache import cache

    rng = random.Random(20190101)
    server = app_module.server
    context = signed_in(server, "analyst")
    try:
        requests = cases(rng)
        requests["indicator"] = indicator_pages(rng)
        visits = {kind: [content_visit(kind, body) for body in requests[kind]]
                  for kind in ("home", "theme", "topic", "indicator", "area")}
        visits.update(interactive_visits(requests))
    finally:
        context.pop()
    context = signed_in(server, "screen")
    try:
        screens = screen_workload()
        cache.clear()
    finally:
        context.pop()
    workload = {"accounts": {key: name for key, (name, _role) in ACCOUNTS.items()}, "password": PASSWORD,
                "analyst": {"visits": visits, "weights": VISIT_WEIGHTS}, "screen": screens}
    path.write_text(json.dumps(workload, ensure_ascii=False))


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (gunicorn's master and workers)."""
    import psutil

    total = 0.0
    for member in (psutil.Process(pid), *psutil.Process(pid).children(recursive=True)):
        try:
            times = member.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def machine_busy() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0), sum(times)


def run_locust(args: argparse.Namespace, workload: Path, prefix: Path, port: int, server_pid: int) -> str:
    """Run locust headless; return what the machine did during the measured window (after the warm-up)."""
    import psutil

    env = {**os.environ, "CITYVITALS_LOAD_WORKLOAD": str(workload), "CITYVITALS_LOAD_ANALYSTS": str(args.users),
           "CITYVITALS_LOAD_SCREENS": str(args.screens), "CITYVITALS_LOAD_THINK": args.think,
           "CITYVITALS_LOAD_SCREEN_INTERVAL": str(args.screen_interval), "CITYVITALS_LOAD_WARMUP": str(args.warmup),
           "CITYVITALS_LOAD_WARMUP_REPORT": str(prefix.parent / "warmup.json")}
    command = [str(VENV_BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
               "--host", f"http://127.0.0.1:{port}", "--users", str(args.users + args.screens),
               "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{run_seconds(args)}s", "--stop-timeout", "10",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (prefix.parent / "locust.log").open("w") as log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(run_seconds(args) - duration_seconds(args.duration))
        started, server_cpu, machine = time.monotonic(), cpu_seconds(server_pid), machine_busy()
        locust_cpu = sum(psutil.Process(locust.pid).cpu_times()[:2])
        loads = []
        while locust.poll() is None:
            loads.append(os.getloadavg()[0])
            time.sleep(1)
        elapsed = time.monotonic() - started
        server_cpu = cpu_seconds(server_pid) - server_cpu
        busy, total = (now - then for now, then in zip(machine_busy(), machine))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
                  - locust_cpu)
    return (f"measured window {elapsed:.0f} s: machine CPU {busy / total:.0%} busy; gunicorn {server_cpu / elapsed:.2f} "
            f"cores, locust {locust_cpu / elapsed:.2f} cores (of {os.cpu_count()}); load average "
            f"{sum(loads) / len(loads):.2f} on average, {max(loads):.2f} at most")


def read_stats(prefix: Path) -> list[dict[str, str]]:
    """Locust's figures per endpoint and in total ("Aggregated"), without endpoints not called in the window."""
    with Path(f"{prefix}_stats.csv").open() as handle:
        return [row for row in csv.DictReader(handle) if int(row["Request Count"]) or row["Name"] == "Aggregated"]


def print_table(rows: list[dict[str, str]], target_p95: float) -> None:
    """The per-endpoint table, the totals last; endpoints over the p95 target are marked."""
    print(f"\n{'endpoint':<12}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)")
    ordered = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -int(r["Request Count"]))
    for row in [*ordered, *(r for r in rows if r["Name"] == "Aggregated")]:
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        over = name not in NOT_JUDGED and float(row["95%"]) > target_p95
        print(f"{name:<12}{row['Request Count']:>9}{row['Failure Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}" + ("  over p95" if over else ""))


def verdict(rows: list[dict[str, str]], warmup: dict, args: argparse.Namespace) -> list[str]:
    """What was missed: failures (warm-up included), throughput, p95 of the total or of any judged endpoint."""
    total = next(r for r in rows if r["Name"] == "Aggregated")
    missed = []
    failures = int(total["Failure Count"]) + warmup["failures"]
    if failures:
        missed.append(f"{failures} failed requests")
    if float(total["Requests/s"]) < args.target_rps:
        missed.append(f"throughput {float(total['Requests/s']):.1f} < {args.target_rps:g} requests/s")
    slow = [r["Name"] for r in rows if r["Name"] not in NOT_JUDGED and float(r["95%"]) > args.target_p95]
    if slow:
        missed.append(f"p95 > {args.target_p95:g} ms: {', '.join('total' if n == 'Aggregated' else n for n in slow)}")
    return missed


def print_failures(prefix: Path, warmup: dict) -> None:
    for error in warmup["errors"]:
        print(f"  warm-up: {error[:200]}")
    with Path(f"{prefix}_failures.csv").open() as handle:
        for row in csv.DictReader(handle):
            print(f"  {row['Occurrences']:>6} × {row['Name']}: {row['Error'][:160]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="analysts (default 50)")
    parser.add_argument("--screens", type=int, default=10, help="big screens (default 10)")
    parser.add_argument("--duration", default="5m", help="the measured time, e.g. 30s, 5m (default 5m)")
    parser.add_argument("--warmup", type=int, default=60, help="seconds between the last arrival and the "
                        "measured time (default 60)")
    parser.add_argument("--think", default="0.1,0.5",
                        help="analysts' think time MIN,MAX seconds (default 0.1,0.5; 1,3 for real people)")
    parser.add_argument("--screen-interval", type=float, default=5.0, help="seconds between screen refreshes")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7", help="the Redis the workers share")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--target-rps", type=float, default=200.0)
    parser.add_argument("--target-p95", type=float, default=200.0, help="milliseconds")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, locust CSV)")
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace, folder: Path) -> dict[str, str]:
    """The store, the accounts and the workload file; returns the server's environment."""
    env = production_env({**os.environ, "CITYVITALS_DATABASE_URL": args.database_url}, args.cache_url)
    os.environ.update({key: env[key] for key in ("CITYVITALS_ENV", "CITYVITALS_SECRET_KEY",
                                                  "CITYVITALS_DATABASE_URL", "CITYVITALS_CACHE_URL")})
    prepare_store(env)
    from indicators.store import db

    db.use(args.database_url)
    ensure_accounts()
    build_workload(folder / "workload.json")
    return env


def main(argv: list[str] | None = None) -> int:
    """Prepare, run, report; 1 when a request failed or a target was missed."""
    args = parse_args(argv)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"port {args.port} is in use; choose another with --port")
    folder = Path(tempfile.mkdtemp(prefix="cityvitals-load-"))
    server = Gunicorn(prepare(args, folder), folder, args.port)
    server.start()
    print(f"{args.users} analysts (think {args.think.replace(',', '–')} s) and {args.screens} screens (every "
          f"{args.screen_interval:g} s): arriving, {args.warmup} s of warm-up, then {args.duration} measured on "
          f"http://127.0.0.1:{args.port} …", flush=True)
    try:
        usage = run_locust(args, folder / "workload.json", folder / "locust", args.port, server.process.pid)
    finally:
        server.stop()
    rows = read_stats(folder / "locust")
    warmup = json.loads((folder / "warmup.json").read_text())
    print_table(rows, args.target_p95)
    print(f"\n{usage}\nwarm-up (not in the table): {warmup['requests']} requests, {warmup['failures']} failed")
    missed = verdict(rows, warmup, args)
    if int(next(r for r in rows if r["Name"] == "Aggregated")["Failure Count"]) or warmup["failures"]:
        print_failures(folder / "locust", warmup)
    print("targets met" if not missed else "MISSED: " + "; ".join(missed))
    if args.keep or missed:
        print(f"logs and locust CSV: {folder}")
    else:
        shutil.rmtree(folder)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
