"""Upload (上传数据): a department's CSV or Excel file dropped in, checked row by row by the same loader as
``manage.py load`` before anything is written, then loaded on confirmation; and the template files to
fill, per indicator or per department, in the shapes the loader reads.

The file travels twice (to check, then to load) so no half-uploaded file is ever kept on the server;
the load re-checks it and refuses a file that is not the one just checked (by its SHA-256).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from geo.cities import load_cities
from indicators.accounts.access import current_viewer
from indicators.ingest.loading import LoadReport, load_bytes
from indicators.ingest.templates import (
    FORMATS,
    SHAPES,
    TemplateError,
    build_template,
    template_bytes,
)
from indicators.views.data_desk import upload_choices
from indicators.views.queries import indicators
from indicators.warnings.alerts import run_warnings
from pages._i18n import department_name, localized, register_strings, t
from pages._reports import decode_upload, error_table, in_language
from pages._shell import href, resolve
from pages._tabs import data_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, notice, refused_page

dash.register_page(__name__, path="/data/upload", title="上传数据 · City Vitals", name="data_upload")

MAX_UPLOAD_BYTES = 20 << 20
register_strings({
    "upload_title": ("上传数据", "Upload data"),
    "upload_step_file": ("1. 选择文件", "1. Choose a file"),
    "upload_step_check": ("2. 校验结果", "2. Check"),
    "upload_drop": ("将 CSV 或 Excel(.xlsx)文件拖到这里,或点击选择", "Drop a CSV or Excel (.xlsx) file here, or click to choose"),
    "upload_limits": ("单个文件不超过 20 MB;支持 UTF-8、GBK/GB18030 编码,长表或宽表。",
                      "Up to 20 MB; UTF-8 or GBK/GB18030; long or wide tables."),
    "upload_city": ("地区名称所属城市", "City of the area names"),
    "upload_sheet": ("工作表", "Sheet"),
    "upload_sheet_hint": ("名称或序号；all 为全部；留空为第一个有表格的工作表",
                          "Name or number; all for every sheet; blank for the first holding a table"),
    "upload_waiting": ("选择文件后,这里逐行列出校验结果;校验通过后才能导入。",
                       "Once a file is chosen, the check is listed here row by row; only a file that passes can be loaded."),
    "upload_ok": ("校验通过,可以导入:{rows} 个数值(新增 {inserted},修订 {updated},不变 {unchanged}),"
                  "涉及 {indicators} 项指标、{areas} 个地区。",
                  "The file passes: {rows} values ({inserted} new, {updated} corrected, {unchanged} unchanged), "
                  "{indicators} indicators, {areas} areas."),
    "upload_read_as": ("读取方式:{format} {encoding},{shape}。", "Read as {format} {encoding}, {shape}."),
    "upload_shape_long": ("长表", "long table"),
    "upload_shape_wide_period": ("宽表(各期为列)", "wide table, periods as columns"),
    "upload_shape_wide_area": ("宽表(各地区为列)", "wide table, areas as columns"),
    "upload_shape_wide_indicator": ("宽表(各指标为列)", "wide table, indicators as columns"),
    "upload_rejected": ("文件未通过校验,未写入任何数据。共 {count} 处问题:",
                        "The file does not pass; nothing was written. {count} problems:"),
    "upload_indicators": ("涉及指标", "Indicators"),
    "upload_commit": ("3. 确认导入", "3. Load it"),
    "upload_loaded": ("已导入 {name}:新增 {inserted},修订 {updated},不变 {unchanged}(加载 #{batch})。预警已重新评估。",
                      "Loaded {name}: {inserted} new, {updated} corrected, {unchanged} unchanged (load #{batch}). "
                      "Warnings evaluated again."),
    "upload_see_load": ("查看加载记录 →", "See the load →"),
    "upload_changed": ("文件与刚才校验的不是同一个,请重新选择。", "This is not the file just checked; choose it again."),
    "upload_unreadable": ("无法读取上传的内容,请重新选择文件。", "The upload could not be read; choose the file again."),
    "upload_templates": ("模板下载", "Templates"),
    "upload_templates_hint": ("下载后填写数值列即可上传,模板的时间为最近应报的各期。",
                              "Fill in the values and upload; the periods are the newest ones due."),
    "upload_scope": ("模板范围", "Template of"),
    "upload_scope_department": ("按部门", "By department"),
    "upload_scope_indicator": ("按指标", "By indicator"),
    "upload_department": ("责任单位", "Department"),
    "upload_indicator": ("指标", "Indicator"),
    "upload_shape": ("表样", "Shape"),
    "upload_format": ("格式", "Format"),
    "upload_download": ("下载模板", "Download template"),
    "upload_pick": ("请先选择部门或指标。", "Choose a department or an indicator first."),
})


def report_view(report: LoadReport, lang: str, names: Mapping[str, str]) -> html.Div:
    """What the check found: the counts and how the file was read, or every bad row.

    Args:
        report: a dry run's report.
        lang: "zh" or "en".
        names: indicator code → name in ``lang``, for the indicators touched.
    """
    if not report.ok:
        return html.Div([notice(t("upload_rejected", lang).format(count=len(report.errors)), "error"),
                         error_table(report.errors, lang)], className="upload-report is-rejected")
    read_as = t("upload_read_as", lang).format(
        format=(report.format or "").upper(), encoding=f"({report.encoding})" if report.encoding else "",
        shape=t(f"upload_shape_{report.shape}", lang) if report.shape else "")
    return html.Div([
        notice(t("upload_ok", lang).format(rows=report.rows, inserted=report.inserted, updated=report.updated,
                                           unchanged=report.unchanged, indicators=len(report.indicators),
                                           areas=len(report.areas)), "success"),
        html.P(read_as, className="muted"),
        html.H3(t("upload_indicators", lang), className="upload-subtitle"),
        html.Ul([html.Li(f"{code} {names.get(code, '')}") for code in report.indicators], className="upload-codes"),
    ], className="upload-report is-ok")


def _indicator_names(lang: str) -> dict[str, str]:
    frame = indicators()
    return dict(zip(frame["code"], localized(frame, lang)))


def _template_form(lang: str) -> html.Section:
    """The template form; its department and indicator choices come with ``fill_template_choices``."""
    # Dropdowns rather than radio items: Dash's radio list nests its inputs in options, which screen readers trip on.
    return html.Section([
        html.H2(t("upload_templates", lang), className="section-title"),
        html.P(t("upload_templates_hint", lang), className="muted"),
        html.Div([
            html.Label(t("upload_scope", lang), htmlFor="upload-template-scope", className="upload-label"),
            dropdown(lang, id="upload-template-scope", value="department", clearable=False, searchable=False,
                     options=[{"label": t(f"upload_scope_{k}", lang), "value": k}
                              for k in ("department", "indicator")]),
        ]),
        html.Label(t("upload_department", lang), htmlFor="upload-template-department", className="upload-label"),
        dropdown(lang, id="upload-template-department", searchable=True, options=[]),
        html.Label(t("upload_indicator", lang), htmlFor="upload-template-indicator", className="upload-label"),
        dropdown(lang, id="upload-template-indicator", searchable=True, options=[]),
        html.Label(t("upload_shape", lang), htmlFor="upload-template-shape", className="upload-label"),
        dropdown(lang, id="upload-template-shape", value="long", clearable=False, searchable=False,
                 options=[{"label": t(f"upload_shape_{s}", lang), "value": s} for s in SHAPES]),
        html.Label(t("upload_format", lang), htmlFor="upload-template-format", className="upload-label"),
        dropdown(lang, id="upload-template-format", value="xlsx", clearable=False, searchable=False,
                 options=[{"label": kind.upper(), "value": kind} for kind in FORMATS]),
        html.Button(t("upload_download", lang), id="upload-template-button", className="button"),
        html.Div(id="upload-template-message", role="status"),
        dcc.Download(id="upload-template-download"),
    ], className="card upload-templates")


def layout(city: str | None = None, lang: str | None = None, **_) -> html.Div:
    """The upload desk; operators and admins only."""
    city, lang = resolve(city, lang)
    head = [html.H1(t("upload_title", lang), className="page-title"), data_tabs("/data/upload", city, lang)]
    if not current_viewer().may("data.load"):
        return html.Div([*head, refused_page("/data/upload", lang)], className="data-page")
    viewer = current_viewer()
    cities = [{"label": c.name(lang), "value": key} for key, c in load_cities().items() if viewer.sees_city(key)]
    return html.Div([
        *head,
        dcc.Store(id="upload-args", data={"city": city, "lang": lang}),
        dcc.Store(id="upload-checked"),
        html.Div([
            html.Section([
                html.H2(t("upload_step_file", lang), className="section-title"),
                html.Label(t("upload_city", lang), htmlFor="upload-city", className="upload-label"),
                dropdown(lang, id="upload-city", options=cities, value=city, clearable=False),
                html.Label(t("upload_sheet", lang), htmlFor="upload-sheet", className="upload-label"),
                dcc.Input(id="upload-sheet", type="text", debounce=True, maxLength=100, className="dcat-input",
                          placeholder=t("upload_sheet_hint", lang)),
                dcc.Upload(id="upload-file", children=html.Div([html.Strong(t("upload_drop", lang)),
                                                                html.Span(t("upload_limits", lang))]),
                           max_size=MAX_UPLOAD_BYTES, multiple=False, accept=".csv,.xlsx,.txt",
                           className="upload-drop", className_active="upload-drop is-active"),
                html.P(id="upload-file-name", className="upload-file-name"),
            ], className="card upload-file"),
            html.Section([
                html.H2(t("upload_step_check", lang), className="section-title"),
                dcc.Loading(html.Div(html.P(t("upload_waiting", lang), className="muted"), id="upload-report"),
                            type="dot"),
                html.Button(t("upload_commit", lang), id="upload-commit", className="button button-primary",
                            disabled=True),
                dcc.Loading(html.Div(id="upload-result", role="status"), type="dot"),
            ], className="card upload-check"),
            _template_form(lang),
        ], className="upload-grid"),
    ], className="data-page upload-page")


@callback(Output("upload-report", "children"), Output("upload-commit", "disabled"), Output("upload-checked", "data"),
          Output("upload-file-name", "children"), Output("upload-result", "children"),
          Input("upload-file", "contents"), Input("upload-city", "value"), State("upload-file", "filename"),
          State("upload-args", "data"), Input("upload-sheet", "value"), prevent_initial_call=True)
def check_file(contents: str | None, city: str, filename: str | None, args: dict, sheet: str | None = None):
    """Check the dropped file (nothing is written) and allow loading it only when it passes; ``sheet`` picks the
    workbook's sheet (a name, a number, ``all``; blank: the first holding a table)."""
    lang = args["lang"]
    if not contents:
        raise PreventUpdate
    name = (filename or "upload")[:200]
    try:
        content = decode_upload(contents)
    except ValueError:
        return notice(t("upload_unreadable", lang), "error"), True, None, name, None
    sheet = (sheet or "").strip() or None
    try:
        report = load_bytes(content, name, dry_run=True, city_key=city, sheet=sheet)
        view = report_view(report, lang, _indicator_names(lang))
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), True, None, name, None
    checked = {"checksum": report.checksum, "name": name, "city": city, "sheet": sheet} if report.ok else None
    return view, not report.ok, checked, name, None


@callback(Output("upload-result", "children", allow_duplicate=True),
          Output("upload-commit", "disabled", allow_duplicate=True),
          Input("upload-commit", "n_clicks"), State("upload-file", "contents"), State("upload-checked", "data"),
          State("upload-args", "data"), prevent_initial_call=True)
def load_checked_file(clicks: int | None, contents: str | None, checked: dict | None, args: dict):
    """Load the file that passed the check (checked again on the way in), then evaluate the warnings."""
    lang = args["lang"]
    if not clicks or not checked:
        raise PreventUpdate
    try:
        content = decode_upload(contents)
    except ValueError:
        return notice(t("upload_unreadable", lang), "error"), True
    if hashlib.sha256(content).hexdigest() != checked["checksum"]:
        return notice(t("upload_changed", lang), "error"), True
    try:
        report = load_bytes(content, checked["name"], city_key=checked["city"], sheet=checked.get("sheet"))
        if not report.ok:
            return report_view(report, lang, _indicator_names(lang)), True
        run_warnings()
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), True
    message = t("upload_loaded", lang).format(name=checked["name"], inserted=report.inserted, updated=report.updated,
                                              unchanged=report.unchanged, batch=report.batch_id)
    link = dcc.Link(t("upload_see_load", lang), href=href("/data/loads", args["city"], lang, load=str(report.batch_id)))
    return html.Div([notice(message, "success"), link]), True


@callback(Output("upload-template-download", "data"), Output("upload-template-message", "children"),
          Input("upload-template-button", "n_clicks"), State("upload-template-scope", "value"),
          State("upload-template-department", "value"), State("upload-template-indicator", "value"),
          State("upload-template-shape", "value"), State("upload-template-format", "value"),
          State("upload-city", "value"), State("upload-args", "data"), prevent_initial_call=True)
def download_template(_clicks, scope, department, code, shape, kind, city, args):
    """The template of the chosen department or indicator, shape and format."""
    lang = args["lang"]
    chosen = {"department": department} if scope == "department" else {"code": code}
    if not next(iter(chosen.values())):
        return dash.no_update, notice(t("upload_pick", lang), "error")
    try:
        template = build_template(city_key=city, shape=shape, **chosen)
        data = template_bytes(template, kind)
    except TemplateError as exc:
        return dash.no_update, notice(in_language(str(exc), lang), "error")
    except PAGE_FAILURES as exc:
        return dash.no_update, failure_notice(exc, lang)
    label = code or department
    return dcc.send_bytes(data, f"template-{label}-{shape}.{kind}"), None


@callback(Output("upload-template-department", "options"), Output("upload-template-indicator", "options"),
          Input("upload-args", "data"))
def fill_template_choices(args: dict):
    """The departments and indicators the viewer may make a template of (read after the layout, not in it)."""
    lang = args["lang"]
    try:
        choices = upload_choices()
    except PAGE_FAILURES:
        return [], []  # the check and the download say why
    return ([{"label": department_name(d, lang), "value": d} for d in choices.departments],
            [{"label": f"{c['code']} {c['name_en'] if lang == 'en' else c['name_zh']}", "value": c["code"]}
             for c in choices.indicators])
