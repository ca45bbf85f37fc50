"""Theme and topic pages built from a real demo store (SQLite and PostgreSQL)."""



import app  # noqa: F401 - creates the Dash app, which registers the pages
from indicators.catalog.levels import LEVEL_RANK
from indicators.views.queries import latest_snapshot
from pages._group import apply_filters, build_group, filters_from, select_rows, url_for
from tests.helpers import text_of


def test_rows_are_the_group_worst_first(use_demo_store):
    snapshot = latest_snapshot("350200")
    rows = select_rows(snapshot, "theme", "environment", {}, "xiamen")
    assert len(rows) == (snapshot["theme"] == "environment").sum() and set(rows["theme"]) == {"environment"}
    ranks = rows["level"].map(LEVEL_RANK).tolist()
    assert ranks == sorted(ranks, reverse=True)
    health = select_rows(snapshot, "topic", "health", {}, "xiamen")
    assert len(health) > 10 and all("health" in topics for topics in health["topics"])


def test_filters_narrow_the_rows(use_demo_store):
    snapshot = latest_snapshot("350200")
    everything = select_rows(snapshot, "theme", "environment", {}, "xiamen")
    department = everything["department"].value_counts().index[0]
    rows = select_rows(snapshot, "theme", "environment", {"department": department}, "xiamen")
    assert 0 < len(rows) < len(everything) and set(rows["department"]) == {department}
    assert select_rows(snapshot, "theme", "environment", {"level": "normal"}, "xiamen")["level"].eq("normal").all()
    emergency = select_rows(snapshot, "theme", "governance", {"topic": "emergency"}, "xiamen")
    assert all("emergency" in topics for topics in emergency["topics"]) and set(emergency["theme"]) == {"governance"}


def test_page_for_a_district_with_a_filter(use_demo_store):
    text = text_of(build_group("theme", "economy", "xiamen", "zh", filters_from({"area": "350203", "level": "normal"})))
    assert "经济发展" in text and "思明区" in text and "健康指数" in text
    assert "/indicator/" in text and "area=350203" in text
    assert "未找到" in text_of(build_group("theme", "nonsense", "xiamen", "zh", filters_from({})))
    english = text_of(build_group("topic", "petition", "ningde", "en", filters_from({})))
    assert "Petitions" in english or "petition" in english.lower()


def test_filter_changes_go_to_a_shareable_url():
    args = {"kind": "theme", "key": "market", "city": "ningde", "lang": "en", "filters": filters_from({})}
    ids = [{"type": "group-filter", "name": name} for name in ("topic", "department", "area", "level")]
    url = apply_filters(["", "", "350902", "red"], ids, args)
    assert url == url_for("theme", "market", "ningde", "en", {"area": "350902", "level": "red"})
    assert url.startswith("/themes/market?") and "level=red" in url and "area=350902" in url and "topic" not in url
    # The city itself is the default area: choosing it is no filter.
    assert apply_filters(["", "", "350900", "red"], ids, args) == url_for("theme", "market", "ningde", "en", {"level": "red"})


def test_topics_are_the_citys_own(use_demo_store):
    ningde = latest_snapshot("350900")
    lithium = select_rows(ningde, "topic", "lithium", {}, "ningde")
    assert {"ECO-LIB-001", "ECO-LIB-003"} <= set(lithium["code"])
    assert select_rows(ningde, "topic", "tea", {}, "ningde").empty  # 六安's topic, not 宁德's
    text = text_of(build_group("topic", "lithium", "ningde", "zh", filters_from({})))
    assert "锂电新能源" in text and "海洋渔业" in text  # its header and its sibling topics
    refused = text_of(build_group("topic", "lithium", "xiamen", "zh", filters_from({})))
    assert "厦门市没有这个专题" in refused and "疫情防控" in refused
    units = text_of(build_group("topic", "petition", "xiamen", "en", filters_from({})))
    assert "Xiamen Municipal Bureau of" in units or "Xiamen Bureau of" in units  # the city's own 责任单位
