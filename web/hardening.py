"""What every answer carries and how every failure is answered.

* Security headers: a Content-Security-Policy that allows scripts only from the app itself (and the
  hashes of Dash's own inline scripts), no framing, no MIME sniffing, no referrer to other sites;
  ``Cache-Control: no-store`` on everything that is not a static file.
* Callback requests are checked before Dash sees them: a JSON object naming a known callback, with
  lists of inputs and states, under ``MAX_CALLBACK_BYTES``. Anything else is a 400.
* Failures never show a traceback: a refused read is 403, a store that is down 503 with the honest
  message, bad input to a callback 400, anything else a 500 with an error id that the log records
  (with the traceback, for the engineer).
"""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

import dash
import flask
from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from indicators.access import AccessDenied
from indicators.db import StoreUnavailable

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
MAX_CALLBACK_BYTES = 1 << 20
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
STORE_DOWN = "数据暂不可用,系统将自动重试。 / Data temporarily unavailable; retrying automatically."
# Exceptions a callback raises when a request hands it values of the wrong shape.
BAD_INPUT = (TypeError, KeyError, ValueError, AttributeError, IndexError)


@lru_cache(maxsize=4)
def content_security_policy(script_hashes: tuple[str, ...], tile_url: str) -> str:
    """The CSP header: own origin only, plus Dash's inline scripts by hash and the tile server's images.

    Styles allow inline: Plotly, AG Grid and Leaflet set styles from script (no script can come of it).
    """
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            tiles = f" {parts.scheme}://{host}"
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(("'self'", *script_hashes)),  # the hashes come quoted: 'sha256-…'
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{tiles}",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def add_security_headers(response: flask.Response) -> flask.Response:
    """After every request: the security headers, and no caching of anything but static files."""
    app = dash.get_app()
    settings = flask.current_app.config["CITYVITALS_SETTINGS"]
    response.headers["Content-Security-Policy"] = content_security_policy(tuple(app.csp_hashes()), settings.tile_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith(STATIC_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response


def check_callback_request():
    """Before Dash dispatches a callback: refuse what is not a well-formed call of a known callback."""
    if request.path != CALLBACK_PATH:
        return None
    if request.content_length is not None and request.content_length > MAX_CALLBACK_BYTES:
        return _error(413, "callback request too large")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return _error(400, "malformed callback request")
    if body["output"] not in dash.get_app().callback_map:
        return _error(400, "unknown callback")
    lists = [body.get("inputs"), body.get("state", [])]
    if not all(isinstance(items, list) and all(isinstance(item, (dict, list)) for item in items) for items in lists):
        return _error(400, "malformed callback inputs")
    if not isinstance(body.get("changedPropIds", []), list) or not isinstance(body.get("outputs"), (dict, list)):
        return _error(400, "malformed callback request")
    return None


def _error(status: int, message: str, **extra):
    return jsonify(error=message, **extra), status


def _wants_json() -> bool:
    return request.path.startswith(("/_dash-", "/api/", "/export/", "/data/")) or request.method != "GET"


def on_access_denied(exc: AccessDenied):
    log.info("refused %s %s: %s", request.method, request.path, exc)
    return _error(403, "not permitted / 无权访问")


def on_store_down(exc: StoreUnavailable):
    log.warning("store unavailable during %s %s: %s", request.method, request.path, exc)
    return _error(503, STORE_DOWN)


def on_http_error(exc: HTTPException):
    if not _wants_json():
        return exc
    return _error(exc.code or 500, exc.name)


def on_unexpected(exc: Exception):
    """Any other failure: logged with its traceback under an id; the answer carries only the id."""
    error_id = uuid.uuid4().hex[:12]
    if request.path == CALLBACK_PATH and isinstance(exc, BAD_INPUT):
        log.warning("bad callback input [%s]: %r", error_id, exc, exc_info=True)
        return _error(400, "invalid callback input", id=error_id)
    log.error("unexpected error [%s] in %s %s", error_id, request.method, request.path, exc_info=exc)
    return _error(500, "internal error / 系统内部错误", id=error_id)


def init_app(server: flask.Flask) -> None:
    """Wire the headers, the callback check and the error answers into the Flask server."""
    server.config["MAX_CONTENT_LENGTH"] = 32 << 20  # the largest upload a department's file may be
    server.before_request(check_callback_request)
    server.after_request(add_security_headers)
    server.register_error_handler(AccessDenied, on_access_denied)  # NotSignedIn: the sign-in layer's handler
    server.register_error_handler(StoreUnavailable, on_store_down)
    server.register_error_handler(HTTPException, on_http_error)
    server.register_error_handler(Exception, on_unexpected)
