"""Card and tile builders: data in, component out, no browser."""

import re
from datetime import date
from pathlib import Path

import pytest

from pages._widgets import dropdown, indicator_tile, theme_card
from tests.helpers import text_of

ROW = {"code": "GOV-HOT-002", "name_zh": "12345热线满意率", "name_en": "12345 hotline satisfaction", "unit": "%",
       "value": 78.5, "level": "yellow", "yoy": -8.2, "mom": 1.5, "change_unit": "pp", "direction": "up",
       "period": date(2024, 11, 1), "frequency": "monthly", "overdue": 0}


def test_tile_shows_value_unit_period_changes_and_level():
    tile = indicator_tile(ROW, lang="zh")
    text = text_of(tile)
    assert tile.className == "tile level-yellow" and tile.to_plotly_json()["props"]["data-code"] == "GOV-HOT-002"
    for part in ("12345热线满意率", "78.5", "%", "黄色", "截至 2024年11月", "-8.2个百分点", "+1.5个百分点"):
        assert part in text
    assert "change-bad" in text and "change-good" in text  # falling satisfaction is bad, rising is good
    assert "数据迟报" not in text


def test_tile_in_english_and_late():
    text = text_of(indicator_tile({**ROW, "overdue": 2}, lang="en"))
    assert "12345 hotline satisfaction" in text and "as of Nov 2024" in text and "Late data" in text
    assert "-8.2 pp" in text
    counts = text_of(indicator_tile({**ROW, "unit": "件", "change_unit": "%", "direction": "down"}, lang="zh"))
    assert "-8.2%" in counts and "change-good" in counts  # fewer cases is good


@pytest.mark.parametrize("lang, name", [("zh", "社会治理"), ("en", "Social governance")])
def test_theme_card(lang, name):
    row = {"theme": "governance", "score": 71.6, "normal": 120, "blue": 3, "yellow": 2, "orange": 1, "red": 0}
    text = text_of(theme_card(row, lang=lang, total=134))
    assert name in text and '"72"' in text and '"134"' in text


def _chip_counts(card) -> dict[str, int]:
    chips = next(child for child in card.children if getattr(child, "className", "") == "level-counts")
    return {chip.to_plotly_json()["props"]["data-level"]: int(chip.children[-1].children) for chip in chips.children}


def test_a_theme_cards_indicators_by_level_add_up_to_its_indicators():
    row = {"theme": "governance", "score": 71.6, "normal": 120, "blue": 3, "yellow": 2, "orange": 1, "red": 0}
    counts = _chip_counts(theme_card(row, lang="zh", total=134))
    assert counts["nodata"] == 8 and sum(counts.values()) == 134
    assert "nodata" not in _chip_counts(theme_card(row, lang="zh", total=126))


def test_a_theme_card_of_open_alerts_says_so_and_counts_no_normal_indicators():
    card = theme_card({"theme": "economy", "score": 79, "blue": 27, "yellow": 4, "orange": 4, "red": 3}, lang="zh",
                      total=118, counts_alerts=True)
    assert set(_chip_counts(card)) == {"red", "orange", "yellow", "blue"} and "当前预警" in text_of(card)


def test_dropdowns_speak_the_page_language():
    chinese, english = dropdown("zh", id="x").labels, dropdown("en", id="x", labels={"search": "Find"}).labels
    assert chinese["search"] == "搜索" and chinese["no_options_found"] == "无匹配选项"
    assert chinese["selected_count"] == "已选 {num_selected} 项" and english["search"] == "Find"
    assert english["clear_selection"] == "Clear selection" and set(chinese) == set(english)


def test_pages_build_dropdowns_only_through_the_translated_builder():
    pages = Path(__file__).resolve().parents[3] / "pages"
    raw = [path.name for path in pages.glob("*.py")
           if path.name != "_widgets.py" and re.search(r"\bdcc\.Dropdown\(", path.read_text(encoding="utf-8"))]
    assert raw == []  # Dash's own dropdown texts are English only
