"""forecast(): shapes, robustness, bounds, fallbacks and input errors."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from forecasting import MODELS, core, forecast
from forecasting.models import ModelSpec

FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")
FAST_METHODS = ("naive", "snaive", "drift", "ets", "theta", "arima", "auto")
ALIASES = {"daily": "D", "weekly": "W-MON", "monthly": "MS", "quarterly": "QS", "yearly": "YS"}


def assert_ordered(result: pd.DataFrame, levels=(80, 95)) -> None:
    """lower_95 <= lower_80 <= yhat <= upper_80 <= upper_95, all finite."""
    inner, outer = sorted(levels)
    columns = [f"lower_{outer}", f"lower_{inner}", "yhat", f"upper_{inner}", f"upper_{outer}"]
    values = result[columns].to_numpy()
    assert np.isfinite(values).all()
    assert (np.diff(values, axis=1) >= -1e-9).all()


@pytest.mark.parametrize("frequency", FREQUENCIES)
@pytest.mark.parametrize("method", FAST_METHODS)
def test_every_method_and_frequency_gives_the_next_periods(make_series, method, frequency):
    y = make_series(frequency)
    result = forecast(y, 6, method=method)
    expected = pd.date_range(y.index[-1], periods=7, freq=ALIASES[frequency])[1:]
    assert list(result.index) == list(expected)
    assert list(result.columns) == ["yhat", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert_ordered(result)
    assert result.attrs["frequency"] == frequency
    assert result.attrs["model"]
    assert isinstance(result.attrs["fallbacks"], list)


def test_levels_choose_the_interval_columns(monthly):
    result = forecast(monthly, 3, method="ets", levels=(50, 99))
    assert list(result.columns) == ["yhat", "lower_50", "upper_50", "lower_99", "upper_99"]
    assert_ordered(result, levels=(50, 99))
    assert list(forecast(monthly, 3, levels=()).columns) == ["yhat"]


def test_auto_reports_its_accuracy_on_held_out_periods(monthly):
    result = forecast(monthly, 12)
    model = result.attrs["model"]
    assert model == "mean(comb,dotm,theta,ets)"
    score = result.attrs["scores"][model]
    assert score["periods"] == 12 and 0 < score["mase"] < 2 and 0 < score["smape"] < 5
    # The score is of a refit without the last 12 periods, forecast over them.
    held = forecast(monthly.iloc[:-12], 12, method=model)
    expected = 100 * np.mean(2 * np.abs(held["yhat"] - monthly.iloc[-12:].to_numpy())
                             / (np.abs(held["yhat"]) + np.abs(monthly.iloc[-12:].to_numpy())))
    assert score["smape"] == pytest.approx(expected, rel=1e-6)


def test_seasonal_monthly_forecast_follows_the_season(make_series):
    y = make_series("monthly", 72, slope=0.0, amplitude=20.0, noise=1.0)
    result = forecast(y, 12)
    last_year = y.iloc[-12:].to_numpy()
    assert np.corrcoef(result["yhat"], last_year)[0, 1] > 0.95
    assert result["yhat"].idxmax().month == y.iloc[-12:].idxmax().month


def test_trend_is_extrapolated(make_series):
    y = make_series("yearly", 20, slope=5.0, noise=1.0)
    result = forecast(y, 5)
    assert result["yhat"].iloc[-1] > y.iloc[-1] + 10
    assert result["yhat"].is_monotonic_increasing


def test_daily_weekly_pattern_is_kept(make_series):
    index = pd.date_range("2024-01-01", periods=140, freq="D")
    rng = np.random.default_rng(1)
    weekend = np.where(index.day_of_week >= 5, -30.0, 0.0)
    y = pd.Series(200 + weekend + rng.normal(0, 2, len(index)), index=index)
    result = forecast(y, 14)
    is_weekend = result.index.day_of_week >= 5
    gap = result["yhat"][~is_weekend].mean() - result["yhat"][is_weekend].mean()
    assert 20 < gap < 40


def test_auto_beats_seasonal_naive_on_seasonal_trending_data(make_series):
    full = make_series("monthly", 96, slope=1.0, amplitude=15.0, noise=2.0, seed=3)
    train, test = full.iloc[:-12], full.iloc[-12:].to_numpy()
    auto = forecast(train, 12)["yhat"].to_numpy()
    snaive = forecast(train, 12, method="snaive")["yhat"].to_numpy()
    assert np.abs(auto - test).mean() < 0.5 * np.abs(snaive - test).mean()


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9])
@pytest.mark.parametrize("method", ["auto", "ets", "theta", "arima", "snaive"])
def test_short_series_still_forecast(make_series, n, method):
    y = make_series("monthly", n)
    result = forecast(y, 4, method=method)
    assert len(result) == 4 and np.isfinite(result["yhat"]).all()
    # Under two seasons no seasonal model may answer.
    assert result.attrs["model"] != "snaive"
    if n > 1:
        assert_ordered(result)


def test_single_observation_has_unknown_spread():
    y = pd.Series([5.0], index=pd.date_range("2024-01-01", periods=1, freq="YS"))
    result = forecast(y, 2)
    assert (result["yhat"] == 5.0).all()
    assert result["lower_95"].isna().all()


def test_constant_series_forecasts_the_constant():
    y = pd.Series(7.0, index=pd.date_range("2020-01-01", periods=30, freq="MS"))
    for method in ("auto", "ets", "arima"):
        result = forecast(y, 6, method=method)
        assert (result.to_numpy() == 7.0).all()
        assert result.attrs["model"] == "naive"
    assert forecast(y, 6, method="ets").attrs["fallbacks"][0][0] == "ets"


def test_gaps_are_bridged(make_series):
    y = make_series("monthly", 60, amplitude=15.0)
    y.iloc[[5, 6, 7, 30, 31, 45]] = np.nan
    y = y.drop(y.index[[50, 51]])  # missing rows are gaps too
    for method in ("auto", "ets", "theta", "arima", "snaive"):
        result = forecast(y, 6, method=method)
        assert_ordered(result)
        assert result.attrs["fallbacks"] == [], method


def test_trailing_gap_still_forecasts_from_the_last_timestamp(make_series):
    y = make_series("monthly", 48)
    y.iloc[-2:] = np.nan
    result = forecast(y, 3)
    assert result.index[0] == y.index[-1] + pd.offsets.MonthBegin(1)
    assert len(result) == 3


def test_unsorted_input_is_sorted(make_series):
    y = make_series("quarterly", 24)
    shuffled = y.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(forecast(shuffled, 4, method="ets"), forecast(y, 4, method="ets"))


def test_isolated_outlier_is_set_aside(make_series):
    y = make_series("monthly", 60, amplitude=10.0)
    clean = forecast(y, 6, method="ets")
    spiked = y.copy()
    spiked.iloc[40] *= 10
    result = forecast(spiked, 6, method="ets")
    assert result.attrs["outliers"] == [y.index[40]]
    np.testing.assert_allclose(result["yhat"], clean["yhat"], rtol=0.05)


def test_level_shift_is_followed_not_removed(make_series):
    y = make_series("monthly", 60, slope=0.0, amplitude=0.0, noise=1.0)
    y.iloc[-12:] += 50
    result = forecast(y, 6)
    assert result.attrs["outliers"] == []
    assert abs(result["yhat"].mean() - y.iloc[-12:].mean()) < 5


def test_counts_near_zero_never_go_negative():
    rng = np.random.default_rng(2)
    y = pd.Series(rng.poisson(0.8, 104).astype(float), index=pd.date_range("2023-01-02", periods=104, freq="W-MON"))
    for method in ("auto", "naive", "ets", "arima", "drift"):
        result = forecast(y, 13, method=method, bounds=(0, None))
        assert (result.to_numpy() >= 0).all(), method


def test_percentages_never_exceed_100(make_series):
    y = make_series("monthly", 48, level=97.0, slope=0.1, amplitude=1.0, noise=0.8).clip(upper=100)
    for method in ("auto", "ets", "theta", "arima", "drift"):
        result = forecast(y, 24, method=method, bounds=(0, 100))
        assert (result.to_numpy() <= 100).all() and (result.to_numpy() >= 0).all(), method
        assert_ordered(result)


def _broken(*args):
    raise RuntimeError("boom")


def test_failing_model_falls_back_and_says_why(monkeypatch, monthly):
    monkeypatch.setitem(MODELS, "ets", ModelSpec("ets", _broken))
    result = forecast(monthly, 6, method="ets")
    assert result.attrs["model"] == "theta"
    assert result.attrs["fallbacks"] == [("ets", "RuntimeError: boom")]
    assert_ordered(result)


def test_failing_candidate_is_dropped_from_auto(monkeypatch, monthly):
    monkeypatch.setitem(MODELS, "theta", ModelSpec("theta", _broken))
    result = forecast(monthly, 6)
    assert ("theta", "RuntimeError: boom") in result.attrs["fallbacks"]
    assert "theta" not in result.attrs["scores"]
    assert "theta" not in result.attrs["model"]


def test_model_returning_nonsense_falls_back(monkeypatch, monthly):
    def nan_model(y, horizon, season, levels):
        return MODELS["naive"].func(y, horizon, season, levels) * np.nan

    monkeypatch.setitem(MODELS, "arima", ModelSpec("arima", nan_model))
    result = forecast(monthly, 6, method="arima")
    assert result.attrs["model"] == "ets"
    assert result.attrs["fallbacks"][0][0] == "arima"


def test_slow_model_times_out_and_falls_back(monkeypatch, monthly):
    def slow(y, horizon, season, levels):
        time.sleep(2)
        return MODELS["naive"].func(y, horizon, season, levels)

    monkeypatch.setitem(MODELS, "arima", ModelSpec("arima", slow))
    monkeypatch.setattr(core, "MODEL_TIME_LIMIT", 0.2)
    started = time.perf_counter()
    result = forecast(monthly, 6, method="arima")
    assert time.perf_counter() - started < 1.5
    assert result.attrs["fallbacks"][0][0] == "arima"
    assert "ModelTimeout" in result.attrs["fallbacks"][0][1]


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        (pd.Series([1.0, 2.0, 3.0]), {}, "DatetimeIndex"),
        (pd.Series([], dtype=float, index=pd.DatetimeIndex([])), {}, "empty"),
        ([1, 2, 3], {}, "pandas Series"),
        (pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2020-01-01", "2020-01-03", "2020-01-07"])), {},
         "irregular"),
        (pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-01-01", "2020-01-01"])), {}, "duplicate"),
        (pd.Series([np.nan, np.nan], index=pd.date_range("2020-01-01", periods=2, freq="D")), {}, "no observations"),
        (pd.Series(["a", "b"], index=pd.date_range("2020-01-01", periods=2, freq="D")), {}, "numeric"),
        (pd.Series([1.0, 2.0], index=pd.date_range("2020-01-01", periods=2, freq="h")), {}, "irregular"),
    ],
)
def test_invalid_series_raise_value_error(y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        forecast(y, 3, **kwargs)


@pytest.mark.parametrize(
    ("horizon", "kwargs", "message"),
    [
        (0, {}, "horizon"),
        (2.5, {}, "horizon"),
        (3, {"method": "lstm"}, "unknown method"),
        (3, {"levels": (80, 100)}, "levels"),
        (3, {"bounds": (10, 0)}, "lower < upper"),
        (3, {"bounds": (0,)}, "bounds"),
    ],
)
def test_invalid_arguments_raise_value_error(monthly, horizon, kwargs, message):
    with pytest.raises(ValueError, match=message):
        forecast(monthly, horizon, **kwargs)


def test_auto_choice_can_be_rerun_as_a_method(make_series):
    y = make_series("quarterly", 40, amplitude=5.0)
    result = forecast(y, 4, method="mean(ets,theta)")
    assert result.attrs["model"] == "mean(ets,theta)"
    expected = (forecast(y, 4, method="ets")["yhat"] + forecast(y, 4, method="theta")["yhat"]) / 2
    np.testing.assert_allclose(result["yhat"], expected)
    chosen = forecast(y, 4).attrs["model"]
    assert forecast(y, 4, method=chosen).attrs["model"] == chosen


@pytest.mark.parametrize("method", ["mean()", "mean(ets,lstm)", "mean(auto,ets)"])
def test_bad_combinations_are_rejected(monthly, method):
    with pytest.raises(ValueError, match="unknown method"):
        forecast(monthly, 3, method=method)


def test_holiday_week_in_daily_data_is_not_an_outlier():
    index = pd.date_range("2023-01-01", periods=400, freq="D")
    y = pd.Series(100.0 + np.random.default_rng(0).normal(0, 1, 400), index=index)
    y.iloc[270:277] -= 60  # a golden week
    y.iloc[100] = 1000.0  # a typing error
    assert forecast(y, 7).attrs["outliers"] == [index[100]]


def test_replays_start_where_the_fit_started(monkeypatch):
    # Daily models fit on the recent year; the held-out band of the newest value replays the
    # forecast's fit, with its start values and weekday seasons, so it must start on the same
    # day. The accuracy check refits on the year before its held-out weeks.
    replays, fits = [], []
    ets = MODELS["ets"]

    def recording(y, horizon, season, levels, **kwargs):
        (replays if "params" in kwargs else fits).append(y.index[0])
        return ets.func(y, horizon, season, levels, **kwargs)

    monkeypatch.setitem(MODELS, "ets", ModelSpec("ets", recording))
    index = pd.date_range("2022-01-01", periods=1000, freq="D")
    pattern = np.array([0.0, 5.0, 10.0, 15.0, 20.0, -40.0, -30.0])
    y = pd.Series(300 + pattern[index.day_of_week] + np.random.default_rng(4).normal(0, 1, 1000), index=index)
    result = forecast(y, 10, method="auto")
    assert replays == [fits[0]]
    assert fits[1] < fits[0]
    expected = 300 + pattern[result.index.day_of_week]
    assert np.abs(result["yhat"].to_numpy() - expected).max() < 5


def test_auto_gives_the_holdout_band_of_the_newest_value():
    import numpy as np
    import pandas as pd

    from forecasting import forecast

    index = pd.date_range("2018-01-01", periods=72, freq="MS")
    season = 10 * np.sin(np.arange(72) * 2 * np.pi / 12)
    y = pd.Series(100 + season + np.random.default_rng(5).normal(0, 1, 72), index=index)
    lower, upper = forecast(y, 6).attrs["holdout_95"]
    assert lower < y.iloc[-1] < upper and upper - lower < 15
    shocked = y.copy()
    shocked.iloc[-1] += 40
    lower, upper = forecast(shocked, 6).attrs["holdout_95"]
    assert not lower <= shocked.iloc[-1] <= upper  # the surprise lies outside its band
    assert "holdout_95" not in forecast(y, 6, method="ets").attrs


def _awkward(name: str) -> pd.Series:
    rng = np.random.default_rng(11)
    cases = {
        "negative and zero": (np.r_[rng.normal(0, 5, 40), np.zeros(8)], "MS"),
        "all zero but one": (np.r_[np.zeros(30), [3.0], np.zeros(5)], "MS"),
        "tiny values": (1e-9 * (1 + rng.random(50)), "QS"),
        "huge values": (1e12 * (1 + np.cumsum(rng.random(60))), "MS"),
        "long M4-like monthly": (5000 + np.cumsum(rng.normal(2, 30, 800)), "MS"),
        "strongly seasonal with a zero": (np.r_[np.tile([1.0, 5, 9, 0.0], 8)], "QS"),
        "a step down to zero": (np.r_[np.full(30, 100.0), np.zeros(30)], "MS"),
        "daily with gaps": (np.where(rng.random(500) < 0.2, np.nan, 50 + rng.normal(0, 3, 500)), "D"),
        "weekly two years": (100 + 20 * np.sin(np.arange(110) * 2 * np.pi / 52) + rng.normal(0, 2, 110), "W-MON"),
        "yearly of eleven": (np.cumsum(rng.normal(3, 1, 11)), "YS"),
        "random walk that crosses zero": (np.cumsum(rng.normal(0, 1, 120)), "MS"),
    }
    values, alias = cases[name]
    return pd.Series(values, index=pd.date_range("1990-01-01", periods=len(values), freq=alias))


@pytest.mark.parametrize("name", [
    "negative and zero", "all zero but one", "tiny values", "huge values", "long M4-like monthly",
    "strongly seasonal with a zero", "a step down to zero", "daily with gaps", "weekly two years",
    "yearly of eleven", "random walk that crosses zero",
])
def test_auto_never_raises_on_awkward_valid_series(name):
    y = _awkward(name)
    result = forecast(y, 18, bounds=(None, None))
    assert len(result) == 18 and np.isfinite(result["yhat"]).all()
    assert_ordered(result)
    assert result.attrs["model"]
