"""The models of the combination ``auto`` uses, on seasonally adjusted data.

As in the M4 competition's benchmarks, a series is tested for seasonality (the autocorrelation at
the seasonal lag, 90% one-sided, with three full cycles of data) and, when seasonal, adjusted by a
classical decomposition (multiplicative for positive data); the model runs on the adjusted series
and the seasonal factors are put back on its forecast. The models (:mod:`forecasting.statespace`):

* ``ses``, ``holt``, ``damped``: exponential smoothing without, with and with a damped trend;
  ``comb`` is their mean, the M4 competition's "Comb" benchmark;
* ``autoets``: whichever of those three has the lowest AICc;
* ``ces``: complex exponential smoothing;
* ``dotm``: the dynamic optimised theta method.

Intervals are Gaussian with each model's h-step variance (``auto`` widens them afterwards, see
``forecasting.core.INTERVAL_SCALE``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import acf

from forecasting import statespace
from forecasting.models import (
    deseasonalize,
    gaussian_columns,
    observations,
    register_model,
    reseasonalize,
    result_frame,
    seasonal_factors,
)

# Fewest observations a smoothing model is fitted on (DOTM leaves out its first three errors).
MIN_OBSERVATIONS: Final = 5


def seasonal_test(x: np.ndarray, season: int) -> bool:
    """The M4 benchmarks' seasonality test: is the autocorrelation at lag ``season`` beyond
    1.645 standard errors (Bartlett), with at least three full cycles of data?

    Args:
        x: Observations without NaN.
        season: Periods per cycle.

    Returns:
        True when the series is to be seasonally adjusted.
    """
    if season < 2 or len(x) < 3 * season or np.ptp(x) == 0:
        return False
    rho = acf(x, nlags=season, fft=True)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(rho[1:-1] ** 2)) / len(x))
    return bool(abs(rho[season]) > limit)


def adjust(x: np.ndarray, season: int, seasonal: bool | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Seasonally adjust a series when it is seasonal.

    Args:
        x: Observations without NaN.
        season: Periods per cycle.
        seasonal: A decision taken before (a replay), or None to test.

    Returns:
        ``(adjusted, factors, multiplicative)``; ``factors`` is ``[0.0]`` (additive, no effect)
        when the series is not seasonal.
    """
    if seasonal is None:
        seasonal = seasonal_test(x, season)
    if not seasonal or len(x) < 2 * season:
        return x, np.zeros(1), False
    factors, multiplicative = seasonal_factors(x, season)
    return deseasonalize(x, factors, multiplicative), factors, multiplicative


def fit_members(x: np.ndarray, names: tuple[str, ...], params: dict | None = None) -> dict[str, statespace.Fit]:
    """Fit models on an adjusted series; ``autoets`` picks the ETS model by AICc.

    Args:
        x: The adjusted series.
        names: Model names of this module (``comb`` stands for its three members).
        params: Parameters by kind name from earlier fits, reused instead of searched.

    Returns:
        The fits by kind name (``ses``, ``holt``, ``damped``, ``ces``, ``dotm``).
    """
    wanted = set()
    for name in names:
        wanted |= {"ses", "holt", "damped"} if name in ("comb", "autoets") else {name}
    params = params or {}
    return {name: statespace.fit(statespace.KINDS[name], x, params.get(name)) for name in sorted(wanted)}


def member_forecast(name: str, fits: dict[str, statespace.Fit], horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast and standard deviation of one named model from its fits."""
    if name == "comb":
        parts = [statespace.predict(fits[kind], horizon) for kind in ("ses", "holt", "damped")]
        return np.mean([p[0] for p in parts], axis=0), np.mean([p[1] for p in parts], axis=0)
    if name == "autoets":
        name = min(("ses", "holt", "damped"), key=lambda kind: fits[kind].aicc)
    return statespace.predict(fits[name], horizon)


def _model(name: str):
    def model(
        y: pd.Series, horizon: int, season: int, levels: tuple[int, ...], params: dict | None = None
    ) -> pd.DataFrame:
        """``params``: the seasonality decision and smoothing parameters of an earlier fit, to replay."""
        x = observations(y, MIN_OBSERVATIONS, name)
        params = params or {}
        adjusted, factors, multiplicative = adjust(x, season, params.get("seasonal"))
        fits = fit_members(adjusted, (name,), params.get("fits"))
        yhat, sd = member_forecast(name, fits, horizon)
        columns = gaussian_columns(yhat, sd, levels)
        frame = result_frame(y, horizon, reseasonalize(columns, factors, multiplicative, len(x)))
        frame.attrs["params"] = {"seasonal": len(factors) > 1,
                                 "fits": {kind: fitted.params for kind, fitted in fits.items()}}
        return frame

    model.__name__ = name
    model.__doc__ = f"``{name}`` on the seasonally adjusted series (see the module docstring)."
    return model


for _name in ("ses", "holt", "damped", "comb", "autoets", "ces", "dotm"):
    register_model(_name)(_model(_name))

