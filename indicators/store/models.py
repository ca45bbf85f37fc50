"""The SQL store's tables, as SQLAlchemy 2 typed models.

Observations are keyed by (indicator, area, period); ``period`` is the first day of the
period (the day, the ISO week's Monday, the month, quarter or year start). A corrected
value overwrites the observation and keeps the old one in ``revisions``. ``latest`` holds,
per series, the newest value with the previous period's and the year-before value, so
the snapshot of every indicator of an area is one indexed read.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Base class of every table."""


class City(Base):
    """A prefecture-level city."""

    __tablename__ = "cities"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    adcode: Mapped[str] = mapped_column(String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class Area(Base):
    """A city (level ``city``) or one of its districts/counties (level ``district``)."""

    __tablename__ = "areas"

    adcode: Mapped[str] = mapped_column(String(12), primary_key=True)
    city_key: Mapped[str] = mapped_column(ForeignKey("cities.key"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    population: Mapped[int | None] = mapped_column(Integer)


class IndicatorDef(Base):
    """An indicator's definition, loaded from the catalog file."""

    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300))
    theme: Mapped[str] = mapped_column(String(24), index=True)
    topics: Mapped[str] = mapped_column(String(120), default="")
    unit: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(12))
    direction: Mapped[str] = mapped_column(String(12))
    department: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    source_standard: Mapped[str] = mapped_column(String(64), default="")
    source_id: Mapped[str] = mapped_column(String(64), default="")
    spatial_level: Mapped[str] = mapped_column(String(12))
    aggregation: Mapped[str] = mapped_column(String(40))
    accumulation: Mapped[str] = mapped_column(String(8), default="period")
    jan_feb_merged: Mapped[bool] = mapped_column(Boolean, default=False)
    derived: Mapped[str] = mapped_column(String(400), default="")
    growth_of: Mapped[str] = mapped_column(String(24), default="")
    rolls_up_to: Mapped[str] = mapped_column(String(24), default="")
    blue: Mapped[float | None] = mapped_column(Float)
    yellow: Mapped[float | None] = mapped_column(Float)
    orange: Mapped[float | None] = mapped_column(Float)
    red: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    typical: Mapped[float] = mapped_column(Float)
    sensitivity: Mapped[str] = mapped_column(String(12))
    headline: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[str] = mapped_column(Text)
    catalog_version: Mapped[str] = mapped_column(String(16))
    # The entry as the catalog file last gave it (JSON): a field the file has not changed since keeps
    # the store's value, which may be an operator's edit.
    file_values: Mapped[str | None] = mapped_column(Text)


class ThresholdOverride(Base):
    """Warning thresholds for one area that differ from the catalog's (e.g. a port district)."""

    __tablename__ = "threshold_overrides"

    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(ForeignKey("areas.adcode"), primary_key=True)
    blue: Mapped[float] = mapped_column(Float)
    yellow: Mapped[float] = mapped_column(Float)
    orange: Mapped[float] = mapped_column(Float)
    red: Mapped[float] = mapped_column(Float)


class LoadBatch(Base):
    """One load of data: the demo generator, a department's file or a SQL source."""

    __tablename__ = "load_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    checksum: Mapped[str] = mapped_column(String(64), default="")
    user: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class Observation(Base):
    """One value of one indicator, for one area and period."""

    __tablename__ = "observations"

    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(ForeignKey("areas.adcode"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    flags: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batches.id"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)

    # Maps and rankings read all areas of one indicator at one period. On SQLite the rows
    # live in the primary-key tree itself (no rowid): one tree less to write and to read.
    __table_args__ = (Index("ix_observations_indicator_period", "indicator_code", "period"),
                      {"sqlite_with_rowid": False})


class Revision(Base):
    """An observation's earlier value, kept when a correction replaced it."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(24))
    area_adcode: Mapped[str] = mapped_column(String(12))
    period: Mapped[date] = mapped_column(Date)
    old_value: Mapped[float] = mapped_column(Float)
    new_value: Mapped[float] = mapped_column(Float)
    old_batch_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batches.id"))
    revised_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_revisions_series", "indicator_code", "area_adcode", "period"),)


class HourlyObservation(Base):
    """One value of an hourly indicator, for one area and one whole hour of local time (Asia/Shanghai, naive).

    Kept apart from ``observations`` (keyed by a date) and for a limited time (``Settings.hourly_retention_days``);
    the day's value of the daily indicator it rolls up into stays in ``observations``.
    """

    __tablename__ = "hourly_observations"

    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(ForeignKey("areas.adcode"), primary_key=True)
    observed_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    flags: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batches.id"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)

    # Retention deletes by time across all series.
    __table_args__ = (Index("ix_hourly_observations_observed_at", "observed_at"),)


class HourlyRevision(Base):
    """An hourly value's earlier value, kept when a correction replaced it."""

    __tablename__ = "hourly_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(24))
    area_adcode: Mapped[str] = mapped_column(String(12))
    observed_at: Mapped[datetime] = mapped_column(DateTime)
    old_value: Mapped[float] = mapped_column(Float)
    new_value: Mapped[float] = mapped_column(Float)
    old_batch_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batches.id"))
    revised_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_hourly_revisions_batch", "batch_id"),)


class Latest(Base):
    """The newest value of each series, with the values it is compared with.

    For a year-to-date indicator ``value`` is the cumulative value as published (1—N月累计) and
    ``yoy_value`` the cumulative value a year before (累计同比 compares them); ``period_value`` and
    ``period_yoy_value`` are the single period's values derived from them (当月, 当季; 当月同比), where
    the indicator is an amount. ``prev_value`` is the previous period's value of the same kind as
    ``value`` (None for a year-to-date indicator, whose 环比 means nothing).
    """

    __tablename__ = "latest"

    indicator_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)
    period: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    prev_value: Mapped[float | None] = mapped_column(Float)
    yoy_value: Mapped[float | None] = mapped_column(Float)
    period_value: Mapped[float | None] = mapped_column(Float)
    period_yoy_value: Mapped[float | None] = mapped_column(Float)
    first_period: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(Integer)
    # The last few (period, value) pairs as JSON, so warning rules need no history scan.
    recent: Mapped[str] = mapped_column(Text, default="[]")


class ForecastRun(Base):
    """The current forecast of one series: chosen model, backtest scores, data version."""

    __tablename__ = "forecast_runs"

    indicator_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(String(12), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    mase: Mapped[float | None] = mapped_column(Float)
    smape: Mapped[float | None] = mapped_column(Float)
    data_version: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ForecastPoint(Base):
    """One forecast period of a series, with its 80% and 95% intervals."""

    __tablename__ = "forecasts"

    indicator_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    area_adcode: Mapped[str] = mapped_column(String(12), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    yhat: Mapped[float] = mapped_column(Float)
    lower_80: Mapped[float] = mapped_column(Float)
    upper_80: Mapped[float] = mapped_column(Float)
    lower_95: Mapped[float] = mapped_column(Float)
    upper_95: Mapped[float] = mapped_column(Float)


class Alert(Base):
    """A warning on one series from one rule, followed until closed."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(24), index=True)
    area_adcode: Mapped[str] = mapped_column(String(12), index=True)
    rule: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(64))
    sentence_zh: Mapped[str] = mapped_column(Text)
    sentence_en: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class AlertEvent(Base):
    """One step in an alert's life: who did what, when, with which comment."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(8))
    department: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    """A person who signs in, with a role, a clearance and an optional scope (a city, some districts).

    ``session_token`` is part of every session cookie of the account; a new token (on a password reset,
    a change of role or scope, or disabling) ends all its sessions at once, as does removing its
    ``UserSession`` rows.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    clearance: Mapped[str | None] = mapped_column(String(12))
    city_key: Mapped[str | None] = mapped_column(String(32))
    districts: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """One signed-in session, kept on the server so that signing out ends every copy of its cookie.

    ``id`` is the SHA-256 of the key the session cookie carries (the store never holds a usable key);
    ``seen_at`` moves on at most every few minutes, so idle sessions can be cleared away.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AuditEntry(Base):
    """One line of the audit trail: who did what, when, from where (append-only: the store refuses
    changes and deletions)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")


class Meta(Base):
    """Store-wide values, such as the data version that keys the query cache."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


FACILITY_KINDS = ("school", "hospital", "market", "monitoring_station", "fire_station")


class Facility(Base):
    """A point on the map's thematic layers: a school, hospital, market, monitoring or fire station."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str] = mapped_column(ForeignKey("cities.key"), index=True)
    area_adcode: Mapped[str] = mapped_column(ForeignKey("areas.adcode"))
    kind: Mapped[str] = mapped_column(String(24))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("load_batches.id"))

    __table_args__ = (Index("ix_facilities_city_kind", "city_key", "kind"),)


class CatalogRevision(Base):
    """One changed field of an indicator's definition: from the app (an operator's edit), a catalog file
    imported in the app, or the catalog file under version control (at start-up)."""

    __tablename__ = "catalog_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(24), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12))
    user: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class SqlSource(Base):
    """A read-only query against another database that returns (indicator, area, period, value), loaded
    on a schedule through the same validation as files."""

    __tablename__ = "sql_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    query: Mapped[str] = mapped_column(Text)
    city_key: Mapped[str | None] = mapped_column(String(32))
    every_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[str] = mapped_column(String(12), default="")
    last_message: Mapped[str] = mapped_column(Text, default="")
    last_batch_id: Mapped[int | None] = mapped_column(Integer)


# --- Warnings reach people (migration 0007): routing, deadlines, channels, outbox, silences, groups, annotations ---


class RoutingRule(Base):
    """Who receives an alert of one city: matchers (empty = any) → departments and persons. Rules are tried in
    ``position`` order; a matching rule with ``stop`` ends the search (first match), without it the next rules are
    tried too (all matches). No match: the indicator's responsible department."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120), default="")
    indicator_code: Mapped[str] = mapped_column(String(24), default="")
    theme: Mapped[str] = mapped_column(String(24), default="")
    topic: Mapped[str] = mapped_column(String(40), default="")
    area_adcode: Mapped[str] = mapped_column(String(12), default="")
    min_level: Mapped[str] = mapped_column(String(8), default="")
    rule_kind: Mapped[str] = mapped_column(String(24), default="")
    departments: Mapped[str] = mapped_column(Text, default="")  # comma-separated department names
    persons: Mapped[str] = mapped_column(Text, default="")  # comma-separated usernames
    stop: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class NotifyContact(Base):
    """An address notifications go to: a department's mailbox, a member or head of a department, a city leader.
    A person's clearance and scope are their account's (``username``); a mailbox has its own ``clearance``."""

    __tablename__ = "notify_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str | None] = mapped_column(String(32), index=True)
    department: Mapped[str] = mapped_column(String(64), default="")
    username: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(12))  # mailbox | member | head | leader
    name: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(255))
    clearance: Mapped[str] = mapped_column(String(12), default="internal")
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    briefings: Mapped[str] = mapped_column(String(40), default="")  # daily,weekly,monthly
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NotifyChannel(Base):
    """A webhook: a 钉钉 or 企业微信 group robot (``dingtalk``, ``wecom``) of a department, or a city's 一网统管 event
    platform (``platform``, generic JSON). No ``department``: every alert of its city. ``briefings``: the briefings
    it also gets, a short summary each, in ``lang``."""

    __tablename__ = "notify_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200), default="")
    msg_format: Mapped[str] = mapped_column(String(12), default="markdown")
    city_key: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64), default="")
    clearance: Mapped[str] = mapped_column(String(12), default="internal")
    briefings: Mapped[str] = mapped_column(String(40), default="")  # daily,weekly,monthly
    lang: Mapped[str] = mapped_column(String(2), default="zh", server_default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AlertTracking(Base):
    """An alert's handling: where it was routed, its deadlines, when they were met, how far it escalated, whether
    it went overdue, its silence and group, and the state an outside platform reported."""

    __tablename__ = "alert_tracking"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    city_key: Mapped[str] = mapped_column(String(32), index=True)
    routed_to: Mapped[str] = mapped_column(Text, default="")  # JSON {"departments": [...], "persons": [...]}
    ack_due: Mapped[datetime | None] = mapped_column(DateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalation: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1 department head, 2 city leader
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    silence_id: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(Integer, index=True)
    external_state: Mapped[str] = mapped_column(String(16), default="")


class AlertGroup(Base):
    """Related alerts handled as one event: one rule family (indicator and rule) in one period across districts."""

    __tablename__ = "alert_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str] = mapped_column(String(32), index=True)
    indicator_code: Mapped[str] = mapped_column(String(24))
    rule: Mapped[str] = mapped_column(String(24))
    period: Mapped[date | None] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Silence(Base):
    """No notifications for alerts matching its matchers (empty = any) between ``starts_at`` and ``ends_at``."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str] = mapped_column(String(32), index=True)
    indicator_code: Mapped[str] = mapped_column(String(24), default="")
    theme: Mapped[str] = mapped_column(String(24), default="")
    area_adcode: Mapped[str] = mapped_column(String(12), default="")
    level: Mapped[str] = mapped_column(String(8), default="")
    rule_kind: Mapped[str] = mapped_column(String(24), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """One message in the outbox, to one address or webhook, tried until sent or given up (``dead``)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    group_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))  # dispatch | escalate | briefing
    channel: Mapped[str] = mapped_column(String(12))  # email | dingtalk | wecom | platform
    target: Mapped[str] = mapped_column(String(500))  # an address, or a channel id
    recipient: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_name: Mapped[str] = mapped_column(String(120), default="")
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class DeliveryAttempt(Base):
    """One try to deliver a notification: when, whether it worked, the error, how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class WebhookReceipt(Base):
    """A signed inbound call already accepted: the same signature is refused again (replay)."""

    __tablename__ = "webhook_receipts"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Annotation(Base):
    """An event on the time axis (a typhoon, a policy, a data-source change): by an operator or from a group."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city_key: Mapped[str] = mapped_column(String(32), index=True)
    indicator_code: Mapped[str] = mapped_column(String(24), default="")
    area_adcode: Mapped[str] = mapped_column(String(12), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(12), default="operator")  # operator | group
    group_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A credential for the API (``/api/v1``): a person's access token, or a service account's.

    Only the SHA-256 of the secret is kept (it is shown once, when made). A personal token (``owner``
    set) acts as its owner, narrowed to its own clearance and scope, and stops working when the owner
    is disabled or no longer covers it; a service account's token has a role of its own. ``writes``
    allows pushing data and alert actions (within the role's permissions); a read token never writes.
    Tokens are revoked, never deleted, so the audit trail keeps naming them.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    owner: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    clearance: Mapped[str] = mapped_column(String(12))
    city_key: Mapped[str | None] = mapped_column(String(32))
    districts: Mapped[str] = mapped_column(String(255), default="")
    writes: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class IdempotentPush(Base):
    """A push to ``POST /api/v1/observations`` under an ``Idempotency-Key``: the body's checksum and the
    answer given, so a retry gets the same answer and a different body under the same key is refused."""

    __tablename__ = "api_idempotency"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
