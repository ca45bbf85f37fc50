"""A forecast's method and accuracy in words a reader understands, in Chinese or English.

Pure functions of what the store keeps (the model name, the sMAPE of the held-out check and the
series' frequency), so the indicator page shows them without knowing the models.
"""

from __future__ import annotations

from typing import Final

from forecasting.backtest import SHORT_CANDIDATES, split_combo
from forecasting.core import HOLDOUT, HOLDOUT_MIN_TRAIN

# Each model by the family a reader may have heard of: (Chinese, English).
_FAMILIES: Final[dict[str, tuple[str, str]]] = {
    "ets": ("ETS", "ETS"),
    "ses": ("ETS", "ETS"),
    "holt": ("ETS", "ETS"),
    "damped": ("ETS", "ETS"),
    "comb": ("ETS", "ETS"),
    "autoets": ("ETS", "ETS"),
    "theta": ("Theta", "Theta"),
    "dotm": ("Theta", "Theta"),
    "arima": ("ARIMA", "ARIMA"),
    "ces": ("复指数平滑", "complex exponential smoothing"),
    "prophet": ("Prophet", "Prophet"),
    "naive": ("上期值延续", "last value carried forward"),
    "snaive": ("上年同期值", "same period last year"),
    "drift": ("平均变化趋势外推", "average change extrapolated"),
}


def describe_model(name: str, lang: str = "zh") -> str:
    """The method in words, e.g. ``ETS、Theta 组合预测(4 个模型等权平均)``.

    Args:
        name: A model or combination name (``attrs["model"]`` of a forecast).
        lang: ``zh`` (default) or ``en``.

    Returns:
        The description; an unknown name is returned as it is.
    """
    members = split_combo(name)
    english = lang == "en"
    if not all(member in _FAMILIES for member in members):
        return name
    families = list(dict.fromkeys(_FAMILIES[member][english] for member in members))
    if len(members) == 1:
        return f"{families[0]} model" if english else f"{families[0]}模型"
    if english:
        listed = families[0] if len(families) == 1 else ", ".join(families[:-1]) + " and " + families[-1]
        return f"ensemble of {listed} ({len(members)} models, equal weights)"
    return f"{'、'.join(families)} 组合预测({len(members)} 个模型等权平均)"


def describe_accuracy(smape: float | None, *, model: str, frequency: str, observations: int | None = None,
                      lang: str = "zh") -> str | None:
    """The held-out accuracy in plain terms, e.g. ``过去12期平均误差 3.1%``.

    The figure is the sMAPE (the mean of |actual - forecast| / mean(|actual|, |forecast|), in
    percent) of the same method refitted without the series' last periods and forecast over them;
    for a short series (naive or drift), of its small backtest.

    Args:
        smape: The stored sMAPE, or None.
        model: The model name.
        frequency: The series' frequency (its held-out periods depend on it).
        observations: The series' length, which limits the held-out periods of a short one.
        lang: ``zh`` (default) or ``en``.

    Returns:
        The sentence, or None when there is no figure.
    """
    if smape is None or smape != smape:
        return None
    english = lang == "en"
    if set(split_combo(model)) <= set(SHORT_CANDIDATES):
        return (f"average error in recent back-tests {smape:.1f}%" if english
                else f"近期回测平均误差 {smape:.1f}%")
    periods = HOLDOUT.get(frequency)
    if periods is not None and observations is not None:
        periods = min(periods, observations - HOLDOUT_MIN_TRAIN)
    if periods is None or periods < 1:
        return f"average error {smape:.1f}%" if english else f"平均误差 {smape:.1f}%"
    return (f"average error over the last {periods} periods {smape:.1f}%" if english
            else f"过去{periods}期平均误差 {smape:.1f}%")


def model_short_name(name: str, lang: str = "zh") -> str:
    """The method in a few words for a chart's legend: ``ETS 与 ARIMA 组合`` / ``ETS + ARIMA ensemble``.

    Args:
        name: A model or combination name (``mean(ets,arima)``).
        lang: ``zh`` (default) or ``en``.

    Returns:
        The families of the members joined (a family named once); a single model as ``ETS 模型`` /
        ``ETS model``; an unknown name as it is.
    """
    members = split_combo(name)
    if not all(member in _FAMILIES for member in members):
        return name
    english = lang == "en"
    families = list(dict.fromkeys(_FAMILIES[member][english] for member in members))
    if len(families) == 1:
        single = families[0]
        if len(members) == 1:
            return f"{single} model" if english else f"{single} 模型"
        return f"{single} ensemble" if english else f"{single} 组合"
    if english:
        return " + ".join(families) + " ensemble"
    return "、".join(families[:-1]) + " 与 " + families[-1] + " 组合"


def model_explanation(name: str, lang: str = "zh") -> str:
    """What the method does, in one sentence for a chart's hover."""
    members = split_combo(name)
    english = lang == "en"
    if len(members) == 1:
        return (f"One statistical model ({describe_model(name, lang)}) fitted to the series' history."
                if english else f"以{describe_model(name, lang)}拟合该序列的历史数据得出。")
    return (f"{len(members)} statistical models ({model_short_name(name, lang)}) each forecast the series; the "
            "forecast is their equal-weighted mean, usually more accurate than any single model."
            if english else
            f"{len(members)} 个统计模型({model_short_name(name, lang)})分别预测,取等权平均,"
            "通常比单个模型更准确。")
