"""Figure builders: pure functions, checked on their traces and shapes."""

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.catalog.levels import Level
from pages._charts import (
    area_ranking_figure,
    history_figure,
    single_period_figure,
    threshold_bands,
)
from pages._tokens import LEVEL_COLOURS

ROOT = Path(__file__).resolve().parents[3]
UP = {"direction": "up", "blue": 90.0, "yellow": 80.0, "orange": 70.0, "red": 60.0, "unit": "%", "frequency": "monthly"}
DOWN = {"direction": "down", "blue": 35.0, "yellow": 75.0, "orange": 115.0, "red": 150.0, "unit": "μg/m³",
        "frequency": "daily"}


def test_level_colours_are_the_css_tokens():
    css = (ROOT / "assets" / "00-variables.css").read_text(encoding="utf-8")
    tokens = dict(re.findall(r"--level-(\w+):\s*(#[0-9a-f]{6})", css))
    assert tokens == LEVEL_COLOURS == {level.value: tokens[level.value] for level in Level}


def test_bands_run_from_each_threshold_towards_worse():
    bands = {b["level"]: (b["y0"], b["y1"]) for b in threshold_bands(UP, 40.0, 100.0)}
    assert bands == {"blue": (80.0, 90.0), "yellow": (70.0, 80.0), "orange": (60.0, 70.0), "red": (40.0, 60.0)}
    bands = {b["level"]: (b["y0"], b["y1"]) for b in threshold_bands(DOWN, 0.0, 300.0)}
    assert bands == {"blue": (35.0, 75.0), "yellow": (75.0, 115.0), "orange": (115.0, 150.0), "red": (150.0, 300.0)}
    # Zones outside the chart's range are left out, the others clipped to it.
    bands = {b["level"]: (b["y0"], b["y1"]) for b in threshold_bands(DOWN, 10.0, 100.0)}
    assert bands == {"blue": (35.0, 75.0), "yellow": (75.0, 100.0)}


def test_missing_levels_and_target_indicators():
    partial = {**UP, "blue": None, "orange": float("nan")}
    assert [b["level"] for b in threshold_bands(partial, 0.0, 100.0)] == ["yellow", "red"]
    assert threshold_bands({**UP, "direction": "target"}, 0.0, 100.0) == []


def _history(n=24, revised_at=(5,)):
    periods = [date(2023 + (i // 12), i % 12 + 1, 1) for i in range(n)]
    frame = pd.DataFrame({"period": periods, "value": np.linspace(85, 75, n), "revisions": 0, "first_value": np.nan})
    for i in revised_at:
        frame.loc[i, ["revisions", "first_value"]] = [1, 70.0]
    return frame


def _forecast(n=6):
    periods = [date(2025, i + 1, 1) for i in range(n)]
    yhat = np.full(n, 74.0)
    return pd.DataFrame({"period": periods, "yhat": yhat, "lower_80": yhat - 2, "upper_80": yhat + 2,
                         "lower_95": yhat - 4, "upper_95": yhat + 4})


def test_history_figure_has_fan_line_revisions_and_zones():
    figure = history_figure(_history(), _forecast(), UP, lang="zh")
    names = [trace.name for trace in figure.data]
    assert names == ["预测区间 95%", "预测区间 80%", "预测", "实际值", "已修订"]
    fan95 = figure.data[0]
    assert max(fan95.y) == 78.0 and min(fan95.y) == 70.0
    assert list(figure.data[4].customdata) == [70.0]
    zone_colours = {shape.fillcolor for shape in figure.layout.shapes if shape.type == "rect"}
    assert zone_colours == {LEVEL_COLOURS["blue"], LEVEL_COLOURS["yellow"], LEVEL_COLOURS["orange"]}


def test_history_figure_without_forecast_or_zones():
    figure = history_figure(_history(revised_at=()), _forecast().iloc[0:0], UP, lang="en", thresholds=False)
    assert [trace.name for trace in figure.data] == ["Actual"]
    assert not figure.layout.shapes
    assert [button.label for button in figure.layout.xaxis.rangeselector.buttons] == ["1Y", "3Y", "All"]


def test_a_year_to_date_line_restarts_each_year_and_its_single_months_are_bars():
    history = _history(revised_at=())
    history["value"] = [100.0 * ((i % 12) + 1) for i in range(24)]  # 1—N月 totals of two years
    history["period_value"] = 100.0
    meta = {**UP, "accumulation": "ytd", "frequency": "monthly", "jan_feb_merged": False}
    line = history_figure(history, _forecast().iloc[0:0], meta, lang="zh", thresholds=False).data[0]
    values = list(line.y)
    assert len(values) == 25 and np.isnan(values[12]) and values[11] == 1200.0 and values[13] == 100.0
    bars = single_period_figure(history, meta, lang="zh")
    assert list(bars.data[0].y) == [100.0] * 24 and bars.data[0].customdata[0] == "2023年1月"
    assert bars.layout.title.text == "当月值(近五年)"
    assert list(bars.layout.xaxis.ticktext) == ["2023年", "2024年"]  # years, not Plotly's English "Jan 2023"


def test_graphs_write_dates_in_the_pages_language():
    from pages._charts import graph_config

    chinese = graph_config("zh", {"displayModeBar": False})
    assert chinese["locale"] == "zh-CN" and chinese["locales"]["zh-CN"]["format"]["shortMonths"][0] == "1月"
    assert graph_config("en", {"displayModeBar": False}) == {"displayModeBar": False, "locale": "en"}
    history = _history(revised_at=())
    stops = history_figure(history, _forecast().iloc[0:0], UP, lang="zh", thresholds=False).layout.xaxis.tickformatstops
    assert [stop.value for stop in stops] == ["%-m月%-d日", "%Y年%-m月", "%Y年"]


def test_ranking_draws_districts_best_first_in_level_colours():
    values = pd.DataFrame({"adcode": ["350200", "350203", "350205"], "level": ["city", "district", "district"],
                           "name_zh": ["厦门市", "思明区", "海沧区"], "name_en": ["Xiamen", "Siming", "Haicang"],
                           "value": [30.0, 20.0, 10.0], "warning": ["normal", "red", "normal"]})
    figure = area_ranking_figure(values, {"unit": "亿元"}, lang="zh")
    bar = figure.data[0]
    assert list(bar.y) == ["思明区", "海沧区"]
    assert list(bar.marker.color) == [LEVEL_COLOURS["red"], LEVEL_COLOURS["normal"]]
    # The number on the bar, the unit once on the axis (a unit on every bar ran off a phone's chart).
    assert bar.text[0] == "20"
    assert figure.layout.xaxis.title.text == "亿元"


@pytest.mark.parametrize(("text", "expected"), [("空气质量", "kqzl"), ("PM2.5 日均浓度", "pm25rjnd")])
def test_pinyin_initials(text, expected):
    from indicators.catalog.search import initials

    assert initials(text) == expected


def test_export_csv_opens_in_excel_and_xlsx_round_trips():
    from io import BytesIO

    from pages._export import table_bytes

    frame = pd.DataFrame({"名称": ["空气质量"], "value": [1.5]})
    assert table_bytes(frame, "csv").startswith("\ufeff名称,value".encode("utf-8"))
    assert pd.read_excel(BytesIO(table_bytes(frame, "xlsx"))).equals(frame)
    with pytest.raises(ValueError, match="unknown export format"):
        table_bytes(frame, "pdf")


# --- issue 17: a forecast fan that reads as a forecast; issue 19: annotations on the chart ------------------

def _tokens():
    from pages._tokens import TOKENS

    return TOKENS


def test_the_fan_is_shaded_bands_in_the_design_palette_without_markers():
    forecast = _forecast()
    forecast.attrs["model"] = "mean(ets,arima)"
    figure = history_figure(_history(), forecast, UP, lang="zh")
    band95, band80, line = figure.data[0], figure.data[1], figure.data[2]
    forecast_colour = _tokens()["--chart-forecast"]
    red, green, blue = (int(forecast_colour[i:i + 2], 16) for i in (1, 3, 5))
    for band in (band95, band80):
        assert band.mode == "lines" and band.fill == "toself" and band.line.width == 0  # no dots at the edges
        assert band.fillcolor.startswith(f"rgba({red},{green},{blue},")
    # The narrower 80% band is drawn darker than the 95% one.
    assert float(band80.fillcolor.rsplit(",", 1)[1][:-1]) > float(band95.fillcolor.rsplit(",", 1)[1][:-1])
    assert line.mode == "lines" and line.line.color == forecast_colour and line.line.dash == "dash"


def test_the_forecast_leaves_from_the_last_actual_value():
    history = _history()
    figure = history_figure(history, _forecast(), UP, lang="zh")
    band95, line = figure.data[0], figure.data[2]
    last_period, last_value = history["period"].iloc[-1], history["value"].iloc[-1]
    assert line.x[0] == last_period and line.y[0] == pytest.approx(last_value)
    assert list(line.y[1:]) == [74.0] * 6
    # The band closes on the last actual too (upper edge out, lower edge back): zero width there.
    assert band95.x[0] == last_period == band95.x[-1]
    assert band95.y[0] == pytest.approx(last_value) == band95.y[-1]


def test_thresholds_are_labelled_lines():
    figure = history_figure(_history(), _forecast(), UP, lang="zh")
    # Values run 70–85: the yellow (80) and orange (70) thresholds are in the chart, blue (90) is not.
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert {shape.line.color for shape in lines} == {LEVEL_COLOURS["yellow"], LEVEL_COLOURS["orange"]}
    labels = {a.text: a.y for a in figure.layout.annotations if a.name == "threshold"}
    assert labels == {"黄色阈值 80": 80.0, "橙色阈值 70": 70.0}
    english = history_figure(_history(), _forecast(), UP, lang="en")
    assert {a.text for a in english.layout.annotations if a.name == "threshold"} == {"Yellow threshold 80",
                                                                                   "Orange threshold 70"}
    # Without thresholds (a district of a summed indicator) there are no threshold labels.
    bare = history_figure(_history(), _forecast(), UP, lang="zh", thresholds=False)
    assert not [a for a in bare.layout.annotations if a.name == "threshold"]


def test_the_model_is_named_in_words_with_an_explanation_on_hover():
    forecast = _forecast()
    forecast.attrs["model"] = "mean(ets,arima)"
    zh = history_figure(_history(), forecast, UP, lang="zh")
    model = next(a for a in zh.layout.annotations if a.name == "model")
    assert model.text == "预测方法:ETS 与 ARIMA 组合" and "mean(" not in model.text
    assert "等权平均" in model.hovertext and "80%" in model.hovertext
    assert "等权平均" in zh.data[2].hovertemplate
    en = history_figure(_history(), forecast, UP, lang="en")
    model = next(a for a in en.layout.annotations if a.name == "model")
    assert model.text == "Forecast: ETS + ARIMA ensemble" and "equal-weighted mean" in model.hovertext


def test_model_short_names():
    from forecasting.describe import model_short_name

    assert model_short_name("mean(ets,arima)", "zh") == "ETS 与 ARIMA 组合"
    assert model_short_name("mean(ets,arima)", "en") == "ETS + ARIMA ensemble"
    assert model_short_name("mean(comb,dotm,theta,ets)", "zh") == "ETS 与 Theta 组合"
    assert model_short_name("mean(ets,theta,arima)", "zh") == "ETS、Theta 与 ARIMA 组合"
    assert model_short_name("arima", "en") == "ARIMA model"
    assert model_short_name("unknown-model", "zh") == "unknown-model"


def test_annotations_are_lines_or_bands_with_their_titles():
    from indicators.views.annotations import ChartAnnotation

    events = [ChartAnnotation(date(2023, 8, 1), date(2023, 8, 20), "台风“杜苏芮”影响", "Typhoon Doksuri", "group"),
              ChartAnnotation(date(2024, 3, 1), None, "新统计口径启用", "", "operator")]
    figure = history_figure(_history(), _forecast(), UP, lang="zh", thresholds=False, annotations=events)
    drawn = [shape for shape in figure.layout.shapes if shape.name == "event"]
    assert [shape.type for shape in drawn] == ["rect", "line"]
    band, line = drawn
    assert str(band.x0).startswith("2023-08-01") and str(band.x1).startswith("2023-08-21")
    assert str(line.x0).startswith("2024-03-01") == str(line.x1).startswith("2024-03-01") is True
    assert band.yref == line.yref == "paper"
    titles = [(a.text, a.hovertext) for a in figure.layout.annotations if a.name == "event"]
    assert titles == [("台风“杜苏芮”影响", "台风“杜苏芮”影响"), ("新统计口径启用", "新统计口径启用")]
    # English titles, and the Chinese one where no English was given; labels of neighbours step down.
    english = history_figure(_history(), _forecast(), UP, lang="en", thresholds=False, annotations=events)
    labels = [a for a in english.layout.annotations if a.name == "event"]
    assert [a.text for a in labels] == ["Typhoon Doksuri", "新统计口径启用"] and labels[0].y > labels[1].y
    long = ChartAnnotation(date(2024, 1, 1), None, "一" * 40, "", "operator")
    cut = next(a for a in history_figure(_history(), _forecast(), UP, lang="zh", annotations=[long]).layout.annotations
               if a.name == "event")
    assert cut.text.endswith("…") and len(cut.text) == 16 and cut.hovertext == "一" * 40


def test_a_year_to_date_forecast_joins_the_actual_line_only_within_a_year():
    history = _history(revised_at=())  # 2023-01 … 2024-12
    meta = {**UP, "accumulation": "ytd"}
    next_year = history_figure(history, _forecast(), meta, lang="zh", thresholds=False).data[2]
    assert pd.Timestamp(next_year.x[0]) == pd.Timestamp(2025, 1, 1) and len(next_year.x) == 6  # no fall from December's total
    within = history.iloc[:-1]  # ends in November: December's forecast continues the year
    joined = history_figure(within, _forecast().assign(period=[date(2024, 12, 1)] + [date(2025, i, 1) for i in range(1, 6)]),
                            meta, lang="zh", thresholds=False).data[2]
    # Joined at November's total; December's forecast follows, then a gap before the new year (7 points + 1 gap).
    assert pd.Timestamp(joined.x[0]) == pd.Timestamp(2024, 11, 1) and len(joined.x) == 8


def test_a_year_to_date_forecast_line_restarts_at_each_new_year():
    history = _history(revised_at=()).iloc[:-1]  # ends November 2024
    forecast = _forecast().assign(period=[date(2024, 12, 1)] + [date(2025, i, 1) for i in range(1, 6)])
    line = history_figure(history, forecast, {**UP, "accumulation": "ytd"}, lang="zh", thresholds=False).data[2]
    values = list(line.y)
    assert len(values) == 8 and np.isnan(values[2]) and values[1] == 74.0 and values[3] == 74.0


@pytest.mark.parametrize("lang,tick,button", [("zh", "%H时", "近48小时"), ("en", "%H:00", "48h")])
def test_an_hourly_indicator_shows_its_last_48_hours_with_hour_ticks(lang, tick, button):
    hours = pd.date_range("2025-06-24 00:00", periods=7 * 24, freq="h")
    history = pd.DataFrame({"period": hours, "value": 40 + 20 * np.sin(np.arange(len(hours)) / 24 * 2 * np.pi),
                            "revisions": 0, "first_value": np.nan, "period_value": np.nan})
    meta = {**DOWN, "frequency": "hourly", "blue": 100.0, "yellow": 150.0, "orange": 200.0, "red": 300.0}
    figure = history_figure(history, pd.DataFrame(), meta, lang=lang)
    axis = figure.layout.xaxis
    assert [pd.Timestamp(x) for x in axis.range] == [pd.Timestamp("2025-06-29 00:00"), pd.Timestamp("2025-06-30 23:30")]
    assert axis.tickformat.startswith(tick) and axis.dtick == 6 * 3600 * 1000
    assert button in [b.label for b in axis.rangeselector.buttons]
    assert len(figure.data[0].x) == 7 * 24


def test_a_daily_chart_keeps_its_date_axis():
    history = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=30).date, "value": range(30),
                            "revisions": 0, "first_value": np.nan})
    assert history_figure(history, pd.DataFrame(), DOWN, lang="zh").layout.xaxis.tickformat is None


def test_change_table_says_the_unit_once_in_its_headings():
    from pages._indicator_parts import change_table

    periods = pd.date_range("2024-03-01", periods=8, freq="QS-MAR")
    history = pd.DataFrame({"period": periods, "value": [float(100 * (i % 4 + 1)) for i in range(8)],
                            "period_value": [100.0 + i for i in range(8)]})
    meta = {"frequency": "quarterly", "unit": "亿元", "accumulation": "ytd"}
    table = change_table(history, meta, "en")
    headings = [th.children for th in table.children[0].children.children]
    assert headings == ["Period", "Year to date (100M yuan)", "YTD YoY", "Quarter (100M yuan)", "Quarter YoY"]
    first = [td.children for td in table.children[1].children[0].children]
    assert first[1] == "400" and first[3] == "107"  # a phone's five columns fit: no unit in the cells
    assert [th.children for th in change_table(history, meta, "zh").children[0].children.children][1] == "累计值(亿元)"
