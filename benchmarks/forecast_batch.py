"""Forecast batch benchmark on a fresh demo store of both cities: local processes and a Dask cluster.

Run ``python benchmarks/forecast_batch.py [--cluster tcp://host:port | --local-cluster 2] [--database-url URL]``
(a few minutes). Prints, for ``forecast --all`` on the machine's cores:

* wall time against the 120 s target, series per second overall, and per model and per frequency
  the series, CPU seconds, CPU ms per series and series per CPU second;
* peak memory (resident set) of the batch process and of its largest worker;
* how quickly a normal-priority process still gets the CPU while the batch runs (the workers are
  niced): the time of a fixed computation of a few milliseconds, median and 95th percentile, before and during;
* the incremental run with nothing new (nothing redone), and after a one-indicator load (one
  monthly indicator gets a new month in every area) against the 5 s target;
* the warnings evaluation against its 2 s target;
* with ``--cluster`` (a running scheduler) or ``--local-cluster N`` (a scheduler and N one-thread
  workers started here on loopback): the same ``--all`` run through the cluster, its time, series
  per second, and its workers' peak memory.

The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one BLAS thread per worker
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from indicators.bootstrap import init_store  # noqa: E402
from indicators.catalog.entries import load_catalog  # noqa: E402
from indicators.forecasts.batch import run_batch, summary  # noqa: E402
from indicators.store import db  # noqa: E402
from indicators.store.models import IndicatorDef, LoadBatch, Observation  # noqa: E402
from indicators.store.writes import insert_observations, refresh_latest  # noqa: E402
from indicators.warnings.alerts import run_warnings  # noqa: E402

# A normal-priority process that times a fixed computation (a few milliseconds on an idle core)
# every 0.2 s, standing in for a web request.
PROBE = """
import time
while True:
    started = time.perf_counter()
    sum(i * i for i in range(60000))
    print(1000 * (time.perf_counter() - started), flush=True)
    time.sleep(0.2)
"""


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


@contextmanager
def responsiveness(label: str, report: list[str]):
    """Time PROBE's computation while the block runs."""
    probe = subprocess.Popen([sys.executable, "-c", PROBE], stdout=subprocess.PIPE, text=True)
    try:
        yield
    finally:
        probe.terminate()
        samples = [float(line) for line in probe.communicate()[0].split()]
        if samples:
            p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
            report.append(f"normal-priority probe {label}: median {statistics.median(samples):.1f} ms, "
                          f"95th percentile {p95:.1f} ms ({len(samples)} samples)")


def one_indicator_load() -> tuple[str, int]:
    """Add the next month to every area's series of the first monthly indicator, as a load would."""
    catalog = load_catalog()
    with Session(db.engine()) as session, session.begin():
        code = session.scalar(select(IndicatorDef.code).where(IndicatorDef.frequency == "monthly")
                              .order_by(IndicatorDef.code))
        rows = session.execute(select(Observation.area_adcode, Observation.period, Observation.value)
                               .where(Observation.indicator_code == code)).all()
        frame = pd.DataFrame(rows, columns=["adcode", "period", "value"]).sort_values("period")
        last = frame.groupby("adcode").tail(1)
        new = pd.DataFrame({"code": code, "adcode": last["adcode"],
                            "period": [(pd.Timestamp(p) + pd.offsets.MonthBegin(1)).date() for p in last["period"]],
                            "value": last["value"] * 1.01})
        load = LoadBatch(kind="benchmark", status="ok", finished_at=datetime.now())
        session.add(load)
        session.flush()
        conn = session.connection()
        insert_observations(conn, new, batch_id=load.id, source="benchmark", loaded_at=datetime.now())
        refresh_latest(conn, catalog, [(code, adcode) for adcode in new["adcode"]])
    return code, len(new)


@contextmanager
def local_cluster(workers: int, folder: Path):
    """A Dask scheduler and ``workers`` one-thread worker processes on loopback (niced)."""
    import socket

    from distributed import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with ExitStack() as stack:
        log = stack.enter_context(open(folder / "dask.log", "w"))
        processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                      stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)]
        processes += [subprocess.Popen(["nice", "-n", "10", dask, "worker", address, "--nthreads", "1", "--no-nanny",
                                        "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"],
                                       stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
                      for i in range(workers)]
        try:
            with Client(address, timeout=30) as client:
                client.wait_for_workers(workers, timeout=60)
            yield address
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(10)


def cluster_run(address: str, lines: list[str]) -> None:
    """``--all`` through the cluster; its workers' peak memory."""
    from distributed import Client

    report = run_batch(everything=True, progress=False, cluster=address)
    lines += ["", summary(report),
              f"\nforecast --all through the cluster: {report.seconds:.1f} s wall for {report.done} series "
              f"({report.done / report.seconds:.1f} series/s)"]
    with Client(address, timeout=30) as client:
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    lines.append("cluster workers' peak memory: " + ", ".join(f"{mb:.0f} MB" for mb in peaks.values()))


def main(argv: list[str] | None = None) -> int:
    """Build the store, run the batches and the warnings; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty store to use (default: a temporary SQLite file)")
    parser.add_argument("--prophet", choices=("none", "headline", "all"), default="headline")
    parser.add_argument("--workers", type=int, help="local processes (default: the cores)")
    parser.add_argument("--cluster", help="also run through this Dask scheduler")
    parser.add_argument("--local-cluster", type=int, metavar="N", help="also run through N local Dask workers")
    args = parser.parse_args(argv)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        init_store(url, city_keys=("xiamen", "ningde"), seed=20190101, progress=False)
        db.use(url)
        lines.append(f"store: {url.split(':')[0]}, {os.cpu_count()} cores, load average before "
                     f"{os.getloadavg()[0]:.1f}")
        with responsiveness("before the batch", lines):
            time.sleep(3)
        with responsiveness("during the batch", lines):
            report = run_batch(everything=True, prophet=args.prophet, workers=args.workers, progress=False)
        lines += ["", summary(report),
                  f"\nforecast --all: {report.seconds:.1f} s wall for {report.done} series (target ≤ 120 s): "
                  f"{'ok' if report.seconds <= 120 else 'MISSED'}; load average after {os.getloadavg()[0]:.1f}",
                  f"peak memory: batch process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, largest worker "
                  f"{_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"]
        started = time.perf_counter()
        again = run_batch(progress=False)
        lines.append(f"incremental run with no new data: {again.done} series redone in "
                     f"{time.perf_counter() - started:.1f} s")
        code, areas = one_indicator_load()
        started = time.perf_counter()
        after_load = run_batch(progress=False)
        incremental = time.perf_counter() - started
        lines.append(f"incremental run after a one-indicator load ({code}, {areas} areas): {after_load.done} series "
                     f"in {incremental:.1f} s (target ≤ 5 s): {'ok' if incremental <= 5 else 'MISSED'}")
        warn = run_warnings()
        lines.append(f"warn: {warn.series} series in {warn.seconds:.2f} s (target ≤ 2 s): "
                     f"{'ok' if warn.seconds <= 2 else 'MISSED'}; {warn.opened} alerts opened")
        if args.cluster:
            cluster_run(args.cluster, lines)
        elif args.local_cluster:
            with local_cluster(args.local_cluster, Path(folder)) as address:
                cluster_run(address, lines)
        print("\n".join(lines))
        missed = report.seconds > 120 or incremental > 5 or warn.seconds > 2 or again.done
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
