"""One settings object for the app, the commands and the tests.

Precedence: explicit arguments > environment (``CITYVITALS_*``) > defaults. The defaults give
the embedded setup: a SQLite file under ``data/``, an in-process cache, port 8050.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'cityvitals.db'}"

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

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")

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
    return settings
