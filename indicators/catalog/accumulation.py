"""Year-to-date (累计) arithmetic: single-period values from cumulative ones, and back.

A ``ytd`` indicator is stored as the bureau publishes it: 1—N月 (or 1—N季度) cumulative values. Its
single-period value (当月, 当季) is the difference of two consecutive cumulative values of one year;
the first published period of a year (January, 1—2月 for indicators that merge January and February,
the first quarter) is its own single-period value. A missing previous cumulative value makes the
single-period value missing, never a guess.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from indicators.catalog.entries import Indicator
from indicators.catalog.periods import shift


def opens_year(period: date, frequency: str, jan_feb_merged: bool) -> bool:
    """Whether ``period`` is the first published period of its year (its cumulative value is its own)."""
    return period.month == 1 or (jan_feb_merged and frequency == "monthly" and period.month == 2)


def previous_in_year(period: date, frequency: str, jan_feb_merged: bool) -> date | None:
    """The period whose cumulative value precedes ``period``'s in the same year (None when it opens the year)."""
    if opens_year(period, frequency, jan_feb_merged):
        return None
    return shift(period, frequency, -1)


def single_period_values(periods: pd.Series | list[date], values: pd.Series | np.ndarray, *, frequency: str,
                         jan_feb_merged: bool = False) -> np.ndarray:
    """The single-period values (当月, 当季) of a year-to-date series.

    Args:
        periods: the periods (first days), in any order.
        values: the cumulative values, aligned with ``periods``.
        frequency: the series' frequency.
        jan_feb_merged: its February value covers January too.

    Returns:
        One value per period, NaN where the previous cumulative value of the year is missing.
    """
    periods = [p.date() if isinstance(p, pd.Timestamp) else p for p in periods]
    values = np.asarray(values, dtype=float)
    cumulative = dict(zip(periods, values))
    result = np.empty(len(values))
    for i, period in enumerate(periods):
        before = previous_in_year(period, frequency, jan_feb_merged)
        result[i] = values[i] if before is None else values[i] - cumulative.get(before, np.nan)
    return result


def single_values_of(indicator: Indicator, periods, values) -> np.ndarray:
    """``single_period_values`` for one indicator's series."""
    return single_period_values(periods, values, frequency=indicator.frequency,
                                jan_feb_merged=indicator.jan_feb_merged)


def accumulate(single: pd.Series, *, frequency: str, jan_feb_merged: bool = False, start: float = 0.0) -> pd.Series:
    """Year-to-date values from single-period values (the inverse of ``single_period_values``).

    Args:
        single: single-period values on a DatetimeIndex of period starts, consecutive published periods.
        frequency: their frequency.
        jan_feb_merged: the February value covers January too (there is no January).
        start: the cumulative value before the first period, when it falls inside a year already begun.

    Returns:
        The cumulative values on the same index, restarting at every year's first published period.
    """
    total, out = start, []
    for stamp, value in single.items():
        if opens_year(stamp.date(), frequency, jan_feb_merged):
            total = 0.0
        total += value
        out.append(total)
    return pd.Series(out, index=single.index, name=single.name)


def to_single_periods(cumulative: pd.Series, *, frequency: str, jan_feb_merged: bool = False) -> pd.Series:
    """A year-to-date series as the single periods a model can learn from, on a complete index.

    A merged 1—2月 value is split evenly between January and February, so every month has a value of one
    month's size; a period whose previous cumulative value is missing is left missing (a gap).

    Args:
        cumulative: the published values on a DatetimeIndex of period starts.
        frequency: ``monthly`` or ``quarterly``.
        jan_feb_merged: February's value covers January too.

    Returns:
        Single-period values on a complete monthly or quarterly index.
    """
    dates = [stamp.date() for stamp in cumulative.index]
    single = pd.Series(single_period_values(dates, cumulative.to_numpy(), frequency=frequency,
                                            jan_feb_merged=jan_feb_merged), index=cumulative.index)
    single = single.asfreq("MS" if frequency == "monthly" else "QS")
    if jan_feb_merged and frequency == "monthly":
        february = single.index.month == 2
        halves = single[february] / 2
        single[february] = halves.to_numpy()
        januaries = halves.index - pd.DateOffset(months=1)
        single = single.reindex(single.index.union(januaries))
        single[januaries] = halves.to_numpy()
    return single


def to_cumulative(ahead: pd.DataFrame, cumulative: pd.Series, *, frequency: str, jan_feb_merged: bool = False
                  ) -> pd.DataFrame:
    """A forecast of single periods (``forecast``'s frame) as year-to-date values, continuing ``cumulative``.

    The point forecasts accumulate from the last published cumulative value of the year under way; each
    interval's distance from its point accumulates too (the errors of one year's months move together, so
    this is the cautious width). For a merged indicator January's forecast joins February's, and January
    is dropped, as it is never published.

    Args:
        ahead: the single-period forecast: ``yhat`` and the 80 %/95 % bounds, on the periods ahead.
        cumulative: the published cumulative series it continues.
        frequency: ``monthly`` or ``quarterly``.
        jan_feb_merged: February's value covers January too.

    Returns:
        The same columns as ``ahead``, cumulative, on the published periods ahead; ``ahead``'s attrs kept.
    """
    last = cumulative.index[-1].date()
    start = 0.0 if shift(last, frequency, 1).month == 1 else float(cumulative.iloc[-1])
    frame = ahead.copy()
    for column in [c for c in frame.columns if c != "yhat"]:
        frame[column] = frame[column] - frame["yhat"]
    totals = {}
    for column in frame.columns:
        totals[column] = accumulate(frame[column], frequency=frequency, jan_feb_merged=False,
                                    start=start if column == "yhat" else 0.0)
    out = pd.DataFrame(totals, index=frame.index)
    for column in [c for c in out.columns if c != "yhat"]:
        out[column] = out["yhat"] + out[column]
    if jan_feb_merged and frequency == "monthly":
        out = out[out.index.month != 1]
    out.attrs = ahead.attrs
    return out
