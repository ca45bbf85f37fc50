"""The topic registry: the shipped file, per-city lists, and refusals that name the line."""

import textwrap

import pytest

from indicators.catalog.entries import load_catalog
from indicators.catalog.topics import load_topics, parse_topics
from indicators.catalog.yamlfile import ConfigFileError

LUAN_SCENES = ["overview", "economy", "gov_service", "livelihood", "governance", "culture_tourism", "environment",
               "traffic"]


def test_each_city_has_the_topics_its_plan_names():
    registry = load_topics()
    assert [t.name_zh for t in registry.for_city("xiamen")] == ["疫情防控", "公共安全", "应急管理", "城市运行", "工业经济",
                                                                "信访态势"]
    assert [t.name_zh for t in registry.for_city("ningde")][:2] == ["经济发展", "公共卫生"]
    assert {"锂电新能源", "不锈钢", "海洋渔业"} <= {t.name_zh for t in registry.for_city("ningde")}
    luan = [t.key for t in registry.for_city("luan")]
    assert luan[:8] == LUAN_SCENES and {"tea", "forest_chief"} <= set(luan)


def test_a_city_without_its_own_list_gets_the_generic_one_not_xiamens():
    registry = load_topics()
    assert registry.for_city("quanzhou") == registry.data.generic
    assert [t.key for t in registry.for_city("quanzhou")] != [t.key for t in registry.for_city("xiamen")]


def test_topics_hold_indicators_by_code_and_rule_headline_first():
    catalog = load_catalog()
    tourism = load_topics().topic("luan", "culture_tourism")
    codes = tourism.codes(catalog)
    assert codes[:4] == list(tourism.headline)
    assert "PUB-CUL-009" in codes  # by department 市文旅局
    assert "ECO-TRN-006" in codes  # by code
    economy = load_topics().topic("luan", "economy")
    assert "ECO-GDP-001" in economy.codes(catalog) and "ECO-CON-008" not in economy.codes(catalog)  # excluded


def _parse(text: str):
    return parse_topics(textwrap.dedent(text), load_catalog())


def test_a_malformed_file_is_refused_with_its_line():
    with pytest.raises(ConfigFileError) as caught:
        _parse("""\
            generic:
              - key: economy
                name_zh: 经济
                name_en: Economy
                rules: {themes: [economy, weather]}
            """)
    assert caught.value.problems[0][0] == 5
    assert "topics.yaml line 5" in str(caught.value) and "themes" in str(caught.value)


def test_yaml_that_does_not_parse_names_its_line():
    with pytest.raises(ConfigFileError, match="line 3"):
        _parse("generic:\n  - key: a\n     name_zh: b\n")


def test_unknown_codes_duplicate_keys_and_foreign_headlines_are_refused_with_their_lines():
    with pytest.raises(ConfigFileError) as caught:
        _parse("""\
            generic:
              - key: economy
                name_zh: 经济
                name_en: Economy
                indicators: [ECO-GDP-001, ECO-XXX-999]
                headline: [ENV-AIR-001]
              - key: economy
                name_zh: 又一个
                name_en: Again
                rules: {departments: [市不存在局]}
            """)
    lines = dict(caught.value.problems)
    assert "ECO-XXX-999 is not in the catalog" in lines[5]
    assert "ENV-AIR-001 is not one of the topic's indicators" in lines[6]
    assert "topic 'economy' twice" in lines[7]
    assert "市不存在局" in lines[10]


def test_a_topic_that_holds_nothing_is_refused():
    with pytest.raises(ConfigFileError, match="line 2.*needs indicators or rules"):
        _parse("generic:\n  - key: empty\n    name_zh: 空\n    name_en: Empty\n")


# The indicators added for the cities' scenes (一网通办, 文旅, 六安's tea and forest chiefs, 宁德's industries).
SCENE_CODES = ["GOV-GOVS-010", "GOV-GOVS-011", "GOV-GOVS-012", "GOV-GOVS-013", "GOV-GOVS-014", "ECO-TOUR-001",
               "ECO-TOUR-002", "ECO-TOUR-004", "PUB-CUL-007", "PUB-CUL-009", "ECO-TEA-001", "ECO-TEA-002",
               "ECO-TEA-003", "ECO-TEA-004", "ENV-FOR-001", "ENV-FOR-002", "ENV-FOR-003", "ENV-FOR-004", "ECO-LIB-001",
               "ECO-LIB-002", "ECO-LIB-003", "ECO-SST-001", "ECO-SST-002", "ECO-SST-003", "ECO-FSH-001"]


def test_scene_indicators_claim_no_standard_the_reference_lacks_and_name_their_publisher():
    """``source_standard`` names a published standard of the reference list (ISO 37120, NBS …); none of these
    figures is defined there, so theirs is honestly empty and ``source`` names who publishes the figure."""
    import csv
    from pathlib import Path

    catalog = load_catalog()
    reference = Path(__file__).resolve().parents[4].parent / "shared" / "reference" / "indicators_reference.csv"
    names = set()
    if reference.exists():
        with reference.open(encoding="utf-8") as handle:
            names = {row["name_zh"] for row in csv.DictReader(handle)}
    for code in SCENE_CODES:
        indicator = catalog[code]
        assert indicator.source_standard == "" and indicator.source_id == "", code
        assert indicator.name_zh not in names, code  # a reference row would give it its standard
        assert len(indicator.source) >= 4 and indicator.department.startswith("市"), code
    held = {code for topic in load_topics().for_city("luan") for code in topic.codes(catalog)}
    held |= {code for topic in load_topics().for_city("ningde") for code in topic.codes(catalog)}
    assert set(SCENE_CODES) <= held  # each is on a city's scene
