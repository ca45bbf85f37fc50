"""API tokens: personal access tokens and service accounts, made by admins, stored hashed, shown once.

A token's secret is ``cv_`` and 43 random URL-safe characters (256 bits); the store keeps only its SHA-256
(a secret this long needs no slow hash) and its first characters, to tell tokens apart in lists.

* A **personal** token (``owner``) acts as its owner's account, narrowed to the token's own clearance and
  scope; it stops working the moment the owner is disabled or no longer covers it.
* A **service account** has a role, a clearance and a scope of its own, like an account without a password.
* ``writes``: a read token never writes; a write token may push data and act on alerts as far as its role
  permits (``access.PERMISSIONS``).

Every use is audited (``record_use``), as are making and revoking tokens and every refused token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select, text, update

from indicators.accounts.access import ROLES, Viewer, clearance_of, require
from indicators.accounts.audit import record_in
from indicators.accounts.users import AccountError, _check_scope, account_named
from indicators.store import db
from indicators.store.models import ApiToken

PREFIX = "cv_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
TOKEN_COLUMNS = ["id", "name", "prefix", "owner", "role", "clearance", "city_key", "districts", "writes",
                 "created_by", "created_at", "expires_at", "revoked_at", "last_used_at"]
# ``last_used_at`` is written at most this often (the audit log has every use).
USED_EVERY = timedelta(minutes=1)


class TokenRefused(PermissionError):
    """A token that opens nothing; ``code`` is the machine-readable reason (unknown, expired, revoked,
    owner_disabled), the message the human one."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid token speaks for: the token's id and name, the viewer it acts as, and whether it writes."""

    token_id: int
    name: str
    viewer: Viewer
    writes: bool
    last_used_at: datetime | None = None


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a secret is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(name: str, *, owner: str | None = None, role: str | None = None, clearance: str | None = None,
                 city_key: str | None = None, districts: tuple[str, ...] = (), writes: bool = False,
                 expires_days: int | None = 90, by: str | None = None) -> str:
    """Make a token and return its secret (the only time it is shown).

    Args:
        name: unique, letters, digits and ``_.@-``.
        owner: the account a personal token acts for; None for a service account.
        role: a service account's role (a personal token has its owner's).
        clearance: the token's clearance; its role's (or its owner's) by default, never above the owner's.
        city_key, districts: its scope; a personal token's must lie within its owner's.
        writes: whether it may write (push data, alert actions).
        expires_days: days until it stops working; None for never.
        by: who made it (recorded); the current user by default.

    Raises:
        AccountError: a bad name, role, clearance or scope, a scope wider than the owner's, or a name taken.
        AccessDenied: the current viewer may not manage accounts.
    """
    viewer = require("users.manage")
    if not NAME.match(name):
        raise AccountError("令牌名称只能包含字母、数字和 _.@- / token names are 2–64 letters, digits or _.@-")
    if expires_days is not None and expires_days <= 0:
        raise AccountError("有效期须为正数天 / expiry must be a positive number of days")
    if owner is not None:
        person = account_named(owner)
        if person is None or not person.active:
            raise AccountError(f"用户不存在或已停用 / no active user {owner!r}")
        if role is not None and role != person.role:
            raise AccountError("个人令牌沿用其用户的角色 / a personal token has its owner's role")
        role = person.role
        city_key = city_key if city_key is not None else person.city_key
        districts = districts or (person.districts if city_key == person.city_key else ())
    elif role is None:
        raise AccountError(f"服务账号须指定角色 / a service account needs a role: one of {', '.join(ROLES)}")
    _check_scope(role, clearance, city_key, tuple(districts))
    token_viewer = Viewer(name, role, clearance_of(role, clearance) if owner is None
                          else clearance or person.clearance, city_key, frozenset(districts))
    if owner is not None and not person.viewer().covers(token_viewer):
        raise AccountError("令牌的密级或范围超出其用户 / the token's clearance or scope exceeds its owner's")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now()
    with db.transaction() as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise AccountError(f"令牌名称已存在 / a token named {name!r} exists")
        session.add(ApiToken(name=name, secret_hash=digest(secret), prefix=secret[:10], owner=owner, role=role,
                             clearance=token_viewer.clearance, city_key=city_key, districts=",".join(sorted(districts)),
                             writes=writes, created_by=by or viewer.username, created_at=now,
                             expires_at=now + timedelta(days=expires_days) if expires_days else None))
        record_in(session, "api_token", target=name, user=by,
                  detail={"made": True, "owner": owner, "role": role, **token_viewer.scope(), "writes": writes,
                          "expires_days": expires_days})
    return secret


def revoke_token(name: str, *, by: str | None = None) -> None:
    """Revoke a token at once (it is kept, revoked, for the audit trail).

    Raises:
        AccountError: no such token, or revoked already.
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    with db.transaction() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.name == name))
        if token is None or token.revoked_at is not None:
            raise AccountError(f"没有有效的令牌 / no live token {name!r}")
        token.revoked_at = datetime.now()
        record_in(session, "api_token", target=name, user=by, detail={"revoked": True})


def list_tokens() -> pd.DataFrame:
    """Every token, newest first (never a secret): columns ``TOKEN_COLUMNS``.

    Raises:
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    with db.connect() as conn:
        rows = conn.execute(select(*(ApiToken.__table__.c[c] for c in TOKEN_COLUMNS)).order_by(ApiToken.id.desc()))
        return pd.DataFrame([tuple(row) for row in rows], columns=TOKEN_COLUMNS)


def authenticate_token(secret: str, now: datetime | None = None) -> TokenHolder:
    """Who the secret speaks for.

    Raises:
        TokenRefused: unknown, expired or revoked, or its owner disabled or no longer covering it.
    """
    if not secret.startswith(PREFIX) or len(secret) > 128:
        raise TokenRefused("unknown_token", "unknown token / 令牌无效")
    now = now or datetime.now()
    with db.connect() as conn:
        token = conn.execute(select(ApiToken.__table__).where(ApiToken.secret_hash == digest(secret))).first()
    if token is None:
        raise TokenRefused("unknown_token", "unknown token / 令牌无效")
    if token.revoked_at is not None:
        raise TokenRefused("revoked_token", "token revoked / 令牌已撤销")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("expired_token", "token expired / 令牌已过期")
    viewer = Viewer(token.owner or f"service:{token.name}", token.role, token.clearance, token.city_key,
                    frozenset(d for d in token.districts.split(",") if d))
    if token.owner is not None:
        person = account_named(token.owner)
        if person is None or not person.active or person.role != token.role or not person.viewer().covers(viewer):
            raise TokenRefused("owner_disabled", "the token's owner is disabled or no longer has its rights / "
                                                 "令牌所属用户已停用或权限已变更")
    return TokenHolder(token.id, token.name, viewer, bool(token.writes), token.last_used_at)


def record_use(holder: TokenHolder, *, method: str, path: str, status: int, remote_addr: str,
               detail: dict | None = None) -> None:
    """Audit one use of a token (and move its ``last_used_at`` on, at most every ``USED_EVERY``).

    On PostgreSQL the entry commits asynchronously (``synchronous_commit off`` for this transaction only): the call
    does not wait for the disk flush, which took most of a read's time; a crash of the database server within
    a fraction of a second could lose the last entries of calls, never the record of a load or a change, which
    commit with their data.
    """
    now = datetime.now()
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        record_in(session, "api_call", target=f"{method} {path}", user=holder.viewer.username,
                  remote_addr=remote_addr, detail={"token": holder.name, "status": status, **(detail or {})})
        if holder.last_used_at is None or holder.last_used_at < now - USED_EVERY:
            session.execute(update(ApiToken).where(ApiToken.id == holder.token_id).values(last_used_at=now))
