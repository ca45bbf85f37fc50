"""Frequency inference, periods and timestamps (forecasting.frequency)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.frequency import (
    future_index,
    infer_frequency,
    to_periods,
    to_timestamps,
)


@pytest.mark.parametrize(
    ("alias", "name", "season"),
    [
        ("D", "daily", 7),
        ("W-MON", "weekly", 52),
        ("W-SAT", "weekly", 52),
        ("MS", "monthly", 12),
        ("ME", "monthly", 12),
        ("QS-JAN", "quarterly", 4),
        ("QE-DEC", "quarterly", 4),
        ("YS-JAN", "yearly", 1),
        ("YE-DEC", "yearly", 1),
    ],
)
def test_infer_frequency_with_missing_periods(alias, name, season):
    index = pd.date_range("2020-01-01", periods=12, freq=alias)[[0, 1, 2, 5, 6, 11]]
    freq = infer_frequency(index)
    assert (freq.name, freq.alias, freq.season) == (name, alias, season)


@pytest.mark.parametrize("alias", ["D", "W-MON", "MS", "ME", "QS-JAN", "QE-DEC", "YS-JAN", "YE-DEC"])
def test_periods_round_trip_and_future_stamps(alias):
    stamps = pd.date_range("2020-01-01", periods=10, freq=alias)
    y = pd.Series(np.arange(10.0), index=stamps).iloc[[0, 1, 4, 5, 7]]
    freq = infer_frequency(y.index)
    periods = to_periods(y, freq)
    assert len(periods) == 8 and periods.isna().sum() == 3
    assert to_timestamps(periods.index, freq, y.index).equals(stamps[:8].rename(None).as_unit(stamps.unit))
    future = to_timestamps(future_index(periods.index, 3), freq, y.index)
    assert list(future) == list(stamps[8:10]) + [pd.date_range(stamps[-1], periods=2, freq=alias)[1]]


def test_timestamps_keep_time_of_day_and_time_zone():
    index = pd.date_range("2024-01-01 08:00", periods=5, freq="D", tz="Asia/Shanghai")
    y = pd.Series(1.0, index=index)
    freq = infer_frequency(y.index)
    future = to_timestamps(future_index(to_periods(y, freq).index, 2), freq, y.index)
    assert list(future) == list(pd.date_range("2024-01-06 08:00", periods=2, freq="D", tz="Asia/Shanghai"))


@pytest.mark.parametrize(
    ("stamps", "message"),
    [
        (["2020-01-01 00:00", "2020-01-01 06:00", "2020-01-01 12:00"], "times of day"),
        (["2020-01-01", "2020-01-03", "2020-01-05"], "2 days apart"),
        (["2020-01-15", "2020-02-15", "2020-03-15"], "first day of the period"),
        (["2020-01-01", "2020-03-01", "2020-05-01"], "2 months apart"),
    ],
)
def test_irregular_index_is_rejected(stamps, message):
    with pytest.raises(ValueError, match=message):
        infer_frequency(pd.DatetimeIndex(stamps))


def test_single_timestamp_needs_a_freq():
    with pytest.raises(ValueError, match="single timestamp"):
        infer_frequency(pd.DatetimeIndex(["2020-01-01"]))
    assert infer_frequency(pd.date_range("2020-01-01", periods=1, freq="MS")).name == "monthly"
