"""Browser tests: the real app, started as ``python app.py`` on a fresh store, in headless Chromium.

The server is started once per session in a subprocess, exactly as the README's first
command does (first start → init with demo data → serve). Playwright drives Debian's
``/usr/bin/chromium``; every request that would leave 127.0.0.1 is aborted and recorded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
VIEWPORTS = {"mobile": (390, 844), "pc": (1920, 1080), "wall": (3840, 2160)}


def artifacts_dir() -> Path:
    """Where screenshots go (printed by scripts/test)."""
    folder = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the live server's new SQLite store (fixtures can prepare it with ``manage.py``)."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser-store') / 'store.db'}"


@pytest.fixture(scope="session")
def live_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's data folder (``CITYVITALS_DATA_DIR``: imported screens, cities added by adcode)."""
    return tmp_path_factory.mktemp("browser-data")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, live_store: str, live_data_dir: Path):
    """The app served by ``python app.py`` on a new SQLite store; yields its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    port = _free_port()
    env = {**os.environ, "CITYVITALS_DATABASE_URL": live_store, "CITYVITALS_PORT": str(port),
           "CITYVITALS_FIRST_START_FORECAST": "0",
           "CITYVITALS_HOST": "127.0.0.1", "CITYVITALS_DATA_DIR": str(live_data_dir)}
    log = (tmp_path_factory.mktemp("browser-log") / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited with {process.returncode}; see {log.name}")
        try:
            with urlopen(base + "/", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("app.py did not answer within 240 s")
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def admin_account(live_server: str, live_store: str) -> tuple[str, str]:
    """An administrator of the live server, added to its store by ``manage.py users add``: (name, password).

    Demo mode signs every visitor in as the demo leader, who is no admin; this account signs in on /login.
    """
    name, password = "browser-admin", "Tall-cedar-7391"
    added = subprocess.run([sys.executable, "manage.py", "users", "add", name, "--role", "admin", "--password-stdin"],
                           cwd=ROOT, input=password + "\n", text=True, capture_output=True, check=False,
                           env={**os.environ, "CITYVITALS_DATABASE_URL": live_store})
    if added.returncode != 0:
        pytest.fail(f"manage.py users add failed: {added.stderr}")
    return name, password


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> dict:
    name = request.param
    width, height = VIEWPORTS[name]
    return {"name": name, "width": width, "height": height}


@pytest.fixture
def browser_context_args(browser_context_args, viewport):
    mobile = viewport["name"] == "mobile"
    return {**browser_context_args, "is_mobile": mobile, "has_touch": mobile,
            "viewport": {"width": viewport["width"], "height": viewport["height"]}}


@pytest.fixture
def page_problems(page, live_server) -> dict[str, list[str]]:
    """Console errors, page errors, failed requests and requests that tried to leave the server.

    A request of a page the test is leaving is aborted by the browser (net::ERR_ABORTED): sent before the next page
    was asked for, or by the old page while the next one was on its way (a link is a new document). That is the
    test leaving, not the server failing, so it is not counted.
    """
    problems: dict[str, list[str]] = {"console": [], "offsite": [], "failed": []}
    # Navigations the main frame has asked for, and how many of them it had when its current page was shown.
    documents = {"asked": 0, "shown": 0}
    asked_under: dict = {}  # request -> the page count when it was sent
    leaving: set = set()  # requests sent while the next page was on its way

    def sent(request):
        if request.is_navigation_request() and request.frame == page.main_frame:
            documents["asked"] += 1
        elif documents["asked"] > documents["shown"]:
            leaving.add(request)
        asked_under[request] = documents["asked"]

    def shown(frame):
        if frame == page.main_frame:
            documents["shown"] = documents["asked"]

    def failed(request):
        left = asked_under.get(request, 0) < documents["asked"] or request in leaving
        left_behind = request.failure == "net::ERR_ABORTED" and left
        if request.url.startswith(live_server) and not left_behind:
            problems["failed"].append(f"{request.url} ({request.failure})")  # the reason tells abort from failure

    def route(route):
        if route.request.url.startswith(live_server):
            return route.continue_()
        problems["offsite"].append(route.request.url)
        return route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems["console"].append(m.text))
    page.on("pageerror", lambda e: problems["console"].append(str(e)))
    page.on("request", sent)
    page.on("framenavigated", shown)
    page.on("requestfailed", failed)
    return problems


def wait_until(page, expression: str, *, arg=None, timeout: float = 15000) -> None:
    """Wait until the JavaScript ``expression`` (or one-argument function, given ``arg``) is truthy.

    Playwright's ``wait_for_function`` compiles its predicate with ``eval`` inside the page, which the
    app's Content-Security-Policy rightly forbids; ``page.evaluate`` runs through the DevTools protocol
    instead, so the page keeps its real policy while the test polls.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(expression, arg) if arg is not None else page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(100)


def assert_accessible(page) -> None:
    """A stock axe run: WCAG 2 A and AA, every rule of those, over the whole page, nothing left out.

    The scans used to leave out Dash 4's dropdown focus proxy, date picker wrapper and dcc.Upload's file input as
    "the library's, not ours", which hid aria-hidden-focus (serious) on every page with a dropdown — a page's users
    meet the library's markup all the same. assets/07-accessibility.js mends all three in the app.
    """
    result = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
    assert result.violations_count == 0, result.generate_report()
