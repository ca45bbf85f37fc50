"""Numbers, changes and dates formatted for readers: 万/亿 in Chinese, k/M/bn in English."""

from __future__ import annotations

import math

import pandas as pd

from indicators.catalog import unit_en
from indicators.periods import format_period

__all__ = ["format_change", "format_period", "format_value", "missing", "unit_label"]


def missing(value) -> bool:
    """Whether a value read from the store is absent: frames give NaN or NaT for SQL NULLs, other code None."""
    return value is None or (not isinstance(value, (str, list, tuple)) and bool(pd.isna(value)))


def unit_label(unit: str, lang: str) -> str:
    """A unit as readers of ``lang`` write it: the catalog's in Chinese, its English form in English."""
    return unit_en(unit) if lang == "en" else unit


def _trim(number: float, digits: int) -> str:
    text = f"{number:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: float | None, lang: str, *, digits: int = 2) -> str:
    """A value as a reader expects it.

    Chinese: 12.35万, 3.2亿 from 10,000 up; English: 123.5k, 3.2M, 1.2bn from 100,000 up.
    Smaller numbers keep up to ``digits`` decimals, trailing zeros removed.

    Args:
        value: the number; None or NaN gives "—".
        lang: "zh" or "en".
        digits: decimals for numbers below the abbreviation thresholds.

    Returns:
        The formatted number (without unit).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    size = abs(value)
    if lang == "zh":
        if size >= 1e8:
            return _trim(value / 1e8, 2) + "亿"
        if size >= 1e4:
            return _trim(value / 1e4, 2) + "万"
    else:
        for limit, divisor, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e5, 1e3, "k")):
            if size >= limit:
                return _trim(value / divisor, 2) + suffix
    return _trim(value, digits if size < 1000 else 0)


def format_change(change: float | None, unit: str = "%", lang: str = "zh") -> str:
    """A change with its sign: "+3.2%" (relative) or "+0.3个百分点" / "+0.3 pp"; "—" when unknown."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "—"
    if unit == "pp":
        return f"{change:+.1f}个百分点" if lang == "zh" else f"{change:+.1f} pp"
    return f"{change:+.1f}%"
