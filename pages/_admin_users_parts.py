"""The accounts page's pieces (``pages/admin_users.py``): its strings, the grid's rows and columns, the form's
choices and fields, and the messages an add or a change of an account ends in. Values in, components out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from dash import dcc, html

from geo.cities import load_cities
from indicators.accounts.access import ROLE_CLEARANCE, ROLES, SENSITIVITIES
from indicators.views.admin import AccountChange
from pages._format import missing
from pages._i18n import register_strings, t
from pages._reports import in_language
from pages._widgets import dropdown, notice

DENIED = "admin_users_denied"  # the string a viewer without users.manage reads from a callback
# The actions on the selected account, by the id of their button.
CHANGES = {"admin-users-save": "save", "admin-users-toggle": "toggle", "admin-users-reset": "reset"}

register_strings({
    "admin_users_title": ("账号管理", "Accounts"),
    "admin_users_denied": ("无权访问:账号管理仅限管理员。", "Not permitted: only administrators manage accounts."),
    "admin_users_count": ("共 {n} 个账号", "{n} accounts"),
    "admin_users_no_rows": ("暂无账号", "No accounts"),
    "admin_users_head_username": ("用户名", "User name"),
    "admin_users_head_display_name": ("姓名", "Display name"),
    "admin_users_head_role": ("角色", "Role"),
    "admin_users_head_clearance": ("有效密级", "Clearance"),
    "admin_users_head_city": ("城市", "City"),
    "admin_users_head_districts": ("区县", "Districts"),
    "admin_users_head_state": ("状态", "State"),
    "admin_users_head_created": ("创建时间", "Created"),
    "admin_users_head_last_sign_in": ("最近登录", "Last sign-in"),
    "admin_users_active": ("启用", "Active"),
    "admin_users_disabled": ("已停用", "Disabled"),
    "admin_users_clearance_public": ("公开", "Public"),
    "admin_users_clearance_internal": ("内部", "Internal"),
    "admin_users_clearance_restricted": ("受限", "Restricted"),
    "admin_users_role_clearance": ("随角色", "The role's"),
    "admin_users_all_cities": ("全部城市", "All cities"),
    "admin_users_all_districts": ("全部区县", "All districts"),
    "admin_users_add": ("新增账号", "Add an account"),
    "admin_users_username": ("用户名", "User name"),
    "admin_users_username_hint": ("字母、数字或 _.@-,2–64 个字符", "Letters, digits or _.@-, 2–64 characters"),
    "admin_users_display_name": ("姓名", "Display name"),
    "admin_users_role": ("角色", "Role"),
    "admin_users_clearance": ("密级", "Clearance"),
    "admin_users_city": ("城市", "City"),
    "admin_users_districts": ("区县(须属于所选城市)", "Districts (of the chosen city)"),
    "admin_users_password": ("初始密码", "Password"),
    "admin_users_password_hint": ("留空则自动生成", "Leave empty to generate one"),
    "admin_users_add_button": ("添加账号", "Add account"),
    "admin_users_added": ("已添加账号 {name}。", "Account {name} added."),
    "admin_users_password_once": ("密码(仅显示这一次,请立即转交本人):", "Password (shown this once only; hand it to its owner now):"),
    "admin_users_selected": ("所选账号", "Selected account"),
    "admin_users_pick": ("在表格中选择一个账号,即可修改其角色、密级和范围,停用或启用它,或重置密码。",
                         ("Select an account in the table to change its role, clearance or scope, disable or "
                          "enable it, or reset its password.")),
    "admin_users_save": ("保存更改", "Save changes"),
    "admin_users_disable": ("停用账号", "Disable account"),
    "admin_users_enable": ("启用账号", "Enable account"),
    "admin_users_reset": ("重置密码", "Reset password"),
    "admin_users_saved": ("已保存 {name} 的更改;若权限有变,其登录已结束。",
                          "Changes to {name} saved; if its rights changed, its sessions have ended."),
    "admin_users_now_disabled": ("已停用 {name},其登录已结束。", "{name} is disabled; its sessions have ended."),
    "admin_users_now_enabled": ("已启用 {name}。", "{name} is enabled."),
    "admin_users_was_reset": ("已重置 {name} 的密码,其登录已结束。", "The password of {name} is reset; its sessions have ended."),
    "admin_users_not_yourself": ("不能在此更改您自己的账号:这会结束您当前的登录。请由另一位管理员操作,或使用 manage.py users。",
                                 ("You cannot change your own account here: it would end your session. Ask "
                                  "another administrator, or use manage.py users.")),
    "admin_users_none_selected": ("请先在表格中选择一个账号。", "Select an account in the table first."),
})


# ---- pure builders: values in, strings or components out ----------------------------------------------------

def format_moment(moment) -> str:
    """A timestamp to the minute ("2025-06-30 14:05"), "—" for none."""
    return "—" if missing(moment) else f"{pd.Timestamp(moment):%Y-%m-%d %H:%M}"


def clearance_name(clearance: str, lang: str) -> str:
    """A clearance's display name ("内部" / "Internal")."""
    return t(f"admin_users_clearance_{clearance}", lang)


def city_name(city_key: str | None, lang: str) -> str:
    """A city's name; "all cities" for an account bound to none (an unknown key shows as it is)."""
    if not city_key:
        return t("admin_users_all_cities", lang)
    city = load_cities().get(city_key)
    return city.name(lang) if city else city_key


def district_names(city_key: str | None, districts: Sequence[str], lang: str) -> str:
    """The names of an account's districts, or "all districts" for none."""
    if not districts:
        return t("admin_users_all_districts", lang)
    city = load_cities().get(city_key or "")
    names = {d.adcode: d.name(lang) for d in city.districts} if city else {}
    return ("、" if lang == "zh" else ", ").join(names.get(adcode, adcode) for adcode in districts)


def grid_rows(frame: pd.DataFrame, *, lang: str) -> list[dict]:
    """The grid's rowData.

    Args:
        frame: ``users.list_users()``.
        lang: "zh" or "en".

    Returns:
        One dict per account: the raw ``username``, ``role``, ``clearance`` (effective), ``city_key``,
        ``districts`` (adcodes) and ``active`` that the edit form starts from, and the texts the grid shows.
    """
    rows = []
    for record in frame.to_dict("records"):
        city = None if missing(record["city_key"]) or not record["city_key"] else record["city_key"]
        districts = [d for d in (record["districts"] or "").split(",") if d]
        active = bool(record["active"])
        rows.append({
            "username": record["username"],
            "display_name": "" if missing(record["display_name"]) else record["display_name"],
            "role": record["role"],
            "clearance": record["clearance"],
            "city_key": city,
            "city": city_name(city, lang),
            "districts": districts,
            "district_names": district_names(city, districts, lang),
            "active": active,
            "state": t("admin_users_active" if active else "admin_users_disabled", lang),
            "created": format_moment(record["created_at"]),
            "last_sign_in": format_moment(record["last_sign_in_at"]),
        })
    return rows


WRAPPED = {"wrapText": True, "autoHeight": True}


def column_defs(lang: str) -> list[dict]:
    """The grid's columns: labels of roles and clearances come once as ``refData``; a disabled account's
    state is marked by a cell class; names, cities and districts wrap rather than being cut. Widths are the 1920
    layout's (``assets/92-desk-grids.js`` scales them with the type on a video wall)."""
    def column(field: str, head: str, width: int, **options) -> dict:
        return {"field": field, "headerName": t(f"admin_users_head_{head}", lang), "minWidth": width, "flex": 1,
                **options}

    return [
        column("username", "username", 150, pinned="left", cellClass="admin-users-name", **WRAPPED),
        column("display_name", "display_name", 160, flex=1.5, **WRAPPED),
        column("role", "role", 110, refData={role: t(f"role_{role}", lang) for role in ROLES}),
        column("clearance", "clearance", 110, refData={c: clearance_name(c, lang) for c in SENSITIVITIES}),
        column("city", "city", 110, **WRAPPED),
        column("district_names", "districts", 150, flex=1.5, tooltipField="district_names", **WRAPPED),
        column("state", "state", 100, cellClassRules={"admin-users-disabled": "!params.data.active"}),
        column("created", "created", 150),
        column("last_sign_in", "last_sign_in", 150),
    ]


def count_text(count: int, lang: str) -> str:
    """How many accounts the grid lists."""
    return t("admin_users_count", lang).format(n=count)


def role_options(lang: str) -> list[dict]:
    """The roles, weakest first."""
    return [{"label": t(f"role_{role}", lang), "value": role} for role in ROLES]


def clearance_options(lang: str) -> list[dict]:
    """The clearances an account may be given of its own (none: the role's)."""
    return [{"label": clearance_name(c, lang), "value": c} for c in SENSITIVITIES]


def city_options(lang: str) -> list[dict]:
    """Every configured city an account may be bound to."""
    return [{"label": city.name(lang), "value": key} for key, city in load_cities().items()]


def district_choices(city_key: str | None, chosen: Sequence[str] | None, lang: str) -> tuple[list[dict], list[str]]:
    """The districts of the chosen city, and which of those already chosen still belong to it.

    Args:
        city_key: the city picked in the form; None for every city (then no district can be picked).
        chosen: the districts picked so far.
        lang: "zh" or "en".

    Returns:
        The dropdown's options and its value.
    """
    city = load_cities().get(city_key or "")
    if city is None:
        return [], []
    options = [{"label": d.name(lang), "value": d.adcode} for d in city.districts]
    known = {d.adcode for d in city.districts}
    return options, [d for d in (chosen or []) if d in known]


def edit_values(row: Mapping) -> dict:
    """What the edit form shows for an account's grid row: its role, its own clearance (None when it is
    the role's), its city and districts, and whether it is active."""
    own = None if row["clearance"] == ROLE_CLEARANCE.get(row["role"]) else row["clearance"]
    return {"username": row["username"], "role": row["role"], "clearance": own, "city": row["city_key"],
            "districts": list(row["districts"]), "active": bool(row["active"])}


def success(text: str, password: str | None = None, *, lang: str) -> html.Div:
    """A confirmation; with a generated password, that password, to be handed on (it is shown only here)."""
    lines = [html.P(text)]
    if password:
        lines.append(html.P([t("admin_users_password_once", lang), " ",
                             html.Code(password, className="admin-password")]))
    return html.Div(lines, className="notice notice-success", role="status")


def _field(label: str, control, field_id: str, class_name: str = "") -> html.Div:
    return html.Div([html.Label(label, htmlFor=field_id, className="admin-label"), control],
                    className=f"admin-field {class_name}".strip())


def _dropdown(field_id: str, options: list[dict], lang: str, *, value=None, placeholder_key: str | None = None,
              multi: bool = False, clearable: bool = True) -> dcc.Dropdown:
    return dropdown(lang, id=field_id, options=options, value=value, multi=multi, clearable=clearable, searchable=False,
                    placeholder=t(placeholder_key, lang) if placeholder_key else None, className="admin-dropdown")


def _scope_fields(prefix: str, lang: str) -> list[html.Div]:
    """Role, clearance, city and districts: the same four fields in the add and the edit form."""
    return [
        _field(t("admin_users_role", lang), _dropdown(f"{prefix}-role", role_options(lang), lang, value="viewer",
                                                      clearable=False), f"{prefix}-role"),
        _field(t("admin_users_clearance", lang), _dropdown(f"{prefix}-clearance", clearance_options(lang), lang,
                                                           placeholder_key="admin_users_role_clearance"),
               f"{prefix}-clearance"),
        _field(t("admin_users_city", lang), _dropdown(f"{prefix}-city", city_options(lang), lang,
                                                      placeholder_key="admin_users_all_cities"), f"{prefix}-city"),
        _field(t("admin_users_districts", lang), _dropdown(f"{prefix}-districts", [], lang, value=[], multi=True,
                                                           placeholder_key="admin_users_all_districts"),
               f"{prefix}-districts", "admin-field-wide"),
    ]


def _text_input(field_id: str, *, kind: str = "text", placeholder: str = "", autocomplete: str = "off",
                max_length: int = 64) -> dcc.Input:
    return dcc.Input(id=field_id, type=kind, value="", placeholder=placeholder, autoComplete=autocomplete,
                     maxLength=max_length, className="admin-input")


def add_form(lang: str) -> html.Section:
    """The form that adds an account."""
    return html.Section([
        html.H2(t("admin_users_add", lang), className="admin-section-title"),
        html.Div([
            _field(t("admin_users_username", lang),
                   _text_input("admin-users-add-username", placeholder=t("admin_users_username_hint", lang)),
                   "admin-users-add-username"),
            _field(t("admin_users_display_name", lang), _text_input("admin-users-add-display-name"),
                   "admin-users-add-display-name"),
            *_scope_fields("admin-users-add", lang),
            # new-password: the browser must not fill in the administrator's own saved password.
            _field(t("admin_users_password", lang),
                   _text_input("admin-users-add-password", kind="password", autocomplete="new-password",
                               placeholder=t("admin_users_password_hint", lang), max_length=256),
                   "admin-users-add-password", "admin-field-wide"),
        ], className="admin-form-fields"),
        html.Button(t("admin_users_add_button", lang), id="admin-users-add", type="button", n_clicks=0,
                    className="admin-button admin-button-primary"),
        html.Div(id="admin-users-add-message", className="admin-message"),
    ], className="admin-panel admin-add")


def edit_form(lang: str) -> html.Section:
    """The selected account's form: its scope, and the buttons to save, disable or enable, reset."""
    return html.Section([
        html.H2(t("admin_users_selected", lang), className="admin-section-title"),
        html.P(t("admin_users_pick", lang), id="admin-users-pick", className="admin-hint"),
        html.Div([
            html.P(html.Strong(id="admin-users-edit-name"), className="admin-selected-name"),
            html.Div(_scope_fields("admin-users-edit", lang), className="admin-form-fields"),
            html.Div([
                html.Button(t("admin_users_save", lang), id="admin-users-save", type="button", n_clicks=0,
                            className="admin-button admin-button-primary"),
                html.Button(t("admin_users_disable", lang), id="admin-users-toggle", type="button", n_clicks=0,
                            className="admin-button"),
                html.Button(t("admin_users_reset", lang), id="admin-users-reset", type="button", n_clicks=0,
                            className="admin-button"),
            ], className="admin-buttons"),
        ], id="admin-users-edit", hidden=True),
        html.Div(id="admin-users-edit-message", className="admin-message"),
    ], className="admin-panel admin-edit")


# What an account change ends in, by its outcome: the confirmation's string.
CONFIRMATIONS = {"added": "admin_users_added", "saved": "admin_users_saved", "enabled": "admin_users_now_enabled",
                 "disabled": "admin_users_now_disabled", "reset": "admin_users_was_reset"}
REFUSALS = {"denied": DENIED, "none_selected": "admin_users_none_selected", "yourself": "admin_users_not_yourself"}


def change_message(change: AccountChange, lang: str) -> html.Div:
    """The message an add or a change of an account ends in: the confirmation (with a generated password,
    once), or why nothing changed, in the page's language."""
    if change.done:
        return success(t(CONFIRMATIONS[change.outcome], lang).format(name=change.username), change.password,
                       lang=lang)
    if change.outcome == "invalid":
        return notice(in_language(change.error, lang, sentence=True), "error")
    return notice(t(REFUSALS[change.outcome], lang), "error")
