"""City Vitals: creates the Dash app, binds the cache, the store and sign-in; ``python app.py`` serves it.

``gunicorn app:server`` serves the same app (run ``python manage.py init`` first).
"""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
from pathlib import Path

import dash
from werkzeug.middleware.proxy_fix import ProxyFix

from indicators.store import db
from indicators.views.cache import cache, cache_config
from pages import _shell
from settings import Settings, get_settings, secret_key
from web import api, auth, hardening, health, inbound, logs, oidc, response_cache, static_files

ROOT = Path(__file__).resolve().parent
INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
{%metas%}
{lazy_libraries}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<footer>{%config%}{%scripts%}{%renderer%}</footer>
</body>
</html>"""


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Create the app for ``settings`` (from the environment when not given).

    Args:
        settings: the installation's settings.

    Returns:
        The Dash app; its Flask server is ``app.server``.
    """
    settings = settings or get_settings()
    db.use(settings.database_url)
    app = dash.Dash(
        __name__,
        use_pages=True,
        title="城市生命体征 · City Vitals",
        update_title=None,
        serve_locally=True,
        assets_ignore=static_files.BUNDLED_ASSETS,  # served joined (web/static_files.py)
        # The header and the pages' content are built by callbacks, so their components are not
        # in the first layout that Dash checks callbacks against.
        suppress_callback_exceptions=True,
        # gzip/brotli for pages, scripts and callback answers: a theme page's JSON shrinks ~8x.
        compress=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": "City Vitals 城市生命体征 — city indicators cockpit"}],
    )
    app.index_string = INDEX_TEMPLATE.replace("{lazy_libraries}", static_files.init_app(app))
    server = app.server
    server.config["CITYVITALS_SETTINGS"] = settings
    server.secret_key = secret_key(settings)
    if settings.trusted_proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    if settings.is_production or settings.log_format:
        logs.configure(settings.log_as_json)
    if settings.is_production and settings.cache_url == "simple":
        logging.getLogger(__name__).warning("CITYVITALS_CACHE_URL=simple in production: each worker keeps its own "
                                            "cache; use redis://… with several workers")
    cache.init_app(server, config=cache_config(settings.cache_url, settings.cache_timeout))
    # Order matters: the request is timed first, then signed in (or refused), then checked.
    logs.init_app(server, request_log=settings.is_production or bool(settings.log_format))
    auth.init_app(server, settings.session_minutes)
    hardening.init_app(server)
    response_cache.init_app(server)  # after sign-in and the callback check, which it relies on
    server.register_blueprint(health.blueprint)
    server.register_blueprint(inbound.blueprint)
    oidc.init_app(server, settings)  # single sign-on with the city's identity provider, when configured
    api.init_app(server)  # /api/v1: authorised by API tokens, not by the sign-in above
    app.layout = _shell.layout
    _shell.refuse_unpermitted_pages()
    return app


app = create_app()
server = app.server
# The tens of thousands of objects of the libraries and the page registry live as long as the
# process: moved out of the collector's reach, a full collection no longer walks them, which
# took 150-200 ms pauses out of the big pages' callbacks (benchmarks/pages_bench.py).
gc.freeze()


def first_start(settings: Settings) -> None:
    """Create the store with demo data and warnings; start the forecasts in the background."""
    from indicators.bootstrap import init_store
    from indicators.warnings.alerts import run_warnings

    print("First start: creating the store and generating demo data …")
    report = init_store(settings.database_url, city_keys=settings.demo_city_keys, seed=settings.demo_seed)
    warnings = report.warnings or run_warnings()  # init evaluates the warnings of the cities it generated
    print(f"Store ready in {report.seconds:.1f} s ({report.rows:,} demo observations, {warnings.opened} open alerts, "
          f"{sum(report.handled.values())} handled in the past half year).")
    if settings.first_start_forecast:
        log = ROOT / "data" / "first-forecast.log"
        log.parent.mkdir(exist_ok=True)
        subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "forecast", "--quiet"], cwd=ROOT,
                         stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        print(f"Forecasts are being computed in the background (a few minutes); progress in {log}.")


def main() -> None:
    """Initialise an empty store (with a progress bar), or bring an existing one up to date
    (schema migrations, catalog changes, what a newer version adds to the demo), then serve."""
    from indicators.bootstrap import init_store, store_is_empty

    settings = get_settings()
    if store_is_empty(settings.database_url):
        first_start(settings)
    else:
        init_store(settings.database_url, city_keys=settings.demo_city_keys, seed=settings.demo_seed, progress=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"City Vitals on http://{settings.host}:{settings.port}/")
    app.run(host=settings.host, port=settings.port, debug=False, request_handler=hardening.QuietRequestHandler)


if __name__ == "__main__":
    main()
