"""The forecast batch on a real Dask cluster (a scheduler and two worker processes on loopback), on
SQLite and PostgreSQL: it stores what a local run stores, and a worker killed mid-batch loses nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.forecasts import batch as batch
from indicators.store import db
from indicators.store.models import ForecastPoint, ForecastRun
from tests.store._mini import create_mini_store, write_series

pytestmark = pytest.mark.faults  # starts a Dask scheduler and workers

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
XIAMEN_AREAS = ("350200", "350203", "350205", "350206", "350211", "350212", "350213")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


@contextmanager
def _cluster(folder: Path):
    """A Dask scheduler and two single-threaded worker processes (no nanny, so a killed one stays dead).

    Yields:
        ``(address, {worker name: process})``.
    """
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    logs = [open(folder / name, "w") for name in ("scheduler.log", "a.log", "b.log")]
    common = {"cwd": ROOT, "env": env, "stderr": subprocess.STDOUT}
    processes = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                   "--no-dashboard"], stdout=logs[0], **common)]
    workers = {}
    for name, log_file in zip("ab", logs[1:]):
        workers[name] = subprocess.Popen([str(DASK), "worker", address, "--name", name, "--nthreads", "1",
                                          "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                                         stdout=log_file, **common)
    processes += workers.values()
    try:
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in reversed(processes):  # workers first: they would wait for a lost scheduler
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log_file in logs:
            log_file.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for the tests that leave it whole."""
    with _cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def own_cluster(tmp_path):
    """A cluster of the test's own, to break."""
    with _cluster(tmp_path) as running:
        yield running


def _daily(code: str, adcode: str, n: int = 400, seed: int = 0) -> pd.DataFrame:
    index = pd.date_range(end="2025-06-29", periods=n, freq="D")
    rng = np.random.default_rng(seed)
    weekly = np.array([0, 2, 3, 2, 1, -6, -8])[index.dayofweek]
    values = 40 + weekly + np.cumsum(rng.normal(0, 0.6, n)) + rng.normal(0, 1.5, n)
    return pd.DataFrame({"code": code, "adcode": adcode, "period": index.date, "value": values})


def _monthly(code: str, adcode: str, seed: int) -> pd.DataFrame:
    index = pd.date_range("2019-01-01", periods=72, freq="MS")
    rng = np.random.default_rng(seed)
    values = 90 + 3 * np.sin(np.arange(72) * 2 * np.pi / 12) + np.cumsum(rng.normal(0, 0.3, 72))
    return pd.DataFrame({"code": code, "adcode": adcode, "period": index.date, "value": values})


@pytest.fixture
def store(store_url):
    create_mini_store(store_url)
    frames = [_monthly("GOV-HOT-001", adcode, seed) for seed, adcode in enumerate(XIAMEN_AREAS)]
    frames += [_daily("ENV-AIR-001", adcode, seed=seed) for seed, adcode in enumerate(XIAMEN_AREAS)]
    write_series(frames)
    return store_url


def _stored() -> tuple[list[tuple], list[tuple]]:
    """Every forecast point and run (without its time of creation), in key order."""
    with Session(db.engine()) as session:
        points = session.execute(select(ForecastPoint.__table__).order_by(
            ForecastPoint.indicator_code, ForecastPoint.area_adcode, ForecastPoint.period)).all()
        runs = session.execute(select(ForecastRun.indicator_code, ForecastRun.area_adcode, ForecastRun.model,
                                      ForecastRun.mase, ForecastRun.smape, ForecastRun.data_version,
                                      ForecastRun.details).order_by(ForecastRun.indicator_code,
                                                                    ForecastRun.area_adcode)).all()
    return [tuple(row) for row in points], [tuple(row) for row in runs]


def test_the_cluster_stores_what_a_local_run_stores(store, cluster):
    address, _ = cluster
    local = batch.run_batch(everything=True, workers=2, prophet="none", progress=False, city="xiamen", cluster="")
    assert (local.done, local.failed) == (2 * len(XIAMEN_AREAS), [])
    expected = _stored()
    remote = batch.run_batch(everything=True, prophet="none", progress=False, city="xiamen", cluster=address)
    assert (remote.done, remote.failed, remote.where) == (local.done, [], address)
    assert _stored() == expected
    assert len(expected[0]) == len(XIAMEN_AREAS) * (batch.HORIZONS["monthly"] + batch.HORIZONS["daily"])


def test_the_cluster_is_used_when_the_setting_names_it(store, cluster, monkeypatch):
    address, _ = cluster
    monkeypatch.setenv("CITYVITALS_FORECAST_CLUSTER", address)
    report = batch.run_batch(prophet="none", progress=False, city="xiamen")
    assert report.where == address and report.done == 2 * len(XIAMEN_AREAS)


def test_a_worker_killed_mid_batch_loses_nothing(store, own_cluster, monkeypatch):
    from distributed import Client

    address, workers = own_cluster
    local = batch.run_batch(everything=True, workers=2, prophet="none", progress=False, city="xiamen", cluster="")
    expected = _stored()
    monkeypatch.setattr(batch, "JOB_SERIES", 1)  # one series a job: many jobs, so the kill lands in the middle
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(report=batch.run_batch(
        everything=True, prophet="none", progress=False, city="xiamen", cluster=address)))
    with Client(address, timeout=30) as observer:
        names = {info["name"]: worker for worker, info in observer.scheduler_info()["workers"].items()}
        runner.start()
        _wait(lambda: observer.processing(workers=[names["a"]])[names["a"]], 60, "worker a never got a job")
        workers["a"].send_signal(signal.SIGKILL)
        runner.join(300)
        assert not runner.is_alive()
        survivors = [info["name"] for info in observer.scheduler_info()["workers"].values()]
    assert workers["a"].wait(10) == -signal.SIGKILL and survivors == ["b"]
    report = outcome["report"]
    assert (report.done, report.failed) == (local.done, [])
    assert _stored() == expected
