"""What every answer carries and how every failure is answered.

* Security headers: a Content-Security-Policy that allows scripts only from the app itself (and the
  hashes of Dash's own inline scripts) on every answer a browser could show as a document (not on scripts
  and stylesheets, where it has no effect and its ~700 bytes were a phone's 30 KiB per first visit), no
  framing, no MIME sniffing, no referrer to other sites;
  ``Cache-Control: no-store`` on everything that is not a static file (those are ``web.static_files``' to cache).
* Callback requests are checked before Dash sees them: a JSON object naming a known callback, with
  lists of inputs and states, under ``MAX_CALLBACK_BYTES`` (``MAX_UPLOAD_BYTES`` for those that carry
  an uploaded file; 413 above), nested at most
  ``MAX_CALLBACK_DEPTH`` deep, with no NUL in any text. Anything else is a 400.
* A path that is not plain (``//evil.example``, ``/.//x``, ``/assets//x``, a backslash or a control
  character) is not found: the app shell is never served there, so no link of it can lead elsewhere.
* Failures never show a traceback: a refused read is 403, a store that is down 503 with the honest
  message, bad input to a callback 400, anything else a 500 with an error id that the log records
  (with the traceback, for the engineer).
"""

from __future__ import annotations

import logging
import re
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

import dash
import flask
from dash.exceptions import (
    DependencyException,
    InvalidCallbackReturnValue,
    UnsupportedRelativePath,
)
from flask import jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from indicators.accounts.access import AccessDenied
from indicators.store.db import StoreUnavailable
from web.static_files import browser_may_keep

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
MAX_CALLBACK_BYTES = 1 << 20
# Callbacks that carry a whole file from dcc.Upload (the upload page's check and load, the catalog import)
# may be as large as a 20 MB file in base64 with the callback's other values.
UPLOAD_OUTPUTS = ("upload-report.children", "upload-result.children", "dcat-import-report.children",
                  "dcat-import-message.children")
MAX_UPLOAD_BYTES = 28 << 20
# The browser's deepest callback body nests a few levels; a deeper one is an attack on the parsers.
MAX_CALLBACK_DEPTH = 64
STORE_DOWN = "数据暂不可用,系统将自动重试。 / Data temporarily unavailable; retrying automatically."
# Exceptions a callback raises when a request hands it values of the wrong shape: an int too big for
# the store (OverflowError), a pathname Dash's page router refuses (not starting with "/").
# Characters no path of this site has: controls and whitespace (browsers drop tabs and newlines from URLs,
# so "/\t/evil.example" becomes "//evil.example") and backslashes (read as slashes).
ODD_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
BAD_INPUT = (TypeError, KeyError, ValueError, AttributeError, IndexError, OverflowError, UnsupportedRelativePath)


SERVER_NAME = "cityvitals"
# Answers a browser only runs or applies, never shows as a document (nosniff keeps it so): a CSP does nothing there.
SUBRESOURCE_TYPES = frozenset({"text/javascript", "application/javascript", "text/css"})


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler, without its ``Server: Werkzeug/… Python/…`` (gunicorn.conf.py does
    the same for gunicorn): the answer does not tell which software and versions to look up flaws of."""

    def version_string(self) -> str:
        return SERVER_NAME


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
    if response.mimetype not in SUBRESOURCE_TYPES:
        response.headers["Content-Security-Policy"] = content_security_policy(tuple(app.csp_hashes()),
                                                                               settings.tile_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype not in SUBRESOURCE_TYPES:  # a script or stylesheet is never framed nor shown: 90 bytes
        response.headers["X-Frame-Options"] = "DENY"  # fewer on each of a page's ~50 static answers
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not browser_may_keep():
        response.headers["Cache-Control"] = "no-store"
    return response


def plain_path(path: str) -> bool:
    """Whether ``path`` is a path of this site as written: it starts with one slash and has no empty, ``.`` or
    ``..`` segment (``//evil.example``, ``/.//evil.example``), no backslash and no control character."""
    if not path.startswith("/") or ODD_CHARACTERS.search(path):
        return False
    segments = path.split("/")[1:]
    return all(segment not in ("", ".", "..") for segment in segments[:-1]) and segments[-1] not in (".", "..")


def raw_path() -> str:
    """The request's path as the server received it (``request.path`` drops repeated leading slashes)."""
    return request.environ.get("PATH_INFO") or "/"


def refuse_odd_path():
    """Before anything else answers (after sign-in): a path that is not plain is not found."""
    if not plain_path(raw_path()):
        return _error(404, "not found")
    return None


def check_callback_request():
    """Before Dash dispatches a callback: refuse what is not a well-formed call of a known callback."""
    if request.path != CALLBACK_PATH:
        return None
    # The length is checked before reading, and the body again after: a chunked one has no length.
    if (request.content_length or 0) > MAX_UPLOAD_BYTES or len(request.get_data()) > MAX_UPLOAD_BYTES:
        return _error(413, "callback request too large")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser's stack
        return _error(400, "malformed callback request")
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return _error(400, "malformed callback request")
    if len(request.get_data()) > MAX_CALLBACK_BYTES and not any(o in body["output"] for o in UPLOAD_OUTPUTS):
        return _error(413, "callback request too large")
    refusal = _refused_content(body)
    if refusal:
        return _error(400, refusal)
    if body["output"] not in dash.get_app().callback_map:
        return _error(400, "unknown callback")
    lists = [body.get("inputs"), body.get("state", [])]
    if not all(isinstance(items, list) and all(isinstance(item, (dict, list)) for item in items) for items in lists):
        return _error(400, "malformed callback inputs")
    if not isinstance(body.get("changedPropIds", []), list) or not isinstance(body.get("outputs"), (dict, list)):
        return _error(400, "malformed callback request")
    return None


def _refused_content(body: dict) -> str | None:
    """Why a parsed body is refused: nested deeper than ``MAX_CALLBACK_DEPTH`` (callbacks and Dash recurse
    over values), or text with a NUL, which PostgreSQL can neither store nor compare; None if neither."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_CALLBACK_DEPTH:
            return "callback request nested too deeply"
        if isinstance(value, str) and "\x00" in value:
            return "NUL character in callback request"
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in (*value, *value.values()))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
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


def on_unknown_dependency(exc: DependencyException):
    """A script path Dash does not serve (``/_dash-component-suites/../../settings.py``): not found."""
    log.info("no such component file %s: %s", request.path, str(exc).splitlines()[0])
    return _error(404, "not found")


def on_http_error(exc: HTTPException):
    if not _wants_json():
        return exc
    return _error(exc.code or 500, exc.name)


def _bad_input(exc: Exception) -> bool:
    """Whether a callback failed on what the request sent: values of the wrong shape, or a list of
    pattern-matching outputs naming other components than the page has (Dash then refuses the answer,
    whose length follows the page, against the list, which comes from the request)."""
    if isinstance(exc, BAD_INPUT):
        return True
    if not isinstance(exc, InvalidCallbackReturnValue):
        return False
    outputs = request.get_json(silent=True).get("outputs")  # a dict: check_callback_request let it through
    return isinstance(outputs, list) and any(isinstance(output, list) for output in outputs)


def on_unexpected(exc: Exception):
    """Any other failure: logged with its traceback under an id; the answer carries only the id."""
    error_id = uuid.uuid4().hex[:12]
    if request.path == CALLBACK_PATH and _bad_input(exc):
        log.warning("bad callback input [%s]: %r", error_id, exc, exc_info=True)
        return _error(400, "invalid callback input", id=error_id)
    log.error("unexpected error [%s] in %s %s", error_id, request.method, request.path, exc_info=exc)
    return _error(500, "internal error / 系统内部错误", id=error_id)


def init_app(server: flask.Flask) -> None:
    """Wire the headers, the callback check and the error answers into the Flask server."""
    server.config["MAX_CONTENT_LENGTH"] = 32 << 20  # the largest upload a department's file may be
    server.before_request(refuse_odd_path)
    server.before_request(check_callback_request)
    server.after_request(add_security_headers)
    server.register_error_handler(AccessDenied, on_access_denied)  # NotSignedIn: the sign-in layer's handler
    server.register_error_handler(StoreUnavailable, on_store_down)
    server.register_error_handler(DependencyException, on_unknown_dependency)
    server.register_error_handler(HTTPException, on_http_error)
    server.register_error_handler(Exception, on_unexpected)
