"""Faults, for real (``benchmarks/faults.py``): PostgreSQL and Redis taken away under gunicorn, a load and a
forecast batch SIGKILLed half-way. The servers stopped are private ones; the shared ones are never touched."""

import os
import shutil

import pytest

from tests.support import faults
from tests.conftest import REQUIRE_POSTGRES

# Each builds a store through manage.py and waits on real servers and processes: a minute or more.
pytestmark = [pytest.mark.slow, pytest.mark.faults]


def _why_no_private_servers() -> str | None:
    if not (faults.PG_BIN / "initdb").exists():
        return f"no PostgreSQL programs in {faults.PG_BIN}"
    if os.geteuid() != 0:
        return "a private PostgreSQL runs as the postgres user, which takes root"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn in production mode on Xiamen's demo store in a private PostgreSQL, caching in a private Redis."""
    reason = _why_no_private_servers()
    if reason:
        if REQUIRE_POSTGRES or os.environ.get("CITYVITALS_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with faults.private_postgres() as postgres, \
            faults.production_site(postgres, tmp_path_factory.mktemp("site")) as production:
        yield production


def test_pages_say_the_store_is_down_then_come_back_by_themselves(site):
    outcome = faults.store_outage(site)
    assert not outcome.failures, outcome.text()


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_pages_serve_data_without_redis_and_cache_again_when_it_is_back(site, fault):
    outcome = faults.cache_outage(site, fault)
    assert not outcome.failures, outcome.text()


def test_a_load_killed_while_writing_leaves_every_table_as_it_was(store_url, tmp_path):
    outcome = faults.interrupted_load(store_url, tmp_path)
    assert not outcome.failures, outcome.text()


def test_a_killed_forecast_batch_keeps_whole_chunks_and_the_next_run_does_the_rest(tmp_path):
    outcome = faults.interrupted_forecast(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    assert not outcome.failures, outcome.text()
