"""Prophet with Chinese holidays. The fits are slow (about a second each): marked ``slow``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import forecast
from forecasting.backtest import split_combo
from forecasting.holidays_cn import PUBLIC_HOLIDAY, SPRING_FESTIVAL, china_holidays

SPRING_2025 = pd.Timestamp("2025-01-29")


def test_china_holidays_have_spring_festival_and_week_starts():
    table = china_holidays(2024, 2026)
    spring = table[table.holiday == SPRING_FESTIVAL]
    assert list(spring.ds) == [pd.Timestamp("2024-02-10"), SPRING_2025, pd.Timestamp("2026-02-17")]
    assert (spring.lower_window < 0).all() and (spring.upper_window >= 14).all()
    public = table[table.holiday == PUBLIC_HOLIDAY]
    assert pd.Timestamp("2025-10-01") in set(public.ds)
    # Spring Festival days are not counted twice.
    assert SPRING_2025 not in set(public.ds)
    weekly = china_holidays(2025, 2025, week="W-SUN")
    assert (weekly.ds.dt.day_of_week == 0).all()


@pytest.fixture(scope="module")
def daily_with_spring_festival() -> pd.Series:
    """Two years of a daily count: weekend dip, and a deep dip around each Spring Festival."""
    index = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    rng = np.random.default_rng(0)
    values = 200 + 0.05 * np.arange(len(index)) - 30 * (index.day_of_week >= 5) + rng.normal(0, 3, len(index))
    for start in (pd.Timestamp("2023-01-22"), pd.Timestamp("2024-02-10")):
        values[(index >= start - pd.Timedelta(days=3)) & (index <= start + pd.Timedelta(days=7))] -= 80
    return pd.Series(values, index=index)


@pytest.mark.slow
def test_prophet_forecasts_the_next_spring_festival_dip(daily_with_spring_festival):
    result = forecast(daily_with_spring_festival, 45, method="prophet", bounds=(0, None))
    assert result.attrs["model"] == "prophet" and result.attrs["fallbacks"] == []
    assert result.attrs["outliers"] == []
    assert list(result.index) == list(pd.date_range("2025-01-01", periods=45, freq="D"))
    values = result[["lower_95", "lower_80", "yhat", "upper_80", "upper_95"]].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    holiday = result.loc[SPRING_2025 - pd.Timedelta(days=3) : SPRING_2025 + pd.Timedelta(days=7), "yhat"]
    before = result.loc["2025-01-06":"2025-01-19", "yhat"]
    assert before.mean() - holiday.mean() > 40


@pytest.mark.slow
def test_auto_adds_prophet_only_when_allowed(daily_with_spring_festival):
    y = daily_with_spring_festival
    assert "prophet" not in split_combo(forecast(y, 14).attrs["model"])
    result = forecast(y, 14, prophet=True)
    assert "prophet" in split_combo(result.attrs["model"])
    assert result.attrs["model"] in result.attrs["scores"]


@pytest.mark.slow
@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly", "quarterly", "yearly"])
def test_prophet_gives_the_next_periods_for_every_frequency(make_series, frequency):
    aliases = {"daily": "D", "weekly": "W-MON", "monthly": "MS", "quarterly": "QS", "yearly": "YS"}
    y = make_series(frequency)
    y.iloc[3] = np.nan  # Prophet takes the gaps as they are
    result = forecast(y, 6, method="prophet")
    assert result.attrs["model"] == "prophet", result.attrs["fallbacks"]
    assert list(result.index) == list(pd.date_range(y.index[-1], periods=7, freq=aliases[frequency])[1:])
    values = result[["lower_95", "lower_80", "yhat", "upper_80", "upper_95"]].to_numpy()
    assert np.isfinite(values).all() and (np.diff(values, axis=1) >= 0).all()
