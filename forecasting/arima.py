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
    reseasonalize,
    result_frame,
    seasonal_factors,
    usable_season,
)


@register_model("arima")
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
        params: Orders and coefficients of an earlier fit, to replay with a Kalman filter.

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
    model = SARIMAX(
        x,
        order=order,
        seasonal_order=seasonal_order,
        trend=params["trend"],
        simple_differencing=True,
        concentrate_scale=True,
    )
    if "coefficients" in params:
        fit = model.filter(params["coefficients"])
    else:
        # No parameter covariance: only the forecast is used, and the Hessian costs extra fits.
        fit = model.fit(disp=False, maxiter=50, cov_type="none")
    diffs = np.asarray(fit.forecast(horizon))
    # Undo (1 - L)(1 - L^m)^D: y_t = w_t + y_{t-1} + D * (y_{t-m} - y_{t-m-1}).
    path = list(x)
    for w in diffs:
        value = w + path[-1]
        if seasonal:
            value += path[-m] - path[-m - 1]
        path.append(value)
    yhat = np.array(path[len(x) :])
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
    frame.attrs["params"] = {**params, "coefficients": np.asarray(fit.params)}
    return frame
