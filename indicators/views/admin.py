"""The views of the administrators' pages: accounts (``/admin/users``) and the audit log (``/admin/audit``).

Each function checks the permission before it reads or writes anything and records a refusal in the audit log
(``users.manage`` for the accounts, ``audit.read`` for the log). Nothing here is cached: who may sign in, and
what the log holds, must be read fresh on every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd

from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, Viewer, require
from indicators.accounts.users import (
    AccountError,
    create_user,
    generate_password,
    list_users,
    reset_password,
    update_user,
)

USERS_PATH = "/admin/users"
USERS_PERMISSION = "users.manage"
AUDIT_PATH = "/admin/audit"
AUDIT_PERMISSION = "audit.read"
# The log page shows the newest entries up to this many; the export takes up to audit.MAX_ROWS.
ROW_LIMIT = 500
TEXT_MAX = 100
USER_MAX = 64
# The log's filters, by URL key.
AUDIT_FILTERS = ("user", "action", "q", "from", "to")


# ---- accounts ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccountsView:
    """Every account (``users.list_users`` rows)."""

    accounts: pd.DataFrame


@dataclass(frozen=True)
class AccountChange:
    """What became of an add or a change of an account.

    Attributes:
        done: whether the store changed.
        outcome: ``added``, ``saved``, ``enabled``, ``disabled``, ``reset``; or why nothing changed:
            ``denied`` (no ``users.manage``; audited), ``invalid`` (``error`` says why), ``none_selected``,
            ``yourself`` (an administrator's own account: the change would end their session).
        username: the account.
        password: a generated password, to be shown once (None when the administrator typed it).
        error: the bilingual reason of an ``invalid`` change.
    """

    done: bool
    outcome: str
    username: str = ""
    password: str | None = None
    error: str = ""


def accounts_view() -> AccountsView:
    """Every account.

    Raises:
        AccessDenied: the viewer may not manage accounts.
    """
    require(USERS_PERMISSION)
    return AccountsView(accounts=list_users())


def may_manage(viewer: Viewer) -> bool:
    """Whether ``viewer`` may manage accounts."""
    return viewer.may(USERS_PERMISSION)


def add_account(form: Mapping) -> AccountChange:
    """Create the account the add form describes, with a generated password when none was typed.

    Args:
        form: ``username``, ``display_name``, ``role``, ``clearance``, ``city``, ``districts``, ``password``.
    """
    username = (form.get("username") or "").strip()
    typed = form.get("password") or ""
    password = typed or generate_password(username)
    try:
        created = create_user(username, password, form.get("role"),
                              display_name=(form.get("display_name") or "").strip(),
                              clearance=form.get("clearance") or None, city_key=form.get("city") or None,
                              districts=tuple(form.get("districts") or ()))
    except AccountError as exc:
        return AccountChange(False, "invalid", username, error=str(exc))
    except AccessDenied:
        audit.record_refusal(USERS_PATH, {"action": "user_add", "account": username})
        return AccountChange(False, "denied", username)
    return AccountChange(True, "added", created.username, None if typed else password)


def change_account(change: str, selected: Mapping | None, form: Mapping) -> AccountChange:
    """Apply one change to the selected account: ``save`` its role, clearance and scope from the form,
    ``toggle`` it (disable an active one, enable a disabled one) or ``reset`` its password.

    An administrator's own account is refused: each of these ends the sessions it touches, their own.

    Args:
        change: ``save``, ``toggle`` or ``reset``.
        selected: the selected account (``username``, ``active``), or None.
        form: ``role``, ``clearance``, ``city``, ``districts`` of the edit form.
    """
    username = (selected or {}).get("username")
    try:
        viewer = require(USERS_PERMISSION)
    except AccessDenied:
        audit.record_refusal(USERS_PATH, {"action": f"user_{change}", "account": username or ""})
        return AccountChange(False, "denied", username or "")
    if not username:
        return AccountChange(False, "none_selected")
    if username == viewer.username:
        return AccountChange(False, "yourself", username)
    try:
        if change == "reset":
            return AccountChange(True, "reset", username, reset_password(username))
        if change == "toggle":
            enable = not selected["active"]
            update_user(username, active=enable)
            return AccountChange(True, "enabled" if enable else "disabled", username)
        clearance = form.get("clearance") or None
        update_user(username, role=form.get("role"), clearance=clearance, clear_clearance=clearance is None,
                    city_key=form.get("city") or "", districts=tuple(form.get("districts") or ()))
    except AccountError as exc:
        return AccountChange(False, "invalid", username, error=str(exc))
    return AccountChange(True, "saved", username)


# ---- the audit log -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditLogView:
    """The log for the filters.

    Attributes:
        entries: the newest matching entries (``audit.entries`` rows), at most ``ROW_LIMIT``; none when the
            dates are the wrong way round.
        limited: whether older matching entries were left out.
        users: everyone in the log, and the filtered user even when the log has none of theirs (sorted).
        bad_range: the start date is after the end date.
    """

    entries: pd.DataFrame
    limited: bool
    users: list[str]
    bad_range: bool


@dataclass(frozen=True)
class AuditExport:
    """The entries of an export (newest first, at most ``audit.MAX_ROWS``) and whether older ones were left
    out; empty and ``bad_range`` when the dates are the wrong way round."""

    entries: pd.DataFrame
    limited: bool
    bad_range: bool = False


def _iso_day(text) -> str:
    """``YYYY-MM-DD`` of a date given as text (a date picker adds a time to it); "" when it is none."""
    try:
        return date.fromisoformat(str(text)[:10]).isoformat() if text else ""
    except ValueError:
        return ""


def parse_filters(query: Mapping[str, str | None]) -> dict[str, str]:
    """The log's filters of a URL query or of the controls; values that cannot be filters are dropped.

    Args:
        query: any of ``AUDIT_FILTERS`` (``from`` and ``to`` as ``YYYY-MM-DD``); other keys are ignored.

    Returns:
        Only the keys that are set, in ``AUDIT_FILTERS`` order (so equal filters give equal URLs).
    """
    found = {
        "user": str(query.get("user") or "").strip()[:USER_MAX],
        "action": query.get("action") if query.get("action") in audit.ACTIONS else "",
        "q": str(query.get("q") or "").strip()[:TEXT_MAX],
        "from": _iso_day(query.get("from")),
        "to": _iso_day(query.get("to")),
    }
    return {name: value for name, value in found.items() if value}


def bad_range(filters: Mapping[str, str]) -> bool:
    """Whether the start date is after the end date."""
    return bool(filters.get("from") and filters.get("to") and filters["from"] > filters["to"])


def time_window(filters: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    """The filters' dates as the first and the last moment of the window (both days included)."""
    since = datetime.combine(date.fromisoformat(filters["from"]), time.min) if filters.get("from") else None
    until = datetime.combine(date.fromisoformat(filters["to"]), time.max) if filters.get("to") else None
    return since, until


def _entries(filters: Mapping[str, str], limit: int) -> pd.DataFrame:
    since, until = time_window(filters)
    return audit.entries(user=filters.get("user"), action=filters.get("action"), text=filters.get("q"),
                         since=since, until=until, limit=limit)


def audit_log_view(filters: Mapping[str, str]) -> AuditLogView:
    """The log's newest entries for the filters (parsed by ``parse_filters``).

    Raises:
        AccessDenied: the viewer may not read the log.
    """
    users = sorted(set(audit.recorded_users()) | ({filters["user"]} if filters.get("user") else set()))
    if bad_range(filters):
        return AuditLogView(entries=pd.DataFrame(), limited=False, users=users, bad_range=True)
    # One more than shown tells whether older entries were left out.
    frame = _entries(filters, ROW_LIMIT + 1)
    return AuditLogView(entries=frame.head(ROW_LIMIT), limited=len(frame) > ROW_LIMIT, users=users, bad_range=False)


def audit_export(filters: Mapping[str, str], kind: str) -> AuditExport:
    """The filtered entries for a CSV or XLSX file; the export is recorded in the log.

    Raises:
        AccessDenied: the viewer may not read the log (the refusal is recorded too).
    """
    if bad_range(filters):
        return AuditExport(entries=pd.DataFrame(), limited=False, bad_range=True)
    try:
        # One more than exported tells whether older entries were left out.
        frame = _entries(filters, audit.MAX_ROWS + 1)
    except AccessDenied:
        audit.record_refusal(AUDIT_PATH, {"action": "export", "format": kind, "filters": dict(filters)})
        raise
    limited, frame = len(frame) > audit.MAX_ROWS, frame.head(audit.MAX_ROWS)
    audit.record("export", target="audit", detail={"format": kind, "rows": len(frame), "filters": dict(filters)})
    return AuditExport(entries=frame, limited=limited)
