"""/briefing (城市运行日报): the city's daily, weekly or monthly briefing as the viewer may see it — what moved
beyond its normal range, open warnings by level and department, forecasts that will cross a threshold, overdue
handling, late data — with its bar charts, and the same briefing as a PDF (the download is audited)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from indicators.accounts import audit
from indicators.views.briefing import KINDS, briefing
from pages import _briefing_parts as parts
from pages._briefing_pdf import pdf_bytes
from pages._i18n import t
from pages._shell import resolve
from pages._tabs import handling_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice

PATH = "/briefing"
dash.register_page(__name__, path=PATH, title="城市运行日报 · City Vitals", name="briefing", order=42,
                   permission="data.export")


def layout(city: str | None = None, lang: str | None = None, kind: str | None = None, **_query) -> html.Div:
    """The skeleton: the kind of briefing, the PDF button, and the body the callback fills."""
    city, lang = resolve(city, lang)
    kind = kind if kind in KINDS else "daily"
    return html.Div([
        dcc.Store(id="briefing-args", data={"city": city, "lang": lang}),
        dcc.Download(id="briefing-download"),
        html.H1(t("briefing_title_daily", lang), className="page-title"), handling_tabs(PATH, city, lang),
        html.Div([html.Label(t("briefing_kind", lang), htmlFor="briefing-kind", className="admin-label"),
                  dropdown(lang, id="briefing-kind", value=kind, clearable=False, className="admin-dropdown",
                           options=[{"label": t(f"briefing_kind_{k}", lang), "value": k} for k in KINDS]),
                  html.Button(t("briefing_pdf", lang), id="briefing-pdf", type="button", className="admin-button")],
                 className="admin-bar"),
        html.Div(id="briefing-body"),
    ], className="admin-page briefing-page")


def _args(args) -> tuple[str, str]:
    args = args if isinstance(args, dict) else {}
    return str(args.get("city") or ""), args["lang"] if args.get("lang") in ("zh", "en") else "zh"


def build(city: str, kind: str | None, lang: str) -> list:
    """The briefing's title, sentences and charts."""
    made = briefing(city, kind if kind in KINDS else "daily")
    return [html.H2(parts.title(made, lang), className="section-title"), *parts.page_body(made, lang)]


@callback(Output("briefing-body", "children"), Input("briefing-args", "data"), Input("briefing-kind", "value"))
def fill(args: dict, kind: str | None):
    """Show the briefing of the chosen kind."""
    city, lang = _args(args)
    try:
        return build(city, kind, lang)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang)


@callback(Output("briefing-download", "data"), Input("briefing-pdf", "n_clicks"), State("briefing-args", "data"),
          State("briefing-kind", "value"), prevent_initial_call=True)
def download(_clicks, args: dict, kind: str | None):
    """The briefing as a PDF (audited)."""
    city, lang = _args(args)
    kind = kind if kind in KINDS else "daily"
    try:
        made = briefing(city, kind)
    except PAGE_FAILURES:
        return no_update
    audit.record("export", target="briefing", detail={"city": city, "kind": kind, "lang": lang})
    return dcc.send_bytes(pdf_bytes(made, lang), f"city-vitals-{kind}-{city}-{made.end:%Y%m%d}.pdf")
