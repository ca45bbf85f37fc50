"""Accounts and the audit log on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import flask
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, Viewer
from indicators.accounts.users import (
    AccountError,
    account,
    authenticate,
    create_user,
    ensure_demo_user,
    list_users,
    reset_password,
    update_user,
)
from indicators.store import db
from indicators.store.models import AuditEntry, User
from tests.store._mini import create_mini_store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-horse-42"


@pytest.fixture
def store(store_url):
    create_mini_store(store_url)
    return store_url


def actions() -> list[tuple[str, str, str]]:
    with db.connect() as conn:
        return [tuple(row) for row in conn.execute(select(AuditEntry.user, AuditEntry.action, AuditEntry.target)
                                                   .order_by(AuditEntry.id))]


def test_accounts_are_created_checked_and_audited(store):
    made = create_user("li.ming", PASSWORD, "analyst", city_key="xiamen", districts=("350203",))
    assert (made.role, made.clearance, made.city_key, made.districts) == ("analyst", "internal", "xiamen", ("350203",))
    assert made.viewer().sees_area("350203") and not made.viewer().sees_area("350206")
    with db.connect() as conn:
        stored = conn.scalar(select(User.password_hash).where(User.username == "li.ming"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    refusals = [
        (("li.ming", PASSWORD, "analyst"), {}, "exists"),
        (("x y", PASSWORD, "analyst"), {}, "user name"),
        (("wang", "short", "analyst"), {}, "at least 10"),
        (("wang", "aaaaaaaaaaaa", "analyst"), {}, "too simple"),
        (("wang", "wang-password-1", "analyst"), {}, "user name"),
        (("wang", PASSWORD, "king"), {}, "unknown role"),
        (("wang", PASSWORD, "viewer"), {"city_key": "paris"}, "unknown city"),
        (("wang", PASSWORD, "viewer"), {"city_key": "xiamen", "districts": ("350902",)}, "not districts of xiamen"),
        (("wang", PASSWORD, "viewer"), {"districts": ("350203",)}, "need a city"),
    ]
    for args, options, reason in refusals:
        with pytest.raises(AccountError, match=reason):
            create_user(*args, **options)
    assert list_users()["username"].tolist() == ["li.ming"]
    assert actions()[-1][1:] == ("user_add", "li.ming") and actions()[-1][0].startswith("cli:")


def test_sign_in_checks(store):
    create_user("zhao", PASSWORD, "leader")
    signed = authenticate("zhao", PASSWORD)
    assert signed is not None and signed.clearance == "restricted"
    assert authenticate("zhao", "wrong-password") is None and authenticate("nobody", PASSWORD) is None
    assert list_users().set_index("username").loc["zhao", "last_sign_in_at"] is not None
    update_user("zhao", active=False)
    assert authenticate("zhao", PASSWORD) is None


def test_changing_rights_or_password_ends_sessions(store):
    made = create_user("qian", PASSWORD, "viewer")
    token = made.session_token
    assert update_user("qian", display_name="钱").session_token == token  # a name is not a right
    promoted = update_user("qian", role="analyst", city_key="ningde")
    assert promoted.session_token != token and promoted.clearance == "internal"
    assert update_user("qian", clearance="restricted").clearance == "restricted"
    assert update_user("qian", clear_clearance=True).clearance == "internal"
    assert update_user("qian", city_key="").city_key is None
    before = account(promoted.id).session_token
    new_password = reset_password("qian")
    assert len(new_password) >= 16 and authenticate("qian", new_password) is not None
    assert account(promoted.id).session_token != before and authenticate("qian", PASSWORD) is None
    assert [a for _, a, target in actions() if target == "qian"] == ["user_add"] + ["user_change"] * 5 + ["password_reset"]


def test_only_admins_manage_accounts_in_a_request(store):
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        flask.g.viewer = Viewer("ana", "analyst", "internal")
        with pytest.raises(AccessDenied):
            create_user("sun", PASSWORD, "viewer")
        with pytest.raises(AccessDenied):
            list_users()
        with pytest.raises(AccessDenied):
            audit.entries()
        flask.g.viewer = Viewer("root", "admin", "restricted")
        create_user("sun", PASSWORD, "viewer")
        assert actions()[-1] == ("root", "user_add", "sun")


def test_the_demo_leader_is_made_once(store):
    first = ensure_demo_user()
    assert first.username == "demo" and first.role == "leader" and ensure_demo_user().id == first.id


def test_the_audit_log_is_append_only_in_the_store(store):
    audit.record("export", target="ECO-GDP-001@350200", detail={"format": "csv"}, user="analyst", remote_addr="10.0.0.7")
    for statement in ("UPDATE audit_log SET detail = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine().begin() as conn:
                conn.execute(text(statement))
    if db.engine().dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine().begin() as conn:
                conn.execute(text("TRUNCATE audit_log"))
    assert actions() == [("analyst", "export", "ECO-GDP-001@350200")]


def test_audit_entries_filter_by_user_action_text_and_time(store):
    for user, action, target in (("a", "export", "ECO-1"), ("b", "export", "GOV_1%"), ("a", "sign_in", "a")):
        audit.record(action, target=target, user=user, remote_addr="10.0.0.1")
    assert audit.entries(user="a")["action"].tolist() == ["sign_in", "export"]  # newest first
    assert audit.entries(action="export", text="GOV_1%")["user"].tolist() == ["b"]
    assert audit.entries(text="_")["target"].tolist() == ["GOV_1%"]  # wildcards are literal
    assert audit.entries(since=datetime.now() + timedelta(minutes=1)).empty
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record("coffee_break")


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the command is the same on either store
def test_manage_users_commands(store):
    env = {**os.environ, "CITYVITALS_DATABASE_URL": store}

    def manage(*args, stdin=""):
        return subprocess.run([sys.executable, "manage.py", "users", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    added = manage("add", "zhou", "--role", "operator", "--city", "xiamen", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "added zhou (operator, clearance internal)" in added.stdout
    generated = manage("add", "wu", "--role", "viewer")
    assert generated.returncode == 0 and "password (shown once): " in generated.stdout
    assert manage("add", "bad", "--role", "viewer", "--password-stdin", stdin="short\n").returncode == 2
    listed = manage("list").stdout
    assert "zhou" in listed and "operator" in listed and "xiamen" in listed and "bad" not in listed
    assert manage("disable", "zhou").returncode == 0 and "DISABLED" in manage("list").stdout
    reset = manage("reset-password", "wu")
    assert reset.returncode == 0 and "password (shown once): " in reset.stdout
    new_password = reset.stdout.rsplit(": ", 1)[1].strip()
    db.use(store)
    assert authenticate("wu", new_password) is not None and authenticate("zhou", PASSWORD) is None
