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

from indicators.catalog import Indicator
from indicators.periods import shift


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
