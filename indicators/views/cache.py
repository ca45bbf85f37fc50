"""The two caches, declared where the cached thing is defined, keyed by one context.

* **Data**: a read function decorated ``@cached`` keeps its result (a DataFrame, a dict, a view).
* **Answers**: a Dash callback decorated ``@cacheable_answer(...)`` has its whole encoded answer kept
  by ``web/response_cache.py``, which reads ``ANSWERS`` (and, for Dash's page router, the pages
  registered with ``cacheable_layout=True``) — a new page declares itself, nothing in ``web/`` changes.

Every key is built by ``CacheContext``: the store, its data version, the day and what the viewer may
see (``access.Viewer.cache_key``), so a load that changes data (or a new day, for freshness) makes every
cached entry stale, two stores sharing a cache (tests, or two installations on one Redis) never see each
other's entries, and an entry read for a leader is never handed to a viewer of lesser clearance or
another district. The language is an argument of the cached thing, so it is in the key too.
Outside the app (commands, tests without an app) calls go straight to the store.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, TypeVar

import flask
import pandas as pd
import redis.exceptions
from flask_caching import Cache
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select

from indicators.accounts.access import current_viewer
from indicators.store import db
from indicators.store.models import Meta

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
# A Redis that hangs (its host gone, its process stopped) must cost a call a third of a second, not redis-py's
# default 5 s per attempt, which held callbacks past gunicorn's 30 s timeout and had workers killed
# (benchmarks/faults.py, Redis frozen). One retry without pause reconnects a connection Redis dropped;
# a timeout is not retried, so a frozen Redis costs one timeout, not two: 0.3 s, which with the callback's own
# work keeps the slowest answer within the 0.5 s the README promises (a Redis on the LAN answers in a millisecond).
REDIS_OPTIONS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
REDIS_RETRIES = 1
REDIS_RETRIED_ERRORS = (redis.exceptions.ConnectionError,)
# After the cache fails, it is not called again for this long: a cache that hangs then costs a timeout
# now and then per process instead of one per call.
CACHE_RETRY_SECONDS = 10.0


class CacheUnavailable(RuntimeError):
    """The cache failed less than ``CACHE_RETRY_SECONDS`` ago and is not called yet."""


class FailFastCache(Cache):
    """flask-caching's ``Cache`` whose ``get`` and ``set`` raise ``CacheUnavailable`` at once for
    ``CACHE_RETRY_SECONDS`` after its backend failed, instead of waiting on the backend again."""

    def __init__(self) -> None:
        super().__init__()
        self._failure: tuple[object, float] = (None, float("-inf"))  # the backend that failed, and when

    def available(self) -> bool:
        """Whether the backend may be called (a backend bound after the failure may be at once)."""
        backend, failed_at = self._failure
        return backend is not self.cache or time.monotonic() - failed_at >= CACHE_RETRY_SECONDS

    def _call(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self.available():
            raise CacheUnavailable(f"the cache failed less than {CACHE_RETRY_SECONDS:.0f} s ago")
        try:
            return operation(*args, **kwargs)
        except Exception:
            self._failure = (self.cache, time.monotonic())
            raise

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().get, *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> bool | None:
        return self._call(super().set, *args, **kwargs)


cache = FailFastCache()


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
                "CACHE_KEY_PREFIX": "cityvitals:",
                "CACHE_OPTIONS": {**REDIS_OPTIONS,
                                  "retry": Retry(NoBackoff(), REDIS_RETRIES, supported_errors=REDIS_RETRIED_ERRORS)}}
    if cache_url in ("simple", ""):
        return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": 5000}
    if cache_url == "null":
        return {"CACHE_TYPE": "NullCache"}
    raise ValueError(f"CITYVITALS_CACHE_URL: unsupported cache {cache_url!r} (redis://…, simple or null)")


def current_data_version() -> int:
    """The store's data version (one primary-key read)."""
    with db.connect() as conn:
        value = conn.scalar(select(Meta.value).where(Meta.key == "data_version"))
    return int(value) if value is not None else 0


def pin_data_version(version: int) -> None:
    """Let the cached queries of this request use ``version`` instead of reading it each time: for
    requests that only read (``web/response_cache.py`` pins it for the callbacks it may cache)."""
    flask.g.data_version = version


def _data_version() -> int:
    if flask.has_request_context() and "data_version" in flask.g:
        return flask.g.data_version
    return current_data_version()


def _copy(value: Any) -> Any:
    # Callers may change what they get; the cached original must stay as it was.
    return value.copy() if isinstance(value, (pd.DataFrame, pd.Series, dict, list)) else value


@dataclass(frozen=True)
class CacheContext:
    """Everything besides its own arguments that a cached entry depends on; builds every key."""

    store: str
    data_version: int
    day: str
    viewer: str

    @classmethod
    def now(cls, data_version: int | None = None) -> CacheContext:
        """The context of this call: the current store and viewer, the data version (read once per call,
        or pinned for the request) and today."""
        viewer = current_viewer()
        return cls(store=hashlib.blake2s(db.current_url().encode(), digest_size=6).hexdigest(),
                   data_version=_data_version() if data_version is None else data_version,
                   day=date.today().isoformat(), viewer=f"{viewer.role}|{viewer.cache_key}")

    def key(self, kind: str, name: str, material: Any) -> str:
        """The key of ``name``'s entry for ``material`` (its arguments, or a request body) in this context."""
        text = json.dumps([self.store, self.data_version, self.day, self.viewer, material],
                          sort_keys=True, ensure_ascii=False, default=repr)
        return f"{kind}:{name}:" + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


VIEWER, SESSION = "viewer", "session"


@dataclass(frozen=True)
class AnswerPolicy:
    """How a callback's answer is cached: ``by`` whom (``VIEWER``: clearance and scope; ``SESSION``: also the
    session, for answers carrying its CSRF token or account name), and inputs that do not change it."""

    by: str
    ignoring: frozenset[str]


# Callbacks (module.qualname) whose answers may be cached, declared by ``cacheable_answer``.
ANSWERS: dict[str, AnswerPolicy] = {}


def cacheable_answer(by: str = VIEWER, ignoring: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Declare a read-only callback's answer cacheable (it must not write, audit or set headers).

    Args:
        by: ``VIEWER`` or ``SESSION`` (see ``AnswerPolicy``).
        ignoring: ``"component-id.property"`` inputs whose values do not change the answer (a refresh counter).
    """
    if by not in (VIEWER, SESSION):
        raise ValueError(f"cacheable_answer: by must be {VIEWER!r} or {SESSION!r}")

    def declare(func: F) -> F:
        ANSWERS[f"{func.__module__}.{func.__qualname__}"] = AnswerPolicy(by, frozenset(ignoring))
        return func

    return declare


def cached(func: F) -> F:
    """Cache ``func``'s result under its arguments and the ``CacheContext`` of the call."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(cache, "app", None) is None or not cache.available():
            return func(*args, **kwargs)
        key = CacheContext.now().key("data", name, [repr(args), repr(sorted(kwargs.items()))])
        try:
            hit = cache.get(key)
        except Exception as exc:  # a cache that is down must not take the pages with it
            log.warning("cache unavailable, reading the store directly for %.0f s: %s", CACHE_RETRY_SECONDS, exc)
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
