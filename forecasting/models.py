"""Forecast models behind one interface, registered by decorator.

Every model is a function ``(y, horizon, season, levels) -> DataFrame``:

* ``y`` is on a PeriodIndex (regular by construction; ``y.index[-1] + 1`` is the next period)
  with no NaN, unless the model was registered with ``handles_gaps=True`` (then interior NaN
  may remain);
* ``season`` is the periods per cycle of the frequency (7, 52, 12, 4 or 1); a model decides
  itself whether the data is long and seasonal enough to use it;
* ``levels`` are the interval coverages in percent; an empty tuple asks for ``yhat`` only, which
  the backtest uses because intervals cost time it does not need;
* the result is indexed by the next ``horizon`` periods, with ``yhat`` and one
  ``lower_<level>``/``upper_<level>`` pair per level.

A model raises when it cannot fit (e.g. too short a series); :func:`forecasting.forecast` then
falls back to the next model and records why.

Models that estimate parameters may also take a keyword ``params`` and put theirs in
``result.attrs["params"]``: given the ``params`` of an earlier fit, they re-run on the new data
with those parameters instead of estimating them again. The backtest uses this to fit each
model once, at its first origin, and replay the later origins for a fraction of the cost
("rolling origin without re-estimation", Tashman 2000). A model registered with
``warm_start=True`` also accepts ``params`` with ``"warm": True``: it then estimates again, on
the new data, starting from the earlier estimates, which converges in a few iterations.

Intervals are Gaussian, with the analytic h-step variance of each model (Hyndman et al. 2008,
"Forecasting with exponential smoothing", ch. 6, for ETS; psi-weights for ARIMA); Prophet's
are quantiles of its predictive samples.

This module holds the registry, the helpers the models share and the simple models (naive,
seasonal naive, drift); ETS and theta are in ``forecasting.exponential``, ARIMA in
``forecasting.arima`` and Prophet in ``forecasting.prophet_model``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from statistics import NormalDist
from typing import Final

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

from forecasting.frequency import future_index

ModelFunc = Callable[[pd.Series, int, int, tuple[int, ...]], pd.DataFrame]

# Seasonal state-space models get slow and over-parameterised with long cycles (52 weeks), so
# above this period ETS and ARIMA take the cycle out by classical decomposition first, as theta
# always does.
MAX_STATE_SEASON: Final = 24
# Seconds one model fit may take before ``forecast`` gives up on it and falls back. It guards
# against a fit that hangs; normal fits take milliseconds (Prophet about a second).
MODEL_TIME_LIMIT: Final = 10.0


@dataclass(frozen=True)
class ModelSpec:
    """A registered model.

    Attributes:
        name: The registry key, also the ``method`` argument of ``forecast``.
        func: The model function.
        handles_gaps: True when the model accepts interior NaN, so it is given the raw gaps
            instead of interpolated values.
        long_history: True when the model uses all the history kept (``Frequency.max_history``)
            rather than the recent window (``Frequency.recent``), e.g. for a yearly cycle.
        warm_start: True when the model can re-estimate from earlier parameters (``"warm"``).
        replay: Forecasts of an earlier fit from several origins at once (see
            :func:`register_replay`), or None to replay origin by origin.
    """

    name: str
    func: ModelFunc
    handles_gaps: bool = False
    long_history: bool = False
    warm_start: bool = False
    replay: Callable[..., list[np.ndarray] | None] | None = None


MODELS: Final[dict[str, ModelSpec]] = {}
# statistics.NormalDist rather than scipy.stats.norm: same quantiles, 100x less call overhead.
_STANDARD_NORMAL: Final = NormalDist()


def register_model(
    name: str, *, handles_gaps: bool = False, long_history: bool = False, warm_start: bool = False
) -> Callable[[ModelFunc], ModelFunc]:
    """Register a forecast model under ``name`` (like prophet's ``register_performance_metric``).

    Args:
        name: The method name callers pass to ``forecast``.
        handles_gaps: Whether the model fits series with interior NaN itself.
        long_history: Whether the model gets all the history kept, not the recent window.
        warm_start: Whether the model re-estimates from earlier parameters given ``"warm"``.

    Returns:
        A decorator that registers the function and returns it unchanged.
    """

    def decorator(func: ModelFunc) -> ModelFunc:
        MODELS[name] = ModelSpec(name, func, handles_gaps, long_history, warm_start)
        return func

    return decorator


def register_replay(name: str) -> Callable[[Callable], Callable]:
    """Register a registered model's multi-origin replay, which the backtest uses instead of
    replaying each origin: ``replay(y, lengths, horizon, season, params)`` returns the point
    forecasts from ``y[:length]`` for each length (or None to decline).

    Args:
        name: A registered model.

    Returns:
        A decorator that registers the function and returns it unchanged.
    """

    def decorator(func: Callable) -> Callable:
        MODELS[name] = replace(MODELS[name], replay=func)
        return func

    return decorator


def gaussian_columns(yhat: np.ndarray, sd: np.ndarray | None, levels: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Point forecast and Gaussian interval bounds, as the columns of a model result.

    Args:
        yhat: Point forecasts.
        sd: Forecast standard deviation per step (same length), or None when ``levels`` is empty.
        levels: Interval coverages in percent.

    Returns:
        ``{"yhat": .., "lower_80": .., "upper_80": .., ...}``.
    """
    columns = {"yhat": np.asarray(yhat, dtype=float)}
    for level in levels:
        z = _STANDARD_NORMAL.inv_cdf(0.5 + level / 200.0)
        columns[f"lower_{level}"] = columns["yhat"] - z * sd
        columns[f"upper_{level}"] = columns["yhat"] + z * sd
    return columns


def result_frame(y: pd.Series, horizon: int, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A model result: the columns indexed by the ``horizon`` periods after ``y``.

    Args:
        y: The series that was fitted.
        horizon: Number of future periods.
        columns: ``yhat`` and the interval bounds.

    Returns:
        The forecast frame.
    """
    # One 2-D block: 30-50% cheaper to build than a frame from a dict of columns.
    values = np.column_stack(list(columns.values()))
    return pd.DataFrame(values, index=future_index(y.index, horizon), columns=_column_index(tuple(columns)), copy=False)


@lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The column labels as an Index, made once per set of levels: given a list, the DataFrame
    constructor spends seven times longer inferring the labels than building the frame."""
    return pd.Index(names)


def interval_frame(
    y: pd.Series, horizon: int, yhat: np.ndarray, sd: np.ndarray | None, levels: tuple[int, ...]
) -> pd.DataFrame:
    """A model result with Gaussian intervals (see :func:`gaussian_columns`).

    Args:
        y: The series that was fitted.
        horizon: Number of future periods.
        yhat: Point forecasts, length ``horizon``.
        sd: Forecast standard deviation per step, or None when ``levels`` is empty.
        levels: Interval coverages in percent.

    Returns:
        The forecast frame.
    """
    return result_frame(y, horizon, gaussian_columns(yhat, sd, levels))


def usable_season(n: int, season: int) -> int:
    """The season a model may use: 1 unless there are at least two full cycles.

    Args:
        n: Number of observations.
        season: Periods per cycle of the frequency.

    Returns:
        ``season`` or 1.
    """
    return season if season > 1 and n >= 2 * season else 1


def is_seasonal(x: np.ndarray, season: int) -> bool:
    """Whether the autocorrelation at the seasonal lag is significant (90%, one-sided).

    The seasonality test of the M4 competition's benchmarks (lag-m autocorrelation against
    Bartlett's standard error), run on first differences so that a trend alone does not look
    seasonal.

    Args:
        x: Observations without NaN.
        season: Candidate period (> 1).

    Returns:
        True when the series should get a seasonal component.
    """
    diffs = np.diff(x)
    if season < 2 or len(diffs) < 2 * season or np.ptp(diffs) == 0:
        return False
    rho = acf(diffs, nlags=season, fft=True)
    stat = len(diffs) * rho[-1] ** 2 / (1 + 2 * np.sum(rho[1:-1] ** 2))
    return bool(stat > 2.705543454095404)


def seasonal_factors(x: np.ndarray, season: int) -> tuple[np.ndarray, bool]:
    """Seasonal factors of a classical decomposition, one per position in the cycle.

    Multiplicative for positive data (seasonal swings grow with the level, as with most counts
    and amounts), additive otherwise.

    Args:
        x: Observations without NaN, at least two full cycles.
        season: Periods per cycle.

    Returns:
        ``(factors, multiplicative)``; position ``i`` of the series has factor ``factors[i % season]``.
    """
    multiplicative = bool((x > 0).all())
    kind = "multiplicative" if multiplicative else "additive"
    return seasonal_decompose(x, model=kind, period=season).seasonal[:season], multiplicative


def deseasonalize(x: np.ndarray, factors: np.ndarray, multiplicative: bool) -> np.ndarray:
    """Remove seasonal factors (from :func:`seasonal_factors`) from a series starting at position 0.

    Args:
        x: Observations.
        factors: One factor per position in the cycle.
        multiplicative: Divide (True) or subtract (False).

    Returns:
        The seasonally adjusted values.
    """
    seasonal = factors[np.arange(len(x)) % len(factors)]
    return x / seasonal if multiplicative else x - seasonal


def reseasonalize(
    columns: dict[str, np.ndarray], factors: np.ndarray, multiplicative: bool, start: int
) -> dict[str, np.ndarray]:
    """Put seasonal factors back on forecast columns.

    Args:
        columns: ``yhat`` and interval bounds of the seasonally adjusted forecast.
        factors: One factor per position in the cycle.
        multiplicative: Multiply (True) or add (False).
        start: Position in the cycle of the first forecast step (the series length).

    Returns:
        The columns on the original scale.
    """
    horizon = len(columns["yhat"])
    seasonal = factors[(start + np.arange(horizon)) % len(factors)]
    return {
        name: values * seasonal if multiplicative else values + seasonal for name, values in columns.items()
    }


def observations(y: pd.Series, minimum: int, name: str) -> np.ndarray:
    """The values of y as floats, or a ValueError naming the model when there are too few.

    Args:
        y: The series given to a model.
        minimum: Observations the model needs.
        name: The model's name, for the message.

    Returns:
        The values.
    """
    x = y.to_numpy(dtype=float)
    if len(x) < minimum:
        raise ValueError(f"{name} needs at least {minimum} observations, got {len(x)}")
    return x


@register_model("naive")
def naive(y: pd.Series, horizon: int, season: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """Last value carried forward; a random walk's intervals.

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Unused.
        levels: Interval coverages in percent.

    Returns:
        The forecast frame.
    """
    x = observations(y, 1, "naive")
    steps = np.arange(1, horizon + 1)
    # One observation gives no spread; NaN intervals say "unknown" rather than "certain".
    sigma = np.sqrt(np.mean(np.diff(x) ** 2)) if len(x) > 1 else np.nan
    return interval_frame(y, horizon, np.full(horizon, x[-1]), sigma * np.sqrt(steps), levels)


@register_model("snaive")
def snaive(y: pd.Series, horizon: int, season: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """Value of the same period one cycle earlier.

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Periods per cycle; must be > 1 with two full cycles of data.
        levels: Interval coverages in percent.

    Returns:
        The forecast frame.
    """
    x = observations(y, 1, "snaive")
    m = usable_season(len(x), season)
    if m == 1:
        raise ValueError(f"snaive needs two full seasons ({2 * season} periods), got {len(x)}")
    steps = np.arange(horizon)
    yhat = x[len(x) - m + steps % m]
    sigma = np.sqrt(np.mean((x[m:] - x[:-m]) ** 2))
    return interval_frame(y, horizon, yhat, sigma * np.sqrt(steps // m + 1), levels)


@register_model("drift")
def drift(y: pd.Series, horizon: int, season: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """Random walk with drift: the last value plus the average change so far.

    Not in the issue's list; it is the cheap stand-in for ARIMA(0,1,0) with drift, which wins
    on short trending yearly series (GDP, population) at a thousandth of an ARIMA fit's cost.

    Args:
        y: Observations (no NaN).
        horizon: Number of future periods.
        season: Unused.
        levels: Interval coverages in percent.

    Returns:
        The forecast frame.
    """
    x = observations(y, 3, "drift")
    n = len(x)
    slope = (x[-1] - x[0]) / (n - 1)
    steps = np.arange(1, horizon + 1)
    residuals = np.diff(x) - slope
    sigma = np.sqrt(np.sum(residuals**2) / max(n - 2, 1))
    # Hyndman & Athanasopoulos (fpp3, 5.5): the drift's own uncertainty widens the interval.
    sd = sigma * np.sqrt(steps * (1 + steps / (n - 1)))
    return interval_frame(y, horizon, x[-1] + slope * steps, sd, levels)
