"""The indicator page built from a real demo store (SQLite and PostgreSQL)."""

from io import BytesIO

import pandas as pd
import pytest

import app as app_module  # creates the Dash app, which registers the pages
from indicators.store import db
from indicators.views.queries import indicators, latest_snapshot, series
from pages._indicator_parts import alerts_card_body, change_table
from pages.indicator import build_indicator, export_data, fill_indicator
from tests.helpers import request_context, text_of


def _monthly_city_indicator() -> dict:
    snapshot = latest_snapshot("350200")
    row = snapshot[(snapshot["frequency"] == "monthly") & (snapshot["unit"] != "%")].iloc[0]
    return row.to_dict()


def test_page_shows_name_explanation_districts_and_metadata(use_demo_store):
    row = _monthly_city_indicator()
    definition = indicators().set_index("code").loc[row["code"], "definition"]
    text = text_of(build_indicator(row["code"], "xiamen", "zh", None))
    assert row["name_zh"] in text and row["department"] in text and definition in text
    assert "厦门市" in text and "思明区" in text  # area choice
    assert "阈值" in text or "预警" in text
    english = text_of(build_indicator(row["code"], "xiamen", "en", "350203"))
    assert row["name_en"] in english and "Siming" in english and "History and forecast · Siming" in english


def test_the_alerts_card_says_why_a_seasonal_value_raised_none_and_lists_handled_ones():
    none = pd.DataFrame(columns=["level", "sentence_zh", "sentence_en"])
    handled = pd.DataFrame([{"level": "red", "sentence_zh": "厦门市 PM2.5 为 120(红色预警)", "sentence_en": "x"}])
    air = {"theme": "environment", "frequency": "monthly"}
    text = text_of(alerts_card_body(none, handled, air, "blue", "zh"))
    assert "当前无预警" in text and "按季节判断" in text and "近期已办结" in text and "PM2.5 为 120" in text
    economy = {"theme": "economy", "frequency": "monthly"}
    assert "按季节判断" not in text_of(alerts_card_body(none, none, economy, "blue", "zh"))  # not judged by season
    assert "按季节判断" not in text_of(alerts_card_body(none, none, air, "normal", "zh"))  # nothing to explain
    assert "judged by season" in text_of(alerts_card_body(none, none, air, "yellow", "en"))


def test_unknown_indicator_and_area(use_demo_store):
    assert "未找到" in text_of(build_indicator("NO-SUCH-1", "xiamen", "zh", None))
    row = _monthly_city_indicator()
    # An area of another city falls back to the city itself.
    assert "历史走势与预测 · 厦门市" in text_of(build_indicator(row["code"], "xiamen", "zh", "350902"))


def test_change_table_compares_with_a_year_and_a_period_before(use_demo_store):
    row = _monthly_city_indicator()
    history = series(row["code"], "350200")
    meta = indicators().set_index("code").loc[row["code"]].to_dict() | {"code": row["code"]}
    table = change_table(history, meta, "zh")
    first = table.children[1].children[0].children
    newest, year_before = history["value"].iloc[-1], history["value"].iloc[-13]
    expected = (newest - year_before) / abs(year_before) * 100
    assert first[2].children == f"{expected:+.1f}%"
    assert len(first) == 4
    yearly = {**meta, "frequency": "yearly"}
    assert len(change_table(history, yearly, "zh").children[1].children[0].children) == 3


def test_export_is_the_series(use_demo_store, monkeypatch):
    row = _monthly_city_indicator()
    monkeypatch.setattr("dash.ctx", type("Ctx", (), {"triggered_id": "indicator-export-xlsx"})())
    sent = export_data(None, 1, {"code": row["code"], "city": "xiamen", "lang": "zh", "area": None})
    assert sent["filename"].startswith(f"{row['code']}-350200-") and sent["filename"].endswith(".xlsx")
    import base64

    table = pd.read_excel(BytesIO(base64.b64decode(sent["content"])))
    history = series(row["code"], "350200")
    actual = table[table["kind"] == "实际值"]
    assert len(actual) == len(history)
    assert actual["value"].iloc[-1] == pytest.approx(history["value"].iloc[-1])


def test_store_down_is_a_clear_message():
    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")
    with request_context(app_module.app.server, "/"):
        out = text_of(fill_indicator({"code": "ECO-GDP-001", "city": "xiamen", "lang": "en", "area": None}))
    assert "Data temporarily unavailable" in out


@pytest.mark.parametrize("lang,hour", [("zh", "6月29日23时"), ("en", "29 Jun 2025 23:00")])
def test_an_hourly_indicator_shows_its_hours(use_demo_store, lang, hour):
    from dash import dcc

    from pages.indicator import HOURLY_CHART_HOURS

    content = build_indicator("ENV-AIR-101", "xiamen", lang, "350203")
    text = text_of(content)
    assert hour in text  # the change table's newest row is the last demo hour
    assert "ENV-AIR-001" in text  # the daily indicator whose forecast stands for the hours'
    from indicators.views.queries import explain_level

    assert explain_level("ENV-AIR-101", "350203", lang).startswith(hour if lang == "zh" else "")
    assert hour in explain_level("ENV-AIR-101", "350203", lang)
    assert not {"无量纲", "index"} & set(explain_level("ENV-AIR-101", "350203", lang).split())  # an AQI has no unit
    graphs = [c for c in _walk(content) if isinstance(c, dcc.Graph) and "history-graph" in (c.className or "")]
    figure = graphs[0].figure
    assert len(figure.data[-1].x) == HOURLY_CHART_HOURS
    assert pd.Timestamp(figure.layout.xaxis.range[0]) == pd.Timestamp("2025-06-28 00:00")


def _walk(component):
    if isinstance(component, (list, tuple)):
        for child in component:
            yield from _walk(child)
        return
    if component is None or isinstance(component, str):
        return
    yield component
    yield from _walk(getattr(component, "children", None))
