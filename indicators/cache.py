"""The query cache: flask-caching, created unbound and bound by ``app.py`` with ``init_app``.

Cached functions are keyed by their arguments, the store, its data version, the day and what the
viewer may see (``access.Viewer.cache_key``), so a load that changes data (or a new day, for
freshness) makes every cached result stale, two stores sharing a cache (tests, or two installations
on one Redis) never see each other's results, and a result read for a leader is never handed to a
viewer of lesser clearance or another district.
Outside the app (commands, tests without an app) calls go straight to the store.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from datetime import date
from typing import Any, Callable, TypeVar

import pandas as pd
from flask_caching import Cache
from sqlalchemy import select

from indicators import db
from indicators.access import current_viewer
from indicators.models import Meta

cache = Cache()
log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def cache_config(cache_url: str, timeout: int) -> dict[str, Any]:
    """flask-caching configuration for a ``CITYVITALS_CACHE_URL``.

    Args:
        cache_url: ``redis://host:port/db``, ``simple`` (in-process) or ``null``.
        timeout: default seconds a value lives.

    Returns:
        The configuration dict for ``cache.init_app``.
    """
    if cache_url.startswith(("redis://", "rediss://", "unix://")):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": cache_url, "CACHE_DEFAULT_TIMEOUT": timeout,
                "CACHE_KEY_PREFIX": "cityvitals:"}
    if cache_url in ("simple", ""):
        return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": 5000}
    if cache_url == "null":
        return {"CACHE_TYPE": "NullCache"}
    raise ValueError(f"CITYVITALS_CACHE_URL: unsupported cache {cache_url!r} (redis://…, simple or null)")


def current_data_version() -> int:
    """The store's data version, read on every cached call (one primary-key read)."""
    with db.connect() as conn:
        value = conn.scalar(select(Meta.value).where(Meta.key == "data_version"))
    return int(value) if value is not None else 0


def _copy(value: Any) -> Any:
    # Callers may change what they get; the cached original must stay as it was.
    return value.copy() if isinstance(value, (pd.DataFrame, pd.Series, dict, list)) else value


def cached(func: F) -> F:
    """Cache ``func``'s result under its arguments, the store, its data version, today's date and the
    viewer's clearance and scope."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(cache, "app", None) is None:
            return func(*args, **kwargs)
        store = hashlib.blake2s(db.current_url().encode(), digest_size=6).hexdigest()
        key = (f"{func.__module__}.{func.__qualname__}:{store}:{current_data_version()}:{date.today()}:"
               f"{current_viewer().cache_key}:{args!r}:{sorted(kwargs.items())!r}")
        try:
            hit = cache.get(key)
        except Exception as exc:  # a cache that is down must not take the pages with it
            log.warning("cache unavailable, reading the store directly: %s", exc)
            return func(*args, **kwargs)
        if hit is not None:
            return _copy(hit)
        value = func(*args, **kwargs)
        try:
            cache.set(key, value)
        except Exception as exc:
            log.warning("cache unavailable, result not stored: %s", exc)
        return _copy(value)

    return wrapper  # type: ignore[return-value]
