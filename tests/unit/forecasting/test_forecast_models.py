"""The registered models against statsmodels' own results, and their parameter reuse."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasting import MODELS, register_model
from forecasting.models import is_seasonal

LEVELS = (80, 95)


def on_periods(y: pd.Series) -> pd.Series:
    """Models receive series on a PeriodIndex."""
    return y.to_period()


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_registry_holds_the_issue_methods():
    assert {"naive", "snaive", "ets", "arima", "theta", "prophet"} <= set(MODELS)
    assert MODELS["prophet"].handles_gaps and not MODELS["ets"].handles_gaps


def test_register_model_adds_a_method(monkeypatch):
    monkeypatch.setattr("forecasting.models.MODELS", dict(MODELS))
    from forecasting import models

    @register_model("mean")
    def mean(y, horizon, season, levels):
        return models.interval_frame(y, horizon, np.full(horizon, y.mean()), np.ones(horizon), levels)

    assert models.MODELS["mean"].func is mean


@pytest.mark.parametrize("seed", range(5))
def test_theta_matches_statsmodels_theta_model(seed):
    rng = np.random.default_rng(seed)
    values = 100 + np.cumsum(rng.normal(rng.uniform(-1, 2), rng.uniform(0.5, 5), 30))
    y = pd.Series(values, index=pd.period_range("1990", periods=30, freq="Y"))
    ours = MODELS["theta"].func(y, 5, 1, ())["yhat"].to_numpy()
    reference = ThetaModel(values, period=1, deseasonalize=False).fit().forecast(5).to_numpy()
    np.testing.assert_allclose(ours, reference, rtol=2e-3)


def test_arima_matches_a_full_sarimax_fit(make_series):
    y = make_series("monthly", 96, amplitude=10.0, noise=2.0)
    ours = MODELS["arima"].func(on_periods(y), 12, 12, (95,))
    reference = SARIMAX(y.to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    frame = reference.get_forecast(12).summary_frame(alpha=0.05)
    np.testing.assert_allclose(ours["yhat"], frame["mean"], rtol=2e-3)
    # Conditional (differenced) vs exact likelihood: slightly different estimates, same model.
    width = frame["mean_ci_upper"] - frame["mean_ci_lower"]
    np.testing.assert_allclose(ours["upper_95"] - ours["lower_95"], width, rtol=0.1)


def test_ets_intervals_match_a_simulation_of_the_fitted_model(make_series):
    y = make_series("monthly", 72, slope=1.0, amplitude=8.0, noise=2.0, seed=5)
    ours = MODELS["ets"].func(on_periods(y), 12, 12, (95,))
    smoothing = ours.attrs["params"]["weights"]
    model = ExponentialSmoothing(
        y.to_numpy(), trend="add", damped_trend=True, seasonal="add", seasonal_periods=12,
        initialization_method="heuristic",
    )
    fit = model.fit(optimized=False, **smoothing)
    np.testing.assert_allclose(ours["yhat"], fit.forecast(12), rtol=1e-6)
    # Simulate the component form statsmodels filters with (b_t = phi b + beta* alpha e), from the
    # final states and with the one-step spread of our own interval.
    names = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")
    alpha, beta, gamma, phi = (smoothing[name] for name in names)
    sigma = (ours["upper_95"] - ours["yhat"]).iloc[0] / 1.959964
    rng = np.random.default_rng(0)
    level, trend = np.full(20000, fit.level[-1]), np.full(20000, fit.trend[-1])
    seasons = [np.full(20000, value) for value in fit.season[-12:]]
    paths = []
    for step in range(12):
        error = rng.normal(0, sigma, 20000)
        damped = phi * trend
        paths.append(level + damped + seasons[step] + error)
        level = level + damped + alpha * error
        trend = damped + alpha * beta * error
        seasons[step] = seasons[step] + gamma * error
    width = np.percentile(paths, 97.5, axis=1) - np.percentile(paths, 2.5, axis=1)
    np.testing.assert_allclose(ours["upper_95"] - ours["lower_95"], width, rtol=0.03)


@pytest.mark.parametrize("name", ["ets", "theta", "arima"])
def test_reusing_parameters_reproduces_the_fit(make_series, name):
    y = on_periods(make_series("monthly", 72, amplitude=10.0, noise=2.0))
    fitted = MODELS[name].func(y, 6, 12, ())
    replayed = MODELS[name].func(y, 6, 12, (), params=fitted.attrs["params"])
    np.testing.assert_allclose(replayed["yhat"], fitted["yhat"], rtol=1e-6)
    # On longer data the same parameters give a forecast from the new end.
    longer = on_periods(make_series("monthly", 78, amplitude=10.0, noise=2.0))
    assert MODELS[name].func(longer, 6, 12, (), params=fitted.attrs["params"]).index[0] == longer.index[-1] + 1


@pytest.mark.parametrize(("frequency", "season", "amplitude"), [("monthly", 12, 10.0), ("quarterly", 4, 0.0)])
def test_arima_replay_from_many_origins_equals_one_replay_per_origin(make_series, frequency, season, amplitude):
    # Seasonal airline model and ARIMA(1,1,1) with drift, replayed from three origins in one pass.
    y = on_periods(make_series(frequency, 60, amplitude=amplitude, noise=2.0, seed=3))
    params = MODELS["arima"].func(y.iloc[:40], 6, season, ()).attrs["params"]
    together = MODELS["arima"].replay(y.iloc[:55], [40, 47, 55], 6, season, params)
    for length, forecast in zip([40, 47, 55], together):
        alone = MODELS["arima"].func(y.iloc[:length], 6, season, (), params=params)
        np.testing.assert_allclose(forecast, alone["yhat"].to_numpy(), rtol=1e-9)


def test_arima_warm_start_reestimates_on_the_new_data(make_series):
    short = on_periods(make_series("monthly", 60, amplitude=10.0, noise=2.0, seed=8))
    longer = on_periods(make_series("monthly", 96, amplitude=10.0, noise=2.0, seed=8))
    first = MODELS["arima"].func(short, 6, 12, ()).attrs["params"]
    warm = MODELS["arima"].func(longer, 6, 12, (), params={**first, "warm": True})
    cold = MODELS["arima"].func(longer, 6, 12, ())
    assert "warm" not in warm.attrs["params"]
    assert not np.allclose(warm.attrs["params"]["coefficients"], first["coefficients"])
    np.testing.assert_allclose(warm["yhat"], cold["yhat"], rtol=5e-3)


def test_weekly_yearly_cycle_is_removed_and_restored(make_series):
    y = on_periods(make_series("weekly", 208, slope=0.1, amplitude=20.0, noise=1.0))
    for name in ("ets", "theta", "arima"):
        result = MODELS[name].func(y, 52, 52, ())
        last_year = y.to_numpy()[-52:]
        assert np.corrcoef(result["yhat"], last_year)[0, 1] > 0.9, name


def test_seasonality_test_ignores_a_pure_trend():
    t = np.arange(60.0)
    assert not is_seasonal(t + np.random.default_rng(0).normal(0, 0.5, 60), 12)
    assert is_seasonal(t + 10 * np.sin(2 * np.pi * t / 12), 12)


def test_drift_follows_the_average_change():
    y = pd.Series([10.0, 12.0, 14.0, 16.0], index=pd.period_range("2020", periods=4, freq="Y"))
    result = MODELS["drift"].func(y, 2, 1, (95,))
    np.testing.assert_allclose(result["yhat"], [18.0, 20.0])
    assert (result["upper_95"] - result["lower_95"]).iloc[0] == pytest.approx(0.0)
