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
    assert bars.layout.title.text == "当月"


def test_ranking_draws_districts_best_first_in_level_colours():
    values = pd.DataFrame({"adcode": ["350200", "350203", "350205"], "level": ["city", "district", "district"],
                           "name_zh": ["厦门市", "思明区", "海沧区"], "name_en": ["Xiamen", "Siming", "Haicang"],
                           "value": [30.0, 20.0, 10.0], "warning": ["normal", "red", "normal"]})
    bar = area_ranking_figure(values, {"unit": "亿元"}, lang="zh").data[0]
    assert list(bar.y) == ["思明区", "海沧区"]
    assert list(bar.marker.color) == [LEVEL_COLOURS["red"], LEVEL_COLOURS["normal"]]
    assert bar.text[0] == "20 亿元"


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
