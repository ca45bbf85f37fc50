"""Faults, for real: the store stopped mid-run, the cache stopped, a load and a forecast batch killed half-way.

Every service stopped here is this script's own: a private PostgreSQL cluster (``initdb`` in a temporary
folder, run as the ``postgres`` user on a free port), a private ``redis-server``, gunicorn with two workers
in production mode. The shared servers on 5432 and 6379 are never touched.

1. ``store``: a signed-in client keeps calling the pages' callbacks while PostgreSQL is stopped
   (``pg_ctl stop -m fast``) and started again: honest "data temporarily unavailable" answers, never a
   500 or a traceback, the same gunicorn workers, ``/healthz`` 503 then 200, and data again by itself.
2. ``cache``: the same with Redis stopped, then with Redis frozen (SIGSTOP: connections accepted, never
   answered): data all along, uncached and without long waits; caching resumes when it is back.
3. ``load``: ``manage.py load`` SIGKILLed while it writes a large file, on SQLite and PostgreSQL: every
   table of the store is byte for byte as before; the file then loads.
4. ``forecast``: ``manage.py forecast --all --workers 2`` SIGKILLed (its whole process group) after two
   chunks were committed, on SQLite and PostgreSQL: the store is consistent, and an incremental run
   redoes only the rest, ending as a clean run does.

Run: ``.venv/bin/python benchmarks/faults.py [--scenario store cache load forecast]`` (as root, which
runs PostgreSQL as ``postgres``); exits 1 when a scenario fails. ``tests/store/test_faults.py`` runs the
same functions.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests
import sqlalchemy

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geo.cities import get_city  # noqa: E402  (after the path is set)
from indicators.catalog.entries import Indicator, load_catalog  # noqa: E402

# The newest PostgreSQL installed the Debian way (15 on the project's machines).
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]),
             default=Path("/usr/lib/postgresql/15/bin/initdb")).parent
# The notice of pages/_i18n.py and web/hardening.py, in either language.
STORE_DOWN_TEXTS = ("数据暂不可用", "Data temporarily unavailable")
USERNAME, PASSWORD = "analyst1", "Correct-horse-42"
# No answer may take longer while the store or the cache is away (they answer in well under a second then).
SLOW_ANSWER = 5.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds: float, failure: str, every: float = 0.2):
    """Poll ``condition`` until it returns something true; that value, or RuntimeError(failure) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(failure)


def store_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a command or server on ``database_url`` (Xiamen's demo data only)."""
    return {**os.environ, "CITYVITALS_DATABASE_URL": database_url, "CITYVITALS_DEMO_CITIES": "xiamen",
            "CITYVITALS_FIRST_START_FORECAST": "0", **extra}


def manage(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    """Run ``manage.py args`` in ``env`` to its end; its output, or RuntimeError with it when it fails."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def start_command(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``manage.py args`` in a process group of its own (so all of it can be killed), output to ``log``."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group ``process`` leads, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the whole group has ended already
        pass
    process.wait(30)


def processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, parent, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            except OSError:  # it ended while we looked
                continue
            yield int(entry.name), state, int(parent), int(group)


def group_members(group: int) -> set[int]:
    """The live processes of process group ``group``."""
    return {pid for pid, state, _, member_of in processes() if member_of == group and state != "Z"}


# ---- private servers --------------------------------------------------------------------------------------

class PrivatePostgres:
    """A PostgreSQL cluster of this process alone: its own folder, port and socket, run as ``postgres``
    (PostgreSQL refuses root). ``fsync`` is off: the cluster is thrown away, and surviving a crash of the
    machine is not what is tested."""

    def __init__(self, folder: Path):
        self.folder, self.data, self.port = folder, folder / "data", free_port()
        self.running = False

    def _run(self, program: str, *args: object) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / program), *map(str, args)],
                       check=True, capture_output=True)

    def create(self) -> None:
        shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-o", options, "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions, close every connection)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        admin = sqlalchemy.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
        finally:
            admin.dispose()
        return self.url(name)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster; stopped and deleted afterwards, whatever happened."""
    cluster = PrivatePostgres(Path(tempfile.mkdtemp(prefix="cityvitals-pg-")))
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():  # running, or left half-started
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


class PrivateRedis:
    """A ``redis-server`` of this process alone, on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 20, "redis-server did not answer")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Shut the server down (SIGTERM) and wait for it to exit."""
        self.process.terminate()
        self.process.wait(20)

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections; the server answers none of them."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.running():
            self.process.send_signal(signal.SIGCONT)

    def keys(self) -> int:
        return self.client().dbsize()


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A running private Redis; killed and its folder deleted afterwards."""
    server = PrivateRedis(Path(tempfile.mkdtemp(prefix="cityvitals-redis-")))
    try:
        server.start()
        yield server
    finally:
        if server.running():
            server.process.kill()  # SIGKILL ends a stopped (frozen) process too
            server.process.wait(10)
        shutil.rmtree(server.folder, ignore_errors=True)


def production_env(env: dict[str, str], cache_url: str) -> dict[str, str]:
    """``env`` (a store's) as a production installation has it: production mode, a secret, Redis."""
    return {**env, "CITYVITALS_ENV": "production", "CITYVITALS_CACHE_URL": cache_url,
            "CITYVITALS_SECRET_KEY": secrets.token_urlsafe(36)}


class Gunicorn:
    """The app under gunicorn as the README runs it (``gunicorn.conf.py``: two workers), in ``env``."""

    def __init__(self, env: dict[str, str], folder: Path, port: int | None = None):
        self.port, self.log = port or free_port(), folder / "gunicorn.log"
        # XDG_RUNTIME_DIR: gunicorn's control socket (25.1+) goes there, not to the path every gunicorn
        # of the user shares by default.
        self.env = {**env, "XDG_RUNTIME_DIR": str(folder)}
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the master and wait until both workers are up and /healthz answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{self.port}", "app:server"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: len(self.workers()) == 2 and self._healthy(), 180,
                 f"gunicorn did not come up; see {self.log}", every=0.5)

    def _healthy(self) -> bool:
        if not self.alive():
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
        try:
            return requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def workers(self) -> set[int]:
        return {pid for pid, _, parent, _ in processes() if parent == self.process.pid}

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the master); kill its process group if it has not gone in 30 s."""
        if self.process is None or not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            kill_group(self.process)


# ---- a signed-in client -----------------------------------------------------------------------------------

def sign_in(base: str, username: str = USERNAME, password: str = PASSWORD) -> requests.Session:
    """A client signed in through the login form, as the browser does (CSRF token, session cookie)."""
    client = requests.Session()
    page = client.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token,
                                                "next": "/"}, allow_redirects=False, timeout=30)
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username} answered {answer.status_code}")
    return client


def page_bodies(database_url: str, per_page: int = 2) -> list[dict]:
    """The first ``per_page`` callback requests of every page for Xiamen, as the browser sends them."""
    import app as app_module  # creating the app registers the pages the requests name
    from tests.support.dash_requests import cases
    from indicators.store import db

    with db.using(database_url), app_module.server.app_context():
        by_page = cases(random.Random(7), cities=("xiamen",))
    return [body for bodies in by_page.values() for body in bodies[:per_page]]


@dataclass(frozen=True)
class Answer:
    """One callback request: its first output, when it started (monotonic), how long it took, what came back."""

    output: str
    started: float
    seconds: float
    kind: str  # data, notice (200 saying the data is unavailable), 503 notice, or what went wrong


HONEST = ("notice", "503 notice")


def classify(response: requests.Response) -> str:
    """What a callback answer is: data, an honest notice, or a failure (named by its status)."""
    text = response.text
    if "Traceback" in text:
        return "traceback"
    says_down = any(notice in text for notice in STORE_DOWN_TEXTS)
    if response.status_code in (200, 204):  # 204: the callback had nothing to change
        return "notice" if says_down else "data"
    if response.status_code == 503 and says_down:
        return "503 notice"
    return f"HTTP {response.status_code}"


def call(client: requests.Session, base: str, body: dict) -> Answer:
    output = body["output"].strip(".").split(".")[0]
    started = time.monotonic()
    try:
        kind = classify(client.post(f"{base}/_dash-update-component", json=body, timeout=60))
    except requests.RequestException as exc:
        kind = type(exc).__name__
    return Answer(output, started, time.monotonic() - started, kind)


class Caller(threading.Thread):
    """A signed-in client calling the pages' callbacks, round after round, until halted."""

    def __init__(self, client: requests.Session, base: str, bodies: list[dict]):
        super().__init__(daemon=True)
        self.client, self.base, self.bodies = client, base, bodies
        self.answers: list[Answer] = []
        self.halted = threading.Event()

    def run(self) -> None:
        while not self.halted.is_set():
            for body in self.bodies:
                if self.halted.is_set():
                    break
                self.answers.append(call(self.client, self.base, body))

    def halt(self) -> None:
        self.halted.set()
        self.join(90)

    def between(self, start: float, end: float) -> list[Answer]:
        """The answers to requests that started and ended within [start, end]."""
        return [a for a in list(self.answers) if a.started >= start and a.started + a.seconds <= end]

    def during(self, start: float, end: float) -> list[Answer]:
        """The answers to requests that were under way at some moment of [start, end]."""
        return [a for a in list(self.answers) if a.started <= end and a.started + a.seconds >= start]

    def clean_since(self, moment: float) -> float | None:
        """When the run of data answers that goes on to now began, if after ``moment`` and if it spans a
        full round of the pages (so the content callbacks answered with data too)."""
        run: list[Answer] = []
        for answer in [a for a in list(self.answers) if a.started >= moment]:
            run = [*run, answer] if answer.kind == "data" else []
        return run[0].started if len(run) >= len(self.bodies) else None


def tally(answers: list[Answer]) -> str:
    """``N answers: 40 data, 3 notice; slowest 0.21 s``."""
    if not answers:
        return "no answers"
    kinds = ", ".join(f"{n} {kind}" for kind, n in Counter(a.kind for a in answers).most_common())
    return f"{len(answers)} answers: {kinds}; slowest {slowest(answers):.2f} s"


def slowest(answers: list[Answer]) -> float:
    return max((a.seconds for a in answers), default=0.0)


def health(base: str) -> tuple[int, dict]:
    """``/healthz``: its status code and JSON."""
    answer = requests.get(f"{base}/healthz", timeout=30)
    return answer.status_code, answer.json()


def health_says(base: str, status: str) -> tuple[int, dict] | None:
    """``/healthz``'s answer if its status is ``status`` (ok, degraded, down), else None."""
    answer = health(base)
    return answer if answer[1]["status"] == status else None


@dataclass
class Outcome:
    """What a scenario measured (lines to print) and what went wrong (nothing when it passed)."""

    title: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, failure: str) -> None:
        if not ok:
            self.failures.append(failure)

    def text(self) -> str:
        verdict = "PASS" if not self.failures else "FAIL: " + "; ".join(self.failures)
        return "\n".join([self.title, *(f"  {line}" for line in self.lines), f"  {verdict}"])


# ---- 1 and 2: the store and the cache taken away under gunicorn -------------------------------------------

@dataclass
class Site:
    """gunicorn in production mode on Xiamen's demo store in a private PostgreSQL, caching in a private Redis."""

    postgres: PrivatePostgres
    redis: PrivateRedis
    server: Gunicorn
    bodies: list[dict]


@contextmanager
def production_site(postgres: PrivatePostgres, folder: Path) -> Iterator[Site]:
    """Build the store in a new database of ``postgres`` (``init`` of Xiamen, ``warn``, an analyst), start a
    private Redis and gunicorn; stop both afterwards."""
    url = postgres.create_database("site")
    env = store_env(url)
    manage("init", "--city", "xiamen", "--quiet", env=env)
    manage("warn", env=env)
    manage("users", "add", USERNAME, "--role", "analyst", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    bodies = page_bodies(url)
    with private_redis() as cache_server:
        server = Gunicorn(production_env(env, cache_server.url), folder)
        try:
            server.start()
            yield Site(postgres, cache_server, server, bodies)
        finally:
            server.stop()


def check_workers(outcome: Outcome, site: Site, before: set[int]) -> None:
    after = site.server.workers()
    outcome.lines.append(f"gunicorn workers before {sorted(before)}, after {sorted(after)}; "
                         f"master {'alive' if site.server.alive() else 'DEAD'}")
    outcome.check(after == before and site.server.alive(), "a gunicorn worker was replaced or the master died")


def check_answers(outcome: Outcome, caller: Caller, allowed: tuple[str, ...], away: list[Answer]) -> None:
    """No answer of another kind (no 500, no traceback, no 401: the session held), none slow while away."""
    wrong = Counter(a.kind for a in caller.answers if a.kind not in allowed)
    outcome.check(not wrong, f"answers other than {', '.join(allowed)}: {dict(wrong)}")
    outcome.check(slowest(away) <= SLOW_ANSWER, f"an answer took {slowest(away):.1f} s (more than {SLOW_ANSWER:.0f} s)")


def store_outage(site: Site, down_seconds: float = 10, recovery_limit: float = 30) -> Outcome:
    """Stop PostgreSQL under a signed-in client calling the pages, then start it again."""
    outcome = Outcome("1. PostgreSQL stopped mid-run (pg_ctl stop -m fast), gunicorn --workers 2, signed-in client")
    workers, base = site.server.workers(), site.server.base
    caller = Caller(sign_in(base), base, site.bodies)
    caller.start()
    back = None
    try:
        time.sleep(3)
        stopping = time.monotonic()
        site.postgres.stop("fast")
        stopped = time.monotonic()
        down_health = health(base)
        time.sleep(down_seconds)
        starting = time.monotonic()
        site.postgres.start()
        started = time.monotonic()
        up_health = wait_for(lambda: health_says(base, "ok"), recovery_limit, "/healthz did not say ok again")
        health_back = time.monotonic() - started
        recovered = wait_for(lambda: caller.clean_since(started), recovery_limit,
                             f"no full round of data within {recovery_limit:.0f} s of the store's return")
        back = (f"pg_ctl start: {started - starting:.2f} s; /healthz {up_health[0]} {up_health[1]['status']} "
                f"{health_back:.2f} s later; a full round of data {max(0.0, recovered - started):.2f} s later")
        time.sleep(2)
    except RuntimeError as exc:
        outcome.failures.append(str(exc))
    finally:
        caller.halt()
        if not site.postgres.running:
            site.postgres.start()
    before, down = caller.between(0, stopping), caller.during(stopped, starting)
    without_notice = sorted({a.output for a in down if a.kind == "data"})
    outcome.lines += [f"before: {tally(before)}",
                      f"pg_ctl stop -m fast: {stopped - stopping:.2f} s; answers meanwhile: "
                      f"{tally(caller.between(stopping, stopped))}",
                      f"store down {starting - stopped:.1f} s: {tally(down)}",
                      f"answered without a notice while down: {', '.join(without_notice) or 'none'}",
                      f"/healthz while down: {down_health[0]} {down_health[1]['status']}"]
    outcome.check(bool(before) and all(a.kind == "data" for a in before), "answers before the outage were not data")
    outcome.check(any(a.kind in HONEST for a in down), "no answer said the data was unavailable")
    outcome.check(down_health[0] == 503 and down_health[1]["status"] == "down",
                  "/healthz did not say the store is down")
    check_answers(outcome, caller, ("data", *HONEST), down)
    if back:
        after = caller.between(recovered, float("inf"))
        outcome.lines += [back, f"after, in the session signed in before the outage: {tally(after)}"]
    check_workers(outcome, site, workers)
    return outcome


def cache_outage(site: Site, fault: str = "stopped", down_seconds: float = 8, resume_limit: float = 30) -> Outcome:
    """Take Redis away under a signed-in client calling the pages, then bring it back.

    ``stopped``: shut down, so connections are refused. ``frozen``: SIGSTOP, so connections are accepted
    and never answered, as when the cache's host drops off the network.
    """
    how = " (SIGSTOP: accepts connections, never answers)" if fault == "frozen" else ""
    outcome = Outcome(f"2. Redis {fault} mid-run{how}, gunicorn --workers 2, signed-in client")
    workers, base = site.server.workers(), site.server.base
    caller = Caller(sign_in(base), base, site.bodies)
    caller.start()
    back = None
    try:
        time.sleep(3)
        keys_before = site.redis.keys()
        stopping = time.monotonic()
        site.redis.freeze() if fault == "frozen" else site.redis.stop()
        stopped = time.monotonic()
        down_health = health(base)
        health_seconds = time.monotonic() - stopped
        time.sleep(down_seconds)
        starting = time.monotonic()
        if fault == "frozen":
            site.redis.thaw()
            site.redis.client().flushdb()  # this private instance's keys: new ones then show caching again
        else:
            site.redis.start()
        started = time.monotonic()
        keys = wait_for(site.redis.keys, resume_limit, "nothing was cached again after Redis came back")
        cached_again = time.monotonic() - started
        up_health = wait_for(lambda: health_says(base, "ok"), resume_limit, "/healthz did not say ok again")
        back = (f"Redis back: {keys} keys cached {cached_again:.2f} s later; /healthz {up_health[0]} "
                f"{up_health[1]['status']} {time.monotonic() - started:.2f} s later")
        time.sleep(2)
    except RuntimeError as exc:
        outcome.failures.append(str(exc))
    finally:
        site.redis.thaw()
        caller.halt()
        if not site.redis.running():
            site.redis.start()
    before, down = caller.between(0, stopping), caller.during(stopped, starting)
    outcome.lines += [f"before: {tally(before)}; {keys_before} keys in Redis",
                      f"Redis {fault} {starting - stopped:.1f} s: {tally(down)}",
                      f"/healthz while {fault}: {down_health[0]} {down_health[1]['status']} "
                      f"(cache ok: {down_health[1]['cache']['ok']}) in {health_seconds:.2f} s"]
    outcome.check(keys_before > 0, "nothing was cached before the outage")
    outcome.check(bool(down), f"no answer while Redis was {fault}")
    outcome.check(down_health[0] == 200 and down_health[1]["status"] == "degraded",
                  "/healthz did not report a degraded cache with the store up")
    check_answers(outcome, caller, ("data",), down)
    if back:
        outcome.lines += [back, f"after: {tally(caller.between(started, float('inf')))}"]
    check_workers(outcome, site, workers)
    return outcome


# ---- 3: a load killed while it writes ---------------------------------------------------------------------

def empty_store(database_url: str) -> None:
    """Schema, catalog and cities, as ``init`` makes them, but no demo data: the store holds what is loaded."""
    manage("init", "--quiet", env=store_env(database_url, CITYVITALS_DEMO_CITIES=","))


def table_checksums(database_url: str) -> dict[str, tuple[int, str]]:
    """Every table of the store: its row count and a checksum of its rows in primary-key order."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        metadata = sqlalchemy.MetaData()
        metadata.reflect(engine)
        sums = {}
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                digest, rows = hashlib.sha256(), 0
                order = list(table.primary_key.columns) or list(table.columns)
                for row in conn.execute(sqlalchemy.select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                    rows += 1
                sums[table.name] = (rows, digest.hexdigest()[:16])
        return sums
    finally:
        engine.dispose()


def value_range(entry: Indicator) -> tuple[float, float]:
    """Where an indicator's made-up values lie: within its physical range, near its typical size."""
    low = entry.min_value or 0.0
    ceiling = entry.max_value if entry.max_value is not None else float("inf")
    return low, min(ceiling, low + 2 * abs(entry.typical) + 1)


def monthly_file(path: Path, *, indicators: int, months: int, seed: int) -> dict[tuple[str, str, str], str]:
    """Write a long CSV of ``months`` monthly values from 2001-01 of the first ``indicators`` monthly district
    indicators of the catalog, for each of Xiamen's districts.

    Returns:
        The values written, as text, by (indicator, district, period).
    """
    rng = random.Random(seed)
    # Values of one month each (a year-to-date indicator would take 1—N月 labels), of indicators no formula
    # reads (their derived values would add to what the file holds).
    catalog = load_catalog()
    inputs = {code for entry in catalog if entry.formula is not None for code in entry.formula.inputs}
    entries = [e for e in catalog if e.frequency == "monthly" and e.spatial_level == "district"
               and e.accumulation != "ytd" and e.formula is None and e.code not in inputs][:indicators]
    values = {}
    for entry in entries:
        low, high = value_range(entry)
        for district in get_city("xiamen").districts:
            for month in range(months):
                period = f"{2001 + month // 12}-{month % 12 + 1:02d}"
                values[entry.code, district.name_zh, period] = f"{rng.uniform(low, high):.3f}"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["indicator", "area", "period", "value"])
        writer.writerows([*key, value] for key, value in values.items())
    return values


class WriteProbe:
    """Whether another connection holds a write transaction on the store (a load that began writing).

    SQLite: the write lock is taken (``BEGIN IMMEDIATE`` fails at once). PostgreSQL: a backend holds a
    row-exclusive lock on ``load_batches``, which a load inserts into first; ``backend`` is its pid.
    """

    def __init__(self, database_url: str):
        self.url = sqlalchemy.engine.make_url(database_url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = None if self.sqlite else sqlalchemy.create_engine(database_url)
        self.backend: int | None = None

    def writing(self) -> bool:
        if self.sqlite:
            conn = sqlite3.connect(self.url.database, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:  # database is locked: someone is writing
                return True
            finally:
                conn.close()
        with self.engine.connect() as conn:
            self.backend = conn.exec_driver_sql(
                "SELECT pid FROM pg_locks WHERE relation = 'load_batches'::regclass AND mode = 'RowExclusiveLock' "
                "AND pid <> pg_backend_pid() LIMIT 1").scalar()
        return self.backend is not None

    def tables_written(self) -> str:
        """What the writing load has written to: on PostgreSQL the tables it holds row-exclusive locks on."""
        if self.sqlite:
            return "SQLite's write lock held"
        with self.engine.connect() as conn:
            names = conn.exec_driver_sql(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = "
                f"{self.backend} AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r' ORDER BY 1").scalars().all()
        return "writing " + ", ".join(names)

    def backend_gone(self) -> bool:
        """Whether the killed load's server process has ended (its transaction rolled back)."""
        if self.sqlite or self.backend is None:
            return True
        with self.engine.connect() as conn:
            return not conn.exec_driver_sql(f"SELECT 1 FROM pg_stat_activity WHERE pid = {self.backend}").first()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def wait_for_write(process: subprocess.Popen, probe: WriteProbe) -> float:
    """Wait until the load ``process`` holds a write transaction; the seconds it read and validated before."""
    started = time.monotonic()
    wait_for(lambda: probe.writing() or process.poll() is not None, 600, "the load never began writing", every=0.02)
    if process.poll() is not None:
        raise RuntimeError(f"the load ended (exit {process.returncode}) before it was seen writing")
    return time.monotonic() - started


def timed_load(args: list[str], env: dict[str, str], log: Path, probe: WriteProbe) -> float:
    """Run ``manage.py load`` to its end; how long it held its write transaction."""
    process = start_command(["load", *args], env, log)
    try:
        wait_for_write(process, probe)
        writing = time.monotonic()
        wait_for(lambda: not probe.writing(), 600, "the load never finished writing", every=0.02)
        seconds = time.monotonic() - writing
        process.wait(600)
    finally:
        if process.poll() is None:
            kill_group(process)
    if process.returncode != 0:
        raise RuntimeError(f"manage.py load {' '.join(args)} failed: {log.read_text()[-500:]}")
    return seconds


def interrupted_load(database_url: str, folder: Path, *, indicators: int = 60, months: int = 120,
                     kill_at: float = 0.5) -> Outcome:
    """SIGKILL ``manage.py load`` the share ``kill_at`` of the way through its write transaction (as long as a
    dry run of the same file, which writes and rolls back, held it): every table of the store must be byte
    for byte as before. Then load the file for real."""
    backend = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    outcome = Outcome(f"3. manage.py load SIGKILLed while writing, on {backend}")
    env = store_env(database_url)
    empty_store(database_url)
    base, corrections, big = folder / "base.csv", folder / "corrections.csv", folder / "big.csv"
    stored = monthly_file(base, indicators=indicators, months=24, seed=1)
    stored.update(monthly_file(corrections, indicators=3, months=12, seed=3))  # so revisions are not empty
    values = monthly_file(big, indicators=indicators, months=months, seed=2)
    for path in (base, corrections):
        manage("load", str(path), "--city", "xiamen", env=env)
    before = table_checksums(database_url)
    file_args = [str(big), "--city", "xiamen"]
    probe = WriteProbe(database_url)
    try:
        dry_write = timed_load([*file_args, "--dry-run"], env, folder / "dry-run.log", probe)
        after_dry_run = table_checksums(database_url)
        load = start_command(["load", *file_args], env, folder / "killed-load.log")
        try:
            validation = wait_for_write(load, probe)
            time.sleep(kill_at * dry_write)
            still_writing = probe.writing()
            written = probe.tables_written() if still_writing else "done writing"
        finally:
            kill_group(load)
        wait_for(probe.backend_gone, 30, "the killed load's PostgreSQL backend did not end")
        after_kill = table_checksums(database_url)
        real_write = timed_load(file_args, env, folder / "real-load.log", probe)
    finally:
        probe.close()
    report = (folder / "real-load.log").read_text()
    changed = [name for name in before if after_kill.get(name) != before[name]]
    loaded = table_checksums(database_url)
    inserted = loaded["observations"][0] - before["observations"][0]
    revised = loaded["revisions"][0] - before["revisions"][0]
    expected = (len(values.keys() - stored.keys()), sum(stored[k] != v for k, v in values.items() if k in stored))
    outcome.lines += ["store before: " + ", ".join(f"{name} {rows}" for name, (rows, _) in before.items() if rows),
                      f"file: {len(values):,} values ({big.stat().st_size / 1e6:.1f} MB), "
                      f"{len(values.keys() & stored.keys()):,} of them for periods already stored",
                      f"dry run: wrote for {dry_write:.1f} s and rolled back; store unchanged: "
                      f"{'yes' if after_dry_run == before else 'NO'}",
                      f"the load began writing {validation:.1f} s after it started (reading, validating); SIGKILL "
                      f"{kill_at * dry_write:.1f} s into the write ({written}); exit {load.returncode}",
                      f"after the kill: {len(before) - len(changed)} of {len(before)} tables byte for byte as before"
                      + (f"; CHANGED: {', '.join(changed)}" if changed else ""),
                      f"the real load wrote for {real_write:.1f} s: {report.splitlines()[0][:160]}",
                      f"after it: {inserted:,} new observations, {revised:,} new revisions (the file holds "
                      f"{expected[0]:,} new values and {expected[1]:,} corrections)"]
    outcome.check(after_dry_run == before, "the dry run changed the store")
    outcome.check(still_writing and load.returncode == -signal.SIGKILL, "the load was not killed while writing")
    outcome.check(not changed, f"tables changed by the killed load: {changed}")
    outcome.check((inserted, revised) == expected, f"the real load did not write what the file holds: {report[-500:]}")
    return outcome


# ---- 4: a forecast batch killed part-way ------------------------------------------------------------------

def yearly_file(path: Path, *, years: int = 7, seed: int = 4) -> int:
    """Write a long CSV of every yearly indicator of the catalog for Xiamen (district-level ones for each
    district, city-level ones for the city), ``years`` years to 2024: short series, which the batch
    forecasts fast. Returns the number of series."""
    rng, city, series = random.Random(seed), get_city("xiamen"), 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["indicator", "area", "period", "value"])
        for entry in (e for e in load_catalog() if e.frequency == "yearly"):
            low, high = value_range(entry)
            areas = [d.adcode for d in city.districts] if entry.spatial_level == "district" else [city.adcode]
            for adcode in areas:
                level = rng.uniform(low, high)
                for year in range(2025 - years, 2025):
                    level = min(high, max(low, level * rng.uniform(0.95, 1.07)))
                    writer.writerow([entry.code, adcode, f"{year}年", f"{level:.3f}"])
                series += 1
    return series


@dataclass(frozen=True)
class SeriesForecast:
    """A series' forecast as stored: when its run was written, its frequency, and its points."""

    created_at: object
    frequency: str
    points: tuple


def stored_forecasts(database_url: str) -> tuple[dict[tuple[str, str], SeriesForecast], set[tuple[str, str]]]:
    """The forecast of every series that has a run, and the series that have points but no run."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            runs = conn.exec_driver_sql(
                "SELECT r.indicator_code, r.area_adcode, r.created_at, i.frequency FROM forecast_runs r "
                "JOIN indicators i ON i.code = r.indicator_code").all()
            points: dict[tuple[str, str], list] = {}
            for code, adcode, *point in conn.exec_driver_sql(
                    "SELECT indicator_code, area_adcode, period, yhat, lower_80, upper_80, lower_95, upper_95 "
                    "FROM forecasts ORDER BY indicator_code, area_adcode, period"):
                points.setdefault((code, adcode), []).append(tuple(point))
    finally:
        engine.dispose()
    forecasts = {(code, adcode): SeriesForecast(created, frequency, tuple(points.get((code, adcode), ())))
                 for code, adcode, created, frequency in runs}
    return forecasts, set(points) - set(forecasts)


def query_value(database_url: str, sql: str):
    """The one value ``sql`` reads, on a connection of its own (so it sees what is committed)."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


DATA_VERSION = "SELECT value FROM meta WHERE key = 'data_version'"
BATCH_SUMMARY = re.compile(r"(\d+) series forecast, (\d+) already up to date, (\d+) failed")


def forecast_command(env: dict[str, str], *options: str) -> tuple[str, int, int, int]:
    """Run ``manage.py forecast`` to its end: its summary line, and the series done, fresh and failed."""
    summary = BATCH_SUMMARY.search(manage("forecast", "--workers", "2", "--quiet", *options, env=env))
    return summary.group(0), *(int(n) for n in summary.groups())


def interrupted_forecast(database_url: str, folder: Path, chunks: int = 2) -> Outcome:
    """SIGKILL ``manage.py forecast --all --workers 2`` (its whole process group) once ``chunks`` chunks are
    committed: the store must be consistent, and an incremental run must redo only the rest and end with
    what a clean run gives."""
    from indicators.forecasts.batch import (  # the forecasting models come with it: only when this runs
        CHUNK,
        HORIZONS,
    )

    backend = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    outcome = Outcome(f"4. manage.py forecast --all --workers 2 SIGKILLed (process group) part-way, on {backend}")
    env = store_env(database_url)
    empty_store(database_url)
    total = yearly_file(folder / "yearly.csv")
    manage("load", str(folder / "yearly.csv"), "--city", "xiamen", env=env)

    def complete(forecast: SeriesForecast) -> bool:
        return len(forecast.points) == HORIZONS[forecast.frequency]

    version = int(query_value(database_url, DATA_VERSION))
    batch = start_command(["forecast", "--all", "--workers", "2", "--quiet"], env, folder / "killed-batch.log")
    started = time.monotonic()
    try:
        wait_for(lambda: query_value(database_url, "SELECT count(*) FROM forecast_runs") >= chunks * CHUNK
                 or batch.poll() is not None, 600, f"{chunks} chunks were not committed", every=0.1)
        group = group_members(batch.pid)
        finished_before_kill = batch.poll() is not None
    finally:
        kill_group(batch)
    killed_after = time.monotonic() - started
    wait_for(lambda: not group_members(batch.pid), 10, "processes of the batch outlived SIGKILL")
    kept, orphans = stored_forecasts(database_url)
    partial = [key for key, forecast in kept.items() if not complete(forecast)]
    bumps = int(query_value(database_url, DATA_VERSION)) - version
    outcome.lines += [f"{total} yearly series; SIGKILL to the batch's process group ({len(group)} processes) "
                      f"{killed_after:.1f} s after its start; none left",
                      f"kept: {len(kept)} forecast runs (chunks of {CHUNK}); runs without all their points: "
                      f"{len(partial)}; points without a run: {len(orphans)}; data version +{bumps}"]
    outcome.check(not finished_before_kill and 0 < len(kept) < total, "the batch was not killed part-way")
    outcome.check(not partial and not orphans, "the killed batch left the store inconsistent")
    outcome.check(bumps == len(kept) // CHUNK, "the data version did not move with the chunks kept, so the "
                                               "pages' caches would go on showing the forecasts from before")
    resumed, done, fresh, failed = forecast_command(env)
    after_resume, orphans = stored_forecasts(database_url)
    redone = [key for key in kept if after_resume[key].created_at != kept[key].created_at]
    outcome.lines.append(f"incremental run: {resumed}; of the kept series redone: {len(redone)}")
    outcome.check((done + failed, fresh) == (total - len(kept), len(kept)) and not redone,
                  "the incremental run did not redo exactly the series the killed batch had not finished")
    clean = forecast_command(env, "--all")[0]
    after_clean = stored_forecasts(database_url)[0]
    same_counts = ({key: len(f.points) for key, f in after_resume.items()}
                   == {key: len(f.points) for key, f in after_clean.items()})
    same_values = {k: f.points for k, f in after_resume.items()} == {k: f.points for k, f in after_clean.items()}
    outcome.lines.append(f"clean run (--all): {clean}; every series with as many points: "
                         f"{'yes' if same_counts else 'NO'}; the same values: {'yes' if same_values else 'no'}")
    outcome.check(same_counts and not orphans and all(map(complete, after_resume.values())),
                  "after the incremental run the forecasts differ in count from a clean run")
    return outcome


# ---- the script -------------------------------------------------------------------------------------------

SCENARIOS = ("store", "cache", "load", "forecast")


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print what each measured; 1 when one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS), help="default: all")
    chosen = set(parser.parse_args(argv).scenario)
    outcomes: list[Outcome] = []

    def run(title: str, scenario, *args) -> None:
        started = time.monotonic()
        try:
            outcome = scenario(*args)
        except Exception as exc:  # a scenario that breaks fails; the others still run
            outcome = Outcome(title, failures=[f"{type(exc).__name__}: {exc}"])
        outcome.lines.append(f"({time.monotonic() - started:.0f} s)")
        print(outcome.text(), "", sep="\n", flush=True)
        outcomes.append(outcome)

    with tempfile.TemporaryDirectory(prefix="cityvitals-faults-") as tmp, private_postgres() as postgres:
        folder = Path(tmp)
        if chosen & {"store", "cache"}:
            print("Building Xiamen's demo store on a private PostgreSQL; starting a private Redis and gunicorn …\n",
                  flush=True)
            with production_site(postgres, folder) as site:
                if "store" in chosen:
                    run("1. PostgreSQL stopped", store_outage, site)
                for fault in ("stopped", "frozen") if "cache" in chosen else ():
                    run(f"2. Redis {fault}", cache_outage, site, fault)
        for name, scenario in (("load", interrupted_load), ("forecast", interrupted_forecast)):
            for backend in ("sqlite", "postgresql") if name in chosen else ():
                place = folder / f"{name}-{backend}"
                place.mkdir()
                url = (f"sqlite:///{place / 'store.db'}" if backend == "sqlite"
                       else postgres.create_database(f"{name}_store"))
                run(f"{name} on {backend}", scenario, url, place)
    failed = [outcome.title for outcome in outcomes if outcome.failures]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} passed" + "".join(f"\nFAILED: {t}" for t in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
