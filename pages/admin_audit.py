"""The audit log, for administrators: who did what, when and from where, newest first, filtered by user,
action, text and dates, and exported as CSV or Excel (the export is itself recorded).

The filters live in the URL (``/admin/audit?lang=en&action=user_add&from=2025-06-01``), so a view of the
log can be sent to a colleague. The page only reads: the app has no way to change or delete an entry.
Targets and details hold what users typed (a user name at sign-in, a comment), so the grid shows them as
text only and the export keeps a spreadsheet from taking them for formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, current_viewer
from pages._export import table_bytes
from pages._i18n import register_strings, t
from pages._shell import href, resolve
from pages._tabs import admin_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, notice

dash.register_page(__name__, path="/admin/audit", title="审计日志 · City Vitals", name="admin_audit", order=91,
                   permission="audit.read")

PATH = "/admin/audit"
PERMISSION = "audit.read"
DENIED = "admin_audit_denied"  # the string a viewer without PERMISSION reads
# The grid shows the newest entries up to this many; the export takes up to audit.MAX_ROWS.
ROW_LIMIT = 500
TEXT_MAX = 100
USER_MAX = 64
# The filters, by URL key, and the property of their control.
FILTERS = {"user": "value", "action": "value", "q": "value", "from": "date", "to": "date"}

register_strings({
    "admin_audit_title": ("审计日志", "Audit log"),
    "admin_audit_denied": ("无权访问:审计日志仅限管理员查看。", "Not permitted: only administrators read the audit log."),
    "admin_audit_note": ("日志只增不改:本页只能查看和导出。", "The log is append-only: this page can only read and export it."),
    "admin_audit_user": ("用户", "User"),
    "admin_audit_action": ("操作", "Action"),
    "admin_audit_q": ("关键词", "Text"),
    "admin_audit_q_hint": ("对象或详情中包含的文字", "Found in the target or the detail"),
    "admin_audit_from": ("起始日期", "From"),
    "admin_audit_to": ("截止日期", "To"),
    "admin_audit_any": ("全部", "All"),
    "admin_audit_clear": ("清除筛选", "Clear filters"),
    "admin_audit_export_csv": ("导出 CSV", "Export CSV"),
    "admin_audit_export_xlsx": ("导出 Excel", "Export Excel"),
    "admin_audit_count": ("共 {n} 条", "{n} entries"),
    "admin_audit_count_limited": ("显示最新 {n} 条;更早的记录请缩小筛选范围", "The newest {n} shown; narrow the filters for older ones"),
    "admin_audit_no_rows": ("没有符合条件的记录", "No matching entries"),
    "admin_audit_bad_range": ("起始日期晚于截止日期,请调整日期。", "The start date is after the end date; please change the dates."),
    "admin_audit_exported": ("已导出 {n} 条记录。", "{n} entries exported."),
    "admin_audit_exported_limited": ("已导出最新 {n} 条记录(单次导出上限);更早的记录请缩小日期范围后再导出。",
                                     ("The newest {n} entries exported (the most one export takes); narrow the "
                                      "dates to export older ones.")),
    "admin_audit_head_id": ("编号", "No."),
    "admin_audit_head_at": ("时间", "Time"),
    "admin_audit_head_user": ("用户", "User"),
    "admin_audit_head_action": ("操作", "Action"),
    "admin_audit_head_target": ("对象", "Target"),
    "admin_audit_head_detail": ("详情", "Detail"),
    "admin_audit_head_remote_addr": ("来源地址", "From address"),
    "admin_audit_action_sign_in": ("登录", "Sign-in"),
    "admin_audit_action_sign_in_failed": ("登录失败", "Failed sign-in"),
    "admin_audit_action_sign_out": ("退出登录", "Sign-out"),
    "admin_audit_action_export": ("导出", "Export"),
    "admin_audit_action_data_load": ("数据导入", "Data load"),
    "admin_audit_action_data_load_rejected": ("数据导入被拒", "Data load rejected"),
    "admin_audit_action_data_load_failed": ("数据导入未能写入", "Data load failed"),
    "admin_audit_action_data_undo": ("撤销导入", "Data load undone"),
    "admin_audit_action_catalog_change": ("目录或阈值变更", "Catalog or threshold change"),
    "admin_audit_action_alert_action": ("预警处置", "Alert action"),
    "admin_audit_action_user_add": ("新增账号", "Account added"),
    "admin_audit_action_user_change": ("账号变更", "Account changed"),
    "admin_audit_action_password_reset": ("重置密码", "Password reset"),
    "admin_audit_action_access_denied": ("拒绝访问", "Access refused"),
    "admin_audit_action_sql_source": ("SQL 数据源变更", "SQL source change"),
})


# ---- pure helpers: values in, strings, tables or components out -----------------------------------------------

def action_name(action: str, lang: str) -> str:
    """An audit action's display name; one without a label yet shows as recorded."""
    try:
        return t(f"admin_audit_action_{action}", lang)
    except KeyError:
        return action


def _iso_day(text) -> str:
    """``YYYY-MM-DD`` of a date given as text (a date picker adds a time to it); "" when it is none."""
    try:
        return date.fromisoformat(str(text)[:10]).isoformat() if text else ""
    except ValueError:
        return ""


def parse_filters(query: Mapping[str, str | None]) -> dict[str, str]:
    """The filters of a URL query or of the controls; values that cannot be filters are dropped.

    Args:
        query: any of ``FILTERS`` (``from`` and ``to`` as ``YYYY-MM-DD``); other keys are ignored.

    Returns:
        Only the keys that are set, in ``FILTERS`` order (so equal filters give equal URLs).
    """
    found = {
        "user": str(query.get("user") or "").strip()[:USER_MAX],
        "action": query.get("action") if query.get("action") in audit.ACTIONS else "",
        "q": str(query.get("q") or "").strip()[:TEXT_MAX],
        "from": _iso_day(query.get("from")),
        "to": _iso_day(query.get("to")),
    }
    return {name: value for name, value in found.items() if value}


def bad_range(filters: Mapping[str, str]) -> bool:
    """Whether the start date is after the end date."""
    return bool(filters.get("from") and filters.get("to") and filters["from"] > filters["to"])


def time_window(filters: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    """The filters' dates as the first and the last moment of the window (both days included)."""
    since = datetime.combine(date.fromisoformat(filters["from"]), time.min) if filters.get("from") else None
    until = datetime.combine(date.fromisoformat(filters["to"]), time.max) if filters.get("to") else None
    return since, until


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _moment(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M:%S}"


def grid_rows(frame: pd.DataFrame) -> list[dict]:
    """The grid's rowData: one plain dict per entry, times as text (which sorts as time)."""
    return [{"id": int(row["id"]), "at": _moment(row["at"]), "user": _text(row["user"]), "action": row["action"],
             "target": _text(row["target"]), "detail": _text(row["detail"]), "remote_addr": _text(row["remote_addr"])}
            for row in frame.to_dict("records")]


def column_defs(lang: str) -> list[dict]:
    """The grid's columns; action labels come once as ``refData``. Every cell is plain text (the grid's
    default renderer), so markup stored in a target or detail shows as typed."""
    def column(field: str, width: int, flex: float = 1, **options) -> dict:
        return {"field": field, "headerName": t(f"admin_audit_head_{field}", lang), "minWidth": width, "flex": flex,
                **options}

    return [
        column("at", 170, cellClass="admin-audit-time", sort="desc"),
        column("user", 120),
        column("action", 120, refData={action: action_name(action, lang) for action in audit.ACTIONS}),
        column("target", 160, 1.5, wrapText=True, autoHeight=True),
        column("detail", 220, 3, wrapText=True, autoHeight=True, cellClass="admin-audit-detail"),
        column("remote_addr", 120),
    ]


def count_text(shown: int, limited: bool, lang: str) -> str:
    """How many entries the grid lists, and whether older ones were left out."""
    return t("admin_audit_count_limited" if limited else "admin_audit_count", lang).format(n=shown)


def user_options(users: list[str], chosen: str | None) -> list[dict]:
    """The user filter's choices: everyone in the log, and the chosen user even when the log has none of theirs."""
    names = sorted(set(users) | ({chosen} if chosen else set()))
    return [{"label": name, "value": name} for name in names]


def export_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The entries as the exported file shows them: headers and action names in ``lang`` (``table_bytes``
    makes the texts inert).

    Args:
        frame: ``audit.entries`` rows.
        lang: "zh" or "en".

    Returns:
        One column per grid column, the entry number first.
    """
    def head(field: str) -> str:
        return t(f"admin_audit_head_{field}", lang)

    def texts(field: str) -> list[str]:
        return [_text(value) for value in frame[field]]

    return pd.DataFrame({
        head("id"): frame["id"].astype(int),
        head("at"): [_moment(value) for value in frame["at"]],
        head("user"): texts("user"),
        head("action"): [action_name(action, lang) for action in frame["action"]],
        head("target"): texts("target"),
        head("detail"): texts("detail"),
        head("remote_addr"): texts("remote_addr"),
    })


def denied(lang: str) -> html.Div:
    """What a viewer without ``audit.read`` sees."""
    return notice(t(DENIED, lang), "error")


# ---- reads through indicators.accounts.audit -----------------------------------------------------------------------------

def read_entries(filters: Mapping[str, str], limit: int) -> pd.DataFrame:
    """The entries matching ``filters``, newest first, at most ``limit``.

    Raises:
        AccessDenied: the viewer may not read the log.
    """
    since, until = time_window(filters)
    return audit.entries(user=filters.get("user"), action=filters.get("action"), text=filters.get("q"),
                         since=since, until=until, limit=limit)


def build_log(filters: Mapping[str, str], lang: str) -> dict:
    """The grid's rows, the count line and the user filter's choices for the filters.

    Returns:
        ``rows``, ``count`` and ``users``; ``status`` says when the dates are the wrong way round.
    """
    users = user_options(audit.recorded_users(), filters.get("user"))
    if bad_range(filters):
        return {"rows": [], "count": "", "users": users, "status": notice(t("admin_audit_bad_range", lang), "error")}
    # One more than shown tells whether older entries were left out.
    frame = read_entries(filters, ROW_LIMIT + 1)
    limited = len(frame) > ROW_LIMIT
    shown = frame.head(ROW_LIMIT)
    return {"rows": grid_rows(shown), "count": count_text(len(shown), limited, lang), "users": users, "status": None}


def export_file(filters: Mapping[str, str], kind: str, lang: str) -> tuple[bytes, html.Div]:
    """The filtered entries as a CSV or XLSX file, and the message to show; the export is recorded.

    Returns:
        The file's bytes (empty when the dates are the wrong way round) and the message.

    Raises:
        AccessDenied: the viewer may not read the log (the refusal is recorded too).
    """
    if bad_range(filters):
        return b"", notice(t("admin_audit_bad_range", lang), "error")
    try:
        # One more than exported tells whether older entries were left out.
        frame = read_entries(filters, audit.MAX_ROWS + 1)
    except AccessDenied:
        audit.record_refusal(PATH, {"action": "export", "format": kind, "filters": dict(filters)})
        raise
    limited, frame = len(frame) > audit.MAX_ROWS, frame.head(audit.MAX_ROWS)
    audit.record("export", target="audit", detail={"format": kind, "rows": len(frame), "filters": dict(filters)})
    key = "admin_audit_exported_limited" if limited else "admin_audit_exported"
    data = table_bytes(export_table(frame, lang), kind, sheet=t("admin_audit_title", lang))
    return data, notice(t(key, lang).format(n=len(frame)), "success")


# ---- layout and callbacks -----------------------------------------------------------------------------------

def _label(name: str, lang: str) -> html.Label:
    return html.Label(t(f"admin_audit_{name}", lang), htmlFor=f"admin-audit-{name}", className="admin-label")


def _date(name: str, value: str | None, lang: str) -> html.Div:
    return html.Div([_label(name, lang),
                     dcc.DatePickerSingle(id=f"admin-audit-{name}", date=value, display_format="YYYY-MM-DD",
                                          placeholder="YYYY-MM-DD", clearable=True, first_day_of_week=1,
                                          className="admin-date")], className="admin-field")


def toolbar(filters: Mapping[str, str], lang: str) -> html.Div:
    """The filters, set from the URL: user, action, text, from and to, and the clear button."""
    any_text = t("admin_audit_any", lang)
    return html.Div([
        html.Div([_label("user", lang),
                  dropdown(lang, id="admin-audit-user", options=user_options([], filters.get("user")),
                           value=filters.get("user"), placeholder=any_text, searchable=True,
                           className="admin-dropdown")], className="admin-field"),
        html.Div([_label("action", lang),
                  dropdown(lang, id="admin-audit-action", value=filters.get("action"), placeholder=any_text,
                           options=[{"label": action_name(a, lang), "value": a} for a in audit.ACTIONS],
                           searchable=False, className="admin-dropdown")], className="admin-field"),
        html.Div([_label("q", lang),
                  dcc.Input(id="admin-audit-q", type="search", value=filters.get("q", ""), debounce=0.3,
                            maxLength=TEXT_MAX, placeholder=t("admin_audit_q_hint", lang), autoComplete="off",
                            className="admin-input")], className="admin-field admin-field-wide"),
        _date("from", filters.get("from"), lang),
        _date("to", filters.get("to"), lang),
        html.Button(t("admin_audit_clear", lang), id="admin-audit-clear", type="button", n_clicks=0,
                    className="admin-button admin-clear"),
    ], className="admin-toolbar", role="search")


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The audit log with the URL's filters; a viewer without ``audit.read`` gets the not-permitted notice only."""
    city, lang = resolve(city, lang)
    title = html.Div([html.H1(t("admin_audit_title", lang), className="page-title"),
                      admin_tabs(PATH, city, lang)])
    if not current_viewer().may(PERMISSION):
        return html.Div([title, denied(lang)], className="admin-page")
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
        return {**build_log(state, lang), "search": search}
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
        data, message = export_file(parse_filters(filters), kind, lang)
    except PAGE_FAILURES as exc:
        return {"file": no_update, "message": failure_notice(exc, lang, denied_key=DENIED), "exported": no_update}
    if not data:
        return {"file": no_update, "message": message, "exported": no_update}
    return {"file": dcc.send_bytes(data, f"city-vitals-audit-{date.today():%Y%m%d}.{kind}"), "message": message,
            "exported": (exported or 0) + 1}
