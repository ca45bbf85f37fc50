"""The audit log, for administrators: who did what, when and from where, newest first, filtered by user,
action, text and dates, and exported as CSV or Excel (the export is itself recorded).

The filters live in the URL (``/admin/audit?lang=en&action=user_add&from=2025-06-01``), so a view of the
log can be sent to a colleague. The page only reads: the app has no way to change or delete an entry. Its data is
``indicators.views.admin``'s (uncached, the permission checked there), its pieces ``pages._admin_audit_parts``'.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from indicators.accounts.access import current_viewer
from indicators.views.admin import AUDIT_PATH, AUDIT_PERMISSION, audit_export, audit_log_view, parse_filters
from pages._admin_audit_parts import (
    DENIED,
    FILTERS,
    column_defs,
    export_message,
    export_table,
    log_answer,
    toolbar,
)
from pages._export import table_bytes
from pages._grid import phone_list
from pages._i18n import t
from pages._shell import href, resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, failure_notice, refused_page

dash.register_page(__name__, path=AUDIT_PATH, title="审计日志 · City Vitals", name="admin_audit", order=91,
                   permission=AUDIT_PERMISSION)


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The audit log with the URL's filters (a skeleton the callbacks fill); a viewer without ``audit.read`` gets
    the one page refusal only."""
    city, lang = resolve(city, lang)
    title = html.Div([html.H1(t("admin_audit_title", lang), className="page-title"),
                      admin_tabs(AUDIT_PATH, city, lang)])
    if not current_viewer().may(AUDIT_PERMISSION):
        return html.Div([title, refused_page(AUDIT_PATH, lang)], className="admin-page")
    return html.Div([
        dcc.Location(id="admin-audit-url", refresh=False),
        dcc.Store(id="admin-audit-args", data={"city": city, "lang": lang}),
        dcc.Store(id="admin-audit-exported", data=0),
        dcc.Download(id="admin-audit-download"),
        title,
        html.P(t("admin_audit_note", lang), className="admin-hint"),
        toolbar(parse_filters(query), lang),
        html.Div([
            html.Span(id="admin-audit-count", className="admin-count", role="status"),
            html.Button(t("admin_audit_export_csv", lang), id="admin-audit-export-csv", type="button",
                        className="admin-button"),
            html.Button(t("admin_audit_export_xlsx", lang), id="admin-audit-export-xlsx", type="button",
                        className="admin-button"),
        ], className="admin-bar"),
        html.Div(id="admin-audit-export-message", className="admin-message"),
        html.Div(id="admin-audit-status"),
        # Few columns: all of them rendered (no sideways virtualisation), so a phone's cells can be found too.
        dag.AgGrid(id="admin-audit-grid", columnDefs=column_defs(lang), rowData=[], getRowId="params.data.id",
                   className="admin-grid admin-audit-grid",
                   style={"height": "var(--admin-audit-grid-height)", "width": "100%"},
                   defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
                   dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                    "suppressColumnVirtualisation": True,
                                    "context": {"phone": phone_list(row_id="id", lang=lang)},
                                    "localeText": {"noRowsToShow": t("admin_audit_no_rows", lang)}}),
    ], className="admin-page admin-audit")


@callback(output={"rows": Output("admin-audit-grid", "rowData"), "count": Output("admin-audit-count", "children"),
                  "status": Output("admin-audit-status", "children"), "users": Output("admin-audit-user", "options"),
                  "search": Output("admin-audit-url", "search")},
          inputs={"filters": {name: Input(f"admin-audit-{name}", prop) for name, prop in FILTERS.items()},
                  "exported": Input("admin-audit-exported", "data")},
          state={"args": State("admin-audit-args", "data")})
def fill_log(filters: dict, exported: int, args: dict) -> dict:
    """List the entries matching the filters (again after an export) and keep the URL in step with them."""
    lang, state = args["lang"], parse_filters(filters)
    # The first call shows the URL as it came: rewriting it would add a history entry that Back returns to.
    search = no_update if ctx.triggered_id is None else href("", args["city"], lang, **state)
    try:
        return {**log_answer(audit_log_view(state), lang), "search": search}
    except PAGE_FAILURES as exc:
        return {"rows": [], "count": "", "status": failure_notice(exc, lang, denied_key=DENIED),
                "users": no_update, "search": search}


@callback(output={name: Output(f"admin-audit-{name}", prop) for name, prop in FILTERS.items()},
          inputs={"clicks": Input("admin-audit-clear", "n_clicks")}, prevent_initial_call=True)
def clear_filters(clicks: int) -> dict:
    """Empty every filter."""
    return {name: "" if name == "q" else None for name in FILTERS}


@callback(output={"file": Output("admin-audit-download", "data"),
                  "message": Output("admin-audit-export-message", "children"),
                  "exported": Output("admin-audit-exported", "data")},
          inputs={"csv": Input("admin-audit-export-csv", "n_clicks"),
                  "xlsx": Input("admin-audit-export-xlsx", "n_clicks")},
          state={"filters": {name: State(f"admin-audit-{name}", prop) for name, prop in FILTERS.items()},
                 "exported": State("admin-audit-exported", "data"), "args": State("admin-audit-args", "data")},
          prevent_initial_call=True)
def export_clicked(csv: int | None, xlsx: int | None, filters: dict, exported: int, args: dict) -> dict:
    """Send the filtered entries as a CSV or Excel file; the list then shows the export's own entry."""
    lang = args["lang"]
    kind = "xlsx" if ctx.triggered_id == "admin-audit-export-xlsx" else "csv"
    try:
        export = audit_export(parse_filters(filters), kind)
    except PAGE_FAILURES as exc:
        return {"file": no_update, "message": failure_notice(exc, lang, denied_key=DENIED), "exported": no_update}
    message = export_message(export, lang)
    if export.bad_range:
        return {"file": no_update, "message": message, "exported": no_update}
    data = table_bytes(export_table(export.entries, lang), kind, sheet=t("admin_audit_title", lang))
    return {"file": dcc.send_bytes(data, f"city-vitals-audit-{date.today():%Y%m%d}.{kind}"), "message": message,
            "exported": (exported or 0) + 1}


# Widths scale with the type on a video wall (assets/92-desk-grids.js): only the browser knows the screen.
clientside_callback("function (args, defs) { return window.deskGrids.fit(defs, null); }",
                    Output("admin-audit-grid", "columnDefs"), Input("admin-audit-args", "data"), State("admin-audit-grid", "columnDefs"))
