"""Routing rules: matchers, order, first or all matches, the default; what a webhook body looks like."""

from datetime import datetime

from indicators.store.models import RoutingRule
from indicators.warnings.channels import dingtalk_signed_url, robot_payload
from indicators.warnings.routing import AlertFacts, Route, route

RED_PM25 = AlertFacts(alert_id=1, code="ENV-AIR-001", theme="environment", topics=("health",), adcode="350203",
                      city_key="xiamen", level="red", rule="threshold", department="市生态环境局",
                      sensitivity="public")


def _rule(id_, position=0, stop=True, **fields) -> RoutingRule:
    return RoutingRule(id=id_, city_key=fields.pop("city_key", "xiamen"), position=position, name=f"r{id_}",
                       indicator_code=fields.pop("indicator_code", ""), theme=fields.pop("theme", ""),
                       topic=fields.pop("topic", ""), area_adcode=fields.pop("area_adcode", ""),
                       min_level=fields.pop("min_level", ""), rule_kind=fields.pop("rule_kind", ""),
                       departments=fields.pop("departments", ""), persons=fields.pop("persons", ""), stop=stop,
                       active=fields.pop("active", True), created_at=datetime(2025, 1, 1))


def test_no_rule_means_the_responsible_department():
    assert route([], RED_PM25) == Route(("市生态环境局",), ())
    other_city = _rule(1, city_key="ningde", departments="市应急管理局")
    assert route([other_city], RED_PM25) == Route(("市生态环境局",), ())


def test_the_first_matching_rule_wins_in_position_order():
    rules = [_rule(1, position=5, theme="environment", departments="市生态环境局"),
             _rule(2, position=1, area_adcode="350203", departments="思明区城运中心"),
             _rule(3, position=0, theme="economy", departments="市统计局")]
    assert route(rules, RED_PM25) == Route(("思明区城运中心",), (), ("r2",))


def test_rules_without_stop_add_up_and_a_level_floor_filters():
    rules = [_rule(1, position=1, stop=False, min_level="orange", persons="duty, chief"),
             _rule(2, position=2, stop=False, topic="health", departments="市卫健委"),
             _rule(3, position=3, min_level="red", rule_kind="threshold", departments="市应急管理局，市卫健委"),
             _rule(4, position=4, departments="never")]
    assert route(rules, RED_PM25) == Route(("市卫健委", "市应急管理局"), ("duty", "chief"), ("r1", "r2", "r3"))
    yellow = RED_PM25.__class__(**{**RED_PM25.__dict__, "level": "yellow"})
    # Yellow: rule 1 wants orange or worse, rule 3 red; without rule 3 to stop, the catch-all rule 4 adds its own.
    assert route(rules, yellow) == Route(("市卫健委", "never"), (), ("r2", "r4"))
    assert route([_rule(9, active=False, departments="x")], RED_PM25).departments == ("市生态环境局",)


def test_robot_bodies_follow_the_dingtalk_and_wecom_message_types():
    assert robot_payload("dingtalk", "text", "T", "body") == {"msgtype": "text", "text": {"content": "T\nbody"}}
    assert robot_payload("dingtalk", "markdown", "T", "body")["markdown"] == {"title": "T", "text": "### T\n\nbody"}
    assert robot_payload("wecom", "markdown", "T", "body") == {"msgtype": "markdown",
                                                             "markdown": {"content": "### T\nbody"}}


def test_the_dingtalk_signature_is_computed_as_dingtalk_documents_it():
    # timestamp 1700000000000, secret "SECtest": HMAC-SHA256 of "1700000000000\nSECtest", Base64, URL-quoted.
    url = dingtalk_signed_url("https://robot.example/send?access_token=t", "SECtest", now=1_700_000_000)
    assert url.startswith("https://robot.example/send?access_token=t&timestamp=1700000000000&sign=")
    assert url.endswith("sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D")
