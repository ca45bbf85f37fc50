"""Sign-in: the login page, sign-out, sessions, and the guard in front of every request.

* Flask-Login keeps the signed-in account in Flask's signed session cookie (HttpOnly, SameSite=Lax,
  Secure when the request came over HTTPS), which ends after ``session_minutes`` without a request.
* Every session is also kept on the server (``users.open_session``): the cookie carries its key, and
  signing out removes it, so a copy of the cookie taken before stops working too. The cookie also
  carries the account's session token: a password reset, a change of rights or disabling the account
  gives it a new token and removes all its sessions, which ends them all at once.
* The guard runs before every request. With a signed-in account it puts the account's viewer on
  ``flask.g`` for the data layer (``indicators.accounts.access``). Without one, pages redirect to ``/login`` and
  callbacks, exports and APIs answer 401 — unless demo sign-in is on, which signs the visitor in as
  the demo leader. Only the login page, ``/healthz``, static files and the event platform's signed webhook
  (``web/inbound.py``) are open.
* Failed sign-ins are recorded in the audit log, which also throttles them: five failures of one
  account from one address, or twenty from one address, within 15 minutes, and further attempts are
  refused until the window has passed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from datetime import datetime, timedelta
from urllib.parse import unquote, urlencode, urlsplit

import flask
from flask import Blueprint, g, jsonify, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from indicators.accounts import audit
from indicators.accounts.access import NotSignedIn
from indicators.accounts.users import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_USER,
    Account,
    authenticate,
    end_session,
    ensure_demo_accounts,
    ensure_demo_user,
    open_session,
    session_account,
)
from indicators.store.db import StoreUnavailable
from web.hardening import ODD_CHARACTERS, plain_path, raw_path
from web.static_files import is_static_request

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
# Reached without signing in: the login page, the health check, and files that carry no data — by the route
# that serves them, so that a path the app shell would answer (/assets//x) is not open because of its prefix.
OPEN_ENDPOINTS = frozenset({"auth.login", "auth.favicon", "health.healthz", "_dash_assets.static", "plotly_basic",
                            "inbound.platform_events",  # signed by the event platform (web/inbound.py)
                            "oidc.start", "oidc.callback"})
OPEN_RULES = ("/_favicon.ico", "/_dash-component-suites/<")
# Requests for data rather than pages: refused with 401 instead of a redirect.
API_PREFIXES = ("/_dash-", "/api/", "/export/", "/data/templates/")
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_PER_ACCOUNT = 5
THROTTLE_PER_ADDRESS = 20
# Accounts of demo mode (the demo leader, and the operator and admin whose password the README gives): refused at
# sign-in, and their sessions ended, whenever demo sign-in is off.
DEMO_ONLY = frozenset({DEMO_USER, *DEMO_ACCOUNTS})

TEXT = {
    "title": ("登录 · 城市生命体征", "Sign in · City Vitals"),
    "heading": ("城市生命体征", "City Vitals"),
    "subtitle": ("请登录后查看城市运行数据", "Sign in to see the city's figures"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "submit": ("登录", "Sign in"),
    "failed": ("用户名或密码错误,或账号已停用。", "Wrong user name or password, or the account is disabled."),
    "throttled": ("登录失败次数过多,请 15 分钟后再试。", "Too many failed sign-ins; try again in 15 minutes."),
    "expired": ("页面已过期,请重新登录。", "The form expired; please sign in again."),
    "store_down": ("数据暂不可用,暂时无法登录,请稍后再试。", "Data temporarily unavailable; sign-in is not possible right now."),
    "signed_out": ("您已退出登录。", "You have signed out."),
    "demo": ("演示模式:未登录的访问者以演示领导身份查看。", "Demo mode: visitors who do not sign in see the demo leader's view."),
    "demo_accounts": ("数据管理和账号管理页面请用演示账号登录(密码均为 {password}):",
                      "For the data desk and the admin pages, sign in with a demo account (password {password}):"),
    "role_operator": ("数据操作员", "data operator"),
    "role_admin": ("管理员", "administrator"),
    "sso": ("统一身份认证登录", "Sign in with the city's identity"),
    "no_passwords": ("本系统仅支持统一身份认证登录。", "This system signs in through the city's identity provider only."),
}


class SignedInUser(UserMixin):
    """Flask-Login's user: an account, identified in the session by its id, session token and the key of the
    server-side session."""

    def __init__(self, acct: Account, key: str):
        self.account = acct
        self.key = key

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_token}:{self.key}"


class CookieSessions(SecureCookieSessionInterface):
    """Session cookies marked Secure whenever the request came over HTTPS (behind trusted proxies too)."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (flask.has_request_context() and request.is_secure))

    def save_session(self, app: flask.Flask, session, response: flask.Response) -> None:
        """Static files neither refresh the cookie nor vary by it (no ``Set-Cookie``, no ``Vary: Cookie``): the
        browser keeps one copy, and a shared cache never hands one visitor's session to another."""
        if is_static_request():
            return
        super().save_session(app, session, response)


def _idle() -> timedelta:
    return flask.current_app.permanent_session_lifetime


@login_manager.user_loader
def load_user(session_id: str) -> SignedInUser | None:
    """The session's account, if the server still has the session and the account still exists, is active
    and has the same session token.

    While the store is down the account kept in the signed session stands in: nothing can be read then
    anyway, and the pages can say so instead of sending everyone to the login page.
    """
    user_id, token, key = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not key:
        return None
    try:
        acct = session_account(int(user_id), token, key, _idle())
    except StoreUnavailable:
        kept = session.get("account")
        acct = Account(**{**kept, "districts": tuple(kept["districts"])}) if kept else None
        if acct is not None and (acct.id != int(user_id) or acct.session_token != token):
            acct = None
    if acct is None or not acct.active or (acct.username in DEMO_ONLY and not demo_enabled()):
        return None
    return SignedInUser(acct, key)


def demo_enabled() -> bool:
    """Whether demo sign-in is on (``CITYVITALS_DEMO_LOGIN``; never in production)."""
    return flask.current_app.config["CITYVITALS_SETTINGS"].demo_login_enabled


def _lang() -> str:
    return "en" if request.values.get("lang") == "en" else "zh"


def _text(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a plain path of this site (``plain_path``, also after undoing percent-encoding,
    however often it was applied), else home."""
    if not target or ODD_CHARACTERS.search(target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    for _ in range(4):
        if not plain_path(path):
            return "/"
        decoded = unquote(path)
        if decoded == path:
            return target
        path = decoded
    return "/"  # encoded more often than any real link is


@blueprint.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page, the login page too: Dash's icon, not the app shell."""
    return redirect("/_favicon.ico", 301)


def _login_page(lang: str, message: str | None = None, status: int = 200, username: str = ""):
    texts = {key: _text(key, lang) for key in TEXT}
    next_path = safe_next(request.values.get("next"))
    switch = {"lang": "zh" if lang == "en" else "en", "next": next_path}
    demo = demo_enabled()
    texts["demo_accounts"] = texts["demo_accounts"].format(password=DEMO_PASSWORD)
    accounts = [(name, texts[f"role_{role}"]) for name, (role, _) in DEMO_ACCOUNTS.items()] if demo else []
    settings = flask.current_app.config["CITYVITALS_SETTINGS"]
    sso = "/login/oidc?" + urlencode({"next": next_path}) if settings.oidc_issuer and settings.oidc_client_id else None
    page = render_template("login.html", t=texts, lang=lang, message=message, username=username,
                           next=next_path, csrf_token=generate_csrf(), switch_href="/login?" + urlencode(switch),
                           switch_label="中文" if lang == "en" else "English", demo=demo, demo_accounts=accounts,
                           sso=sso, passwords=settings.local_passwords)
    return page, status


def _sign_in(acct: Account, *, demo: bool = False) -> None:
    session.clear()  # a new session on every sign-in, so an old session id cannot be fixed on a victim
    login_user(SignedInUser(acct, open_session(acct.id, _idle())))
    session.permanent = True
    session["account"] = {**asdict(acct), "districts": list(acct.districts)}
    g.viewer = acct.viewer()
    audit.record("sign_in", target=acct.username, detail={"demo": True} if demo else None, user=acct.username)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a good sign-in goes on to ``next`` (a path of this site)."""
    lang = _lang()
    if request.method == "GET":
        return _login_page(lang)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    if not flask.current_app.config["CITYVITALS_SETTINGS"].local_passwords:
        audit.record("sign_in_failed", target=username, detail={"reason": "local passwords off"}, user=username or "?")
        return _login_page(lang, _text("no_passwords", lang), 403, username)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _login_page(lang, _text("expired", lang), 400, username)
    address = request.remote_addr or ""
    try:
        mine, everyone = audit.recent_failures(username=username, remote_addr=address,
                                               since=datetime.now() - THROTTLE_WINDOW)
        if mine >= THROTTLE_PER_ACCOUNT or everyone >= THROTTLE_PER_ADDRESS:
            audit.record("sign_in_failed", target=username, detail={"reason": "throttled"}, user=username or "?")
            return _login_page(lang, _text("throttled", lang), 429, username)
        if username in DEMO_ACCOUNTS and demo_enabled():
            ensure_demo_accounts()  # the login page names them: they work before any page was visited
        acct = authenticate(username, password)
        if acct is not None and acct.username in DEMO_ONLY and not demo_enabled():
            acct = None  # a demo account's password is public: it opens nothing outside demo mode
        if acct is None:
            audit.record("sign_in_failed", target=username, detail={"reason": "bad credentials"}, user=username or "?")
            return _login_page(lang, _text("failed", lang), 401, username)
        _sign_in(acct)
    except StoreUnavailable:
        return _login_page(lang, _text("store_down", lang), 503, username)
    return redirect(safe_next(request.form.get("next")))


@blueprint.route("/logout", methods=["POST"])
def logout():
    """Sign out (a form with the CSRF token; a link could be followed by another site)."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return redirect("/")
    from web.oidc import ID_TOKEN, end_session_url

    provider_logout = end_session_url(session.get(ID_TOKEN))
    if current_user.is_authenticated:
        name = current_user.account.username
        try:
            end_session(current_user.key)
            audit.record("sign_out", target=name, user=name)
        except StoreUnavailable:
            log.warning("sign-out of %s not recorded: store unavailable", name)
    logout_user()
    session.clear()
    return redirect(provider_logout or "/login?" + urlencode({"lang": _lang()}))


def csrf_token() -> str:
    """The session's CSRF token, for the sign-out form in the header."""
    return generate_csrf()


def is_open() -> bool:
    """Whether this request is served without signing in: the login page, the health check and real static
    files, by the route that serves them, at a plain path."""
    rule = request.url_rule
    if rule is None or not plain_path(raw_path()):
        return False
    return rule.endpoint in OPEN_ENDPOINTS or rule.rule == OPEN_RULES[0] or rule.rule.startswith(OPEN_RULES[1])


def wants_data(path: str) -> bool:
    """Whether ``path`` is a callback, export or API request (401) rather than a page (redirect)."""
    return path.startswith(API_PREFIXES) or request.method != "GET"


def refuse_anonymous():
    """The answer to a request without a signed-in session."""
    if wants_data(request.path):
        return jsonify(error="sign-in required", login="/login"), 401
    return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))


def guard():
    """Before every request: attach the signed-in viewer, sign in the demo leader in demo mode, or refuse.
    The API (``/api/v1``) is left to its token check (``web/api``): a session opens none of it."""
    if is_open() or is_token_request():
        return None
    if current_user.is_authenticated:
        g.viewer = current_user.account.viewer()
        return None
    if demo_enabled():
        try:
            ensure_demo_accounts()
            _sign_in(ensure_demo_user(), demo=True)
        except StoreUnavailable:
            # No store, no account: a demo viewer for this request, so the page can say the data is unavailable.
            g.viewer = Account(0, "demo", "demo", "leader", "restricted", None, (), "", True).viewer()
        return None
    return refuse_anonymous()


def init_app(server: flask.Flask, session_minutes: int) -> None:
    """Wire sign-in into the Flask server: cookies, Flask-Login, the login routes and the guard."""
    server.session_interface = CookieSessions()
    server.config.update(SESSION_COOKIE_NAME="cityvitals_session", SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(minutes=session_minutes),
                         SESSION_REFRESH_EACH_REQUEST=True, WTF_CSRF_TIME_LIMIT=None)
    login_manager.init_app(server)
    login_manager.session_protection = "basic"
    server.register_blueprint(blueprint)
    server.before_request(guard)
    server.register_error_handler(NotSignedIn, lambda _exc: refuse_anonymous())


TOKEN_PREFIX = "/api/v1/"


def is_token_request() -> bool:
    """Whether this request is for the API, which API tokens authorise and sessions never do."""
    return request.path.startswith(TOKEN_PREFIX) and plain_path(raw_path())
