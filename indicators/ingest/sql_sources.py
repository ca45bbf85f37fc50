"""SQL sources: a read-only query against another database (any SQLAlchemy URL) that returns indicator,
area, period and value, run on a schedule. Its rows go through the same validation, loading and audit as
a department's file (``loading.load_bytes`` with kind ``sql``), so a bad row rejects the whole run with
row, column and reason, and nothing is written.

Read-only twice over: the query must be one SELECT (or WITH … SELECT) without data-changing words or
functions that read the server's files, and it runs in a read-only transaction (PostgreSQL, MySQL/MariaDB) or
a read-only connection (SQLite) that is rolled back, with a row cap and a time limit. Use a database account
that can only read, all the same. The URL's password is never shown or written to the audit log.

A source can never reach the app itself: when it is registered and again when it runs, its URL must be of a
kind in ``CITYVITALS_SQL_SOURCE_SCHEMES`` (no SQLite file unless that names ``sqlite``), carry no connection
options beyond ``SAFE_OPTIONS``, and name neither the store's own database (the same server and database,
however the host is written; on PostgreSQL also compared by what the server says it is) nor, for SQLite, the
store's file or any file of the app. The rows are loaded as the one who runs it (the author, for a scheduled
run): what is beyond their clearance or scope is refused like a file's rows. A test's result is shown only
to the source's author.
"""

from __future__ import annotations

import csv
import getpass
import io
import ipaddress
import os
import re
import socket
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import flask
import pandas as pd
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from indicators.accounts.access import SYSTEM, Viewer, acting_as
from indicators.accounts.audit import actor, record, record_in, refuse, required
from indicators.catalog.entries import Indicator
from indicators.catalog.periods import period_start
from indicators.ingest.catalog_edits import store_catalog
from indicators.ingest.loading import LoadReport, load_bytes
from indicators.ingest.templates import period_label
from indicators.store import db
from indicators.store.models import SqlSource
from settings import ROOT, get_settings

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
MIN_MINUTES = 5
MAX_ROWS = 500_000
TIMEOUT_SECONDS = 120
CONNECT_SECONDS = 10
# Connection options a source's URL may carry; any other (a host, socket or file given as an option, a driver
# library, a service file) is refused.
SAFE_OPTIONS = frozenset({"sslmode", "connect_timeout", "application_name", "charset"})
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433, "oracle": 1521}
# Functions that read or list the database server's files or reach other databases from a query.
READING_FILES = re.compile(r"\b(pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_import|lo_export|dblink\w*|"
                           r"load_file|openrowset|opendatasource|utl_file|readfile|bfilename)\b", re.IGNORECASE)
OWN_STORE = "不能连接本系统自身的数据库 / a source may not read the app's own store"
NOT_AUTHOR = "试运行结果只给数据源的登记人 / only the source's author may test it"
NOT_SHOWN = "运行失败,原因只给数据源的登记人 / the run failed; why is shown to the source's author"
OUT_OF_SCOPE = "该数据源超出您的范围 / the source's city is outside your scope: not permitted"
COLUMNS = ("indicator", "area", "period", "value")
# Words that change data or the database; refused anywhere in the query outside string literals.
WRITING = re.compile(r"\b(insert|update|delete|merge|upsert|drop|alter|create|truncate|grant|revoke|copy|call|"
                     r"exec|execute|attach|detach|pragma|vacuum|lock|set|into)\b", re.IGNORECASE)
SOURCE_COLUMNS = ["name", "url", "query", "city_key", "every_minutes", "active", "created_by", "created_at",
                  "last_run_at", "last_status", "last_message", "last_batch_id"]


class SqlSourceError(ValueError):
    """A source that cannot be registered or run; the message says why, in Chinese and English."""


@dataclass
class SourceRun:
    """One run of a source: whether its rows loaded, and the load's report (None when it never got that far)."""

    name: str
    ok: bool
    message: str
    load: LoadReport | None = None
    # Whether the rows' report and the database's own words are shown: to the source's author only.
    detailed: bool = True


def masked(url: str) -> str:
    """The URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


def _without_literals(query: str) -> str:
    query = re.sub(r"'(?:[^']|'')*'", "''", query)
    query = re.sub(r"--[^\n]*|/\*.*?\*/", " ", query, flags=re.DOTALL)
    return query


def check_query(query: str) -> str:
    """Refuse a query that is not one read-only SELECT.

    Returns:
        The query without a trailing semicolon.

    Raises:
        SqlSourceError: saying why.
    """
    stripped = query.strip().rstrip(";").strip()
    bare = _without_literals(stripped)
    if not re.match(r"^\s*(select|with)\b", bare, re.IGNORECASE):
        raise SqlSourceError("查询须以 SELECT 或 WITH 开头 / the query must start with SELECT or WITH")
    if ";" in bare:
        raise SqlSourceError("只能有一条语句 / only one statement is allowed")
    word = WRITING.search(bare) or READING_FILES.search(bare)
    if word:
        raise SqlSourceError(f"查询不能包含 {word.group(0).upper()} / the query may not contain {word.group(0).upper()}")
    return stripped


def _addresses(host: str | None) -> frozenset[str]:
    """Where ``host`` leads: its addresses, and ``local`` for this machine (no host means the local socket)."""
    if not host:
        return frozenset({"local"})
    try:
        found = {info[4][0].split("%")[0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return frozenset({host.lower()})
    try:
        own = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        own = set()
    local = any(ipaddress.ip_address(a).is_loopback or ipaddress.ip_address(a).is_unspecified or a in own
                for a in found)
    return frozenset(found | ({"local"} if local else set()))


def _family(url: URL) -> str:
    backend = url.get_backend_name()
    return "mysql" if backend == "mariadb" else backend


def _endpoint(url: URL) -> tuple[str, frozenset[str], int | None, str]:
    """A network database's kind, addresses, port and database name, as a connection would resolve them."""
    family = _family(url)
    database = url.database or url.username or getpass.getuser()
    return family, _addresses(url.host), url.port or DEFAULT_PORTS.get(family), \
        database.lower() if family == "mysql" else database


def _same_server(one: tuple, other: tuple) -> bool:
    return one[0] == other[0] and one[2] == other[2] and one[3] == other[3] and bool(one[1] & other[1])


def _same_file(path: str, other: str) -> bool:
    try:
        return os.path.realpath(path) == os.path.realpath(other) or os.path.samefile(path, other)
    except OSError:
        return False


def _check_sqlite(url: URL, store: URL) -> None:
    """A SQLite source must be a plain file that is neither the store nor any file of the app."""
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:") or url.query:
        raise SqlSourceError("SQLite 数据源须为普通文件路径 / a SQLite source must be a plain file path")
    if store.get_backend_name() == "sqlite" and store.database and _same_file(database, store.database):
        raise SqlSourceError(OWN_STORE)
    if Path(os.path.realpath(database)).is_relative_to(ROOT):
        raise SqlSourceError("不能读取本系统目录下的文件 / a source may not read the app's own files")


def check_url(url: str) -> URL:
    """Refuse a source URL that could reach the app itself or is of a kind not allowed (see the module).

    Returns:
        The parsed URL.

    Raises:
        SqlSourceError: saying why.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SqlSourceError("无效的数据库地址 / not a SQLAlchemy database URL") from exc
    allowed = get_settings().sql_source_scheme_set
    if parsed.drivername.lower() not in allowed and parsed.get_backend_name().lower() not in allowed:
        raise SqlSourceError(f"不允许的数据库类型 {parsed.drivername} / database kind {parsed.drivername} is not "
                             f"allowed (CITYVITALS_SQL_SOURCE_SCHEMES: {', '.join(sorted(allowed))})")
    store = make_url(db.current_url())
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(parsed, store)
    elif _family(store) == _family(parsed) and _same_server(_endpoint(parsed), _endpoint(store)):
        raise SqlSourceError(OWN_STORE)
    options = sorted(set(parsed.query) - SAFE_OPTIONS)
    if options:
        raise SqlSourceError(f"不允许的连接参数 / connection options not allowed: {', '.join(options)}")
    return parsed


def add_source(name: str, url: str, query: str, *, city_key: str | None = None, every_minutes: int = 60) -> None:
    """Register a source (checked, not run yet).

    Raises:
        SqlSourceError: a bad name, URL (``check_url``, audited), query or interval, or a name in use.
        AccessDenied: the current viewer may not load data or not for this city (audited).
    """
    from geo.cities import load_cities

    viewer = required("data.load", target=name, action="sql_source")
    if not NAME.match(name):
        raise SqlSourceError("名称只能包含字母、数字和 _.-,2–64 个字符 / name: letters, digits, _.-, 2–64 characters")
    if city_key is not None and city_key not in load_cities():
        raise SqlSourceError(f"未知城市 / unknown city {city_key!r}")
    _check_scope(viewer, name, city_key, "add")
    try:
        check_url(url)
    except SqlSourceError as exc:
        record_refused_url(name, url, str(exc))
        raise
    query = check_query(query)
    if every_minutes < MIN_MINUTES:
        raise SqlSourceError(f"间隔至少 {MIN_MINUTES} 分钟 / run at most every {MIN_MINUTES} minutes")
    user = actor()[0]
    with db.transaction() as session:
        if session.scalar(select(SqlSource.id).where(SqlSource.name == name)) is not None:
            raise SqlSourceError(f"名称已存在 / a source named {name!r} exists")
        session.add(SqlSource(name=name, url=url, query=query, city_key=city_key, every_minutes=every_minutes,
                              active=True, created_by=user, created_at=datetime.now(), last_status="",
                              last_message=""))
        record_in(session, "sql_source", target=name, user=user,
                  detail={"action": "add", "url": masked(url), "query": query, "every_minutes": every_minutes})


def _check_scope(viewer: Viewer, name: str, city_key: str | None, action: str) -> None:
    """Refuse (audited) a source of a city outside the viewer's scope (a source of every city, to a bound viewer)."""
    if (viewer.city_key is not None or viewer.districts) and not viewer.sees_city(city_key):
        raise refuse(name, {"action": f"sql_source_{action}", "city": city_key}, OUT_OF_SCOPE)


def record_refused_url(name: str, url: str, reason: str) -> None:
    """Audit a URL refused at registration or run (the password masked)."""
    record("access_denied", target=name, detail={"action": "sql_source", "url": masked(url), "reason": reason})


def set_active(name: str, active: bool) -> None:
    """Pause or resume a source.

    Raises:
        SqlSourceError: no such source.
        AccessDenied: the current viewer may not load data or not for the source's city (audited).
    """
    viewer = required("data.load", target=name, action="sql_source")
    with db.connect() as conn:
        found = conn.execute(select(SqlSource.id, SqlSource.city_key).where(SqlSource.name == name)).first()
    if found is None:
        raise SqlSourceError(f"没有该数据源 / no source {name!r}")
    _check_scope(viewer, name, found.city_key, "resume" if active else "pause")
    with db.transaction() as session:
        source = session.get(SqlSource, found.id)
        source.active = active
        record_in(session, "sql_source", target=name, detail={"action": "resume" if active else "pause"})


def sources() -> pd.DataFrame:
    """The sources of the cities in the viewer's scope, their URLs masked, by name; a source's last message
    (which may quote its database) only to its author.

    Returns:
        Columns ``SOURCE_COLUMNS``.

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    viewer = required("data.load", target="sql sources", action="sql_source_list")
    with db.connect() as conn:
        rows = conn.execute(select(*(SqlSource.__table__.c[c] for c in SOURCE_COLUMNS)).order_by(SqlSource.name)).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=SOURCE_COLUMNS)
    if viewer.city_key is not None:
        frame = frame[frame["city_key"] == viewer.city_key].reset_index(drop=True)
    frame["url"] = frame["url"].map(masked)
    frame["last_message"] = [message if _is_author(viewer, author) else ""
                             for message, author in zip(frame["last_message"], frame["created_by"])]
    return frame


def _is_author(viewer: Viewer, author: str) -> bool:
    return viewer is SYSTEM or viewer.username == author


def _read_only_engine(url: URL | str):
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        # A read-only connection: SQLite has no read-only transactions.
        return create_engine(f"sqlite:///file:{quote(os.path.realpath(url.database))}?mode=ro&uri=true",
                             poolclass=NullPool)
    connect_args = {"connect_timeout": CONNECT_SECONDS} if _family(url) in ("postgresql", "mysql") else {}
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


def _time_limit(engine) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a query after ``TIMEOUT_SECONDS``."""
    @event.listens_for(engine, "connect")
    def _interrupt_late(dbapi_connection, _record):
        deadline = time.monotonic() + TIMEOUT_SECONDS
        dbapi_connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)


def _server_identity(conn) -> tuple:
    """What a PostgreSQL server says it is: database, port and when it started (the same on every address)."""
    return tuple(conn.exec_driver_sql(
        "SELECT current_database(), current_setting('port'), pg_postmaster_start_time()").one())


def _refuse_own_store(conn) -> None:
    """Refuse a connection that turned out to reach the store's own PostgreSQL database after all."""
    if conn.dialect.name != "postgresql" or make_url(db.current_url()).get_backend_name() != "postgresql":
        return
    with db.connect() as own:
        if _server_identity(own) == _server_identity(conn):
            raise SqlSourceError(OWN_STORE)


def fetch_rows(url: str, query: str) -> pd.DataFrame:
    """Run a source's query read-only, at most ``MAX_ROWS`` rows in ``TIMEOUT_SECONDS``, and return its rows
    (``indicator``, ``area``, ``period``, ``value``); the URL is checked again first (``check_url``).

    Raises:
        SqlSourceError: a URL refused, the database cannot be reached, the query fails, returns other columns,
            or too many rows.
    """
    query = check_query(query)
    parsed = check_url(url)
    engine = _read_only_engine(parsed)
    dialect = engine.dialect.name
    if dialect == "sqlite":
        _time_limit(engine)
    try:
        with engine.connect() as conn:
            _refuse_own_store(conn)
            if dialect == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {TIMEOUT_SECONDS * 1000}")
            elif dialect in ("mysql", "mariadb"):
                conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET SESSION MAX_EXECUTION_TIME = {TIMEOUT_SECONDS * 1000}")
            result = conn.execute(text(query))
            columns = [str(name).lower() for name in result.keys()]
            rows = result.fetchmany(MAX_ROWS + 1)
            conn.rollback()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
        raise SqlSourceError(f"查询失败 / the query failed: {reason}") from exc
    finally:
        engine.dispose()
    if tuple(columns) != COLUMNS:
        raise SqlSourceError(f"查询须返回 indicator, area, period, value 四列 / the query must return the columns "
                             f"indicator, area, period, value, not {', '.join(columns)}")
    if len(rows) > MAX_ROWS:
        raise SqlSourceError(f"超过 {MAX_ROWS} 行 / more than {MAX_ROWS} rows")
    return pd.DataFrame([tuple(row) for row in rows], columns=list(COLUMNS))


def period_text(period, frequency: str | None, *, cumulative: bool = False, jan_feb_merged: bool = False) -> str:
    """A period from a database column as the loader reads it: a DATE of a monthly indicator means its month
    (2024-03-01 → 2024-03; 2024年1—3月 for a year-to-date value), of a quarterly one its quarter, and so on;
    other values are passed as text."""
    if not isinstance(period, (date, datetime)):
        return str(period)
    day = period.date() if isinstance(period, datetime) else period
    if cumulative or jan_feb_merged:
        return period_label(period_start(day, frequency or "monthly"), frequency or "monthly", cumulative=cumulative,
                            jan_feb_merged=jan_feb_merged)
    if frequency == "monthly":
        return f"{day:%Y-%m}"
    if frequency == "quarterly":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if frequency == "yearly":
        return str(day.year)
    if frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _as_csv(frame: pd.DataFrame, entries: dict[str, Indicator]) -> bytes:
    """The rows as a long CSV, so they go through the file loader's validation word for word."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for indicator, area, period, value in frame.itertuples(index=False):
        entry = entries.get(str(indicator))
        text = (period_text(period, entry.frequency, cumulative=entry.accumulation == "ytd",
                            jan_feb_merged=entry.jan_feb_merged) if entry else period_text(period, None))
        writer.writerow([indicator, area, text, "" if value is None else value])
    return out.getvalue().encode("utf-8")


def run_source(name: str, *, dry_run: bool = False) -> SourceRun:
    """Run one source now, as the current viewer: fetch its rows read-only and load them like a file (all
    or nothing; rows beyond the viewer's clearance or scope are refused as not permitted).

    Args:
        name: the source.
        dry_run: validate only (nothing is written, the source's last run is not updated); only for the
            source's author (or the system).

    Returns:
        What happened; a failure is a result with its reason, never an exception.

    Raises:
        SqlSourceError: no such source.
        AccessDenied: the current viewer may not load data, the source's city is outside their scope, or a
            test by someone else than its author (each audited).
    """
    viewer = required("data.load", target=f"sql:{name}", action="sql_source_run")
    with db.transaction(expire_on_commit=False) as session:
        source = session.scalar(select(SqlSource).where(SqlSource.name == name))
        if source is None:
            raise SqlSourceError(f"没有该数据源 / no source {name!r}")
    _check_scope(viewer, name, source.city_key, "test" if dry_run else "run")
    if dry_run and not _is_author(viewer, source.created_by):
        raise refuse(name, {"action": "sql_source_test", "author": source.created_by}, NOT_AUTHOR)
    try:
        try:
            check_url(source.url)
        except SqlSourceError as exc:
            record_refused_url(name, source.url, str(exc))
            raise
        frame = fetch_rows(source.url, source.query)
        catalog = store_catalog()
        entries = {key: entry for entry in catalog for key in (entry.code, entry.name_zh)}
        report = load_bytes(_as_csv(frame, entries), f"sql:{name}", dry_run=dry_run, city_key=source.city_key,
                            kind="sql", catalog=catalog)
        outcome = SourceRun(name, report.ok, report.text().splitlines()[0], report)
    except SqlSourceError as exc:
        outcome = SourceRun(name, False, str(exc))
        if not dry_run:
            record("data_load_rejected", target=f"sql:{name}", detail={"reason": str(exc)})
    if not dry_run:
        with db.transaction() as session:
            stored = session.get(SqlSource, source.id)
            stored.last_run_at, stored.last_status = datetime.now(), "ok" if outcome.ok else "failed"
            stored.last_message = outcome.message[:2000]
            stored.last_batch_id = outcome.load.batch_id if outcome.load else None
    if not _is_author(viewer, source.created_by):
        outcome.detailed = False
        if outcome.load is None:
            outcome.message = NOT_SHOWN
    return outcome


def due_sources(now: datetime | None = None) -> list[str]:
    """The active sources whose interval has passed since their last run (or that never ran)."""
    now = now or datetime.now()
    with db.connect() as conn:
        rows = conn.execute(select(SqlSource.name, SqlSource.every_minutes, SqlSource.last_run_at)
                            .where(SqlSource.active.is_(True)).order_by(SqlSource.name)).all()
    return [name for name, minutes, last in rows if last is None or now - last >= timedelta(minutes=minutes)]


def run_as_author(name: str) -> SourceRun:
    """Run a source as its author (their clearance and scope, as when they press "run"); one registered by
    a command runs as the system; one whose author's account is gone or disabled does not run."""
    from indicators.accounts.users import account_named

    with db.connect() as conn:
        author = conn.scalar(select(SqlSource.created_by).where(SqlSource.name == name)) or ""
    if author.startswith("cli:"):
        return run_source(name)
    account = account_named(author)
    if account is None or not account.active:
        message = f"登记人账号已停用或不存在 / the author's account {author!r} is disabled or gone: not run"
        with db.transaction() as session:
            stored = session.scalar(select(SqlSource).where(SqlSource.name == name))
            stored.last_run_at, stored.last_status, stored.last_message = datetime.now(), "failed", message
        return SourceRun(name, False, message)
    with nullcontext() if flask.has_request_context() else acting_as(account.viewer()):
        return run_source(name)


def run_due_sources(now: datetime | None = None) -> list[SourceRun]:
    """Run every source that is due, each as its author (the scheduler calls this every minute); one failing
    source does not stop the others."""
    return [run_as_author(name) for name in due_sources(now)]
