"""Page callbacks called as plain functions: an honest message when the store is down."""



from indicators.store import db
from tests.helpers import request_context, text_of


def test_home_says_data_unavailable_when_the_store_is_down(dash_app):
    from pages._shell import update_shell
    from pages.home import fill_home

    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")  # nothing listens on port 1
    with request_context(dash_app.server, "/"):
        assert "数据暂不可用" in text_of(fill_home({"city": "xiamen", "lang": "zh"}))
        assert "Data temporarily unavailable" in text_of(fill_home({"city": "xiamen", "lang": "en"}))
        header, footer, _, tabs = update_shell("/", "?city=ningde&lang=en")
    assert [tab.children for tab in tabs] == ["Overview", "Alerts", "Indicators", "Map"]
    assert tabs[0].className == "tab is-active" and tabs[3].href == "/map?city=ningde&lang=en"
    assert "Ningde" in text_of(header) and "English" in text_of(header)


def test_switches_keep_the_page_state_and_the_city_switch_drops_its_area(dash_app):
    from pages._shell import update_shell

    with request_context(dash_app.server, "/"):
        header, _, shell_class, tabs = update_shell("/themes/economy", "?city=xiamen&lang=zh&level=red&area=350203")
    # A theme page is a set of indicators: the 指标 tab is its section (not 总览).
    assert [tab.className for tab in tabs] == ["tab", "tab", "tab is-active", "tab"]
    assert shell_class == "shell"
    text = text_of(header)
    assert "/themes/economy?city=xiamen&lang=en&level=red&area=350203" in text  # language switch
    assert "/themes/economy?city=ningde&lang=zh&level=red\"" in text  # city switch: no Xiamen district


def test_the_tab_bar_marks_each_page_s_section(dash_app):
    from pages._shell import phone_tabs

    sections = {"/": 0, "/area/350203": 0, "/alerts": 1, "/catalog": 2, "/indicator/ECO-GDP-001": 2,
                "/themes/economy": 2, "/topics/health": 2, "/map": 3}
    with request_context(dash_app.server, "/"):
        for path, section in sections.items():
            marked = [i for i, tab in enumerate(phone_tabs(path, "xiamen", "zh")) if "is-active" in tab.className]
            assert marked == [section], path


def test_every_page_has_an_english_title(dash_app):
    import dash

    from pages._shell import english_titles

    titles = english_titles()
    for page in dash.page_registry.values():
        assert titles.get(page["title"], "").endswith("City Vitals"), page["name"]
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in titles[page["title"]]), page["name"]
    assert titles["预警中心 · City Vitals"] == "Alert centre · City Vitals"
    assert titles["城市生命体征 · City Vitals"] == "City Vitals"
