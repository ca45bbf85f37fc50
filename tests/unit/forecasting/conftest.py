"""Series fixtures for the forecasting tests: small, deterministic, one per situation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

# The timestamp convention of the store: each period stamped on its first day.
ALIASES = {"daily": "D", "weekly": "W-MON", "monthly": "MS", "quarterly": "QS", "yearly": "YS"}
SEASONS = {"daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}
LENGTHS = {"daily": 120, "weekly": 120, "monthly": 60, "quarterly": 24, "yearly": 15}


def _series(
    frequency: str,
    n: int | None = None,
    *,
    level: float = 100.0,
    slope: float = 0.5,
    amplitude: float = 10.0,
    noise: float = 1.0,
    seed: int = 0,
    start: str = "2015-01-01",
) -> pd.Series:
    """Trend + sine season + Gaussian noise on the store's timestamp convention."""
    n = n or LENGTHS[frequency]
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = SEASONS[frequency]
    values = level + slope * t + rng.normal(0, noise, n)
    if season > 1:
        values = values + amplitude * np.sin(2 * np.pi * t / season)
    index = pd.date_range(start, periods=n, freq=ALIASES[frequency])
    return pd.Series(values, index=index, name="value")


@pytest.fixture
def make_series():
    """Factory: ``make_series(frequency, n=None, *, level, slope, amplitude, noise, seed, start)``."""
    return _series


@pytest.fixture
def monthly() -> pd.Series:
    """Five years of a seasonal, trending monthly indicator."""
    return _series("monthly")
