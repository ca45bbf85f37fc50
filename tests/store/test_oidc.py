"""Single sign-on against a real OpenID provider on loopback (pyop), on SQLite and PostgreSQL: accounts
provisioned from claims, refused without a mapped role, local passwords off, sign-out at the provider too."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest
import requests

from indicators.store import db
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, LoopbackProvider
from tests.web_clients import audit_rows, csrf

PEOPLE = {
    "u-zhang": {"preferred_username": "zhang.wei", "name": "张伟", "groups": ["staff", "cv-analysts"],
                "city": "xiamen", "districts": "350203"},
    "u-li": {"preferred_username": "li.na", "name": "李娜", "groups": ["cv-leaders"]},
    "u-guest": {"preferred_username": "guest", "name": "访客", "groups": ["staff"]},
}


@pytest.fixture
def sso(dash_app, store_url, monkeypatch, tmp_path):
    from web import oidc

    db.upgrade(store_url)
    server = dash_app.server
    with LoopbackProvider("http://localhost", PEOPLE, tmp_path) as provider:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(provider.certificate))  # the app trusts the provider's certificate
        settings = replace(server.config["CITYVITALS_SETTINGS"], demo_login=False, oidc_issuer=provider.issuer,
                           oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                           oidc_scopes="openid profile cityvitals",
                           oidc_roles="cv-leaders=leader,cv-analysts=analyst", oidc_city_claim="city",
                           oidc_districts_claim="districts")
        monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS", settings)
        oidc.configure(server, settings)
        client = server.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.8.0.1"
        yield provider, client, server


def sign_in_as(provider, client, person: str, next_path: str = "/"):
    """The browser's round trip: app → provider (who signs ``person`` in) → app's callback."""
    provider.person = person
    to_provider = client.get(f"/login/oidc?next={next_path}")
    assert to_provider.status_code == 302 and to_provider.headers["Location"].startswith(provider.issuer)
    back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10,
                        verify=provider.certificate)
    assert back.status_code in (302, 303), back.text
    location = urlsplit(back.headers["Location"])
    return client.get(f"{location.path}?{location.query}")


def test_first_sign_in_provisions_the_account_with_role_and_scope_from_claims(sso):
    from indicators.accounts.users import account_named

    provider, client, _ = sso
    answer = sign_in_as(provider, client, "u-zhang", "/alerts")
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts"
    account = account_named("zhang.wei")
    assert (account.role, account.city_key, account.districts, account.display_name) == (
        "analyst", "xiamen", ("350203",), "张伟")
    assert client.get("/").status_code == 200  # signed in: the page opens
    assert audit_rows("user_add", "zhang.wei") and audit_rows("sign_in", "zhang.wei")


def test_claims_that_map_to_no_role_are_refused_and_audited(sso):
    provider, client, _ = sso
    answer = sign_in_as(provider, client, "u-guest")
    assert answer.status_code == 403 and "CITYVITALS_OIDC_ROLES" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    assert audit_rows("sign_in_failed", "oidc")


def test_a_changed_claim_changes_the_account_on_the_next_sign_in(sso):
    from indicators.accounts.users import account_named

    provider, client, _ = sso
    sign_in_as(provider, client, "u-li")
    assert account_named("li.na").role == "leader"
    provider.users["u-li"] = {**PEOPLE["u-li"], "groups": ["cv-analysts"], "city": "ningde"}
    assert sign_in_as(provider, server_client(sso), "u-li").status_code == 302
    assert (account_named("li.na").role, account_named("li.na").city_key) == ("analyst", "ningde")
    assert client.get("/").status_code == 302  # the change of rights ended the earlier session


def server_client(sso):
    client = sso[2].test_client()
    client.environ_base["REMOTE_ADDR"] = "10.8.0.2"
    return client


def test_sign_out_ends_the_session_at_the_provider_too(sso):
    provider, client, _ = sso
    sign_in_as(provider, client, "u-li")
    out = client.post("/logout", data={"csrf_token": csrf(client, "/login")})
    location = out.headers["Location"]
    assert out.status_code == 302 and location.startswith(f"{provider.issuer}/logout?")
    back = requests.get(location, allow_redirects=False, timeout=10, verify=provider.certificate)
    assert back.status_code in (302, 303) and back.headers["Location"] == "http://localhost/login"
    assert provider.signed_out and provider.signed_out[-1]
    assert client.get("/").status_code == 302


def test_local_passwords_can_be_turned_off(sso, monkeypatch):
    from indicators.accounts.users import _insert_user

    provider, client, server = sso
    _insert_user("local.admin", "Correct-horse-42", "admin", display_name="", clearance=None, city_key=None,
                 districts=(), check_policy=True)
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], local_passwords=False))
    page = client.get("/login").get_data(as_text=True)
    assert "/login/oidc" in page and 'type="password"' not in page
    refused = client.post("/login", data={"username": "local.admin", "password": "Correct-horse-42",
                                          "csrf_token": csrf(client)})
    assert refused.status_code == 403 and client.get("/").status_code == 302
    assert sign_in_as(provider, client, "u-li").status_code == 302 and client.get("/").status_code == 200
