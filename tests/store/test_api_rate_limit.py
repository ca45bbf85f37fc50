"""API rate limits as production runs them: two gunicorn workers counting one token's requests on the real Redis.

With per-process counting each worker would allow the limit again; on Redis the limit holds for the token across
workers, and the counters are Redis keys named by the token's digest (never the secret).
"""

from __future__ import annotations

import os
import secrets

import pytest
import redis
import requests

from indicators.accounts.tokens import create_token, digest
from indicators.bootstrap import init_store
from indicators.store import db
from tests.support.faults import Gunicorn

pytestmark = pytest.mark.slow
REDIS_URL = os.environ.get("CITYVITALS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMIT = 5


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CITYVITALS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return client


@pytest.fixture
def served(tmp_path, redis_client):
    """gunicorn (two workers) on a store with the catalog and cities, caching and counting on Redis; a token."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    init_store(url, city_keys=(), seed=7, progress=False)
    with db.using(url):
        secret = create_token(f"svc-rate-{secrets.token_hex(4)}", role="viewer")
    env = {**os.environ, "CITYVITALS_DATABASE_URL": url, "CITYVITALS_CACHE_URL": REDIS_URL,
           "CITYVITALS_ENV": "production", "CITYVITALS_SECRET_KEY": secrets.token_urlsafe(36),
           "CITYVITALS_API_RATE_LIMIT": f"{LIMIT}/minute"}
    server = Gunicorn(env, tmp_path)
    server.start()
    try:
        yield server, secret
    finally:
        server.stop()


def test_the_limit_holds_across_workers_on_redis(served, redis_client):
    server, secret = served
    headers = {"Authorization": f"Bearer {secret}"}
    statuses = []
    for _ in range(LIMIT + 3):
        with requests.Session() as fresh:  # a new connection each time, so both workers take requests
            statuses.append(fresh.get(f"{server.base}/api/v1/cities", headers=headers, timeout=30).status_code)
    assert statuses == [200] * LIMIT + [429] * 3
    keys = [key.decode() for key in redis_client.scan_iter(match="LIMITS*")]
    token_key = f"token:{digest(secret)[:32]}"
    assert any(token_key in key for key in keys), keys
    assert not any(secret in key for key in keys)
