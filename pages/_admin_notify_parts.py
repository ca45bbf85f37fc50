"""Pure builders of /admin/notify and /inbox: tables of rules, contacts, channels, silences and deliveries, the
outbox counts, and the inbox's rows — values in, components out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from dash import dcc, html

from pages._i18n import register_strings, t
from pages._shell import href
from pages._widgets import level_badge

register_strings({
    "notify_title": ("通知与分拨", "Notifications & routing"),
    "notify_denied": ("无权访问:通知配置仅限管理员。", "Not permitted: only administrators configure notifications."),
    "notify_count_pending": ("待发送", "Waiting"),
    "notify_count_retrying": ("重试中", "Retrying"),
    "notify_count_dead": ("发送失败", "Failed"),
    "notify_count_sent_24h": ("24小时内已送达", "Delivered in 24 h"),
    "notify_deliveries": ("发送记录(失败在前)", "Deliveries (failures first)"),
    "notify_rules": ("分拨规则", "Routing rules"),
    "notify_rules_hint": ("按顺序匹配;“到此为止”的规则匹配后不再继续,否则继续累加。无匹配时派给指标责任单位。",
                          "Tried in order; a rule marked “stop” ends the search, others add up. No match: the "
                          "indicator's responsible department."),
    "notify_contacts": ("通讯录", "Address book"),
    "notify_channels": ("Webhook 渠道", "Webhook channels"),
    "notify_silences": ("静默", "Silences"),
    "notify_none": ("暂无", "None yet"),
    "notify_col_created_at": ("时间", "Time"),
    "notify_col_channel": ("渠道", "Channel"),
    "notify_col_recipient": ("接收方", "Recipient"),
    "notify_col_subject": ("标题", "Subject"),
    "notify_col_status": ("状态", "Status"),
    "notify_col_attempts": ("尝试次数", "Attempts"),
    "notify_col_last_error": ("最近错误", "Last error"),
    "notify_col_position": ("顺序", "Order"),
    "notify_col_name": ("名称", "Name"),
    "notify_col_match": ("匹配条件", "Matches"),
    "notify_col_to": ("派往", "Routes to"),
    "notify_col_stop": ("到此为止", "Stop"),
    "notify_col_role": ("角色", "Role"),
    "notify_col_department": ("部门", "Department"),
    "notify_col_email": ("邮箱", "E-mail"),
    "notify_col_clearance": ("密级上限", "Clearance"),
    "notify_col_briefings": ("订阅日报", "Briefings"),
    "notify_col_kind": ("类型", "Kind"),
    "notify_col_lang": ("语言", "Language"),
    "notify_lang_zh": ("中文", "Chinese"),
    "notify_lang_en": ("英文", "English"),
    "notify_col_signed": ("签名", "Signed"),
    "notify_col_window": ("时间窗", "Window"),
    "notify_col_comment": ("原因", "Reason"),
    "notify_col_by": ("设置人", "By"),
    "notify_status_sent": ("已送达", "Delivered"),
    "notify_status_pending": ("待发送", "Waiting"),
    "notify_status_dead": ("失败", "Failed"),
    "notify_status_active": ("生效中", "Active"),
    "notify_status_upcoming": ("未开始", "Upcoming"),
    "notify_status_ended": ("已结束", "Ended"),
    "notify_any": ("任意", "any"),
    "notify_yes": ("是", "yes"),
    "notify_no": ("否", "no"),
    "inbox_title": ("我的待办预警", "My alerts"),
    "inbox_empty": ("没有派给您或您所在部门的待办预警。", "No open alerts routed to you or your department."),
    "inbox_summary": ("共 {n} 条待办,其中 {late} 条超时、{new} 条待签收", "{n} open, {late} overdue, {new} to acknowledge"),
    "inbox_departments": ("所在部门:{d}", "Your departments: {d}"),
    "inbox_overdue": ("已超时", "Overdue"),
    "inbox_ack_due": ("签收时限", "Acknowledge by"),
    "inbox_resolve_due": ("办结时限", "Resolve by"),
    "inbox_escalated_1": ("已升级至部门负责人", "Escalated to the department head"),
    "inbox_escalated_2": ("已升级至市领导", "Escalated to the city's leaders"),
    "inbox_open": ("处置", "Handle"),
    "handling_tabs": ("预警处置页面", "Alert handling pages"),
    "handling_tab_inbox": ("我的待办", "My alerts"),
    "handling_tab_evaluation": ("考核", "Evaluation"),
    "handling_tab_briefing": ("运行日报", "Daily briefing"),
})


def _time(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def table(rows: Sequence[Sequence], heads: Sequence[str], lang: str, *, row_classes: Sequence[str] = ()) -> html.Div:
    """A plain table that scrolls sideways on a phone; "None yet" when there are no rows."""
    if not rows:
        return html.P(t("notify_none", lang), className="admin-hint")
    body = [html.Tr([html.Td(cell) for cell in row], className=(row_classes[i] if i < len(row_classes) else None))
            for i, row in enumerate(rows)]
    return html.Div(html.Table([html.Thead(html.Tr([html.Th(t(f"notify_col_{h}", lang), scope="col") for h in heads])),
                                html.Tbody(body)], className="notify-table"), className="notify-table-wrap")


def counts(values: dict[str, int], lang: str) -> html.Ul:
    """The outbox at a glance: waiting, retrying, failed, delivered in 24 h."""
    return html.Ul([html.Li([html.Span(str(values[key]), className="notify-count-value"),
                             html.Span(t(f"notify_count_{key}", lang), className="notify-count-label")],
                            className=f"notify-count notify-count-{key}" + (" is-alarm" if key == "dead" and values[key]
                                                                            else ""))
                    for key in ("pending", "retrying", "dead", "sent_24h")], className="notify-counts")


def deliveries(frame: pd.DataFrame, lang: str) -> html.Div:
    """The outbox, failures first, with each one's attempts and last error."""
    rows = [[_time(r["created_at"]), r["channel"], f"{_text(r['recipient'])} <{r['target']}>"
             if r["channel"] == "email" else _text(r["recipient"]), _text(r["subject"]),
             t(f"notify_status_{r['status']}", lang), str(int(r["attempts"])), _text(r["last_error"])]
            for r in frame.to_dict("records")]
    classes = ["is-failed" if r["status"] == "dead" else ("is-retrying" if r["attempts"] and r["status"] == "pending"
                                                          else "") for r in frame.to_dict("records")]
    return table(rows, ("created_at", "channel", "recipient", "subject", "status", "attempts", "last_error"), lang,
                 row_classes=classes)


def _match(row: dict, lang: str, fields: Sequence[str]) -> str:
    parts = [f"{name}={row[name]}" for name in fields if _text(row.get(name))]
    return ", ".join(parts) or t("notify_any", lang)


def rules(frame: pd.DataFrame, lang: str) -> html.Div:
    rows = [[str(r["position"]), _text(r["name"]),
             _match(r, lang, ("indicator_code", "theme", "topic", "area_adcode", "min_level", "rule_kind")),
             "、".join(filter(None, [_text(r["departments"]), _text(r["persons"])])),
             t("notify_yes" if r["stop"] else "notify_no", lang)] for r in frame.to_dict("records")]
    return table(rows, ("position", "name", "match", "to", "stop"), lang)


def contacts(frame: pd.DataFrame, lang: str) -> html.Div:
    rows = [[_text(r["name"]) or _text(r["username"]), r["role"], _text(r["department"]), r["email"],
             r["clearance"], _text(r["briefings"])] for r in frame.to_dict("records")]
    return table(rows, ("name", "role", "department", "email", "clearance", "briefings"), lang)


def channels(frame: pd.DataFrame, lang: str) -> html.Div:
    rows = [[r["name"], r["kind"], _text(r["department"]) or t("notify_any", lang), r["clearance"],
             t("notify_yes" if r["signed"] else "notify_no", lang), _text(r["briefings"]),
             t(f"notify_lang_{r['lang'] or 'zh'}", lang)]
            for r in frame.to_dict("records")]
    return table(rows, ("name", "kind", "department", "clearance", "signed", "briefings", "lang"), lang)


def silences(frame: pd.DataFrame, lang: str) -> html.Div:
    rows = [[_match(r, lang, ("indicator_code", "theme", "area_adcode", "level", "rule_kind")),
             f"{_time(r['starts_at'])} – {_time(r['ends_at'])}", t(f"notify_status_{r['status']}", lang),
             _text(r["comment"]), r["created_by"]] for r in frame.to_dict("records")]
    return table(rows, ("match", "window", "status", "comment", "by"), lang)


def inbox_rows(frame: pd.DataFrame, city: str, lang: str) -> html.Ul:
    """The inbox: one card per alert, overdue ones marked, deadlines and escalation, a link to handle it."""
    items = []
    for r in frame.to_dict("records"):
        facts = [level_badge(r["level"], lang)]
        if r["overdue"]:
            facts.append(html.Span(t("inbox_overdue", lang), className="inbox-overdue"))
        if r["escalation"]:
            facts.append(html.Span(t(f"inbox_escalated_{min(int(r['escalation']), 2)}", lang),
                                   className="inbox-escalated"))
        due = [f"{t('inbox_ack_due', lang)} {_time(r['ack_due'])}" if r["state"] == "new" and _time(r["ack_due"])
               else "", f"{t('inbox_resolve_due', lang)} {_time(r['resolve_due'])}" if _time(r["resolve_due"]) else ""]
        items.append(html.Li([
            html.Div(facts, className="inbox-facts"),
            html.P(r["sentence_en"] if lang == "en" else r["sentence_zh"], className="inbox-sentence"),
            html.Div([html.Span(" · ".join(filter(None, due)), className="inbox-due"),
                      dcc.Link(t("inbox_open", lang), href=href("/alerts", city, lang, alert=str(r["id"])),
                               className="admin-button")], className="inbox-bar"),
        ], className="inbox-item" + (" is-overdue" if r["overdue"] else "")))
    return html.Ul(items, className="inbox-list")
