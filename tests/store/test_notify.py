"""Warnings reach people, on both backends, through a real SMTP server (STARTTLS, login) and a real HTTP receiver
on loopback: routing at once, deadlines and escalation on a moved clock, silences, retries with backoff, and the
clearance of every recipient."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.users import create_user
from indicators.store import db
from indicators.store.models import Alert, AlertEvent, AlertTracking, DeliveryAttempt, Notification
from indicators.warnings.alerts import act, run_warnings
from indicators.warnings.channels import platform_signature
from indicators.warnings.notify import notify_tick
from indicators.warnings.routing import add_channel, add_contact, add_rule
from indicators.warnings.silences import add_silence
from settings import get_settings
from tests.store._mini import XIAMEN, create_mini_store, series_frame, write_series
from tests.support.loopback import Receiver, free_port, start_mail_server
from tests.web_clients import PASSWORD

TODAY = date(2024, 12, 10)
PM_NORMAL = [30.0 + (i % 3) for i in range(20)]
ROBOT_SECRET, PLATFORM_SECRET = "SECdingtalk-robot-secret", "platform-shared-secret"


@pytest.fixture
def mail(tmp_path):
    server, controller = start_mail_server(tmp_path)
    yield server
    controller.stop()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(mail):
    return replace(get_settings(), **mail.settings(), notify_backoff_seconds=60, notify_max_attempts=3)


@pytest.fixture
def city(store_url, receiver):
    """The mini store with Xiamen's address book: the environment bureau (mailbox, head, robot), the petition
    bureau's mailbox with public clearance only, a duty officer with a viewer account, the mayor, the platform."""
    create_mini_store(store_url)
    create_user("duty", PASSWORD, "viewer", city_key="xiamen")
    add_contact(email="eco@xm.gov.cn", role="mailbox", department="市生态环境局", city_key="xiamen")
    add_contact(email="eco-head@xm.gov.cn", role="head", department="市生态环境局", city_key="xiamen")
    add_contact(email="petition@xm.gov.cn", role="mailbox", department="市信访局", city_key="xiamen",
                clearance="public")
    add_contact(email="duty@xm.gov.cn", role="member", username="duty", city_key="xiamen")
    add_contact(email="mayor@xm.gov.cn", role="leader", city_key="xiamen", clearance="restricted")
    add_channel("生态环境局钉钉群", kind="dingtalk", url=f"{receiver.url}/robot/send?access_token=eco",
                secret=ROBOT_SECRET, department="市生态环境局", city_key="xiamen", clearance="public")
    add_channel("一网统管", kind="platform", url=f"{receiver.url}/platform/events", secret=PLATFORM_SECRET,
                city_key="xiamen", clearance="restricted")
    # Every red warning also to the duty officer (and on to the next rules); environment to its bureau.
    add_rule("xiamen", name="红色预警值班", position=1, min_level="red", persons="duty", stop=False)
    add_rule("xiamen", name="生态环境", position=2, theme="environment", departments="市生态环境局")
    return store_url


def _red_pm25(adcode: str = "350203", last: float = 260.0) -> None:
    write_series([series_frame("ENV-AIR-001", adcode, PM_NORMAL[:17] + [160.0, 165.0, last], "D", date(2024, 12, 9))],
                 replace=False)


def _red_petitions() -> None:
    write_series([series_frame("GOV-PET-001", XIAMEN.adcode, [2200.0] * 11 + [5600.0], "MS", date(2024, 11, 1))],
                 replace=False)


def _alert(code: str) -> Alert:
    with Session(db.engine()) as session:
        return session.scalar(select(Alert).where(Alert.indicator_code == code))


def _history(alert_id: int) -> list[tuple]:
    with Session(db.engine()) as session:
        return session.execute(select(AlertEvent.action, AlertEvent.user, AlertEvent.comment)
                               .where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)).all()


def test_a_red_alert_reaches_the_routed_mailbox_and_webhooks_within_one_tick(city, mail, receiver, settings):
    _red_pm25()
    run_warnings(today=TODAY)
    alert = _alert("ENV-AIR-001")
    assert alert.level == "red" and alert.department == "市生态环境局"
    assert _history(alert.id)[1][:2] == ("dispatch", "system")
    assert "市生态环境局" in _history(alert.id)[1][2] and "红色预警值班、生态环境" in _history(alert.id)[1][2]

    report = notify_tick(settings=settings)

    assert report.delivery.sent == 4 and report.delivery.failed == 0
    [message] = mail.to("eco@xm.gov.cn")
    assert message["Subject"] == "【红色预警】PM2.5日均浓度 · 思明区"
    assert "连续3日高于 250 μg/m³" in message.get_content() or "260" in message.get_content()
    assert "签收时限" in message.get_content()
    assert len(mail.to("duty@xm.gov.cn")) == 1  # the rule that routes every red warning to the duty officer
    assert all(over_tls and logged_in for *_, over_tls, logged_in in mail.inbox)
    [robot] = receiver.at("/robot/send")
    assert robot.json["msgtype"] == "markdown" and "PM2.5日均浓度" in robot.json["markdown"]["text"]
    expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(), f"{robot.query['timestamp']}\n{ROBOT_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert robot.query["sign"] == expected
    [event] = receiver.at("/platform/events")
    assert event.headers["X-CityVitals-Signature"] == platform_signature(
        PLATFORM_SECRET, event.headers["X-CityVitals-Timestamp"], event.raw)
    assert event.json["event"] == "alert.dispatch" and event.json["level"] == "red"
    assert event.json["members"][0]["area"] == "350203" and event.json["departments"] == ["市生态环境局"]
    assert not mail.to("eco-head@xm.gov.cn")  # the head hears of it only when the deadline passes
    assert notify_tick(settings=settings).delivery.sent == 0  # nothing is sent twice


def test_a_viewer_clearance_recipient_never_gets_a_restricted_indicator(city, mail, receiver, settings):
    _red_petitions()
    run_warnings(today=TODAY)
    alert = _alert("GOV-PET-001")
    assert alert.level == "red" and alert.department == "市信访局"
    notify_tick(settings=settings)
    assert mail.inbox == []  # not the petition bureau's public-clearance mailbox, not the viewer on duty
    [event] = receiver.at("/platform/events")  # the platform has restricted clearance
    assert event.json["indicator"] == "GOV-PET-001"
    assert not receiver.at("/robot/send")


def test_an_unacknowledged_alert_escalates_at_its_deadline(city, mail, receiver, settings):
    _red_pm25()
    _red_pm25("350206", 255.0)  # a second district, red too: one event with two members
    run_warnings(today=TODAY)
    with Session(db.engine()) as session:
        rows = session.execute(select(Alert, AlertTracking).join(AlertTracking, AlertTracking.alert_id == Alert.id)
                               .where(Alert.indicator_code == "ENV-AIR-001").order_by(Alert.area_adcode)).all()
    (simin, simin_track), (huli, huli_track) = rows
    assert simin_track.group_id == huli_track.group_id is not None
    assert simin_track.ack_due == simin.opened_at + timedelta(hours=1)  # red: acknowledge within 1 h
    assert simin_track.resolve_due == simin.opened_at + timedelta(hours=24)
    opened = simin.opened_at
    notify_tick(now=opened + timedelta(minutes=1), settings=settings)
    [grouped] = mail.to("eco@xm.gov.cn")
    assert "2个区县" in grouped["Subject"] and "思明区" in grouped.get_content() and "湖里区" in grouped.get_content()
    act(huli.id, "acknowledge", user="eco-officer", comment="已签收")

    assert notify_tick(now=opened + timedelta(minutes=59), settings=settings).escalated == 0
    report = notify_tick(now=opened + timedelta(hours=1, minutes=1), settings=settings)
    assert report.escalated == 1 and report.overdue == 1  # the acknowledged one is on time
    [late] = mail.to("eco-head@xm.gov.cn")
    assert late["Subject"].startswith("【超时升级·红色预警】") and "思明区" in late["Subject"]
    assert not mail.to("mayor@xm.gov.cn")
    assert _history(simin.id)[-1][:2] == ("escalate", "system")
    with Session(db.engine()) as session:
        assert session.get(AlertTracking, simin.id).overdue and not session.get(AlertTracking, huli.id).overdue

    notify_tick(now=opened + timedelta(hours=2, minutes=1), settings=settings)  # twice the time: the leaders
    assert len(mail.to("mayor@xm.gov.cn")) == 1 and len(mail.to("eco-head@xm.gov.cn")) == 2


def test_a_silenced_alert_sends_nothing(city, mail, receiver, settings):
    now = datetime.now()
    add_silence("xiamen", indicator_code="ENV-AIR-001", starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=6), comment="监测站维护 / station maintenance")
    _red_pm25()
    run_warnings(today=TODAY)
    alert = _alert("ENV-AIR-001")
    report = notify_tick(settings=settings)
    assert report.delivery.sent == 0 and mail.inbox == [] and receiver.calls == []
    assert "静默" in _history(alert.id)[1][2]
    # Past its deadline it is still marked overdue, but a silenced alert escalates to no one.
    assert notify_tick(now=alert.opened_at + timedelta(hours=3), settings=settings).overdue == 1
    assert mail.inbox == [] and receiver.calls == []


def test_a_receiver_that_is_down_gets_retries_with_backoff(city, mail, settings):
    add_channel("区平台", kind="platform", url=f"http://127.0.0.1:{free_port()}/events", city_key="xiamen",
                clearance="restricted")
    _red_pm25()
    run_warnings(today=TODAY)
    start = datetime.now()
    notify_tick(now=start, settings=settings)
    with Session(db.engine()) as session:
        down = session.scalar(select(Notification).where(Notification.recipient == "区平台"))
        assert (down.status, down.attempts) == ("pending", 1) and "unreachable" in down.last_error
        assert down.next_attempt_at == start + timedelta(seconds=60)
    assert notify_tick(now=start + timedelta(seconds=30), settings=settings).delivery.failed == 0  # waits
    assert notify_tick(now=start + timedelta(seconds=61), settings=settings).delivery.failed == 1
    assert notify_tick(now=start + timedelta(seconds=182), settings=settings).delivery.given_up == 1  # 60 + 120 s
    with Session(db.engine()) as session:
        down = session.get(Notification, down.id)
        attempts = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == down.id)).all()
    assert down.status == "dead" and [a.ok for a in attempts] == [False, False, False]
    assert len(mail.to("eco@xm.gov.cn")) == 1  # the other channels were not held up



INBOUND_SECRET = "inbound-platform-secret-for-tests"


@pytest.fixture
def platform(dash_app, monkeypatch):
    """A client of the app as the event platform (no session), with the inbound secret configured."""
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS", replace(server.config["CITYVITALS_SETTINGS"],
                                                                      inbound_webhook_secret=INBOUND_SECRET,
                                                                      demo_login=False))
    client = server.test_client()

    def post(report: dict, *, secret: str = INBOUND_SECRET, at: float | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(report, ensure_ascii=False).encode()
        timestamp = str(int(time.time() if at is None else at))
        return client.post("/api/platform/events", data=body, content_type="application/json", headers={
            "X-CityVitals-Timestamp": timestamp,
            "X-CityVitals-Signature": platform_signature(secret, timestamp, body)})

    return post


def test_the_platform_reports_move_the_alert_and_a_bad_signature_is_refused_and_audited(city, platform):
    from indicators.accounts.audit import entries

    _red_pm25()
    run_warnings(today=TODAY)
    alert = _alert("ENV-AIR-001")
    accepted = {"alert_id": alert.id, "state": "accepted", "platform": "xm-ywtg", "comment": "已受理"}
    assert platform(accepted, secret="forged").status_code == 401
    assert platform(accepted, at=time.time() - 3600).status_code == 401  # outside the replay window
    assert _alert("ENV-AIR-001").state == "new"
    refused = entries(action="webhook_refused")
    assert refused["detail"].str.contains("bad signature").any()
    assert refused["detail"].str.contains("replay window").any()

    body, sent_at = json.dumps(accepted, ensure_ascii=False).encode(), time.time()
    answer = platform(accepted, raw=body, at=sent_at)
    assert answer.status_code == 200 and answer.get_json() == {"moved": [alert.id]}
    assert _alert("ENV-AIR-001").state == "acknowledged"
    assert _history(alert.id)[-1] == ("acknowledge", "xm-ywtg", "已受理")
    # The same call again, timestamp and signature and all: a replay (a call signed a second later is a new call;
    # CI once crossed that second and got the lifecycle's 409 instead).
    assert platform(accepted, raw=body, at=sent_at).status_code == 401
    assert platform({"alert_id": alert.id, "state": "done", "platform": "xm-ywtg"}).status_code == 200
    assert _alert("ENV-AIR-001").state == "resolved"
    assert platform({"alert_id": alert.id, "state": "archived"}).status_code == 409
    assert entries(action="webhook_state")["target"].tolist() == [f"alert#{alert.id}"] * 2


@pytest.fixture
def site(dash_app, city, monkeypatch):
    """The app on the notification test store, sign-in required (demo sign-in off)."""
    from tests.web_clients import Site

    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    return Site(server)


def test_the_admin_page_shows_a_receiver_that_is_down_and_refuses_others(site, settings):
    from tests.store.test_admin_pages import answer, page, text

    add_channel("区平台", kind="platform", url=f"http://127.0.0.1:{free_port()}/events", city_key="xiamen",
                clearance="restricted", secret="not-shown-anywhere")
    _red_pm25()
    run_warnings(today=TODAY)
    notify_tick(settings=settings)
    admin = site.signed_in("admin")
    shown = text(answer(admin, "notify-body.children", {"notify-args.data": {"city": "xiamen", "lang": "zh"},
                                                        "notify-saved.data": 0}))
    assert "webhook unreachable" in shown and "is-retrying" in shown and "重试中" in shown
    assert "区平台" in shown and "not-shown-anywhere" not in shown
    assert "红色预警值班" in shown and "eco@xm.gov.cn" in shown
    assert "通知与分拨" in page(admin, "/admin/notify")
    analyst = site.signed_in("analyst")
    refused = text(answer(analyst, "notify-body.children", {"notify-args.data": {"city": "xiamen", "lang": "zh"},
                                                            "notify-saved.data": 0}))
    assert "无权访问" in refused and "eco@xm.gov.cn" not in refused


def test_an_admin_adds_a_silence_from_the_page_and_it_is_audited(site):
    from indicators.accounts.audit import entries
    from tests.store.test_admin_pages import answer, text

    admin = site.signed_in("admin")
    form = {"notify-args.data": {"city": "xiamen", "lang": "en"}, "notify-saved.data": 0,
            "notify-indicator.value": "ENV-AIR-001", "notify-hours.value": 6, "notify-comment.value": ""}
    refused = answer(admin, "notify-form-message.children", form, "notify-save-silence.n_clicks")
    assert "a reason is required" in text(refused)
    saved = answer(admin, "notify-form-message.children", {**form, "notify-comment.value": "台风停机维护"},
                   "notify-save-silence.n_clicks")
    assert "Saved." in text(saved) and saved["notify-saved.data"] == 1
    [entry] = entries(action="silence")["detail"].tolist()
    assert "台风停机维护" in entry and "ENV-AIR-001" in entry
    _red_pm25()
    run_warnings(today=TODAY)
    assert "静默" in _history(_alert("ENV-AIR-001").id)[1][2]


def test_the_inbox_lists_what_is_routed_to_the_person_and_marks_it_overdue(site):
    from tests.store.test_admin_pages import answer, text

    _red_pm25()
    _red_petitions()
    run_warnings(today=TODAY)
    duty = site.signed_in_as("duty")
    args = {"inbox-args.data": {"city": "xiamen", "lang": "zh"}}
    shown = text(answer(duty, "inbox-body.children", args))
    assert "PM2.5日均浓度" in shown and "签收时限" in shown and "已超时" not in shown
    assert "信访" not in shown  # routed to the duty officer as a red warning, but above a viewer's clearance
    with Session(db.engine()) as session:  # the deadline passes
        tracking = session.get(AlertTracking, _alert("ENV-AIR-001").id)
        tracking.ack_due = datetime.now() - timedelta(minutes=1)
        session.commit()
    assert "已超时" in text(answer(duty, "inbox-body.children", args))
    stranger = site.signed_in("analyst")
    assert "没有派给您" in text(answer(stranger, "inbox-body.children", args))


def test_the_evaluation_counts_what_each_department_did_on_time(city, settings):
    from indicators.views.evaluation import evaluation

    _red_pm25()
    _red_pm25("350206", 255.0)
    _red_petitions()
    run_warnings(today=TODAY)
    simin, huli = (_alert_at("ENV-AIR-001", adcode) for adcode in ("350203", "350206"))
    act(huli.id, "acknowledge", user="eco-officer")
    act(huli.id, "resolve", user="eco-officer", comment="已处置")
    later = simin.opened_at + timedelta(hours=2)
    notify_tick(now=later, settings=settings)
    today = simin.opened_at.date()
    result = evaluation("xiamen", today, today, now=later)
    rows = result.ranking.set_index("department")
    eco = rows.loc["市生态环境局"]
    assert (eco["received"], eco["acknowledged_on_time"], eco["resolved_on_time"], eco["overdue"]) == (2, 1, 1, 1)
    assert eco["on_time_rate"] == 50.0 and eco["reopened"] == 0
    assert rows.loc["市信访局", "overdue"] == 1 and rows.loc["市信访局", "on_time_rate"] == 0.0
    assert result.ranking["department"].tolist() == ["市生态环境局", "市信访局"]  # best first
    assert result.trend["month"].tolist() == [today.strftime("%Y-%m")] * 2
    monday = (today - timedelta(days=today.weekday())).isoformat()
    assert result.weekly["week"].tolist() == [monday] * 2 and result.weekly["received"].sum() == 3
    assert evaluation("xiamen", date(2020, 1, 1), date(2020, 1, 31)).ranking.empty


def _alert_at(code: str, adcode: str) -> Alert:
    with Session(db.engine()) as session:
        return session.scalar(select(Alert).where(Alert.indicator_code == code, Alert.area_adcode == adcode))


def test_the_evaluation_page_ranks_departments_and_exports_xlsx(site, settings):
    import base64 as b64
    import io

    import openpyxl

    from tests.store.test_admin_pages import answer, text

    _red_pm25()
    run_warnings(today=TODAY)
    analyst = site.signed_in("analyst")
    args = {"evaluation-args.data": {"city": "xiamen", "lang": "zh"}, "evaluation-period.value": "30d"}
    shown = text(answer(analyst, "evaluation-body.children", args))
    assert "市生态环境局" in shown and "按时处置率" in shown
    download = answer(analyst, "evaluation-download.data", {**args, "evaluation-export.n_clicks": 1},
                      "evaluation-export.n_clicks")["evaluation-download.data"]
    sheet = openpyxl.load_workbook(io.BytesIO(b64.b64decode(download["content"]))).active
    assert [c.value for c in sheet[1]][:3] == ["排名", "部门", "收到预警"]
    assert [c.value for c in sheet[2]][:3] == [1, "市生态环境局", 1]
    viewer = site.signed_in("viewer")
    assert "市生态环境局" not in text(answer(viewer, "evaluation-body.children", args))
