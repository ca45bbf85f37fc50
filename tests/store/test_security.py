"""Sign-in, roles and scope through real HTTP requests to the app, demo sign-in off (as in production).

The requests are the ones the browser sends (``tests/support/dash_requests.py``) plus hand-crafted ones
for what the pages would never ask for: a viewer must not get a restricted number through any of them.
"""

from __future__ import annotations

import json
from datetime import timedelta

import dash
import pytest

from tests.support.dash_requests import (
    alert_payloads,
    catalog_payload,
    map_payloads,
    multi_payload,
    payload,
)
from geo.cities import get_city
from indicators.catalog.entries import load_catalog
from tests.conftest import DEMO_TODAY
from tests.web_clients import PASSWORD, audit_rows, call, csrf, sign_in

pytestmark = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
RESTRICTED = [entry for entry in load_catalog() if entry.sensitivity == "restricted"]
INTERNAL = [entry for entry in load_catalog() if entry.sensitivity == "internal"]
XIAMEN, SIMING, HULI = "350200", "350203", "350206"


def _marks(entries) -> list[str]:
    """What would betray an indicator in an answer: its code and its names."""
    return [text for entry in entries for text in (entry.code, entry.name_zh, entry.name_en)]


def restricted_requests(city: str = "xiamen") -> list[dict]:
    """Requests for restricted figures: each one's page, its export, the petition pages, the map, the
    catalog filtered to them, the alert list and the big screen of the petition topic."""
    from indicators.views.queries import alerts
    from indicators.warnings.alerts import run_warnings

    bodies = [payload("indicator-content", "indicator-args", {"code": e.code, "city": city, "lang": "zh", "area": None})
              for e in RESTRICTED]
    bodies += [payload("group-content", "group-args", {"kind": "topic", "key": "petition", "city": city, "lang": lang,
                                                       "filters": {}}) for lang in ("zh", "en")]
    bodies += [catalog_payload(city, "zh", "", {"sensitivity": "restricted"}), catalog_payload(city, "zh", "信访", {})]
    district_codes = [e.code for e in RESTRICTED if e.spatial_level == "district"][:3]
    bodies += map_payloads(city, district_codes, [SIMING])
    if alerts(city, topic="petition", state=None).empty:
        run_warnings(today=DEMO_TODAY)  # idempotent: the demo store's warnings, as test_demo_store makes them
    restricted_alerts = alerts(city, topic="petition", state=None)["id"].head(5).tolist()
    assert restricted_alerts, "the demo store should have alerts on petitions"
    bodies += alert_payloads(city, restricted_alerts)
    bodies.append(multi_payload([("shell-header", "children"), ("shell-footer", "children"), ("shell", "className"),
                                 ("shell-tabs", "children")],
                                [("shell-url", "pathname", "/"), ("shell-url", "search", f"?city={city}")], []))
    return bodies


def screen_request(topic: str, city: str = "xiamen") -> dict:
    from pages.screen import MAP_OUTPUTS, OUTPUTS

    outputs = ([(f"screen-{name.replace('_', '-')}", "children") for name in OUTPUTS]
               + [(output.component_id, output.component_property) for _, output in MAP_OUTPUTS]
               + [("screen-asof", "children"), ("screen-stale", "hidden"), ("screen-notice", "children")])
    args = {"city": city, "lang": "zh", "screen": topic, "indicator": None, "rotate": None, "refresh": 60,
            "kiosk": False, "screens": [topic], "start": 0}
    return multi_payload(outputs, [("screen-refresh", "n_intervals", 1), ("screen-position", "data", {"index": 0})],
                         [("screen-args", "data", args)])


def export_request(code: str, area: str | None = None, city: str = "xiamen") -> dict:
    return multi_payload([("indicator-download", "data")],
                         [("indicator-export-csv", "n_clicks", 1), ("indicator-export-xlsx", "n_clicks", None)],
                         [("indicator-args", "data", {"code": code, "city": city, "lang": "zh", "area": area})])


# ---- without a session ------------------------------------------------------------------------------------

def test_without_a_session_pages_redirect_and_data_requests_answer_401(site):
    client = site.client()
    page = client.get("/indicator/ECO-GDP-001?city=xiamen")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert "%2Findicator%2FECO-GDP-001" in page.headers["Location"]
    assert client.get("/").status_code == 302
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 401, path
    answer = call(client, payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"}))
    assert answer.status_code == 401 and answer.get_json()["login"] == "/login"
    assert "地区生产总值" not in answer.get_data(as_text=True)
    # Open without a session: the login page, static files and the health check (which shows no figures).
    assert client.get("/login").status_code == 200
    assert client.get("/assets/00-variables.css").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["store"]["ok"] is True
    assert set(health.get_json()) == {"status", "store", "cache", "data"}


def test_sign_in_sets_a_safe_cookie_and_goes_on_to_next(site):
    name = site.user("analyst")
    client = site.client()
    answer = sign_in(client, name, PASSWORD, "/alerts?city=xiamen")
    assert answer.status_code == 302 and answer.headers["Location"] == "/alerts?city=xiamen"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert call(client, payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"})).status_code == 200
    assert audit_rows("sign_in", name)
    # Over HTTPS the same cookie is Secure.
    assert "Secure" in sign_in(site.client(), name, PASSWORD, base_url="https://localhost/").headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_sign_in_never_redirects_to_another_site(site, target):
    name = site.user("viewer")
    answer = sign_in(site.client(), name, PASSWORD, target)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_wrong_passwords_are_refused_audited_and_throttled(site):
    name = site.user("analyst")
    client = site.client()
    for _ in range(5):
        answer = sign_in(client, name, "wrong-password-1")
        assert answer.status_code == 401 and "用户名或密码错误" in answer.get_data(as_text=True)
    assert len(audit_rows("sign_in_failed", name)) == 5
    throttled = sign_in(client, name, PASSWORD)  # even the right password waits out the window
    assert throttled.status_code == 429 and "15 分钟" in throttled.get_data(as_text=True)
    assert not audit_rows("sign_in", name)
    # Another address is not held back by this one's failures.
    assert sign_in(site.client(), name, PASSWORD).status_code == 302


def test_unknown_users_and_forms_without_a_token_are_refused(site):
    client = site.client()
    assert sign_in(client, "nobody-at-all", PASSWORD).status_code == 401
    forged = client.post("/login", data={"username": site.user("leader"), "password": PASSWORD})
    assert forged.status_code == 400 and "过期" in forged.get_data(as_text=True)


def test_sign_out_ends_the_session(site):
    client = site.signed_in("leader")
    body = payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"})
    assert call(client, body).status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client, "/login")}).status_code == 302
    assert call(client, body).status_code == 401
    assert audit_rows("sign_out", client.username)


def test_a_password_reset_or_disabling_ends_every_session(site):
    from indicators.accounts.users import reset_password, update_user

    body = payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"})
    first, second = site.signed_in("analyst"), site.signed_in("analyst")
    reset_password(first.username, "Another-pass-99")
    assert call(first, body).status_code == 401
    update_user(second.username, active=False)
    assert call(second, body).status_code == 401
    assert sign_in(site.client(), second.username, PASSWORD).status_code == 401  # disabled: no new session either


def test_a_session_ends_after_its_idle_time(site, dash_app, monkeypatch):
    import time

    client = site.signed_in("analyst")
    monkeypatch.setattr(dash_app.server, "permanent_session_lifetime", timedelta(seconds=1))
    body = payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"})
    assert call(client, body).status_code == 200  # the answer's cookie now lives one second
    time.sleep(2.5)  # signing times are whole seconds
    assert call(client, body).status_code == 401


# ---- what each role receives ------------------------------------------------------------------------------

@pytest.mark.slow  # every page and callback as a viewer: the full suite's, not the fast tier's
def test_a_viewer_receives_no_restricted_or_internal_figure_by_any_request(site):
    viewer, leader = site.signed_in("viewer"), site.signed_in("leader")
    bodies = restricted_requests() + [screen_request("petition"), screen_request("safety")]
    bodies += [payload("indicator-content", "indicator-args", {"code": e.code, "city": "xiamen", "lang": "en",
                                                               "area": None}) for e in INTERNAL[:5]]
    hidden = _marks(RESTRICTED + INTERNAL)
    leader_saw = set()
    for body in bodies:
        answer = call(viewer, body)
        assert answer.status_code in (200, 204, 403), (body["output"], answer.status_code)
        text = answer.get_data(as_text=True)
        leaks = [mark for mark in hidden if mark in text]
        assert not leaks, (body["output"], leaks[:5])
        seen = call(leader, body).get_data(as_text=True)
        leader_saw.update(mark for mark in hidden if mark in seen)
    # The same requests do carry those figures for a leader, so the viewer's answers were really filtered.
    assert len(leader_saw) > 20


def test_exports_of_restricted_series_are_refused_and_allowed_ones_audited(site):
    viewer, leader = site.signed_in("viewer"), site.signed_in("leader")
    code = RESTRICTED[0].code
    refused = call(viewer, export_request(code))
    assert refused.status_code == 403 and code not in refused.get_data(as_text=True)
    assert call(viewer, export_request("NO-SUCH-CODE")).status_code == 403  # unknown looks the same
    allowed = call(leader, export_request(code))
    assert allowed.status_code == 200 and allowed.get_json()["response"]["indicator-download"]["data"]["base64"]
    entries = audit_rows("export", f"{code}@{XIAMEN}")
    assert [e.user for e in entries] == [leader.username]
    assert json.loads(entries[0].detail)["format"] == "csv" and entries[0].remote_addr.startswith("10.9.")


def test_a_district_analyst_sees_their_district_and_the_city_only(site):
    from indicators.views.map_queries import district_indicators

    analyst = site.signed_in("analyst", city_key="xiamen", districts=(SIMING,))
    code = next(c for c in district_indicators("xiamen") if c.startswith("ECO"))
    # The map's colours and tooltips: only Siming's.
    recolour = map_payloads("xiamen", [code], [])[0]
    hideout = call(analyst, recolour).get_json()["response"]["map-areas"]["hideout"]
    assert set(hideout["colours"]) == {SIMING}
    # Another district's panel, series and export are refused.
    panel_request = next(body for body in map_payloads("xiamen", [code], [HULI]) if "map-panel" in body["output"])
    panel = call(analyst, panel_request).get_data(as_text=True)
    assert "无权查看" in panel
    assert call(analyst, export_request(code, HULI)).status_code == 403
    assert call(analyst, export_request(code, SIMING)).status_code == 200
    # Alerts: only Siming's and the city's.
    alerts_list = call(analyst, alert_payloads("xiamen", [])[0]).get_data(as_text=True)
    others = [d.name_zh for d in get_city("xiamen").districts if d.adcode != SIMING]
    assert "思明区" in alerts_list and not [name for name in others if name in alerts_list]


def test_an_account_bound_to_a_city_never_sees_another(site):
    analyst = site.signed_in("analyst", city_key="xiamen")
    answer = call(analyst, payload("home-content", "home-args", {"city": "ningde", "lang": "zh"}))
    assert "无权查看" in answer.get_data(as_text=True) and "宁德" not in answer.get_data(as_text=True)
    assert call(analyst, catalog_payload("ningde", "zh", "", {})).get_json()["response"]["catalog-rows"]["data"] == []
    # The layout of a page asked for Ningde shows Xiamen (the city switch does not offer Ningde).
    header = call(analyst, multi_payload([("shell-header", "children"), ("shell-footer", "children"),
                                          ("shell", "className"), ("shell-tabs", "children")],
                                         [("shell-url", "pathname", "/"), ("shell-url", "search", "?city=ningde")], []))
    text = header.get_data(as_text=True)
    assert "厦门" in text and "city=ningde" not in text


def test_alert_actions_follow_the_role(site):
    from indicators.views.queries import alerts

    open_alerts = alerts("xiamen", state="open")
    alert_id = int(open_alerts.loc[open_alerts["sensitivity"] == "public", "id"].iat[0])  # one a viewer may see
    buttons = [f"alerts-do-{a}" for a in ("acknowledge", "dispatch", "resolve", "close")]

    def act(client, action: str):
        inputs = [(b, "n_clicks", 1 if b.endswith(action) else None) for b in buttons]
        body = multi_payload([("alerts-version", "data"), ("alerts-action-message", "children"),
                              ("alerts-comment", "value")], inputs,
                             [("alerts-selected", "data", alert_id), ("alerts-comment", "value", "<script>x</script>"),
                              ("alerts-dispatch-to", "value", None), ("alerts-version", "data", 0),
                              ("alerts-args", "data", {"city": "xiamen", "lang": "en"})])
        body["changedPropIds"] = [f"alerts-do-{action}.n_clicks"]
        # The message output allows duplicates: Dash names it with a hash suffix.
        body["output"] = next(key for key in dash.get_app().callback_map if key.startswith("..alerts-version.data"))
        return call(client, body)

    viewer, analyst = site.signed_in("viewer"), site.signed_in("analyst")
    refused = act(viewer, "acknowledge").get_data(as_text=True)
    assert "Your role (Viewer) may not" in refused
    assert "acknowledged" not in alerts("xiamen", state=None, alert_id=alert_id)["state"].tolist()
    done = act(analyst, "acknowledge").get_json()["response"]
    assert done["alerts-version"]["data"] == 1
    entry = audit_rows("alert_action", f"alert#{alert_id}")[-1]
    assert entry.user == analyst.username and json.loads(entry.detail)["comment"] == "<script>x</script>"
    assert "may not" in act(analyst, "close").get_data(as_text=True)  # closing is for leaders


def test_security_headers_on_every_answer(site):
    client = site.signed_in("viewer")
    for path in ("/", "/login", "/healthz"):
        headers = site.client().get(path).headers if path != "/" else client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-eval" not in policy and "script-src 'self' 'sha256-" in policy
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/assets/00-variables.css").headers.get("Cache-Control", "")
