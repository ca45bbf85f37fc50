"""SQL sources: a read-only query against another database (any SQLAlchemy URL) that returns indicator,
area, period and value, run on a schedule. Its rows go through the same validation, loading and audit as
a department's file (``loading.load_bytes`` with kind ``sql``), so a bad row rejects the whole run with
row, column and reason, and nothing is written.

Read-only twice over: the query must be one SELECT (or WITH … SELECT) without data-changing words, and
it runs in a read-only transaction (PostgreSQL, MySQL/MariaDB) or a read-only connection (SQLite) that is
rolled back. Use a database account that can only read, all the same. The URL's password is never shown
or written to the audit log.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from indicators import db
from indicators.access import require
from indicators.audit import actor, record, record_in
from indicators.catalog_store import store_catalog
from indicators.loading import LoadReport, load_bytes
from indicators.models import SqlSource

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
MIN_MINUTES = 5
MAX_ROWS = 500_000
TIMEOUT_SECONDS = 120
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
    word = WRITING.search(bare)
    if word:
        raise SqlSourceError(f"查询不能包含 {word.group(0).upper()} / the query may not contain {word.group(0).upper()}")
    return stripped


def _check_url(url: str) -> None:
    try:
        make_url(url)
    except ArgumentError as exc:
        raise SqlSourceError("无效的数据库地址 / not a SQLAlchemy database URL") from exc


def add_source(name: str, url: str, query: str, *, city_key: str | None = None, every_minutes: int = 60) -> None:
    """Register a source (checked, not run yet).

    Raises:
        SqlSourceError: a bad name, URL, query or interval, or a name in use.
        AccessDenied: the current viewer may not load data.
    """
    from geo.cities import load_cities

    require("data.load")
    if not NAME.match(name):
        raise SqlSourceError("名称只能包含字母、数字和 _.-,2–64 个字符 / name: letters, digits, _.-, 2–64 characters")
    _check_url(url)
    query = check_query(query)
    if city_key is not None and city_key not in load_cities():
        raise SqlSourceError(f"未知城市 / unknown city {city_key!r}")
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


def set_active(name: str, active: bool) -> None:
    """Pause or resume a source.

    Raises:
        SqlSourceError: no such source.
        AccessDenied: the current viewer may not load data.
    """
    require("data.load")
    with db.transaction() as session:
        source = session.scalar(select(SqlSource).where(SqlSource.name == name))
        if source is None:
            raise SqlSourceError(f"没有该数据源 / no source {name!r}")
        source.active = active
        record_in(session, "sql_source", target=name, detail={"action": "resume" if active else "pause"})


def sources() -> pd.DataFrame:
    """Every source, its URL masked, by name.

    Returns:
        Columns ``SOURCE_COLUMNS``.
    """
    require("data.view")
    with db.connect() as conn:
        rows = conn.execute(select(*(SqlSource.__table__.c[c] for c in SOURCE_COLUMNS)).order_by(SqlSource.name)).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=SOURCE_COLUMNS)
    frame["url"] = frame["url"].map(masked)
    return frame


def _read_only_engine(url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        # A read-only connection: SQLite has no read-only transactions.
        return create_engine(f"sqlite:///file:{parsed.database}?mode=ro&uri=true", poolclass=NullPool)
    return create_engine(url, poolclass=NullPool)


def fetch_rows(url: str, query: str) -> pd.DataFrame:
    """Run a source's query read-only and return its rows (``indicator``, ``area``, ``period``, ``value``).

    Raises:
        SqlSourceError: the database cannot be reached, the query fails, returns other columns, or too many rows.
    """
    query = check_query(query)
    engine = _read_only_engine(url)
    dialect = engine.dialect.name
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {TIMEOUT_SECONDS * 1000}")
            elif dialect in ("mysql", "mariadb"):
                conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
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


def period_text(period, frequency: str | None) -> str:
    """A period from a database column as the loader reads it: a DATE of a monthly indicator means its month
    (2024-03-01 → 2024-03), of a quarterly one its quarter, and so on; other values are passed as text."""
    if not isinstance(period, (date, datetime)):
        return str(period)
    day = period.date() if isinstance(period, datetime) else period
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


def _as_csv(frame: pd.DataFrame, frequencies: dict[str, str]) -> bytes:
    """The rows as a long CSV, so they go through the file loader's validation word for word."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for indicator, area, period, value in frame.itertuples(index=False):
        writer.writerow([indicator, area, period_text(period, frequencies.get(str(indicator))),
                         "" if value is None else value])
    return out.getvalue().encode("utf-8")


def run_source(name: str, *, dry_run: bool = False) -> SourceRun:
    """Run one source now: fetch its rows read-only and load them like a file (all or nothing).

    Args:
        name: the source.
        dry_run: validate only (nothing is written, the source's last run is not updated).

    Returns:
        What happened; a failure is a result with its reason, never an exception.

    Raises:
        SqlSourceError: no such source.
        AccessDenied: the current viewer may not load data.
    """
    require("data.load")
    with db.transaction(expire_on_commit=False) as session:
        source = session.scalar(select(SqlSource).where(SqlSource.name == name))
        if source is None:
            raise SqlSourceError(f"没有该数据源 / no source {name!r}")
    try:
        frame = fetch_rows(source.url, source.query)
        catalog = store_catalog()
        frequencies = {key: entry.frequency for entry in catalog for key in (entry.code, entry.name_zh)}
        report = load_bytes(_as_csv(frame, frequencies), f"sql:{name}", dry_run=dry_run, city_key=source.city_key,
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
    return outcome


def due_sources(now: datetime | None = None) -> list[str]:
    """The active sources whose interval has passed since their last run (or that never ran)."""
    now = now or datetime.now()
    with db.connect() as conn:
        rows = conn.execute(select(SqlSource.name, SqlSource.every_minutes, SqlSource.last_run_at)
                            .where(SqlSource.active.is_(True)).order_by(SqlSource.name)).all()
    return [name for name, minutes, last in rows if last is None or now - last >= timedelta(minutes=minutes)]


def run_due_sources(now: datetime | None = None) -> list[SourceRun]:
    """Run every source that is due (the scheduler calls this every minute); one failing source does not
    stop the others."""
    return [run_source(name) for name in due_sources(now)]
