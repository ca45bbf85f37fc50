"""/inbox: the open alerts waiting for the person signed in — routed to them by name, to their department, or
escalated to them as its head or as a city leader — overdue first, with deadlines and a link to handle each."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from indicators.views.handling import inbox
from pages import _admin_notify_parts as parts
from pages._i18n import t
from pages._shell import resolve
from pages._tabs import handling_tabs
from pages._widgets import PAGE_FAILURES, failure_notice, notice

PATH = "/inbox"
dash.register_page(__name__, path=PATH, title="我的待办预警 · City Vitals", name="inbox", order=40)


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The skeleton; the callback fills it."""
    city, lang = resolve(city, lang)
    return html.Div([dcc.Store(id="inbox-args", data={"city": city, "lang": lang}),
                     html.H1(t("inbox_title", lang), className="page-title"), handling_tabs(PATH, city, lang),
                     html.Div(id="inbox-body")], className="admin-page inbox-page")


def build(city: str, lang: str) -> list:
    """The inbox's summary line and its rows."""
    box = inbox(city)
    if box.rows.empty:
        return [notice(t("inbox_empty", lang))]
    summary = t("inbox_summary", lang).format(n=len(box.rows), late=box.overdue, new=box.unacknowledged)
    lines = [html.P(summary, className="admin-count", role="status")]
    if box.departments:
        lines.append(html.P(t("inbox_departments", lang).format(d="、".join(box.departments)), className="admin-hint"))
    return [*lines, parts.inbox_rows(box.rows, city, lang)]


@callback(Output("inbox-body", "children"), Input("inbox-args", "data"))
def fill(args: dict):
    """Show the viewer's inbox."""
    lang = args["lang"] if args and args.get("lang") in ("zh", "en") else "zh"
    try:
        return build(str((args or {}).get("city") or ""), lang)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang)
