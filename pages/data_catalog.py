"""Catalog and thresholds (目录与阈值): browse every indicator's definition; operators and admins edit its
descriptive and warning fields (names, department, source, thresholds, target, physical range,
sensitivity, headline), each change validated like the catalog file, versioned and audited; export the
catalog in the file's format, and import such a file after a check that lists every change.

``/data/catalog?code=ENV-AIR-001`` opens that indicator. The data is ``indicators.views.data_catalog``'s, the
pieces ``pages._data_catalog_parts``'; the layout is a skeleton (the grid is filled by ``fill_grid``).
"""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from indicators.accounts.access import current_viewer
from indicators.catalog.entries import CatalogError
from indicators.ingest.catalog_edits import CatalogDenied
from indicators.views.data_catalog import (
    catalog_desk_view,
    catalog_export,
    catalog_import,
    indicator_form_view,
    indicator_row,
    save_indicator,
)
from pages._data_catalog_parts import (
    FORM_FIELDS,
    changes_from_form,
    column_defs,
    edit_form,
    grid_rows,
    history_table,
    import_view,
)
from pages._grid import phone_list
from pages._i18n import t
from pages._reports import decode_upload, in_language
from pages._shell import href, resolve
from pages._tabs import data_tabs
from pages._widgets import PAGE_FAILURES, failure_notice, notice, refused_page

PATH = "/data/catalog"
dash.register_page(__name__, path=PATH, title="目录与阈值 · City Vitals", name="data_catalog")


def layout(city: str | None = None, lang: str | None = None, code: str | None = None, **_) -> html.Div:
    """The catalog desk: the grid, the selected indicator's form and history, export and import."""
    city, lang = resolve(city, lang)
    viewer = current_viewer()
    head = [html.H1(t("dcat_title", lang), className="page-title"), data_tabs(PATH, city, lang)]
    if not viewer.may("data.view"):
        return html.Div([*head, refused_page(PATH, lang)], className="data-page")
    return html.Div([
        *head,
        dcc.Location(id="dcat-url", refresh=False),
        dcc.Store(id="dcat-args", data={"city": city, "lang": lang}),
        dcc.Store(id="dcat-selected", data=code if isinstance(code, str) else None),
        dcc.Store(id="dcat-version", data=0),
        dcc.Download(id="dcat-download"),
        html.Div([html.Button(t("dcat_export", lang), id="dcat-export", className="button")], className="actions"),
        html.Div(id="dcat-status"),
        dag.AgGrid(id="dcat-grid", rowData=[], columnDefs=column_defs(lang), getRowId="params.data.code",
                   defaultColDef={"resizable": True, "wrapHeaderText": True, "autoHeaderHeight": True},
                   dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                                    "animateRows": False,
                                    "context": {"phone": phone_list(row_id="code", lang=lang, pick="selectedRows",
                                                                    reveal="#dcat-form")}}, className="dcat-grid desk-grid",
                   style={"height": "var(--dcat-grid-height)", "width": "100%"}),
        html.Div([
            html.Section(html.Div(html.P(t("dcat_pick", lang), className="muted"), id="dcat-form"), className="card"),
            html.Section([html.H2(t("dcat_history", lang), className="section-title"), html.Div(id="dcat-history")],
                         className="card"),
        ], className="dcat-main"),
        html.Section([
            html.H2(t("dcat_import", lang), className="section-title"),
            dcc.Upload(id="dcat-import-file", children=html.Strong(t("dcat_import_drop", lang)), accept=".csv",
                       className="upload-drop"),
            html.Div(id="dcat-import-report"),
            html.Button(t("dcat_import_apply", lang), id="dcat-import-apply", className="button button-primary",
                        disabled=True),
            html.Div(id="dcat-import-message", role="status"),
        ], className="card", hidden=not viewer.may("catalog.edit")),
    ], className="data-page dcat-page")


@callback(Output("dcat-grid", "rowData"), Output("dcat-status", "children"), Input("dcat-version", "data"),
          State("dcat-args", "data"))
def fill_grid(_version, args):
    """The indicators the viewer may see (again after every change)."""
    lang = args["lang"]
    try:
        view = catalog_desk_view()
    except PAGE_FAILURES as exc:
        return [], failure_notice(exc, lang)
    return grid_rows(view.indicators, lang), None


@callback(Output("dcat-selected", "data", allow_duplicate=True), Input("dcat-grid", "selectedRows"),
          prevent_initial_call=True)
def select_row(selected):
    """Picking a row in the grid opens its indicator."""
    if not selected:
        raise PreventUpdate
    return selected[0]["code"]


@callback(Output("dcat-form", "children"), Output("dcat-history", "children"), Output("dcat-url", "search"),
          Input("dcat-selected", "data"), Input("dcat-version", "data"), State("dcat-args", "data"))
def fill_form(code, _version, args):
    """The selected indicator's form and its history of changes."""
    lang = args["lang"]
    if not code:
        return html.P(t("dcat_pick", lang), className="muted"), None, no_update
    search = href("", args["city"], lang, code=code)
    try:
        view = indicator_form_view(code)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), None, search
    if view.row is None:
        return notice(t("not_permitted", lang), "error"), None, search
    form = edit_form(view.row, lang, editable=view.editable, sensitivity_editable=view.sensitivity_editable)
    return form, history_table(view.history, lang), search


@callback(Output("dcat-message", "children"), Output("dcat-version", "data"), Input("dcat-save", "n_clicks"),
          State("dcat-selected", "data"), State("dcat-comment", "value"), State("dcat-version", "data"),
          State("dcat-args", "data"), *[State(f"dcat-{f}", "value") for f in FORM_FIELDS], prevent_initial_call=True)
def save(clicks, code, comment, version, args, *values):
    """Save the form's changes (validated, versioned, audited); a refusal says which field and why."""
    lang = args["lang"]
    if not clicks or not code:
        raise PreventUpdate
    try:
        row = indicator_row(code)
        if row is None:
            return notice(t("not_permitted", lang), "error"), no_update
        changes = changes_from_form(row, dict(zip(FORM_FIELDS, values)))
        if not changes:
            return notice(t("dcat_nothing", lang)), no_update
        made = save_indicator(code, changes, (comment or "").strip())
    except (CatalogError, CatalogDenied) as exc:
        return notice(t("dcat_refused", lang).format(reason=in_language(str(exc), lang)), "error"), no_update
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), no_update
    return notice(t("dcat_saved", lang).format(count=len(made)), "success"), (version or 0) + 1


@callback(Output("dcat-download", "data"), Input("dcat-export", "n_clicks"), State("dcat-args", "data"),
          prevent_initial_call=True)
def export(_clicks, args):
    """The catalog (what the viewer may see) in the catalog file's format, recorded in the audit log."""
    text, _count = catalog_export()
    return dcc.send_string(text, f"catalog-{date.today():%Y%m%d}.csv")


@callback(Output("dcat-import-report", "children"), Output("dcat-import-apply", "disabled"),
          Input("dcat-import-file", "contents"), State("dcat-args", "data"), prevent_initial_call=True)
def check_import(contents, args):
    """Check a catalog file and list what it would change (nothing is written)."""
    lang = args["lang"]
    try:
        result = catalog_import(decode_upload(contents).decode("utf-8-sig"), apply=False)
    except (ValueError, UnicodeDecodeError):
        return notice(t("upload_unreadable", lang), "error"), True
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), True
    return import_view(result, lang), not (result.ok and result.changes)


@callback(Output("dcat-import-message", "children"), Output("dcat-import-apply", "disabled", allow_duplicate=True),
          Output("dcat-version", "data", allow_duplicate=True),
          Input("dcat-import-apply", "n_clicks"), State("dcat-import-file", "contents"), State("dcat-version", "data"),
          State("dcat-args", "data"), prevent_initial_call=True)
def apply_import(clicks, contents, version, args):
    """Apply the checked catalog file (checked again on the way in)."""
    lang = args["lang"]
    if not clicks:
        raise PreventUpdate
    try:
        result = catalog_import(decode_upload(contents).decode("utf-8-sig"), apply=True)
    except (ValueError, UnicodeDecodeError):
        return notice(t("upload_unreadable", lang), "error"), True, no_update
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), True, no_update
    if not result.applied:
        return import_view(result, lang), True, no_update
    return notice(t("dcat_import_applied", lang).format(count=len(result.changes)), "success"), True, (version or 0) + 1


# Widths scale with the type on a video wall (assets/92-desk-grids.js): only the browser knows the screen.
clientside_callback("function (args, defs) { return window.deskGrids.fit(defs, null); }",
                    Output("dcat-grid", "columnDefs"), Input("dcat-args", "data"), State("dcat-grid", "columnDefs"))
