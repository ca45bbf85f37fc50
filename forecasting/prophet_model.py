"""Prophet, with Chinese public holidays for daily and weekly series.

Prophet is imported on first use: importing it costs about a second, which callers that never
ask for it should not pay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import numpy as np
import pandas as pd

from forecasting.frequency import future_index
from forecasting.holidays_cn import china_holidays
from forecasting.models import MODEL_TIME_LIMIT, register_model

# Samples drawn for the intervals. Prophet draws them at random: with 500 the 95% bounds move by
# about 4% of their width from one run to the next, at a few hundredths of a second.
UNCERTAINTY_SAMPLES: Final = 500
# Prophet's default of 10 Fourier terms overfits the one or two years a daily series keeps.
YEARLY_FOURIER_ORDER: Final = 5


@register_model("prophet", handles_gaps=True, long_history=True)
def prophet(y: pd.Series, horizon: int, season: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """Prophet with a linear trend, weekly and yearly seasonality where the data covers them, and
    Chinese holidays (Spring Festival above all) for daily and weekly series.

    Args:
        y: Observations; interior NaN are left out of the fit.
        horizon: Number of future periods.
        season: Periods per cycle (7 for daily, 52 for weekly, 12 monthly, 4 quarterly, 1 yearly).
        levels: Interval coverages in percent, taken as quantiles of Prophet's predictive samples.

    Returns:
        The forecast frame.
    """
    from prophet import Prophet

    history = pd.DataFrame({"ds": y.index.to_timestamp(), "y": y.to_numpy(dtype=float)})
    history = history.dropna()
    if len(history) < 3:
        raise ValueError(f"prophet needs at least 3 observations, got {len(history)}")
    future = pd.DataFrame({"ds": future_index(y.index, horizon).to_timestamp()})
    span_days = (history["ds"].iloc[-1] - history["ds"].iloc[0]).days
    daily, weekly = season == 7, season == 52
    holidays = None
    if daily or weekly:
        years = (history["ds"].iloc[0].year, future["ds"].iloc[-1].year)
        holidays = china_holidays(*years, week=y.index.freqstr if weekly else None)
    model = Prophet(
        growth="linear",
        yearly_seasonality=YEARLY_FOURIER_ORDER if span_days >= 365 and season > 1 else False,
        weekly_seasonality=daily,
        daily_seasonality=False,
        holidays=holidays,
        uncertainty_samples=UNCERTAINTY_SAMPLES if levels else 0,
    )
    with _quiet_logs():
        model.fit(history, timeout=MODEL_TIME_LIMIT)
    # The point forecast without sampling, then the samples once for every level.
    samples_wanted = model.uncertainty_samples
    model.uncertainty_samples = 0
    yhat = model.predict(future)["yhat"].to_numpy()
    frame = pd.DataFrame({"yhat": yhat}, index=future_index(y.index, horizon))
    if levels:
        model.uncertainty_samples = samples_wanted
        draws = model.predictive_samples(future)["yhat"]
        for level in levels:
            tail = (100 - level) / 2
            lower, upper = np.percentile(draws, [tail, 100 - tail], axis=1)
            frame[f"lower_{level}"] = lower
            frame[f"upper_{level}"] = upper
    return frame


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Silence Prophet's per-fit notes (seasonality choices, short-history warnings) and
    cmdstanpy's chain messages for the duration of a fit, then restore the loggers."""
    loggers = [logging.getLogger(name) for name in ("prophet", "cmdstanpy")]
    levels = [logger.level for logger in loggers]
    disabled = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
        # cmdstanpy sets its logger's level itself when it first runs, so that one is disabled.
        logger.disabled = logger.name == "cmdstanpy"
    try:
        yield
    finally:
        for logger, level, was_disabled in zip(loggers, levels, disabled):
            logger.setLevel(level)
            logger.disabled = was_disabled
