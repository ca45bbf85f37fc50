"""The audit log page's pieces (``pages/admin_audit.py``): its strings, action names, the grid's rows and
columns, the exported table and the filters' toolbar. Values in, components out. Targets and details hold what
users typed, so the grid shows them as text only and the export keeps a spreadsheet from taking them for formulas.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from indicators.accounts import audit
from indicators.views.admin import AUDIT_FILTERS, TEXT_MAX, AuditExport, AuditLogView
from pages._i18n import register_strings, t
from pages._widgets import dropdown, notice

DENIED = "admin_audit_denied"  # the string a viewer without audit.read reads from a callback
# The filters, by URL key, and the property of their control.
FILTERS = {name: "date" if name in ("from", "to") else "value" for name in AUDIT_FILTERS}

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
    "admin_audit_action_hourly_pruned": ("清理过期小时数据", "Old hourly values deleted"),
    "admin_audit_action_catalog_change": ("目录或阈值变更", "Catalog or threshold change"),
    "admin_audit_action_alert_action": ("预警处置", "Alert action"),
    "admin_audit_action_user_add": ("新增账号", "Account added"),
    "admin_audit_action_user_change": ("账号变更", "Account changed"),
    "admin_audit_action_password_reset": ("重置密码", "Password reset"),
    "admin_audit_action_access_denied": ("拒绝访问", "Access refused"),
    "admin_audit_action_sql_source": ("SQL 数据源变更", "SQL source change"),
    "admin_audit_action_notify_config": ("通知配置变更", "Notification settings change"),
    "admin_audit_action_silence": ("预警静默", "Alert silence"),
    "admin_audit_action_webhook_refused": ("拒绝外部回调", "Webhook call refused"),
    "admin_audit_action_webhook_state": ("外部平台回报处置", "Platform reported handling"),
    "admin_audit_action_api_token": ("API 令牌变更", "API token change"),
    "admin_audit_action_api_call": ("API 调用", "API call"),
})


# ---- pure helpers: values in, strings, tables or components out -----------------------------------------------

def action_name(action: str, lang: str) -> str:
    """An audit action's display name; one without a label yet shows as recorded."""
    try:
        return t(f"admin_audit_action_{action}", lang)
    except KeyError:
        return action


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


def log_answer(view: AuditLogView, lang: str) -> dict:
    """The grid's rows, the count line, the user filter's choices and the status line of the log's view."""
    users = user_options(view.users, None)
    if view.bad_range:
        return {"rows": [], "count": "", "users": users, "status": notice(t("admin_audit_bad_range", lang), "error")}
    return {"rows": grid_rows(view.entries), "count": count_text(len(view.entries), view.limited, lang),
            "users": users, "status": None}


def export_message(export: AuditExport, lang: str) -> html.Div:
    """What the page says after an export: how many entries (the newest only, when the export was capped), or
    that the dates are the wrong way round."""
    if export.bad_range:
        return notice(t("admin_audit_bad_range", lang), "error")
    key = "admin_audit_exported_limited" if export.limited else "admin_audit_exported"
    return notice(t(key, lang).format(n=len(export.entries)), "success")
