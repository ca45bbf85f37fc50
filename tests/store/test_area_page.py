"""The area page and the district ranks, from a real demo store (SQLite and PostgreSQL)."""



import app  # noqa: F401 - creates the Dash app, which registers the pages
from indicators.views.queries import area_values, district_ranks, latest_snapshot
from pages.area import build_area, city_of, worst_rows
from tests.helpers import request_context, text_of


def test_ranks_agree_with_the_districts_values(use_demo_store):
    ranks = district_ranks("xiamen")
    assert set(ranks["of"]) == {6} and ranks["rank"].min() == 1
    code = ranks["code"].iloc[0]
    values = area_values(code, "xiamen")
    districts = values[values["level"] == "district"]
    mine = ranks[ranks["code"] == code]
    # area_values ranks best first too; the newest period of every district is the same here.
    best = mine.loc[mine["rank"] == 1, "adcode"].tolist()
    assert districts["adcode"].iloc[0] in best


def test_area_profile(use_demo_store):
    text = text_of(build_area("350203", "zh"))
    assert "思明区" in text and "经济发展" in text and "核心指标区县排名" in text and " / 6" in text
    worst = worst_rows(latest_snapshot("350203"))
    assert (worst["level"] != "normal").all()
    for name in worst["name_zh"]:
        assert name in text
    city = text_of(build_area("350200", "en"))
    assert "Xiamen" in city and "Rank among districts" not in city  # the city is not ranked


def test_unknown_area_and_city_of():
    assert city_of("350902") == "ningde" and city_of("110101") is None


def test_unknown_area_page(use_demo_store):
    assert "未找到" in text_of(build_area("350299", "zh"))


def test_navigation_entry_and_city_switch_land_on_the_city_profile(use_demo_store):
    from pages.area import layout

    def adcode_of(component) -> str:
        return component.children[0].data["adcode"]

    with request_context(app.app.server, "/"):
        assert adcode_of(layout("city", city="ningde")) == "350900"
        assert adcode_of(layout("350203", city="ningde")) == "350900"  # switched away from Xiamen
        assert adcode_of(layout("350203")) == "350203"  # a deep link without a city keeps its district
