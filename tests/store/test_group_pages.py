"""Theme and topic pages built from a real demo store (SQLite and PostgreSQL)."""



import app  # noqa: F401 - creates the Dash app, which registers the pages
from indicators.catalog.levels import LEVEL_RANK
from indicators.views.queries import latest_snapshot
from pages._group import apply_filters, build_group, filters_from, select_rows, url_for
from tests.helpers import text_of


def test_rows_are_the_group_worst_first(use_demo_store):
    snapshot = latest_snapshot("350200")
    rows = select_rows(snapshot, "theme", "environment", {})
    assert len(rows) == (snapshot["theme"] == "environment").sum() and set(rows["theme"]) == {"environment"}
    ranks = rows["level"].map(LEVEL_RANK).tolist()
    assert ranks == sorted(ranks, reverse=True)
    health = select_rows(snapshot, "topic", "health", {})
    assert len(health) > 10 and all("health" in topics for topics in health["topics"])


def test_filters_narrow_the_rows(use_demo_store):
    snapshot = latest_snapshot("350200")
    everything = select_rows(snapshot, "theme", "environment", {})
    department = everything["department"].value_counts().index[0]
    rows = select_rows(snapshot, "theme", "environment", {"department": department})
    assert 0 < len(rows) < len(everything) and set(rows["department"]) == {department}
    assert select_rows(snapshot, "theme", "environment", {"level": "normal"})["level"].eq("normal").all()
    emergency = select_rows(snapshot, "theme", "governance", {"topic": "emergency"})
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
