"""Loads (加载记录): every load of data — who, when, which file, its checksum, rows, indicators touched —
with its report, and the undo of a load (its new values removed, the values it corrected restored).

``/data/loads?load=12&status=rejected`` opens load 12 with the rejected loads listed.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from indicators.accounts.access import current_viewer
from indicators.ingest.importer import RowError
from indicators.ingest.loading import (
    UNDOABLE,
    LoadError,
    load_history,
    undo_load,
)
from indicators.views.data_desk import load_view
from pages._format import format_value
from pages._i18n import register_strings, t
from pages._reports import error_table, in_language
from pages._shell import href, resolve
from pages._tabs import data_tabs
from pages._widgets import (
    PAGE_FAILURES,
    dropdown,
    failure_notice,
    notice,
    record_id,
    refused_page,
)

dash.register_page(__name__, path="/data/loads", title="加载记录 · City Vitals", name="data_loads")

STATUSES = ("ok", "rejected", "failed", "undone")
KINDS = ("file", "sql", "undo", "demo")
register_strings({
    "loads_title": ("加载记录", "Loads"),
    "loads_status": ("状态", "Status"),
    "loads_kind": ("来源", "Source"),
    "loads_any": ("全部", "All"),
    "loads_status_ok": ("已导入", "Loaded"), "loads_status_rejected": ("已拒绝", "Rejected"),
    "loads_status_undone": ("已撤销", "Undone"), "loads_status_running": ("进行中", "Running"),
    "loads_status_failed": ("未能写入", "Failed"),
    "loads_kind_file": ("文件", "File"), "loads_kind_sql": ("SQL 数据源", "SQL source"),
    "loads_kind_undo": ("撤销", "Undo"), "loads_kind_demo": ("演示数据", "Demo data"),
    "loads_when": ("时间", "When"), "loads_who": ("操作人", "By"), "loads_file": ("文件", "File"),
    "loads_rows": ("数值", "Values"), "loads_new": ("新增", "New"), "loads_corrected": ("修订", "Corrected"),
    "loads_unchanged": ("不变", "Unchanged"), "loads_indicators": ("指标", "Indicators"),
    "loads_checksum": ("校验和 (SHA-256)", "Checksum (SHA-256)"),
    "loads_none": ("没有符合条件的加载记录。", "No loads match."),
    "loads_pick": ("从列表中选择一次加载,查看报告或撤销。", "Pick a load to see its report or undo it."),
    "loads_not_found": ("未找到该加载记录。", "No such load."),
    "loads_report": ("校验报告", "Report"),
    "loads_touched": ("涉及指标", "Indicators touched"),
    "loads_undo": ("撤销本次加载", "Undo this load"),
    "loads_undo_hint": ("撤销将删除本次新增的数值,并从修订记录恢复被本次修改的数值。",
                        "Undoing removes the values this load added and restores, from their revisions, those it corrected."),
    "loads_comment": ("撤销原因", "Why"),
    "loads_hidden": ("另有 {count} 项(行、指标或地区)超出您的查看范围,未显示。",
                     "{count} rows, indicators or areas of this load are beyond what you may see and are not shown."),
    "loads_undone": ("已撤销加载 #{batch}:删除 {removed} 个数值,恢复 {restored} 个数值。",
                     "Load #{batch} undone: {removed} values removed, {restored} restored."),
})


def _label(kind: str, key: str, lang: str) -> str:
    try:
        return t(f"loads_{kind}_{key}", lang)
    except KeyError:
        return key


def _when(moment) -> str:
    return "—" if moment is None or pd.isna(moment) else pd.Timestamp(moment).strftime("%Y-%m-%d %H:%M")


def load_rows(frame: pd.DataFrame, lang: str, selected: int | None) -> html.Table | html.P:
    """The loads as a table; each row's number selects it."""
    if frame.empty:
        return html.P(t("loads_none", lang), className="muted")
    heads = ("#", "loads_when", "loads_kind", "loads_file", "loads_who", "loads_status", "loads_rows", "loads_new",
             "loads_corrected", "loads_indicators")
    body = []
    for row in frame.to_dict("records"):
        chosen = row["id"] == selected
        body.append(html.Tr([
            html.Td(html.Button(f"#{row['id']}", id={"type": "loads-row", "id": int(row["id"])}, className="loads-pick",
                                **{"aria-pressed": "true" if chosen else "false"})),
            html.Td(_when(row["started_at"])), html.Td(_label("kind", row["kind"], lang)),
            html.Td(row["file_name"], className="loads-file"), html.Td(row["user"]),
            html.Td(_label("status", row["status"], lang), className=f"loads-status status-{row['status']}"),
            *[html.Td(format_value(row[c], lang), className="num")
              for c in ("rows_total", "rows_inserted", "rows_updated", "indicators")],
        ], className="is-selected" if chosen else None))
    # Counts' heads right-aligned over their numbers.
    numbers = {"loads_rows", "loads_new", "loads_corrected", "loads_indicators"}
    head = html.Thead(html.Tr([html.Th(k if k == "#" else t(k, lang), scope="col",
                                       className="num" if k in numbers else None) for k in heads]))
    return html.Table([head, html.Tbody(body)], className="data-table loads-table")


def load_detail(details: Mapping, lang: str, names: Mapping[str, str], *, can_undo: bool) -> list:
    """One load: its facts, the indicators it touched, its bad rows, and the undo form when it can be undone."""
    report = details["report"]
    facts = [("loads_when", _when(details["started_at"])), ("loads_who", details["user"]),
             ("loads_kind", _label("kind", details["kind"], lang)), ("loads_status", _label("status", details["status"], lang)),
             ("loads_file", details["file_name"]), ("loads_checksum", details["checksum"] or "—"),
             ("loads_rows", format_value(details["rows_total"], lang)),
             ("loads_new", format_value(details["rows_inserted"], lang)),
             ("loads_corrected", format_value(details["rows_updated"], lang)),
             ("loads_unchanged", format_value(details["rows_unchanged"], lang))]
    parts = [html.H2(f"#{details['id']} {details['file_name']}", className="section-title"),
             html.Dl([p for key, value in facts for p in (html.Dt(t(key, lang)), html.Dd(str(value)))],
                     className="meta-list")]
    touched = report.get("indicators", [])
    if touched:
        parts += [html.H3(t("loads_touched", lang), className="upload-subtitle"),
                  html.Ul([html.Li(f"{code} {names.get(code, '')}") for code in touched], className="upload-codes")]
    errors = report.get("errors", [])
    if errors:
        parts += [html.H3(t("loads_report", lang), className="upload-subtitle"),
                  error_table([RowError(**error) for error in errors], lang)]
    if details.get("hidden"):
        parts.append(html.P(t("loads_hidden", lang).format(count=details["hidden"]), className="muted"))
    if can_undo and details["kind"] in UNDOABLE and details["status"] == "ok":
        parts.append(html.Section([
            html.H3(t("loads_undo", lang), className="upload-subtitle"),
            html.P(t("loads_undo_hint", lang), className="muted"),
            html.Label(t("loads_comment", lang), htmlFor="loads-comment", className="upload-label"),
            dcc.Input(id="loads-comment", type="text", maxLength=500, className="loads-comment"),
            html.Button(t("loads_undo", lang), id="loads-undo", className="button"),
        ], className="loads-undo"))
    return parts


def _filters(query: Mapping[str, str | None]) -> dict[str, str | None]:
    return {"status": query.get("status") if query.get("status") in STATUSES else None,
            "kind": query.get("kind") if query.get("kind") in KINDS else None}


def layout(city: str | None = None, lang: str | None = None, load: str | None = None, **query) -> html.Div:
    """The load history with the URL's filters and selected load."""
    city, lang = resolve(city, lang)
    head = [html.H1(t("loads_title", lang), className="page-title"), data_tabs("/data/loads", city, lang)]
    if not current_viewer().may("data.view"):
        return html.Div([*head, refused_page("/data/loads", lang)], className="data-page")
    filters = _filters(query)

    def filter_field(name: str, keys: tuple[str, ...]) -> html.Div:
        return html.Div([html.Label(t(f"loads_{name}", lang), htmlFor=f"loads-{name}", className="upload-label"),
                         dropdown(lang, id=f"loads-{name}", value=filters[name], placeholder=t("loads_any", lang),
                                  options=[{"label": _label(name, k, lang), "value": k} for k in keys])],
                        className="loads-filter")

    return html.Div([
        *head,
        dcc.Location(id="loads-url", refresh=False),
        dcc.Store(id="loads-args", data={"city": city, "lang": lang}),
        dcc.Store(id="loads-selected", data=record_id(load)),
        dcc.Store(id="loads-version", data=0),
        html.Div([filter_field("status", STATUSES), filter_field("kind", KINDS)], className="loads-filters"),
        html.Div([
            html.Section(dcc.Loading(html.Div(id="loads-list"), type="dot"), className="card loads-list"),
            html.Section([html.Div(id="loads-detail"), html.Div(id="loads-message", role="status")],
                         className="card loads-detail"),
        ], className="loads-main"),
    ], className="data-page loads-page")


@callback(Output("loads-list", "children"), Input("loads-status", "value"), Input("loads-kind", "value"),
          Input("loads-selected", "data"), Input("loads-version", "data"), State("loads-args", "data"))
def fill_list(status, kind, selected, _version, args):
    """The loads matching the filters, the selected one marked."""
    try:
        return load_rows(load_history(status=status, kind=kind), args["lang"], selected)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, args["lang"])


@callback(Output("loads-selected", "data", allow_duplicate=True), Input({"type": "loads-row", "id": ALL}, "n_clicks"),
          prevent_initial_call=True)
def select_load(clicks):
    """A click on a load's number selects it."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate
    return ctx.triggered_id["id"]


@callback(Output("loads-detail", "children"), Input("loads-selected", "data"), Input("loads-version", "data"),
          State("loads-args", "data"))
def fill_detail(selected, _version, args):
    """The selected load's facts, report and undo form."""
    lang, selected = args["lang"], record_id(selected)
    if selected is None:
        return html.P(t("loads_pick", lang), className="muted")
    try:
        view = load_view(selected)
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang)
    if view.details is None:
        return notice(t("loads_not_found", lang), "error")
    return load_detail(view.details, lang, view.names_en if lang == "en" else view.names_zh, can_undo=view.may_undo)


@callback(Output("loads-message", "children"), Output("loads-version", "data"), Input("loads-undo", "n_clicks"),
          State("loads-selected", "data"), State("loads-comment", "value"), State("loads-version", "data"),
          State("loads-args", "data"), prevent_initial_call=True)
def undo(clicks, selected, comment, version, args):
    """Undo the selected load; refusals (later loads changed its values) are messages."""
    lang, selected = args["lang"], record_id(selected)
    if not clicks or selected is None:
        raise PreventUpdate
    try:
        report = undo_load(selected, comment=(comment or "").strip())
    except LoadError as exc:
        return notice(in_language(str(exc), lang), "error"), no_update
    except PAGE_FAILURES as exc:
        return failure_notice(exc, lang), no_update
    return notice(t("loads_undone", lang).format(batch=report.batch_id, removed=report.removed,
                                                 restored=report.restored), "success"), (version or 0) + 1


@callback(Output("loads-url", "search"), Input("loads-status", "value"), Input("loads-kind", "value"),
          Input("loads-selected", "data"), State("loads-args", "data"), prevent_initial_call=True)
def sync_url(status, kind, selected, args):
    """Keep the filters and the selected load in the URL, for links."""
    extra = {k: v for k, v in (("status", status), ("kind", kind), ("load", selected)) if v is not None}
    return href("", args["city"], args["lang"], **{k: str(v) for k, v in extra.items()})
