"""Warning rules on hand-made series: each fires exactly when it should, with a clear sentence."""

from datetime import date

import pytest

from indicators.warnings.rules import RULES, SeriesState, evaluate


def state(values, *, direction="down", thresholds=(75, 115, 150, 250), frequency="daily", start=date(2024, 3, 1),
          **extra) -> SeriesState:
    from indicators.catalog.periods import shift

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
    assert fired(monthly_count([400, 410, 400, 420, 400, 560])) == {"change": "yellow"}  # +40%
    assert fired(monthly_count([400, 410, 400, 420, 400, 700])) == {"change": "orange"}  # +75%
    assert fired(monthly_count([300, 310, 330, 360, 400, 440])) == {"change": "blue"}
    assert fired(monthly_count([400, 410, 400, 420, 400, 200])) == {}  # better, not worse


def test_change_of_a_small_count_is_noise():
    # 40 -> 56 is +40%, but within four Poisson sds of 40; 2 -> 8 is "+300%" of a handful.
    assert fired(monthly_count([40, 41, 40, 42, 40, 56])) == {}
    assert fired(monthly_count([2, 3, 2, 1, 2, 8])) == {}
    assert fired(monthly_count([30, 31, 33, 36, 40, 44])) == {}


def test_month_on_month_jump_that_a_year_ago_had_too_is_the_season():
    november = monthly_count([400, 410, 400, 420, 400, 560], yoy_value=530.0)  # +6% on the same month last year
    assert fired(november) == {}
    worse_than_last_year = monthly_count([400, 410, 400, 420, 400, 560], yoy_value=400.0)
    assert fired(worse_than_last_year) == {"change": "yellow"}


def test_a_lumpy_series_needs_a_bigger_jump():
    lumpy = state([100.0, 180.0, 90.0, 170.0, 100.0, 160.0], thresholds=(None,) * 4, frequency="monthly", unit="亿元")
    assert fired(lumpy) == {}  # +60% is its usual month


def test_year_to_date_series_judged_on_cumulative_growth_only():
    # A cumulative series restarts every January: the drop from December to 1—2月 is no warning ...
    sawtooth = state([900.0, 1000.0, 1100.0, 1200.0, 1300.0, 200.0], direction="up", thresholds=(None,) * 4,
                     frequency="monthly", unit="亿元", accumulation="ytd", yoy_value=195.0)
    assert fired(sawtooth) == {}
    # ... a cumulative value a fifth below last year's is.
    falling = state([100.0, 210.0, 330.0, 440.0, 560.0, 650.0], direction="up", thresholds=(None,) * 4,
                    frequency="monthly", unit="亿元", accumulation="ytd", yoy_value=820.0)
    finding = evaluate(falling)[0]
    assert (finding.rule, finding.level) == ("change", "yellow")
    assert "累计同比下降 20.7%" in finding.sentence_zh and "year-to-date, year-on-year" in finding.sentence_en


def test_weather_and_air_within_their_season_raise_no_threshold_warning():
    winter_haze = state([80, 90, 95, 100, 110, 120], theme="environment", season_range=(30.0, 130.0))
    assert fired(winter_haze) == {}
    beyond = state([80, 90, 95, 100, 110, 160], theme="environment", season_range=(30.0, 130.0))
    assert fired(beyond)["threshold"] == "orange"
    not_environment = state([80, 90, 95, 100, 110, 120], theme="governance", season_range=(30.0, 130.0))
    assert fired(not_environment)["threshold"] == "yellow"


def test_a_threshold_warning_makes_the_change_warning_redundant():
    both = state([400, 410, 400, 420, 400, 700], thresholds=(500, 600, 650, 800), frequency="monthly", unit="件")
    assert fired(both) == {"threshold": "orange"}


def test_sentences_read_well():
    finding = {f.rule: f for f in evaluate(state([30, 31, 120, 160, 155, 12090], frequency="daily"))}["threshold"]
    assert "12,090 μg/m³ on 6 Mar 2024" in finding.sentence_en and "e+" not in finding.sentence_en
    monthly = {f.rule: f for f in evaluate(state([92, 93, 92, 91, 92, 78.456], direction="up",
                                                 thresholds=(85, 80, 75, 70), frequency="monthly"))}["threshold"]
    assert "was 78.5 μg/m³ in Mar 2024" not in monthly.sentence_en  # the sixth month is August
    assert "78.5" in monthly.sentence_en and "in Aug 2024" in monthly.sentence_en


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


def test_anomaly_outside_the_backtest_band_on_the_bad_side_is_a_notice():
    assert fired(state([30, 31, 30, 29, 30, 60], thresholds=(None,) * 4, band=(20.0, 40.0)))["anomaly"] == "blue"
    assert "anomaly" not in fired(state([30, 31, 30, 29, 30, 35], thresholds=(None,) * 4, band=(20.0, 40.0)))
    assert "anomaly" not in fired(state([30, 31, 30, 29, 30, 5], thresholds=(None,) * 4, band=(20.0, 40.0)))
    neutral = state([30, 31, 30, 29, 30, 5], direction="neutral", thresholds=(None,) * 4, band=(20.0, 40.0))
    assert fired(neutral)["anomaly"] == "blue"
    # A sliver outside its band (0.08 of a 20-wide band) is within the model's own uncertainty.
    assert "anomaly" not in fired(state([30, 31, 30, 29, 30, 41.6], thresholds=(None,) * 4, band=(20.0, 40.0)))


@pytest.mark.parametrize("value, level", [(3.2, None), (3.9, "yellow"), (5.5, "red")])
def test_target_direction(value, level):
    s = state([3.0] * 5 + [value], direction="target", thresholds=(0.5, 0.8, 1.5, 2.0), frequency="monthly",
              target=3.0)
    assert fired(s).get("threshold") == level


def test_an_hourly_aqi_above_200_in_the_last_hour_raises_an_orange_warning_naming_the_hour():
    from datetime import datetime, timedelta

    hours = tuple((datetime(2025, 6, 30, 10) + timedelta(hours=i), v) for i, v in enumerate([80, 95, 150, 210]))
    finding = {f.rule: f for f in evaluate(state([], frequency="hourly", thresholds=(100, 150, 200, 300),
                                                 recent=hours, name_zh="小时AQI", name_en="Hourly AQI", unit="无量纲"))}
    assert finding["threshold"].level == "orange" and finding["threshold"].period == datetime(2025, 6, 30, 13)
    assert "6月30日13时为 210" in finding["threshold"].sentence_zh
    assert "at 30 Jun 2025 13:00" in finding["threshold"].sentence_en
    assert fired(state([], frequency="hourly", thresholds=(100, 150, 200, 300), recent=hours[:2])) == {}  # 95: good (良)
