"""Screen definitions and playlists as data: the shipped file, refusals with their lines, the round trip."""

import pytest

from indicators.catalog.screens import SCREENS_PATH, export_screens, load_screens, parse_screens
from indicators.catalog.topics import load_topics
from indicators.catalog.yamlfile import ConfigFileError

SHIPPED = SCREENS_PATH.read_text(encoding="utf-8")


def _parse(text: str):
    return parse_screens(text, load_topics())


def test_the_shipped_file_defines_the_overview_the_topic_screen_and_each_citys_playlist():
    registry = load_screens()
    overview = registry.data.screens["overview"]
    assert overview.title_zh == "城市运行一屏通览" and [p.panel for p in overview.centre] == ["alert_counts", "map"]
    assert [p.theme for p in overview.left] == ["economy", "market", "public_service"]
    assert registry.definition("lithium", "ningde").indicators == "topic"  # 宁德's own topic: the topic screen
    assert registry.definition("market", "xiamen") is overview  # a theme's focus: the overview
    assert registry.playlist("ningde")[:3] == [("economy", 30), ("health", 20), ("lithium", 20)]
    assert [name for name, _ in registry.playlist("quanzhou")] == ["overview"] + [t.key for t in
                                                                                   load_topics().for_city("quanzhou")]


def test_export_then_import_gives_the_same_definitions_and_the_same_file():
    exported = export_screens(load_screens())
    again = _parse(exported)
    assert again.data == load_screens().data
    assert export_screens(again) == exported


def test_a_wrong_panel_is_refused_with_its_line():
    broken = SHIPPED.replace("{panel: theme, theme: market, tiles: 3}", "{panel: theme, theme: market, tiles: 30}", 1)
    line = SHIPPED[:SHIPPED.index("theme: market")].count("\n") + 1
    with pytest.raises(ConfigFileError) as caught:
        _parse(broken)
    assert caught.value.problems[0][0] == line
    assert f"screens.yaml line {line}: screens → overview → left → 1 → tiles" in str(caught.value)


def test_an_unknown_panel_kind_a_crowded_column_and_a_bad_playlist_are_each_refused_with_their_lines():
    crowded = SHIPPED.replace("      - {panel: alert_list, items: 4}\n",
                              "      - {panel: alert_list, items: 4}\n      - {panel: alert_list}\n", 1)
    with pytest.raises(ConfigFileError, match="at most 3 items"):
        _parse(crowded)
    unknown = SHIPPED.replace("{panel: alert_list, items: 4}", "{panel: pie_chart}", 1)
    with pytest.raises(ConfigFileError, match="a side panel is theme or alert_list"):
        _parse(unknown)
    playlist = SHIPPED.replace("{topic: lithium, seconds: 20}", "{topic: tea, seconds: 2}")
    with pytest.raises(ConfigFileError) as caught:
        _parse(playlist)
    line = SHIPPED[:SHIPPED.index("{topic: lithium")].count("\n") + 1
    reasons = dict(caught.value.problems)
    assert "greater than or equal to 5" in reasons[line]
    swapped = SHIPPED.replace("{topic: lithium, seconds: 20}", "{topic: tea, seconds: 20}")
    with pytest.raises(ConfigFileError, match=f"line {line}: playlists → ningde → 2: ningde has no topic 'tea'"):
        _parse(swapped)


def test_the_centre_must_hold_the_counts_above_the_map():
    broken = SHIPPED.replace("      - {panel: alert_counts}\n      - {panel: map}\n", "      - {panel: map}\n", 1)
    with pytest.raises(ConfigFileError, match="centre: the stage's centre holds alert_counts above the map"):
        _parse(broken)


def test_chart_and_ranking_panels_are_side_panels_and_their_indicators_must_exist():
    text = SHIPPED.replace("{panel: theme, theme: market, tiles: 3}", "{panel: chart, indicator: ECO-GDP-001}", 1)
    text = text.replace("{panel: alert_list, items: 4}", "{panel: ranking, indicator: ENV-AIR-002, items: 8}", 1)
    overview = _parse(text).data.screens["overview"]
    assert overview.left[1].panel == "chart" and overview.left[1].indicator == "ECO-GDP-001"
    assert (overview.right[2].panel, overview.right[2].items) == ("ranking", 8)
    assert _parse(export_screens(_parse(text))).data == _parse(text).data  # the round trip keeps them
    line = SHIPPED[:SHIPPED.index("theme: market")].count("\n") + 1
    unknown = text.replace("indicator: ECO-GDP-001", "indicator: ECO-XXX-999", 1)
    with pytest.raises(ConfigFileError) as caught:
        _parse(unknown)
    assert caught.value.problems == [(line, "screens → overview → left → 1 → indicator: ECO-XXX-999 is not in the "
                                             "catalog")]
    crowded = text.replace("items: 8}", "items: 20}", 1)
    with pytest.raises(ConfigFileError, match="less than or equal to 12"):
        _parse(crowded)
    centre = SHIPPED.replace("      - {panel: map}\n", "      - {panel: ranking}\n", 1)
    with pytest.raises(ConfigFileError, match="a centre panel is alert_counts or map"):
        _parse(centre)
    with pytest.raises(ConfigFileError, match="a side panel is theme or alert_list, or a chart or ranking"):
        _parse(SHIPPED.replace("{panel: alert_list, items: 4}", "{panel: pie}", 1))
