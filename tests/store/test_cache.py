"""The query cache: flask-caching on the in-process backend and on the real Redis, keyed by data version."""

import os
import uuid
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import LoadBatch
from indicators.views.cache import cache, cache_config, cached

REDIS_URL = os.environ.get("CITYVITALS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["simple", "redis"])
def bound_cache(request, store_url):
    """The cache bound to a Flask app, on each backend, over a migrated store."""
    if request.param == "redis" and not redis_available():
        if os.environ.get("CITYVITALS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    db.upgrade(store_url)
    app = Flask(__name__)
    url = REDIS_URL if request.param == "redis" else "simple"
    config = cache_config(url, 60)
    config["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}:"
    cache.init_app(app, config=config)
    yield cache
    cache.clear()
    cache.app = None


def test_cached_results_are_reused_until_new_data_arrives(bound_cache):
    calls = []

    @cached
    def count_calls(x: int) -> list[int]:
        calls.append(x)
        return [x, len(calls)]

    assert count_calls(1) == [1, 1]
    assert count_calls(1) == [1, 1] and len(calls) == 1      # served from the cache
    assert count_calls(2) == [2, 2]                           # other arguments, other key
    result = count_calls(1)
    result.append("changed by the caller")
    assert count_calls(1) == [1, 1]                           # callers get copies
    with Session(db.engine()) as session, session.begin():
        session.add(LoadBatch(kind="test", status="ok", finished_at=datetime.now()))
        db.bump_data_version(session)
    assert count_calls(1) == [1, 3]                           # a load invalidates the cache


def test_cache_url_selects_the_backend():
    assert cache_config("redis://127.0.0.1:6379/0", 10)["CACHE_TYPE"] == "RedisCache"
    assert cache_config("simple", 10)["CACHE_TYPE"] == "SimpleCache"
    assert cache_config("null", 10)["CACHE_TYPE"] == "NullCache"
    with pytest.raises(ValueError, match="CITYVITALS_CACHE_URL"):
        cache_config("memcached://x", 10)


def test_a_cache_that_is_down_falls_back_to_the_store(store_url):
    db.upgrade(store_url)
    app = Flask(__name__)
    cache.init_app(app, config=cache_config("redis://127.0.0.1:1/0", 60))  # nothing listens on port 1
    try:
        @cached
        def answer() -> int:
            return 42

        assert answer() == 42
    finally:
        cache.app = None
