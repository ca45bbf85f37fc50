"""Data quality (数据质量), the operator's desk: is every indicator of the city on time and complete,
which departments deliver best (考核), what falls due this week, and where histories have gaps or outliers.

The filters (department, status) live in the URL (``/data/quality?city=xiamen&department=市统计局&status=late``),
so a view can be sent to a colleague. The data is ``indicators.views.data_quality``'s (one view per callback),
the pieces are ``pages._data_quality_parts``'; the layout is a skeleton that reads nothing from the store.
"""

from __future__ import annotations

import json
from datetime import date

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from indicators.accounts.access import current_viewer
from indicators.views.data_quality import FILTERS, issues_view, quality_export, quality_view
from pages._data_quality_parts import (
    EXPORTS,
    MOBILE_COLUMNS,
    PATH,
    column_defs,
    export_name,
    export_table,
    issues_panel,
    phone_rows,
    quality_answer,
    status_options,
)
from pages._export import table_bytes
from pages._i18n import department_name, t
from pages._shell import current_settings, href, resolve
from pages._tabs import data_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, refused_page

dash.register_page(__name__, path=PATH, title="数据质量 · City Vitals", name="data_quality", order=6,
                   nav="nav_data", permission="data.view")


def _filter(name: str, label: str, options: list[dict], value: str | None, lang: str) -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=f"quality-{name}", className="quality-label"),
        dropdown(lang, id=f"quality-{name}", options=options, value=value, placeholder=t("quality_all", lang),
                 searchable=name == "department", className="quality-dropdown")
    ], className="quality-field")


def _export_button(button_id: str, lang: str) -> html.Button:
    what, kind = EXPORTS[button_id]
    return html.Button(t(f"quality_export_{what}_{kind}", lang), id=button_id, type="button",
                       className="quality-button")


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The data-quality page with the URL's filters (checked by the view when the callback fills it); a viewer
    without ``data.view`` gets the shared refusal only."""
    city, lang = resolve(city, lang)
    title = html.H1(t("quality_title", lang), className="page-title")
    if not current_viewer().may("data.view"):
        return html.Div([title, refused_page(PATH, lang)], className="quality-page")
    department, status = (query.get(name) if isinstance(query.get(name), str) else None for name in FILTERS)
    # The URL's department is offered until the callback brings the viewer's departments (and drops an unknown one).
    departments = [{"label": department_name(department, lang), "value": department}] if department else []
    return html.Div([
        dcc.Location(id="quality-url", refresh=False),
        dcc.Store(id="quality-args", data={"city": city, "lang": lang}),
        dcc.Download(id="quality-download"),
        title,
        data_tabs(PATH, city, lang),
        html.P(id="quality-note", className="quality-hint"),
        html.P(t("quality_rules", lang), className="quality-hint"),
        html.Details([
            html.Summary(t("quality_filters", lang), className="quality-filters-summary"),
            html.Div([
                _filter("department", t("department", lang), departments, department, lang),
                _filter("status", t("quality_status", lang), status_options(lang), status, lang),
                html.Div([_export_button(button_id, lang) for button_id in EXPORTS], className="quality-exports"),
            ], className="quality-toolbar", role="search", **{"aria-label": t("quality_filters", lang)}),
        ], id="quality-filters", className="quality-filters", open=True),
        html.Div(id="quality-notice"),
        html.Div(id="quality-summary"),
        html.Div([
            html.Section([html.H2(t("quality_ranking", lang), className="quality-section-title"),
                          html.P(t("quality_score_rule", lang), className="quality-hint"),
                          html.Div(id="quality-ranking", className="quality-scroll", tabIndex="0", role="region",
                                   **{"aria-label": t("quality_ranking", lang)})],
                         className="card quality-card quality-ranking-card"),
            html.Section([html.H2(t("quality_due_week", lang), className="quality-section-title"),
                          html.Div(id="quality-due", className="quality-scroll")],
                         className="card quality-card quality-due-card"),
        ], className="quality-columns"),
        html.Section([
            html.Div([html.H2(t("quality_list", lang), className="quality-section-title"),
                      html.Span(id="quality-count", className="quality-count", role="status")],
                     className="quality-list-head"),
            html.P(t("quality_outlier_rule", lang), className="quality-hint"),
            html.Div([
                dag.AgGrid(id="quality-grid", columnDefs=column_defs(city=city, lang=lang), rowData=[],
                           getRowId="params.data.code", className="quality-grid desk-grid",
                           style={"height": "var(--quality-grid-height)", "width": "100%"},
                           defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                                          "wrapHeaderText": True, "autoHeaderHeight": True},
                           dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                            "tooltipShowDelay": 300, "context": {"phone": phone_rows(city, lang)},
                                            "localeText": {"noRowsToShow": t("quality_no_rows", lang)}}),
                html.Aside([html.H3(t("quality_issues", lang), className="quality-section-title"),
                            html.Div(html.P(t("quality_issues_pick", lang), className="quality-hint"),
                                     id="quality-issues")],
                           className="quality-issues-pane", **{"aria-live": "polite"}),
            ], className="quality-list-body"),
        ], className="card quality-card quality-list"),
        html.Section([html.H2(t("quality_growth", lang), className="quality-section-title"),
                      html.Div(id="quality-growth", className="quality-scroll")],
                     className="card quality-card quality-growth-card"),
    ], className="quality-page")


FILLED = ("note", "summary", "ranking", "rows", "count", "due", "growth", "departments")


@callback(output={"note": Output("quality-note", "children"), "summary": Output("quality-summary", "children"),
                  "ranking": Output("quality-ranking", "children"), "rows": Output("quality-grid", "rowData"),
                  "count": Output("quality-count", "children"), "due": Output("quality-due", "children"),
                  "growth": Output("quality-growth", "children"),
                  "departments": Output("quality-department", "options"),
                  "search": Output("quality-url", "search"), "notice": Output("quality-notice", "children")},
          inputs={"filters": {name: Input(f"quality-{name}", "value") for name in FILTERS}},
          state={"args": State("quality-args", "data")})
def fill_quality(filters: dict, args: dict) -> dict:
    """Show the city's data quality for the filters and keep the URL in step with them."""
    city, lang = args["city"], args["lang"]
    state = {name: value for name, value in filters.items() if value}
    # The first call shows the URL as it came: rewriting it would add a history entry that Back returns to.
    search = dash.no_update if ctx.triggered_id is None else href("", city, lang, **state)
    try:
        view = quality_view(city, state, tolerance=current_settings().growth_tolerance)
    except PAGE_FAILURES as exc:
        empty = {"note": "", "summary": None, "ranking": None, "rows": [], "count": "", "due": None,
                 "growth": None, "departments": dash.no_update}
        return {**empty, "search": search, "notice": failure_notice(exc, lang)}
    return {**quality_answer(view, lang), "search": search, "notice": None}


@callback(Output("quality-issues", "children"), Input("quality-grid", "cellClicked"), State("quality-args", "data"),
          prevent_initial_call=True)
def show_issues(cell: dict | None, args: dict) -> list:
    """Show the gaps and outliers in the history of the indicator whose row was clicked."""
    lang = args["lang"]
    code = (cell or {}).get("rowId")
    if not code:
        return dash.no_update
    try:
        view = issues_view(code, args["city"])
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)]
    name = view.name_en if lang == "en" else view.name_zh
    return issues_panel(view.code, name, view.frequency, view.issues, city=args["city"], lang=lang)


@callback(output={"file": Output("quality-download", "data"),
                  "notice": Output("quality-notice", "children", allow_duplicate=True)},
          inputs={"clicks": {key: Input(key, "n_clicks") for key in EXPORTS}},
          state={"filters": {name: State(f"quality-{name}", "value") for name in FILTERS},
                 "args": State("quality-args", "data")},
          prevent_initial_call=True)
def export_quality(clicks: dict, filters: dict, args: dict) -> dict:
    """Send the ranking or the filtered list as a CSV or Excel file (recorded in the audit log)."""
    if ctx.triggered_id not in EXPORTS:
        return {"file": dash.no_update, "notice": dash.no_update}
    what, kind = EXPORTS[ctx.triggered_id]
    city, lang = args["city"], args["lang"]
    state = {name: value for name, value in filters.items() if value}
    try:
        rows = quality_export(city, what, kind, state)
    except PAGE_FAILURES as exc:
        return {"file": dash.no_update, "notice": failure_notice(exc, lang)}
    data = table_bytes(export_table(rows, what, lang), kind, sheet=t("quality_title", lang))
    return {"file": dcc.send_bytes(data, export_name(city, what, kind, date.today())), "notice": None}


# Widths scale with the type on a video wall and phones hide the low-value columns: only the browser knows the
# screen, so this runs there (assets/92-desk-grids.js).
clientside_callback(
    f"function (args, defs) {{ return window.deskGrids.fit(defs, {json.dumps(MOBILE_COLUMNS)}); }}",
    Output("quality-grid", "columnDefs"), Input("quality-args", "data"), State("quality-grid", "columnDefs"),
)

# A phone opens on the numbers: the filters fold into one control.
clientside_callback("function (args) { return window.innerWidth > 600; }",
                    Output("quality-filters", "open"), Input("quality-args", "data"))
