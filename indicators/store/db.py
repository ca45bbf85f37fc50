"""The store's engine: created once per database URL, shared by every query.

``use(url)`` points the process at a store (the app and commands do it from settings,
tests from a fixture); ``engine()`` returns it. Schema changes go through Alembic
migrations (``upgrade``), so an existing store is upgraded without losing data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from indicators.store.models import Meta

MIGRATIONS = Path(__file__).with_name("migrations")
_engines: dict[str, Engine] = {}
_current: list[str] = []
# Store calls that failed in this thread (a request's, under gunicorn's threads): lets a caller tell whether
# what it built meanwhile is a degraded answer, whatever the page did with the failure. Per thread rather
# than per context variable: Dash runs callbacks in a copy of the context, whose changes would be lost.
_failures = threading.local()


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; pages show an honest message instead of a traceback."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets pages read while a load writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``, creating the SQLite file's folder when needed.

    Args:
        url: SQLAlchemy database URL.

    Returns:
        A new engine.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def use(url: str) -> Engine:
    """Make ``url`` the store of this process.

    Args:
        url: SQLAlchemy database URL.

    Returns:
        Its engine (created once per URL).
    """
    _current[:] = [url]
    return _engine_for(url)


@contextmanager
def using(url: str) -> Iterator[Engine]:
    """Make ``url`` the store for a while, then dispose of it and restore whichever store (if any) came before."""
    previous = list(_current)
    try:
        yield use(url)
    finally:
        dispose(url)
        _current[:] = previous


def engine() -> Engine:
    """The current store's engine.

    Raises:
        RuntimeError: when no store was chosen with ``use``.
    """
    if not _current:
        raise RuntimeError("no store configured: call indicators.store.db.use(url) first")
    return _engines[_current[0]]


def current_url() -> str:
    """The URL of the current store."""
    if not _current:
        raise RuntimeError("no store configured: call indicators.store.db.use(url) first")
    return _current[0]


@contextmanager
def connect() -> Iterator[Connection]:
    """A connection to the current store for reading.

    Raises:
        StoreUnavailable: when the database cannot be reached or fails, so pages can say
            so honestly.
    """
    try:
        with engine().connect() as conn:
            yield conn
    except DBAPIError as exc:
        _failures.count = failures() + 1
        raise StoreUnavailable(f"store unavailable: {exc.orig!r}") from exc


@contextmanager
def transaction(**options) -> Iterator[Session]:
    """A session on the current store in one transaction, committed when the block ends.

    Raises:
        StoreUnavailable: when the database cannot be reached or fails (nothing is committed).
    """
    try:
        with Session(engine(), **options) as session, session.begin():
            yield session
    except DBAPIError as exc:
        _failures.count = failures() + 1
        raise StoreUnavailable(f"store unavailable: {exc.orig!r}") from exc


def failures() -> int:
    """How many store calls have failed so far in this thread (compare two readings)."""
    return getattr(_failures, "count", 0)


def dispose(url: str) -> None:
    """Close and forget the engine of ``url`` (tests drop their stores)."""
    eng = _engines.pop(url, None)
    if eng is not None:
        eng.dispose()
    if _current == [url]:
        _current.clear()


def alembic_config(url: str) -> Config:
    """Alembic configuration for the store at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Create the schema or upgrade it to the newest migration, keeping all data."""
    config = alembic_config(url)
    with _engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def data_version(session: Session) -> int:
    """The store's data version: it grows with every load that changes data."""
    value = session.scalar(select(Meta.value).where(Meta.key == "data_version"))
    return int(value) if value is not None else 0


def bump_data_version(session: Session) -> int:
    """Increase the data version inside the caller's transaction.

    Returns:
        The new version.
    """
    new = data_version(session) + 1
    if session.execute(update(Meta).where(Meta.key == "data_version").values(value=str(new))).rowcount == 0:
        session.add(Meta(key="data_version", value=str(new)))
    return new
