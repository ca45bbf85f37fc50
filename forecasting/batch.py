"""The forecast batch: every (indicator, area) series of the store, in parallel, into the store.

Incremental: a series is redone only when its data version (the newest load that touched
it, its length and last period) differs from the one its current forecast was made from.
Results are committed in chunks, so a batch that is killed keeps what it finished and the
next run picks up the rest. A series that fails is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from multiprocessing import get_context

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session
from tqdm import tqdm

from forecasting.core import forecast
from indicators import db
from indicators.models import ForecastPoint, ForecastRun, IndicatorDef, Latest, Observation

log = logging.getLogger(__name__)
HORIZONS = {"daily": 30, "weekly": 13, "monthly": 12, "quarterly": 8, "yearly": 3}
CHUNK = 200
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


def data_version(latest: Latest) -> str:
    """The version of a series' data: newest batch, number of values and last period."""
    return f"{latest.batch_id}:{latest.count}:{latest.period.isoformat()}"


def stale_series(session: Session, *, everything: bool) -> list[tuple[Latest, IndicatorDef]]:
    """The series whose forecast is missing or older than their data (all with ``everything``)."""
    runs = dict(((c, a), v) for c, a, v in session.execute(
        select(ForecastRun.indicator_code, ForecastRun.area_adcode, ForecastRun.data_version)))
    definitions = {d.code: d for d in session.scalars(select(IndicatorDef))}
    return [(latest, definitions[latest.indicator_code]) for latest in session.scalars(select(Latest))
            if latest.indicator_code in definitions
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


def plan(session: Session, *, everything: bool, prophet: str) -> tuple[list[tuple[Latest, IndicatorDef]], int]:
    """The stale series, Prophet ones first (they are the long ones), and how many are fresh."""
    stale = stale_series(session, everything=everything)
    total = session.query(Latest).count()
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
                           _uses_prophet(definition, latest.area_adcode, prophet))


def run_task(task: Task) -> dict:
    """Forecast one series (in a worker process); never raises.

    Returns:
        ``points`` (rows for ``forecasts``), ``model``, scores, ``details`` (fallbacks and the
        95% band the model gave the newest value when it was held out) and ``seconds``; or
        ``error``.
    """
    started = time.perf_counter()
    try:
        y = pd.Series(task.values, index=pd.DatetimeIndex(pd.to_datetime(task.periods)))
        result = forecast(y, task.horizon, bounds=task.bounds, prophet=task.prophet)
        model = result.attrs["model"]
        score = result.attrs.get("scores", {}).get(model, {})
        details = {"fallbacks": result.attrs.get("fallbacks", []), "outliers": len(result.attrs.get("outliers", []))}
        if "holdout_95" in result.attrs:
            details["band"] = {"period": task.periods[-1].isoformat(), "range": list(result.attrs["holdout_95"])}
        # One array for all the cells: each result[column] would deep-copy the result's attrs.
        values = result[list(POINT_COLUMNS)].to_numpy(dtype=float).tolist()
        points = [{"indicator_code": task.code, "area_adcode": task.adcode, "period": stamp.date(),
                   **dict(zip(POINT_COLUMNS, row))}
                  for stamp, row in zip(result.index, values)]
        return {"task": task, "points": points, "model": model, "mase": score.get("mase"),
                "smape": score.get("smape"), "details": details, "seconds": time.perf_counter() - started}
    except Exception as exc:  # one bad series must not stop the batch
        return {"task": task, "error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - started}


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


def run_batch(*, everything: bool = False, workers: int | None = None, horizons: dict[str, int] | None = None,
              prophet: str = "headline", progress: bool = True) -> BatchReport:
    """Forecast every stale series of the current store.

    Args:
        everything: redo every series, not only those whose data changed.
        workers: processes (the machine's cores by default).
        horizons: periods ahead per frequency (``HORIZONS`` by default).
        prophet: which series may use Prophet (see ``_uses_prophet``).
        progress: show a progress bar.

    Returns:
        The run's report.
    """
    started = time.perf_counter()
    report = BatchReport()
    with Session(db.engine(), expire_on_commit=False) as session:
        stale, report.skipped_fresh = plan(session, everything=everything, prophet=prophet)
        session.expunge_all()
    report.total = len(stale) + report.skipped_fresh
    tasks = iter_tasks(stale, horizons={**HORIZONS, **(horizons or {})}, prophet=prophet)
    pending: list[dict] = []
    # Forked workers must not share the parent's database connections.
    db.engine().dispose()
    with get_context("fork").Pool(workers or os.cpu_count() or 1) as pool:
        for result in tqdm(pool.imap_unordered(run_task, tasks, chunksize=4), total=len(stale),
                           desc="forecasts", unit="series", disable=not progress):
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
    """The run's summary table: series per model, time per model, failures."""
    lines = [f"{report.done} series forecast, {report.skipped_fresh} already up to date, "
             f"{len(report.failed)} failed, in {report.seconds:.1f} s "
             f"({report.done / max(report.seconds, 1e-9):.1f} series/s)",
             f"{'model':<24}{'series':>8}{'worker s':>9}{'series/cpu s':>14}"]
    for model, count in report.models.most_common():
        cpu = report.seconds_by_model[model]
        lines.append(f"{model:<24}{count:>8}{cpu:>9.1f}{count / max(cpu, 1e-9):>14.1f}")
    lines.append(f"{'frequency':<24}{'series':>8}{'worker s':>9}{'ms/series':>14}")
    for frequency, count in report.series_by_frequency.most_common():
        cpu = report.seconds_by_frequency[frequency]
        lines.append(f"{frequency:<24}{count:>8}{cpu:>9.1f}{1000 * cpu / count:>14.1f}")
    for code, adcode, error in report.failed[:20]:
        lines.append(f"failed: {code} {adcode}: {error}")
    return "\n".join(lines)
