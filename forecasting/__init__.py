"""Forecasting: pure functions over pandas Series (nothing here touches the database).

``forecast(y, horizon)`` returns point forecasts and intervals; ``method="auto"`` is an
equal-weight combination of exponential smoothing and theta models per frequency
(``forecasting.core.AUTO_MEMBERS``). Models live in a registry filled by the
``@register_model(name)`` decorator (``forecasting.models``): naive, snaive and drift there,
ets and theta in ``forecasting.exponential``, arima in ``forecasting.arima``, prophet in
``forecasting.prophet_model``, and ses, holt, damped, comb, autoets, ces and dotm (compiled by
numba, on seasonally adjusted data) in ``forecasting.combination``.

For batch runs, set ``OPENBLAS_NUM_THREADS=1`` (before numpy is imported): the models multiply
tiny matrices, and BLAS threads competing for the cores make them 2-3x slower.
"""

# Importing the model modules registers their models.
from forecasting import arima, combination, exponential, prophet_model  # noqa: F401
from forecasting.core import forecast
from forecasting.models import MODELS, register_model

__all__ = ["MODELS", "forecast", "register_model"]
