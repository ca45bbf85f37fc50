"""What the notification admin page reads: routing rules, the address book, webhook channels (never their
secrets), silences, and the outbox — failures first — with counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select

from indicators.accounts.access import require
from indicators.store.models import Notification, NotifyChannel, NotifyContact, RoutingRule, Silence
from indicators.views.queries import read_frame, require_city

DELIVERY_ROWS = 300


@dataclass
class NotifyAdmin:
    """Everything /admin/notify shows."""

    rules: pd.DataFrame
    contacts: pd.DataFrame
    channels: pd.DataFrame
    silences: pd.DataFrame
    deliveries: pd.DataFrame
    counts: dict[str, int]


def notify_admin(city_key: str, now: datetime | None = None) -> NotifyAdmin:
    """The city's rules, contacts, channels and silences, and the newest deliveries (undelivered first).

    Raises:
        AccessDenied: the viewer may not manage notifications.
    """
    require("notify.manage")
    require_city(city_key)
    now = now or datetime.now()
    rules = read_frame(select(RoutingRule).where(RoutingRule.city_key == city_key)
                       .order_by(RoutingRule.position, RoutingRule.id))
    contacts = read_frame(select(NotifyContact).where((NotifyContact.city_key == city_key)
                                                      | NotifyContact.city_key.is_(None)).order_by(NotifyContact.id))
    channels = read_frame(select(NotifyChannel.id, NotifyChannel.name, NotifyChannel.kind, NotifyChannel.url,
                                 NotifyChannel.msg_format, NotifyChannel.department, NotifyChannel.clearance,
                                 NotifyChannel.briefings, NotifyChannel.lang, NotifyChannel.active,
                                 (NotifyChannel.secret != "").label("signed"))
                          .where((NotifyChannel.city_key == city_key) | NotifyChannel.city_key.is_(None)))
    silences = read_frame(select(Silence).where(Silence.city_key == city_key).order_by(Silence.starts_at.desc()))
    if len(silences):
        silences["status"] = ["active" if s <= now < e else ("upcoming" if now < s else "ended")
                              for s, e in zip(silences["starts_at"], silences["ends_at"])]
    else:
        silences["status"] = pd.Series(dtype=str)
    failing_first = case((Notification.status == "dead", 0), (Notification.attempts > 0, 1), else_=2)
    undelivered = case((Notification.status == "sent", 1), else_=0)
    deliveries = read_frame(select(Notification.id, Notification.created_at, Notification.channel,
                                   Notification.recipient, Notification.target, Notification.reason,
                                   Notification.subject, Notification.status, Notification.attempts,
                                   Notification.last_error, Notification.next_attempt_at, Notification.sent_at)
                            .order_by(undelivered, failing_first, Notification.id.desc()).limit(DELIVERY_ROWS))
    counted = dict(read_frame(select(Notification.status, func.count()).group_by(Notification.status)).values)
    retrying = read_frame(select(func.count()).where(Notification.status == "pending", Notification.attempts > 0))
    sent_today = read_frame(select(func.count()).where(Notification.status == "sent",
                                                       Notification.sent_at >= now - timedelta(hours=24)))
    counts = {"pending": int(counted.get("pending", 0)), "retrying": int(retrying.iloc[0, 0]),
              "dead": int(counted.get("dead", 0)), "sent_24h": int(sent_today.iloc[0, 0])}
    return NotifyAdmin(rules, contacts, channels, silences, deliveries, counts)
