"""Frequency of a series: infer it from the index, move the series onto periods (regular by
construction) for the models, and stamp forecast periods back the way the caller stamps them.

The store keeps each period as its first day (month start, quarter start, year start, Monday for
weeks). Period ends (``ME``, ``QE``, ``YE``) and weeks anchored on another weekday are accepted
too, because that is what pandas produces by default and what files from departments often use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import gcd

import numpy as np
import pandas as pd

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SUPPORTED_ALIAS = re.compile(r"^(D|W-[A-Z]{3}|M[SE]|Q[SE]-[A-Z]{3}|Y[SE]-[A-Z]{3})$")


@dataclass(frozen=True)
class Frequency:
    """How often a series is observed.

    Attributes:
        name: ``daily``, ``weekly``, ``monthly``, ``quarterly`` or ``yearly`` (the catalog's names).
        alias: The pandas offset alias of the caller's timestamps, e.g. ``MS``, ``W-MON``, ``QE-DEC``.
        period: The pandas Period frequency of the same periods, e.g. ``M``, ``W-SUN``, ``Q-DEC``.
        season: Periods per seasonal cycle the models use (7, 52, 12, 4 or 1).
        max_history: Most recent periods kept at all, or None for all of them.
        recent: Most recent periods the models fit on, unless registered with
            ``long_history`` (Prophet), or None for all of ``max_history``.
    """

    name: str
    alias: str
    period: str
    season: int
    max_history: int | None
    recent: int | None

    @property
    def stamps_end(self) -> bool:
        """Whether the caller stamps periods by their last day (``ME``, ``QE``, ``YE``)."""
        return self.alias[1:2] == "E"


# Daily series keep two years, which Prophet needs for a yearly cycle and a Spring Festival to
# learn from; the statsmodels models, whose daily cycle is the week, fit on the last year only,
# half the cost. Weekly and monthly histories are capped at ten and twenty years: older data
# rarely helps and always costs.
_SEASON = {"daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}
_MAX_HISTORY = {"daily": 730, "weekly": 520, "monthly": 240, "quarterly": None, "yearly": None}
_RECENT = {"daily": 366}


def _make(name: str, alias: str) -> Frequency:
    return Frequency(name, alias, _period_alias(alias), _SEASON[name], _MAX_HISTORY[name], _RECENT.get(name))


def _period_alias(alias: str) -> str:
    """The Period frequency whose periods start (or end) on the timestamps of ``alias``.

    A week stamped on Monday is the period ending on Sunday (``W-SUN``); a quarter stamped on
    1 February is the quarter of a year ending in January (``Q-JAN``).
    """
    if alias == "D":
        return "D"
    kind, _, anchor = alias.partition("-")
    if kind == "W":
        return f"W-{_WEEKDAYS[_WEEKDAYS.index(anchor) - 1]}"
    if kind in ("MS", "ME"):
        return "M"
    if kind.endswith("E"):
        return f"{kind[0]}-{anchor}"
    return f"{kind[0]}-{_MONTHS[_MONTHS.index(anchor) - 1]}"


def infer_frequency(index: pd.DatetimeIndex) -> Frequency:
    """Infer the frequency of a sorted, duplicate-free DatetimeIndex; missing periods are allowed.

    Args:
        index: The timestamps. With a single timestamp, ``index.freq`` must be set.

    Returns:
        The frequency, with the pandas alias that regenerates the index.

    Raises:
        ValueError: If the timestamps do not fall on one daily, weekly, monthly, quarterly or
            yearly grid (e.g. hourly data, mixed day-of-month, or a mix of spacings).
    """
    if len(index) < 2:
        if index.freq is not None:
            return _from_offset(index.freq)
        raise ValueError("cannot infer the frequency of a single timestamp; set y.index.freq")
    # numpy datetime64 arithmetic: pandas' .day/.month accessors cost ~0.5 ms each per call.
    stamps = index.tz_localize(None).values if index.tz is not None else index.values
    days = stamps.astype("datetime64[D]")
    if (stamps != days).any() and len(np.unique(stamps - days)) > 1:
        raise ValueError("y is irregular (or sub-daily): timestamps have different times of day")
    gaps = np.diff(days).astype(np.int64)
    months = days.astype("datetime64[M]")
    month_starts = bool((days == months).all())
    month_ends = bool(((days + 1).astype("datetime64[M]") != months).all())
    # Month starts are 28-31 days apart, so calendar months are recognised before day counts.
    if gaps.min() >= 28 and (month_starts or month_ends):
        return _monthly_like(months.astype(np.int64), "S" if month_starts else "E")
    if gaps.min() >= 28:
        raise ValueError(
            "y is irregular: monthly, quarterly and yearly periods must all be stamped on the "
            "first day of the period (or all on the last day)"
        )
    step_days = int(np.gcd.reduce(gaps))
    if step_days == 1:
        return _make("daily", "D")
    if step_days == 7:
        weekday = int((days[0].astype(np.int64) + 3) % 7)  # 1970-01-01 was a Thursday
        return _make("weekly", f"W-{_WEEKDAYS[weekday]}")
    raise ValueError(
        f"y is irregular: timestamps are {step_days} days apart; expected daily, weekly, "
        "monthly, quarterly or yearly periods"
    )


def _monthly_like(months: np.ndarray, edge: str) -> Frequency:
    """Monthly, quarterly or yearly, from month numbers (months since 1970-01)."""
    step = gcd(*np.diff(months).tolist())
    anchor_month = int(months[0] % 12) + 1
    if step == 1:
        return _make("monthly", f"M{edge}")
    if step == 3:
        # Quarters are anchored on the month that starts (or ends) them, e.g. QS-JAN.
        anchor = (anchor_month - 1) % 3 if edge == "S" else (anchor_month - 1) % 3 + 9
        return _make("quarterly", f"Q{edge}-{_MONTHS[anchor]}")
    if step == 12:
        return _make("yearly", f"Y{edge}-{_MONTHS[anchor_month - 1]}")
    raise ValueError(f"y is irregular: periods are {step} months apart (expected 1, 3 or 12)")


def _from_offset(offset: pd.DateOffset) -> Frequency:
    """Frequency of a one-point series from the offset the caller set on its index."""
    alias = offset.freqstr
    if not _SUPPORTED_ALIAS.match(alias):
        raise ValueError(
            f"unsupported frequency {alias!r}: use daily, weekly, monthly, quarterly or yearly"
        )
    kinds = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}
    return _make(kinds[alias[0]], alias)


def to_periods(y: pd.Series, freq: Frequency) -> pd.Series:
    """Put y on a complete PeriodIndex; missing periods become NaN.

    Models work on periods because a PeriodIndex is regular by construction and its future
    periods are just the next ordinals, which is much cheaper than generating month-start
    timestamps.

    Args:
        y: A sorted, duplicate-free series whose timestamps lie on the grid of ``freq``.
        freq: Its frequency, from :func:`infer_frequency`.

    Returns:
        A float series indexed by every period from the first to the last timestamp.
    """
    index = y.index.tz_localize(None) if y.index.tz is not None else y.index
    ordinals = index.to_period(freq.period).asi8
    values = y.to_numpy(dtype=float)
    first, count = ordinals[0], ordinals[-1] - ordinals[0] + 1
    if count != len(values):
        full = np.full(count, np.nan)
        full[ordinals - first] = values
        values = full
    periods = pd.PeriodIndex.from_ordinals(first + np.arange(count), freq=freq.period)
    return pd.Series(values, index=periods, name=y.name)


def to_timestamps(periods: pd.PeriodIndex, freq: Frequency, like: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Stamp periods the way the caller stamped theirs.

    Counted from the caller's first timestamp in whole periods (numpy date arithmetic; pandas'
    ``PeriodIndex.to_timestamp`` costs ten times more and forgets the time of day).

    Args:
        periods: Periods of ``freq``.
        freq: The frequency inferred from the caller's index.
        like: The caller's index: its period edge, time of day, time zone, unit and name are kept.

    Returns:
        The timestamps (``freq`` attribute not set).
    """
    first = like[0].tz_localize(None)
    steps = periods.asi8 - pd.Period(first, freq.period).ordinal
    base = first.to_datetime64()
    if freq.name in ("daily", "weekly"):
        stamps = base + steps * np.timedelta64(1 if freq.name == "daily" else 7, "D")
    else:
        day = base.astype("datetime64[D]")
        months = day.astype("datetime64[M]") + steps * {"monthly": 1, "quarterly": 3, "yearly": 12}[freq.name]
        if freq.stamps_end:
            dates = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        else:
            dates = months.astype("datetime64[D]")
        stamps = dates + (base - day)
    index = pd.DatetimeIndex(stamps.astype(f"datetime64[{like.unit}]"), name=like.name)
    return index.tz_localize(like.tz) if like.tz is not None else index


def future_index(index: pd.PeriodIndex, horizon: int) -> pd.PeriodIndex:
    """The ``horizon`` periods that follow ``index``.

    Args:
        index: A PeriodIndex (as models receive).
        horizon: Number of future periods.

    Returns:
        The next periods.
    """
    return pd.PeriodIndex.from_ordinals(index.asi8[-1] + np.arange(1, horizon + 1), freq=index.freq)
