"""Warning rules on hand-made series: each fires exactly when it should, with a clear sentence."""

from datetime import date

import pytest

from indicators.rules import RULES, SeriesState, evaluate


def state(values, *, direction="down", thresholds=(75, 115, 150, 250), frequency="daily", start=date(2024, 3, 1),
          **extra) -> SeriesState:
    from indicators.periods import shift

    recent = tuple((shift(start, frequency, i), v) for i, v in enumerate(values))
    fields = dict(code="ENV-AIR-002", name_zh="PM2.5日均浓度", name_en="PM2.5 daily mean", unit="μg/m³",
                  frequency=frequency, direction=direction, department="市生态环境局",
                  department_en="Municipal Ecology and Environment Bureau", thresholds=thresholds, target=None,
                  area_adcode="350203", area_zh="思明区", area_en="Siming District", recent=recent)
    return SeriesState(**{**fields, **extra})


def fired(s: SeriesState) -> dict[str, str]:
    return {f.rule: f.level for f in evaluate(s)}


def test_rules_are_registered():
    assert set(RULES) == {"threshold", "change", "forecast", "anomaly", "stale"}


def test_normal_series_fires_nothing():
    assert fired(state([30, 32, 31, 29, 30, 31])) == {}


def test_threshold_with_consecutive_run_sentence():
    findings = {f.rule: f for f in evaluate(state([30, 31, 120, 160, 155, 152]))}
    assert findings["threshold"].level == "orange"
    assert findings["threshold"].sentence_zh == (
        "思明区 PM2.5日均浓度 连续3日高于 150 μg/m³(橙色预警),责任单位:市生态环境局")
    assert "for 3 days in a row" in findings["threshold"].sentence_en
    assert "Municipal Ecology and Environment Bureau" in findings["threshold"].sentence_en


def test_up_direction_threshold_and_mom_drop():
    s = state([92, 93, 92, 91, 92, 78], direction="up", thresholds=(85, 80, 75, 70), frequency="monthly")
    result = fired(s)
    assert result["threshold"] == "yellow"
    assert "change" not in result  # -15% month on month is below the 30% rule


def monthly_count(values, **extra) -> SeriesState:
    return state(values, thresholds=(None,) * 4, frequency="monthly", unit="件", **extra)


def test_change_rule_month_on_month_and_consecutive():
    assert fired(monthly_count([40, 41, 40, 42, 40, 56])) == {"change": "yellow"}  # +40%
    assert fired(monthly_count([40, 41, 40, 42, 40, 70])) == {"change": "orange"}  # +75%
    assert fired(monthly_count([30, 31, 33, 36, 40, 44])) == {"change": "blue"}
    assert fired(monthly_count([40, 41, 40, 42, 40, 20])) == {}  # better, not worse


def test_change_rule_leaves_daily_series_and_rates_alone():
    assert fired(state([40, 41, 40, 42, 40, 70], thresholds=(None,) * 4)) == {}
    assert fired(state([4.0, 4.1, 4.0, 4.2, 4.0, 7.0], thresholds=(None,) * 4, frequency="monthly", unit="%")) == {}


def test_stale_rule_levels():
    assert fired(state([30] * 6, overdue=1)) == {"stale": "blue"}
    assert fired(state([30] * 6, overdue=4)) == {"stale": "orange"}
    assert fired(state([30] * 6, overdue=0)) == {}


def test_forecast_early_warning_gives_period_and_chance():
    forecast = ((date(2024, 3, 7), 60.0, 50.0, 70.0, 53.0, 67.0),
                (date(2024, 3, 8), 90.0, 80.0, 100.0, 83.0, 97.0))
    findings = {f.rule: f for f in evaluate(state([30, 35, 40, 45, 50, 55], forecast=forecast))}
    early = findings["forecast"]
    assert early.level == "blue" and early.period == date(2024, 3, 8)
    assert early.details["chance"] > 0.99
    assert "3月8日" in early.sentence_zh


def test_forecast_ignores_unlikely_crossings():
    forecast = ((date(2024, 3, 7), 60.0, 20.0, 100.0, 35.0, 85.0),)
    assert "forecast" not in fired(state([30, 35, 40, 45, 50, 55], forecast=forecast))


def test_anomaly_outside_the_backtest_band_on_the_bad_side():
    assert fired(state([30, 31, 30, 29, 30, 60], thresholds=(None,) * 4, band=(20.0, 40.0)))["anomaly"] == "yellow"
    assert "anomaly" not in fired(state([30, 31, 30, 29, 30, 35], thresholds=(None,) * 4, band=(20.0, 40.0)))
    assert "anomaly" not in fired(state([30, 31, 30, 29, 30, 5], thresholds=(None,) * 4, band=(20.0, 40.0)))
    neutral = state([30, 31, 30, 29, 30, 5], direction="neutral", thresholds=(None,) * 4, band=(20.0, 40.0))
    assert fired(neutral)["anomaly"] == "yellow"


@pytest.mark.parametrize("value, level", [(3.2, None), (3.9, "yellow"), (5.5, "red")])
def test_target_direction(value, level):
    s = state([3.0] * 5 + [value], direction="target", thresholds=(0.5, 0.8, 1.5, 2.0), frequency="monthly",
              target=3.0)
    assert fired(s).get("threshold") == level
