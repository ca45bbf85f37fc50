"""Accounts, for administrators: every account in a grid, a form to add one, and for the selected account
its role, clearance and scope, disabling or enabling it, and a new password.

Every read and change goes through ``indicators.views.admin`` (uncached), which refuses anyone without
``users.manage`` and records each change and each refusal in the audit log; the page's pieces are
``pages._admin_users_parts``'. A non-admin who opens the URL gets the one page refusal; one who calls a callback
directly gets a clear notice and changes nothing. A generated password is shown once, in the answer of the
action that made it, and kept nowhere else.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from indicators.accounts.access import current_viewer
from indicators.store.db import StoreUnavailable
from indicators.views.admin import USERS_PATH, accounts_view, add_account, change_account, may_manage
from pages._admin_users_parts import (
    CHANGES,
    DENIED,
    add_form,
    change_message,
    column_defs,
    count_text,
    district_choices,
    edit_form,
    edit_values,
    grid_rows,
)
from pages._grid import phone_list
from pages._i18n import t
from pages._shell import resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, failure_notice, refused_page

dash.register_page(__name__, path=USERS_PATH, title="账号管理 · City Vitals", name="admin_users", order=90,
                   nav="nav_admin", permission="users.manage")


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The accounts page (a skeleton the callbacks fill); a viewer without ``users.manage`` gets the one page
    refusal only."""
    city, lang = resolve(city, lang)
    title = html.Div([html.H1(t("admin_users_title", lang), className="page-title"),
                      admin_tabs(USERS_PATH, city, lang)])
    if not may_manage(current_viewer()):
        return html.Div([title, refused_page(USERS_PATH, lang)], className="admin-page")
    return html.Div([
        dcc.Store(id="admin-users-args", data={"lang": lang}),
        dcc.Store(id="admin-users-added", data=0),
        dcc.Store(id="admin-users-changed", data=0),
        dcc.Store(id="admin-users-selected", data=None),
        title,
        html.Div([html.Span(id="admin-users-count", className="admin-count", role="status")], className="admin-bar"),
        html.Div(id="admin-users-status"),
        # Few columns: all of them rendered (no sideways virtualisation), so a phone's cells can be found too.
        dag.AgGrid(id="admin-users-grid", columnDefs=column_defs(lang), rowData=[],
                   getRowId="params.data.username", className="admin-grid admin-users-grid",
                   style={"height": "var(--admin-users-grid-height)", "width": "100%"},
                   defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
                   dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                    "suppressColumnVirtualisation": True,
                                    "rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                     "enableClickSelection": True},
                                    "context": {"phone": phone_list(row_id="username", lang=lang,
                                                                    pick="selectedRows", reveal="#admin-users-edit")},
                                    "localeText": {"noRowsToShow": t("admin_users_no_rows", lang)}}),
        html.Div([edit_form(lang), add_form(lang)], className="admin-panels"),
    ], className="admin-page admin-users")


@callback(Output("admin-users-grid", "rowData"), Output("admin-users-count", "children"),
          Output("admin-users-status", "children"),
          Input("admin-users-added", "data"), Input("admin-users-changed", "data"), State("admin-users-args", "data"))
def fill_users(_added: int, _changed: int, args: dict):
    """List the accounts (again after every change)."""
    lang = args["lang"]
    try:
        view = accounts_view()
    except PAGE_FAILURES as exc:
        return [], "", failure_notice(exc, lang, denied_key=DENIED)
    return grid_rows(view.accounts, lang=lang), count_text(len(view.accounts), lang), None


@callback(Output("admin-users-add-districts", "options"), Output("admin-users-add-districts", "value"),
          Input("admin-users-add-city", "value"), State("admin-users-add-districts", "value"),
          State("admin-users-args", "data"))
def add_form_districts(city: str | None, chosen: list[str] | None, args: dict):
    """Offer the districts of the city picked in the add form."""
    return district_choices(city, chosen, args["lang"]) if may_manage(current_viewer()) else ([], [])


@callback(Output("admin-users-edit-districts", "options", allow_duplicate=True),
          Output("admin-users-edit-districts", "value", allow_duplicate=True),
          Input("admin-users-edit-city", "value"), State("admin-users-edit-districts", "value"),
          State("admin-users-args", "data"), prevent_initial_call=True)
def edit_form_districts(city: str | None, chosen: list[str] | None, args: dict):
    """Offer the districts of the city picked in the edit form, keeping those of it already picked."""
    return district_choices(city, chosen, args["lang"]) if may_manage(current_viewer()) else ([], [])


@callback(Output("admin-users-selected", "data"), Output("admin-users-edit", "hidden"),
          Output("admin-users-pick", "hidden"), Output("admin-users-edit-name", "children"),
          Output("admin-users-edit-role", "value"), Output("admin-users-edit-clearance", "value"),
          Output("admin-users-edit-city", "value"), Output("admin-users-edit-districts", "options"),
          Output("admin-users-edit-districts", "value"), Output("admin-users-toggle", "children"),
          Input("admin-users-grid", "selectedRows"), Input("admin-users-grid", "rowData"),
          State("admin-users-args", "data"))
def show_account(selected_rows: list[dict] | None, rows: list[dict] | None, args: dict):
    """Fill the edit form from the selected account's row, as the grid has it now (fresh after a change).

    The districts come with their options: a dropdown given values it has no options for yet shows none.
    """
    lang = args["lang"]
    name = (selected_rows or [{}])[0].get("username")
    row = next((r for r in rows or [] if r["username"] == name), None)
    if row is None or not may_manage(current_viewer()):
        return None, True, False, "", None, None, None, [], [], t("admin_users_disable", lang)
    values = edit_values(row)
    options, districts = district_choices(values["city"], values["districts"], lang)
    toggle = t("admin_users_disable" if values["active"] else "admin_users_enable", lang)
    heading = " · ".join(part for part in (row["username"], row["display_name"]) if part)
    return (values, False, True, heading, values["role"], values["clearance"], values["city"], options, districts,
            toggle)


@callback(Output("admin-users-add-message", "children"), Output("admin-users-added", "data"),
          Output("admin-users-add-username", "value"), Output("admin-users-add-display-name", "value"),
          Output("admin-users-add-password", "value"),
          Input("admin-users-add", "n_clicks"),
          State("admin-users-add-username", "value"), State("admin-users-add-display-name", "value"),
          State("admin-users-add-role", "value"), State("admin-users-add-clearance", "value"),
          State("admin-users-add-city", "value"), State("admin-users-add-districts", "value"),
          State("admin-users-add-password", "value"), State("admin-users-added", "data"),
          State("admin-users-args", "data"), prevent_initial_call=True)
def add_clicked(_clicks, username, display_name, role, clearance, city, districts, password, added, args):
    """Add the account; on success empty the name and password fields and list the accounts again."""
    form = {"username": username, "display_name": display_name, "role": role, "clearance": clearance,
            "city": city, "districts": districts, "password": password}
    try:
        added_account = add_account(form)
    except StoreUnavailable as exc:
        return failure_notice(exc, args["lang"]), no_update, no_update, no_update, no_update
    message = change_message(added_account, args["lang"])
    if not added_account.done:
        return message, no_update, no_update, no_update, no_update
    return message, (added or 0) + 1, "", "", ""


@callback(Output("admin-users-edit-message", "children"), Output("admin-users-changed", "data"),
          [Input(button, "n_clicks") for button in CHANGES],
          State("admin-users-selected", "data"), State("admin-users-edit-role", "value"),
          State("admin-users-edit-clearance", "value"), State("admin-users-edit-city", "value"),
          State("admin-users-edit-districts", "value"), State("admin-users-changed", "data"),
          State("admin-users-args", "data"), prevent_initial_call=True)
def change_clicked(_save, _toggle, _reset, selected, role, clearance, city, districts, changed, args):
    """Save, disable or enable, or reset the password of the selected account, then list the accounts again."""
    change = CHANGES.get(ctx.triggered_id)
    if change is None:
        return no_update, no_update
    form = {"role": role, "clearance": clearance, "city": city, "districts": districts}
    try:
        made = change_account(change, selected, form)
    except StoreUnavailable as exc:
        return failure_notice(exc, args["lang"]), no_update
    return change_message(made, args["lang"]), (changed or 0) + 1 if made.done else no_update


# Widths scale with the type on a video wall (assets/92-desk-grids.js): only the browser knows the screen.
clientside_callback("function (args, defs) { return window.deskGrids.fit(defs, null); }",
                    Output("admin-users-grid", "columnDefs"), Input("admin-users-args", "data"), State("admin-users-grid", "columnDefs"))
