"""ARIMA: a fixed-order SARIMA fitted by statsmodels' SARIMAX."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasting.models import (
    MAX_STATE_SEASON,
    deseasonalize,
    gaussian_columns,
    is_seasonal,
    observations,
    register_model,
    register_replay,
    reseasonalize,
    result_frame,
    seasonal_factors,
    usable_season,
)

# Iterations of a warm-started fit: it starts at the backtest's estimates, close to the optimum.
WARM_MAXITER = 10


@register_model("arima", warm_start=True)
def arima(
    y: pd.Series, horizon: int, season: int, levels: tuple[int, ...], params: dict | None = None
) -> pd.DataFrame:
    """A fixed-order SARIMA: the airline model (0,1,1)(0,1,1)m for seasonal data, otherwise
    ARIMA(1,1,1) with drift (ARIMA(0,1,1) with drift below 20 observations). Cycles longer than
    MAX_STATE_SEASON (52 weeks) are removed by classical decomposition first.

    The differences are taken before estimation (statsmodels' ``simple_differencing``), which
    shrinks the state vector and cuts fitting time by about 4x; the estimates are conditional
    on the first m + 1 values rather than exact, which moves interval widths by a few percent.
    Forecasts are integrated back here, with the psi-weight variances of the full model.

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Periods per cycle of the frequency.
        levels: Interval coverages in percent.
        params: Orders and coefficients of an earlier fit, to replay with a Kalman filter (or,
            with ``"warm": True``, to start a new estimation from).

    Returns:
        The forecast frame, with the parameters in ``attrs["params"]``.
    """
    x = observations(y, 6, "arima")
    if params is None:
        m = usable_season(len(x), season)
        if m > 1 and not is_seasonal(x, m):
            m = 1
        if 1 < m <= MAX_STATE_SEASON and len(x) >= 2 * m + 4:
            params = {"m": m, "order": (0, 1, 1), "seasonal_order": (0, 1, 1, m), "trend": "n"}
        else:
            order = (1, 1, 1) if len(x) >= 20 else (0, 1, 1)
            params = {"m": m, "order": order, "seasonal_order": (0, 0, 0, 0), "trend": "c"}
    m, order, seasonal_order = params["m"], params["order"], params["seasonal_order"]
    seasonal = seasonal_order[3] > 1
    factors, multiplicative = np.zeros(1), False
    if m > MAX_STATE_SEASON:
        factors, multiplicative = seasonal_factors(x, m)
        x = deseasonalize(x, factors, multiplicative)
    m = seasonal_order[3]
    model = _sarimax(x, params)
    if "coefficients" in params and not params.get("warm"):
        fit = model.filter(params["coefficients"], cov_type="none")
    else:
        # No parameter covariance: only the forecast is used, and the Hessian costs extra fits.
        # factr 1e10 (relative change of the likelihood ~1e-6) instead of L-BFGS-B's 1e2 takes
        # a third off the fit and moved the demo store's forecasts by 0.08% on average.
        # The estimates only (return_params): fit() would also run the smoother, unused here.
        estimates = model.fit(
            start_params=params.get("coefficients"), disp=False, maxiter=WARM_MAXITER if params.get("warm") else 50,
            factr=1e10, return_params=True,
        )
        fit = model.filter(estimates, cov_type="none")
    yhat = _integrate(x, _state_space_forecast(fit.filter_results, len(x) - _dropped(params), horizon), m, seasonal)
    sd = None
    if levels:
        ar = np.r_[1.0, -np.asarray(fit.arparams)] if order[0] else np.array([1.0])
        ma = np.r_[1.0, np.asarray(fit.maparams)]
        ar = np.convolve(ar, [1.0, -1.0])
        if seasonal:
            seasonal_ma = np.zeros(m + 1)
            seasonal_ma[[0, m]] = 1.0, float(np.asarray(fit.seasonalmaparams)[0])
            ma = np.convolve(ma, seasonal_ma)
            seasonal_diff = np.zeros(m + 1)
            seasonal_diff[[0, m]] = 1.0, -1.0
            ar = np.convolve(ar, seasonal_diff)
        psi = arma2ma(ar, ma, lags=horizon)
        sd = np.sqrt(fit.scale * np.cumsum(psi**2))
    columns = reseasonalize(gaussian_columns(yhat, sd, levels), factors, multiplicative, len(x))
    frame = result_frame(y, horizon, columns)
    structure = {key: value for key, value in params.items() if key != "warm"}
    frame.attrs["params"] = {**structure, "coefficients": np.asarray(fit.params)}
    return frame


@register_replay("arima")
def arima_origins(y: pd.Series, lengths: list[int], horizon: int, season: int, params: dict) -> list[np.ndarray] | None:
    """Point forecasts of an earlier ARIMA fit from several origins, with one Kalman filter pass.

    The same numbers as replaying ``arima`` on each prefix ``y[:length]`` (a unit test checks
    it), because the filter is causal: its predicted state after a prefix is the state the
    prefix alone would end in. Five replays cost five model constructions and filters.

    Args:
        y: Observations (no NaN) through the last origin.
        lengths: Origins, as numbers of leading values of ``y``.
        horizon: Periods forecast from each origin.
        season: Periods per cycle of the frequency (unused: the fit fixed the season).
        params: Orders and coefficients of the earlier fit.

    Returns:
        One array of ``horizon`` forecasts per origin, or None when the fit removed a long cycle
        by decomposition, whose factors depend on the prefix (the caller replays each one).
    """
    if params["m"] > MAX_STATE_SEASON:
        return None
    x = observations(y, 6, "arima")
    filtered = _sarimax(x, params).filter(params["coefficients"], cov_type="none").filter_results
    m, seasonal = params["seasonal_order"][3], params["seasonal_order"][3] > 1
    return [
        _integrate(x[:length], _state_space_forecast(filtered, length - _dropped(params), horizon), m, seasonal)
        for length in lengths
    ]


def _sarimax(x: np.ndarray, params: dict) -> SARIMAX:
    return SARIMAX(
        x,
        order=params["order"],
        seasonal_order=params["seasonal_order"],
        trend=params["trend"],
        simple_differencing=True,
        concentrate_scale=True,
    )


def _dropped(params: dict) -> int:
    """Leading values that simple differencing removes before the filter."""
    return params["order"][1] + params["seasonal_order"][1] * params["seasonal_order"][3]


def _state_space_forecast(filtered, position: int, horizon: int) -> np.ndarray:
    """Point forecasts of a time-invariant state-space model from its predicted state after
    ``position`` observations (of the differenced series).

    The same numbers as ``results.forecast`` (a unit test checks it), without the prediction
    machinery that rebuilds the model for the forecast period, which cost as much as the filter.
    """
    state = filtered.predicted_state[:, position]
    transition, design = filtered.transition[:, :, 0], filtered.design[0, :, 0]
    state_intercept, obs_intercept = filtered.state_intercept[:, 0], filtered.obs_intercept[0, 0]
    forecasts = np.empty(horizon)
    for step in range(horizon):
        forecasts[step] = design @ state + obs_intercept
        state = transition @ state + state_intercept
    return forecasts


def _integrate(x: np.ndarray, diffs: np.ndarray, m: int, seasonal: bool) -> np.ndarray:
    """Undo (1 - L)(1 - L^m)^D on forecasts: y_t = w_t + y_{t-1} + D * (y_{t-m} - y_{t-m-1})."""
    path = list(x)
    for w in diffs:
        value = w + path[-1]
        if seasonal:
            value += path[-m] - path[-m - 1]
        path.append(value)
    return np.array(path[len(x) :])
