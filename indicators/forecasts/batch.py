"""The forecast batch: every (indicator, area) series of the store, in parallel, into the store.

Incremental: a series is redone only when its data version (the newest load that touched
it, its length and last period) differs from the one its current forecast was made from.
Results are committed in chunks, so a batch that is killed keeps what it finished and the
next run picks up the rest. A series that fails is logged and skipped.

Where the series are forecast: in a pool of local processes (all cores but one by default,
``CITYVITALS_FORECAST_WORKERS``, niced, so the web server keeps answering while a batch runs), or, when ``CITYVITALS_FORECAST_CLUSTER`` names a Dask scheduler
(``tcp://host:port``), on that cluster's workers. Both are ``concurrent.futures`` executors
(Dask's through ``Client.get_executor``), so one code path submits jobs of a few series and
collects their results; the process that runs the batch reads the store, ships the series and
writes the results. On a cluster, a worker that dies takes no series with it: the scheduler
gives its unfinished jobs to the others.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby, islice
from multiprocessing import get_context

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session
from tqdm import tqdm

from forecasting.core import forecast
from forecasting.statespace import warm_up
from indicators.catalog.accumulation import to_cumulative, to_single_periods
from indicators.catalog.entries import is_rate_unit
from indicators.store import db
from indicators.store.models import (
    Area,
    ForecastPoint,
    ForecastRun,
    IndicatorDef,
    Latest,
    Observation,
)
from settings import get_settings

log = logging.getLogger(__name__)
HORIZONS = {"daily": 30, "weekly": 13, "monthly": 12, "quarterly": 8, "yearly": 3}
# Results committed per transaction (and per data-version bump).
CHUNK = 200
# Series per job sent to a worker: enough to dwarf the cost of a round trip (about a millisecond
# to a Dask scheduler), few enough to spread the work evenly.
JOB_SERIES = 16
# Jobs waiting or running per worker at any time: keeps every worker busy while the store is
# still being read, without holding the whole batch in memory.
IN_FLIGHT = 4
# Niceness of the local worker processes: the web server's threads go first.
WORKER_NICE = 10
POINT_COLUMNS = ("yhat", "lower_80", "upper_80", "lower_95", "upper_95")


@dataclass(frozen=True)
class Task:
    """One series to forecast."""

    code: str
    adcode: str
    frequency: str
    periods: tuple
    values: np.ndarray
    horizon: int
    bounds: tuple[float | None, float | None]
    data_version: str
    prophet: bool
    # A year-to-date amount: modelled on its single periods, its forecast accumulated again.
    cumulative: bool = False
    jan_feb_merged: bool = False


@dataclass
class BatchReport:
    """What a batch run did."""

    total: int = 0
    done: int = 0
    skipped_fresh: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    models: Counter = field(default_factory=Counter)
    seconds_by_model: Counter = field(default_factory=Counter)
    series_by_frequency: Counter = field(default_factory=Counter)
    seconds_by_frequency: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    where: str = "local"


def data_version(latest: Latest) -> str:
    """The version of a series' data: newest batch, number of values and last period."""
    return f"{latest.batch_id}:{latest.count}:{latest.period.isoformat()}"


def stale_series(session: Session, *, everything: bool, city: str | None = None) -> list[tuple[Latest, IndicatorDef]]:
    """The series whose forecast is missing or older than their data (all with ``everything``),
    of every city or of ``city`` (a city key) only."""
    runs = dict(((c, a), v) for c, a, v in session.execute(
        select(ForecastRun.indicator_code, ForecastRun.area_adcode, ForecastRun.data_version)))
    definitions = {d.code: d for d in session.scalars(select(IndicatorDef))}
    query = select(Latest)
    if city is not None:
        query = query.where(Latest.area_adcode.in_(select(Area.adcode).where(Area.city_key == city)))
    # A derived indicator is not forecast: its forecast would not agree with its inputs'. An hourly one neither: its
    # days are (the daily indicator it rolls up into).
    return [(latest, definitions[latest.indicator_code]) for latest in session.scalars(query)
            if latest.indicator_code in definitions and not definitions[latest.indicator_code].derived
            and definitions[latest.indicator_code].frequency != "hourly"
            and (everything or runs.get((latest.indicator_code, latest.area_adcode)) != data_version(latest))]


def _histories(session: Session, code: str, adcodes: list[str]) -> dict[str, tuple[tuple, np.ndarray]]:
    rows = session.execute(select(Observation.area_adcode, Observation.period, Observation.value).where(
        Observation.indicator_code == code, Observation.area_adcode.in_(adcodes)).order_by(
        Observation.area_adcode, Observation.period)).all()
    grouped: dict[str, list] = defaultdict(list)
    for adcode, period, value in rows:
        grouped[adcode].append((period, value))
    return {a: (tuple(p for p, _ in pv), np.array([v for _, v in pv], dtype=float)) for a, pv in grouped.items()}


def _bounds(definition: IndicatorDef) -> tuple[float | None, float | None]:
    low, high = definition.min_value, definition.max_value
    # A degenerate range (min = max) would leave nothing to forecast; keep only the lower bound.
    return (low, high) if low is None or high is None or low < high else (low, None)


def _uses_prophet(definition: IndicatorDef, adcode: str, policy: str) -> bool:
    """Whether Prophet may compete for this series under ``policy``.

    ``headline``: the city-level daily and weekly headline series of city operation (metro,
    buses, traffic, water, waste …), whose level follows the holiday calendar and where
    Prophet won most backtests; about 100 times the cost of the other models, so not more.
    """
    if definition.frequency not in ("daily", "weekly") or policy == "none":
        return False
    return policy == "all" or (definition.headline and adcode.endswith("00")
                               and "city_operation" in definition.topics.split(";"))


def plan(session: Session, *, everything: bool, prophet: str,
         city: str | None = None) -> tuple[list[tuple[Latest, IndicatorDef]], int]:
    """The stale series, Prophet ones first (they are the long ones), and how many are fresh."""
    stale = stale_series(session, everything=everything, city=city)
    total = len(stale_series(session, everything=True, city=city)) if city else session.query(Latest).count()
    stale.sort(key=lambda item: not _uses_prophet(item[1], item[0].area_adcode, prophet))
    return stale, total - len(stale)


def iter_tasks(stale: list[tuple[Latest, IndicatorDef]], *, horizons: dict[str, int], prophet: str) -> Iterator[Task]:
    """The tasks, reading each indicator's histories when its turn comes.

    Runs in the pool's feeder thread while the workers already forecast, so it opens its
    own session there.
    """
    with Session(db.engine()) as session:
        for code, items in groupby(stale, key=lambda item: item[1].code):
            items = list(items)
            histories = _histories(session, code, [latest.area_adcode for latest, _ in items])
            for latest, definition in items:
                periods, values = histories[latest.area_adcode]
                yield Task(code, latest.area_adcode, definition.frequency, periods, values,
                           horizons[definition.frequency], _bounds(definition), data_version(latest),
                           _uses_prophet(definition, latest.area_adcode, prophet),
                           cumulative=definition.accumulation == "ytd" and not is_rate_unit(definition.unit),
                           jan_feb_merged=definition.jan_feb_merged)


def forecast_series(task: Task) -> pd.DataFrame:
    """Prepare one series for the models, forecast it and bring the forecast back to the series'
    own terms: the one place where a transform of the data before modelling (and its inverse
    after) belongs.

    Args:
        task: The series and how to forecast it.

    Returns:
        ``forecast``'s frame.
    """
    y = pd.Series(task.values, index=pd.DatetimeIndex(pd.to_datetime(task.periods)))
    if not task.cumulative:
        return forecast(y, task.horizon, bounds=task.bounds, prophet=task.prophet)
    single = to_single_periods(y, frequency=task.frequency, jan_feb_merged=task.jan_feb_merged)
    ahead = forecast(single, task.horizon + (2 if task.jan_feb_merged else 0), bounds=(task.bounds[0], None),
                     prophet=task.prophet)
    result = to_cumulative(ahead, y, frequency=task.frequency, jan_feb_merged=task.jan_feb_merged)
    # The band the model gave the newest single period, moved to the newest cumulative value (a merged 1—2月
    # was modelled as two halves: its band is not one period's, so it is dropped).
    band = result.attrs.pop("holdout_95", None)
    if band is not None and not (task.jan_feb_merged and y.index[-1].month == 2) and np.isfinite(single.iloc[-1]):
        offset = float(y.iloc[-1] - single.iloc[-1])
        result.attrs["holdout_95"] = (band[0] + offset, band[1] + offset)
    return result.iloc[:task.horizon]


def run_task(task: Task) -> dict:
    """Forecast one series (in a worker process); never raises.

    Returns:
        ``points`` (rows for ``forecasts``), ``model``, scores, ``details`` (fallbacks, the
        held-out periods the scores are of, and the 95% band the model gave the newest value when
        it was held out) and ``seconds`` (CPU time); or ``error``.
    """
    started = time.process_time()
    try:
        result = forecast_series(task)
        model = result.attrs["model"]
        score = result.attrs.get("scores", {}).get(model, {})
        details = {"fallbacks": result.attrs.get("fallbacks", []), "outliers": len(result.attrs.get("outliers", []))}
        if "periods" in score:
            details["holdout_periods"] = score["periods"]
        if "holdout_95" in result.attrs:
            details["band"] = {"period": task.periods[-1].isoformat(), "range": list(result.attrs["holdout_95"])}
        # One array for all the cells: each result[column] would deep-copy the result's attrs.
        values = result[list(POINT_COLUMNS)].to_numpy(dtype=float).tolist()
        points = [{"indicator_code": task.code, "area_adcode": task.adcode, "period": stamp.date(),
                   **dict(zip(POINT_COLUMNS, row))}
                  for stamp, row in zip(result.index, values)]
        return {"task": task, "points": points, "model": model, "mase": score.get("mase"),
                "smape": score.get("smape"), "details": details, "seconds": time.process_time() - started}
    except Exception as exc:  # one bad series must not stop the batch
        return {"task": task, "error": f"{type(exc).__name__}: {exc}", "seconds": time.process_time() - started}


def run_job(tasks: list[Task]) -> list[dict]:
    """Forecast a few series (one job of a worker)."""
    return [run_task(task) for task in tasks]


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def save(results: list[dict]) -> None:
    """Replace the forecasts of the series in ``results`` (successful ones) and bump the data version, in one
    transaction."""
    if not results:
        return
    keys = [(r["task"].code, r["task"].adcode) for r in results]
    now = datetime.now()
    with Session(db.engine()) as session, session.begin():
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            session.execute(delete(ForecastPoint).where(tuple_(ForecastPoint.indicator_code,
                                                               ForecastPoint.area_adcode).in_(part)))
            session.execute(delete(ForecastRun).where(tuple_(ForecastRun.indicator_code,
                                                             ForecastRun.area_adcode).in_(part)))
        session.execute(insert(ForecastPoint), [p for r in results for p in r["points"]])
        session.execute(insert(ForecastRun), [{
            "indicator_code": r["task"].code, "area_adcode": r["task"].adcode, "model": r["model"],
            "mase": _finite(r["mase"]), "smape": _finite(r["smape"]), "data_version": r["task"].data_version,
            "details": json.dumps(r["details"], ensure_ascii=False, default=str), "created_at": now}
            for r in results])
        # With the chunk, not once at the end: the pages' caches then see every chunk committed, also
        # those of a batch killed before its end.
        db.bump_data_version(session)


def cluster_address() -> str | None:
    """The Dask scheduler of ``CITYVITALS_FORECAST_CLUSTER`` (e.g. ``tcp://10.0.0.5:8786``), or None."""
    return get_settings().forecast_cluster or None


def _start_worker() -> None:
    """In each forked worker: step back for the web server, and leave the parent's database
    connections alone (SQLAlchemy's advice for forked processes)."""
    os.nice(WORKER_NICE)
    db.engine().dispose(close=False)


@contextmanager
def executor(workers: int | None, cluster: str | None) -> Iterator[tuple[Executor, int]]:
    """Where the jobs run, and how many at once: a Dask cluster's workers, or local processes.

    Args:
        workers: Local processes (the machine's cores by default); unused with a cluster.
        cluster: A Dask scheduler address, or None for local processes.

    Yields:
        A ``concurrent.futures`` executor and the number of jobs it runs at once.
    """
    if cluster:
        from distributed import Client

        with Client(cluster, timeout=30) as client:
            # pure=False: a job resubmitted by a later run is computed again, not looked up.
            yield client.get_executor(pure=False), max(1, sum(client.nthreads().values()))
        return
    workers = workers or get_settings().forecast_processes
    warm_up()  # compiled once here, inherited by the forked workers
    with ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_start_worker) as pool:
        yield pool, workers


def _jobs(tasks: Iterable[Task]) -> Iterator[list[Task]]:
    iterator = iter(tasks)
    while job := list(islice(iterator, JOB_SERIES)):
        yield job


def forecast_results(tasks: Iterable[Task], *, workers: int | None = None, cluster: str | None = None) -> Iterator[dict]:
    """Run the tasks on the executor, yielding each result as its job finishes.

    Args:
        tasks: The series to forecast (read lazily, while the first jobs already run).
        workers: Local processes.
        cluster: A Dask scheduler address, or None.

    Yields:
        ``run_task`` results, in the order their jobs finish.
    """
    with executor(workers, cluster) as (pool, slots):
        pending: set[Future] = set()
        for job in _jobs(tasks):
            pending.add(pool.submit(run_job, job))
            if len(pending) >= IN_FLIGHT * slots:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield from future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield from future.result()


def run_batch(*, everything: bool = False, workers: int | None = None, horizons: dict[str, int] | None = None,
              prophet: str = "headline", progress: bool = True, city: str | None = None,
              cluster: str | None = None) -> BatchReport:
    """Forecast every stale series of the current store.

    Args:
        everything: redo every series, not only those whose data changed.
        workers: local processes (``Settings.forecast_processes`` by default).
        horizons: periods ahead per frequency (``HORIZONS`` by default).
        prophet: which series may use Prophet (see ``_uses_prophet``).
        progress: show a progress bar.
        city: forecast this city's series only (a city key).
        cluster: a Dask scheduler to run on (``cluster_address()`` by default; "" for local).

    Returns:
        The run's report.
    """
    started = time.perf_counter()
    cluster = cluster_address() if cluster is None else cluster or None
    report = BatchReport(where=cluster or f"local ({workers or get_settings().forecast_processes} processes)")
    with Session(db.engine(), expire_on_commit=False) as session:
        stale, report.skipped_fresh = plan(session, everything=everything, prophet=prophet, city=city)
        session.expunge_all()
    report.total = len(stale) + report.skipped_fresh
    tasks = iter_tasks(stale, horizons={**HORIZONS, **(horizons or {})}, prophet=prophet)
    pending: list[dict] = []
    results = forecast_results(tasks, workers=workers, cluster=cluster)
    for result in tqdm(results, total=len(stale), desc="forecasts", unit="series", disable=not progress):
        if "error" in result:
            task = result["task"]
            log.warning("forecast of %s in %s failed, skipped: %s", task.code, task.adcode, result["error"])
            report.failed.append((task.code, task.adcode, result["error"]))
            continue
        report.done += 1
        report.models[result["model"]] += 1
        report.seconds_by_model[result["model"]] += result["seconds"]
        report.series_by_frequency[result["task"].frequency] += 1
        report.seconds_by_frequency[result["task"].frequency] += result["seconds"]
        pending.append(result)
        if len(pending) >= CHUNK:
            save(pending)
            pending = []
    save(pending)
    report.seconds = time.perf_counter() - started
    return report


def summary(report: BatchReport) -> str:
    """The run's summary table: series, CPU time and series per CPU second per model and per
    frequency, failures."""
    lines = [f"{report.done} series forecast, {report.skipped_fresh} already up to date, "
             f"{len(report.failed)} failed, in {report.seconds:.1f} s "
             f"({report.done / max(report.seconds, 1e-9):.1f} series/s) on {report.where}",
             f"{'model':<34}{'series':>8}{'cpu s':>9}{'ms/series':>11}{'series/cpu s':>14}"]
    rows = [(model, count, report.seconds_by_model[model]) for model, count in report.models.most_common()]
    rows.append(("frequency", None, None))
    rows += [(frequency, count, report.seconds_by_frequency[frequency])
             for frequency, count in report.series_by_frequency.most_common()]
    for name, count, cpu in rows:
        if count is None:
            lines.append(f"{'frequency':<34}{'series':>8}{'cpu s':>9}{'ms/series':>11}{'series/cpu s':>14}")
            continue
        lines.append(f"{name:<34}{count:>8}{cpu:>9.1f}{1000 * cpu / count:>11.1f}{count / max(cpu, 1e-9):>14.1f}")
    for code, adcode, error in report.failed[:20]:
        lines.append(f"failed: {code} {adcode}: {error}")
    return "\n".join(lines)
