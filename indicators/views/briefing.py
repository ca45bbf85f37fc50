"""The city's briefing (城市运行日报, and its weekly and monthly variants): everything its sentences say, computed
from the store for one city, as the current viewer may see it (clearance, city and districts) — what moved beyond
its normal range, the open warnings by level and department, forecasts that will cross a threshold, overdue
handling and late data. The words are the page's (``pages/_briefing_parts.py``); this view only counts.

``send_briefings`` is the scheduler's morning job: for every subscriber (``notify_contacts.briefings``,
``notify_channels.briefings``) it computes the briefing *as that subscriber* (their account's clearance and scope,
or the contact's or channel's own clearance) and writes it to the notification outbox, which delivers it like any
notification: to an e-mail address with the PDF attached (the renderer it is given: the PDF lives with the pages),
to a webhook as a short summary in that channel's format (钉钉/企业微信 text or markdown, the 一网统管 platform's
JSON event), signed and retried as the alerts are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from indicators.accounts.access import acting_as, require
from indicators.catalog.levels import LEVEL_RANK, WORST_FIRST
from indicators.store import db
from indicators.store.models import Notification
from indicators.views.handling import with_handling
from indicators.views.queries import alerts, cities, latest_snapshot, level_counts, require_city

KINDS = ("daily", "weekly", "monthly")
SPAN_DAYS = {"daily": 1, "weekly": 7, "monthly": 30}
MOVED_RULES = ("threshold", "change", "anomaly")  # a value beyond its normal range
MAX_ITEMS = 8  # items listed per section (the counts are always complete)
SEVERE = ("red", "orange")  # the levels a webhook's summary lists


@dataclass(frozen=True)
class Item:
    """One alert the briefing names: its indicator, area, level, department and the rule's own sentence."""

    alert_id: int
    code: str
    name_zh: str
    name_en: str
    area_zh: str
    area_en: str
    level: str
    rule: str
    department: str
    sentence_zh: str
    sentence_en: str
    hours_late: float = 0.0  # overdue items: hours past the deadline missed


@dataclass(frozen=True)
class LateSeries:
    """An indicator of the city whose newest value is overdue."""

    code: str
    name_zh: str
    name_en: str
    department: str
    period: date
    frequency: str
    periods_overdue: int


@dataclass
class Briefing:
    """One city's briefing over ``start``–``end`` for the viewer it was computed as."""

    city_key: str
    city_zh: str
    city_en: str
    kind: str
    start: datetime
    end: datetime
    clearance: str
    opened: int  # warnings opened in the period
    resolved: int  # warnings resolved or closed in the period
    open_by_level: dict[str, int]  # open now, worst level first
    open_by_department: list[tuple[str, dict[str, int]]]  # most first
    opened_by_day: list[tuple[date, int]]  # the period's days, oldest first
    moved: list[Item] = field(default_factory=list)
    moved_count: int = 0
    forecasts: list[Item] = field(default_factory=list)
    forecast_count: int = 0
    overdue: list[Item] = field(default_factory=list)
    overdue_count: int = 0
    late: list[LateSeries] = field(default_factory=list)
    late_count: int = 0
    severe: list[Item] = field(default_factory=list)  # open red and orange warnings, worst first
    severe_count: int = 0

    @property
    def open_total(self) -> int:
        return sum(self.open_by_level.values())

    @property
    def codes(self) -> set[str]:
        """Every indicator the briefing mentions (for the clearance check of tests and reviewers)."""
        return ({i.code for i in self.moved + self.forecasts + self.overdue} | {s.code for s in self.late})


def period_of(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """The period a ``kind`` briefing made at ``now`` covers: the last 1, 7 or 30 days up to ``now``.

    Raises:
        ValueError: an unknown kind.
    """
    if kind not in SPAN_DAYS:
        raise ValueError(f"briefing {kind!r}: expected one of {', '.join(KINDS)}")
    return now - timedelta(days=SPAN_DAYS[kind]), now


def _items(frame: pd.DataFrame, late: bool = False, now: datetime | None = None) -> list[Item]:
    items = []
    for r in frame.to_dict("records"):
        hours = 0.0
        if late and now is not None:
            dues = [pd.Timestamp(d) for d, done in ((r.get("ack_due"), r.get("acknowledged_at")),
                                                    (r.get("resolve_due"), None))
                    if d is not None and not pd.isna(d) and (done is None or pd.isna(done)) and pd.Timestamp(d) < now]
            hours = round((pd.Timestamp(now) - min(dues)).total_seconds() / 3600, 1) if dues else 0.0
        items.append(Item(int(r["id"]), r["indicator_code"], r["name_zh"], r["name_en"], r.get("area_zh") or "",
                          r.get("area_en") or "", r["level"], r["rule"], r["department"] or "",
                          r["sentence_zh"] or "", r["sentence_en"] or "", hours))
    return items


def _worst_first(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return (frame.assign(_rank=frame["level"].map(LEVEL_RANK).fillna(-1))
            .sort_values(["_rank", "opened_at"], ascending=[False, False]).drop(columns="_rank"))


def briefing(city_key: str, kind: str = "daily", now: datetime | None = None) -> Briefing:
    """The ``kind`` briefing of ``city_key`` at ``now``, as the current viewer may see it.

    Raises:
        AccessDenied: the city is outside the viewer's scope (every role may read the briefing; what it
            names is within their clearance and districts).
        ValueError: an unknown kind.
    """
    viewer = require("data.export")
    require_city(city_key)
    now = now or datetime.now()
    start, end = period_of(kind, now)
    city = cities().set_index("key").loc[city_key]
    every = alerts(city_key, state=None)
    opened_at = pd.to_datetime(every["opened_at"]) if not every.empty else pd.Series(dtype="datetime64[ns]")
    in_period = every[(opened_at >= start) & (opened_at <= end)] if not every.empty else every
    closed_at = pd.to_datetime(every["closed_at"]) if not every.empty else pd.Series(dtype="datetime64[ns]")
    resolved = every[every["state"].isin(("resolved", "closed")) & (closed_at >= start) & (closed_at <= end)] \
        if not every.empty else every
    open_now = with_handling(alerts(city_key, state="open"), now)

    by_department = []
    if not open_now.empty:
        for department, part in open_now.groupby("department"):
            by_department.append((str(department or ""), level_counts(part)))
    by_department.sort(key=lambda d: (-sum(d[1].values()), [-d[1][lvl] for lvl in WORST_FIRST], d[0]))

    days = [(start + timedelta(days=i + 1)).date() for i in range(SPAN_DAYS[kind])] if kind != "daily" else [end.date()]
    per_day = pd.to_datetime(in_period["opened_at"]).dt.date.value_counts() if not in_period.empty else {}
    opened_by_day = [(d, int(per_day.get(d, 0))) for d in days]

    moved = _worst_first(in_period[in_period["rule"].isin(MOVED_RULES)]) if not in_period.empty else in_period
    forecasts = _worst_first(open_now[open_now["rule"] == "forecast"]) if not open_now.empty else open_now
    overdue = _worst_first(open_now[open_now["overdue"]]) if not open_now.empty else open_now
    severe = _worst_first(open_now[open_now["level"].isin(SEVERE)]) if not open_now.empty else open_now

    snapshot = latest_snapshot(str(city["adcode"]), now.date())
    late = snapshot[snapshot["overdue"] > 0].sort_values(["overdue", "code"], ascending=[False, True])
    late_series = [LateSeries(r["code"], r["name_zh"], r["name_en"], r["department"], r["period"], r["frequency"],
                              int(r["overdue"])) for r in late.to_dict("records")]
    return Briefing(
        city_key=city_key, city_zh=str(city["name_zh"]), city_en=str(city["name_en"]), kind=kind, start=start,
        end=end, clearance=viewer.clearance, opened=len(in_period), resolved=len(resolved),
        open_by_level=level_counts(open_now), open_by_department=by_department, opened_by_day=opened_by_day,
        moved=_items(moved.head(MAX_ITEMS)), moved_count=len(moved),
        forecasts=_items(forecasts.head(MAX_ITEMS)), forecast_count=len(forecasts),
        overdue=_items(overdue.head(MAX_ITEMS), late=True, now=now), overdue_count=len(overdue),
        late=late_series[:MAX_ITEMS], late_count=len(late_series),
        severe=_items(severe.head(MAX_ITEMS)), severe_count=len(severe))


# --- the morning round: e-mails and webhooks ---

Renderer = Callable[[Briefing, str], tuple[str, str, bytes]]  # (briefing, lang) → subject, body, PDF
# (briefing, lang, the channel's format ``text`` or ``markdown``, link to /briefing or "") → title, text
Summarizer = Callable[[Briefing, str, str, str], tuple[str, str]]


@dataclass
class SendReport:
    """What one round of briefings did."""

    written: int = 0
    skipped: int = 0  # already written for this recipient and period
    refused: int = 0  # a recipient who may not read the city (outside their scope)


def briefing_link(public_url: str, b: Briefing, lang: str) -> str:
    """The briefing's page on the cockpit ("" when the installation has no public address)."""
    base = public_url.rstrip("/")
    return f"{base}/briefing?city={b.city_key}&kind={b.kind}&lang={lang}" if base else ""


def briefing_event(b: Briefing, link: str) -> dict:
    """The briefing as the 一网统管 platform's generic JSON event: the headline counts and the red and orange
    warnings (the Chinese names: the platform is the city's)."""
    return {"source": "cityvitals", "event": f"briefing.{b.kind}",
            "event_id": f"cityvitals-briefing-{b.kind}-{b.city_key}-{b.end:%Y%m%d}", "city": b.city_key,
            "start": b.start.isoformat(), "end": b.end.isoformat(), "clearance": b.clearance,
            "opened": b.opened, "resolved": b.resolved, "open": b.open_total, "open_by_level": b.open_by_level,
            "severe_count": b.severe_count, "url": link or None,
            "alerts": [{"alert_id": i.alert_id, "indicator": i.code, "indicator_name": i.name_zh,
                        "area_name": i.area_zh, "level": i.level, "department": i.department,
                        "sentence": i.sentence_zh} for i in b.severe]}


def _already_written(session, address, key: str) -> bool:
    """Whether this period's briefing is in the outbox for the address already (``key``: the e-mail's PDF name,
    or a webhook's title, both naming the kind, city and day)."""
    if address.channel is not None:
        found = select(Notification.id).where(Notification.reason == "briefing",
                                              Notification.channel == address.channel.kind,
                                              Notification.target == str(address.channel.id),
                                              Notification.subject == key)
    else:
        found = select(Notification.id).where(Notification.reason == "briefing",
                                              Notification.target == address.contact.email,
                                              Notification.attachment_name == key)
    return session.scalar(found.limit(1)) is not None


def _write(address, made: Briefing, now: datetime, render: Renderer, summarize: Summarizer, public_url: str) -> bool:
    """Write one subscriber's briefing to the outbox; False when it is there already."""
    from indicators.warnings.outbox import Message, enqueue_email, enqueue_webhook

    if address.channel is not None:
        channel = address.channel
        link = briefing_link(public_url, made, address.lang)
        title, text = summarize(made, address.lang, channel.msg_format, link)
        with db.transaction() as session:
            if _already_written(session, address, title):
                return False
            enqueue_webhook(session, now=now, channel=channel, reason="briefing",
                            message=Message(title, text, briefing_event(made, link)))
        return True
    contact = address.contact
    name = f"city-vitals-{made.kind}-{made.city_key}-{now:%Y%m%d}.pdf"
    with db.transaction() as session:
        if _already_written(session, address, name):
            return False
    subject, body, pdf = render(made, address.lang)  # the PDF only when it will be sent
    with db.transaction() as session:
        enqueue_email(session, now=now, to=contact.email,
                      recipient=contact.name or contact.username or contact.department,
                      message=Message(subject, body, {}), reason="briefing", attachment=(name, pdf))
    return True


def send_briefings(kind: str, render: Renderer, now: datetime | None = None, settings=None, *,
                   summarize: Summarizer) -> SendReport:
    """Write the ``kind`` briefing of every city with subscribers to each subscriber's outbox, computed as that
    subscriber, then deliver the outbox: an e-mail with the PDF, or a webhook's summary. A recipient gets one
    briefing per city and period (a scheduler started twice in a morning sends once).

    Args:
        kind: ``daily``, ``weekly`` or ``monthly``.
        render: turns a briefing and a language into the e-mail's subject, body and PDF.
        now: the clock.
        settings: SMTP, retries and the public address for links (the installation's by default).
        summarize: turns a briefing into a webhook's title and text (``Summarizer``).
    """
    from indicators.accounts.access import AccessDenied
    from indicators.warnings.outbox import deliver_due
    from indicators.warnings.routing import AddressBook
    from settings import get_settings

    if kind not in SPAN_DAYS:
        raise ValueError(f"briefing {kind!r}: expected one of {', '.join(KINDS)}")
    now = now or datetime.now()
    settings = settings or get_settings()
    report = SendReport()
    with db.transaction(expire_on_commit=False) as session:
        book = AddressBook.read(session)
    for city_key in sorted(cities()["key"]):
        for address in book.subscribers(kind, city_key):
            try:
                with acting_as(address.viewer):
                    made = briefing(city_key, kind, now)
            except AccessDenied:
                report.refused += 1
                continue
            if _write(address, made, now, render, summarize, settings.public_url):
                report.written += 1
            else:
                report.skipped += 1
    if report.written:
        deliver_due(now, settings)
    return report
