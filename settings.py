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
    ("CITYVITALS_DATA_DIR", "data_dir", str),
    # Warnings reach people (README "Warnings reach people").
    ("CITYVITALS_SMTP_HOST", "smtp_host", str),
    ("CITYVITALS_SMTP_PORT", "smtp_port", int),
    ("CITYVITALS_SMTP_STARTTLS", "smtp_starttls", _flag),
    ("CITYVITALS_SMTP_USER", "smtp_user", str),
    ("CITYVITALS_SMTP_PASSWORD", "smtp_password", str),
    ("CITYVITALS_SMTP_SENDER", "smtp_sender", str),
    ("CITYVITALS_SMTP_CA_FILE", "smtp_ca_file", str),
    ("CITYVITALS_ALERT_DEADLINES", "alert_deadlines", str),
    ("CITYVITALS_WORKING_HOURS", "working_hours", str),
    ("CITYVITALS_INBOUND_WEBHOOK_SECRET", "inbound_webhook_secret", str),
    ("CITYVITALS_NOTIFY_MAX_ATTEMPTS", "notify_max_attempts", int),
    ("CITYVITALS_NOTIFY_BACKOFF_SECONDS", "notify_backoff_seconds", int),
    ("CITYVITALS_PUBLIC_URL", "public_url", str),
    ("CITYVITALS_API_RATE_LIMIT", "api_rate_limit", str),
    ("CITYVITALS_API_MAX_PUSH_BYTES", "api_max_push_bytes", int),
    ("CITYVITALS_HOURLY_RETENTION_DAYS", "hourly_retention_days", int),
    ("CITYVITALS_OIDC_ISSUER", "oidc_issuer", str),
    ("CITYVITALS_OIDC_CLIENT_ID", "oidc_client_id", str),
    ("CITYVITALS_OIDC_CLIENT_SECRET", "oidc_client_secret", str),
    ("CITYVITALS_OIDC_SCOPES", "oidc_scopes", str),
    ("CITYVITALS_OIDC_USERNAME_CLAIM", "oidc_username_claim", str),
    ("CITYVITALS_OIDC_ROLE_CLAIM", "oidc_role_claim", str),
    ("CITYVITALS_OIDC_ROLES", "oidc_roles", str),
    ("CITYVITALS_OIDC_CITY_CLAIM", "oidc_city_claim", str),
    ("CITYVITALS_OIDC_DISTRICTS_CLAIM", "oidc_districts_claim", str),
    ("CITYVITALS_LOCAL_PASSWORDS", "local_passwords", _flag),
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
        data_dir: the installation's data folder (default ``data/``): cities added by adcode and their
            boundaries are written there, never into the package.
        smtp_host, smtp_port, smtp_starttls, smtp_user, smtp_password, smtp_sender, smtp_ca_file: the mail server
            notifications and briefings go through (no host: no e-mail); STARTTLS on by default, login when a user
            is set; ``smtp_ca_file`` a CA bundle for a server with an internal certificate.
        alert_deadlines: hours to acknowledge/resolve per level, ``red=1/24,orange=2/48,yellow=4/72,blue=8/168``.
        working_hours: e.g. ``08:30-12:00,14:00-17:30``: deadlines run only then, on Chinese working days (public
            holidays off, 调休 weekends on); empty: deadlines run around the clock.
        inbound_webhook_secret: the HMAC key the event platform signs its state reports with (empty: refused).
        notify_max_attempts, notify_backoff_seconds: a notification is tried this often, waiting
            ``backoff × 2^(attempt−1)`` between tries, then given up (shown on /admin/notify).
        public_url: the cockpit's address, for links in notifications.
        api_rate_limit: requests one API token may make (Flask-Limiter notation, ``;`` between limits), counted
            on the cache's Redis when ``cache_url`` is ``redis://…``, else in each process's memory.
        api_max_push_bytes: the largest body ``POST /api/v1/observations`` takes.
        hourly_retention_days: how long values of hourly indicators are kept (``manage.py hourly prune``, the
            scheduler every hour); the daily values they rolled up into stay.
        oidc_issuer: the city's OpenID Connect provider (统一身份认证), e.g. ``https://id.example.gov.cn/realms/city``;
            empty: no single sign-on. Its discovery document is read from ``<issuer>/.well-known/openid-configuration``.
        oidc_client_id, oidc_client_secret: this app's registration at the provider (redirect URI
            ``<site>/login/oidc/callback``, post-logout redirect ``<site>/login``).
        oidc_scopes: scopes asked for (``openid`` and those that carry the claims below).
        oidc_username_claim: the claim that becomes the user name (``preferred_username``).
        oidc_role_claim: the claim (a string or a list, e.g. ``groups``) mapped to a role by ``oidc_roles``.
        oidc_roles: ``value=role`` pairs, comma-separated, strongest first (``cv-admins=admin,cv-leaders=leader``);
            a person none of whose values is mapped is refused.
        oidc_city_claim, oidc_districts_claim: claims holding the account's city key and district adcodes (a
            list or comma-separated); empty claim names: no scope from the provider (all cities).
        local_passwords: whether accounts may sign in with a password here; off: only through the provider.
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
    data_dir: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "cityvitals@localhost"
    smtp_ca_file: str = ""
    alert_deadlines: str = "red=1/24,orange=2/48,yellow=4/72,blue=8/168"
    working_hours: str = ""
    inbound_webhook_secret: str = ""
    notify_max_attempts: int = 6
    notify_backoff_seconds: int = 60
    public_url: str = ""
    api_rate_limit: str = "600/minute;20/second"
    api_max_push_bytes: int = 5 << 20
    hourly_retention_days: int = 90
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_username_claim: str = "preferred_username"
    oidc_role_claim: str = "groups"
    oidc_roles: str = ""
    oidc_city_claim: str = ""
    oidc_districts_claim: str = ""
    local_passwords: bool = True

    @property
    def data_path(self) -> Path:
        """The installation's own files (cities added by adcode, their boundaries): ``data_dir`` or ``data/``."""
        return Path(self.data_dir) if self.data_dir else ROOT / "data"

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
    if settings.hourly_retention_days < 1:
        raise ValueError("CITYVITALS_HOURLY_RETENTION_DAYS must be at least 1 (a day's hours make its daily value)")
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
