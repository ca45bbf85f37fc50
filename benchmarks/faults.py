"""Fault injection: PostgreSQL and Redis stopped or frozen under load, loads and forecasts killed mid-run.

The harness lives in ``tests/support/faults.py`` (``tests/store/test_faults.py`` runs it in CI);
this script runs it by hand and prints what each scenario measured.

Run: ``.venv/bin/python benchmarks/faults.py [--scenario store cache load forecast]`` (as root, which
may start private PostgreSQL and Redis servers).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.faults import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    raise SystemExit(main())
