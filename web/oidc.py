"""Single sign-on with the city's identity provider (统一身份认证) over OpenID Connect, with Authlib.

* ``/login/oidc`` sends the browser to the provider (authorization code flow with PKCE, state and nonce);
  ``/login/oidc/callback`` takes the code back, has Authlib check the ID token against the provider's keys, and
  signs the person in with a session like a password sign-in (``web.auth``).
* The account is provisioned on the first sign-in (``users.provision_account``): user name, role and scope come
  from the claims named in the settings (``oidc_*``), and follow them on every later sign-in. A person whose claims
  map to no role is refused (and the refusal audited).
* Signing out also ends the session at the provider when it offers an ``end_session_endpoint`` (RP-initiated
  logout): the browser goes there with the ID token as hint and comes back to ``/login``.
* ``local_passwords = False`` turns the password form off: the login page offers the provider only.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import flask
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, redirect, request, session, url_for

from indicators.accounts import audit
from indicators.accounts.users import AccountError, provision_account
from indicators.store.db import StoreUnavailable
from settings import Settings

log = logging.getLogger(__name__)
blueprint = Blueprint("oidc", __name__)
OPEN_ENDPOINTS = frozenset({"oidc.start", "oidc.callback"})
ID_TOKEN = "oidc_id_token"


def enabled(settings: Settings | None = None) -> bool:
    """Whether single sign-on is configured."""
    settings = settings or flask.current_app.config["CITYVITALS_SETTINGS"]
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _client():
    """The provider's Authlib client of this server (``configure``)."""
    return flask.current_app.extensions["cityvitals_oidc"]


def _settings() -> Settings:
    return flask.current_app.config["CITYVITALS_SETTINGS"]


def _values(claims: dict, name: str) -> list[str]:
    """A claim's values: a list, or a comma-separated string; none when the claim is not named or not given."""
    if not name or claims.get(name) in (None, ""):
        return []
    value = claims[name]
    return [str(item).strip() for item in (value if isinstance(value, list) else str(value).split(",")) if str(item).strip()]


def account_of_claims(claims: dict, settings: Settings) -> dict:
    """User name, role, scope and display name of a person from the provider's claims (``oidc_*`` settings).

    Raises:
        AccountError: no user name, or no value of the role claim that maps to a role.
    """
    username = str(claims.get(settings.oidc_username_claim) or "").strip()
    if not username:
        raise AccountError(f"the provider sent no {settings.oidc_username_claim!r} claim")
    mapping = [pair.split("=", 1) for pair in settings.oidc_roles.split(",") if "=" in pair]
    given = set(_values(claims, settings.oidc_role_claim))
    role = next((role.strip() for value, role in mapping if value.strip() in given), None)
    if role is None:
        raise AccountError(f"no role for {username}: none of {sorted(given)} is mapped by CITYVITALS_OIDC_ROLES")
    cities = _values(claims, settings.oidc_city_claim)
    return {"username": username, "role": role, "clearance": None, "city_key": cities[0] if cities else None,
            "districts": tuple(_values(claims, settings.oidc_districts_claim)),
            "display_name": str(claims.get("name") or username)}


@blueprint.route("/login/oidc")
def start():
    """Off to the provider; back at ``callback``."""
    if not enabled():
        flask.abort(404)
    session["oidc_next"] = request.args.get("next", "/")
    return _client().authorize_redirect(url_for("oidc.callback", _external=True))


@blueprint.route("/login/oidc/callback")
def callback():
    """The provider's answer: check it, provision the account, sign in."""
    from web.auth import _login_page, _sign_in, safe_next

    if not enabled():
        flask.abort(404)
    lang = "zh"
    try:
        token = _client().authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "userinfo_endpoint" in _client().load_server_metadata():
            claims.update(_client().userinfo(token=token))
        person = account_of_claims(claims, _settings())
        account = provision_account(**person, source=f"oidc:{_settings().oidc_issuer}"[:64])
    except OAuthError as exc:
        log.warning("single sign-on refused by the provider: %s", exc)
        audit.record_refusal("oidc", {"action": "sign_in", "reason": exc.error})
        return _login_page(lang, f"统一身份认证失败 / single sign-on failed: {exc.error}", 401)
    except AccountError as exc:
        audit.record("sign_in_failed", target="oidc", detail={"reason": str(exc)}, user="oidc")
        return _login_page(lang, f"无权登录 / not permitted: {exc}", 403)
    except StoreUnavailable:
        return _login_page(lang, "数据暂不可用,暂时无法登录 / sign-in is not possible right now", 503)
    if not account.active:
        audit.record("sign_in_failed", target=account.username, detail={"reason": "disabled"}, user=account.username)
        return _login_page(lang, "账号已停用 / the account is disabled", 403)
    next_path = safe_next(session.pop("oidc_next", "/"))
    _sign_in(account)
    session[ID_TOKEN] = token.get("id_token")
    return redirect(next_path)


def end_session_url(id_token: str | None) -> str | None:
    """Where to send the browser so the provider ends its session too (None: it offers no way)."""
    if not (id_token and enabled()):
        return None
    try:
        endpoint = _client().load_server_metadata().get("end_session_endpoint")
    except Exception as exc:  # the provider is away: the local sign-out stands
        log.warning("provider unavailable for sign-out: %s", exc)
        return None
    if not endpoint:
        return None
    return endpoint + "?" + urlencode({"id_token_hint": id_token, "client_id": _settings().oidc_client_id,
                                       "post_logout_redirect_uri": url_for("auth.login", _external=True)})


def init_app(server: flask.Flask, settings: Settings) -> None:
    """Register the sign-in routes and, when configured, the provider."""
    server.register_blueprint(blueprint)
    if enabled(settings):
        configure(server, settings)


def configure(server: flask.Flask, settings: Settings) -> None:
    """Register the provider of ``settings`` (its discovery document is read on first use)."""
    server.extensions["cityvitals_oidc"] = OAuth(server).register("city", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"})
