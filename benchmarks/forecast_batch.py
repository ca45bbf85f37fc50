"""Forecast batch and warnings benchmark on a fresh demo store of both cities.

Run ``python benchmarks/forecast_batch.py`` (about two to five minutes). Prints the batch's
summary table (series per model and CPU seconds per model), the wall time against the
120 s target, an incremental re-run (nothing changed, nothing redone) and the warnings
evaluation time against its 2 s target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one BLAS thread per forked worker
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.batch import run_batch, summary  # noqa: E402
from indicators import db  # noqa: E402
from indicators.alerts import run_warnings  # noqa: E402
from indicators.bootstrap import init_store  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Build the store, run the batch twice and the warnings once; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty store to use (default: a temporary SQLite file)")
    parser.add_argument("--prophet", choices=("none", "headline", "all"), default="headline")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        init_store(url, city_keys=("xiamen", "ningde"), seed=20190101, progress=False)
        db.use(url)
        report = run_batch(everything=True, prophet=args.prophet, progress=False)
        print(summary(report))
        print(f"\nforecast --all: {report.seconds:.1f} s wall for {report.done} series (target ≤ 120 s): "
              f"{'ok' if report.seconds <= 120 else 'MISSED'}")
        started = time.perf_counter()
        again = run_batch(progress=False)
        print(f"incremental re-run with no new data: {again.done} series redone in {time.perf_counter() - started:.1f} s")
        warn = run_warnings()
        print(f"warn: {warn.series} series in {warn.seconds:.2f} s (target ≤ 2 s): "
              f"{'ok' if warn.seconds <= 2 else 'MISSED'}; {warn.opened} alerts opened")
        for (rule, level), count in sorted(warn.findings.items()):
            print(f"  {rule:<10} {level:<7} {count}")
        return 0 if report.seconds <= 120 and warn.seconds <= 2 and not again.done else 1


if __name__ == "__main__":
    sys.exit(main())
