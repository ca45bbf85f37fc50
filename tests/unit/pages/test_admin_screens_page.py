"""/admin/screens' builders and callbacks: a valid edit previews the wall's stage with its panels, a broken one is
refused with its line and previews nothing."""

from indicators.catalog.screens import SCREENS_PATH
from tests.helpers import request_context, text_of

SHIPPED = SCREENS_PATH.read_text(encoding="utf-8")
ARGS = {"city": "xiamen", "lang": "zh"}


def test_problems_and_status_name_each_line():
    from pages._admin_screens_parts import check_status

    refused = text_of(check_status(None, None, [(12, "screens → overview → left → 1 → tiles: too many"),
                                                (40, "playlists: 'generic' is needed")], "zh"))
    assert "配置有误" in refused and "第 12 行:screens → overview → left → 1 → tiles" in refused
    assert "第 40 行" in refused and 'data-valid": "0' in refused
    assert "Valid: 2 screens, 4 playlists." in text_of(check_status(2, 4, [], "en"))


def test_a_valid_edit_is_previewed_as_the_wall_draws_it(dash_app, use_demo_store):
    from pages.admin_screens import preview

    edited = SHIPPED.replace("{panel: theme, theme: market, tiles: 3}", "{panel: chart, indicator: ECO-GDP-001}", 1)
    edited = edited.replace("{panel: alert_list, items: 4}", "{panel: ranking, items: 6}", 1)
    edited = edited.replace("title_zh: 城市运行一屏通览", "title_zh: 运行总览", 1)
    with request_context(dash_app.server, "/admin/screens"):
        answer = preview(edited, "xiamen", "overview", ARGS)
        topic = preview(edited, "ningde", "topic", ARGS)
    stage = answer["preview"]
    text = text_of(stage)
    assert "screen-stage admin-screens-stage" in text and "厦门市 · 运行总览" in text
    left, right = stage.children.children[1].children[0].children, stage.children.children[1].children[2].children
    assert [p.className.split()[1] for p in left] == ["theme-economy", "screen-chart-panel", "theme-public_service"]
    assert 'data-code": "ECO-GDP-001' in text_of(left[1]) and "screen-ranking-panel" in right[2].className
    assert "screen-rank-list" in text_of(right[2])  # the districts on the map's indicator, ranked
    assert 'data-valid": "1' in text_of(answer["status"]) and "overview" in [o["value"] for o in answer["screens"]]
    assert "宁德市 · 经济发展" in text_of(topic["preview"])  # the topic definition, on 宁德's first topic


def test_a_broken_edit_is_refused_with_its_line_and_never_previewed(dash_app, use_demo_store):
    from pages.admin_screens import preview

    broken = SHIPPED.replace("{panel: theme, theme: market, tiles: 3}", "{panel: chart, indicator: ECO-XXX-001}", 1)
    line = SHIPPED[:SHIPPED.index("theme: market")].count("\n") + 1
    with request_context(dash_app.server, "/admin/screens"):
        answer = preview(broken, "xiamen", "overview", ARGS)
        unparsable = preview(SHIPPED.replace("  overview:\n", "  overview\n", 1), "xiamen", "overview", ARGS)
    assert f"第 {line} 行:screens → overview → left → 1 → indicator: ECO-XXX-001 is not in the catalog" in text_of(
        answer["status"])
    assert "screen-stage" not in text_of(answer["preview"]) and "配置有误,不预览" in text_of(answer["preview"])
    assert "not valid YAML" in text_of(unparsable["status"]) and "screen-stage" not in text_of(unparsable["preview"])


def test_the_page_opens_for_an_administrator_and_refuses_others(dash_app, use_demo_store):
    from indicators.accounts.access import Viewer
    from indicators.accounts.audit import entries
    from pages._admin_screens_parts import screen_options
    from pages.admin_screens import layout

    with request_context(dash_app.server, "/admin/screens"):
        page = text_of(layout(city="xiamen", lang="en"))
    assert "admin-screens-text" in page and "Save to the walls" in page and "Wall preview" in page
    leader = Viewer("lee", "leader", "restricted")
    with request_context(dash_app.server, "/admin/screens", viewer=leader):
        refused = text_of(layout(city="xiamen", lang="en"))
    assert "admin-screens-text" not in refused and "not yours to see" in refused and "/login?next=%2Fadmin%2Fscreens" in refused
    assert "/admin/screens" in entries(action="access_denied", user="lee")["target"].tolist()  # audited
    assert screen_options(["overview", "topic"], "ningde", "zh") == [
        {"label": "overview", "value": "overview"}, {"label": "topic · 经济发展", "value": "topic"}]
