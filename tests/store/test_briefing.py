"""The briefing (城市运行日报) on both backends, on a seeded day of the mini store: its PDF's text (pdftotext) holds
the figures computed from the store, in Chinese and English; the morning job e-mails it with the PDF attached through
a real SMTP server on loopback, once per recipient and period, and sends webhook channels a short summary in their
format (signed, retried) through a real HTTP receiver on loopback; a recipient of public or internal clearance never
reads a restricted (or, for public, an internal) indicator — in the PDF, the e-mail, the webhook or the page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from indicators.accounts.access import Viewer, acting_as
from indicators.accounts.users import create_user
from indicators.store import db
from indicators.store.models import Alert, AlertTracking, ForecastPoint, Notification
from indicators.views.briefing import briefing, send_briefings
from indicators.warnings.alerts import run_warnings
from indicators.warnings.channels import platform_signature
from indicators.warnings.outbox import deliver_due
from indicators.warnings.routing import NotifyConfigError, add_channel, add_contact
from settings import get_settings
from tests.store._mini import XIAMEN, create_mini_store, series_frame, write_series
from tests.support.loopback import Receiver, start_mail_server
from tests.web_clients import PASSWORD

TODAY = date(2024, 12, 10)
OPENED = datetime(2024, 12, 10, 8, 0)  # the seeded day's warnings were raised at 08:00
MORNING = datetime(2024, 12, 11, 7, 0)  # the next morning's briefing
PM_NORMAL = [30.0 + (i % 3) for i in range(20)]
ROBOT_SECRET, PLATFORM_SECRET = "SECdingtalk-robot-secret", "platform-shared-secret"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, every run of whitespace removed (lines wrap anywhere)."""
    assert pdf.startswith(b"%PDF-")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return "".join(out.decode("utf-8").split())


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def day(store_url):
    """Xiamen's seeded day: PM2.5 red in Siming, a forecast taking Huli's to orange, petitions (restricted) red,
    the hotline's satisfaction (internal) four months old; warnings raised at 08:00 and routed with deadlines."""
    create_mini_store(store_url)
    write_series([series_frame("ENV-AIR-001", "350203", PM_NORMAL[:17] + [160.0, 165.0, 260.0], "D", date(2024, 12, 9)),
                  series_frame("ENV-AIR-001", "350206", PM_NORMAL, "D", date(2024, 12, 9)),
                  series_frame("GOV-PET-001", XIAMEN.adcode, [2200.0] * 11 + [5600.0], "MS", date(2024, 11, 1)),
                  series_frame("GOV-HOT-001", XIAMEN.adcode, [96.0] * 12, "MS", date(2024, 8, 1))], replace=False)
    with db.transaction() as session:
        session.add(ForecastPoint(indicator_code="ENV-AIR-001", area_adcode="350206", period=date(2024, 12, 10),
                                  yhat=180.0, lower_80=170.0, upper_80=190.0, lower_95=165.0, upper_95=195.0))
    report = run_warnings(today=TODAY)
    assert report.opened == 4
    with db.transaction() as session:  # the warnings were raised (and routed) at 08:00 of the seeded day
        shift = OPENED - session.scalar(select(Alert.opened_at).order_by(Alert.id).limit(1))
        for alert in session.scalars(select(Alert)):
            alert.opened_at, alert.updated_at = alert.opened_at + shift, alert.updated_at + shift
        for tracking in session.scalars(select(AlertTracking)):
            tracking.ack_due, tracking.resolve_due = tracking.ack_due + shift, tracking.resolve_due + shift
    return store_url


def test_the_daily_briefing_pdf_holds_the_seeded_days_figures(day):
    from pages._briefing_pdf import pdf_bytes

    made = briefing("xiamen", "daily", MORNING)
    assert (made.opened, made.resolved, made.open_total, made.moved_count, made.forecast_count,
            made.overdue_count, made.late_count) == (4, 0, 4, 2, 1, 4, 1)
    zh = pdf_text(pdf_bytes(made, "zh", MORNING))
    for expected in ("厦门市城市运行日报", "本期新发预警 4 条,办结 0 条;目前在办预警 4 条,其中红色2条、橙色1条、黄色1条。",
                     "思明区 PM2.5日均浓度 12月9日为 260", "厦门市 信访总量 2024年11月为 5,600 件,高于 5,000 件",
                     "市生态环境局:2 条(红色1条、橙色1条)", "市信访局:1 条(红色1条)",
                     "湖里区 PM2.5日均浓度 预计12月10日达到 180", "可能触发橙色预警",
                     "红色预警 · PM2.5日均浓度 · 思明区 · 市生态环境局 · 已超时 22 小时",  # acknowledge by 09:00
                     "黄色预警 · 12345热线满意率 · 厦门市 · 市政务服务中心 · 已超时 19 小时",  # yellow: 4 h
                     "12345热线满意率(市政务服务中心),最新数据 2024-08,逾期 2 期", "密级范围:受限",
                     "生成时间 2024-12-11 07:00"):
        assert flat(expected) in zh, expected
    en = pdf_text(pdf_bytes(made, "en", MORNING))
    for expected in ("Xiamen daily city briefing", "4 warning(s) opened and 0 resolved in the period; 4 open now: "
                     "2 red, 1 orange, 1 yellow.", "Huli District PM2.5 daily mean is forecast to reach 180",
                     "Municipal Ecology and Environment Bureau: 2 (1 red, 1 orange)", "2 period(s) overdue"):
        assert flat(expected) in en, expected

    weekly = briefing("xiamen", "weekly", MORNING)
    assert [n for _, n in weekly.opened_by_day] == [0, 0, 0, 0, 0, 4, 0]  # 12-05 … 12-11
    assert "城市运行周报" in pdf_text(pdf_bytes(weekly, "zh", MORNING))
    # A month later the day's warnings are outside the daily period, and still open and overdue.
    later = briefing("xiamen", "daily", datetime(2025, 1, 11, 7, 0))
    assert (later.opened, later.open_total, later.overdue_count) == (0, 4, 4)
    assert "本期没有指标超出正常范围" in pdf_text(pdf_bytes(later, "zh"))


def test_restricted_and_internal_indicators_never_reach_a_lower_clearance(day):
    from pages._briefing_pdf import pdf_bytes

    with acting_as(Viewer("mailbox", "viewer", "public", "xiamen")):
        public = briefing("xiamen", "daily", MORNING)
    with acting_as(Viewer("analyst", "analyst", "internal", "xiamen")):
        internal = briefing("xiamen", "daily", MORNING)
    assert public.codes == {"ENV-AIR-001"} and public.clearance == "public"
    assert internal.codes == {"ENV-AIR-001", "GOV-HOT-001"}
    assert (public.opened, public.open_total, internal.open_total) == (2, 2, 3)
    text = pdf_text(pdf_bytes(public, "zh", MORNING))
    assert "信访" not in text and "5,600" not in text and "12345" not in text
    assert flat("目前在办预警 2 条,其中红色1条、橙色1条") in text
    assert "信访" not in pdf_text(pdf_bytes(internal, "zh", MORNING))
    with acting_as(Viewer("other", "leader", "restricted", "ningde")), pytest.raises(PermissionError):
        briefing("xiamen", "daily", MORNING)


@pytest.fixture
def mail(tmp_path):
    server, controller = start_mail_server(tmp_path)
    yield server
    controller.stop()


def test_the_morning_job_mails_each_subscriber_their_own_briefing_with_the_pdf(day, mail):
    from pages._briefing_parts import webhook_text
    from pages._briefing_pdf import render_mail

    settings = replace(get_settings(), **mail.settings())
    create_user("duty", PASSWORD, "viewer", city_key="xiamen")
    add_contact(email="mayor@xm.gov.cn", role="leader", city_key="xiamen", clearance="restricted",
                briefings="daily,weekly")
    add_contact(email="petition@xm.gov.cn", role="mailbox", department="市信访局", city_key="xiamen",
                clearance="public", briefings="daily")
    add_contact(email="duty@xm.gov.cn", role="member", username="duty", city_key="xiamen", lang="en",
                briefings="daily")
    add_contact(email="eco@xm.gov.cn", role="mailbox", department="市生态环境局", city_key="xiamen")  # no briefing

    report = send_briefings("daily", render_mail, now=MORNING, settings=settings, summarize=webhook_text)

    assert (report.written, report.skipped) == (3, 0)
    [mayor] = mail.to("mayor@xm.gov.cn")
    assert mayor["Subject"] == "厦门市城市运行日报 · 2024年12月11日"
    assert "本期新发预警 4 条" in mayor.get_body(("plain",)).get_content()
    [attachment] = list(mayor.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "city-vitals-daily-xiamen-20241211.pdf"
    text = pdf_text(attachment.get_content())
    assert flat("厦门市 信访总量 2024年11月为 5,600 件") in text and flat("本期新发预警 4 条") in text
    [petition] = mail.to("petition@xm.gov.cn")  # the petition bureau's mailbox has public clearance only
    pdf = pdf_text(next(petition.iter_attachments()).get_content())
    assert "信访" not in pdf and "信访" not in petition.get_body(("plain",)).get_content()
    assert flat("本期新发预警 2 条") in pdf
    [duty] = mail.to("duty@xm.gov.cn")  # a viewer account: public clearance, in English
    assert duty["Subject"] == "Xiamen daily city briefing · 11 Dec 2024"
    english = pdf_text(next(duty.iter_attachments()).get_content())
    assert "Petitions" not in english and flat("2 warning(s) opened") in english
    assert mail.to("eco@xm.gov.cn") == []
    assert all(over_tls and logged_in for *_, over_tls, logged_in in mail.inbox)

    again = send_briefings("daily", render_mail, now=MORNING.replace(hour=8), settings=settings,
                           summarize=webhook_text)
    assert (again.written, again.skipped) == (0, 3) and len(mail.inbox) == 3  # a restarted scheduler sends once
    weekly = send_briefings("weekly", render_mail, now=MORNING, settings=settings, summarize=webhook_text)
    assert weekly.written == 1 and mail.to("mayor@xm.gov.cn")[-1]["Subject"] == "厦门市城市运行周报 · 2024年12月11日"
    with db.transaction() as session:
        statuses = session.scalars(select(Notification.status).where(Notification.reason == "briefing")).all()
    assert statuses == ["sent"] * 4


@pytest.fixture
def site(dash_app, day, monkeypatch):
    """The app on the seeded day's store, sign-in required (demo sign-in off)."""
    from tests.web_clients import Site

    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    return Site(server)


def test_the_page_shows_each_viewer_their_briefing_and_the_pdf_download_is_audited(site):
    import base64

    from indicators.accounts.audit import entries
    from tests.store.test_admin_pages import answer, page, text

    viewer = site.signed_in("viewer", city_key="xiamen")
    assert "城市运行日报" in page(viewer, "/briefing")
    form = {"briefing-args.data": {"city": "xiamen", "lang": "zh"}, "briefing-kind.value": "daily"}
    shown = text(answer(viewer, "briefing-body.children", form))
    assert "目前在办预警 2 条,其中红色1条、橙色1条" in shown and "湖里区 PM2.5日均浓度 预计12月10日达到 180" in shown
    assert "信访" not in shown and "12345" not in shown and "密级范围:公开" in shown
    leader = site.signed_in("leader", city_key="xiamen")
    english = text(answer(leader, "briefing-body.children", {**form, "briefing-args.data": {"city": "xiamen",
                                                                                           "lang": "en"}}))
    assert "4 open now: 2 red, 1 orange, 1 yellow" in english and "Petitions received" in english
    elsewhere = site.signed_in("leader", city_key="ningde")
    refused = text(answer(elsewhere, "briefing-body.children", form))
    assert "无权查看" in refused and "PM2.5" not in refused

    download = answer(viewer, "briefing-download.data", {"briefing-pdf.n_clicks": 1, **form}, "briefing-pdf.n_clicks")
    sent = download["briefing-download.data"]
    assert sent["filename"].startswith("city-vitals-daily-xiamen-") and sent["base64"]
    pdf = pdf_text(base64.b64decode(sent["content"]))
    assert flat("目前在办预警 2 条") in pdf and "信访" not in pdf
    assert entries(action="export")["target"].tolist()[-1] == "briefing"


def test_on_the_demo_store_the_pdf_counts_what_the_store_holds_and_a_viewer_reads_nothing_restricted(use_demo_store):
    from sqlalchemy import func

    from indicators.store.models import Area, IndicatorDef
    from pages._briefing_pdf import pdf_bytes

    now = datetime.now()
    with db.transaction() as session:  # the expected figures, counted straight from the tables
        rows = session.execute(
            select(Alert.level, IndicatorDef.sensitivity, IndicatorDef.code, func.count())
            .join(IndicatorDef, IndicatorDef.code == Alert.indicator_code)
            .join(Area, Area.adcode == Alert.area_adcode)
            .where(Area.city_key == "xiamen", Alert.state.in_(("new", "acknowledged", "dispatched")))
            .group_by(Alert.level, IndicatorDef.sensitivity, IndicatorDef.code)).all()
        names = dict(session.execute(select(IndicatorDef.code, IndicatorDef.name_zh)).all())
    public_by_level = {level: sum(n for lv, s, _, n in rows if lv == level and s == "public")
                       for level in ("red", "orange", "yellow", "blue")}
    restricted = {code for _, s, code, _ in rows if s == "restricted"}
    assert restricted, "the demo store has open warnings on restricted indicators"

    everything = briefing("xiamen", "monthly", now)  # the system: restricted clearance
    assert everything.open_total == sum(n for *_, n in rows)
    with acting_as(Viewer("duty", "viewer", "public", "xiamen")):
        public = briefing("xiamen", "monthly", now)
    assert public.open_by_level == public_by_level
    text = pdf_text(pdf_bytes(public, "zh", now))
    parts = "、".join(f"{label}{public_by_level[level]}条" for level, label in
                     (("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色")) if public_by_level[level])
    assert flat(f"目前在办预警 {sum(public_by_level.values())} 条,其中{parts}") in text
    assert not public.codes & restricted
    leaked = [names[code] for code in restricted if flat(names[code]) in text]
    assert leaked == []
    assert flat(f"目前在办预警 {everything.open_total} 条") in pdf_text(pdf_bytes(everything, "zh", now))


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()
    server.server_close()


def _no_pdf(*_args):
    raise AssertionError("a webhook gets a summary, never the PDF")


def test_a_channel_asked_for_english_gets_its_briefing_in_english(day, receiver):
    from pages._briefing_parts import webhook_text

    settings = replace(get_settings(), public_url="https://cockpit.xm.gov.cn/")
    add_channel("Foreign affairs office", kind="dingtalk", url=f"{receiver.url}/robot/en", city_key="xiamen",
                clearance="public", briefings="daily", lang="en")
    with pytest.raises(NotifyConfigError):
        add_channel("bad", kind="dingtalk", url=f"{receiver.url}/robot/x", briefings="daily", lang="fr")
    assert send_briefings("daily", _no_pdf, now=MORNING, settings=settings, summarize=webhook_text).written == 1
    [robot] = receiver.at("/robot/en")
    markdown = robot.json["markdown"]
    assert markdown["title"].startswith("Xiamen") and "11 Dec 2024" in markdown["title"]
    assert "**Red** Siming" in markdown["text"] and "PM2.5" in markdown["text"]
    assert re.search(r"[\u4e00-\u9fff]", markdown["title"] + markdown["text"]) is None  # not a word of Chinese
    assert "https://cockpit.xm.gov.cn/briefing?city=xiamen&kind=daily&lang=en" in markdown["text"]


def test_webhook_channels_get_a_short_signed_summary_in_their_format_retried_until_taken(day, receiver):
    from pages._briefing_parts import webhook_text

    settings = replace(get_settings(), public_url="https://cockpit.xm.gov.cn/", notify_backoff_seconds=60,
                       notify_max_attempts=3)
    add_channel("生态环境局钉钉群", kind="dingtalk", url=f"{receiver.url}/robot/send?access_token=eco",
                secret=ROBOT_SECRET, city_key="xiamen", clearance="public", briefings="daily")
    add_channel("值班企业微信群", kind="wecom", msg_format="text", url=f"{receiver.url}/cgi-bin/webhook/send?key=k",
                city_key="xiamen", clearance="internal", briefings="daily")
    add_channel("一网统管", kind="platform", url=f"{receiver.url}/platform/events", secret=PLATFORM_SECRET,
                city_key="xiamen", clearance="restricted", briefings="daily,weekly")
    add_channel("预警群", kind="dingtalk", url=f"{receiver.url}/robot/alerts", city_key="xiamen")  # alerts only

    receiver.failing = True
    report = send_briefings("daily", _no_pdf, now=MORNING, settings=settings, summarize=webhook_text)
    assert (report.written, report.skipped, receiver.calls) == (3, 0, [])
    receiver.failing = False
    assert deliver_due(MORNING + timedelta(seconds=30), settings).sent == 0  # waiting out the backoff
    assert deliver_due(MORNING + timedelta(seconds=61), settings).sent == 3

    [robot] = receiver.at("/robot/send")
    expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(), f"{robot.query['timestamp']}\n{ROBOT_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert robot.query["sign"] == expected
    markdown = robot.json["markdown"]
    assert robot.json["msgtype"] == "markdown" and markdown["title"] == "厦门市城市运行日报 · 2024年12月11日"
    assert "本期新发预警 2 条,办结 0 条;目前在办预警 2 条,其中红色1条、橙色1条。" in markdown["text"]
    assert "红色、橙色在办预警 2 条:" in markdown["text"] and "- **红色** 思明区 PM2.5日均浓度" in markdown["text"]
    assert "- **橙色** 湖里区 PM2.5日均浓度 预计" in markdown["text"] and "信访" not in markdown["text"]
    assert "[查看完整报告](https://cockpit.xm.gov.cn/briefing?city=xiamen&kind=daily&lang=zh)" in markdown["text"]
    [wecom] = receiver.at("/cgi-bin/webhook/send")  # internal: the hotline's yellow warning counts, no petitions
    content = wecom.json["text"]["content"]
    assert wecom.json["msgtype"] == "text" and content.startswith("厦门市城市运行日报 · 2024年12月11日\n")
    assert "目前在办预警 3 条" in content and "- 【红色】思明区 PM2.5日均浓度" in content
    assert "信访" not in content and "**" not in content
    assert content.endswith("查看完整报告: https://cockpit.xm.gov.cn/briefing?city=xiamen&kind=daily&lang=zh")
    [event] = receiver.at("/platform/events")
    assert event.headers["X-CityVitals-Signature"] == platform_signature(
        PLATFORM_SECRET, event.headers["X-CityVitals-Timestamp"], event.raw)
    assert event.json["event"] == "briefing.daily"
    assert event.json["event_id"] == "cityvitals-briefing-daily-xiamen-20241211"
    assert (event.json["opened"], event.json["open"], event.json["severe_count"]) == (4, 4, 3)
    assert [a["level"] for a in event.json["alerts"]] == ["red", "red", "orange"]
    assert "信访总量" in {a["indicator_name"] for a in event.json["alerts"]}  # restricted clearance: the petitions
    assert receiver.at("/robot/alerts") == []  # a channel without a briefing subscription gets none

    again = send_briefings("daily", _no_pdf, now=MORNING.replace(hour=8), settings=settings, summarize=webhook_text)
    assert (again.written, again.skipped) == (0, 3) and len(receiver.calls) == 3  # once a period
    weekly = send_briefings("weekly", _no_pdf, now=MORNING, settings=settings, summarize=webhook_text)
    assert weekly.written == 1 and receiver.calls[-1].json["event"] == "briefing.weekly"
    with db.transaction() as session:
        rows = session.execute(select(Notification.channel, Notification.status, Notification.attempts)
                               .where(Notification.reason == "briefing").order_by(Notification.id)).all()
    assert rows == [("dingtalk", "sent", 2), ("wecom", "sent", 2), ("platform", "sent", 2), ("platform", "sent", 1)]
