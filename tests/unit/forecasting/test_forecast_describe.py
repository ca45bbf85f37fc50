"""The method and accuracy of a forecast in words, in both languages."""

from __future__ import annotations

import pytest

from forecasting.backtest import combo_name
from forecasting.core import AUTO_MEMBERS
from forecasting.describe import describe_accuracy, describe_model

AUTO = combo_name(AUTO_MEMBERS["monthly"])


def test_auto_is_named_by_the_families_it_combines():
    assert describe_model(AUTO) == "ETS、Theta 组合预测(4 个模型等权平均)"
    assert describe_model(AUTO, "en") == "ensemble of ETS and Theta (4 models, equal weights)"
    assert describe_model("mean(ets,arima,theta)", "en") == "ensemble of ETS, ARIMA and Theta (3 models, equal weights)"


@pytest.mark.parametrize(("name", "zh", "en"), [
    ("ets", "ETS模型", "ETS model"),
    ("drift", "平均变化趋势外推模型", "average change extrapolated model"),
    ("prophet", "Prophet模型", "Prophet model"),
])
def test_single_models(name, zh, en):
    assert describe_model(name) == zh and describe_model(name, "en") == en


def test_unknown_names_are_shown_as_they_are():
    assert describe_model("mean(ets,lstm)") == "mean(ets,lstm)"


def test_accuracy_names_the_periods_held_out():
    assert describe_accuracy(3.14, model=AUTO, frequency="monthly") == "过去12期平均误差 3.1%"
    assert describe_accuracy(3.14, model=AUTO, frequency="quarterly", lang="en") == \
        "average error over the last 4 periods 3.1%"
    # A short series holds out fewer periods; naive and drift are judged by their backtest.
    assert describe_accuracy(2.0, model=AUTO, frequency="monthly", observations=9) == "过去4期平均误差 2.0%"
    assert describe_accuracy(5.0, model="mean(naive,drift)", frequency="yearly") == "近期回测平均误差 5.0%"
    assert describe_accuracy(None, model=AUTO, frequency="monthly") is None
    assert describe_accuracy(float("nan"), model=AUTO, frequency="monthly") is None
