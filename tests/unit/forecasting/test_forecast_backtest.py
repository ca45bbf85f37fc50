"""Backtest arithmetic, model choice, outliers and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import choose, combo_name, mase_scale, plan_origins, smape
from forecasting.cleaning import fill_gaps, flag_outliers


def test_smape_and_its_zero_case():
    assert smape(np.array([100.0, 0.0]), np.array([110.0, 0.0])) == pytest.approx(100 * (20 / 210) / 2)
    assert smape(np.array([1.0, np.nan]), np.array([1.0, 5.0])) == 0.0


def test_mase_scale_falls_back_when_flat():
    assert mase_scale(np.array([1.0, 2.0, 3.0, 4.0]), 1) == 1.0
    assert mase_scale(np.array([5.0, 5.0, 5.0]), 1) == 5.0
    assert mase_scale(np.array([0.0, 0.0]), 1) == 1.0
    assert mase_scale(np.array([1.0, 5.0, 1.0, 5.0, 1.0]), 2) == 4.0  # lag 2 is flat, lag 1 is not


@pytest.mark.parametrize(
    ("n", "horizon", "season", "expected"),
    [
        (60, 12, 12, ([24, 30, 36, 42, 48], 12)),
        (15, 4, 1, ([8, 9, 10, 11, 12], 3)),
        (7, 3, 1, ([5, 6], 1)),
        (6, 3, 1, None),
    ],
)
def test_plan_origins(n, horizon, season, expected):
    assert plan_origins(n, horizon, season, 5) == expected


def test_choose_prefers_the_pair_only_when_it_scores_better():
    actual = np.array([10.0, 10.0, 10.0, 10.0])
    high, low = actual + 1, actual - 1
    members, ranking, scores = choose({"a": high, "b": low, "c": actual + 5}, actual, 1.0)
    assert members == ("a", "b") and ranking[-1] == "c"
    assert scores[combo_name(("a", "b"))]["mase"] == 0.0
    members, _, _ = choose({"a": actual, "b": low}, actual, 1.0)
    assert members == ("a",)


def test_choose_keeps_the_default_unless_clearly_beaten():
    actual = np.full(4, 10.0)
    # The default pair (a, b) averages to 10.5 (MASE 0.5); c at 10.46 is better, but not by 10%.
    forecasts = {"a": actual + 1.5, "b": actual - 0.5, "c": actual + 0.46, "d": actual + 3}
    members, ranking, scores = choose(forecasts, actual, 1.0, default=("a", "b"))
    assert members == ("a", "b") and scores["mean(a,b)"]["mase"] == pytest.approx(0.5)
    # At 10.4 it is: the mean of the two best (c and b) takes over.
    forecasts["c"] = actual + 0.4
    members, _, _ = choose(forecasts, actual, 1.0, default=("a", "b"))
    assert members == ("c", "b")
    # A default member that failed its backtest leaves the choice to the scores alone.
    del forecasts["a"]
    forecasts["b"] = actual - 2
    members, _, _ = choose(forecasts, actual, 1.0, default=("a", "b"))
    assert members == ("c",)


def test_spike_is_flagged_but_not_a_level_shift_or_the_last_values():
    x = np.r_[np.linspace(100, 110, 30), np.linspace(150, 160, 10)] + np.random.default_rng(0).normal(0, 0.5, 40)
    x[10] = 1000.0
    x[-1] = 500.0
    flagged = flag_outliers(x, 1)
    assert np.flatnonzero(flagged).tolist() == [10]


def test_recurring_seasonal_peak_is_not_flagged():
    t = np.arange(72)
    x = 100 + np.where(t % 12 == 1, 60.0, 0.0) + np.random.default_rng(1).normal(0, 1, 72)
    assert not flag_outliers(x, 12).any()
    x[40] += 80
    assert np.flatnonzero(flag_outliers(x, 12)).tolist() == [40]


def test_mostly_zero_counts_are_left_alone():
    x = np.zeros(50)
    x[[5, 20, 33]] = [3.0, 1.0, 7.0]
    assert not flag_outliers(x, 7).any()


def test_fill_gaps_interpolates_and_carries_the_ends():
    np.testing.assert_allclose(fill_gaps(np.array([1.0, np.nan, 3.0, np.nan])), [1.0, 2.0, 3.0, 3.0])
    x = np.array([1.0, 2.0])
    assert fill_gaps(x) is x


def test_scores_of_gappy_actuals_skip_the_gaps():
    from forecasting.backtest import _score

    actual = np.array([1.0, np.nan, 3.0])
    assert _score(actual, np.array([1.0, 100.0, 3.0]), 1.0) == {"mase": 0.0, "smape": 0.0}


def test_series_shorter_than_a_backtest_use_naive():
    from forecasting import forecast

    y = pd.Series([3.0, 5.0, 4.0, 6.0, 5.0], index=pd.date_range("2019-01-01", periods=5, freq="YS"))
    result = forecast(y, 2)
    assert result.attrs["model"] == "naive" and result.attrs["scores"] == {}
