"""The audit trail: who did what, when, from where — sign-ins, exports, loads, catalog and threshold
changes, alert actions, account changes and refused actions.

The log is append-only: the app has no way to change or delete an entry, and the store itself refuses
to (triggers of migration 0003 abort any UPDATE, DELETE or TRUNCATE of ``audit_log``).
"""

from __future__ import annotations

import getpass
import json
import logging
import socket
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.access import (
    AccessDenied,
    Viewer,
    acting,
    current_viewer,
    require,
)
from indicators.store import db
from indicators.store.models import AuditEntry

log = logging.getLogger(__name__)

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "export", "data_load", "data_load_rejected", "data_load_failed",
           "data_undo", "hourly_pruned",
           "catalog_change", "alert_action", "user_add", "user_change", "password_reset", "access_denied",
           "sql_source", "screens_change", "topics_change",
           # Warnings reach people: routing rules, contacts, channels, silences; the platform's inbound webhook.
           "notify_config", "silence", "webhook_refused", "webhook_state",
           "api_token", "api_call")
AUDIT_COLUMNS = ["id", "at", "user", "action", "target", "detail", "remote_addr"]
MAX_ROWS = 5000


def actor() -> tuple[str, str]:
    """The current user's name and address: the signed-in user in a web request; outside one (commands,
    batches) the account acted as (``access.acting_as``), else the operating-system user, on this host."""
    import flask

    if flask.has_request_context():
        viewer = flask.g.get("viewer")
        return (viewer.username if viewer else "anonymous"), (flask.request.remote_addr or "")
    account = acting()
    return (account.username if account else f"cli:{getpass.getuser()}"), socket.gethostname()


def _entry(action: str, target: str, detail: dict | str | None, user: str | None, remote_addr: str | None) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who, where = actor()
    text = detail if isinstance(detail, str) else json.dumps(detail or {}, ensure_ascii=False, default=str)
    return AuditEntry(at=datetime.now(), user=(user or who)[:64], action=action, target=target[:255], detail=text,
                      remote_addr=(remote_addr if remote_addr is not None else where)[:64])


def record_in(session: Session, action: str, *, target: str = "", detail: dict | str | None = None,
              user: str | None = None, remote_addr: str | None = None) -> None:
    """Add an audit entry to the caller's transaction, so the action and its record commit together.

    Args:
        session: an open session in a transaction.
        action: one of ``ACTIONS``.
        target: what was acted on (an indicator code, alert id, file name, user name …).
        detail: what exactly, as a dict (stored as JSON) or text.
        user, remote_addr: who and from where; the signed-in user and their address by default.
    """
    session.add(_entry(action, target, detail, user, remote_addr))


def record(action: str, *, target: str = "", detail: dict | str | None = None, user: str | None = None,
           remote_addr: str | None = None) -> None:
    """Write one audit entry in its own transaction (for actions that write nothing else: sign-ins,
    exports, refusals). Arguments as for ``record_in``.
    """
    with db.transaction() as session:
        record_in(session, action, target=target, detail=detail, user=user, remote_addr=remote_addr)


def record_refusal(target: str, detail: dict) -> None:
    """Audit a refused action (someone tried; ``detail`` says what). When the store is down the refusal is
    only logged: the viewer's notice matters more than the entry."""
    try:
        record("access_denied", target=target, detail=detail)
    except db.StoreUnavailable:
        log.warning("refused %s on %s not audited: store unavailable", detail, target)


def refuse(target: str, detail: dict, reason: str, kind: type[AccessDenied] = AccessDenied) -> AccessDenied:
    """Audit a refused write (``record_refusal``) and return the exception (of ``kind``) to raise; ``reason``
    is the bilingual message the actor gets, which names nothing they may not see."""
    record_refusal(target, detail)
    return kind(reason)


def required(permission: str, *, target: str, action: str) -> Viewer:
    """The current viewer if their role has ``permission``; else the refusal is audited and raised
    (``access.require`` for the write paths, where every refusal is recorded).

    Raises:
        AccessDenied: the role lacks the permission.
    """
    viewer = current_viewer()
    if not viewer.may(permission):
        raise refuse(target, {"action": action, "reason": f"{viewer.role} may not {permission}"},
                     f"您的角色无权进行此操作 / not permitted: {viewer.role} may not {permission}")
    return viewer


def entries(*, user: str | None = None, action: str | None = None, text: str | None = None,
            since: datetime | None = None, until: datetime | None = None, limit: int = MAX_ROWS) -> pd.DataFrame:
    """Audit entries, newest first, for those allowed to read the log.

    Args:
        user, action: exact filters.
        text: found in the target or the detail.
        since, until: the time window (inclusive).
        limit: at most this many rows.

    Returns:
        Columns ``AUDIT_COLUMNS``.

    Raises:
        AccessDenied: the current viewer may not read the audit log.
    """
    require("audit.read")
    query = select(*(AuditEntry.__table__.c[c] for c in AUDIT_COLUMNS)).order_by(AuditEntry.id.desc()).limit(limit)
    if user:
        query = query.where(AuditEntry.user == user)
    if action:
        query = query.where(AuditEntry.action == action)
    if text:
        query = query.where(AuditEntry.target.contains(text, autoescape=True)
                            | AuditEntry.detail.contains(text, autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at <= until)
    with db.connect() as conn:
        return pd.DataFrame([tuple(row) for row in conn.execute(query)], columns=AUDIT_COLUMNS)


def recorded_users() -> list[str]:
    """The user names that appear in the log, sorted (the choices of the audit page's user filter).

    Raises:
        AccessDenied: the current viewer may not read the audit log.
    """
    require("audit.read")
    with db.connect() as conn:
        return sorted(conn.scalars(select(AuditEntry.user).distinct()))


def recent_failures(*, username: str, remote_addr: str, since: datetime) -> tuple[int, int]:
    """Failed sign-ins since ``since``: for this user name from this address, and from this address at all
    (the sign-in throttle counts them; it is the audit log that remembers them across workers).
    """
    with db.connect() as conn:
        rows = conn.execute(select(AuditEntry.target).where(
            AuditEntry.action == "sign_in_failed", AuditEntry.remote_addr == remote_addr,
            AuditEntry.at >= since)).all()
    return sum(1 for (target,) in rows if target == username), len(rows)
