"""Numbers, changes and dates formatted for readers: 万/亿 in Chinese, k/M/bn in English."""

from __future__ import annotations

import math

import pandas as pd

from indicators.catalog.entries import unit_en
from indicators.catalog.periods import format_period

__all__ = ["change_arrow", "decimals_for", "format_change", "format_period", "format_value", "missing",
           "unit_label"]


def missing(value) -> bool:
    """Whether a value read from the store is absent: frames give NaN or NaT for SQL NULLs, other code None."""
    return value is None or (not isinstance(value, (str, list, tuple)) and bool(pd.isna(value)))


# Units a number is shown without: a dimensionless index (the AQI) reads as a bare number.
SILENT_UNITS = frozenset({"无量纲"})


def unit_label(unit: str, lang: str) -> str:
    """A unit as readers of ``lang`` write it: the catalog's in Chinese, its English form in English; none for a
    dimensionless index."""
    if unit in SILENT_UNITS:
        return ""
    return unit_en(unit) if lang == "en" else unit


def _trim(number: float, digits: int) -> str:
    text = f"{number:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Decimals a reader expects per unit (counts whole, shares and temperatures to a tenth …); other units by size.
UNIT_DECIMALS = {
    **dict.fromkeys(("件", "人", "起", "个", "户", "家", "次", "人次", "通", "批次", "套", "张", "台", "辆", "例", "条",
                     "项", "所", "座", "场", "间", "栋", "份", "名", "处", "户次", "件次", "批", "万户/日"), 0),
    **dict.fromkeys(("%", "％", "‰", "个百分点", "百分点", "℃", "mm", "m/s", "mg/m³", "天", "日", "月", "年", "岁",
                     "分钟", "小时", "dB(A)"), 1),
    **dict.fromkeys(("μg/m³", "µg/m³", "秒"), 0),
}


def decimals_for(value: float, unit: str | None = None) -> int:
    """How many decimals to show of ``value``: the unit's custom (``UNIT_DECIMALS``), else by size — whole from
    1,000, one decimal from 100, two from 1, three significant digits below 1."""
    if unit is not None and unit.strip() in UNIT_DECIMALS:
        return UNIT_DECIMALS[unit.strip()]
    size = abs(value)
    if size >= 1000:
        return 0
    if size >= 100:
        return 1
    if size >= 1 or size == 0:
        return 2
    return min(6, 2 - int(math.floor(math.log10(size))))


def format_value(value: float | None, lang: str, *, digits: int | None = None, unit: str | None = None) -> str:
    """A value as a reader expects it.

    Chinese: 12.35万, 3.2亿 from 10,000 up; English: 123.5k, 3.2M, 1.2bn from 100,000 up.
    Smaller numbers keep the decimals their unit calls for (``decimals_for``), trailing zeros removed; never
    an exponent.

    Args:
        value: the number; None or NaN gives "—".
        lang: "zh" or "en".
        digits: decimals for numbers below the abbreviation thresholds (default: 2, or by ``unit``).
        unit: the catalog unit, for its custom precision (a count whole, a share to a tenth).

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
    if digits is None:
        digits = decimals_for(value, unit) if unit is not None else 2
    text = _trim(value, digits if size < 1000 else 0)
    return "0" if text in ("-0", "") else text


def format_change(change: float | None, unit: str = "%", lang: str = "zh") -> str:
    """A change with its sign: "+3.2%" (relative) or "+0.3个百分点" / "+0.3 pp"; "—" when unknown. A change
    that rounds to nothing shows no sign ("0.0%", never "-0.0%")."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "—"
    shown = round(change, 1)
    text = f"{shown:+.1f}" if shown != 0 else "0.0"
    if unit == "pp":
        return f"{text}个百分点" if lang == "zh" else f"{text} pp"
    return f"{text}%"


def change_arrow(change: float | None) -> str:
    """▲ or ▼ for a change as shown (to a tenth): nothing when it rounds to zero or is unknown."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return ""
    shown = round(change, 1)
    return "▲" if shown > 0 else "▼" if shown < 0 else ""
