"""The big screen's builders (pages/screen.py): data in, components out; the store-reading builder
on the demo store; the callback when the store is down."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from indicators.store import db
from tests.helpers import find_components, request_context, text_of


@pytest.fixture(scope="module")
def screen():
    """The page, its pure builders and its view under one name (the tests read them as one page)."""
    import types

    import app  # noqa: F401  (the app registers the pages)
    from indicators.views import screen as view
    from pages import _screen_parts as parts
    from pages import screen as page

    return types.SimpleNamespace(**{**vars(view), **vars(parts), **vars(page)})


@pytest.fixture
def app_context():
    import app as app_module

    with request_context(app_module.app.server, "/screen"):
        yield



def row(code: str, theme: str, level: str = "normal", *, headline: bool = True, topics: tuple = (),
        sensitivity: str = "public", spatial: str = "district", aggregation: str = "none", score: float = 80.0) -> dict:
    return {"code": code, "name_zh": f"指标{code}", "name_en": f"Indicator {code}", "theme": theme, "topics": topics,
            "department": "市统计局",
            "unit": "%", "value": 12.345, "level": level, "yoy": 1.2, "mom": -0.4, "change_unit": "pp",
            "direction": "up", "period": date(2025, 5, 1), "frequency": "monthly", "overdue": 0,
            "recent": [1.0, 2.0, 1.5, 3.0], "headline": headline, "sensitivity": sensitivity,
            "spatial_level": spatial, "aggregation": aggregation, "score": score}


SNAPSHOT = pd.DataFrame([
    row("E1", "economy", "normal"),
    row("E2", "economy", "red", aggregation="sum"),
    row("E3", "economy", "yellow", topics=("industry",)),
    row("E4", "economy", "orange", headline=False, topics=("industry",)),
    row("E5", "economy", "red", sensitivity="restricted"),
    row("M1", "market", "blue", topics=("health",), spatial="city"),
    row("G1", "governance", "orange", headline=False, topics=("safety",), score=20.0),
])


def test_rotation_per_city_is_its_playlist(screen):
    assert screen.rotation("xiamen") == [("overview", 30), ("health", 20), ("safety", 20), ("emergency", 20),
                                         ("city_operation", 20), ("industry", 20), ("petition", 20)]
    ningde = [name for name, _ in screen.rotation("ningde")]
    assert ningde[:3] == ["economy", "health", "lithium"] and "industry" not in ningde
    luan = [name for name, _ in screen.rotation("luan")]
    assert luan[:8] == ["overview", "economy", "gov_service", "livelihood", "governance", "culture_tourism",
                        "environment", "traffic"]  # its own scenes, not 厦门's topics
    assert [name for name, _ in screen.rotation("quanzhou")][0] == "overview"  # any other city: the generic playlist


def test_screen_args_from_the_url(screen, app_context):
    args = screen.screen_args("ningde", "en", {"topic": "safety", "rotate": "30", "kiosk": "1", "refresh": "2"})
    assert (args["city"], args["lang"], args["screen"], args["rotate"], args["kiosk"]) == ("ningde", "en", "safety", 30, True)
    assert args["refresh"] == screen.MIN_SECONDS  # never faster than every 5 s
    assert args["screens"] == [name for name, _ in screen.rotation("ningde")] and args["start"] == 3
    assert args["seconds"] == [30] * len(args["screens"])  # rotate=SECONDS: every screen that long
    playlist = screen.screen_args("ningde", "zh", {"rotate": "playlist"})
    assert playlist["seconds"] == [seconds for _, seconds in screen.rotation("ningde")] and playlist["rotate"] == 30
    plain = screen.screen_args("nowhere", "fr", {"topic": "nonsense", "rotate": "x"})
    assert plain["screen"] == "overview" and plain["rotate"] is None and plain["screens"] == ["overview"]
    assert plain["refresh"] == 60 and plain["kiosk"] is False and plain["lang"] in ("zh", "en")


def test_current_screen_follows_the_rotation_position(screen):
    args = {"screen": "overview", "screens": ["overview", "health", "safety"], "start": 0}
    assert [screen.current_screen(args, {"index": i}) for i in (0, 1, 2, 3)] == ["overview", "health", "safety", "overview"]
    assert screen.current_screen({"screen": "petition", "screens": ["petition"]}, None) == "petition"


def test_stale_after_two_days(screen):
    now = datetime(2025, 6, 30, 12)
    assert not screen.is_stale(now - timedelta(days=1, hours=23), now)
    assert screen.is_stale(now - timedelta(days=2, minutes=1), now)
    assert screen.is_stale(None, now)


def test_screen_rows_keep_the_headlines_or_the_topic(screen):
    # The snapshot holds only what the signed-in account may see; the screen shows all its headlines.
    overview = screen.screen_rows(SNAPSHOT, "overview", "xiamen")
    assert overview["code"].tolist() == ["E2", "E5", "E3", "M1", "E1"]  # headlines, worst first
    industry = screen.screen_rows(SNAPSHOT, "industry", "xiamen")
    assert industry["code"].tolist() == ["E4", "E3"]  # the topic's headlines (none here) first, then worst first
    assert [r["code"] for r in screen.theme_tiles(overview, "economy", 2)] == ["E2", "E5"]
    assert screen.theme_tiles(overview, "environment") == []
    assert screen.topic_score(screen.screen_rows(SNAPSHOT, "safety", "xiamen"), "governance") == 20.0


def test_map_candidates_skip_summed_and_city_only_indicators(screen):
    rows = screen.screen_rows(SNAPSHOT, "overview", "xiamen")
    assert screen.map_candidates(rows) == ["E5", "E3", "E1"]
    assert screen.map_candidates(rows.iloc[::-1].reset_index(drop=True), "economy") == ["E1", "E3", "E5"]


def test_tile_shows_value_unit_changes_and_level(screen):
    text = text_of(screen.screen_tile(row("E3", "economy", "yellow"), "zh"))
    for part in ("指标E3", "12.35", "%", "同比 ", "+1.2个百分点", "-0.4个百分点", "2025年5月", "screen-spark",
                 "level-yellow", "change-good", "change-bad"):
        assert part in text, part
    english = text_of(screen.screen_tile({**row("E3", "economy"), "unit": "万人次"}, "en"))
    assert "Indicator E3" in english and "YoY" in english and "+1.2 pp" in english and "万人次" not in english


def test_theme_panel_shows_score_and_tiles_or_says_it_has_none(screen):
    panel = text_of(screen.theme_panel("economy", 81.4, [row("E1", "economy")], "zh", focused=True))
    assert "经济发展" in panel and ">81<" not in panel and '"81"' in panel and "is-focused" in panel
    empty = text_of(screen.theme_panel("market", float("nan"), [], "en"))
    assert "Market regulation" in empty and '"—"' in empty and "No indicators of this theme in the topic" in empty


ALERTS = pd.DataFrame([
    {"id": 1, "level": "red", "sensitivity": "public", "opened_at": datetime(2025, 6, 1), "sentence_zh": "旧红色",
     "sentence_en": "old red"},
    {"id": 2, "level": "blue", "sensitivity": "public", "opened_at": datetime(2025, 6, 3), "sentence_zh": "最新蓝色",
     "sentence_en": "newest blue"},
    {"id": 3, "level": "orange", "sensitivity": "restricted", "opened_at": datetime(2025, 6, 4),
     "sentence_zh": "受限", "sentence_en": "restricted"},
])


def test_alert_counts_and_the_newest_alerts(screen):
    from indicators.views.queries import level_counts

    assert level_counts(ALERTS) == {"red": 1, "orange": 1, "yellow": 0, "blue": 1}
    assert level_counts(ALERTS.iloc[0:0]) == {"red": 0, "orange": 0, "yellow": 0, "blue": 0}
    newest = screen.newest_alerts(ALERTS)
    assert newest["id"].tolist() == [1, 3, 2]  # most severe first, then newest: a blue notice never leads
    counter = text_of(screen.alert_counter({"red": 3, "orange": 0, "yellow": 7, "blue": 1}, "zh"))
    assert '"3"' in counter and '"7"' in counter and "红色" in counter and "当前预警" in counter
    ticker = text_of(screen.ticker(newest, "en"))
    assert ticker.index("old red") < ticker.index("restricted") < ticker.index("newest blue")


def test_the_ticker_is_a_timeline_events_first_then_alerts(screen):
    from indicators.views.annotations import ChartAnnotation

    events = [ChartAnnotation(date(2025, 7, 27), date(2025, 7, 29), "台风“杜苏芮”", "Typhoon Doksuri", "operator"),
              ChartAnnotation(date(2025, 7, 1), None, "新版统计口径", "", "operator")]
    ticker = text_of(screen.ticker(screen.newest_alerts(ALERTS), "zh", events))
    assert ticker.index("07-27–07-29 台风“杜苏芮”") < ticker.index("07-01 新版统计口径") < ticker.index("旧红色")
    assert ticker.count("台风“杜苏芮”") == 2  # the run is drawn twice for a seamless loop
    english = text_of(screen.ticker(ALERTS.iloc[0:0], "en", events[:1]))
    assert "Typhoon Doksuri" in english and "Event" in english and "No open alerts" not in english


def test_newest_alerts_within_a_level_newest_first(screen):
    same = pd.DataFrame([{"id": i, "level": "orange", "opened_at": datetime(2025, 6, i), "sentence_zh": f"第{i}条",
                          "sentence_en": f"number {i}"} for i in (1, 3, 2)])
    assert screen.newest_alerts(same)["id"].tolist() == [3, 2, 1]
    assert "No open alerts" in text_of(screen.ticker(ALERTS.iloc[0:0], "en"))


def test_the_newest_alerts_box_shows_the_finding_and_keeps_the_department_for_the_hover(screen):
    """The box has two lines an alert; in English the department filled the second and was cut mid-name."""
    sentence = pd.DataFrame([{
        "id": 1, "level": "red", "opened_at": datetime(2025, 6, 1),
        "sentence_zh": "厦门市 公交准点率 2025年5月为 74 %,低于 75 %(红色预警),责任单位:市交通运输局",
        "sentence_en": "Xiamen Bus punctuality rate was 74 % in May 2025, at or below 75 % (red warning); "
                       "responsible: Municipal Transport Bureau"}])
    [line] = find_components(screen.alert_list(screen.newest_alerts(sentence), "en"), "Li")
    assert line["props"]["children"][1]["props"]["children"].endswith("at or below 75 % (red warning)")
    assert line["props"]["title"].endswith("responsible: Municipal Transport Bureau")
    shown = screen.newest_alerts(sentence).iloc[0]
    assert shown["headline_en"].endswith("(red warning)") and shown["headline_zh"].endswith("(红色预警)")


def test_titles(screen):
    assert screen.screen_title("厦门市", "overview", "zh", "xiamen") == "厦门市 · 城市运行一屏通览"
    assert screen.screen_title("Xiamen", "health", "en", "xiamen") == "Xiamen · Epidemic control"
    assert screen.screen_title("厦门市", "economy", "zh", "xiamen") == "厦门市 · 经济发展总览"  # a theme's focus
    assert screen.screen_title("宁德市", "lithium", "zh", "ningde") == "宁德市 · 锂电新能源"  # its own topic


def test_build_screen_on_the_demo_store(screen, use_demo_store):
    parts = screen.build_screen("xiamen", "zh", "overview")
    left, right = text_of(parts["left"]), text_of(parts["right"])
    from indicators.catalog.screens import SCREENS_PATH, load_screens

    overview = load_screens(SCREENS_PATH).data.screens["overview"]
    assert [p.to_plotly_json()["props"]["data-theme"] for p in parts["left"]] == [s.theme for s in overview.left]
    assert "经济发展" in left and "社会治理" in right and "最新预警" in right
    assert all(len(p.children[1].children) >= 2 for p in parts["left"])  # 2–3 headline tiles per theme
    hideout = parts["hideout"]
    assert len(hideout["colours"]) == 6 and all(c.startswith("#") for c in hideout["colours"].values())
    assert "各区县" in text_of(parts["map_caption"])
    phone = text_of(parts["phone"])
    assert "厦门市 · 城市运行一屏通览" in phone and "当前预警" in phone and "screen-phone-item" in phone
    topic = screen.build_screen("ningde", "en", "petition")
    assert topic["title"] == "Ningde · Petitions"
    assert "Social governance" in text_of(topic["left"] + topic["right"])
    chosen = screen.build_screen("xiamen", "zh", "overview", "ENV-AIR-002")
    assert 'data-code": "ENV-AIR-002' in text_of(chosen["map_caption"])


def test_fill_screen_says_the_store_is_down(screen, app_context):
    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")  # nothing listens on port 1
    args = {"city": "xiamen", "lang": "en", "screen": "overview", "screens": ["overview"], "start": 0}
    result = screen.fill_screen(0, {"index": 0}, args)
    assert "Data temporarily unavailable" in text_of(result[-1])


def test_chart_and_ranking_panels_draw_their_indicator_or_say_there_is_none(screen):
    data = {"row": row("E1", "economy", "yellow")}
    chart = text_of(screen.chart_panel(data, "zh"))
    assert "指标E1" in chart and "12.3" in chart and "screen-chart-line" in chart and 'data-level": "yellow' in chart
    assert "暂无该指标数据" in text_of(screen.chart_panel(None, "zh"))
    values = pd.DataFrame({"adcode": ["1", "2", "3", "4"], "level": ["city", "district", "district", "district"],
                           "name_zh": ["全市", "甲区", "乙区", "丙区"], "name_en": ["City", "A", "B", "C"],
                           "value": [9.0, 8.0, 4.0, 2.0], "warning": ["normal", "normal", "yellow", "red"]})
    ranking = screen.ranking_panel({"row": data["row"], "ranking": values}, 2, "en")
    text = text_of(ranking)
    assert "Districts ranked · Indicator E1" in text and "City" not in text.replace("screen-", "")
    assert text.index("A") < text.index("B") and "C" not in text.split("screen-rank-list")[1]  # best first, 2 items
    assert "width\": \"50%" in text  # 乙区's bar is half 甲区's
    assert "No district data" in text_of(screen.ranking_panel(None, 6, "en"))


def test_a_definition_with_chart_and_ranking_panels_draws_them_in_place(screen):
    from indicators.catalog.screens import SCREENS_PATH, parse_screens
    from indicators.catalog.topics import load_topics

    text = SCREENS_PATH.read_text(encoding="utf-8").replace(
        "{panel: theme, theme: market, tiles: 3}", "{panel: chart, indicator: ECO-GDP-001}", 1).replace(
        "{panel: theme, theme: environment, tiles: 3}", "{panel: ranking, items: 5}", 1)
    definition = parse_screens(text, load_topics()).data.screens["overview"]
    values = pd.DataFrame({"adcode": ["2"], "level": ["district"], "name_zh": ["甲区"], "name_en": ["A"],
                           "value": [8.0], "warning": ["normal"]})
    parts = screen.stage_parts(lang="zh", screen="overview", city_name="厦门市", city_key="xiamen",
                               definition=definition, scores={}, rows=SNAPSHOT, counts={}, newest=SNAPSHOT.head(0),
                               panels={("left", 1): {"row": row("E3", "economy")},
                                       ("right", 1): {"row": row("E1", "economy"), "ranking": values}})
    assert "screen-chart-panel" in parts["left"][1].className and "指标E3" in text_of(parts["left"][1])
    assert "screen-ranking-panel" in parts["right"][1].className and "甲区" in text_of(parts["right"][1])
    assert parts["left"][0].className.startswith("screen-theme theme-economy")


def test_chart_and_ranking_panels_read_their_data_on_the_demo_store(screen, use_demo_store):
    from indicators.catalog.screens import SCREENS_PATH, parse_screens
    from indicators.catalog.topics import load_topics
    from indicators.views.queries import latest_snapshot

    text = SCREENS_PATH.read_text(encoding="utf-8").replace(
        "{panel: theme, theme: market, tiles: 3}", "{panel: chart, indicator: ECO-GDP-001}", 1).replace(
        "{panel: theme, theme: environment, tiles: 3}", "{panel: ranking}", 1).replace(
        "{panel: alert_list, items: 4}", "{panel: ranking, indicator: ENV-AIR-002}", 1)
    definition = parse_screens(text, load_topics()).data.screens["overview"]
    snapshot = latest_snapshot("350200")
    rows = screen.screen_rows(snapshot, "overview", "xiamen")
    meta = snapshot[snapshot["code"] == "ECO-GDP-001"].iloc[0].to_dict()
    data = screen.panel_data(definition, snapshot, rows, "xiamen", None, None)
    assert data[("left", 1)]["row"]["code"] == "ECO-GDP-001" and len(data[("left", 1)]["row"]["recent"]) >= 2
    assert ("right", 1) not in data  # no indicator on the map, none named: nothing to rank
    air = data[("right", 2)]
    assert air["row"]["code"] == "ENV-AIR-002" and (air["ranking"]["level"] == "district").sum() == 6
    mapped = screen.panel_data(definition, snapshot, rows, "xiamen", meta, "the map's values")
    assert mapped[("right", 1)]["ranking"] == "the map's values"  # the map's indicator, read once
