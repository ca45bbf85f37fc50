"""The API (``/api/v1``): JSON and CSV answers for other systems, authorised by API tokens only.

* **Tokens, not sessions.** Every operation needs ``Authorization: Bearer cv_…`` (``indicators.accounts.tokens``);
  a browser's session cookie authorises nothing here, and a token opens no page (the sign-in guard of
  ``web/auth.py`` knows only sessions). The token's viewer is put on ``flask.g``, so every read goes through
  the same views and queries — and the same access rule — as the pages.
* **Every use audited** (``api_call``, with the answer's status), refused tokens too.
* **Rate limits per token** with Flask-Limiter, counted on the cache's Redis (``CITYVITALS_CACHE_URL=redis://…``),
  else in memory (``CITYVITALS_API_RATE_LIMIT``).
* **Errors** are ``{"error": {"code", "message", "details"?}}`` with a 4xx status; nothing is written then.
* The OpenAPI document (``openapi.py``) is built from the same declarations that route and validate requests.
"""

from __future__ import annotations

import logging
from pathlib import Path

import flask
import orjson
from flask import Blueprint, g, request
from flask_limiter import Limiter
from pydantic import BaseModel, ValidationError
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import HTTPException

from indicators.accounts.access import AccessDenied
from indicators.accounts.audit import record_refusal
from indicators.accounts.tokens import TokenRefused, authenticate_token, digest, record_use
from indicators.store.db import StoreUnavailable
from indicators.views.cache import CacheContext, cache, current_data_version, pin_data_version
from web.api import openapi

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
blueprint = Blueprint("api", __name__, url_prefix=PREFIX)
# Reached without a token: the API's own description and its browser, which carry no data.
OPEN_ENDPOINTS = frozenset({"api.openapi_document", "api.docs", "api.docs_file"})
DOCS_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                        "favicon-32x32.png"})
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>City Vitals API · 城市生命体征</title>
<link rel="stylesheet" href="{prefix}/docs/swagger-ui.css"><link rel="icon" href="{prefix}/docs/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="{prefix}/docs/swagger-ui-bundle.js"></script>
<script src="{prefix}/docs/swagger-ui-standalone-preset.js"></script>
<script src="{prefix}/docs/start.js"></script></body></html>"""
DOCS_START = """window.ui = SwaggerUIBundle({url: "%s/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});""" % PREFIX


def _rate_key() -> str:
    """Requests are counted per token (by its digest: the limit is checked before the token is looked up)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return f"token:{digest(secret.strip())[:32]}" if secret.strip() else f"address:{request.remote_addr}"


limiter = Limiter(key_func=_rate_key, default_limits=[], headers_enabled=True, swallow_errors=True)


class ApiError(Exception):
    """A refused request: ``status``, a machine-readable ``code``, a message and optional details."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


def json_answer(payload, status: int = 200, headers: dict | None = None) -> flask.Response:
    """``payload`` as JSON (orjson: numpy values, dates, NaN-free frames)."""
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return flask.Response(body, status=status, mimetype="application/json", headers=headers)


def error_answer(status: int, code: str, message: str, details: list | None = None,
                 headers: dict | None = None) -> flask.Response:
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_answer({"error": error}, status, headers)


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string validated by ``model`` (unknown parameters and repeated ones refused).

    Raises:
        ApiError: 400, naming each bad parameter.
    """
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        raise ApiError(400, "invalid_parameters", "a parameter is given more than once",
                       [{"parameter": name, "reason": "repeated"} for name in repeated])
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(400, "invalid_parameters", "invalid query parameters", validation_details(exc)) from None


def validation_details(exc: ValidationError) -> list[dict]:
    return [{"field": ".".join(str(part) for part in error["loc"]), "reason": error["msg"], "type": error["type"]}
            for error in exc.errors(include_url=False, include_input=False)]


def operation(rule: str, *, summary: str, tag: str, method: str = "GET", query: type[BaseModel] | None = None,
              body: type[BaseModel] | None = None, table: bool = False, writes: bool = False, csv_body: bool = False):
    """Declare an operation (for the OpenAPI document) and route it; the view gets the validated query (when
    ``query`` is given) as ``params`` and the path's values. A write needs a token that writes."""

    def wrap(view):
        declared = openapi.declare(openapi.Operation(method, rule, view.__name__, summary, tag, query, body, table,
                                                     writes, csv_body))

        def endpoint(**path_values):
            if declared.writes and not g.api_token.writes:
                g.api_audit_detail = {"refused": "read-only token"}
                raise ApiError(403, "read_only_token", "this token may only read / 此令牌只读")
            if declared.query is not None:
                path_values["params"] = parse_query(declared.query)
            if method != "GET":
                return view(**path_values)
            response = kept_answer(lambda: view(**path_values))
            response.add_etag()
            return response.make_conditional(request)

        endpoint.__doc__ = view.__doc__
        blueprint.add_url_rule(rule, view.__name__, endpoint, methods=[method])
        return view

    return wrap


def kept_answer(produce) -> flask.Response:
    """A read's answer from the answer cache when it holds it, else ``produce()``'s, kept there when good.

    Keyed like every cached thing (``CacheContext``: the store, its data version, the day and the viewer's
    clearance and scope) and by the request's path and query, so a load makes it stale and one token's answer
    is never given to a token that may see less.
    """
    if getattr(cache, "app", None) is None or not cache.available():
        return produce()
    version = current_data_version()
    pin_data_version(version)
    key = CacheContext.now(version).key("api", request.endpoint, request.full_path)
    try:
        hit = cache.get(key)
    except Exception as exc:  # a cache that is down must not take the API with it
        log.warning("answer cache unavailable: %s", exc)
        return produce()
    if hit is not None:
        body, content_type, link = hit
        return flask.Response(body, content_type=content_type, headers={"Link": link} if link else None)
    response = produce()
    if response.status_code == 200:
        try:
            cache.set(key, (response.get_data(), response.content_type, response.headers.get("Link")))
        except Exception as exc:
            log.warning("answer cache unavailable, answer not kept: %s", exc)
    return response


@blueprint.before_request
def authorise():
    """Before every API request: the bearer token's viewer on ``flask.g``, or a 401 (audited)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return error_answer(401, "missing_token", "an API token is required: Authorization: Bearer cv_… / 需要 API 令牌",
                            headers={"WWW-Authenticate": 'Bearer realm="cityvitals"'})
    try:
        holder = authenticate_token(secret.strip())
    except TokenRefused as exc:
        record_refusal(f"{request.method} {request.path}", {"action": "api_call", "reason": exc.code})
        return error_answer(401, exc.code, str(exc),
                            headers={"WWW-Authenticate": 'Bearer realm="cityvitals", error="invalid_token"'})
    g.api_token = holder
    g.viewer = holder.viewer
    return None


@blueprint.after_request
def audit_use(response: flask.Response) -> flask.Response:
    """After every API request with a valid token: the use in the audit log, with its status."""
    holder = g.get("api_token")
    if holder is not None:
        try:
            record_use(holder, method=request.method, path=request.full_path.rstrip("?")[:240],
                       status=response.status_code, remote_addr=request.remote_addr or "",
                       detail=g.get("api_audit_detail"))
        except StoreUnavailable:
            log.warning("API call of token %s not audited: store unavailable", holder.name)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


@blueprint.errorhandler(ApiError)
def on_api_error(exc: ApiError):
    return error_answer(exc.status, exc.code, exc.message, exc.details, exc.headers)


@blueprint.errorhandler(AccessDenied)
def on_access_denied(exc: AccessDenied):
    log.info("API refused %s %s: %s", request.method, request.path, exc)
    g.api_audit_detail = {"refused": str(exc)}
    return error_answer(403, "forbidden", "outside your token's clearance, scope or permissions / 无权访问")


@blueprint.errorhandler(StoreUnavailable)
def on_store_down(exc: StoreUnavailable):
    return error_answer(503, "store_unavailable", "the store is unavailable; try again later / 数据暂不可用")


@blueprint.errorhandler(HTTPException)
def on_http_error(exc: HTTPException):
    if exc.code == 429:
        return error_answer(429, "rate_limited", f"too many requests for this token: {exc.description}")
    if exc.code == 413:
        return error_answer(413, "too_large", "the body is larger than this API accepts")
    return error_answer(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


@blueprint.route("/openapi.json")
def openapi_document():
    """The OpenAPI document (open: it describes, it holds no data)."""
    return json_answer(openapi.document())


@blueprint.route("/docs")
def docs():
    """Swagger UI on the document, from files the app serves itself."""
    return flask.Response(DOCS_PAGE.format(prefix=PREFIX), mimetype="text/html")


@blueprint.route("/docs/<name>")
def docs_file(name: str):
    if name == "start.js":
        return flask.Response(DOCS_START, mimetype="text/javascript")
    if name not in DOCS_FILES:
        flask.abort(404)
    return flask.send_from_directory(Path(swagger_ui_path), name, max_age=86400)


def init_app(server: flask.Flask) -> None:
    """Register the API on the server, with its token check, audit and rate limits."""
    from web.api import push, reads  # noqa: F401  (they declare and route the operations)

    settings = server.config["CITYVITALS_SETTINGS"]
    server.config.update(RATELIMIT_STORAGE_URI=settings.cache_url if settings.cache_url.startswith("redis")
                         else "memory://", RATELIMIT_HEADERS_ENABLED=True)
    limiter.init_app(server)
    server.register_blueprint(blueprint)


def settings_of():
    """The installation's settings (those the server was made with)."""
    return flask.current_app.config["CITYVITALS_SETTINGS"]


limiter.limit(lambda: settings_of().api_rate_limit, exempt_when=lambda: request.endpoint in OPEN_ENDPOINTS)(blueprint)
