"""/evaluation (考核): how the departments handled the alerts routed to them in a period — ranking by the share
handled on time, overdue and reopened alerts, median times — with the monthly trend and an XLSX export."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from indicators.accounts import audit
from indicators.views.evaluation import evaluation
from pages import _evaluation_parts as parts
from pages._charts import graph_config
from pages._export import table_bytes
from pages._i18n import t
from pages._shell import resolve
from pages._tabs import handling_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, notice

PATH = "/evaluation"
dash.register_page(__name__, path=PATH, title="预警处置考核 · City Vitals", name="evaluation", order=41,
                   permission="data.view")


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The skeleton: the period, the export button, and the body the callback fills."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="evaluation-args", data={"city": city, "lang": lang}),
        dcc.Download(id="evaluation-download"),
        html.H1(t("evaluation_title", lang), className="page-title"), handling_tabs(PATH, city, lang),
        html.Div([html.Label(t("evaluation_period", lang), htmlFor="evaluation-period", className="admin-label"),
                  dropdown(lang, id="evaluation-period", options=parts.period_options(date.today(), lang),
                           value="30d", clearable=False, className="admin-dropdown"),
                  html.Button(t("evaluation_export", lang), id="evaluation-export", type="button",
                              className="admin-button")], className="admin-bar"),
        html.P(t("evaluation_note", lang), className="admin-hint"),
        dcc.Store(id="evaluation-figure"),
        html.Div([
            html.Div(id="evaluation-body", className="evaluation-body"),
            # Shown from the start (a chart drawn in a hidden box measures itself 0 wide); hidden without alerts.
            html.Section([html.H2(t("evaluation_trend", lang), id="evaluation-trend-title",
                                  className="quality-section-title"),
                          dcc.Graph(id="evaluation-trend", className="evaluation-trend",
                                    config=graph_config(lang, {"displayModeBar": False}))],
                         id="evaluation-trend-card", className="card quality-card evaluation-trend-card"),
        ], className="quality-columns evaluation-columns"),
    ], className="admin-page evaluation-page")


def _lang(args) -> str:
    return args["lang"] if isinstance(args, dict) and args.get("lang") in ("zh", "en") else "zh"


def build(city: str, period: str | None, lang: str) -> tuple[list, dict | None]:
    """The period's ranking (as the data-quality ranking card) and its trend figure (None without alerts)."""
    start, end = parts.period_of(period, date.today())
    result = evaluation(city, start, end)
    if result.ranking.empty:
        return [notice(t("evaluation_empty", lang))], None
    card = html.Section([html.H2(t("evaluation_ranking", lang), className="quality-section-title"),
                         html.P(t("evaluation_rank_rule", lang), className="quality-hint"),
                         html.Div(parts.ranking_table(result.ranking, lang), className="quality-scroll",
                                  tabIndex="0", role="region", **{"aria-label": t("evaluation_ranking", lang)})],
                        className="card quality-card quality-ranking-card evaluation-ranking-card")
    order = result.ranking["department"].tolist()
    by = "week" if result.by_week else "month"
    figure = parts.trend_figure(result.weekly if result.by_week else result.trend, lang, order, by=by)
    title = t("evaluation_trend_weekly" if result.by_week else "evaluation_trend", lang)
    return [card], {"figure": figure.to_plotly_json(), "title": title}


@callback(Output("evaluation-body", "children"), Output("evaluation-figure", "data"),
          Input("evaluation-args", "data"), Input("evaluation-period", "value"))
def fill(args: dict, period: str | None):
    """Show the period's ranking and trend."""
    lang = _lang(args)
    try:
        return build(str((args or {}).get("city") or ""), period, lang)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), None


# The trend's type and height follow the design tokens' scale (twice the PC's on a video wall): only the browser
# knows the screen.
clientside_callback(
    """function (answer) {
        if (!answer) { return [{}, true, window.dash_clientside.no_update]; }
        const figure = answer.figure;
        const scale = window.innerWidth >= 3000 ? 2 : 1, layout = Object.assign({}, figure.layout);
        layout.height = (layout.height || 360) * scale;
        layout.font = Object.assign({}, layout.font, {size: ((layout.font || {}).size || 13) * scale});
        layout.margin = Object.fromEntries(Object.entries(layout.margin || {}).map(([k, v]) => [k, v * scale]));
        const data = figure.data.map(trace => Object.assign({}, trace, {
            line: Object.assign({}, trace.line, {width: ((trace.line || {}).width || 2) * scale}),
            marker: Object.assign({}, trace.marker, {size: ((trace.marker || {}).size || 7) * scale})}));
        return [{data: data, layout: layout}, false, answer.title];
    }""",
    Output("evaluation-trend", "figure"), Output("evaluation-trend-card", "hidden"),
    Output("evaluation-trend-title", "children"), Input("evaluation-figure", "data"),
)


@callback(Output("evaluation-download", "data"), Input("evaluation-export", "n_clicks"),
          State("evaluation-args", "data"), State("evaluation-period", "value"), prevent_initial_call=True)
def export(_clicks, args: dict, period: str | None):
    """The period's ranking as an XLSX file (the export is audited)."""
    lang, city = _lang(args), str((args or {}).get("city") or "")
    start, end = parts.period_of(period, date.today())
    try:
        ranking = evaluation(city, start, end).ranking
    except PAGE_FAILURES:
        return no_update
    audit.record("export", target="evaluation", detail={"city": city, "from": start, "to": end, "rows": len(ranking)})
    data = table_bytes(parts.export_table(ranking, lang), "xlsx", sheet=t("evaluation_title", lang)[:31])
    return dcc.send_bytes(data, f"city-vitals-evaluation-{city}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
