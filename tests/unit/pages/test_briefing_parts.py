"""The briefing's builders without a store: every sentence follows the figures it is given, in Chinese and English;
sections say so when there is nothing to report; the charts' bars scale to the largest; the printed document is
self-contained (no URL to fetch) and escapes what the store holds; a webhook's summary in text or markdown; the
scheduler's briefing triggers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from indicators.views.briefing import Briefing, Item, LateSeries, period_of
from pages import _briefing_parts as parts

START, END = datetime(2024, 12, 10, 7, 0), datetime(2024, 12, 11, 7, 0)


def _item(code="ENV-AIR-001", level="red", sentence="思明区 PM2.5日均浓度 为 260", hours=0.0) -> Item:
    return Item(1, code, "PM2.5日均浓度", "PM2.5 daily mean", "思明区", "Siming District", level, "threshold",
                "市生态环境局", sentence, "Siming PM2.5 was 260", hours)


def _briefing(**changes) -> Briefing:
    values = dict(city_key="xiamen", city_zh="厦门市", city_en="Xiamen", kind="daily", start=START, end=END,
                  clearance="internal", opened=7, resolved=3,
                  open_by_level={"red": 2, "orange": 0, "yellow": 5, "blue": 1},
                  open_by_department=[("市生态环境局", {"red": 2, "orange": 0, "yellow": 4, "blue": 0}),
                                      ("市水利局", {"red": 0, "orange": 0, "yellow": 1, "blue": 1})],
                  opened_by_day=[(END.date(), 7)], moved=[_item()], moved_count=11,
                  overdue=[_item(level="yellow", hours=5.5)], overdue_count=1,
                  late=[LateSeries("ENV-WAT-001", "地表水达标率", "Surface water compliance", "市水利局",
                                   date(2024, 9, 1), "monthly", 2)], late_count=1)
    values.update(changes)
    return Briefing(**values)


def test_the_sentences_follow_the_figures_in_both_languages():
    b = _briefing()
    assert parts.summary(b, "zh") == "本期新发预警 7 条,办结 3 条;目前在办预警 8 条,其中红色2条、黄色5条、蓝色1条。"
    assert parts.summary(b, "en") == ("7 warning(s) opened and 3 resolved in the period; 8 open now: 2 red, 5 yellow, "
                                      "1 blue.")
    zh = parts.sections(b, "zh")
    assert [s.title[:2] for s in zh] == ["一、", "二、", "三、", "四、", "五、"]
    assert zh[0].lead == "本期有 11 项指标超出阈值、波动异常或偏离模型预期区间:" and zh[0].more == "……另有 10 项未列出。"
    assert zh[1].items == ("市生态环境局:6 条(红色2条、黄色4条)", "市水利局:2 条(黄色1条、蓝色1条)")
    assert zh[2].lead == "预测未显示将触发新的阈值。" and zh[2].items == ()
    assert zh[3].items == ("黄色预警 · PM2.5日均浓度 · 思明区 · 市生态环境局 · 已超时 5.5 小时",)
    assert zh[4].items == ("地表水达标率(市水利局),最新数据 2024-09,逾期 2 期",)
    en = parts.sections(b, "en")
    assert en[0].items == ("Siming PM2.5 was 260",) and en[0].more == "… and 10 more not listed."
    assert en[4].items[0].endswith("latest 2024-09, 2 period(s) overdue")
    assert parts.title(b, "zh") == "厦门市城市运行日报" and parts.title(b, "en") == "Xiamen daily city briefing"
    assert parts.title(_briefing(kind="monthly"), "zh") == "厦门市城市运行月报"
    assert "密级范围:内部" in parts.header(b, "zh")


def test_a_quiet_day_says_so():
    b = _briefing(opened=0, resolved=0, open_by_level={"red": 0, "orange": 0, "yellow": 0, "blue": 0},
                  open_by_department=[], moved=[], moved_count=0, overdue=[], overdue_count=0, late=[], late_count=0)
    leads = [s.lead for s in parts.sections(b, "zh")]
    assert leads == ["本期没有指标超出正常范围。", "目前没有在办预警。", "预测未显示将触发新的阈值。",
                     "没有超时未处置的预警。", "各指标均按时报送。"]
    assert parts.summary(b, "zh") == "本期新发预警 0 条,办结 0 条;目前在办预警 0 条。"
    assert [name for name, _ in parts.charts(b, "zh")] == ["在办预警等级分布"]


def test_a_webhooks_summary_lists_the_red_and_orange_warnings_in_its_format():
    b = _briefing(severe=[_item(), _item(level="orange", sentence="湖里区 PM2.5日均浓度 预计达到 180")], severe_count=11)
    title, text = parts.webhook_text(b, "en", "markdown", "https://cockpit.example/briefing?city=xiamen")
    assert title == "Xiamen daily city briefing · 11 Dec 2024"
    assert text.splitlines() == [
        "7 warning(s) opened and 3 resolved in the period; 8 open now: 2 red, 5 yellow, 1 blue.", "",
        "11 red or orange warning(s) open:", "- **Red** Siming PM2.5 was 260", "- **Orange** Siming PM2.5 was 260",
        "… and 9 more not listed.", "", "[The full briefing](https://cockpit.example/briefing?city=xiamen)"]
    title, text = parts.webhook_text(_briefing(), "zh", "text", "")  # no public address: no link
    assert title == "厦门市城市运行日报 · 2024年12月11日"
    assert text.splitlines()[-1] == "没有红色、橙色在办预警。" and "http" not in text


def test_the_bars_scale_to_the_largest_and_use_the_level_tokens():
    b = _briefing(kind="weekly", opened_by_day=[(END.date() - timedelta(days=6 - i), n) for i, n in
                                                 enumerate([0, 1, 0, 4, 2, 0, 0])])
    charts = dict(parts.charts(b, "en"))
    levels = charts["Open warnings by level"]
    assert [(bar.label, bar.value, bar.token) for bar in levels] == [
        ("Red", 2, "--level-red"), ("Orange", 0, "--level-orange"), ("Yellow", 5, "--level-yellow"),
        ("Blue", 1, "--level-blue")]
    assert parts._width(5, levels) == "100.0%" and parts._width(2, levels) == "40.0%"
    name, days = parts.day_chart(b, "en")
    assert name == "Warnings opened per day" and [bar.value for bar in days] == [0, 1, 0, 4, 2, 0, 0]
    assert parts._height(4, days) == f"{parts.COLUMN_PX}px" and parts._height(2, days) == f"{parts.COLUMN_PX // 2}px"
    assert parts.day_chart(_briefing(), "en") is None  # a daily briefing has one day
    month = _briefing(kind="monthly", opened_by_day=[(END.date() - timedelta(days=29 - i), 1) for i in range(30)])
    labels = [bar.label for bar in parts.day_chart(month, "zh")[1]]
    assert labels[-1] == "12-11" and sum(1 for label in labels if label) == 10


def test_the_printed_document_is_self_contained_and_escapes_the_stores_text():
    b = _briefing(moved=[_item(sentence="<script>alert(1)</script> 超标")])
    document = parts.document_html(b, "zh", END)
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert "http://" not in document and "https://" not in document and "url(" not in document
    assert "--level-red: #d92d20" in document and "@media" not in document  # the tokens, on paper
    assert "lang='zh-CN'" in document and "生成时间 2024-12-11 07:00" in document
    subject, body = parts.mail_text(b, "en")
    assert subject == "Xiamen daily city briefing · 11 Dec 2024" and "attached as a PDF" in body


def test_the_periods_and_the_schedule():
    assert period_of("daily", END) == (START, END)
    assert period_of("weekly", END)[0] == END - timedelta(days=7)
    with pytest.raises(ValueError):
        period_of("yearly", END)
    from apscheduler.schedulers.background import BackgroundScheduler

    import manage

    scheduler = BackgroundScheduler()
    manage.add_briefing_jobs(scheduler, "07:30")
    fires = {}
    for job in scheduler.get_jobs():
        zone = job.trigger.timezone
        fires[job.id] = job.trigger.get_next_fire_time(None, datetime(2024, 12, 11, 8, 0, tzinfo=zone)).replace(
            tzinfo=None)
    assert fires == {"briefing-daily": datetime(2024, 12, 12, 7, 30), "briefing-weekly": datetime(2024, 12, 16, 7, 30),
                     "briefing-monthly": datetime(2025, 1, 1, 7, 30)}
