"""Static files for phones: a page downloads only the script libraries it uses, and what it downloaded once is
not downloaded again.

* **Lazy libraries.** AG Grid and Leaflet (``LAZY_LIBRARIES``, ~370 KiB compressed) are left out of every page's
  scripts; ``assets/01-lazy-libraries.js`` loads one when an answer of the server first holds a component of it,
  before Dash's renderer sees that answer, from the URL named in the page's ``cityvitals-lazy-libraries`` meta
  tag (fingerprinted like Dash's own, so cached for a year). On a phone AG Grid is never loaded: its grids are
  drawn as lists by ``assets/92-desk-grids.js``.
* **Plotly's basic bundle.** The charts draw only scatter and bar traces, so the path Dash's graphs load plotly.js
  from serves plotly.js's basic bundle (scatter, bar, pie; ``vendor/plotly-basic.min.js`` from the npm package
  ``plotly.js-basic-dist-min``, MIT, ``vendor/LICENSE.plotly.js``): 321 KiB on the wire instead of 1,085 KiB.
  Should the installed plotly expect another plotly.js version, Dash's full bundle is served instead.
* **One stylesheet, one script.** The ~20 stylesheets and ~18 scripts of ``assets/`` are served joined, in Dash's
  order, as ``/assets/_bundle.css`` and ``/assets/_bundle.js`` (Dash is told to leave them out, ``BUNDLED_ASSETS``):
  a first visit makes 2 requests for them instead of ~40, each of which cost ~300 bytes of headers on a phone, and
  one file compresses better than many. The bundle's ``?m=`` is the newest file's modification time.
* **No Babel polyfill.** Dash ships ``@babel/polyfill`` (core-js and regenerator, 29 KiB on the wire) for browsers
  of 2015; the browsers the product supports have every feature core-js adds, and the renderer and the core
  components need only the global ``regeneratorRuntime``. Dash's polyfill URL therefore serves regenerator's
  runtime alone (``vendor/regenerator-runtime.js``, npm ``regenerator-runtime`` 0.14.1, MIT,
  ``vendor/LICENSE.regenerator-runtime``): 7 KiB.
* **Compression and revalidation.** Scripts, stylesheets and other text files (``/assets/…``,
  ``/_dash-component-suites/…``, the favicon) are compressed once with Brotli at its best quality (gzip for clients
  without it; ~2 s for the largest bundle) and kept in memory and in ``data/static-cache/`` (by the digest of the
  file, so every worker and every restart of the same version finds them done). Each answer carries a strong ETag of its content and
  encoding, so ``If-None-Match`` gets 304 without a body; fingerprinted URLs (Dash's ``.v…m…`` paths, ``?m=`` of
  an asset that is still the file of that time, ``?v=`` of the favicon) are cached for a year (``immutable``),
  others revalidated each time (``no-cache``). Dash's callback graph (``/_dash-dependencies``, the same for
  everyone) is revalidated the same way.

  Flask-Compress (Dash's ``compress=True``) still compresses the pages and callback answers. For static files it
  falls short: it appends the encoding to the file's ETag (``"…:zstd"``), so Flask's own conditional check of a
  file never matches what the browser sends back, and it evaluates the condition itself only for an endpoint named
  ``static`` — Dash's assets are ``_dash_assets.static`` — so every stylesheet came back 200 with its full body.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib
import json
import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import brotli
import dash
import flask
from dash.fingerprint import build_fingerprint, check_fingerprint
from flask import request
from werkzeug.security import safe_join

log = logging.getLogger(__name__)
VENDOR = Path(__file__).resolve().parent / "vendor"
PLOTLY_BASIC = VENDOR / "plotly-basic.min.js"
PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
REGENERATOR = VENDOR / "regenerator-runtime.js"
POLYFILL_PREFIX = "/_dash-component-suites/dash/deps/polyfill@"
# Component libraries loaded when a page first uses one of their components (namespace → main bundle).
LAZY_LIBRARIES = {"dash_ag_grid": "dash_ag_grid.min.js", "dash_leaflet": "dash_leaflet.js"}
LAZY_META = "cityvitals-lazy-libraries"
# The assets served joined instead of one by one (Dash's ``assets_ignore``), and the URL of each kind's bundle.
BUNDLED_ASSETS = r"\.(css|js)$"
BUNDLE_PATH = "/assets/_bundle.<any(css, js):kind>"  # any other kind is not this route's
STATIC_ENDPOINTS = ("_dash_assets.static", "plotly_basic", "asset_bundle")
STATIC_PREFIXES = ("/_dash-component-suites/", "/_favicon.ico")
REVALIDATED_PATHS = ("/_dash-dependencies",)
TEXT_TYPES = frozenset({"text/css", "text/javascript", "application/javascript", "application/json", "text/plain",
                        "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "application/geo+json"})
MIN_COMPRESS = 512
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CACHE_LIMIT = 64 << 20  # bytes of compressed bodies kept per process (all of ours take ~3 MB)
CACHE_FOLDER = Path(__file__).resolve().parents[1] / "data" / "static-cache"


def digest_of(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class CompressedBodies:
    """Compressed bodies by (content digest, encoding): in memory (least recently used dropped beyond ``limit``
    bytes) and in ``folder``, where a body is trusted only if it unpacks to bytes of its digest."""

    def __init__(self, folder: Path = CACHE_FOLDER, limit: int = CACHE_LIMIT):
        self.folder = folder
        self.limit = limit
        self.size = 0
        self.bodies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, digest: str, encoding: str, raw: bytes) -> bytes:
        key = (digest, encoding)
        with self.lock:
            body = self.bodies.get(key)
            if body is not None:
                self.bodies.move_to_end(key)
                return body
        body = self.stored(digest, encoding)
        if body is None:
            body = compress(raw, encoding)  # outside the lock: Brotli's best takes ~2 s for the largest bundle
            self.store(digest, encoding, body)
        with self.lock:
            if key not in self.bodies:
                self.bodies[key] = body
                self.size += len(body)
            while self.size > self.limit and self.bodies:
                self.size -= len(self.bodies.popitem(last=False)[1])
        return body


    def stored(self, digest: str, encoding: str) -> bytes | None:
        """The body kept in the folder, if there is one that unpacks to the file it is named after."""
        try:
            body = (self.folder / f"{digest}.{encoding}").read_bytes()
            unpacked = brotli.decompress(body) if encoding == "br" else gzip.decompress(body)
        except (OSError, brotli.error, EOFError, gzip.BadGzipFile):
            return None
        return body if digest_of(unpacked) == digest else None

    def store(self, digest: str, encoding: str, body: bytes) -> None:
        """Keep the body in the folder (written aside, then renamed: a reader never sees half of it); a folder
        that cannot be written leaves the memory alone to keep it."""
        path = self.folder / f"{digest}.{encoding}"
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(body)
            os.replace(partial, path)
        except OSError as exc:
            log.info("compressed static file not kept in %s: %s", self.folder, exc)
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)


BODIES = CompressedBodies()


def compress(raw: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(raw, quality=11)
    return gzip.compress(raw, compresslevel=9, mtime=0)


def chosen_encoding() -> str | None:
    """Brotli if the client takes it, else gzip, else none."""
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding] > 0:
            return encoding
    return None


def is_static_request() -> bool:
    """Whether the request is for a static file (also read by the session cookie, which these do not refresh)."""
    return request.endpoint in STATIC_ENDPOINTS or request.path.startswith(STATIC_PREFIXES)


def browser_may_keep() -> bool:
    """Whether the answer is one the browser may keep (a static file, the callback graph): its cache headers are
    set here, everything else is ``no-store`` (``web.hardening``)."""
    return is_static_request() or request.path in REVALIDATED_PATHS


def is_fingerprinted() -> bool:
    """Whether the URL names this very version of the file, so it can be cached for good."""
    if request.path.startswith("/_dash-component-suites/"):
        return check_fingerprint(request.path.rsplit("/", 1)[-1])[1]
    if request.path.startswith("/_favicon.ico"):
        return "v" in request.args
    if request.endpoint == "asset_bundle" and "m" in request.args:
        files = bundled_files(dash.get_app().config.assets_folder, request.view_args["kind"])
        return bool(files) and request.args["m"] == str(newest_time(files))
    if request.endpoint == "_dash_assets.static" and "m" in request.args:
        path = safe_join(dash.get_app().config.assets_folder, request.view_args["filename"])
        # Dash writes each asset's modification time into its URL; a file changed since is another version.
        return path is not None and os.path.isfile(path) and request.args["m"] == str(os.stat(path).st_mtime)
    return False


def finish_static(response: flask.Response) -> flask.Response:
    """After a static file or the callback graph: compressed once, a strong ETag, cache headers, 304 when unchanged."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or not browser_may_keep():
        return response
    revalidated = request.path in REVALIDATED_PATHS
    response.direct_passthrough = False
    raw = response.get_data()
    digest = digest_of(raw)
    encoding = chosen_encoding() if response.mimetype in TEXT_TYPES and len(raw) >= MIN_COMPRESS else None
    if encoding:
        response.set_data(BODIES.get(digest, encoding, raw))
        response.headers["Content-Encoding"] = encoding
    response.headers.pop("Accept-Ranges", None)  # ranges of the encoded body are not offered
    for name in ("Content-Disposition", "Last-Modified", "Date"):  # the ETag decides; the server adds its Date
        response.headers.pop(name, None)
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{digest}-{encoding or 'identity'}")  # strong: these bytes, this encoding
    if revalidated:
        response.headers["Cache-Control"] = "private, " + REVALIDATE
    else:
        response.headers["Cache-Control"] = IMMUTABLE if is_fingerprinted() else REVALIDATE
    return response.make_conditional(request)


def serve_plotly_basic() -> flask.Response:
    """plotly.js's basic bundle where Dash's graphs load plotly.js from."""
    return flask.send_file(PLOTLY_BASIC, mimetype="text/javascript", conditional=False, max_age=None)


def serve_regenerator_for_polyfill() -> flask.Response | None:
    """regenerator's runtime where Dash's page loads ``@babel/polyfill`` from (before Dash's own handler)."""
    if request.path.startswith(POLYFILL_PREFIX):
        return flask.send_file(REGENERATOR, mimetype="text/javascript", conditional=False, max_age=None)
    return None


def vendored_plotly_version() -> str | None:
    match = re.search(rb"plotly\.js \(basic - minified\) v(\S+)", PLOTLY_BASIC.read_bytes()[:200])
    return match.group(1).decode() if match else None


def use_plotly_basic(server: flask.Flask) -> bool:
    """Serve the basic bundle at Dash's plotly.js path, if it is the plotly.js the installed plotly expects."""
    from plotly.offline import get_plotlyjs_version

    expected, vendored = get_plotlyjs_version(), vendored_plotly_version()
    if vendored != expected:
        log.warning("plotly expects plotly.js %s, web/vendor has %s: serving the full bundle", expected, vendored)
        return False
    server.add_url_rule(PLOTLY_PATH, "plotly_basic", serve_plotly_basic)
    return True


def defer_libraries(app: dash.Dash) -> dict[str, str]:
    """Take the main bundles of ``LAZY_LIBRARIES`` out of the page's scripts (still served, as Dash serves its
    source maps) and return, by namespace, their fingerprinted URLs (as Dash would have written them)."""
    libraries = {}
    for namespace, bundle in LAZY_LIBRARIES.items():
        module = importlib.import_module(namespace)
        entries = [entry for entry in module._js_dist if entry.get("relative_package_path") == bundle]
        if not entries:
            raise RuntimeError(f"{namespace} has no {bundle}: LAZY_LIBRARIES needs updating")
        for entry in entries:
            entry["dynamic"] = True
        modified = int(os.stat(os.path.join(os.path.dirname(sys.modules[namespace].__file__), bundle)).st_mtime)
        fingerprint = build_fingerprint(bundle, module.__version__, modified)
        libraries[namespace] = f"{app.config.requests_pathname_prefix}_dash-component-suites/{namespace}/{fingerprint}"
    return libraries


def bundled_files(folder: str, kind: str) -> list[Path]:
    """The assets of one kind ("css" or "js") in the order Dash would have included them (by path)."""
    root = Path(folder)
    return sorted((path for path in root.rglob(f"*.{kind}") if path.is_file()),
                  key=lambda path: path.relative_to(root).parts)


def newest_time(files: list[Path]) -> float:
    return max(os.stat(path).st_mtime for path in files)


def serve_bundle(kind: str) -> flask.Response:
    """The assets of one kind joined (scripts each ended by a line of their own, so one cannot run into the next)."""
    files = bundled_files(dash.get_app().config.assets_folder, kind)
    if not files:
        flask.abort(404)
    separator = b"\n;\n" if kind == "js" else b"\n"
    body = separator.join(path.read_bytes() for path in files)
    return flask.Response(body, mimetype="text/css" if kind == "css" else "text/javascript")


def bundle_assets(app: dash.Dash) -> None:
    """Include the assets as one stylesheet and one script, where Dash would have included them one by one."""
    if app.config.assets_ignore != BUNDLED_ASSETS:
        raise RuntimeError("the app must be made with assets_ignore=static_files.BUNDLED_ASSETS")
    app.server.add_url_rule(BUNDLE_PATH, "asset_bundle", serve_bundle)
    for kind, include in (("css", app.css.append_css), ("js", app.scripts.append_script)):
        files = bundled_files(app.config.assets_folder, kind)
        if files:
            # Dash writes the file's modification time into the URL: the newest file's, so any change is a new URL.
            newest = max(files, key=lambda path: os.stat(path).st_mtime)
            include({"asset_path": f"_bundle.{kind}", "filepath": str(newest)})


def drop_unused_libraries() -> None:
    """Leave DataTable's bundle out of the pages (8 KiB on the wire): Dash imports it, no page draws one."""
    from dash import dash_table

    for entry in dash_table._js_dist:
        if entry["relative_package_path"] == "dash_table/bundle.js":
            entry["dynamic"] = True  # its async chunks are fetched only by a table, so never


def lazy_meta_tag(libraries: dict[str, str]) -> str:
    """The meta tag that tells assets/01-lazy-libraries.js where each deferred library is."""
    content = json.dumps(libraries, separators=(",", ":")).replace("&", "&amp;").replace('"', "&quot;")
    return f'<meta name="{LAZY_META}" content="{content}">'


def init_app(app: dash.Dash) -> str:
    """Wire the static file handling in; returns the meta tag the page template must carry."""
    server = app.server
    use_plotly_basic(server)
    bundle_assets(app)
    server.before_request(serve_regenerator_for_polyfill)
    libraries = defer_libraries(app)
    drop_unused_libraries()
    server.after_request(finish_static)  # runs before Flask-Compress's, which leaves an encoded answer alone
    return lazy_meta_tag(libraries)
