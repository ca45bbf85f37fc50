"""Shared fixtures: a temporary store per test on SQLite and, when it answers, PostgreSQL.

``CITYVITALS_TEST_POSTGRES_URL`` names the PostgreSQL server (default: the local one,
database ``test``); each test gets its own schema there, dropped afterwards. With
``CITYVITALS_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) an unreachable server fails the
run instead of skipping the PostgreSQL half.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("CITYVITALS_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("CITYVITALS_REQUIRE_POSTGRES") == "1"
# The demo store of the query tests ends on a fixed day, so results do not drift with the calendar.
DEMO_TODAY = date(2025, 6, 30)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--skip-slow", action="store_true", help="skip tests marked slow")


# The tiers (``scripts/test --fast`` runs unit and SQLite store tests: not browser, postgres, faults or slow).
TIERS = {
    "unit": "pure tests under tests/unit (no store, no server)",
    "store": "tests on a real store under tests/store",
    "postgres": "the PostgreSQL half of a store test",
    "browser": "tests in headless Chromium under tests/integration",
    "faults": "tests that start servers and break them (processes, PostgreSQL, Redis, clusters)",
    "slow": "slow tests (Prophet fits, large stores); --skip-slow skips them",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


def _tier_of_path(item: pytest.Item) -> str | None:
    parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
    return {"unit": "unit", "store": "store", "integration": "browser"}.get(parts[0])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="--skip-slow")
    for item in items:
        tier = _tier_of_path(item)
        if tier:
            item.add_marker(tier)
        callspec = getattr(item, "callspec", None)
        if callspec and any(isinstance(value, str) and value == "postgresql" for value in callspec.params.values()):
            item.add_marker("postgres")
        if config.getoption("--skip-slow") and "slow" in item.keywords:
            item.add_marker(skip)


def postgres_available() -> bool:
    """Whether the test PostgreSQL server answers."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


BACKENDS = ["sqlite", "postgresql"]


def _backend_url(backend: str, tmp_dir: Path):
    """Yield a fresh, empty store URL on ``backend``; clean it up afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / 'store.db'}"
        return
    if not postgres_available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but does not answer at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}")
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        from indicators.store import db

        db.dispose(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty store (no schema) on each backend, made current with ``db.use``."""
    from indicators.store import db

    for url in _backend_url(request.param, tmp_path):
        db.use(url)
        yield url
        db.dispose(url)


def _demo_store_built_once(tmp_path_factory: pytest.TempPathFactory, url: str) -> None:
    """Make the SQLite demo store at ``url``: under pytest-xdist one worker builds it and the others copy it (one
    run's workers share their base folder's parent); alone, it is built in place."""
    from indicators.bootstrap import init_store

    def build(target: str) -> None:
        init_store(target, city_keys=("xiamen", "ningde"), seed=7, today=DEMO_TODAY, progress=False)

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        build(url)
        return
    shared = tmp_path_factory.getbasetemp().parent / "demo-store.db"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            built = shared.with_name("demo-store-built.db")
            build(f"sqlite:///{built}")
            # Through SQLite's backup (the store keeps a write-ahead log beside its file), then renamed whole.
            _copy_sqlite(built, shared.with_name("demo-store-copy.db")).rename(shared)
    _copy_sqlite(shared, Path(url.removeprefix("sqlite:///")))


def _copy_sqlite(source: Path, target: Path) -> Path:
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    return target


@pytest.fixture(params=BACKENDS, scope="session")
def demo_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A store made by ``init`` (real catalog, both demo cities up to ``DEMO_TODAY``), per backend, once."""
    from indicators.bootstrap import init_store

    for url in _backend_url(request.param, tmp_path_factory.mktemp(request.param)):
        if request.param == "sqlite":
            _demo_store_built_once(tmp_path_factory, url)
        else:
            init_store(url, city_keys=("xiamen", "ningde"), seed=7, today=DEMO_TODAY, progress=False)
        yield url


@pytest.fixture
def use_demo_store(demo_store: str) -> str:
    """Make the session's demo store current for one test."""
    from indicators.store import db

    db.use(demo_store)
    return demo_store


@pytest.fixture(scope="session")
def dash_app():
    """The Dash app; creating it registers the pages, so page modules import after it."""
    import app as app_module

    return app_module.app


@pytest.fixture
def uncached(monkeypatch):
    """Queries straight from the store, so a test sees what it just wrote without a data-version bump."""
    from indicators.views.cache import cache

    monkeypatch.setattr(cache, "app", None)



@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test leaves no cached data or answers behind, so tests do not depend on their order."""
    from indicators.views.cache import cache

    yield
    if getattr(cache, "app", None) is not None and cache.available():
        try:
            with cache.app.app_context():
                cache.clear()
        except Exception:  # a cache that a test took down: nothing to drop
            pass
