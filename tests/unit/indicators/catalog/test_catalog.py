"""The indicator catalog: the real file is complete and coherent, and bad files are rejected."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from indicators.catalog.entries import (
    CATALOG_PATH,
    THEMES,
    TOPICS,
    CatalogError,
    Indicator,
    load_catalog,
    parse_catalog,
)

ROOT = Path(__file__).resolve().parents[4]
REFERENCE = ROOT.parent / "shared" / "reference" / "indicators_reference.csv"
HEADER = (
    "code,name_zh,name_en,theme,topics,unit,frequency,direction,department,source,source_standard,source_id,"
    "spatial_level,aggregation,accumulation,jan_feb_merged,derived,growth_of,rolls_up_to,blue,yellow,orange,red,target,min_value,max_value,typical,sensitivity,headline,"
    "definition,demo"
)
PREFIX = {"economy": "ECO", "market": "MKT", "public_service": "PUB", "governance": "GOV", "environment": "ENV"}
DEMO_KEYS = {"trend", "season", "noise", "covid", "cities"}
DEMO_FLAGS = {"breach", "integer", "rural"}
DEMO_SEASONS = {"spring_festival", "festive", "chunyun", "shopping", "summer", "winter", "typhoon", "epidemic",
                "weekday", "school"}


def level(ind: Indicator, value: float) -> int:
    """Warning level of ``value``: 0 normal, 1 blue, 2 yellow, 3 orange, 4 red."""
    if not ind.has_thresholds:
        return 0
    if ind.direction == "target":
        assert ind.target is not None
        distance = abs(value - ind.target)
        return sum(distance >= t for t in ind.thresholds)
    if ind.direction == "up":
        return sum(value <= t for t in ind.thresholds)
    return sum(value >= t for t in ind.thresholds)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def good_rows() -> list[dict[str, str]]:
    with CATALOG_PATH.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def to_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER.split(","), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def rejection(text: str) -> str:
    with pytest.raises(CatalogError) as info:
        parse_catalog(text)
    return str(info.value)


# --------------------------------------------------------------------------- the level helper


def _ind(direction: str, thresholds, target=None) -> Indicator:
    blue, yellow, orange, red = thresholds
    return Indicator(code="TST-XX-001", name_zh="测试", name_en="Test", theme="economy", unit="%", frequency="daily",
                     direction=direction, department="市统计局", source="test", spatial_level="city", blue=blue,
                     yellow=yellow, orange=orange, red=red, target=target, typical=0 if target is None else target,
                     definition="测试。")


def test_level_helper_follows_the_documented_ordering():
    aqi = _ind("down", (100, 150, 200, 300))
    assert [level(aqi, v) for v in (42, 100, 149, 150, 250, 301)] == [0, 1, 1, 2, 3, 4]
    satisfaction = _ind("up", (90, 88, 85, 80))
    assert [level(satisfaction, v) for v in (94, 90, 87, 85, 70)] == [0, 1, 2, 3, 4]
    cpi = _ind("target", (2, 2.5, 3, 4), target=3)
    assert [level(cpi, v) for v in (3, 1.5, 1, 0.4, 0, -1, 7.5)] == [0, 0, 1, 2, 3, 4, 4]


# --------------------------------------------------------------------------- the real catalog


def test_header_is_exact():
    first = CATALOG_PATH.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first == HEADER


def test_catalog_loads_with_enough_indicators(catalog):
    assert len(catalog) >= 520
    themes = Counter(ind.theme for ind in catalog)
    assert set(themes) == set(THEMES)
    assert all(count >= 70 for count in themes.values()), themes
    topics = Counter(topic for ind in catalog for topic in ind.topics)
    assert set(topics) == set(TOPICS)
    assert all(count >= 15 for count in topics.values()), topics


def test_codes_are_readable_and_match_their_theme(catalog):
    for ind in catalog:
        assert ind.code.startswith(PREFIX[ind.theme] + "-"), ind.code
    assert "ECO-POP-001" in catalog and catalog["ECO-POP-001"].spatial_level == "district"


def test_names_are_unique(catalog):
    """Department files are matched by name as well as by code, so a name means one indicator."""
    for attribute in ("name_zh", "name_en"):
        names = Counter(getattr(ind, attribute).lower() for ind in catalog)
        assert [name for name, count in names.items() if count > 1] == [], attribute


def test_entries_are_grounded_in_the_reference():
    if not REFERENCE.exists():
        pytest.skip(f"reference file {REFERENCE} is not available (tests read ../shared relative to the repo root)")
    with REFERENCE.open(encoding="utf-8") as handle:
        reference = list(csv.DictReader(handle))
    by_key = {(r["source_standard"], r["source_id"], r["name_zh"]): r for r in reference}
    pairs = {(r["source_standard"], r["source_id"]) for r in reference}
    grounded = 0
    for ind in load_catalog():
        if not ind.source_standard:
            continue
        assert (ind.source_standard, ind.source_id) in pairs, ind.code
        # Many reference rows have no source_id, so the Chinese name completes the key.
        ref = by_key.get((ind.source_standard, ind.source_id, ind.name_zh))
        assert ref is not None, f"{ind.code}: {ind.name_zh} is not the reference row's name"
        assert (ind.name_en, ind.unit, ind.frequency, ind.direction, ind.theme) == (
            ref["name_en"], ref["unit"], ref["frequency"], ref["direction"], ref["theme"]), ind.code
        assert not ref["topic"] or ref["topic"] in ind.topics, ind.code
        grounded += 1
    assert grounded >= 300


def test_every_weight_is_a_district_sum(catalog):
    weighted = [ind for ind in catalog if ind.weight_code]
    assert weighted
    for ind in weighted:
        weight = catalog[ind.weight_code]
        assert weight.spatial_level == "district" and weight.aggregation == "sum", ind.code
        assert ind.spatial_level == "district", ind.code


def test_spatial_levels_and_aggregations(catalog):
    share = sum(ind.spatial_level == "district" for ind in catalog) / len(catalog)
    assert 0.5 <= share <= 0.7, share
    for ind in catalog:
        if ind.spatial_level == "city":
            assert ind.aggregation == "none", ind.code
        if ind.aggregation == "sum":
            assert ind.unit != "%", ind.code


def test_restricted_indicators_are_petitions_or_public_safety(catalog):
    restricted = [ind for ind in catalog if ind.sensitivity == "restricted"]
    assert restricted
    for ind in restricted:
        assert {"petition", "safety"} & set(ind.topics), ind.code
    for ind in catalog:
        if "petition" in ind.topics:
            assert ind.sensitivity == "restricted", ind.code


def test_typical_values_sit_on_the_normal_side_of_blue(catalog):
    thresholded = [ind for ind in catalog if ind.has_thresholds]
    assert len(thresholded) >= 0.6 * len(catalog)
    for ind in thresholded:
        assert level(ind, ind.typical) == 0, f"{ind.code}: typical {ind.typical} reaches {ind.thresholds}"
        assert ind.typical not in ind.thresholds, ind.code


def test_headlines_frequencies_and_metadata(catalog):
    headlines = Counter(ind.theme for ind in catalog if ind.headline)
    assert set(headlines) == set(THEMES)
    assert all(6 <= count <= 8 for count in headlines.values()), headlines
    frequencies = Counter(ind.frequency for ind in catalog)
    assert frequencies.most_common(1)[0][0] == "monthly"
    assert frequencies["daily"] >= 50 and frequencies["weekly"] >= 5
    for ind in catalog:
        assert ind.department.startswith("市"), ind.code
        assert re.search(r"[\u4e00-\u9fff]", ind.definition), ind.code


def test_demo_hints_use_the_documented_vocabulary(catalog):
    breach = 0
    for ind in catalog:
        for part in filter(None, ind.demo.split(";")):
            key, _, value = part.partition("=")
            if not value:
                assert key in DEMO_FLAGS, (ind.code, part)
                continue
            assert key in DEMO_KEYS, (ind.code, part)
            if key == "season":
                assert set(value.split("+")) <= DEMO_SEASONS, (ind.code, part)
            elif key == "cities":  # a city's own industry: the adcodes of the cities that have it
                assert all(len(adcode) == 6 and adcode.isdigit() for adcode in value.split("+")), (ind.code, part)
            else:
                float(value)
        if "breach" in ind.demo.split(";"):
            assert ind.has_thresholds, ind.code
            breach += 1
    thresholded = sum(ind.has_thresholds for ind in catalog)
    # A few stories, not many: the weather, air, hotline and industry episodes carry the rest, and the
    # environment's come from its simulated weather and air, not from a hint.
    assert 0.02 * thresholded <= breach <= 0.08 * thresholded
    assert {ind.theme for ind in catalog if "breach" in ind.demo} == set(THEMES) - {"environment"}


# --------------------------------------------------------------------------- bad catalogs


def _pick(rows, **wanted) -> dict[str, str]:
    """The first row with the wanted values and all four thresholds (when asked), naming no other indicator
    through a formula or a growth link (a sample of rows stands on its own)."""
    need_thresholds = wanted.pop("thresholds", False)
    for row in rows:
        linked = row["derived"] or row["growth_of"]
        if all(row[k] == v for k, v in wanted.items()) and (not need_thresholds or row["blue"]) and not linked:
            return dict(row)
    raise AssertionError(f"no row like {wanted}")


@pytest.fixture()
def sample(good_rows):
    """A few good rows: a weight, an up, a down and a weighted district indicator."""
    rows = [
        _pick(good_rows, code="ECO-POP-001"),
        _pick(good_rows, direction="up", spatial_level="city", thresholds=True),
        _pick(good_rows, direction="down", aggregation="sum", thresholds=True),
        _pick(good_rows, aggregation="wmean:ECO-POP-001", thresholds=True),
    ]
    assert len(parse_catalog(to_text(rows))) == 4
    return rows


def test_rejects_a_duplicate_code(sample):
    text = to_text(sample)
    text += text.splitlines()[2] + "\n"  # the up row again, as line 6
    message = rejection(text)
    code = sample[1]["code"]
    assert f"line 6, {code}: field 'code': duplicate of line 3" in message


def test_rejects_an_unknown_theme(sample):
    sample[2]["theme"] = "economics"
    message = rejection(to_text(sample))
    assert f"{sample[2]['code']}: field 'theme'" in message


def test_rejects_an_unknown_topic(sample):
    sample[3]["topics"] = "health;petitions"
    message = rejection(to_text(sample))
    assert re.search(rf"{sample[3]['code']}: field 'topics[.\d]*'", message), message


def test_rejects_thresholds_out_of_order_for_up(sample):
    row = sample[1]
    row["blue"], row["red"] = row["red"], row["blue"]
    message = rejection(to_text(sample))
    assert f"{row['code']}: field 'thresholds': not ordered for direction up" in message


def test_rejects_thresholds_out_of_order_for_down(sample):
    row = sample[2]
    row["blue"], row["yellow"], row["orange"], row["red"] = row["red"], row["orange"], row["yellow"], row["blue"]
    message = rejection(to_text(sample))
    assert f"{row['code']}: field 'thresholds': not ordered for direction down" in message


def test_rejects_an_aggregation_naming_a_missing_indicator(sample):
    sample[3]["aggregation"] = "wmean:ECO-POP-999"
    message = rejection(to_text(sample))
    assert f"{sample[3]['code']}: field 'aggregation': weight indicator ECO-POP-999 is missing" in message


def test_rejects_a_weight_that_is_gone(sample):
    message = rejection(to_text(sample[1:]))
    assert f"{sample[3]['code']}: field 'aggregation'" in message and "ECO-POP-001" in message


def test_lists_every_bad_entry_at_once(sample):
    sample[1]["theme"] = "economics"
    sample[2]["topics"] = "weather"
    message = rejection(to_text(sample))
    assert sample[1]["code"] in message and sample[2]["code"] in message


def test_every_catalog_unit_has_an_english_form():
    from indicators.catalog.entries import load_catalog, unit_names

    missing = {indicator.unit for indicator in load_catalog()} - set(unit_names())
    assert not missing, f"add to indicators/catalog/units.csv: {sorted(missing)}"
    assert unit_names()["亿元"] == "100M yuan" and unit_names()["张/千人"] == "beds per 1000 people"


def test_every_catalog_source_has_an_english_name():
    from indicators.catalog.entries import load_catalog, source_en, source_names

    missing = {indicator.source for indicator in load_catalog() if indicator.source} - set(source_names())
    assert not missing, f"add to indicators/catalog/sources.csv: {sorted(missing)}"
    assert not [en for en in source_names().values() if re.search(r"[\u4e00-\u9fff]", en)]  # English, not Chinese
    assert source_en("国家统计局月度统计").startswith("National Bureau of Statistics")


def test_every_indicator_has_an_english_definition():
    from indicators.catalog.entries import english_definitions, load_catalog

    codes = [indicator.code for indicator in load_catalog()]
    assert sorted(english_definitions()) == sorted(codes), "indicators/catalog/definitions_en.csv: one row per code"
    assert not [code for code, text in english_definitions().items() if not text or re.search(r"[\u3400-\u9fff]", text)]


def test_an_edited_chinese_definition_is_not_shown_under_the_old_translation():
    from indicators.catalog.entries import english_definitions, load_catalog
    from pages._i18n import definition_text

    shipped = load_catalog()["ECO-GDP-001"].definition
    assert definition_text("ECO-GDP-001", shipped, "en") == english_definitions()["ECO-GDP-001"]
    edited = shipped + "(含新口径)"
    assert definition_text("ECO-GDP-001", edited, "en") == edited == definition_text("ECO-GDP-001", edited, "zh")


# --------------------------------------------------------------------------- accumulation and derived indicators


def test_the_bureau_statistics_are_marked_as_bureaus_publish_them(catalog):
    ytd = {ind.code for ind in catalog if ind.accumulation == "ytd"}
    assert {"ECO-IND-001", "ECO-INV-001", "ECO-CON-001", "ECO-TRD-002", "ECO-FIS-001", "ECO-GDP-001"} <= ytd
    assert catalog["ECO-IND-001"].jan_feb_merged and catalog["ECO-CON-001"].jan_feb_merged
    assert catalog["ECO-FIN-002"].accumulation == "stock" and catalog["ECO-POP-001"].accumulation == "stock"
    assert catalog["ECO-GDP-001"].formula.inputs == ("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005")
    assert catalog["ECO-GDP-002"].growth_of == "ECO-GDP-001" and catalog["ECO-IND-002"].growth_of == "ECO-IND-001"
    assert catalog["ECO-IND-001"].single_periods and not catalog["ECO-IND-002"].single_periods  # a rate


def _derived_rows(good_rows) -> list[dict[str, str]]:
    return [dict(row) for row in good_rows if row["code"] in ("ECO-GDP-001", "ECO-GDP-002", "ECO-GDP-003",
                                                                "ECO-GDP-004", "ECO-GDP-005")]


def test_a_formula_naming_an_unknown_indicator_is_refused(good_rows):
    rows = _derived_rows(good_rows)
    rows[0]["derived"] = "ECO-GDP-003 + ECO-GDP-999"
    assert "ECO-GDP-001: field 'derived': unknown indicator ECO-GDP-999" in rejection(to_text(rows))


def test_a_formula_that_is_not_arithmetic_is_refused(good_rows):
    rows = _derived_rows(good_rows)
    rows[0]["derived"] = "__import__('os')"
    assert "ECO-GDP-001: field 'derived'" in rejection(to_text(rows))


def test_formulas_that_depend_on_each_other_are_refused(good_rows):
    rows = _derived_rows(good_rows)
    rows[2]["derived"] = "ECO-GDP-001 - ECO-GDP-004"  # the primary sector from the total, which reads it
    assert "the formulas depend on each other" in rejection(to_text(rows))


def test_a_total_of_parts_that_accumulate_differently_is_refused(good_rows):
    rows = _derived_rows(good_rows)
    rows[3]["accumulation"] = "period"
    assert "a total adds values of one kind: ECO-GDP-004 is period" in rejection(to_text(rows))


@pytest.mark.parametrize("change, field", [
    ({"frequency": "daily", "accumulation": "ytd"}, "accumulation"),
    ({"jan_feb_merged": "true"}, "jan_feb_merged"),  # a quarterly indicator
    ({"growth_of": "ECO-GDP-003", "unit": "亿元"}, "growth_of"),
])
def test_accumulation_fields_are_validated(good_rows, change, field):
    rows = _derived_rows(good_rows)
    rows[1].update(change)
    rows[1]["derived"] = ""
    assert f"ECO-GDP-002: field '{field}'" in rejection(to_text(rows))


def test_a_partial_file_may_name_indicators_the_store_knows(catalog, good_rows):
    only_growth = [dict(row) for row in good_rows if row["code"] == "ECO-GDP-002"]
    with pytest.raises(CatalogError):
        parse_catalog(to_text(only_growth))
    assert len(parse_catalog(to_text(only_growth), known=catalog)) == 1
