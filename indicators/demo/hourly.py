"""Demo values of the hourly indicators: the last ``DAYS`` days of each daily series they roll up into, split into
hours along the day's usual course, so that the hours give back the stored day exactly.

* Air (AQI, PM2.5): highest in the early morning, when the night's shallow mixing layer traps what the evening
  emitted, lowest in the afternoon, when the sun has lifted it (``AIR_SHAPE``).
* Traffic: quiet at night, peaks at 8—9 and 17—19 h (``TRAFFIC_SHAPE``).

A day's value is the hours' mean (the sum for an amount). The hours are rounded to their series' precision (whole
AQI points where the days are whole) with the remainders handed to the largest fractions, so their mean (sum) equals
the stored value; a city's mean of its districts, with endless decimals, within 0.001.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from indicators.catalog.entries import Catalog, Indicator
from indicators.catalog.periods import HOURLY_LAG_HOURS
from indicators.store.hourly import refresh_hourly_latest
from indicators.store.models import HourlyObservation, Observation

DAYS = 14
HOURS = np.arange(24)
# Relative level of each hour (mean 1 after normalising): morning high near 7 h, afternoon low near 16 h.
AIR_SHAPE = 1 + 0.22 * np.cos(2 * np.pi * (HOURS - 7) / 24) + 0.06 * np.cos(2 * np.pi * (HOURS - 22) / 12)
# Share of the day's vehicles in each hour: night floor, daytime plateau, the two rush hours.
TRAFFIC_SHAPE = (0.08 + 0.55 / (1 + np.exp(-(HOURS - 6.5) * 1.5)) / (1 + np.exp((HOURS - 22) * 1.2))
                 + 0.55 * np.exp(-((HOURS - 8.5) ** 2) / 1.2) + 0.6 * np.exp(-((HOURS - 18) ** 2) / 2.0))
NOISE = 0.05


def split_day(value: float, shape: np.ndarray, *, sums: bool, precision: int) -> np.ndarray:
    """Twenty-four hourly values along ``shape`` whose mean (``sums``: sum) is ``value``, each rounded to
    ``precision`` decimals (the remainders go to the largest fractions, so the total stays exact)."""
    total = value if sums else value * 24
    scale = 10 ** precision
    units = round(total * scale)
    raw = shape / shape.sum() * units
    whole = np.floor(raw).astype(int)
    whole[np.argsort(whole - raw)[:units - whole.sum()]] += 1  # the largest remainders first
    return whole / scale


def precision_of(values: pd.Series) -> int:
    """The fewest decimals (up to 3) that hold every value of a series."""
    return next((k for k in range(4) if np.allclose(values, values.round(k), rtol=0, atol=1e-9)), 3)


def add_demo_hours(conn: Connection, catalog: Catalog, adcodes: list[str], *, today: date, seed: int,
                   batch_id: int, loaded_at: datetime) -> int:
    """Insert the hourly indicators' demo hours for ``adcodes`` from their daily values of the last ``DAYS`` days
    before ``today``, in the caller's transaction.

    Returns:
        How many hourly values were inserted.
    """
    rows = []
    for indicator in (ind for ind in catalog if ind.frequency == "hourly" and ind.rolls_up_to):
        days = _daily(conn, indicator.rolls_up_to, adcodes, today)
        generator = np.random.default_rng([seed, int(indicator.code[-3:])])
        shape = TRAFFIC_SHAPE if indicator.rollup_sums else AIR_SHAPE
        precision = days.groupby("adcode")["value"].agg(precision_of).to_dict() if len(days) else {}
        for adcode, day, value in days.itertuples(index=False):
            wobble = shape * (1 + NOISE * generator.standard_normal(24))
            hours = split_day(value, np.clip(wobble, 0.01, None), sums=indicator.rollup_sums,
                               precision=precision[adcode])
            start = datetime.combine(day, datetime.min.time())
            rows += [{"indicator_code": indicator.code, "area_adcode": adcode, "value": float(v),
                      "observed_at": start + timedelta(hours=h), "flags": "", "source": "demo", "batch_id": batch_id,
                      "loaded_at": loaded_at} for h, v in enumerate(_within(indicator, hours))]
        # Started today, the feed has also sent today's hours up to the newest one due (two hours back): without
        # them every hourly series would open the demo as hours overdue. Today has no daily value until its day
        # is published, so these hours follow yesterday's level along the day's shape.
        published = today_published_hours(today, loaded_at)
        for adcode, last in (days.groupby("adcode")["value"].last().items() if published and len(days) else ()):
            wobble = shape * (1 + NOISE * generator.standard_normal(24))
            hours = split_day(last, np.clip(wobble, 0.01, None), sums=indicator.rollup_sums,
                              precision=precision[adcode])[:published]
            start = datetime.combine(today, datetime.min.time())
            rows += [{"indicator_code": indicator.code, "area_adcode": adcode, "value": float(v),
                      "observed_at": start + timedelta(hours=h), "flags": "", "source": "demo", "batch_id": batch_id,
                      "loaded_at": loaded_at} for h, v in enumerate(_within(indicator, hours))]
    if rows:
        conn.execute(insert(HourlyObservation), rows)
        refresh_hourly_latest(conn, catalog, {(row["indicator_code"], row["area_adcode"]) for row in rows})
    return len(rows)


def today_published_hours(today: date, now: datetime) -> int:
    """How many of ``today``'s hours are due by ``now`` (each ``HOURLY_LAG_HOURS`` after it ends); 0 on another day."""
    if now.date() != today:
        return 0
    return max(0, now.hour - HOURLY_LAG_HOURS + 1)


def _within(indicator: Indicator, hours: np.ndarray) -> np.ndarray:
    low = 0.0 if indicator.min_value is None else indicator.min_value
    return np.clip(hours, low, indicator.max_value if indicator.max_value is not None else None)


def _daily(conn: Connection, code: str, adcodes: list[str], today: date) -> pd.DataFrame:
    rows = conn.execute(select(Observation.area_adcode, Observation.period, Observation.value).where(
        Observation.indicator_code == code, Observation.area_adcode.in_(adcodes),
        Observation.period >= today - timedelta(days=DAYS), Observation.period < today)
        .order_by(Observation.area_adcode, Observation.period)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["adcode", "period", "value"])
