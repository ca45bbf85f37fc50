"""``forecast()``: validate the input, prepare the series, run and combine models, tidy the result."""

from __future__ import annotations

import functools
import signal
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Final

import numpy as np
import pandas as pd

from forecasting.backtest import (
    SHORT_CANDIDATES,
    SHORT_SERIES,
    backtest,
    combo_name,
    mase_scale,
    smape,
    split_combo,
)
from forecasting.cleaning import fill_gaps, flag_outliers
from forecasting.frequency import (
    Frequency,
    future_index,
    infer_frequency,
    to_periods,
    to_timestamps,
)
from forecasting.models import MODEL_TIME_LIMIT, MODELS, ModelSpec

# Models tried, in this order, after the requested (or backtest-chosen) ones fail. naive cannot
# fail on a non-empty series, so every chain ends with a forecast. Seasonal naive falls back
# to its non-seasonal self (the M4 convention for series without a usable season).
FALLBACK_ORDER: Final = ("ets", "theta", "naive")
FALLBACKS: Final = {"snaive": ("naive",), "naive": ()}
# History a series needs before ``prophet=True`` lets auto consider Prophet: one year, so that
# Prophet has a Spring Festival and a yearly cycle to learn from.
PROPHET_MIN_HISTORY: Final = {"daily": 365, "weekly": 52}
# The combination ``auto`` forecasts with, per frequency: the equal-weight mean of the M4 "Comb"
# benchmark (SES, Holt and damped trend on the seasonally adjusted series), the dynamic optimised
# theta method, the theta method and additive Holt-Winters; for yearly series DOTM alone.
# Chosen on the accuracy-cost frontier of benchmarks/forecast_accuracy.py (M1, M3 and Tourism
# competition series): OWA 1.5-4.5% below theta's on each dataset's monthly and quarterly series,
# where selecting one model per series by backtest lost to theta, and adding ARIMA cost three times
# the CPU for no gain on M1 and M3. On yearly series the trend models (comb, Holt-Winters) made the
# combination worse than theta on Tourism, and DOTM alone beat every combination tried, and theta,
# on all three datasets (pooled OWA 0.851 against 0.868 with theta and 0.900 for theta).
AUTO_MEMBERS: Final[dict[str, tuple[str, ...]]] = {
    "daily": ("comb", "dotm", "theta", "ets"),
    "weekly": ("comb", "dotm", "theta", "ets"),
    "monthly": ("comb", "dotm", "theta", "ets"),
    "quarterly": ("comb", "dotm", "theta", "ets"),
    "yearly": ("dotm",),
}
# Periods held out at the end of a series to measure auto's accuracy (the figure the indicator page
# shows), at most the forecast horizon, and leaving at least HOLDOUT_MIN_TRAIN points to fit on.
HOLDOUT: Final = {"daily": 28, "weekly": 13, "monthly": 12, "quarterly": 4, "yearly": 2}
HOLDOUT_MIN_TRAIN: Final = 5
# How much auto widens its members' averaged intervals, per frequency and level: model variances
# take the fitted parameters as known and the model as true, so their intervals are too narrow
# (80% intervals held 54% of the competition series' yearly actuals, 66% quarterly, 74% monthly).
# Factors from that shortfall (Gaussian quantile ratios) on the M1, M3 and Tourism series, the
# yearly ones refined once more after the yearly members changed; daily and weekly series, with no
# competition data here, take the monthly ones. Other levels are interpolated between 80 and 95
# and held constant outside. benchmarks/forecast_accuracy.py prints the coverage they give.
INTERVAL_SCALE: Final[dict[str, dict[int, float]]] = {
    "daily": {80: 1.14, 95: 1.24},
    "weekly": {80: 1.14, 95: 1.24},
    "monthly": {80: 1.14, 95: 1.24},
    "quarterly": {80: 1.34, 95: 1.49},
    "yearly": {80: 1.92, 95: 2.28},
}


class ModelTimeout(Exception):
    """A model fit ran past MODEL_TIME_LIMIT."""


@dataclass
class Prepared:
    """A series ready for the models.

    Attributes:
        y: On a complete PeriodIndex, starting and ending with an observation, outliers
            replaced by NaN, history limited to ``freq.max_history``.
        freq: Its frequency.
        lag: Periods missing at the end of the caller's series, which are forecast too and
            dropped, so that the result starts right after the caller's last timestamp.
        outliers: Timestamps set aside as outliers.
        stamps: The caller's index, whose conventions the result follows.
    """

    y: pd.Series
    freq: Frequency
    lag: int
    outliers: list[pd.Timestamp]
    stamps: pd.DatetimeIndex


def forecast(
    y: pd.Series,
    horizon: int,
    *,
    method: str = "auto",
    levels: tuple[int, ...] = (80, 95),
    bounds: tuple[float | None, float | None] = (None, None),
    prophet: bool = False,
) -> pd.DataFrame:
    """Forecast a series with intervals.

    Args:
        y: Values on a regular DatetimeIndex (daily, weekly, monthly, quarterly or yearly, each
            period stored as its first day); NaN marks gaps.
        horizon: Number of future periods, at least 1.
        method: ``auto`` (the equal-weight combination of AUTO_MEMBERS for the frequency;
            naive or drift for series under SHORT_SERIES points), a registered model (``naive``,
            ``snaive``, ``drift``, ``ets``, ``theta``, ``arima``, ``prophet``, ``ses``, ``holt``,
            ``damped``, ``comb``, ``autoets``, ``ces``, ``dotm``), or a combination such as
            ``mean(ets,theta)``. ``attrs["model"]`` of an earlier result is a valid method.
        levels: Interval coverages in percent (integers between 1 and 99).
        bounds: Physical range ``(lower, upper)``; forecast and intervals are clipped to it,
            e.g. ``(0, None)`` for counts and ``(0, 100)`` for percentages.
        prophet: Let ``auto`` add Prophet to its combination for daily and weekly series with a
            year of history. Off by default: on the benchmark a Prophet fit cost 40 times an ETS fit,
            and auto with Prophet 50 times auto without (1.7 s instead of 30 ms a series).

    Returns:
        A DataFrame indexed by the next ``horizon`` periods with ``yhat`` and one
        ``lower_<level>``/``upper_<level>`` pair per level. ``attrs`` holds ``model`` (the
        model, or ``mean(a,b)`` for a combination), ``frequency``, ``fallbacks`` (list of
        ``(model, reason)`` for models that failed), ``outliers`` (timestamps set aside) and,
        for ``auto``, ``scores`` (``{model: {"mase": .., "smape": .., "periods": k}}``: the
        accuracy of the same method refitted without the last k periods and scored on them;
        for short series, the naive/drift backtest's scores; empty when too short for either).

    Raises:
        ValueError: For invalid input only: y not a numeric Series on a DatetimeIndex, empty or
            all NaN, irregular timestamps, horizon < 1, an unknown method, bad levels or bounds.
    """
    levels = _check_arguments(horizon, method, levels, bounds)
    _compiled()
    prepared = prepare(y)
    steps = horizon + prepared.lag
    fallbacks: list[tuple[str, str]] = []
    scores = {} if method == "auto" else None
    holdout = None
    observed = prepared.y.to_numpy()[np.isfinite(prepared.y.to_numpy())]
    if observed.max() == observed.min():
        values, model = _flat(prepared, steps, levels), "naive"
        if method not in ("auto", "naive", "snaive"):
            fallbacks.append((method, "constant series: the forecast is the constant"))
    elif method == "auto":
        values, model, fallbacks, scores, holdout = _auto(prepared, horizon, steps, levels, prophet)
    elif method in MODELS:
        chain = [method, *FALLBACKS.get(method, [name for name in FALLBACK_ORDER if name != method])]
        values, model, fallbacks = _first_success(chain, prepared, steps, levels)
    else:
        values, model, fallbacks, _ = _combine(split_combo(method), prepared, steps, levels)
    frame = _finish(values, prepared, levels, bounds)
    frame.attrs.update(
        model=model,
        frequency=prepared.freq.name,
        fallbacks=fallbacks,
        outliers=prepared.outliers,
    )
    if scores is not None:
        frame.attrs["scores"] = scores
    if holdout is not None:
        low = -np.inf if bounds[0] is None else bounds[0]
        high = np.inf if bounds[1] is None else bounds[1]
        frame.attrs["holdout_95"] = tuple(float(np.clip(v, low, high)) for v in holdout)
    return frame


def _check_arguments(
    horizon: int, method: str, levels: Sequence[int], bounds: tuple[float | None, float | None]
) -> tuple[int, ...]:
    """Validate the arguments other than y; return the levels without duplicates."""
    if isinstance(horizon, bool) or not isinstance(horizon, Integral) or horizon < 1:
        raise ValueError(f"horizon must be an integer >= 1, got {horizon!r}")
    members = split_combo(method) if isinstance(method, str) else ()
    if method != "auto" and not (members and all(name in MODELS for name in members)):
        raise ValueError(
            f"unknown method {method!r}; use 'auto', one of {sorted(MODELS)} or 'mean(a,b)' of them"
        )
    levels = tuple(dict.fromkeys(levels))
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, Integral) or not 0 < level < 100:
            raise ValueError(f"levels must be integers between 1 and 99, got {level!r}")
    if len(bounds) != 2:
        raise ValueError(f"bounds must be (lower, upper), got {bounds!r}")
    lower, upper = bounds
    for bound in bounds:
        if bound is not None and (not isinstance(bound, Real) or np.isnan(bound)):
            raise ValueError(f"bounds must be numbers or None, got {bounds!r}")
    if lower is not None and upper is not None and lower >= upper:
        raise ValueError(f"bounds must have lower < upper, got {bounds!r}")
    return tuple(int(level) for level in levels)


def prepare(y: pd.Series) -> Prepared:
    """Validate y and make it ready for the models.

    Args:
        y: The caller's series.

    Returns:
        The prepared series with its frequency, trailing gap and outliers.

    Raises:
        ValueError: If y is not a usable series (see :func:`forecast`).
    """
    if not isinstance(y, pd.Series):
        raise ValueError(f"y must be a pandas Series, got {type(y).__name__}")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise ValueError(f"y must have a DatetimeIndex, got {type(y.index).__name__}")
    if y.empty:
        raise ValueError("y is empty")
    try:
        values = y.astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y must be numeric ({error})") from None
    if values.index.has_duplicates:
        duplicated = values.index[values.index.duplicated()][:3].tolist()
        raise ValueError(f"y is irregular: duplicate timestamps {duplicated}")
    if not values.index.is_monotonic_increasing:
        values = values.sort_index()
    freq = infer_frequency(values.index)
    series = to_periods(values, freq)
    x = series.to_numpy(dtype=float, copy=True)
    x[~np.isfinite(x)] = np.nan
    observed = np.flatnonzero(np.isfinite(x))
    if observed.size == 0:
        raise ValueError("y has no observations (all values are NaN)")
    lag = len(x) - 1 - observed[-1]
    start = observed[0]
    if freq.max_history is not None:
        start = max(start, observed[-1] + 1 - freq.max_history)
    x, periods = x[start : observed[-1] + 1], series.index[start : observed[-1] + 1]
    outliers = flag_outliers(x, freq.season)
    x[outliers] = np.nan
    first = int(np.flatnonzero(np.isfinite(x))[0])
    outlier_stamps = to_timestamps(periods[outliers], freq, values.index) if outliers.any() else []
    prepared = pd.Series(x[first:], index=periods[first:], name=y.name)
    return Prepared(prepared, freq, int(lag), list(outlier_stamps), values.index)


def _auto(
    prepared: Prepared, horizon: int, steps: int, levels: tuple[int, ...], prophet: bool
) -> tuple[np.ndarray, str, list[tuple[str, str]], dict, tuple[float, float] | None]:
    """Forecast with the frequency's combination, and measure it on the series' last periods.

    Series shorter than SHORT_SERIES choose between naive and drift by a small backtest instead.
    Also returns the 95% band the combination gives the newest value when it is held out
    (parameters replayed, so no extra fit), which the anomaly warning compares with.
    """
    freq, y = prepared.freq, prepared.y
    if len(y) < SHORT_SERIES:
        return _auto_short(prepared, horizon, steps, levels)
    members = list(AUTO_MEMBERS[freq.name])
    if prophet and len(y) >= PROPHET_MIN_HISTORY.get(freq.name, np.inf):
        members.append("prophet")
    values, model, fallbacks, params = _combine(members, prepared, steps, levels)
    values = _widen(values, levels, INTERVAL_SCALE[freq.name])
    used = split_combo(model)
    scores = {model: score} if (score := _holdout_score(prepared, used, horizon)) else {}
    holdout = _holdout_band(prepared, used, params)
    return values, model, fallbacks, scores, holdout


def _widen(values: np.ndarray, levels: tuple[int, ...], scale: dict[int, float]) -> np.ndarray:
    """Widen each interval about the point forecast by the level's factor (see INTERVAL_SCALE)."""
    widened = values.copy()
    known = sorted(scale)
    for i, level in enumerate(levels):
        factor = float(np.interp(level, known, [scale[k] for k in known]))
        for column in (1 + 2 * i, 2 + 2 * i):
            widened[:, column] = values[:, 0] + factor * (values[:, column] - values[:, 0])
    return widened


def _auto_short(
    prepared: Prepared, horizon: int, steps: int, levels: tuple[int, ...]
) -> tuple[np.ndarray, str, list[tuple[str, str]], dict, None]:
    """A handful of points: naive or drift (or their mean), whichever a backtest prefers."""

    def run(name: str, train_length: int, window: int, params: dict | None) -> tuple[np.ndarray, dict | None]:
        values, fitted = _fit(name, prepared, window, (), train_length, params)
        return values[:, 0], fitted

    selection = backtest(prepared.y, horizon, prepared.freq.season, SHORT_CANDIDATES, run)
    if selection is None or not selection.ranking:
        # Too short to backtest: the naive forecast is the safest guess on a handful of points.
        values, model, fallbacks = _first_success(["naive"], prepared, steps, levels)
        failures = selection.failures if selection else []
        return values, model, failures + fallbacks, {}, None
    values, model, fallbacks, _ = _combine(selection.members, prepared, steps, levels, ranking=selection.ranking)
    return values, model, selection.failures + fallbacks, selection.scores, None


def _holdout_score(prepared: Prepared, members: Sequence[str], horizon: int) -> dict[str, float] | None:
    """MASE and sMAPE of the members' mean, refitted without the last periods and scored on them.

    An honest out-of-sample figure (nothing of the held-out periods is seen), at the cost of a
    second fit; None when the series is too short to hold anything out.
    """
    observed = int(prepared.y.notna().sum())
    length = min(horizon, HOLDOUT[prepared.freq.name], observed - HOLDOUT_MIN_TRAIN)
    if length < 1:
        return None
    held = replace(prepared, y=prepared.y.iloc[:-length], lag=0)
    try:
        values, _, _, _ = _combine(members, held, length, ())
    except Exception:  # noqa: BLE001 - no score is better than no forecast
        return None
    actual = prepared.y.to_numpy()[-length:]
    keep = np.isfinite(actual)
    scale = mase_scale(held.y.to_numpy(), prepared.freq.season)
    return {"mase": float(np.abs(actual - values[:, 0])[keep].mean() / scale),
            "smape": smape(actual, values[:, 0]), "periods": length}


def _holdout_band(prepared: Prepared, members: Sequence[str], params: dict | None) -> tuple[float, float] | None:
    """The 95% interval for the newest value from the members replayed on the data before it."""
    held = replace(prepared, y=prepared.y.iloc[:-1], lag=0)
    if not np.isfinite(prepared.y.iloc[-1]) or held.y.notna().sum() < 2:
        return None
    try:
        values, _, _, _ = _combine(members, held, 1, (95,), params)
    except Exception:  # noqa: BLE001 - no band is better than no forecast
        return None
    band = (float(values[0, 1]), float(values[0, 2]))  # columns: yhat, lower_95, upper_95
    return band if all(np.isfinite(band)) else None


def _combine(
    members: Sequence[str],
    prepared: Prepared,
    steps: int,
    levels: tuple[int, ...],
    params: dict[str, dict] | None = None,
    ranking: Sequence[str] = (),
) -> tuple[np.ndarray, str, list[tuple[str, str]], dict[str, dict]]:
    """Forecast with each member and average them; members that fail are dropped (and
    recorded), and if all fail the rest of ``ranking`` and then FALLBACK_ORDER take over.

    Returns:
        The values, the name of what was used, the failures, and the parameters each member
        estimated (to replay them).
    """
    forecasts, used, fallbacks, fitted = [], [], [], {}
    for name in members:
        try:
            values, estimated = _fit(name, prepared, steps, levels, params=(params or {}).get(name))
        except Exception as error:  # noqa: BLE001 - recorded; another member or the chain takes over
            fallbacks.append((name, _reason(error)))
            continue
        forecasts.append(values)
        used.append(name)
        if estimated is not None:
            fitted[name] = estimated
    if not forecasts:
        chain = [name for name in ranking if name not in members]
        chain += [name for name in FALLBACK_ORDER if name not in chain and name not in members]
        values, model, more = _first_success(chain, prepared, steps, levels)
        return values, model, fallbacks + more, {}
    # The mean of the members' bounds is a quantile average, which keeps the bounds ordered.
    return sum(forecasts[1:], forecasts[0]) / len(forecasts), combo_name(used), fallbacks, fitted


def _first_success(
    chain: Sequence[str], prepared: Prepared, steps: int, levels: tuple[int, ...]
) -> tuple[np.ndarray, str, list[tuple[str, str]]]:
    """Run the models of ``chain`` in order until one succeeds; record why the others failed."""
    fallbacks = []
    for name in chain:
        try:
            return _fit(name, prepared, steps, levels)[0], name, fallbacks
        except Exception as error:  # noqa: BLE001 - the next model takes over
            fallbacks.append((name, _reason(error)))
    # Only values near the float limits get here (naive's spread overflows): the last value,
    # with intervals left unknown, rather than an exception for a valid series.
    return _flat(prepared, steps, levels, spread=np.nan), "naive", fallbacks


def _fit(
    name: str,
    prepared: Prepared,
    steps: int,
    levels: tuple[int, ...],
    train_length: int | None = None,
    params: dict | None = None,
) -> tuple[np.ndarray, dict | None]:
    """Fit one model on the prepared series (or its first ``train_length`` points), reusing
    ``params`` from an earlier fit when given, and check the result.

    Args:
        name: A registered model.
        prepared: The series.
        steps: Periods to forecast.
        levels: Interval coverages in percent (empty for ``yhat`` only).
        train_length: Fit on this many leading points only (a backtest origin).
        params: Parameters of an earlier fit of the model, to replay.

    Returns:
        The forecast as an array of ``steps`` rows and the columns of :func:`_columns`, and the
        parameters the model estimated (None when it has none). Arrays rather than the model's
        frame: the backtest calls this up to 25 times a series, and every pandas operation on a frame
        deep-copies its ``attrs``.
    """
    spec = MODELS[name]
    y = _model_input(spec, prepared, train_length, params)
    with _quiet_warnings(), _time_limit(MODEL_TIME_LIMIT):
        extra = {} if params is None else {"params": params}
        frame = spec.func(y, steps, prepared.freq.season, levels, **extra)
    # Taken out before any column access, which would deep-copy the fitted arrays.
    fitted = frame.attrs.pop("params", None)
    expected = _columns(levels)
    if len(frame) != steps or not set(expected) <= set(frame.columns):
        raise ValueError(f"{name} returned {frame.shape} with columns {list(frame.columns)}")
    if list(frame.columns) != expected:
        frame = frame[expected]
    values = frame.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(f"{name} produced non-finite values")
    return values, None if fitted is None else {**fitted, "first_period": y.index[0]}


def _model_input(spec: ModelSpec, prepared: Prepared, train_length: int | None, params: dict | None) -> pd.Series:
    """The part of the prepared series a model is fitted on, gaps filled unless it handles them.

    Cut by position in one slice: the two slices it replaces, one by label, cost four times more.

    Args:
        spec: The model.
        prepared: The series.
        train_length: Keep only this many leading points (a backtest origin), or all of them.
        params: Parameters of an earlier fit; a replay starts at their ``first_period``.

    Returns:
        The series to give the model.
    """
    index = prepared.y.index
    end = len(index) if train_length is None else train_length
    start, recent = 0, prepared.freq.recent
    if params is not None and "first_period" in params:
        # A replay starts where the fit started: its start values (and seasons) belong there.
        start = max(0, params["first_period"].ordinal - int(index.asi8[0]))
    elif recent is not None and not spec.long_history and end > recent:
        start = end - recent
    y = prepared.y if (start, end) == (0, len(index)) else prepared.y.iloc[start:end]
    if not spec.handles_gaps:
        # fill_gaps carries the last known value forward when a backtest cut falls in a gap.
        values = y.to_numpy()
        filled = fill_gaps(values)
        if filled is not values:
            y = pd.Series(filled, index=y.index, name=y.name)
    return y


def _columns(levels: tuple[int, ...]) -> list[str]:
    """Columns of a forecast: ``yhat``, then ``lower_<level>`` and ``upper_<level>`` per level."""
    return ["yhat", *(f"{side}_{level}" for level in levels for side in ("lower", "upper"))]


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _flat(prepared: Prepared, steps: int, levels: tuple[int, ...], spread: float | None = None) -> np.ndarray:
    """The last value carried forward (columns of :func:`_columns`). For a constant series the
    intervals have no spread if the value was seen more than once, and NaN bounds (unknown)
    for a single observation."""
    observed = prepared.y.to_numpy()[np.isfinite(prepared.y.to_numpy())]
    if spread is None:
        spread = 0.0 if len(observed) > 1 else np.nan
    value = float(observed[-1])
    row = [value, *(bound for _ in levels for bound in (value - spread, value + spread))]
    return np.tile(row, (steps, 1))


def _finish(
    values: np.ndarray,
    prepared: Prepared,
    levels: tuple[int, ...],
    bounds: tuple[float | None, float | None],
) -> pd.DataFrame:
    """Drop the periods of a trailing gap, nest the intervals around yhat (a wider level never
    gives a narrower interval), clip to the bounds and stamp the periods like the caller's index.

    Args:
        values: The forecast of the ``len(values)`` periods after the prepared series, in the
            columns of :func:`_columns`.
        prepared: The series.
        levels: Interval coverages in percent.
        bounds: Physical range ``(lower, upper)``, None for no bound.

    Returns:
        The caller's forecast frame.
    """
    low = -np.inf if bounds[0] is None else bounds[0]
    high = np.inf if bounds[1] is None else bounds[1]
    order = _columns(levels)
    values = values[prepared.lag :]
    yhat = values[:, 0]
    columns = {"yhat": np.clip(yhat, low, high)}
    inner_lower = inner_upper = yhat
    for level in sorted(levels):
        lower = np.minimum(values[:, order.index(f"lower_{level}")], inner_lower)
        upper = np.maximum(values[:, order.index(f"upper_{level}")], inner_upper)
        columns[f"lower_{level}"] = np.clip(lower, low, high)
        columns[f"upper_{level}"] = np.clip(upper, low, high)
        inner_lower, inner_upper = lower, upper
    periods = future_index(prepared.y.index, prepared.lag + len(values))[prepared.lag :]
    index = to_timestamps(periods, prepared.freq, prepared.stamps)
    return pd.DataFrame({name: columns[name] for name in order}, index=index)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _quiet_warnings() -> Iterator[None]:
    """Hide statsmodels' convergence and start-value warnings during a fit: the backtest and
    the fallbacks judge a fit, not its warnings.

    Only in the main thread: ``warnings.catch_warnings`` swaps a process-wide filter list, and
    two threads doing so at once can leave every warning of the process silenced.
    """
    if not _in_main_thread():
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@functools.cache
def _compiled() -> None:
    """Compile the numba kernels once per process before any model runs against its time limit: the first
    compilation (about 10 s before numba's on-disk cache holds it) is not the model's time."""
    from forecasting.statespace import warm_up

    warm_up()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ModelTimeout in the block after ``seconds``.

    Uses SIGALRM, so it only works in the main thread and when no other timer is running (e.g.
    pytest-timeout's); elsewhere (a web server's worker threads) it does nothing and the
    models' own iteration limits bound the time instead.
    """
    usable = (
        hasattr(signal, "setitimer")
        and _in_main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ModelTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
