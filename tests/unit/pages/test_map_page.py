"""The map page without a browser: quantile breaks, hideout, legend, slider marks, panel, its
queries on the demo store, and its callbacks (which never send the geometry again)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from dash import html

from indicators.store import db
from tests.helpers import request_context, run_callback, text_of

CODE = "ECO-IND-002"  # monthly, thresholds that apply to districts, data in every district
SUMMED = "ECO-CON-001"  # monthly, summed: its thresholds are for the city total


@pytest.fixture(scope="module")
def page(dash_app):
    # Pages register themselves with the app, so they import only once it exists.
    from pages import map as page

    return page


@pytest.fixture(scope="module")
def parts(dash_app):
    from pages import _map_parts as parts

    return parts


@pytest.fixture(scope="module")
def view():
    from indicators.views import map as view

    return view


ROWS = pd.DataFrame([
    {"adcode": "350203", "period": date(2025, 5, 1), "value": 12345.0, "warning": "red"},
    {"adcode": "350205", "period": date(2025, 5, 1), "value": 3.5, "warning": "normal"},
    {"adcode": "350206", "period": date(2025, 5, 1), "value": math.nan, "warning": "nodata"},
])
DISTRICTS = [("350203", "思明区"), ("350205", "海沧区"), ("350206", "湖里区"), ("350211", "集美区")]


# --- quantiles --------------------------------------------------------------------------------

def test_quintile_breaks_split_the_values_in_five_equal_shares(page, parts, view):
    breaks = view.quantile_breaks(range(1, 11))
    assert breaks == pytest.approx([2.8, 4.6, 6.4, 8.2])
    classes = [view.quantile_class(v, breaks) for v in range(1, 11)]
    assert classes == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_quantile_breaks_ignore_missing_values_and_collapse_ties(page, parts, view):
    assert view.quantile_breaks([None, math.nan, 5.0, 5.0]) == []
    assert view.quantile_breaks([]) == []
    breaks = view.quantile_breaks([1, 1, 1, 1, 1, 1, 1, 1, 2, 3])
    assert breaks == sorted(set(breaks)) and all(b < 3 for b in breaks)
    assert view.quantile_class(3, breaks) == len(breaks)  # the maximum falls in the top class
    assert view.quantile_class(1, breaks) == 0


def test_fewer_classes_spread_over_the_palette(page, parts, view):
    assert parts.quantile_colours(5) == list(parts.QUANTILE_COLOURS)
    three = parts.quantile_colours(3)
    assert three[0] == parts.QUANTILE_COLOURS[0] and three[-1] == parts.QUANTILE_COLOURS[-1] and len(set(three)) == 3


# --- hideout and legend -------------------------------------------------------------------------

def test_hideout_colours_by_level_and_labels_every_district(page, parts, view):
    from pages._tokens import LEVEL_COLOURS

    hideout = parts.map_hideout(ROWS, DISTRICTS, unit="亿元", frequency="monthly", mode="level", breaks=[], lang="zh",
                               selected="350205")
    assert hideout["colours"] == {"350203": LEVEL_COLOURS["red"], "350205": LEVEL_COLOURS["normal"],
                                  "350206": LEVEL_COLOURS["nodata"], "350211": LEVEL_COLOURS["nodata"]}
    assert hideout["labels"]["350203"] == ["思明区", "1.23万 亿元", "等级: 红色", "截至 2025年5月"]
    assert hideout["labels"]["350211"] == ["集美区", "暂无数据"]  # no row at all
    assert hideout["selected"] == "350205"


def test_hideout_by_quantile_uses_the_class_colours_and_speaks_english(page, parts, view):
    breaks = [10.0]
    hideout = parts.map_hideout(ROWS, DISTRICTS, unit="亿元", frequency="monthly", mode="quantile", breaks=breaks,
                               lang="en")
    low, high = parts.quantile_colours(2)
    assert hideout["colours"]["350205"] == low and hideout["colours"]["350203"] == high
    assert hideout["labels"]["350203"][1].endswith("100 million yuan") or "yuan" in hideout["labels"]["350203"][1]
    assert hideout["labels"]["350203"][2] == "Level: Red" and hideout["labels"]["350203"][3].startswith("as of")


def test_legend_lists_the_levels_or_the_quantile_ranges(page, parts, view):
    levels = parts.legend("level", [], "zh")
    assert [item.children[1].children for item in levels.children[1].children] == \
        ["正常", "蓝色", "黄色", "橙色", "红色", "无数据"]
    quantiles = parts.legend("quantile", [2.8, 4.6], "en", unit="%")
    texts = [item.children[1].children for item in quantiles.children[1].children]
    assert texts == ["≤ 2.8", "2.8 – 4.6", "> 4.6", "No data"]
    assert quantiles.children[0].children == "Legend (%)"


def test_slider_marks_include_the_first_and_newest_period(page, parts, view):
    months = [date(2019 + i // 12, i % 12 + 1, 1) for i in range(77)]
    marks = parts.slider_marks(months, "monthly")
    assert len(marks) == 5 and marks[0] == "2019-01" and marks[76] == "2025-05"
    assert parts.slider_marks([date(2024, 1, 1), date(2024, 4, 1)], "quarterly") == {0: "2024Q1", 1: "2024Q2"}
    assert parts.slider_marks([], "monthly") == {}


def test_picker_finds_indicators_by_pinyin_initials_and_default_has_levels(page, parts, view):
    catalog = pd.DataFrame([
        {"code": "ECO-CON-001", "name_zh": "社会消费品零售总额", "name_en": "Retail sales", "headline": True,
         "blue": None, "aggregation": "sum", "direction": "up", "frequency": "monthly"},
        {"code": "ENV-AIR-010", "name_zh": "细颗粒物平均浓度", "name_en": "PM2.5", "headline": True,
         "blue": 35.0, "aggregation": "mean", "direction": "down", "frequency": "monthly"},
        {"code": "GOV-X", "name_zh": "无区县", "name_en": "No districts", "headline": True,
         "blue": 1.0, "aggregation": "mean", "direction": "down", "frequency": "monthly"},
    ])
    options = parts.indicator_options(catalog, ["ECO-CON-001", "ENV-AIR-010"], "zh")
    assert [o["value"] for o in options] == ["ECO-CON-001", "ENV-AIR-010"]
    assert "shxfplsze" in options[0]["search"] and options[1]["label"] == "细颗粒物平均浓度 · ENV-AIR-010"
    assert view.default_code(catalog, ["ECO-CON-001", "ENV-AIR-010"]) == "ENV-AIR-010"
    assert view.default_code(catalog, ["ECO-CON-001"]) == "ECO-CON-001"
    assert view.default_code(catalog, []) is None


def test_panel_links_to_the_area_page_and_lists_alerts(page, parts, view):
    headlines = pd.DataFrame([{"code": "ENV-AIR-010", "name_zh": "细颗粒物", "name_en": "PM2.5", "value": 41.0,
                               "unit": "μg/m³", "level": "yellow"}])
    alerts = pd.DataFrame([{"level": "red", "sentence_zh": f"第{i}条", "sentence_en": f"No {i}"} for i in range(7)])
    panel = parts.district_panel(adcode="350203", name="思明区", city_key="xiamen", lang="zh",
                                current={"name": "细颗粒物", "value": "41", "unit": "μg/m³", "warning": "yellow",
                                         "period": "2025年5月"},
                                headlines=headlines, open_alerts=alerts)
    text = text_of(panel)
    assert '"/area/350203?city=xiamen&lang=zh"' in text
    assert '"/indicator/ENV-AIR-010?city=xiamen&lang=zh&area=350203"' in text
    assert "未结预警 (7)" in text and "另有 2 条" in text and "第4条" in text and "第5条" not in text
    empty = text_of(parts.district_panel(adcode="350203", name="思明区", city_key="xiamen", lang="en", current=None,
                                        headlines=headlines.iloc[0:0], open_alerts=alerts.iloc[0:0]))
    assert "No open alerts in this district." in empty and "lang=en" in empty


# --- queries on the demo store -------------------------------------------------------------------

def test_district_history_agrees_with_the_latest_area_values(use_demo_store, uncached):
    from indicators.views.map_queries import district_history, district_indicators
    from indicators.views.queries import area_values

    codes = district_indicators("xiamen")
    assert CODE in codes and SUMMED in codes and codes == sorted(codes)
    history = district_history(CODE, "xiamen")
    assert list(history.columns) == ["adcode", "name_zh", "name_en", "period", "value", "warning"]
    assert history["period"].nunique() > 24 and history["adcode"].nunique() == 6
    newest = history[history["period"] == history["period"].max()].set_index("adcode")["warning"]
    latest = area_values(CODE, "xiamen")
    latest = latest[latest["level"] == "district"].set_index("adcode")["warning"]
    assert newest.reindex(latest.index).tolist() == latest.tolist()
    # Summed indicators have no district thresholds: every district is normal.
    assert set(district_history(SUMMED, "xiamen")["warning"]) == {"normal"}
    assert district_history("NO-SUCH-CODE", "xiamen").empty


# --- callbacks ------------------------------------------------------------------------------------

def _outputs(key: str) -> list[str]:
    """The "id.property" outputs named by a callback key ("..a.x...b.y.." or "a.x", "@hash" dropped)."""
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    return [part.split("@")[0] for part in parts]


def test_no_callback_of_the_page_sends_the_geometry(dash_app, page):
    from dash._callback import GLOBAL_CALLBACK_MAP

    callbacks = {**GLOBAL_CALLBACK_MAP, **dash_app.callback_map}
    outputs = {out: key for key in callbacks for out in _outputs(key)}
    assert "map-areas.hideout" in outputs and "map-panel.children" in outputs and "map-slider.value" in outputs
    assert not [out for out in outputs if out.startswith("map-areas.") and out != "map-areas.hideout"]
    inputs = [i["id"] + "." + i["property"] for i in callbacks[outputs["map-areas.hideout"]]["inputs"]]
    assert inputs == ["map-code.value", "map-mode.data", "map-slider.value", "map-area.data"]


def test_changing_the_period_recolours_through_the_hideout_only(dash_app, page, use_demo_store, uncached):
    args = {"city": "xiamen", "lang": "zh"}
    with request_context(dash_app.server, "/"):
        newest = run_callback(page.recolour, "map-code.value", code=CODE, mode="level", index=3, area=None, args=args)
        assert set(newest) == {"hideout", "legend", "note", "period_text", "max", "marks", "value", "url", "status"}
        last = newest["value"]
        assert last == newest["max"] > 24 and newest["marks"][last] == "2025-05"
        assert f"code={CODE}" in newest["url"] and "period=2025-05-01" in newest["url"]
        colours = {run_callback(page.recolour, "map-slider.value", code=CODE, mode="quantile", index=i, area="350203",
                                args=args)["hideout"]["colours"]["350203"] for i in range(0, last + 1, 6)}
        earlier = run_callback(page.recolour, "map-slider.value", code=CODE, mode="level", index=0, area="350203",
                               args=args)
    assert len(colours) > 1  # the districts change colour through history
    assert earlier["hideout"]["selected"] == "350203" and "area=350203" in earlier["url"]
    assert earlier["period_text"] == "2019年2月" and earlier["value"] is dash_no_update()  # 1—2月 merged: no January
    assert earlier["status"] is None and "data" not in earlier["hideout"]
    assert len(earlier["hideout"]["colours"]) == 6


def dash_no_update():
    import dash

    return dash.no_update


def test_summed_indicator_says_its_districts_have_no_levels(dash_app, page, use_demo_store, uncached):
    args = {"city": "xiamen", "lang": "en"}
    with request_context(dash_app.server, "/"):
        out = run_callback(page.recolour, "map-code.value", code=SUMMED, mode="level", index=None, area=None, args=args)
        quantile = run_callback(page.recolour, "map-mode.value", code=SUMMED, mode="quantile", index=None, area=None,
                                args=args)
    assert "no warning thresholds for districts" in out["note"]
    assert "Breaks from every period" in quantile["note"]
    assert len(set(quantile["hideout"]["colours"].values())) > 1


def test_panel_and_layout_on_the_demo_store(dash_app, page, use_demo_store, uncached, monkeypatch):
    import dataclasses

    import dash_leaflet as dl

    with request_context(dash_app.server, "/"):
        panel = text_of(page.fill_panel("350203", CODE, None, {"city": "xiamen", "lang": "zh"}))
        hint = text_of(page.fill_panel(None, CODE, None, {"city": "xiamen", "lang": "zh"}))
        layout = _drawn(page, city="xiamen", lang="en", code=CODE, mode="quantile", period="2024-03-01", area="350206")
        settings = dash_app.server.config["CITYVITALS_SETTINGS"]
        monkeypatch.setitem(dash_app.server.config, "CITYVITALS_SETTINGS",
                            dataclasses.replace(settings, tile_url="/tiles/{z}/{x}/{y}.png"))
        tiled = _drawn(page, city="ningde", lang="zh", code="nonsense", mode="nonsense", period="nonsense")
    assert "/area/350203?city=xiamen&lang=zh" in panel and "思明区" in panel and "截至" in panel
    assert "点击地图上的区县" in hint
    geojson = _find(layout, "map-areas")
    assert len(geojson.data["features"]) == 6 and geojson.hideout["selected"] == "350206"
    assert geojson.hideout["labels"]["350206"][0] == "Huli District"
    assert _find(layout, "map-mode").data == "quantile" and _find(layout, "map-code").value == CODE
    assert _find(layout, "map-period-text").children == "Mar 2024"
    assert "Huli District" in text_of(_find(layout, "map-panel"))
    # No tiles by default: the districts, then the (empty unless a theme or layer is picked) point layer.
    assert [c.id for c in _find(layout, "map-leaflet").children] == ["map-areas", "map-alerts", "map-points"]
    assert _find(layout, "map-points").data["features"] == [] and _find(layout, "map-points").cluster is True
    # Unknown URL values fall back to the defaults; a configured tile URL adds the tile layer.
    assert _find(tiled, "map-mode").data == "level" and _find(tiled, "map-code").value is not None
    assert isinstance(_find(tiled, "map-leaflet").children[0], dl.TileLayer)
    assert _find(tiled, "map-slider").value == _find(tiled, "map-slider").max


def _drawn(page, **url):
    """The page as the browser gets it: the skeleton layout (which reads no store) filled by ``fill_map``."""
    skeleton = page.layout(**url)
    return html.Div([skeleton, html.Div(page.fill_map(_find(skeleton, "map-request").data,
                                                      _find(skeleton, "map-args").data))])


def _find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_store_down_gives_an_honest_notice(dash_app, page, uncached):
    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")  # nothing listens on port 1
    with request_context(dash_app.server, "/"):
        layout = text_of(_drawn(page, city="xiamen", lang="zh"))
        out = run_callback(page.recolour, "map-slider.value", code=CODE, mode="level", index=1, area=None,
                           args={"city": "xiamen", "lang": "en"})
        panel = text_of(page.fill_panel("350203", CODE, 1, {"city": "xiamen", "lang": "zh"}))
    assert "数据暂不可用" in layout
    assert "Data temporarily unavailable" in text_of(out["status"]) and out["hideout"] is dash_no_update()
    assert "数据暂不可用" in panel


# --- point layers and thematic maps -----------------------------------------------------------------

POINTS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [118.09, 24.45]},
     "properties": {"kind": "school", "name_zh": "思明区第3中学", "name_en": "Siming No. 3 Middle School",
                    "area_adcode": "350203", "capacity": 1800.0}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [118.10, 24.46]},
     "properties": {"kind": "hospital", "name_zh": "<b>医院</b>", "name_en": "Hospital", "area_adcode": "350203",
                    "capacity": None}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [118.11, 24.47]},
     "properties": {"kind": "monitoring_station", "name_zh": "监测站", "name_en": "Station", "area_adcode": "350203",
                    "capacity": 3.0}},
]}


def test_theme_presets_pick_an_indicator_with_district_data_and_their_layers(page, parts, view):
    assert parts.theme_preset("education", ["PUB-EDU-009", "X"]) == ("PUB-EDU-009", ["school"])
    assert parts.theme_preset("market", ["X"]) == (None, ["market"])  # no district data: keep the indicator
    assert parts.theme_preset("health_check", ["PUB-HLT-002"]) == \
        ("PUB-HLT-002", ["hospital", "fire_station", "monitoring_station"])
    assert parts.theme_preset("nonsense", ["PUB-EDU-009"]) == (None, [])
    assert parts.theme_preset(None, []) == (None, [])
    assert parts.clean_layers(["fire_station", "bogus", "school"]) == ["school", "fire_station"]
    assert parts.clean_layers(None) == []


def test_points_keep_the_shown_layers_with_escaped_tooltips(page, parts, view):
    schools = parts.points_data(POINTS, ["school"], "zh")
    assert [f["properties"]["kind"] for f in schools["features"]] == ["school"]
    assert schools["features"][0]["properties"]["tooltip"] == "<strong>思明区第3中学</strong><br>学校<br>在校生 1,800 人"
    assert schools["features"][0]["geometry"] == POINTS["features"][0]["geometry"]
    both = parts.points_data(POINTS, ["hospital", "monitoring_station"], "en")["features"]
    assert both[0]["properties"]["tooltip"] == "<strong>Hospital</strong><br>Hospitals"  # no capacity, none shown
    assert both[1]["properties"]["tooltip"] == "<strong>Station</strong><br>Monitoring stations"
    assert "&lt;b&gt;" in parts.points_data(POINTS, ["hospital"], "zh")["features"][0]["properties"]["tooltip"]
    assert parts.points_data(POINTS, [], "zh")["features"] == []
    assert "tooltip" not in POINTS["features"][0]["properties"]  # the cached collection is not changed


def test_layer_buttons_say_which_layers_are_shown(page, parts, view):
    buttons = parts.layer_buttons(["market"], "en").children
    assert [b.id["kind"] for b in buttons] == list(parts.LAYERS)
    pressed = {b.id["kind"]: b.to_plotly_json()["props"]["aria-pressed"] for b in buttons}
    assert pressed == {"school": "false", "hospital": "false", "market": "true", "monitoring_station": "false",
                       "fire_station": "false"}
    assert buttons[2].className == "map-layer is-active" and buttons[2].children[1] == "Markets"


def test_toggling_a_layer_changes_only_the_point_layer(dash_app, page):
    from dash._callback import GLOBAL_CALLBACK_MAP

    callbacks = {**GLOBAL_CALLBACK_MAP, **dash_app.callback_map}
    outputs = {out: key for key in callbacks for out in _outputs(key)}
    drawing = callbacks[outputs["map-points.data"]]
    assert [i["id"] + "." + i["property"] for i in drawing["inputs"]] == ["map-layers.data"]
    assert not any(out.startswith("map-areas.") for out in _outputs(outputs["map-points.data"]))
    toggled = run_callback(page.toggle_layer, '{"kind":"hospital","type":"map-layer"}.n_clicks',
                           clicks=[0, 1, 0, 0, 0], layers=["school"])
    assert toggled == ["school", "hospital"]
    assert run_callback(page.toggle_layer, '{"kind":"school","type":"map-layer"}.n_clicks',
                        clicks=[1, 1, 0, 0, 0], layers=["school", "hospital"]) == ["hospital"]


def test_education_theme_on_the_demo_store(dash_app, page, use_demo_store, uncached):
    from indicators.views.map_queries import district_indicators, facilities

    assert "PUB-EDU-009" in district_indicators("xiamen")
    every = facilities("xiamen")["features"]
    schools = [f for f in every if f["properties"]["kind"] == "school"]
    with request_context(dash_app.server, "/"):
        layout = _drawn(page, city="xiamen", lang="zh", theme="education")
        plain = _drawn(page, city="xiamen", lang="zh", theme="bogus")
        points, classes, pressed = page.draw_layers(["hospital", "school"], {"city": "xiamen", "lang": "en"})
        picked = page.pick_theme("market", {"city": "xiamen", "lang": "zh"})
        cleared = page.pick_theme(None, {"city": "xiamen", "lang": "zh"})
        out = run_callback(page.recolour, "map-code.value", code="PUB-EDU-009", mode="level", index=None, area=None,
                           args={"city": "xiamen", "lang": "zh"}, theme="education")
    assert _find(layout, "map-code").value == "PUB-EDU-009" and _find(layout, "map-theme").value == "education"
    assert len(_find(layout, "map-points").data["features"]) == len(schools) > 50
    assert _find(layout, "map-layers").data == ["school"]
    assert _find(layout, {"type": "map-layer", "kind": "school"}).className == "map-layer is-active"
    assert _find(plain, "map-theme").value is None and _find(plain, "map-points").data["features"] == []
    kinds = {f["properties"]["kind"] for f in points["features"]}
    assert kinds == {"hospital", "school"} and len(points["features"]) < len(every)
    assert classes[:2] == ["map-layer is-active", "map-layer is-active"] and pressed[2:] == ["false"] * 3
    assert picked == ("MKT-FOOD-002", ["market"]) and cleared[1] == []
    assert "theme=education" in out["url"] and "code=PUB-EDU-009" in out["url"]
