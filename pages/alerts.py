"""The alert centre: a city's alerts worst first, with filters, each alert's detail and history,
and the lifecycle actions (acknowledge, dispatch, resolve, close).

Filters and the selected alert live in the URL query (``/alerts?city=xiamen&level=red&alert=123``),
so a link shows the same view; the page rewrites the URL without reloading itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qsl, urlencode

import dash
import pandas as pd
from dash import (
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from indicators.accounts import audit
from indicators.accounts.access import current_viewer
from indicators.catalog.entries import THEMES, TOPICS, department_en
from indicators.catalog.levels import WORST_FIRST, Level
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alert_history,
    alerts,
    areas,
    explain_level,
    indicators,
    latest_snapshot,
)
from indicators.warnings.alerts import (
    TRANSITIONS,
    AlertActionError,
    UnknownDepartment,
    act,
)
from indicators.warnings.rules import RULES
from pages._format import format_period, format_value, missing, unit_label
from pages._i18n import (
    department_name,
    localized,
    register_strings,
    t,
    theme_name,
    topic_name,
)
from pages._shell import href, resolve
from pages._widgets import (
    PAGE_FAILURES,
    dropdown,
    failure_notice,
    level_badge,
    notice,
    record_id,
)

dash.register_page(__name__, cacheable_layout=True, path="/alerts", title="预警中心 · City Vitals", name="alerts", order=4, nav="nav_alerts")

PAGE_SIZE = 100
STATES = ("new", "acknowledged", "dispatched", "resolved", "closed")
STATE_CHOICES = ("open", *STATES, "all")
ACTIONS = tuple(TRANSITIONS)
FILTERS = ("level", "rule", "theme", "topic", "area", "department", "state")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
    "alerts_rule_threshold": ("阈值", "Threshold"),
    "alerts_rule_change": ("变化", "Change"),
    "alerts_rule_forecast": ("预测", "Forecast"),
    "alerts_rule_anomaly": ("异常", "Anomaly"),
    "alerts_rule_stale": ("迟报", "Late data"),
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
    "alerts_shown": ("共 {total} 条,显示 {shown} 条", "Showing {shown} of {total}"),
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


def allowed_actions(state: str) -> list[str]:
    """The actions the lifecycle allows from ``state``, in lifecycle order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


def permitted_actions(state: str) -> list[str]:
    """The actions the lifecycle allows from ``state`` that the viewer's role may take."""
    viewer = current_viewer()
    return [action for action in allowed_actions(state) if viewer.may(f"alert.{action}")]


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


def level_tally(frame: pd.DataFrame) -> dict[str, int]:
    """Alerts per warning level, worst first."""
    counts = frame["level"].value_counts()
    return {level: int(counts.get(level, 0)) for level in WORST_FIRST}


def _names(row: Mapping, lang: str) -> tuple[str, str, str]:
    """The alert's indicator, area and department names in ``lang``."""
    if lang == "en":
        return row["name_en"], row["area_en"], department_en(row["department"])
    return row["name_zh"], row["area_zh"], row["department"]


def _unbroken(text: str) -> str:
    # A time must not wrap inside itself ("22 Nov," / "06:25").
    return text.replace(" ", "\u00a0")


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
        html.Span(localized(row, lang, "sentence"), className="alert-sentence"),
        # One text line, not a component per fact: a page of rows must render and travel fast.
        html.Span(" · ".join([area, indicator, t(f"alerts_rule_{row['rule']}", lang), department,
                              _unbroken(f"{t('alerts_opened', lang)} {format_time(opened, lang, today=today)}"),
                              _unbroken(f"{t('alerts_updated', lang)} {format_time(updated, lang, today=today)}")]),
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


def alert_detail(row: Mapping, *, history: pd.DataFrame, explanation: str, latest: Mapping | None,
                 city: str, lang: str) -> list:
    """The selected alert: sentence, facts, latest value, why the colour, link, history.

    Args:
        row: the alert's row of ``queries.alerts``.
        history: its ``queries.alert_history``.
        explanation: ``queries.explain_level`` for its indicator and area.
        latest: the indicator's row of ``queries.latest_snapshot`` for the area, or None.
        city: the city key (kept by the indicator link).
        lang: "zh" or "en".

    Returns:
        The detail's children (the action form is separate).
    """
    indicator, area, department = _names(row, lang)
    period = "—" if missing(row["period"]) else format_period(row["period"], row["frequency"], lang)
    indicator_href = href(f"/indicator/{row['indicator_code']}", city, lang)
    value = "—" if latest is None else (f"{format_value(latest['value'], lang)} {unit_label(latest['unit'], lang)} · "
                                        f"{format_period(latest['period'], latest['frequency'], lang)}")
    facts = [
        *_fact(t("alerts_indicator", lang), dcc.Link(indicator, href=indicator_href)),
        *_fact(t("alerts_area", lang), area),
        *_fact(t("alerts_rule", lang), t(f"alerts_rule_{row['rule']}", lang)),
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
        html.H2(localized(row, lang, "sentence"), className="alert-detail-title"),
        html.Dl(facts, className="alert-facts"),
        html.H3(t("alerts_why_colour", lang), className="alert-detail-section"),
        html.P(explanation, className="alert-explanation"),
        dcc.Link(t("alerts_open_indicator", lang), href=indicator_href, className="alert-indicator-link"),
        html.H3(t("alerts_history", lang), className="alert-detail-section"),
        history_table(history, lang),
    ]


def level_chip_class(level: str, active: str | None) -> str:
    """The class of a level-count chip; the chip of the level filtered on is pressed."""
    return f"alerts-chip level-{level}" + (" is-active" if level == active else "")


# ---- reads and writes through indicators.views.queries / indicators.warnings.alerts --------------------------------------

def _filtered(city: str, filters: Mapping[str, str | None]) -> pd.DataFrame:
    state = filters.get("state") or "open"
    return alerts(city, adcode=filters.get("area"), theme=filters.get("theme"), topic=filters.get("topic"),
                  rule=filters.get("rule"), department=filters.get("department"),
                  state=None if state == "all" else state)


def list_window(trigger: str | None, limit: int | None) -> tuple[int, int]:
    """Which rows a list update renders, as (start, limit).

    "Show more" renders only the next page (appended to the rows shown). Anything else (new
    filters, a refresh after an action) starts again from the first page: the acted-on alert
    moves to the top of its level anyway, and re-rendering every page shown would cost more.
    """
    limit = limit or PAGE_SIZE
    return (limit, limit + PAGE_SIZE) if trigger == "alerts-more" else (0, PAGE_SIZE)


def build_list(city: str, lang: str, filters: Mapping[str, str | None], *, start: int = 0,
               limit: int = PAGE_SIZE, selected: int | None = None) -> dict:
    """The list part of the page for the filters.

    Args:
        city: the city key.
        lang: "zh" or "en".
        filters: the page's filters (see ``filters_from_query``).
        start, limit: the rows to render, ``start`` to ``limit`` (the rest on demand).
        selected: the alert shown in the detail, marked in the list.

    Returns:
        ``counts`` per level (all filters but the level applied), ``rows`` (start to limit),
        ``total`` matching and ``shown`` (how many rows the list has up to ``limit``).
    """
    frame = _filtered(city, filters)
    counts = level_tally(frame)
    if filters.get("level"):
        frame = frame[frame["level"] == filters["level"]]
    rows = alert_rows(frame.iloc[start:limit], lang, selected=selected, today=date.today())
    return {"counts": counts, "rows": rows, "total": len(frame), "shown": min(limit, len(frame))}


def find_alert(city: str, alert_id: int) -> dict | None:
    """One alert of the city, in any state, as a ``queries.alerts`` row; None when not found."""
    match = alerts(city, state=None, alert_id=alert_id)
    return None if match.empty else match.iloc[0].to_dict()


def catalog_department(code: str) -> str | None:
    """The catalog's responsible department of an indicator, where alerts are dispatched by default."""
    frame = indicators()
    match = frame.loc[frame["code"] == code, "department"]
    return None if match.empty else match.iloc[0]


def build_detail(city: str, lang: str, alert_id: int) -> tuple[list, dict | None]:
    """The detail of one alert and the alert itself (None when the city has no such alert)."""
    row = find_alert(city, alert_id)
    if row is None:
        return [notice(t("alerts_not_found", lang), "error")], None
    snapshot = latest_snapshot(row["area_adcode"])
    latest = snapshot[snapshot["code"] == row["indicator_code"]]
    content = alert_detail(row, history=alert_history(alert_id),
                           explanation=explain_level(row["indicator_code"], row["area_adcode"], lang),
                           latest=None if latest.empty else latest.iloc[0].to_dict(), city=city, lang=lang)
    return content, row


def run_action(city: str, lang: str, alert_id: int, action: str, *, comment: str = "",
               department: str | None = None) -> tuple[bool, html.Div]:
    """Take one lifecycle step on an alert as the signed-in viewer; refusals are messages, not exceptions.

    Args:
        city: the city key (the alert must be one of its alerts).
        lang: "zh" or "en".
        alert_id: the alert.
        action: ``acknowledge``, ``dispatch``, ``resolve`` or ``close``.
        comment: why (recorded in the history).
        department: for ``dispatch``, where it goes (the catalog's department when empty).

    Returns:
        Whether the step was taken, and the message to show.
    """
    row = find_alert(city, alert_id)
    if row is None or action not in TRANSITIONS:
        # Unknown, or beyond the viewer's clearance or scope (the two look the same): a refused write, audited.
        audit.record_refusal(f"alert#{alert_id}", {"action": "alert_action", "step": str(action)[:32]})
        return False, notice(t("alerts_not_found", lang), "error")
    viewer = current_viewer()
    if not viewer.may(f"alert.{action}"):
        audit.record_refusal(f"alert#{alert_id}", {"action": "alert_action", "step": action, "role": viewer.role})
        return False, notice(t("alerts_not_allowed", lang).format(role=t(f"role_{viewer.role}", lang),
                                                                  action=action_name(action, lang)), "error")
    if action not in allowed_actions(row["state"]):
        return False, notice(action_refusal(action, row["state"], lang), "error")
    target = (department or catalog_department(row["indicator_code"])) if action == "dispatch" else None
    try:
        act(alert_id, action, comment=(comment or "").strip(), department=target)
    except UnknownDepartment:
        return False, notice(t("alerts_unknown_department", lang), "error")
    except AlertActionError:
        # Someone else moved the alert between our read and our write: say where it is now.
        now = find_alert(city, alert_id)
        return False, notice(action_refusal(action, now["state"] if now else row["state"], lang), "error")
    return True, notice(t("alerts_done", lang).format(action=action_name(action, lang)), "success")


# ---- layout and callbacks -----------------------------------------------------------------------------------

def _choices(city: str, lang: str) -> dict[str, list[dict]]:
    """The options of every filter (areas and departments read from the store)."""
    options = {
        "level": [{"label": Level(lvl).label(lang), "value": lvl} for lvl in WORST_FIRST],
        "rule": [{"label": t(f"alerts_rule_{rule}", lang), "value": rule} for rule in RULES],
        "theme": [{"label": theme_name(theme, lang), "value": theme} for theme in THEMES],
        "topic": [{"label": topic_name(topic, lang), "value": topic} for topic in TOPICS],
        "state": [{"label": t(f"alerts_state_{state}", lang), "value": state} for state in STATE_CHOICES],
        "area": [], "department": [],
    }
    try:
        frame = areas(city)
        options["area"] = [{"label": localized(r, lang), "value": r["adcode"]}
                           for r in frame.to_dict("records")]
        names = sorted(indicators()["department"].unique())
        options["department"] = [{"label": department_name(n, lang), "value": n} for n in names]
    except PAGE_FAILURES:
        pass  # the list callback shows the notice
    return options


def _filter(name: str, label: str, options: list[dict], value: str | None, lang: str) -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=f"alerts-filter-{name}", className="alerts-filter-label"),
        dropdown(lang, id=f"alerts-filter-{name}", options=options, value=value, clearable=name != "state",
                 searchable=name in ("area", "department"), placeholder=t("alerts_any", lang)),
    ], className="alerts-filter")


def _action_form(lang: str, departments: list[dict]) -> html.Section:
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


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The alert centre for the URL's city and language, with the URL's filters and selected alert."""
    city, lang = resolve(city, lang)
    options = _choices(city, lang)
    allowed = {name: {o["value"] for o in opts} for name, opts in options.items()}
    filters = filters_from_query(query, allowed)
    selected = record_id(query.get("alert"))
    labels = {"level": "alerts_level", "rule": "alerts_rule", "theme": "alerts_theme", "topic": "alerts_topic",
              "area": "alerts_area", "department": "department", "state": "alerts_state"}
    chips = [html.Button([html.Span(className=f"dot level-{lvl}"), Level(lvl).label(lang), " ",
                          html.Strong("–", id=f"alerts-count-{lvl}")],
                         id=f"alerts-chip-{lvl}", n_clicks=0, type="button",
                         className=level_chip_class(lvl, filters["level"])) for lvl in WORST_FIRST]
    return html.Div([
        dcc.Location(id="alerts-url", refresh=False),
        dcc.Store(id="alerts-args", data={"city": city, "lang": lang}),
        dcc.Store(id="alerts-selected", data=selected),
        dcc.Store(id="alerts-version", data=0),
        dcc.Store(id="alerts-limit", data=PAGE_SIZE),
        html.H1(t("alerts_title", lang), className="page-title"),
        html.Div(chips, className="alerts-chips", role="group", **{"aria-label": t("alerts_by_level", lang)}),
        html.Div([
            html.Div([
                html.Div([_filter(name, t(labels[name], lang), options[name], filters[name], lang) for name in FILTERS],
                         className="alerts-filters", role="search", **{"aria-label": t("alerts_filters", lang)}),
                html.Div(id="alerts-summary", className="alerts-summary"),
                html.Div(id="alerts-list", className="alerts-list"),
                html.Button(t("alerts_more", lang), id="alerts-more", n_clicks=0, type="button", hidden=True,
                            className="alerts-more"),
            ], className="alerts-list-pane"),
            html.Aside([
                html.Button(t("alerts_back", lang), id="alerts-back", n_clicks=0, type="button",
                            className="alerts-back"),
                html.Div(html.P(t("alerts_pick", lang), className="alerts-hint"), id="alerts-detail-body"),
                _action_form(lang, options["department"]),
            ], id="alerts-detail", className="alerts-detail"),
        ], id="alerts-main", className="alerts-main"),
    ], className="alerts-page")


FILTER_INPUTS = [Input(f"alerts-filter-{name}", "value") for name in FILTERS]


@callback(Output("alerts-filter-level", "value"),
          [Input(f"alerts-chip-{lvl}", "n_clicks") for lvl in WORST_FIRST], State("alerts-filter-level", "value"),
          prevent_initial_call=True)
def pick_level(*args):
    """A level chip filters on its level; pressing it again clears the filter."""
    level = ctx.triggered_id.removeprefix("alerts-chip-")
    return None if args[-1] == level else level


@callback(Output("alerts-list", "children"), Output("alerts-summary", "children"), Output("alerts-more", "hidden"),
          Output("alerts-limit", "data"),
          [Output(f"alerts-count-{lvl}", "children") for lvl in WORST_FIRST],
          [Output(f"alerts-chip-{lvl}", "className") for lvl in WORST_FIRST],
          *FILTER_INPUTS, Input("alerts-more", "n_clicks"), Input("alerts-version", "data"),
          State("alerts-selected", "data"), State("alerts-limit", "data"), State("alerts-args", "data"))
@cacheable_answer()
def fill_list(*args):
    """Fill the list for the filters: counts by level, a page of rows, a "show more" button."""
    *values, _more, _version, selected, limit, page_args = args
    filters = dict(zip(FILTERS, values))
    city, lang = page_args["city"], page_args["lang"]
    start, limit = list_window(ctx.triggered_id, limit)
    chips = [level_chip_class(lvl, filters["level"]) for lvl in WORST_FIRST]
    try:
        part = build_list(city, lang, filters, start=start, limit=limit, selected=selected)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)], "", True, limit, *["–"] * len(WORST_FIRST), *chips
    if start:  # "show more": send only the new rows, appended to those shown
        rows = Patch()
        rows.extend(part["rows"])
    else:
        rows = part["rows"] or [html.P(t("alerts_none", lang), className="alerts-hint")]
    summary = t("alerts_shown", lang).format(total=part["total"], shown=part["shown"])
    counts = [str(part["counts"][lvl]) for lvl in WORST_FIRST]
    return rows, summary, part["shown"] >= part["total"], limit, *counts, *chips


@callback(Output("alerts-selected", "data"), Input({"type": "alerts-row", "id": dash.ALL}, "n_clicks"),
          Input("alerts-back", "n_clicks"), prevent_initial_call=True)
def select_alert(_rows, _back):
    """A click on a row selects its alert; the back button clears the selection."""
    if ctx.triggered_id == "alerts-back":
        return None
    # Rows re-rendered by the list also "trigger" with no click; only a real click selects.
    if not ctx.triggered_id or not any(item["value"] for item in ctx.triggered):
        return no_update
    return ctx.triggered_id["id"]


@callback(Output("alerts-detail-body", "children"), Output("alerts-main", "className"),
          Output("alerts-actions", "hidden"), Output("alerts-no-actions", "hidden"),
          Output("alerts-dispatch-field", "hidden"), Output("alerts-dispatch-to", "value"),
          [Output(f"alerts-do-{a}", "hidden") for a in ACTIONS], Output("alerts-action-message", "children"),
          Input("alerts-selected", "data"), Input("alerts-version", "data"), State("alerts-args", "data"))
@cacheable_answer()
def fill_detail(selected, _version, page_args):
    """Show the selected alert, with only the actions its state allows and the viewer's role may take."""
    city, lang, selected = page_args["city"], page_args["lang"], record_id(selected)
    # A new selection clears the previous action's message; a refresh after the action keeps it.
    message = "" if ctx.triggered_id != "alerts-version" else no_update
    hidden = [True] * len(ACTIONS)
    if selected is None:
        return [html.P(t("alerts_pick", lang), className="alerts-hint")], "alerts-main", True, True, True, \
            None, *hidden, message
    try:
        content, row = build_detail(city, lang, selected)
        department = None if row is None else catalog_department(row["indicator_code"])
    except PAGE_FAILURES as exc:
        content, row = [failure_notice(exc, lang)], None
    if row is None:
        return content, "alerts-main has-selection", True, True, True, None, *hidden, message
    # The form shows the steps this viewer may take; "nothing left to do" only once the lifecycle is over.
    allowed = permitted_actions(row["state"])
    return (content, "alerts-main has-selection", not allowed, bool(allowed_actions(row["state"])),
            "dispatch" not in allowed, department, *[a not in allowed for a in ACTIONS], message)


@callback(Output("alerts-version", "data"), Output("alerts-action-message", "children", allow_duplicate=True),
          Output("alerts-comment", "value"),
          [Input(f"alerts-do-{a}", "n_clicks") for a in ACTIONS],
          State("alerts-selected", "data"), State("alerts-comment", "value"), State("alerts-dispatch-to", "value"),
          State("alerts-version", "data"), State("alerts-args", "data"), prevent_initial_call=True)
def take_action(*args):
    """Take the clicked action on the selected alert, then refresh the list and the detail."""
    *_clicks, selected, comment, department, version, page_args = args
    selected = record_id(selected)
    if selected is None or not ctx.triggered_id:
        return no_update, no_update, no_update
    action = ctx.triggered_id.removeprefix("alerts-do-")
    try:
        done, message = run_action(page_args["city"], page_args["lang"], selected, action,
                                   comment=comment or "", department=department)
    except PAGE_FAILURES as exc:
        return no_update, failure_notice(exc, page_args["lang"]), no_update
    # Bumping the version re-reads the list and the detail; the comment box empties once used.
    return (version or 0) + 1 if done else no_update, message, "" if done else no_update


@callback(Output("alerts-url", "search"), *FILTER_INPUTS, Input("alerts-selected", "data"),
          State("alerts-url", "search"), State("alerts-args", "data"))
def sync_url(*args):
    """Keep the URL's query in step with the filters and selection (no reload), for deep links."""
    *values, selected, search, page_args = args
    wanted = query_string(page_args["city"], page_args["lang"], dict(zip(FILTERS, values)), selected)
    same = dict(parse_qsl((search or "").lstrip("?"))) == dict(parse_qsl(wanted.lstrip("?")))
    return no_update if same else wanted


# The selected row is marked in the browser: re-rendering up to hundreds of rows for it would cost more.
clientside_callback(
    """
    function(selected) {
        const list = document.getElementById("alerts-list");
        if (list && selected !== null && selected !== undefined) { list.dataset.last = String(selected); }
        document.querySelectorAll(".alert-row").forEach(function(row) {
            const on = String(selected) === row.dataset.alert;
            row.classList.toggle("is-selected", on);
            row.setAttribute("aria-pressed", on ? "true" : "false");
        });
        return window.dash_clientside.no_update;
    }
    """,
    Output("alerts-list", "data-selected"), Input("alerts-selected", "data"), prevent_initial_call=True,
)

# On a phone the detail replaces the list: bring its top into view when an alert opens, and the
# row last opened when going back to the list.
clientside_callback(
    """
    function(className) {
        if (window.innerWidth >= 900) { return window.dash_clientside.no_update; }
        const list = document.getElementById("alerts-list");
        const last = list && list.dataset.last;
        // Without an alert opened before (the page just loaded), the page stays at its top.
        const target = (className || "").includes("has-selection") ? document.getElementById("alerts-detail")
            : last && document.querySelector('.alert-row[data-alert="' + last + '"]');
        if (target) { target.scrollIntoView({block: "start"}); }
        return window.dash_clientside.no_update;
    }
    """,
    Output("alerts-detail", "data-scrolled"), Input("alerts-main", "className"), prevent_initial_call=True,
)
