"""Signed-in clients of the app for tests that go through real HTTP requests (sign-in, callbacks, exports)."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from indicators.store import db
from indicators.store.models import AuditEntry

PASSWORD = "Correct-horse-42"


class Site:
    """Clients of the app: anonymous, or signed in as a new account of a role (with a scope)."""

    def __init__(self, server, address_prefix: str = "10.9"):
        self.server = server
        self.address_prefix = address_prefix

    def client(self, address: str | None = None):
        # Each client has its own address, so sign-in throttling of one test leaves the others alone.
        client = self.server.test_client()
        client.environ_base["REMOTE_ADDR"] = address or f"{self.address_prefix}.{uuid.uuid4().int % 250}.1"
        return client

    def user(self, role: str, **scope) -> str:
        from indicators.accounts.users import create_user

        name = f"{role}-{uuid.uuid4().hex[:8]}"
        create_user(name, PASSWORD, role, **scope)
        return name

    def signed_in(self, role: str, **scope):
        """A client signed in as a new account of ``role``."""
        return self.signed_in_as(self.user(role, **scope))

    def signed_in_as(self, username: str):
        """A client with a session of its own for the account ``username``."""
        client = self.client()
        assert sign_in(client, username, PASSWORD).status_code == 302
        client.username = username
        return client


def csrf(client, path: str = "/login", **options) -> str:
    page = client.get(path, **options).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str, next_path: str = "/", **options):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client, **options), "next": next_path}, **options)


def call(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def audit_rows(action: str, target: str | None = None) -> list[AuditEntry]:
    with db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        if target is not None:
            query = query.where(AuditEntry.target == target)
        rows = session.scalars(query).all()
        session.expunge_all()
        return rows
