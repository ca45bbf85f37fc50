"""The load test end to end, briefly: a new SQLite store, gunicorn in production mode, locust with a few
users for 20 s. It checks that every request succeeds, not how fast (timings belong to the benchmark)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.faults import free_port

pytestmark = pytest.mark.faults  # starts gunicorn

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_load_runs_without_a_failed_request(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load_test.py"), "--duration", "20s", "--users", "4",
         "--screens", "1", "--think", "0.2,0.5", "--screen-interval", "2", "--cache-url", "simple",
         "--database-url", f"sqlite:///{tmp_path / 'store.db'}", "--port", str(free_port()),
         "--target-rps", "0", "--target-p95", "1000000"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    total = re.search(r"^total\s+(\d+)\s+(\d+)\s", run.stdout, re.MULTILINE)
    assert total and int(total.group(1)) > 20 and int(total.group(2)) == 0, run.stdout[-3000:]
    for endpoint in ("shell", "page", "screen"):
        assert re.search(rf"^{endpoint}\s+\d+\s+0\s", run.stdout, re.MULTILINE), run.stdout[-3000:]
