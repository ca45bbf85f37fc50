"""The alert centre's builders without a browser, and its actions against a real (small) store."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from urllib.parse import parse_qsl

import pandas as pd
import pytest

from indicators.store import db
from tests.helpers import request_context, text_of

TODAY = date(2024, 12, 10)
NO_FILTERS = {"level": None, "rule": None, "theme": None, "topic": None, "area": None, "department": None,
              "state": "open"}


@pytest.fixture(scope="module")
def dash_app():
    from indicators.views.cache import cache

    # Importing the app binds the query cache; later tests in the run get it as they found it.
    before = getattr(cache, "app", None)
    import app as app_module

    yield app_module.app
    cache.app = before


@pytest.fixture(scope="module")
def alerts_page(dash_app):
    # Pages register themselves with the app, so they import only once it exists.
    from pages import alerts

    return alerts


@pytest.fixture(scope="module")
def parts(alerts_page):
    from pages import _alerts_parts

    return _alerts_parts


@pytest.fixture(scope="module")
def view():
    from indicators.views import alerts

    return alerts


@contextmanager
def triggered(prop_id: str, value=1):
    """Run a callback body as if ``prop_id`` had fired (Dash's context, without a browser)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": value}]))
    try:
        yield
    finally:
        context_value.reset(token)


def alert_frame() -> pd.DataFrame:
    """Three alerts as ``queries.alerts`` returns them."""
    base = {"indicator_code": "ENV-AIR-001", "area_adcode": "350203", "rule": "threshold",
            "department": "市生态环境局", "period": date(2024, 12, 9), "frequency": "daily",
            "name_zh": "PM2.5日均浓度", "name_en": "PM2.5 daily mean",
            "area_zh": "思明区", "area_en": "Siming District", "closed_at": None}
    rows = [
        {**base, "id": 7, "level": "red", "state": "new", "sentence_zh": "思明区 红色", "sentence_en": "Siming red",
         "opened_at": datetime(2024, 12, 9, 8, 5), "updated_at": datetime(2024, 12, 9, 8, 5)},
        {**base, "id": 3, "level": "orange", "state": "acknowledged", "sentence_zh": "思明区 橙色",
         "sentence_en": "Siming orange", "opened_at": datetime(2023, 5, 1, 9, 0),
         "updated_at": datetime(2024, 1, 2, 10, 30)},
        {**base, "id": 9, "level": "orange", "state": "dispatched", "rule": "stale", "sentence_zh": "湖里区 迟报",
         "sentence_en": "Huli late", "area_zh": "湖里区", "area_en": "Huli District",
         "opened_at": datetime(2024, 11, 1, 7, 0), "updated_at": datetime(2024, 11, 2, 7, 0)},
    ]
    return pd.DataFrame(rows)


def history_frame() -> pd.DataFrame:
    """An alert's events as ``queries.alert_history`` returns them (SQL NULLs become NaN)."""
    return pd.DataFrame([
        {"at": datetime(2024, 12, 9, 8, 5), "user": "system", "action": "open", "from_state": None, "to_state": "new",
         "level": "red", "department": None, "comment": "思明区 红色"},
        {"at": datetime(2024, 12, 9, 9, 0), "user": "wang", "action": "acknowledge", "from_state": "new",
         "to_state": "acknowledged", "level": "red", "department": None, "comment": "已核实"},
        {"at": datetime(2024, 12, 9, 9, 30), "user": "wang", "action": "dispatch", "from_state": "acknowledged",
         "to_state": "dispatched", "level": "red", "department": "市生态环境局", "comment": ""},
    ])


def cell_texts(table) -> list[list[str]]:
    """The text of each body cell of a history table."""
    def text(node) -> str:
        if isinstance(node, str):
            return node
        children = getattr(node, "children", None)
        children = children if isinstance(children, list) else [children]
        return "".join(text(c) for c in children if c is not None)

    body = table.children[1]
    return [[text(cell) for cell in row.children] for row in body.children]


# ---- pure builders -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state, allowed", [
    ("new", ["acknowledge", "dispatch", "resolve"]),
    ("acknowledged", ["dispatch", "resolve"]),
    ("dispatched", ["dispatch", "resolve"]),
    ("resolved", ["close"]),
    ("closed", []),
])
def test_allowed_actions_follow_the_lifecycle(alerts_page, view, state, allowed):
    assert view.allowed_actions(state) == allowed


def test_refusal_says_the_state_and_what_is_needed(alerts_page, parts):
    zh = parts.action_refusal("close", "new", "zh")
    en = parts.action_refusal("acknowledge", "resolved", "en")
    assert "新预警" in zh and "关闭" in zh and "已解除" in zh
    assert "resolved" in en and "Acknowledge" in en and "new" in en


def test_every_state_rule_and_action_has_both_languages(alerts_page, view):
    from indicators.warnings.rules import RULES
    from pages._i18n import STRINGS

    for rule in RULES.values():  # the rules label themselves
        assert rule.label("zh") and rule.label("en") and rule.label("zh") != rule.label("en"), rule.name
    keys = ([f"alerts_state_{s}" for s in view.STATE_CHOICES]
            + [f"alerts_action_{a}" for a in view.ACTIONS]
            + [f"alerts_did_{a}" for a in (*view.ACTIONS, "open", "escalate", "auto_resolve")])
    for key in keys:
        zh, en = STRINGS[key]
        assert zh and en and zh != en, key


def test_filters_come_from_the_query_and_unknown_values_are_dropped(alerts_page, parts, view):
    choices = {"level": {"red", "orange"}, "area": {"350203"}, "state": set(view.STATE_CHOICES)}
    filters = parts.filters_from_query({"level": "purple", "area": "350203", "rule": "x"}, choices)
    assert filters == {**NO_FILTERS, "area": "350203"}
    assert parts.filters_from_query({"state": "closed", "level": "red"}, choices)["state"] == "closed"


def test_query_string_round_trips_through_the_filters(alerts_page, parts):
    filters = {**NO_FILTERS, "level": "red", "area": "350203", "state": "resolved"}
    search = parts.query_string("ningde", "en", filters, 123)
    params = dict(parse_qsl(search.lstrip("?")))
    assert params == {"city": "ningde", "lang": "en", "level": "red", "area": "350203", "state": "resolved",
                      "alert": "123"}
    choices = {"level": {"red"}, "area": {"350203"}, "state": {"resolved", "open"}}
    assert parts.filters_from_query(params, choices) == filters
    # The default state and an empty selection stay out of the URL.
    assert parts.query_string("xiamen", "zh", NO_FILTERS, None) == "?city=xiamen&lang=zh"


def test_times_read_naturally_in_each_language(alerts_page, parts):
    moment = datetime(2024, 3, 5, 14, 7)
    assert parts.format_time(moment, "zh") == "2024年3月5日 14:07"
    assert parts.format_time(moment, "en") == "5 Mar 2024, 14:07"
    assert parts.format_time(moment, "zh", today=date(2024, 12, 1)) == "3月5日 14:07"
    assert parts.format_time(pd.Timestamp(moment), "en", today=date(2025, 1, 1)) == "5 Mar 2024, 14:07"
    assert parts.format_time(pd.NaT, "en") == parts.format_time(None, "zh") == "—"


def test_list_rows_show_each_alert_in_order_and_mark_the_selected(alerts_page, parts):
    rows = parts.alert_rows(alert_frame(), "en", selected=3, today=TODAY)
    assert [row.id["id"] for row in rows] == [7, 3, 9]
    assert [("is-selected" in row.className, f"level-{lvl}" in row.className)
            for row, lvl in zip(rows, ["red", "orange", "orange"])] == [(False, True), (True, True), (False, True)]
    first, second = text_of(rows[0]), text_of(rows[1])
    assert "Siming red" in first and "思明区 红色" not in first
    assert "Municipal Ecology and Environment Bureau" in first and "Threshold" in first and "New" in first
    assert "Opened\u00a09\u00a0Dec,\u00a008:05" in first  # this year: no year; a time never wraps inside
    assert "1\u00a0May\u00a02023,\u00a009:00" in second and "Acknowledged" in second
    zh = text_of(parts.alert_rows(alert_frame(), "zh", today=TODAY)[2])
    assert "湖里区 迟报" in zh and "市生态环境局" in zh and "迟报" in zh and "已派发" in zh


def test_history_table_has_who_when_what_and_the_state_change(alerts_page, parts):
    zh = cell_texts(parts.history_table(history_frame(), "zh"))
    assert zh == [
        ["2024年12月9日 08:05", "系统", "生成预警", "— → 新预警", "思明区 红色"],
        ["2024年12月9日 09:00", "wang", "确认", "新预警 → 已确认", "已核实"],
        ["2024年12月9日 09:30", "wang", "派发", "已确认 → 已派发", "→ 市生态环境局"],
    ]
    en = cell_texts(parts.history_table(history_frame(), "en"))
    assert en[1][2:4] == ["Acknowledged", "New → Acknowledged"]
    assert en[2][4] == "→ Municipal Ecology and Environment Bureau"


def test_level_tally_counts_worst_first(alerts_page, view):
    assert list(view.level_tally(alert_frame()).items()) == [("red", 1), ("orange", 2), ("yellow", 0),
                                                                    ("blue", 0)]


@pytest.mark.parametrize("trigger, limit, window", [
    ("alerts-filter-level", 300, (0, 100)),   # new filters: the first page again
    ("alerts-more", 200, (200, 300)),         # show more: only the next page
    ("alerts-version", 300, (0, 100)),        # after an action: the first page, refreshed
    (None, None, (0, 100)),                   # first load
])
def test_list_renders_a_page_at_a_time(alerts_page, parts, trigger, limit, window):
    assert parts.list_window(trigger, limit) == window


@pytest.mark.parametrize("trigger, limit, window", [
    (None, None, (0, 10)),                    # a phone's first load: ten rows
    ("alerts-more", 10, (10, 20)),            # show more: ten more
    ("alerts-filter-level", 30, (0, 10)),     # new filters: the first ten again
])
def test_a_phone_lists_ten_alerts_at_a_time(alerts_page, parts, trigger, limit, window):
    assert parts.list_window(trigger, limit, parts.page_size(10)) == window


@pytest.mark.parametrize("asked", [10, 100, None, 5000, "10", -1])
def test_only_the_phone_and_desk_page_sizes_are_served(alerts_page, parts, asked):
    assert parts.page_size(asked) == (10 if asked == 10 else 100)


# ---- against a small real store ----------------------------------------------------------------------------

@pytest.fixture
def store(store_url, monkeypatch):
    """Xiamen with three open alerts: 思明 PM2.5 (orange), 湖里 hotline (yellow), city industry data late (yellow)."""
    from indicators.views.cache import cache
    from indicators.warnings.alerts import run_warnings
    from tests.store._mini import XIAMEN, create_mini_store, series_frame, write_series

    # Straight to this test's store: the app's cache is keyed by data version, which other stores share.
    monkeypatch.setattr(cache, "app", None)
    create_mini_store(store_url)
    pm_normal = [30.0 + (i % 3) for i in range(20)]
    write_series([
        series_frame("ENV-AIR-001", "350203", pm_normal[:17] + [160.0, 165.0, 158.0], "D", TODAY.replace(day=9)),
        series_frame("ENV-AIR-001", "350206", pm_normal, "D", TODAY.replace(day=9)),
        series_frame("GOV-HOT-001", "350206", [91.0] * 11 + [79.0], "MS", date(2024, 11, 1)),
        series_frame("ECO-IND-001", XIAMEN.adcode, [6.0] * 12, "MS", date(2024, 8, 1)),
    ])
    run_warnings(today=TODAY)
    return store_url


def _alert_id(view, code: str) -> int:
    frame = view.filtered_alerts("xiamen", NO_FILTERS)
    return int(frame.loc[frame["indicator_code"] == code, "id"].iloc[0])


def test_list_counts_by_level_and_filters(alerts_page, store):
    part = alerts_page.build_list("xiamen", "zh", NO_FILTERS)
    assert part["counts"] == {"red": 0, "orange": 1, "yellow": 2, "blue": 0}
    assert part["total"] == part["shown"] == len(part["rows"]) == 3
    assert "连续3日高于" in text_of(part["rows"][0])  # worst first: the orange PM2.5 alert
    yellow = alerts_page.build_list("xiamen", "en", {**NO_FILTERS, "level": "yellow"})
    assert yellow["counts"] == part["counts"] and yellow["total"] == 2
    stale = alerts_page.build_list("xiamen", "zh", {**NO_FILTERS, "rule": "stale"})
    assert stale["total"] == 1 and "ECO-IND-001" not in text_of(stale["rows"]) and "迟报" in text_of(stale["rows"])
    # One row rendered, three matching: the rest waits for "show more".
    paged = alerts_page.build_list("xiamen", "zh", NO_FILTERS, start=1, limit=2)
    assert len(paged["rows"]) == 1 and paged["shown"] == 2 and paged["total"] == 3


def test_acknowledge_moves_the_state_and_adds_history(alerts_page, view, store):
    alert_id = _alert_id(view, "ENV-AIR-001")
    done, message = alerts_page.run_action("xiamen", "zh", alert_id, "acknowledge", comment="  已电话核实  ")
    assert done and "已确认" in text_of(message)
    assert view.find_alert("xiamen", alert_id)["state"] == "acknowledged"
    content, row = alerts_page.build_detail("xiamen", "en", alert_id)
    assert row["state"] == "acknowledged"
    history = cell_texts(content[-1])
    # A new alert is routed by the system at once (issue 19); people act after that.
    assert [r[1:4] for r in history] == [["system", "Opened", "— → New"],
                                         ["system", "Dispatched", "New → New"],
                                         ["system", "Acknowledged", "New → Acknowledged"]]  # outside a request: the system
    assert history[-1][4] == "已电话核实"


def test_an_illegal_action_is_a_message_not_an_exception(alerts_page, view, store):
    alert_id = _alert_id(view, "GOV-HOT-001")
    done, message = alerts_page.run_action("xiamen", "en", alert_id, "close", comment="too early")
    assert not done and "This alert is new" in text_of(message) and "resolved" in text_of(message)
    assert view.find_alert("xiamen", alert_id)["state"] == "new"
    history = cell_texts(alerts_page.build_detail("xiamen", "zh", alert_id)[0][-1])
    assert [r[2] for r in history] == ["生成预警", "派发"]  # opened and routed by the system; the refused close adds nothing
    missing, note = alerts_page.run_action("xiamen", "zh", 10_000, "acknowledge")
    assert not missing and "未找到该预警" in text_of(note)


def test_dispatch_goes_to_the_catalog_department_or_the_chosen_one(alerts_page, view, store):
    hotline = _alert_id(view, "GOV-HOT-001")
    assert alerts_page.run_action("xiamen", "zh", hotline, "dispatch", department="市信访局")[0]
    row = view.find_alert("xiamen", hotline)
    assert (row["state"], row["department"]) == ("dispatched", "市信访局")
    # Dispatching again without a choice sends it back to the catalog's responsible department.
    assert alerts_page.run_action("xiamen", "zh", hotline, "dispatch")[0]
    assert view.find_alert("xiamen", hotline)["department"] == "市政务服务中心"
    history = cell_texts(alerts_page.build_detail("xiamen", "zh", hotline)[0][-1])
    assert history[1][4].startswith("→ 市政务服务中心 · 系统分拨")  # the routing rules' dispatch on opening
    assert [r[4] for r in history[2:]] == ["→ 市信访局", "→ 市政务服务中心"]
    # Resolved then closed: it leaves the open list and only the closed filter shows it.
    assert alerts_page.run_action("xiamen", "zh", hotline, "resolve")[0]
    assert alerts_page.run_action("xiamen", "zh", hotline, "close")[0]
    assert alerts_page.build_list("xiamen", "zh", NO_FILTERS)["total"] == 2
    closed = alerts_page.build_list("xiamen", "zh", {**NO_FILTERS, "state": "closed"})
    assert closed["total"] == 1 and closed["rows"][0].id["id"] == hotline


def test_with_no_alert_picked_the_detail_sums_up_the_open_alerts(alerts_page, view, store):
    args = {"city": "xiamen", "lang": "en"}
    with triggered("alerts-filter-level.value", None):
        shown = text_of(alerts_page.fill_overview(*NO_FILTERS.values(), 0, args))
    open_alerts = view.alert_list("xiamen", {}).total
    assert "Open alerts at a glance" in shown and f"{open_alerts} open alerts match the filters" in shown
    overview = view.alert_overview("xiamen")
    assert overview.total == open_alerts == int(overview.themes["count"].sum())
    assert int(overview.departments["count"].sum()) == open_alerts


def test_a_number_and_its_unit_never_wrap_apart_in_the_list():
    from pages._alerts_parts import _amounts_unbroken

    assert _amounts_unbroken("工业增加值同比 为 -6 %,去化周期 37.1 月") == "工业增加值同比 为 -6\u00a0%,去化周期 37.1\u00a0月"


def test_the_overviews_department_bars_add_up_to_the_open_alerts():
    from indicators.views.alerts import AlertOverview
    from pages._alerts_parts import overview_content

    departments = pd.DataFrame({"department": [f"市第{i}局" for i in range(12)], "count": [12 - i for i in range(12)],
                                "worst": ["blue"] * 12, "waiting": [0] * 12})
    overview = AlertOverview(departments, pd.DataFrame({"theme": ["economy"], "count": [78]}), waiting=0, total=78)
    content = overview_content(overview, "en")
    by_department = content[2].children[0]  # the first chart: departments
    values = [int(row.children[2].children) for row in by_department.children[1:]]
    assert len(values) == 11 and sum(values) == 78  # ten departments, and the other two as one bar
    assert "2 other departments" in text_of(by_department)


def test_action_callback_refreshes_the_list_and_keeps_refusals_polite(alerts_page, view, store):
    alert_id = _alert_id(view, "ENV-AIR-001")
    args = {"city": "xiamen", "lang": "en"}
    with triggered("alerts-do-acknowledge.n_clicks"):
        version, message, comment = alerts_page.take_action(1, 0, 0, 0, alert_id, "seen", None, 4, args)
    assert version == 5 and comment == "" and "Acknowledge: done" in text_of(message)
    with triggered("alerts-do-acknowledge.n_clicks", 2):
        version, message, comment = alerts_page.take_action(2, 0, 0, 0, alert_id, "again", None, 5, args)
    assert version is alerts_page.no_update and comment is alerts_page.no_update
    assert "This alert is acknowledged" in text_of(message)
    with triggered("alerts-version.data", 5):
        detail = alerts_page.fill_detail(alert_id, 5, args)
    body, main_class, actions_hidden, *_ = detail
    buttons = dict(zip(view.ACTIONS, detail[6:10]))
    assert "has-selection" in main_class and actions_hidden is False
    assert buttons == {"acknowledge": True, "dispatch": False, "resolve": False, "close": True}  # True = hidden
    assert "seen" in text_of(body)


def test_the_page_shows_the_new_state_right_after_an_action_through_the_cache(alerts_page, view, store, dash_app,
                                                                             monkeypatch):
    from indicators.views.cache import cache

    monkeypatch.setattr(cache, "app", dash_app.server)  # the cache the running app uses
    with dash_app.server.app_context():
        cache.clear()
        try:
            alert_id = _alert_id(view, "ENV-AIR-001")
            before = alerts_page.build_list("xiamen", "en", NO_FILTERS)
            assert alert_id in [row.id["id"] for row in before["rows"]]
            assert view.find_alert("xiamen", alert_id)["state"] == "new"  # now cached
            assert alerts_page.run_action("xiamen", "en", alert_id, "resolve", comment="fixed")[0]
            after = alerts_page.build_list("xiamen", "en", NO_FILTERS)
            assert alert_id not in [row.id["id"] for row in after["rows"]] and after["total"] == before["total"] - 1
            assert view.find_alert("xiamen", alert_id)["state"] == "resolved"
        finally:
            cache.clear()


def test_layout_applies_the_url_and_says_when_the_store_is_down(alerts_page, dash_app, store):
    with request_context(dash_app.server, "/alerts"):
        page = text_of(alerts_page.layout(city="xiamen", lang="en", level="red", area="350203", state="bogus",
                                          alert="12"))
    assert '"value": "red"' in page and '"value": "350203"' in page and "Siming District" in page
    assert '"data": 12' in page and '"value": "open"' in page and "Alert centre" in page
    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")  # nothing listens on port 1
    args = {"city": "xiamen", "lang": "zh"}
    with request_context(dash_app.server, "/alerts"):
        assert "Alert centre" in text_of(alerts_page.layout(city="xiamen", lang="en"))
        with triggered("alerts-filter-level.value", None):
            listed = alerts_page.fill_list(*NO_FILTERS.values(), 0, 0, None, 100, args)
        with triggered("alerts-selected.data", 5):
            detail = alerts_page.fill_detail(5, 0, args)
        with triggered("alerts-do-resolve.n_clicks"):
            acted = alerts_page.take_action(0, 0, 1, 0, 5, "", None, 0, args)
    assert all("数据暂不可用" in text_of(part) for part in (listed[0], detail[0], acted[1]))
