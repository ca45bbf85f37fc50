"""/admin/notify, for administrators: the outbox (failures first, every attempt's error), the routing rules, the
address book, the webhook channels and the silences of the city; forms to add a routing rule and a silence (both
audited). Contacts and channels are added with ``manage.py notify`` (they carry addresses and secrets)."""

from __future__ import annotations

from datetime import datetime, timedelta

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from indicators.catalog.levels import LEVELS, Level
from indicators.views.notify_admin import notify_admin
from indicators.warnings.routing import NotifyConfigError, add_rule
from indicators.warnings.silences import add_silence
from pages import _admin_notify_parts as parts
from pages._i18n import register_strings, t
from pages._shell import resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, notice

PATH = "/admin/notify"
PERMISSION = "notify.manage"
dash.register_page(__name__, path=PATH, title="通知与分拨 · City Vitals", name="admin_notify", order=92,
                   permission=PERMISSION)

register_strings({
    "notify_add_rule": ("新增分拨规则", "Add a routing rule"),
    "notify_add_silence": ("新增静默", "Add a silence"),
    "notify_f_name": ("名称", "Name"),
    "notify_f_indicator": ("指标代码", "Indicator code"),
    "notify_f_theme": ("主题", "Theme"),
    "notify_f_district": ("区县代码", "District code"),
    "notify_f_level": ("最低等级 / 等级", "Level (rule: at least)"),
    "notify_f_departments": ("派往部门(逗号分隔)", "Departments (comma-separated)"),
    "notify_f_persons": ("派往人员账号(逗号分隔)", "Persons' accounts (comma-separated)"),
    "notify_f_stop": ("匹配后到此为止", "Stop at this rule"),
    "notify_f_hours": ("静默时长(小时)", "Hours to silence"),
    "notify_f_comment": ("原因", "Reason"),
    "notify_save": ("保存", "Save"),
    "notify_saved": ("已保存。", "Saved."),
    "notify_bad_hours": ("静默时长应为 1 至 720 小时。", "Hours to silence: a number from 1 to 720."),
})


def _input(name: str, lang: str, **props) -> html.Div:
    return html.Div([html.Label(t(f"notify_f_{name}", lang), htmlFor=f"notify-{name}", className="admin-label"),
                     dcc.Input(id=f"notify-{name}", className="admin-input", autoComplete="off", **props)],
                    className="admin-field")


def _level(lang: str) -> html.Div:
    return html.Div([html.Label(t("notify_f_level", lang), htmlFor="notify-level", className="admin-label"),
                     dropdown(lang, id="notify-level", options=[{"label": Level(v).label(lang), "value": v}
                                                                for v in LEVELS], className="admin-dropdown")],
                    className="admin-field")


def forms(lang: str) -> html.Div:
    """The two forms; the matchers (indicator, theme, district, level) are shared by both."""
    return html.Div([
        html.H2(t("notify_add_rule", lang) + " / " + t("notify_add_silence", lang), className="section-title"),
        html.Div([_input("name", lang, maxLength=120), _input("indicator", lang, maxLength=24),
                  _input("theme", lang, maxLength=24), _input("district", lang, maxLength=12), _level(lang),
                  _input("departments", lang, maxLength=400), _input("persons", lang, maxLength=400),
                  dcc.Checklist(id="notify-stop", options=[{"label": t("notify_f_stop", lang), "value": "stop"}],
                                value=["stop"], className="admin-field"),
                  _input("hours", lang, type="number", min=1, max=24 * 30, value=4),
                  _input("comment", lang, maxLength=400)], className="admin-form-fields"),
        html.Div([html.Button(t("notify_add_rule", lang), id="notify-save-rule", type="button",
                              className="admin-button admin-button-primary"),
                  html.Button(t("notify_add_silence", lang), id="notify-save-silence", type="button",
                              className="admin-button")], className="admin-buttons"),
        html.Div(id="notify-form-message", role="status"),
    ], className="notify-forms")


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The skeleton; the callback fills it from the view."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="notify-args", data={"city": city, "lang": lang}),
        dcc.Store(id="notify-saved", data=0),
        html.Div([html.H1(t("notify_title", lang), className="page-title"), admin_tabs(PATH, city, lang)]),
        html.Div(id="notify-body", className="notify-body"),
        forms(lang),
    ], className="admin-page admin-notify")


def build_body(city: str, lang: str) -> list:
    """The view's tables, titled."""
    data = notify_admin(city)

    def section(key: str, content, hint: str | None = None) -> html.Section:
        return html.Section([html.H2(t(key, lang), className="section-title"),
                             *([html.P(t(hint, lang), className="admin-hint")] if hint else []), content])

    return [parts.counts(data.counts, lang),
            section("notify_deliveries", parts.deliveries(data.deliveries, lang)),
            section("notify_rules", parts.rules(data.rules, lang), "notify_rules_hint"),
            section("notify_silences", parts.silences(data.silences, lang)),
            section("notify_contacts", parts.contacts(data.contacts, lang)),
            section("notify_channels", parts.channels(data.channels, lang))]


@callback(Output("notify-body", "children"), Input("notify-args", "data"), Input("notify-saved", "data"))
def fill(args: dict, _saved: int):
    """Show the outbox, rules, silences, contacts and channels (again after a save)."""
    lang = args["lang"] if args and args.get("lang") in ("zh", "en") else "zh"
    try:
        return build_body(str((args or {}).get("city") or ""), lang)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang, denied_key="notify_denied")


FIELDS = ("name", "indicator", "theme", "district", "level", "departments", "persons", "stop", "hours", "comment")


@callback(Output("notify-form-message", "children"), Output("notify-saved", "data"),
          Input("notify-save-rule", "n_clicks"), Input("notify-save-silence", "n_clicks"),
          *(State(f"notify-{name}", "value") for name in FIELDS),
          State("notify-args", "data"), State("notify-saved", "data"), prevent_initial_call=True)
def save(_rule, _silence, name, indicator, theme, district, level, departments, persons, stop, hours, comment,
         args, saved):
    """Add the routing rule or the silence the form describes; a refusal or bad field is said, nothing saved."""
    lang = args["lang"] if args and args.get("lang") in ("zh", "en") else "zh"
    city = str((args or {}).get("city") or "")
    text = {k: str(v or "").strip() for k, v in dict(name=name, indicator=indicator, theme=theme, district=district,
                                                     level=level, departments=departments, persons=persons,
                                                     comment=comment).items()}
    try:
        if dash.ctx.triggered_id == "notify-save-silence":
            now, span = datetime.now(), float(hours or 0)
            if not 1 <= span <= 24 * 30:
                raise ValueError(span)
            add_silence(city, starts_at=now, ends_at=now + timedelta(hours=span),
                        comment=text["comment"], indicator_code=text["indicator"], theme=text["theme"],
                        area_adcode=text["district"], level=text["level"])
        else:
            add_rule(city, name=text["name"], indicator_code=text["indicator"], theme=text["theme"],
                     area_adcode=text["district"], min_level=text["level"], departments=text["departments"],
                     persons=text["persons"], stop="stop" in (stop or []))
    except NotifyConfigError as exc:
        return notice(str(exc), "error"), no_update
    except (TypeError, ValueError, OverflowError):
        return notice(t("notify_bad_hours", lang), "error"), no_update
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang, denied_key="notify_denied"), no_update
    return notice(t("notify_saved", lang), "success"), (saved or 0) + 1
