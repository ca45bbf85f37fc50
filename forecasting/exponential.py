"""Exponential smoothing models: ETS (Holt-Winters) and the theta method.

ETS parameters are estimated by statsmodels, theta's SES weight by a one-dimensional search
(:func:`_ses_alpha`). Replays (``params`` given, see :mod:`forecasting.models`)
run the same recursions in numpy from the stored start values: the backtest replays each model
four times per series, and statsmodels' own fixed-parameter path costs as much as a fit because
of the pandas work in its prediction code. A unit test checks the replay against statsmodels.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter
from statsmodels.tsa.holtwinters import ExponentialSmoothing

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

# Bounds of the SES weight, those of statsmodels' Holt-Winters fit. Not 0 itself, where theta's
# drift term jumps (its limit as alpha -> 0 is n, the formula's value at 0 is 0).
ALPHA_BOUNDS: Final = (np.sqrt(np.finfo(float).eps), 1 - np.sqrt(np.finfo(float).eps))


@register_model("ets")
def ets(
    y: pd.Series, horizon: int, season: int, levels: tuple[int, ...], params: dict | None = None
) -> pd.DataFrame:
    """Additive exponential smoothing (Holt-Winters): level and damped trend, plus additive
    seasonality when the data is seasonal (two full cycles and a significant seasonal
    autocorrelation). Cycles longer than MAX_STATE_SEASON (52 weeks) are removed by classical
    decomposition first and put back afterwards.

    One fixed configuration rather than a search: on the benchmark, always-damped was as
    accurate as choosing {none, damped} by AICc, at half the cost. Series shorter than eight
    points beyond a cycle get no trend.

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Periods per cycle of the frequency.
        levels: Interval coverages in percent.
        params: Structure, smoothing weights and start values of an earlier fit, to replay.

    Returns:
        The forecast frame, with the parameters in ``attrs["params"]``.
    """
    x = observations(y, 4, "ets")
    if params is None:
        m = usable_season(len(x), season)
        if m > 1 and not is_seasonal(x, m):
            m = 1
        params = {"m": m, "trend": len(x) >= 8 + (m if m <= MAX_STATE_SEASON else 1)}
    trend = params["trend"]
    factors, multiplicative, m = np.zeros(1), False, params["m"]
    if m > MAX_STATE_SEASON:
        factors, multiplicative = seasonal_factors(x, m)
        x, m = deseasonalize(x, factors, multiplicative), 1
    if "weights" in params:
        weights, start = params["weights"], params["start"]
        level, slope, seasons, sse = _holt_winters_filter(x, m, weights, start)
    else:
        fit = _fit_holt_winters(x, trend, m)
        names = ["smoothing_level", "smoothing_trend", "damping_trend", "smoothing_seasonal"]
        weights = {name: float(fit.params[name]) if np.isfinite(fit.params[name]) else 0.0 for name in names}
        start = {
            "level": float(fit.params["initial_level"]),
            "trend": float(fit.params["initial_trend"]) if trend else 0.0,
            "seasons": np.asarray(fit.params["initial_seasons"], dtype=float) if m > 1 else np.zeros(1),
        }
        level, slope, seasons, sse = fit.level[-1], fit.trend[-1] if trend else 0.0, fit.season[-m:], fit.sse
    alpha, beta_star = weights["smoothing_level"], weights["smoothing_trend"]
    gamma, phi = weights["smoothing_seasonal"], weights["damping_trend"]
    steps = np.arange(1, horizon + 1)
    # Forecast from the final states; fit.forecast() would rerun statsmodels' pandas-heavy
    # prediction code, a third of the cost of the whole fit.
    yhat = level + np.cumsum(phi**steps) * slope
    if m > 1:
        yhat = yhat + np.asarray(seasons)[(steps - 1) % m]
    sd = None
    if levels:
        # statsmodels' Holt-Winters trend weight is beta* of the component form; the error
        # form of Hyndman et al. (2008, table 6.1, class 1) uses beta = alpha * beta*.
        j = steps[:-1]
        c = alpha + alpha * beta_star * np.cumsum(phi**j) + gamma * (j % m == 0 if m > 1 else 0)
        sigma2 = sse / max(len(x) - 1 - 2 * trend - (m > 1), 1)
        sd = np.sqrt(sigma2 * (1 + np.concatenate([[0.0], np.cumsum(c**2)])))
    columns = reseasonalize(gaussian_columns(yhat, sd, levels), factors, multiplicative, len(x))
    frame = result_frame(y, horizon, columns)
    frame.attrs["params"] = {**params, "weights": weights, "start": start}
    return frame


def _fit_holt_winters(x: np.ndarray, trend: bool, m: int):
    """One Holt-Winters fit with cheap settings: heuristic start values when there is enough
    data and no brute-force grid. L-BFGS-B, not the 25% faster SLSQP: SLSQP stops in poor local
    optima often enough to cost 15% in mean MASE on the benchmark."""
    heuristic = len(x) >= 10 + 2 * (m // 2) and (m == 1 or len(x) >= 2 * m)
    model = ExponentialSmoothing(
        x,
        trend="add" if trend else None,
        damped_trend=trend,
        seasonal="add" if m > 1 else None,
        seasonal_periods=m if m > 1 else None,
        initialization_method="heuristic" if heuristic else "estimated",
    )
    return model.fit(use_brute=False, method="L-BFGS-B")


def _holt_winters_filter(
    x: np.ndarray, m: int, weights: dict[str, float], start: dict
) -> tuple[float, float, np.ndarray, float]:
    """Run the additive damped Holt-Winters recursion of statsmodels (component form).

    Returns:
        Final level, final trend, the seasons of the next cycle, and the sum of squared
        one-step errors.
    """
    alpha, beta, phi, gamma = (
        weights[name] for name in ("smoothing_level", "smoothing_trend", "damping_trend", "smoothing_seasonal")
    )
    level, slope = start["level"], start["trend"]
    seasons = list(start["seasons"]) if m > 1 else [0.0]
    sse = 0.0
    for t, value in enumerate(x):
        season = seasons[t] if m > 1 else 0.0
        previous, damped = level, phi * slope
        sse += (value - previous - damped - season) ** 2
        level = alpha * (value - season) + (1 - alpha) * (previous + damped)
        slope = beta * (level - previous) + (1 - beta) * damped
        if m > 1:
            seasons.append(gamma * (value - previous - damped) + (1 - gamma) * season)
    return level, slope, np.asarray(seasons[len(x) :] if m > 1 else [0.0]), sse


@register_model("theta")
def theta(
    y: pd.Series, horizon: int, season: int, levels: tuple[int, ...], params: dict | None = None
) -> pd.DataFrame:
    """The theta method: statsmodels' ThetaModel (SES with half the linear trend, theta = 2) on
    seasonally adjusted data.

    This is ThetaModel's own two-step estimator (OLS slope, then SES with the first value as
    initial level) and its forecast formula, computed in numpy for speed: the SES weight by a
    one-dimensional search (:func:`_ses_alpha`) rather than ThetaModel's state-space fit, and
    the forecast here rather than by ``ThetaModelResults.forecast``, whose pandas frames cost a
    quarter of the model's time. A unit test checks the forecasts agree with ThetaModel's.
    Seasonality is removed by classical decomposition (:func:`seasonal_factors`, as in the M3
    theta method) when the series is seasonal, and put back on forecast and intervals.
    Intervals use the SES forecast variance, sigma^2 (1 + (h - 1) alpha^2).

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Periods per cycle of the frequency.
        levels: Interval coverages in percent.
        params: Seasonality decision and SES alpha of an earlier fit, to replay.

    Returns:
        The forecast frame, with the parameters in ``attrs["params"]``.
    """
    x = observations(y, 4, "theta")
    if params is None:
        m = usable_season(len(x), season)
        params = {"m": m if m > 1 and is_seasonal(x, m) else 1}
    factors, multiplicative = np.zeros(1), False
    if params["m"] > 1:
        factors, multiplicative = seasonal_factors(x, params["m"])
    adjusted = deseasonalize(x, factors, multiplicative)
    design = np.column_stack([np.ones(len(x)), np.arange(len(x))])
    slope = np.linalg.lstsq(design, adjusted, rcond=None)[0][1]
    if "alpha" not in params:
        params = {**params, "alpha": _ses_alpha(adjusted)}
    alpha = params["alpha"]
    smoothed = _ses(adjusted, alpha)
    # ThetaModelResults.forecast for theta = 2: half the slope, carried as it would be by the
    # SES, added to the SES forecast (its last level).
    steps = np.arange(horizon, dtype=float)
    if alpha > 0:
        steps += 1 / alpha - (1 - alpha) ** len(x) / alpha
    yhat = smoothed[-1] + 0.5 * slope * steps
    errors = adjusted[1:] - smoothed[:-1]
    sd = None
    if levels:
        sigma2 = float(np.var(errors)) if len(errors) > 1 else 0.0
        sd = np.sqrt(sigma2 * (1 + np.arange(horizon) * alpha**2))
    columns = reseasonalize(gaussian_columns(yhat, sd, levels), factors, multiplicative, len(x))
    frame = result_frame(y, horizon, columns)
    frame.attrs["params"] = params
    return frame


def _ses(x: np.ndarray, alpha: float) -> np.ndarray:
    """Levels of simple exponential smoothing from the first value:
    level_t = alpha * x_t + (1 - alpha) * level_{t-1}, with level_{-1} = x_0."""
    return lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1 - alpha) * x[0]])[0]


def _ses_sse(alpha: float, x: np.ndarray) -> float:
    """Sum of squared one-step errors of :func:`_ses` (the first value is its own forecast)."""
    return float(np.sum((x[1:] - _ses(x, alpha)[:-1]) ** 2))


def _ses_alpha(x: np.ndarray) -> float:
    """The SES weight with the least squared one-step error, within statsmodels' bounds.

    A grid of eleven weights brackets the best one, which bounded Brent then refines; the
    bracket's ends are kept when better (Brent never quite reaches a bound). A quarter of the
    time of a statsmodels Holt-Winters fit of the same SES; on 300 random walks it found the
    same weight (to 1e-5) or a lower error, statsmodels' L-BFGS-B stopping in a local minimum.

    Args:
        x: The series, without NaN.

    Returns:
        alpha.
    """
    grid = np.linspace(*ALPHA_BOUNDS, 11)
    best = int(np.argmin([_ses_sse(alpha, x) for alpha in grid]))
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)])
    refined = minimize_scalar(_ses_sse, bounds=bracket, args=(x,), method="bounded", options={"xatol": 1e-5})
    return float(min((refined.x, *bracket), key=lambda alpha: _ses_sse(alpha, x)))
