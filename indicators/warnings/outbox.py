"""The notification outbox: messages are written in the same transaction as what caused them, then delivered by
the scheduler's tick. A failed delivery is tried again after ``backoff × 2^(attempt−1)`` seconds until
``CITYVITALS_NOTIFY_MAX_ATTEMPTS``, then given up (``dead``); every attempt is kept in ``delivery_attempts``."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import DeliveryAttempt, Notification, NotifyChannel
from indicators.warnings.channels import DeliveryError, robot_payload, send_email, send_webhook

log = logging.getLogger(__name__)
BATCH = 200  # notifications delivered per tick at most


@dataclass(frozen=True)
class Message:
    """What one notification says, before it is addressed."""

    subject: str
    body: str
    platform: dict  # the event as generic JSON, for the 一网统管 platform


def enqueue_email(session: Session, *, now: datetime, to: str, recipient: str, message: Message, reason: str,
                  alert_id: int | None = None, group_id: int | None = None,
                  attachment: tuple[str, bytes] | None = None) -> Notification:
    """Add an e-mail to the outbox (in the caller's transaction)."""
    row = Notification(created_at=now, alert_id=alert_id, group_id=group_id, reason=reason, channel="email",
                       target=to, recipient=recipient, subject=message.subject, body=message.body,
                       attachment_name=attachment[0] if attachment else "",
                       attachment=attachment[1] if attachment else None, next_attempt_at=now)
    session.add(row)
    return row


def enqueue_webhook(session: Session, *, now: datetime, channel: NotifyChannel, message: Message, reason: str,
                    alert_id: int | None = None, group_id: int | None = None) -> Notification:
    """Add a webhook call to the outbox, with the JSON the channel's kind expects."""
    payload = (message.platform if channel.kind == "platform"
               else robot_payload(channel.kind, channel.msg_format, message.subject, message.body))
    row = Notification(created_at=now, alert_id=alert_id, group_id=group_id, reason=reason, channel=channel.kind,
                       target=str(channel.id), recipient=channel.name, subject=message.subject,
                       body=json.dumps(payload, ensure_ascii=False), next_attempt_at=now)
    session.add(row)
    return row


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0


def _send(row: Notification, channel: NotifyChannel | None, settings) -> None:
    if row.channel == "email":
        attachment = (row.attachment_name, row.attachment) if row.attachment is not None else None
        send_email(settings, to=row.target, subject=row.subject, body=row.body, attachment=attachment)
        return
    if channel is None or not channel.active:
        raise DeliveryError(f"channel #{row.target} was removed or switched off")
    send_webhook(channel.kind, channel.url, channel.secret, json.loads(row.body))


def deliver_due(now: datetime, settings) -> DeliveryReport:
    """Try every pending notification that is due, each attempt recorded; failures wait with backoff.

    Args:
        now: the clock (the tick's).
        settings: SMTP server, attempts and backoff.
    """
    report = DeliveryReport()
    with db.transaction() as session:
        due = session.scalars(select(Notification).where(Notification.status == "pending",
                                                         Notification.next_attempt_at <= now)
                              .order_by(Notification.id).limit(BATCH)).all()
        channels = {str(c.id): c for c in session.scalars(select(NotifyChannel))}
        for row in due:
            started = time.perf_counter()
            error = ""
            try:
                _send(row, channels.get(row.target), settings)
            except DeliveryError as exc:
                error = str(exc)
            row.attempts += 1
            session.add(DeliveryAttempt(notification_id=row.id, at=now, ok=not error, error=error,
                                        seconds=round(time.perf_counter() - started, 3)))
            if not error:
                row.status, row.sent_at, row.last_error = "sent", now, ""
                report.sent += 1
                continue
            row.last_error = error
            if row.attempts >= settings.notify_max_attempts:
                row.status = "dead"
                report.given_up += 1
                log.error("notification %s given up after %s attempts: %s", row.id, row.attempts, error)
            else:
                row.next_attempt_at = now + timedelta(seconds=settings.notify_backoff_seconds * 2 ** (row.attempts - 1))
                report.failed += 1
                log.warning("notification %s failed (attempt %s): %s", row.id, row.attempts, error)
    return report
