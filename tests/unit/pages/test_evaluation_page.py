"""The evaluation (考核) page's builders without a browser or a store: the ranking in the data-quality ranking's style,
columns without data left out, the trend in the design palette, the export's headers and the period choices."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from pages._export import table_bytes
from tests.helpers import find_components, text_of


@pytest.fixture(scope="module")
def parts(dash_app):
    from pages import _evaluation_parts

    return _evaluation_parts


def _ranking(median_resolve=(4.5, float("nan"))) -> pd.DataFrame:
    return pd.DataFrame({
        "rank": [1, 2], "department": ["市生态环境局", "市信访局"], "received": [4, 2],
        "acknowledged_on_time": [3, 0], "resolved_on_time": [2, 0], "overdue": [1, 2], "reopened": [0, 1],
        "median_ack_minutes": [12.0, float("nan")], "median_resolve_hours": list(median_resolve),
        "on_time_rate": [62.5, 0.0]})


def test_the_ranking_is_drawn_as_the_data_quality_ranking(parts):
    table = parts.ranking_table(_ranking(), "zh")
    assert table.className == "data-table quality-ranking evaluation-ranking"
    heads = [th["props"]["children"] for th in find_components(table, "Th")]
    assert heads[:3] == ["排名", "部门", "收到预警"] and heads[-1] == "按时处置率 %" and len(heads) == 10
    scores = find_components(table, "Td", className="num quality-score")
    assert [(c["props"]["children"], c["props"]["style"]["--score"]) for c in scores] == [("62.5", "62%"),
                                                                                         ("0", "0%")]
    assert "市信访局" in text_of(table) and "—" in text_of(table)  # a median one department lacks is a dash
    english = text_of(parts.ranking_table(_ranking(), "en"))
    assert "Municipal Ecology and Environment Bureau" in english and "Median hours to resolve" in english


def test_a_median_no_department_has_is_not_an_empty_column(parts):
    ranking = _ranking(median_resolve=(float("nan"), float("nan")))
    assert "median_resolve_hours" not in parts.shown_columns(ranking)
    assert "median_ack_minutes" in parts.shown_columns(ranking)
    heads = [th["props"]["children"] for th in find_components(parts.ranking_table(ranking, "zh"), "Th")]
    assert "办结用时中位数(小时)" not in heads and len(heads) == 9
    cells = find_components(parts.ranking_table(ranking, "zh"), "Tr")[1]["props"]["children"]
    assert len(cells) == 9


def test_the_trend_follows_the_ranking_in_the_design_palette(parts):
    trend = pd.DataFrame({"department": ["市信访局", "市生态环境局", "市生态环境局"],
                          "month": ["2025-05", "2025-06", "2025-05"], "received": [2, 1, 3],
                          "on_time_rate": [0.0, 100.0, 50.0]})
    figure = parts.trend_figure(trend, "en", ["市生态环境局", "市信访局"])
    assert [trace.name for trace in figure.data] == ["Municipal Ecology and Environment Bureau",
                                                     "Municipal Bureau of Letters and Calls (Petitions)"]
    assert [trace.line.color for trace in figure.data] == list(parts.SERIES[:2])
    assert list(figure.data[0].x) == ["2025-05", "2025-06"] and list(figure.data[0].y) == [50.0, 100.0]
    assert list(figure.data[0].customdata) == [3, 1] and "Received" in figure.data[0].hovertemplate
    assert parts.SERIES[0].startswith("#") and len(set(parts.SERIES)) == len(parts.SERIES)


def test_the_export_has_headers_in_the_language_and_numbers_as_numbers(parts):
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(parts.export_table(_ranking(), "en"), "xlsx",
                                                          sheet="Evaluation"))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Rank", "Department", "Received") and rows[0][-1] == "On time %"
    assert rows[1][:3] == (1, "Municipal Ecology and Environment Bureau", 4) and rows[1][-1] == 62.5


def test_the_period_choices_and_their_days(parts):
    today = date(2025, 6, 30)
    values = [o["value"] for o in parts.period_options(today, "zh")]
    assert values[:3] == ["30d", "2025-06", "2025-05"] and values[-2:] == ["2025", "2024"] and len(values) == 15
    assert parts.period_of("2025-02", today) == (date(2025, 2, 1), date(2025, 2, 28))
    assert parts.period_of("2024", today) == (date(2024, 1, 1), date(2024, 12, 31))
    assert parts.period_of("bogus", today) == (date(2025, 6, 1), today)
