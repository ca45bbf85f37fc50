"""Each city's topics (专题), for administrators (``/admin/topics``): the topics file in a YAML editor, checked as it
is typed (every problem with its line and reason, the screens in use checked against it too), a preview of the
chosen city's topics as the edited text makes them (indicators held, how many have data, headline ones), saved
(validated whole, the previous version kept, audited) so that topic pages, screens and navigation show it at
their next request, exported and imported as files. Data and writes through ``indicators.views.admin_topics``
(permission ``topics.manage`` checked there, refusals audited). The editor's look is the screens editor's
(``assets/88-admin-screens.css``), and so are its problems, history and versions (``pages._admin_screens_parts``).
"""

from __future__ import annotations

from collections.abc import Sequence

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from geo.cities import get_city
from indicators.accounts.access import current_viewer
from indicators.views.admin_topics import (
    ADMIN_TOPICS_PATH,
    TopicPreview,
    check_text,
    export_text,
    import_upload,
    preview_cities,
    preview_topics,
    restore_text,
    save_text,
    topics_admin_view,
)
from pages._admin_screens_parts import (
    EditorWords,
    history_table,
    problems_list,
    restore_answer,
    save_answer,
    versions_list,
)
from pages._i18n import register_strings, t
from pages._shell import href, resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, refused_page

PERMISSION = "topics.manage"
RESTORE_BUTTON = "admin-topics-restore"
INSTALLED_NAME = "topics.yaml"
WORDS = EditorWords(invalid="admin_topics_invalid", saved="admin_topics_saved", unchanged="admin_topics_unchanged",
                    imported="admin_topics_imported", denied="admin_topics_denied", restoring="admin_topics_restoring")
dash.register_page(__name__, path=ADMIN_TOPICS_PATH, title="专题配置 · City Vitals", name="admin_topics", order=94,
                   permission=PERMISSION)

register_strings({
    "admin_topics_title": ("专题配置", "Topics"),
    "admin_audit_action_topics_change": ("专题配置修改", "Topics changed"),
    "admin_topics_denied": ("无权访问:专题配置仅限管理员。", "Not permitted: only administrators edit the topics."),
    "admin_topics_hint": ("编辑各城市的专题(YAML,格式见 README“Set up your city's cockpit”):名称、所含指标(按代码或按"
                          "主题、部门、标签)、重点指标与顺序。保存后专题页、大屏轮播和导航在下次打开时即显示,无需重启;"
                          "有错误的文件(包括会使当前大屏配置失效的修改)会被拒绝并指出行号。每次保存或导入都会留存上一"
                          "版本并记入审计日志。",
                          "Edit each city's topics (YAML; formats in the README's “Set up your city's cockpit”): "
                          "names, the indicators held (by code, or by theme, department and tag), headline "
                          "indicators and order. Once saved, topic pages, the walls' rotation and the navigation "
                          "show them at their next request, without a restart; a broken file (or one that would "
                          "break the screens in use) is refused with its line. Every save or import keeps the "
                          "previous version and is recorded in the audit log."),
    "admin_topics_editor": ("配置文件 topics.yaml", "Topics file topics.yaml"),
    "admin_topics_save": ("保存", "Save"),
    "admin_topics_restoring": ("已将 v{n} 载入编辑器:核对预览后点“保存”,即恢复为新版本。",
                               "v{n} is in the editor: check the preview, then Save to restore it as a new version."),
    "admin_topics_valid": ("配置有效:{cities} 个城市有自己的专题,共 {topics} 个专题。",
                           "Valid: {cities} cities with their own topics, {topics} topics in all."),
    "admin_topics_invalid": ("配置有误,不能保存,专题保持原样:", "Not valid, cannot be saved; the topics stay as they "
                             "are:"),
    "admin_topics_saved": ("已保存,专题页、大屏与导航下次打开时显示新专题。",
                           "Saved: topic pages, walls and navigation show it at their next request."),
    "admin_topics_unchanged": ("与当前使用的专题相同,未作更改。", "The same as the topics in use: nothing changed."),
    "admin_topics_imported": ("已导入 {name}。", "Imported {name}."),
    "admin_topics_city": ("预览城市", "Preview city"),
    "admin_topics_preview": ("该城市的专题(按编辑后的文件)", "The city's topics (as edited)"),
    "admin_topics_preview_none": ("配置有误,不预览。", "Not valid: no preview."),
    "admin_topics_col_topic": ("专题", "Topic"),
    "admin_topics_col_key": ("地址", "Address"),
    "admin_topics_col_indicators": ("指标数", "Indicators"),
    "admin_topics_col_with_data": ("有数据", "With data"),
    "admin_topics_col_headline": ("重点指标", "Headline"),
})


def layout(city: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The editor, the preview and the history (a skeleton the callbacks fill); others get the one refusal."""
    city, lang = resolve(city, lang)
    title = html.Div([html.H1(t("admin_topics_title", lang), className="page-title"),
                      admin_tabs(ADMIN_TOPICS_PATH, city, lang)])
    if not current_viewer().may(PERMISSION):  # refused_page audits the refusal
        return html.Div([title, refused_page(ADMIN_TOPICS_PATH, lang)], className="admin-page")
    cities = [{"label": get_city(key).name(lang), "value": key} for key in preview_cities()]
    return html.Div([
        dcc.Store(id="admin-topics-args", data={"city": city, "lang": lang}),
        dcc.Store(id="admin-topics-changed", data=0),
        dcc.Download(id="admin-topics-download"),
        title,
        html.P(t("admin_topics_hint", lang), className="admin-hint"),
        html.Div([
            html.Section([
                html.Label(t("admin_topics_editor", lang), htmlFor="admin-topics-text", className="admin-label"),
                dcc.Textarea(id="admin-topics-text", value="", spellCheck=False, className="admin-screens-text",
                             persistence=False),
                html.Div(id="admin-topics-status"),
                html.Label(t("admin_screens_comment", lang), htmlFor="admin-topics-comment", className="admin-label"),
                dcc.Input(id="admin-topics-comment", type="text", maxLength=200, className="admin-input"),
                html.Div([
                    html.Button(t("admin_topics_save", lang), id="admin-topics-save", type="button",
                                className="admin-button admin-button-primary"),
                    html.Button(t("admin_screens_export", lang), id="admin-topics-export", type="button",
                                className="admin-button"),
                    dcc.Upload(html.Button(t("admin_screens_import", lang), type="button", className="admin-button"),
                               id="admin-topics-upload", accept=".yaml,.yml,text/yaml", multiple=False,
                               max_size=256 * 1024, className="admin-screens-upload"),
                ], className="admin-buttons"),
                html.Div(id="admin-topics-message", className="admin-message", role="status"),
            ], className="admin-screens-editor"),
            html.Section([
                html.Div(html.Div([html.Label(t("admin_topics_city", lang), htmlFor="admin-topics-city"),
                                   dropdown(lang, id="admin-topics-city", options=cities, value=city,
                                            clearable=False)], className="admin-field"), className="admin-bar"),
                html.H2(t("admin_topics_preview", lang), className="admin-subtitle"),
                html.Div(id="admin-topics-preview"),
            ], className="admin-screens-side"),
        ], className="admin-screens-grid"),
        html.H2(t("admin_screens_history", lang), className="admin-subtitle"),
        html.Div(id="admin-topics-history"),
        html.H2(t("admin_screens_versions", lang), className="admin-subtitle"),
        html.Div(id="admin-topics-versions"),
    ], className="admin-page admin-topics")


def topics_status(counts: tuple[int, int] | None, problems: Sequence[tuple[int, str]], lang: str) -> html.Div:
    """The editor's verdict: valid with its counts, or refused with every problem's line."""
    if problems:
        return html.Div([html.P(t("admin_topics_invalid", lang)), problems_list(problems, lang)],
                        className="notice notice-error admin-screens-status", role="alert", **{"data-valid": "0"})
    cities, topics = counts
    return html.Div(t("admin_topics_valid", lang).format(cities=cities, topics=topics),
                    className="notice notice-ok admin-screens-status", role="status", **{"data-valid": "1"})


def preview_table(previews: Sequence[TopicPreview], city_key: str, lang: str) -> html.Table:
    """The city's topics as edited: name (linking to its page), address, indicators, with data, headline codes."""
    head = html.Tr([html.Th(t(f"admin_topics_col_{name}", lang), scope="col",
                            className="num" if name in ("indicators", "with_data") else None)
                    for name in ("topic", "key", "indicators", "with_data", "headline")])
    rows = [html.Tr([
        html.Td(dcc.Link(topic.name_en if lang == "en" else topic.name_zh,
                         href=href(f"/topics/{topic.key}", city_key, lang))),
        html.Td(html.Code(f"/topics/{topic.key}")),
        html.Td(str(topic.indicators), className="num"),
        html.Td(str(topic.with_data), className="num"),
        html.Td(" ".join(topic.headline) or "—", className="admin-topics-headline"),
    ], **{"data-topic": topic.key}) for topic in previews]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="admin-table admin-topics-preview")


@callback(output={"text": Output("admin-topics-text", "value"), "history": Output("admin-topics-history", "children"),
                  "versions": Output("admin-topics-versions", "children")},
          inputs={"changed": Input("admin-topics-changed", "data")},
          state={"args": State("admin-topics-args", "data"), "text": State("admin-topics-text", "value")})
def fill_topics(changed: int, args: dict, text: str | None) -> dict:
    """The file in use into the editor (on opening), the history and the kept versions (again after a change)."""
    lang = args["lang"]
    try:
        view = topics_admin_view()
    except PAGE_FAILURES as exc:
        return {"text": no_update, "history": failure_notice(exc, lang, denied_key="admin_topics_denied"),
                "versions": None}
    return {"text": view.text if not changed or not text else no_update,
            "history": history_table(view.history, lang, RESTORE_BUTTON),
            "versions": versions_list(view.versions, lang)}


@callback(output={"status": Output("admin-topics-status", "children"),
                  "preview": Output("admin-topics-preview", "children")},
          inputs={"text": Input("admin-topics-text", "value"), "city": Input("admin-topics-city", "value")},
          state={"args": State("admin-topics-args", "data")})
def preview(text: str | None, city: str | None, args: dict) -> dict:
    """Check the edited text as it is typed and show the chosen city's topics as it makes them."""
    lang = args["lang"]
    if not text:
        return {"status": None, "preview": None}
    try:
        checked = check_text(text)
        if checked.registry is None:
            return {"status": topics_status(None, checked.problems, lang),
                    "preview": html.P(t("admin_topics_preview_none", lang), className="admin-hint")}
        city = city or args["city"]
        table = preview_table(preview_topics(checked.registry, city), city, lang)
    except PAGE_FAILURES as exc:
        return {"status": failure_notice(exc, lang, denied_key="admin_topics_denied"), "preview": None}
    return {"status": topics_status(checked.counts, [], lang), "preview": table}


@callback(output={"message": Output("admin-topics-message", "children"),
                  "changed": Output("admin-topics-changed", "data"),
                  "text": Output("admin-topics-text", "value", allow_duplicate=True)},
          inputs={"save": Input("admin-topics-save", "n_clicks"), "upload": Input("admin-topics-upload", "contents")},
          state={"text": State("admin-topics-text", "value"), "comment": State("admin-topics-comment", "value"),
                 "filename": State("admin-topics-upload", "filename"), "changed": State("admin-topics-changed", "data"),
                 "args": State("admin-topics-args", "data")},
          prevent_initial_call=True)
def save_or_import(save: int | None, upload: str | None, text: str | None, comment: str | None,
                   filename: str | None, changed: int, args: dict) -> dict:
    """Save the edited text, or import an uploaded file; a refused one changes nothing and says why, line by line."""
    lang, uploading = args["lang"], ctx.triggered_id == "admin-topics-upload"
    if uploading and not upload:
        return {"message": no_update, "changed": no_update, "text": no_update}
    if uploading:
        return save_answer(lambda: import_upload(upload, filename), uploading=True, name=filename or INSTALLED_NAME,
                           changed=changed, words=WORDS, lang=lang)
    return save_answer(lambda: (no_update, save_text(text or "", comment or "")), uploading=False, name=INSTALLED_NAME,
                       changed=changed, words=WORDS, lang=lang)


@callback(output={"file": Output("admin-topics-download", "data"),
                  "message": Output("admin-topics-message", "children", allow_duplicate=True)},
          inputs={"clicks": Input("admin-topics-export", "n_clicks")},
          state={"args": State("admin-topics-args", "data")}, prevent_initial_call=True)
def export_clicked(clicks: int | None, args: dict) -> dict:
    """Download the topics in use as ``topics.yaml`` (the export is audited)."""
    try:
        text = export_text()
    except PAGE_FAILURES as exc:
        return {"file": no_update, "message": failure_notice(exc, args["lang"], denied_key="admin_topics_denied")}
    return {"file": dict(content=text, filename="topics.yaml", type="text/yaml"), "message": no_update}


@callback(output={"text": Output("admin-topics-text", "value", allow_duplicate=True),
                  "comment": Output("admin-topics-comment", "value"),
                  "message": Output("admin-topics-message", "children", allow_duplicate=True)},
          inputs={"clicks": Input({"type": RESTORE_BUTTON, "version": ALL}, "n_clicks")},
          state={"args": State("admin-topics-args", "data")}, prevent_initial_call=True)
def restore_clicked(clicks: list, args: dict) -> dict:
    """Load a kept version into the editor (the preview follows), its comment ready: saving it makes it a new
    version. The version is read only for administrators, whatever sent the request."""
    number = ctx.triggered_id["version"] if ctx.triggered_id else None
    return restore_answer(number, clicks, restore_text, WORDS, args["lang"])
