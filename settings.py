"""One settings object for the app, the commands and the tests.

Precedence: explicit arguments > environment (``CITYVITALS_*``) > defaults. The defaults give
the embedded setup: a SQLite file under ``data/``, an in-process cache, port 8050.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'cityvitals.db'}"
SECRET_FILE = ROOT / "data" / "secret_key"
MIN_SECRET_LENGTH = 32
# Secrets seen in examples and tutorials; production refuses them whatever their length.
KNOWN_SECRETS = frozenset({"change-me", "changeme", "secret", "dev", "development", "your-secret-key", "cityvitals"})

def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


# Each honoured variable, the field it sets, and how to read it.
ENVIRONMENT = (
    ("CITYVITALS_DATABASE_URL", "database_url", str),
    ("CITYVITALS_CACHE_URL", "cache_url", str),
    ("CITYVITALS_CITY", "city", str),
    ("CITYVITALS_LANG", "lang", str),
    ("CITYVITALS_TILE_URL", "tile_url", str),
    ("CITYVITALS_HOST", "host", str),
    ("CITYVITALS_PORT", "port", int),
    ("CITYVITALS_CACHE_TIMEOUT", "cache_timeout", int),
    ("CITYVITALS_DEMO_CITIES", "demo_cities", str),
    ("CITYVITALS_DEMO_SEED", "demo_seed", int),
    ("CITYVITALS_ENV", "env", str),
    ("CITYVITALS_FIRST_START_FORECAST", "first_start_forecast", _flag),
    ("CITYVITALS_SECRET_KEY", "secret_key", str),
    ("CITYVITALS_DEMO_LOGIN", "demo_login", _flag),
    ("CITYVITALS_SESSION_MINUTES", "session_minutes", int),
    ("CITYVITALS_LOG_FORMAT", "log_format", str),
    ("CITYVITALS_TRUSTED_PROXIES", "trusted_proxies", int),
    ("CITYVITALS_GROWTH_TOLERANCE", "growth_tolerance", float),
    ("CITYVITALS_SQL_SOURCE_SCHEMES", "sql_source_schemes", str),
    ("CITYVITALS_FORECAST_CLUSTER", "forecast_cluster", str),
    ("CITYVITALS_FORECAST_WORKERS", "forecast_workers", int),
)


@dataclass(frozen=True)
class Settings:
    """Everything that differs between installations.

    Attributes:
        database_url: SQLAlchemy URL of the store (SQLite file or PostgreSQL).
        cache_url: ``redis://…`` for Redis, ``simple`` for an in-process cache, ``null`` for none.
        city: the key of the city shown first (``xiamen``).
        lang: default interface language, ``zh`` or ``en``.
        tile_url: optional map tile URL template; empty means boundaries only.
        host, port: where ``python app.py`` listens.
        cache_timeout: seconds a cached query result lives at most.
        demo_cities: comma-separated city keys that get demo data on first start.
        demo_seed: seed of the deterministic demo data.
        env: ``development`` or ``production``.
        first_start_forecast: on the first start, compute forecasts in a background process
            while the cockpit already serves.
        secret_key: signs session cookies; required in production (at least 32 characters). Outside
            production a random one is made once and kept in ``data/secret_key``.
        demo_login: every visitor is signed in as the demo leader (so the first start just works);
            on by default outside production, never in production.
        session_minutes: a session ends after this long without a request.
        log_format: ``json`` (one JSON object per line, the production default) or ``text``.
        trusted_proxies: how many reverse proxies in front set ``X-Forwarded-For``/``-Proto`` (0: none),
            so that the audit log records the real address and cookies are Secure behind HTTPS.
        growth_tolerance: percentage points a published growth rate may differ from the growth its level
            implies before the data-quality desk flags the period.
        sql_source_schemes: the database kinds a SQL source may connect to, comma-separated: a backend
            (``postgresql``: any of its drivers) or one driver (``postgresql+psycopg``). ``sqlite`` (a file on
            the server) is not among the defaults; the store itself is refused whatever this says.
        forecast_workers: local processes of the forecast batch; 0 = all cores but one.
        forecast_cluster: a Dask scheduler's address (``tcp://host:8786``) on which the forecast batch runs;
            empty: local processes on this machine's cores.
    """

    database_url: str = DEFAULT_DATABASE_URL
    cache_url: str = "simple"
    city: str = "xiamen"
    lang: str = "zh"
    tile_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8050
    cache_timeout: int = 3600
    demo_cities: str = "xiamen,ningde"
    demo_seed: int = 20190101
    env: str = "development"
    first_start_forecast: bool = True
    secret_key: str = ""
    demo_login: bool | None = None
    session_minutes: int = 480
    log_format: str = ""
    trusted_proxies: int = 0
    growth_tolerance: float = 3.0
    sql_source_schemes: str = "postgresql,mysql,mariadb,mssql,oracle"
    forecast_cluster: str = ""
    forecast_workers: int = 0

    @property
    def forecast_processes(self) -> int:
        """Local forecast processes: ``forecast_workers``, or all cores but one (the web keeps one)."""
        return self.forecast_workers if self.forecast_workers > 0 else max(1, (os.cpu_count() or 1) - 1)

    @property
    def is_production(self) -> bool:
        """Whether this is a production installation."""
        return self.env == "production"

    @property
    def demo_login_enabled(self) -> bool:
        """Whether visitors are signed in as the demo leader (never in production)."""
        return (not self.is_production) if self.demo_login is None else self.demo_login

    @property
    def log_as_json(self) -> bool:
        """Whether logs are JSON lines (the production default)."""
        return (self.log_format or ("json" if self.is_production else "text")) == "json"

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def sql_source_scheme_set(self) -> frozenset[str]:
        """The allowed SQL source kinds (``sql_source_schemes``), lower-case."""
        return frozenset(part.strip().lower() for part in self.sql_source_schemes.split(",") if part.strip())

    @property
    def demo_city_keys(self) -> tuple[str, ...]:
        """The cities that get demo data on first start."""
        return tuple(k.strip() for k in self.demo_cities.split(",") if k.strip())


def get_settings(environ: dict[str, str] | None = None, **explicit: object) -> Settings:
    """Read the settings: explicit keyword arguments, then the environment, then defaults.

    Args:
        environ: the environment to read; ``os.environ`` when not given.
        **explicit: field values that win over the environment.

    Returns:
        The settings.

    Raises:
        ValueError: an unknown field or a value of the wrong type, naming the variable.
    """
    environ = os.environ if environ is None else environ
    known = {f.name for f in fields(Settings)}
    unknown = set(explicit) - known
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    values: dict[str, object] = {}
    for variable, name, kind in ENVIRONMENT:
        if variable in environ and environ[variable] != "":
            try:
                values[name] = kind(environ[variable])
            except ValueError as exc:
                raise ValueError(f"{variable}={environ[variable]!r}: {exc}") from exc
    values.update(explicit)
    settings = replace(Settings(), **values)
    if settings.lang not in ("zh", "en"):
        raise ValueError(f"CITYVITALS_LANG must be zh or en, not {settings.lang!r}")
    if settings.env not in ("development", "production"):
        raise ValueError(f"CITYVITALS_ENV must be development or production, not {settings.env!r}")
    if settings.log_format not in ("", "json", "text"):
        raise ValueError(f"CITYVITALS_LOG_FORMAT must be json or text, not {settings.log_format!r}")
    if settings.is_production:
        check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Refuse a production installation that is not safe to start.

    Raises:
        ValueError: no secret, a short or well-known one, or demo sign-in switched on.
    """
    secret = settings.secret_key
    if not secret:
        raise ValueError("CITYVITALS_ENV=production requires CITYVITALS_SECRET_KEY (e.g. `python -c "
                         "'import secrets; print(secrets.token_urlsafe(48))'`)")
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in KNOWN_SECRETS:
        raise ValueError(f"CITYVITALS_SECRET_KEY is a default or too short: use a random secret of at least "
                         f"{MIN_SECRET_LENGTH} characters")
    if settings.demo_login:
        raise ValueError("CITYVITALS_DEMO_LOGIN=1 is not allowed with CITYVITALS_ENV=production")


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies: the configured one, else one made at random once and kept in
    ``data/secret_key`` (shared by the workers of one installation, unchanged across restarts)."""
    if settings.secret_key:
        return settings.secret_key
    if not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        candidate = SECRET_FILE.with_suffix(f".{os.getpid()}")
        candidate.write_text(secrets.token_urlsafe(48))
        candidate.chmod(0o600)
        # Two workers starting at once: the first link wins (atomically) and both read the same file.
        try:
            os.link(candidate, SECRET_FILE)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return SECRET_FILE.read_text().strip()
