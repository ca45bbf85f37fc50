"""The walls' screens and playlists, for administrators (``/admin/screens``): the definition file in a YAML editor,
checked as it is typed (every problem with its line and reason), a live preview of the 1920×1080 stage drawn from
the edited definition on a city's data (scaled down), saved to the walls (validated whole, the previous version
kept, audited), exported and imported as files. A broken definition is refused and never previewed or saved in
part. Data and writes through ``indicators.views.admin_screens`` (permission ``screens.manage`` checked there,
refusals audited); pieces from ``pages._admin_screens_parts``.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from geo.cities import get_city
from indicators.accounts.access import current_viewer
from indicators.views.admin_screens import (
    ADMIN_SCREENS_PATH,
    check_text,
    export_text,
    import_upload,
    preview_cities,
    preview_screens,
    preview_view,
    restore_text,
    save_text,
    screens_admin_view,
)
from pages._admin_screens_parts import (
    EditorWords,
    check_status,
    history_table,
    preview_stage,
    restore_answer,
    save_answer,
    screen_options,
    versions_list,
)
from pages._i18n import t
from pages._screen_parts import screen_parts
from pages._shell import current_settings, resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, refused_page

PERMISSION = "screens.manage"
INSTALLED_NAME = "screens.yaml"
WORDS = EditorWords(invalid="admin_screens_invalid", saved="admin_screens_saved", unchanged="admin_screens_unchanged",
                    imported="admin_screens_imported", denied="admin_screens_denied",
                    restoring="admin_screens_restoring")
dash.register_page(__name__, path=ADMIN_SCREENS_PATH, title="大屏配置 · City Vitals", name="admin_screens", order=93,
                   permission=PERMISSION)


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The editor, the preview and the history (a skeleton the callbacks fill); others get the one refusal."""
    city, lang = resolve(city, lang)
    title = html.Div([html.H1(t("admin_screens_title", lang), className="page-title"),
                      admin_tabs(ADMIN_SCREENS_PATH, city, lang)])
    if not current_viewer().may(PERMISSION):  # refused_page audits the refusal
        return html.Div([title, refused_page(ADMIN_SCREENS_PATH, lang)], className="admin-page")
    cities = [{"label": get_city(key).name(lang), "value": key} for key in preview_cities()]
    return html.Div([
        dcc.Store(id="admin-screens-args", data={"city": city, "lang": lang}),
        dcc.Store(id="admin-screens-changed", data=0),
        dcc.Download(id="admin-screens-download"),
        title,
        html.P(t("admin_screens_hint", lang), className="admin-hint"),
        html.Div([
            html.Section([
                html.Label(t("admin_screens_editor", lang), htmlFor="admin-screens-text", className="admin-label"),
                dcc.Textarea(id="admin-screens-text", value="", spellCheck=False, className="admin-screens-text",
                             persistence=False),
                html.Div(id="admin-screens-status"),
                html.Label(t("admin_screens_comment", lang), htmlFor="admin-screens-comment", className="admin-label"),
                dcc.Input(id="admin-screens-comment", type="text", maxLength=200, debounce=False,
                          className="admin-input"),
                html.Div([
                    html.Button(t("admin_screens_save", lang), id="admin-screens-save", type="button",
                                className="admin-button admin-button-primary"),
                    html.Button(t("admin_screens_export", lang), id="admin-screens-export", type="button",
                                className="admin-button"),
                    dcc.Upload(html.Button(t("admin_screens_import", lang), type="button", className="admin-button"),
                               id="admin-screens-upload", accept=".yaml,.yml,text/yaml", multiple=False,
                               max_size=256 * 1024, className="admin-screens-upload"),
                ], className="admin-buttons"),
                html.Div(id="admin-screens-message", className="admin-message", role="status"),
            ], className="admin-screens-editor"),
            html.Section([
                html.Div([
                    html.Div([html.Label(t("admin_screens_city", lang), htmlFor="admin-screens-city"),
                              dropdown(lang, id="admin-screens-city", options=cities, value=city, clearable=False)],
                             className="admin-field"),
                    html.Div([html.Label(t("admin_screens_screen", lang), htmlFor="admin-screens-screen"),
                              dropdown(lang, id="admin-screens-screen", options=[{"label": "overview", "value": "overview"}],
                                       value="overview",
                                       clearable=False)], className="admin-field"),
                ], className="admin-bar"),
                html.H2(t("admin_screens_preview", lang), className="admin-subtitle"),
                html.Div(id="admin-screens-preview", className="admin-screens-preview"),
            ], className="admin-screens-side"),
        ], className="admin-screens-grid"),
        html.H2(t("admin_screens_history", lang), className="admin-subtitle"),
        html.Div(id="admin-screens-history"),
        html.H2(t("admin_screens_versions", lang), className="admin-subtitle"),
        html.Div(id="admin-screens-versions"),
    ], className="admin-page admin-screens")


@callback(output={"text": Output("admin-screens-text", "value"), "history": Output("admin-screens-history", "children"),
                  "versions": Output("admin-screens-versions", "children")},
          inputs={"changed": Input("admin-screens-changed", "data")},
          state={"args": State("admin-screens-args", "data"), "text": State("admin-screens-text", "value")})
def fill_screens(changed: int, args: dict, text: str | None) -> dict:
    """The file in use into the editor (on opening), the history and the kept versions (again after a change)."""
    lang = args["lang"]
    try:
        view = screens_admin_view()
    except PAGE_FAILURES as exc:
        return {"text": no_update, "history": failure_notice(exc, lang, denied_key="admin_screens_denied"),
                "versions": None}
    return {"text": view.text if not changed or not text else no_update,
            "history": history_table(view.history, lang), "versions": versions_list(view.versions, lang)}


@callback(output={"status": Output("admin-screens-status", "children"),
                  "preview": Output("admin-screens-preview", "children"),
                  "screens": Output("admin-screens-screen", "options"),
                  "message": Output("admin-screens-message", "children", allow_duplicate=True)},
          inputs={"text": Input("admin-screens-text", "value"), "city": Input("admin-screens-city", "value"),
                  "screen": Input("admin-screens-screen", "value")},
          state={"args": State("admin-screens-args", "data"), "message": State("admin-screens-message", "children")},
          prevent_initial_call="initial_duplicate")
def preview(text: str | None, city: str | None, screen: str | None, args: dict, message=None) -> dict:
    """Check the edited text as it is typed; draw the chosen screen with it, or, when it is refused, its problems
    and no stage at all. A refused save's message goes once the text changes (it spoke of the text before)."""
    answer = _preview(text, city, screen, args)
    refused = isinstance(message, dict) and "notice-error" in str((message.get("props") or {}).get("className"))
    return {**answer, "message": None if refused and ctx.triggered_id == "admin-screens-text" else no_update}


def _preview(text: str | None, city: str | None, screen: str | None, args: dict) -> dict:
    lang = args["lang"]
    if not text:
        return {"status": None, "preview": None, "screens": no_update}
    try:
        checked = check_text(text)
        if checked.registry is None:
            return {"status": check_status(None, None, checked.problems, lang),
                    "preview": html.P(t("admin_screens_preview_none", lang), className="admin-hint"),
                    "screens": no_update}
        city = city or args["city"]
        registry = checked.registry
        view = preview_view(registry, city, screen or "overview")
        stage = preview_stage(screen_parts(view, lang), get_city(city), lang, tile_url=current_settings().tile_url)
    except PAGE_FAILURES as exc:
        return {"status": failure_notice(exc, lang, denied_key="admin_screens_denied"), "preview": None,
                "screens": no_update}
    status = check_status(len(registry.data.screens), len(registry.data.playlists), [], lang)
    return {"status": status, "preview": stage, "screens": screen_options(preview_screens(registry, city), city, lang)}


@callback(output={"message": Output("admin-screens-message", "children"),
                  "changed": Output("admin-screens-changed", "data"),
                  "text": Output("admin-screens-text", "value", allow_duplicate=True)},
          inputs={"save": Input("admin-screens-save", "n_clicks"), "upload": Input("admin-screens-upload", "contents")},
          state={"text": State("admin-screens-text", "value"), "comment": State("admin-screens-comment", "value"),
                 "filename": State("admin-screens-upload", "filename"), "changed": State("admin-screens-changed", "data"),
                 "args": State("admin-screens-args", "data")},
          prevent_initial_call=True)
def save_or_import(save: int | None, upload: str | None, text: str | None, comment: str | None,
                   filename: str | None, changed: int, args: dict) -> dict:
    """Save the edited text, or import an uploaded file; a refused one changes nothing and says why, line by line."""
    lang, uploading = args["lang"], ctx.triggered_id == "admin-screens-upload"
    if uploading and not upload:
        return {"message": no_update, "changed": no_update, "text": no_update}
    if uploading:
        return save_answer(lambda: import_upload(upload, filename), uploading=True, name=filename or INSTALLED_NAME,
                           changed=changed, words=WORDS, lang=lang)
    return save_answer(lambda: (no_update, save_text(text or "", comment or "")), uploading=False, name=INSTALLED_NAME,
                       changed=changed, words=WORDS, lang=lang)


@callback(output={"file": Output("admin-screens-download", "data"),
                  "message": Output("admin-screens-message", "children", allow_duplicate=True)},
          inputs={"clicks": Input("admin-screens-export", "n_clicks")},
          state={"args": State("admin-screens-args", "data")}, prevent_initial_call=True)
def export_clicked(clicks: int | None, args: dict) -> dict:
    """Download the definitions in use as ``screens.yaml`` (the export is audited)."""
    try:
        text = export_text()
    except PAGE_FAILURES as exc:
        return {"file": no_update, "message": failure_notice(exc, args["lang"], denied_key="admin_screens_denied")}
    return {"file": dict(content=text, filename="screens.yaml", type="text/yaml"), "message": no_update}


@callback(output={"text": Output("admin-screens-text", "value", allow_duplicate=True),
                  "comment": Output("admin-screens-comment", "value"),
                  "message": Output("admin-screens-message", "children", allow_duplicate=True)},
          inputs={"clicks": Input({"type": "admin-screens-restore", "version": ALL}, "n_clicks")},
          state={"args": State("admin-screens-args", "data")}, prevent_initial_call=True)
def restore_clicked(clicks: list, args: dict) -> dict:
    """Load a kept version into the editor (the preview follows), its comment ready: saving it makes it a new
    version. The version is read only for administrators, whatever sent the request."""
    number = ctx.triggered_id["version"] if ctx.triggered_id else None
    return restore_answer(number, clicks, restore_text, WORDS, args["lang"])
