"""Accounts: create, list, change, disable, reset passwords, and check a sign-in.

Passwords are hashed with Argon2id (argon2-cffi's defaults, re-hashed on sign-in when those grow).
Changing accounts needs the ``users.manage`` permission (admins; commands run as the system). Every
change is written to the audit log in the same transaction. The web layer (``web/auth.py``) and
``manage.py users`` both come through here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from indicators.accounts.access import (
    ROLES,
    SENSITIVITIES,
    Viewer,
    clearance_of,
    require,
)
from indicators.accounts.audit import record_in
from indicators.store import db
from indicators.store.models import User, UserSession

HASHER = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
MIN_PASSWORD = 10
DEMO_USER = "demo"
# Demo mode's accounts to sign in as on /login, named with their password in the README and on the login page, so a
# visitor sees the data desk and the admin pages too. Only while demo sign-in is on (web.auth refuses them otherwise).
DEMO_ACCOUNTS = {"demo-operator": ("operator", "演示数据操作员 Demo operator"),
                 "demo-admin": ("admin", "演示管理员 Demo admin")}
DEMO_PASSWORD = "city-vitals-demo"
USER_COLUMNS = ["username", "display_name", "role", "clearance", "city_key", "districts", "active", "created_at",
                "last_sign_in_at"]
# Verifying against this when the user name is unknown takes as long as a real check, so the answer's
# timing does not tell which user names exist.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
# A session's last-seen time is written at most this often (not on every request).
SEEN_EVERY = timedelta(minutes=5)


class AccountError(ValueError):
    """A refused account change; the message says why, in Chinese and English."""


@dataclass(frozen=True)
class Account:
    """What the web layer keeps of a signed-in user (also in the signed session, so that a store outage
    does not sign everyone out while nothing can be read anyway)."""

    id: int
    username: str
    display_name: str
    role: str
    clearance: str
    city_key: str | None
    districts: tuple[str, ...]
    session_token: str
    active: bool

    def viewer(self) -> Viewer:
        """The account as the data layer's viewer."""
        return Viewer(self.username, self.role, self.clearance, self.city_key, frozenset(self.districts))


def _account(user: User) -> Account:
    return Account(id=user.id, username=user.username, display_name=user.display_name or user.username,
                   role=user.role, clearance=clearance_of(user.role, user.clearance), city_key=user.city_key,
                   districts=tuple(d for d in user.districts.split(",") if d), session_token=user.session_token,
                   active=user.active)


def check_password_policy(password: str, username: str) -> None:
    """Refuse weak passwords: shorter than ``MIN_PASSWORD``, one repeated character, or the user name.

    Raises:
        AccountError: saying why.
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符 / password needs at least {MIN_PASSWORD} characters")
    if len(set(password)) < 4 or (username and username.lower() in password.lower()):
        raise AccountError("密码过于简单或包含用户名 / password too simple or contains the user name")


def _check_scope(role: str, clearance: str | None, city_key: str | None, districts: tuple[str, ...]) -> None:
    from geo.cities import load_cities

    if role not in ROLES:
        raise AccountError(f"未知角色 / unknown role {role!r}; one of {', '.join(ROLES)}")
    if clearance is not None and clearance not in SENSITIVITIES:
        raise AccountError(f"未知密级 / unknown clearance {clearance!r}; one of {', '.join(SENSITIVITIES)}")
    cities = load_cities()
    if city_key is not None and city_key not in cities:
        raise AccountError(f"未知城市 / unknown city {city_key!r}")
    if districts:
        if city_key is None:
            raise AccountError("指定区县须先指定城市 / districts need a city")
        known = {d.adcode for d in cities[city_key].districts}
        unknown = [d for d in districts if d not in known]
        if unknown:
            raise AccountError(f"不属于该城市的区县 / not districts of {city_key}: {', '.join(unknown)}")


def _get(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"用户不存在 / no user {username!r}")
    return user


def create_user(username: str, password: str, role: str, *, display_name: str = "", clearance: str | None = None,
                city_key: str | None = None, districts: tuple[str, ...] = ()) -> Account:
    """Create an account.

    Args:
        username: letters, digits and ``_.@-``, 2–64 characters.
        password: checked against the policy (``check_password_policy``).
        role: one of ``access.ROLES``.
        display_name: the name shown in the header.
        clearance: its own clearance; the role's when None.
        city_key, districts: its scope (None and empty: everything).

    Returns:
        The new account.

    Raises:
        AccountError: a bad name, password, role, clearance or scope, or a name already taken.
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    return _insert_user(username, password, role, display_name=display_name, clearance=clearance,
                        city_key=city_key, districts=districts, check_policy=True)


def _insert_user(username: str, password: str, role: str, *, display_name: str, clearance: str | None,
                 city_key: str | None, districts: tuple[str, ...], check_policy: bool, by: str | None = None) -> Account:
    if not USERNAME.match(username):
        raise AccountError("用户名只能包含字母、数字和 _.@-,2–64 个字符 / user name: letters, digits, _.@-, 2–64 characters")
    if check_policy:
        check_password_policy(password, username)
    _check_scope(role, clearance, city_key, districts)
    with db.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"用户名已存在 / user {username!r} exists")
        user = User(username=username, display_name=display_name[:64], password_hash=HASHER.hash(password), role=role,
                    clearance=clearance, city_key=city_key, districts=",".join(districts), active=True,
                    session_token=secrets.token_hex(16), created_at=datetime.now())
        session.add(user)
        record_in(session, "user_add", target=username, user=by,
                  detail={"role": role, "clearance": clearance, "city": city_key, "districts": list(districts)})
        session.flush()
        return _account(user)


def update_user(username: str, *, role: str | None = None, clearance: str | None = None, city_key: str | None = None,
                districts: tuple[str, ...] | None = None, display_name: str | None = None,
                active: bool | None = None, clear_clearance: bool = False) -> Account:
    """Change an account's role, clearance, scope, name or whether it may sign in; a change of rights or
    disabling ends its sessions.

    Args:
        username: the account.
        role, clearance, city_key, districts, display_name, active: the new values (None: unchanged;
            ``city_key=""`` removes the city scope, ``districts=()`` the district scope).
        clear_clearance: go back to the role's clearance.

    Returns:
        The changed account.

    Raises:
        AccountError: an unknown account or a bad value.
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    with db.transaction() as session:
        user = _get(session, username)
        before = _account(user)
        new_city = user.city_key if city_key is None else (city_key or None)
        new_districts = before.districts if districts is None else tuple(districts)
        if city_key == "" and districts is None:
            new_districts = ()
        new_role = role or user.role
        new_clearance = None if clear_clearance else (clearance if clearance is not None else user.clearance)
        _check_scope(new_role, new_clearance, new_city, new_districts)
        user.role, user.clearance, user.city_key = new_role, new_clearance, new_city
        user.districts = ",".join(new_districts)
        if display_name is not None:
            user.display_name = display_name[:64]
        if active is not None:
            user.active = active
        after = _account(user)
        rights = (before.role, before.clearance, before.city_key, before.districts, before.active)
        if rights != (after.role, after.clearance, after.city_key, after.districts, after.active):
            user.session_token = secrets.token_hex(16)
            _end_sessions(session, user.id)
        changes = {name: [getattr(before, name), getattr(after, name)] for name in
                   ("role", "clearance", "city_key", "districts", "display_name", "active")
                   if getattr(before, name) != getattr(after, name)}
        record_in(session, "user_change", target=username, detail=changes)
        return _account(user)


def reset_password(username: str, password: str | None = None) -> str:
    """Give an account a new password (a generated one when none is given) and end all its sessions.

    Returns:
        The new password (to hand to its owner once).

    Raises:
        AccountError: an unknown account or a weak password.
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    password = password or generate_password(username)
    check_password_policy(password, username)
    with db.transaction() as session:
        user = _get(session, username)
        user.password_hash = HASHER.hash(password)
        user.session_token = secrets.token_hex(16)
        _end_sessions(session, user.id)
        record_in(session, "password_reset", target=username)
    return password


def generate_password(username: str) -> str:
    """A random password of 16 URL-safe characters that the password policy accepts for ``username``.

    A random draw can hold a short user name ("wu" in about one draw of seventy), so draw until it does not.
    """
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_password_policy(password, username)
            return password
        except AccountError:
            continue


def list_users() -> pd.DataFrame:
    """Every account (no password hashes), by user name.

    Returns:
        Columns ``USER_COLUMNS``; ``clearance`` is the effective one.

    Raises:
        AccessDenied: the current viewer may not manage accounts.
    """
    require("users.manage")
    with db.connect() as conn:
        rows = conn.execute(select(*(User.__table__.c[c] for c in USER_COLUMNS)).order_by(User.username)).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=USER_COLUMNS)
    # pandas reads a column of texts and NULLs as strings with NaN, which is no clearance of its own either.
    frame["clearance"] = [clearance_of(role, own if isinstance(own, str) else None)
                          for role, own in zip(frame["role"], frame["clearance"])]
    return frame


def account(user_id: int) -> Account | None:
    """The account with this id, or None."""
    with db.transaction() as session:
        user = session.get(User, user_id)
        return None if user is None else _account(user)


def _session_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _end_sessions(session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def open_session(user_id: int, idle: timedelta) -> str:
    """Start a server-side session of an account (clearing away sessions idle longer than ``idle``).

    Returns:
        The session's key, for the session cookie (the store keeps only its hash).
    """
    key, now = secrets.token_urlsafe(32), datetime.now()
    with db.transaction() as session:
        session.execute(delete(UserSession).where(UserSession.seen_at < now - idle))
        session.add(UserSession(id=_session_id(key), user_id=user_id, created_at=now, seen_at=now))
    return key


def session_account(user_id: int, token: str, key: str, idle: timedelta) -> Account | None:
    """The account of a live session: the session exists and is of this account, was used within ``idle``,
    and the account is active with the same session token; else None."""
    now = datetime.now()
    with db.transaction() as session:
        found = session.execute(select(User, UserSession.seen_at).join(UserSession, UserSession.user_id == User.id)
                                .where(UserSession.id == _session_id(key), User.id == user_id)).first()
        if found is None:
            return None
        user, seen = found
        if now - seen > idle:
            session.execute(delete(UserSession).where(UserSession.id == _session_id(key)))
            return None
        if now - seen > min(SEEN_EVERY, idle / 2):
            session.execute(update(UserSession).where(UserSession.id == _session_id(key)).values(seen_at=now))
        acct = _account(user)
    return acct if acct.active and acct.session_token == token else None


def end_session(key: str) -> None:
    """End one session (signing out): every copy of its cookie stops working."""
    with db.transaction() as session:
        session.execute(delete(UserSession).where(UserSession.id == _session_id(key)))


def account_named(username: str) -> Account | None:
    """The account with this user name, or None (for commands that act as an account)."""
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        return None if user is None else _account(user)


def authenticate(username: str, password: str) -> Account | None:
    """Check a sign-in: the account when the password is right and the account active, else None.

    Takes as long for an unknown user name as for a wrong password. Re-hashes the password when the
    hashing parameters have grown since it was set, and records the time of the sign-in.
    """
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        try:
            HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        user.last_sign_in_at = datetime.now()
        return _account(user)


def ensure_demo_user() -> Account:
    """The demo leader of demo mode, created on first use with a random password nobody knows."""
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == DEMO_USER))
        if user is not None:
            return _account(user)
    try:
        return _insert_user(DEMO_USER, secrets.token_urlsafe(24), "leader", display_name="演示领导 Demo leader",
                            clearance=None, city_key=None, districts=(), check_policy=False, by="system")
    except AccountError:  # another worker created it first
        with db.transaction() as session:
            return _account(_get(session, DEMO_USER))



def ensure_demo_accounts() -> None:
    """Demo mode's operator and admin (``DEMO_ACCOUNTS``, password ``DEMO_PASSWORD``), created on first use."""
    with db.transaction() as session:
        present = set(session.scalars(select(User.username).where(User.username.in_(DEMO_ACCOUNTS))))
    for username, (role, display_name) in DEMO_ACCOUNTS.items():
        if username not in present:
            try:
                _insert_user(username, DEMO_PASSWORD, role, display_name=display_name, clearance=None, city_key=None,
                             districts=(), check_policy=True, by="system")
            except AccountError:  # another worker created it first
                pass


def provision_account(username: str, role: str, *, clearance: str | None, city_key: str | None,
                      districts: tuple[str, ...], display_name: str, source: str) -> Account:
    """The account of a person signed in by the city's identity provider (``web/oidc.py``): made on the first
    sign-in with a password nobody knows, its role and scope brought in line with the provider's claims on every
    later one (a change of rights ends its other sessions, as ``update_user`` does). The provider vouched for the
    person, so no ``users.manage`` permission is asked; an account an admin disabled stays disabled.

    Raises:
        AccountError: a user name, role or scope that the claims map to but this installation does not know.
    """
    _check_scope(role, clearance, city_key, districts)
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            if not USERNAME.match(username):
                raise AccountError(f"用户名不合规 / user name {username!r} not allowed")
            user = User(username=username, display_name=display_name[:64], password_hash=HASHER.hash(
                secrets.token_urlsafe(32)), role=role, clearance=clearance, city_key=city_key,
                districts=",".join(districts), active=True, session_token=secrets.token_hex(16),
                created_at=datetime.now())
            session.add(user)
            record_in(session, "user_add", target=username, user=source,
                      detail={"role": role, "clearance": clearance, "city_key": city_key, "districts": list(districts),
                              "provisioned_by": source})
            session.flush()
            return _account(user)
        before = (user.role, user.clearance, user.city_key, user.districts)
        after = (role, clearance, city_key, ",".join(districts))
        if before != after:
            user.role, user.clearance, user.city_key, user.districts = after
            user.session_token = secrets.token_hex(16)
            _end_sessions(session, user.id)
            record_in(session, "user_change", target=username, user=source,
                      detail={"from": list(before), "to": list(after), "by_claims_of": source})
        user.display_name = display_name[:64] or user.display_name
        user.last_sign_in_at = datetime.now()
        return _account(user)
