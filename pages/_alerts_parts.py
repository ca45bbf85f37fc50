"""The alert centre's pure builders: strings, times, list rows, the detail, the history table, the filters
and the action form. Values in (rows of ``indicators.views.alerts`` views), components or strings out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from geo.cities import get_city
from indicators.accounts.access import current_viewer
from indicators.catalog.entries import THEMES, TOPICS, department_en, department_names
from indicators.catalog.levels import WORST_FIRST, Level
from indicators.views.alerts import ACTIONS, FILTERS, STATE_CHOICES, STATES, ActionOutcome, AlertDetail, AlertOverview
from indicators.warnings.alerts import TRANSITIONS
from indicators.warnings.rules import RULES
from pages._format import format_period, format_value, missing, unit_label
from pages._briefing_parts import Bar, chart_block
from pages._i18n import department_name, localized, register_strings, t, theme_name, topic_name
from pages._shell import href
from pages._widgets import dropdown, level_badge, notice

PAGE_SIZE = 100
# A phone lists ten alerts at a time: a hundred compact rows would still be a page of several metres.
PHONE_PAGE_SIZE = 10
PHONE_MAX_WIDTH = 600  # the compact rows' breakpoint (50-alerts.css)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The label key of each filter.
FILTER_LABELS = {"level": "alerts_level", "rule": "alerts_rule", "theme": "alerts_theme", "topic": "alerts_topic",
                 "area": "alerts_area", "department": "department", "state": "alerts_state"}

register_strings({
    "alerts_title": ("预警中心", "Alert centre"),
    "alerts_level": ("预警级别", "Level"),
    "alerts_rule": ("预警规则", "Rule"),
    "alerts_theme": ("主题", "Theme"),
    "alerts_topic": ("专题", "Topic"),
    "alerts_area": ("地区", "Area"),
    "alerts_state": ("状态", "State"),
    "alerts_indicator": ("指标", "Indicator"),
    "alerts_period": ("预警期", "Period"),
    "alerts_opened": ("发生时间", "Opened"),
    "alerts_updated": ("更新时间", "Updated"),
    "alerts_closed": ("关闭时间", "Closed"),
    "alerts_any": ("全部", "All"),
    "alerts_filters": ("筛选", "Filters"),
    "alerts_by_level": ("按级别", "By level"),
    "alerts_state_open": ("未办结", "Open"),
    "alerts_state_all": ("全部状态", "All states"),
    "alerts_state_new": ("新预警", "New"),
    "alerts_state_acknowledged": ("已确认", "Acknowledged"),
    "alerts_state_dispatched": ("已派发", "Dispatched"),
    "alerts_state_resolved": ("已解除", "Resolved"),
    "alerts_state_closed": ("已关闭", "Closed"),
    "alerts_action_acknowledge": ("确认", "Acknowledge"),
    "alerts_action_dispatch": ("派发", "Dispatch"),
    "alerts_action_resolve": ("解除", "Resolve"),
    "alerts_action_close": ("关闭", "Close"),
    "alerts_did_open": ("生成预警", "Opened"),
    "alerts_did_escalate": ("升级", "Escalated"),
    "alerts_did_auto_resolve": ("自动解除", "Resolved automatically"),
    "alerts_did_acknowledge": ("确认", "Acknowledged"),
    "alerts_did_dispatch": ("派发", "Dispatched"),
    "alerts_did_resolve": ("解除", "Resolved"),
    "alerts_did_close": ("关闭", "Closed"),
    "alerts_done": ("已{action}。", "{action}: done."),
    "alerts_refused": ("该预警当前状态为“{state}”,不能“{action}”(仅“{allowed}”状态可以“{action}”)。",
                       "This alert is {state}: “{action}” is possible only when it is {allowed}."),
    "alerts_not_allowed": ("您的角色({role})不能“{action}”预警。", "Your role ({role}) may not “{action}” alerts."),
    "alerts_unknown_department": ("没有该责任单位,未派发。", "No such department: not dispatched."),
    "alerts_not_found": ("未找到该预警(可能属于其他城市)。", "Alert not found (it may belong to another city)."),
    "alerts_pick": ("从列表中选择一条预警,查看详情、处置记录并进行处置。",
                    "Select an alert to see its details and history and to act on it."),
    "alerts_none": ("没有符合条件的预警。", "No alerts match the filters."),
    "alerts_overview": ("未结预警概况", "Open alerts at a glance"),
    "alerts_overview_total": ("符合条件的未结预警 {total} 条,其中 {waiting} 条尚未签收。",
                              "{total} open alerts match the filters; {waiting} not yet acknowledged."),
    "alerts_by_department": ("按责任单位(颜色为最高等级)", "By responsible department (colour: the worst level)"),
    "alerts_other_departments": ("其他 {n} 个单位", "{n} other departments"),
    "alerts_by_theme": ("按主题", "By theme"),
    "alerts_shown": ("显示 {shown} / {total}", "Showing {shown} of {total}"),
    "alerts_more": ("显示更多", "Show more"),
    "alerts_back": ("← 返回列表", "← Back to the list"),
    "alerts_actions": ("处置", "Actions"),
    "alerts_comment": ("处置意见", "Comment"),
    "alerts_comment_hint": ("填写处置说明(可选)", "Why (optional)"),
    "alerts_dispatch_to": ("派发至", "Dispatch to"),
    "alerts_no_actions": ("该预警已关闭,无需处置。", "This alert is closed; nothing left to do."),
    "alerts_history": ("处置记录", "History"),
    "alerts_time": ("时间", "Time"),
    "alerts_user": ("操作人", "By"),
    "alerts_action": ("操作", "Action"),
    "alerts_change": ("状态变化", "State"),
    "alerts_note": ("说明", "Comment"),
    "alerts_system": ("系统", "system"),
    "alerts_latest": ("最新值", "Latest value"),
    "alerts_why_colour": ("颜色说明", "Why this colour"),
    "alerts_open_indicator": ("查看指标详情 →", "Open the indicator →"),
})


# ---- pure helpers: values in, strings or components out -------------------------------------------------

def format_time(moment, lang: str, *, today: date | None = None) -> str:
    """A timestamp for readers: "2025年6月30日 14:05" / "30 Jun 2025, 14:05".

    Args:
        moment: a datetime or Timestamp; None or NaT gives "—".
        lang: "zh" or "en".
        today: when given, a time in today's year leaves the year out (compact lists).

    Returns:
        The formatted time, to the minute.
    """
    if missing(moment):
        return "—"
    moment = pd.Timestamp(moment)
    year = today is None or moment.year != today.year
    if lang == "zh":
        return f"{f'{moment.year}年' if year else ''}{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.day} {MONTHS_EN[moment.month - 1]}{f' {moment.year}' if year else ''}, {moment:%H:%M}"


def _time(moment, lang: str, today: date | None = None) -> html.Time:
    iso = "" if missing(moment) else pd.Timestamp(moment).isoformat(timespec="minutes")
    return html.Time(format_time(moment, lang, today=today), dateTime=iso)


def rule_name(rule: str, lang: str) -> str:
    """A warning rule's name, as the rule itself labels it ("阈值" / "Threshold")."""
    return RULES[rule].label(lang)


def state_name(state: str | None, lang: str) -> str:
    """A lifecycle state's display name ("—" for none, e.g. before an alert exists)."""
    return "—" if missing(state) else t(f"alerts_state_{state}", lang)


def action_name(action: str, lang: str) -> str:
    """An action's name on its button ("Acknowledge")."""
    return t(f"alerts_action_{action}", lang)


def event_name(action: str, lang: str) -> str:
    """A recorded action's name in the history ("Acknowledged"); unknown ones show as recorded."""
    try:
        return t(f"alerts_did_{action}", lang)
    except KeyError:
        return action


def action_refusal(action: str, state: str, lang: str) -> str:
    """Why ``action`` cannot be taken on an alert in ``state``, in the reader's language."""
    sources = [s for s in STATES if s in TRANSITIONS[action][0]]
    # English reads the state names inside a sentence, so in lower case.
    name = (lambda s: state_name(s, lang)) if lang == "zh" else (lambda s: state_name(s, lang).lower())
    joiner = "”或“" if lang == "zh" else " or "
    return t("alerts_refused", lang).format(state=name(state), action=action_name(action, lang),
                                            allowed=joiner.join(name(s) for s in sources))


def filters_from_query(query: Mapping[str, str | None], choices: Mapping[str, set]) -> dict[str, str | None]:
    """The page's filters from a URL query: known values kept, anything else dropped.

    Args:
        query: the URL's query parameters.
        choices: the values each filter accepts (``area`` and ``department`` come from the store).

    Returns:
        One entry per filter in ``FILTERS``; ``state`` is ``open`` unless the URL says otherwise.
    """
    found = {name: query.get(name) if query.get(name) in choices.get(name, ()) else None for name in FILTERS}
    found["state"] = found["state"] or "open"
    return found


def query_string(city: str, lang: str, filters: Mapping[str, str | None], alert_id: int | None) -> str:
    """The URL query of a view: city, language, the filters that are set and the selected alert."""
    params = {"city": city, "lang": lang}
    params.update({name: filters[name] for name in FILTERS
                   if filters.get(name) and not (name == "state" and filters[name] == "open")})
    if alert_id is not None:
        params["alert"] = str(alert_id)
    return "?" + urlencode(params)


def _names(row: Mapping, lang: str) -> tuple[str, str, str]:
    """The alert's indicator, area and department names in ``lang``."""
    if lang == "en":
        return row["name_en"], row["area_en"], department_en(row["department"])
    return row["name_zh"], row["area_zh"], row["department"]


def _unbroken(text: str) -> str:
    # A time must not wrap inside itself ("22 Nov," / "06:25").
    return text.replace(" ", "\u00a0")


# A number and the unit after it ("-6 %", "37.1 月", "150 μg/m³"): kept on one line.
_AMOUNT = re.compile(r"(\d) (?=[^\s\d,,。;;()()])")


def _amounts_unbroken(sentence: str) -> str:
    """The sentence with each number bound to its unit, so that a narrow list never wraps "-6 / %"."""
    return _AMOUNT.sub("\\1\u00a0", sentence)


def alert_row(row: Mapping, lang: str, *, selected: bool = False, today: date | None = None) -> html.Button:
    """One alert in the list: level, sentence, where and what, who and when; clicking selects it.

    Args:
        row: a row of ``queries.alerts``.
        lang: "zh" or "en".
        selected: whether it is the alert shown in the detail.
        today: leaves this year's year out of the times.

    Returns:
        The row, a button whose id carries the alert id.
    """
    indicator, area, department = _names(row, lang)
    opened, updated = row["opened_at"], row["updated_at"]
    return html.Button([
        html.Span([level_badge(row["level"], lang),
                   html.Span(state_name(row["state"], lang), className=f"alert-state state-{row['state']}")],
                  className="alert-row-head"),
        html.Span(_amounts_unbroken(localized(row, lang, "sentence")), className="alert-sentence"),
        # One text line, not a component per fact: a page of rows must render and travel fast.
        # Where and who repeat the sentence: a phone leaves them out (50-alerts.css), keeping the rule and times.
        html.Span([html.Span(" · ".join([area, indicator, department]) + " · ", className="alert-meta-where"),
                   " · ".join([rule_name(row['rule'], lang),
                               _unbroken(f"{t('alerts_opened', lang)} {format_time(opened, lang, today=today)}"),
                               _unbroken(f"{t('alerts_updated', lang)} {format_time(updated, lang, today=today)}")])],
                  className="alert-meta"),
    ], id={"type": "alerts-row", "id": int(row["id"])}, n_clicks=0, type="button",
        className=f"alert-row level-{row['level']}" + (" is-selected" if selected else ""),
        **{"aria-pressed": "true" if selected else "false", "data-alert": str(int(row["id"]))})


def alert_rows(frame: pd.DataFrame, lang: str, *, selected: int | None = None,
               today: date | None = None) -> list[html.Button]:
    """The list rows of ``frame``'s alerts, in its order."""
    return [alert_row(row, lang, selected=row["id"] == selected, today=today) for row in frame.to_dict("records")]


def _comment(row: Mapping, lang: str) -> str:
    # A dispatch names its department; the comment follows.
    department = row.get("department")
    parts = ["" if missing(department) else f"→ {department_name(department, lang)}",
             "" if missing(row.get("comment")) else row["comment"]]
    return " · ".join(p for p in parts if p)


def history_table(frame: pd.DataFrame, lang: str) -> html.Table:
    """An alert's history, oldest first: when, who, which action, from → to state, comment.

    Args:
        frame: ``queries.alert_history`` of one alert.
        lang: "zh" or "en".

    Returns:
        The table; on a phone its rows stack (see 50-alerts.css), each cell labelled.
    """
    labels = [t(k, lang) for k in ("alerts_time", "alerts_user", "alerts_action", "alerts_change", "alerts_note")]
    rows = []
    for row in frame.to_dict("records"):
        user = t("alerts_system", lang) if row["user"] == "system" else row["user"]
        change = f"{state_name(row['from_state'], lang)} → {state_name(row['to_state'], lang)}"
        cells = [_time(row["at"], lang), user, event_name(row["action"], lang), change, _comment(row, lang)]
        rows.append(html.Tr([html.Td(cell, **{"data-label": label}) for cell, label in zip(cells, labels)],
                            className=f"history-{row['action']}"))
    return html.Table([html.Thead(html.Tr([html.Th(label, scope="col") for label in labels])), html.Tbody(rows)],
                      className="alert-history")


def _fact(label: str, value) -> list:
    return [html.Dt(label), html.Dd(value)]


def detail_content(detail: AlertDetail, *, city: str, lang: str) -> list:
    """The selected alert: sentence, facts, latest value, why the colour, link, history.

    Args:
        detail: the view of the alert.
        city: the city key (kept by the indicator link).
        lang: "zh" or "en".

    Returns:
        The detail's children (the action form is separate).
    """
    row, latest = detail.alert, detail.latest
    indicator, area, department = _names(row, lang)
    period = "—" if missing(row["period"]) else format_period(row["period"], row["frequency"], lang)
    indicator_href = href(f"/indicator/{row['indicator_code']}", city, lang)
    value = "—" if latest is None else (f"{format_value(latest['value'], lang)} {unit_label(latest['unit'], lang)} · "
                                        f"{format_period(latest['period'], latest['frequency'], lang)}")
    facts = [
        *_fact(t("alerts_indicator", lang), dcc.Link(indicator, href=indicator_href)),
        *_fact(t("alerts_area", lang), area),
        *_fact(t("alerts_rule", lang), rule_name(row['rule'], lang)),
        *_fact(t("department", lang), department),
        *_fact(t("alerts_period", lang), period),
        *_fact(t("alerts_latest", lang), value),
        *_fact(t("alerts_opened", lang), _time(row["opened_at"], lang)),
        *_fact(t("alerts_updated", lang), _time(row["updated_at"], lang)),
    ]
    if not missing(row["closed_at"]):
        facts += _fact(t("alerts_closed", lang), _time(row["closed_at"], lang))
    return [
        html.Div([level_badge(row["level"], lang),
                  html.Span(state_name(row["state"], lang), className=f"alert-state state-{row['state']}")],
                 className="alert-row-head"),
        html.H2(_amounts_unbroken(localized(row, lang, "sentence")), className="alert-detail-title"),
        html.Dl(facts, className="alert-facts"),
        html.H3(t("alerts_why_colour", lang), className="alert-detail-section"),
        html.P(detail.explanation, className="alert-explanation"),
        dcc.Link(t("alerts_open_indicator", lang), href=indicator_href, className="alert-indicator-link"),
        html.H3(t("alerts_history", lang), className="alert-detail-section"),
        history_table(detail.history, lang),
    ]


TOP_DEPARTMENTS = 10


def overview_content(overview: AlertOverview, lang: str) -> list:
    """Before an alert is picked, the detail pane sums up the open alerts of the filters: how many wait to be
    acknowledged, which departments hold them (coloured by their worst level) and in which themes."""
    if overview.total == 0:
        return []
    departments = [Bar(department_name(row["department"], lang) if row["department"] else "—", int(row["count"]),
                       f"--level-{row['worst']}") for row in overview.departments.head(TOP_DEPARTMENTS).to_dict("records")]
    rest = overview.departments.iloc[TOP_DEPARTMENTS:]
    if len(rest):  # the bars add up to the total: the departments beyond the top ones as one bar
        departments.append(Bar(t("alerts_other_departments", lang).format(n=len(rest)), int(rest["count"].sum()),
                               "--text-muted"))
    themes = [Bar(theme_name(row["theme"], lang), int(row["count"]), "--accent")
              for row in overview.themes.to_dict("records")]
    return [html.H2(t("alerts_overview", lang), className="alerts-overview-title"),
            html.P(t("alerts_overview_total", lang).format(total=overview.total, waiting=overview.waiting),
                   className="alerts-overview-total"),
            html.Div([chart_block(t("alerts_by_department", lang), departments),
                      chart_block(t("alerts_by_theme", lang), themes)], className="briefing-charts alerts-overview")]


def level_chip_class(level: str, active: str | None) -> str:
    """The class of a level-count chip; the chip of the level filtered on is pressed."""
    return f"alerts-chip level-{level}" + (" is-active" if level == active else "")




def page_size(asked: object) -> int:
    """The rows a page of the list holds: the phone's or the desk's (the browser picks; nothing else is served)."""
    return PHONE_PAGE_SIZE if asked == PHONE_PAGE_SIZE else PAGE_SIZE


def list_window(trigger: str | None, limit: int | None, page: int = PAGE_SIZE) -> tuple[int, int]:
    """Which rows a list update renders, as (start, limit), ``page`` rows at a time.

    "Show more" renders only the next page (appended to the rows shown). Anything else (new
    filters, a refresh after an action) starts again from the first page: the acted-on alert
    moves to the top of its level anyway, and re-rendering every page shown would cost more.
    """
    limit = limit or page
    return (limit, limit + page) if trigger == "alerts-more" else (0, page)


def outcome_message(outcome: ActionOutcome, action: str, lang: str) -> html.Div:
    """What the viewer reads after trying a step: done, or why not and what would allow it."""
    if outcome.result == "done":
        return notice(t("alerts_done", lang).format(action=action_name(action, lang)), "success")
    if outcome.result == "not_found":
        return notice(t("alerts_not_found", lang), "error")
    if outcome.result == "not_allowed":
        return notice(t("alerts_not_allowed", lang).format(role=t(f"role_{outcome.role}", lang),
                                                           action=action_name(action, lang)), "error")
    if outcome.result == "unknown_department":
        return notice(t("alerts_unknown_department", lang), "error")
    return notice(action_refusal(action, outcome.state, lang), "error")


def filter_options(city: str, lang: str) -> dict[str, list[dict]]:
    """The options of every filter, from the vocabulary (no store read): the city's areas the viewer's
    scope holds (the list itself shows only what the viewer may see) and the catalog's departments."""
    viewer = current_viewer()
    place = get_city(city)
    areas = [(place.adcode, place.name(lang))] + [
        (district.adcode, district.name(lang)) for district in place.districts
        if not viewer.districts or district.adcode in viewer.districts]
    return {
        "level": [{"label": Level(lvl).label(lang), "value": lvl} for lvl in WORST_FIRST],
        "rule": [{"label": rule_name(rule, lang), "value": rule} for rule in RULES],
        "theme": [{"label": theme_name(theme, lang), "value": theme} for theme in THEMES],
        "topic": [{"label": topic_name(topic, lang), "value": topic} for topic in TOPICS],
        "state": [{"label": t(f"alerts_state_{state}", lang), "value": state} for state in STATE_CHOICES],
        "area": [{"label": name, "value": adcode} for adcode, name in areas],
        "department": [{"label": department_name(name, lang), "value": name} for name in sorted(department_names())],
    }


def filter_field(name: str, options: list[dict], value: str | None, lang: str) -> html.Div:
    """One labelled filter dropdown (``area`` and ``department`` searchable, ``state`` always set)."""
    return html.Div([
        html.Label(t(FILTER_LABELS[name], lang), htmlFor=f"alerts-filter-{name}", className="alerts-filter-label"),
        dropdown(lang, id=f"alerts-filter-{name}", options=options, value=value, clearable=name != "state",
                 searchable=name in ("area", "department"), placeholder=t("alerts_any", lang)),
    ], className="alerts-filter")


def level_chips(active: str | None, lang: str) -> list[html.Button]:
    """One chip per level with its count (filled by the list), pressing it filters on the level."""
    return [html.Button([html.Span(className=f"dot level-{lvl}"), Level(lvl).label(lang), " ",
                         html.Strong("–", id=f"alerts-count-{lvl}")],
                        id=f"alerts-chip-{lvl}", n_clicks=0, type="button",
                        className=level_chip_class(lvl, active)) for lvl in WORST_FIRST]


def action_form(lang: str, departments: list[dict]) -> html.Section:
    """The comment box, the dispatch target and one button per action (shown as the alert allows)."""
    return html.Section([
        html.H3(t("alerts_actions", lang), className="alert-detail-section"),
        html.Label(t("alerts_comment", lang), htmlFor="alerts-comment", className="alerts-filter-label"),
        dcc.Textarea(id="alerts-comment", value="", placeholder=t("alerts_comment_hint", lang),
                     className="alerts-comment", maxLength=1000),
        html.Div([
            html.Label(t("alerts_dispatch_to", lang), htmlFor="alerts-dispatch-to", className="alerts-filter-label"),
            dropdown(lang, id="alerts-dispatch-to", options=departments, clearable=False, searchable=True),
        ], id="alerts-dispatch-field", className="alerts-dispatch"),
        html.Div([html.Button(action_name(a, lang), id=f"alerts-do-{a}", n_clicks=0, type="button", hidden=True,
                              className=f"alerts-action action-{a}") for a in ACTIONS],
                 className="alerts-action-buttons"),
        html.P(t("alerts_no_actions", lang), id="alerts-no-actions", className="alerts-hint", hidden=True),
        html.Div(id="alerts-action-message", className="alerts-action-message", role="status"),
    ], id="alerts-actions", className="alerts-actions", hidden=True)
