"""The catalog desk's pieces (``pages/data_catalog.py``): its strings, the grid's rows and columns, one
indicator's form, the form's changes, the history of changes and the report of a catalog file's check.
Values in, components out.
"""

from __future__ import annotations

import math

import pandas as pd
from dash import dcc, html

from indicators.accounts.access import SENSITIVITIES
from indicators.catalog.entries import ACCUMULATIONS
from indicators.ingest.catalog_edits import EDITABLE, CatalogImport, as_text
from pages._i18n import department_name, localized, register_strings, t, theme_name
from pages._widgets import dropdown, notice

THRESHOLDS = ("blue", "yellow", "orange", "red")
NUMBER_FIELDS = (*THRESHOLDS, "target", "min_value", "max_value")
TEXT_FIELDS = ("name_zh", "name_en", "department", "source", "definition")
# How the values accumulate, which formula derives them, which level a growth rate reports (see indicators.catalog.entries).
TIMING_FIELDS = ("accumulation", "jan_feb_merged", "derived", "growth_of")
GRID_FIELDS = ("code", "name", "theme", "department", "frequency", "unit", "direction", *THRESHOLDS, "target",
               "sensitivity")
register_strings({
    "dcat_title": ("目录与阈值", "Catalog and thresholds"),
    "dcat_pick": ("在表中选择一项指标,查看或修改其定义与预警阈值。", "Pick an indicator to see or change its definition and thresholds."),
    "dcat_read_only": ("您可以查看;修改需要数据员或管理员角色。", "You may look; changing needs the operator or admin role."),
    "dcat_field_code": ("代码", "Code"), "dcat_field_name": ("名称", "Name"), "dcat_field_theme": ("主题", "Theme"),
    "dcat_field_department": ("责任单位", "Department"), "dcat_field_frequency": ("频度", "Frequency"),
    "dcat_field_unit": ("单位", "Unit"), "dcat_field_direction": ("方向", "Direction"),
    "dcat_field_blue": ("蓝色阈值", "Blue"), "dcat_field_yellow": ("黄色阈值", "Yellow"),
    "dcat_field_orange": ("橙色阈值", "Orange"), "dcat_field_red": ("红色阈值", "Red"),
    "dcat_field_target": ("目标值", "Target"), "dcat_field_min_value": ("下限", "Minimum"),
    "dcat_field_max_value": ("上限", "Maximum"), "dcat_field_sensitivity": ("敏感级别", "Sensitivity"),
    "dcat_field_headline": ("核心指标", "Headline"), "dcat_field_name_zh": ("中文名称", "Chinese name"),
    "dcat_field_name_en": ("英文名称", "English name"), "dcat_field_source": ("数据来源", "Source"),
    "dcat_field_definition": ("定义", "Definition"),
    "dcat_field_accumulation": ("统计口径", "Basis"),
    "dcat_field_jan_feb_merged": ("1—2月合并发布", "January–February together"),
    "dcat_field_derived": ("计算公式(空:导入的指标)", "Formula (blank: a loaded indicator)"),
    "dcat_field_growth_of": ("增速对应的总量指标", "Growth rate of"),
    "dcat_accumulation_period": ("当期值", "Value of the period"),
    "dcat_accumulation_ytd": ("年内累计值(1—N月)", "Year to date (1—N月)"),
    "dcat_accumulation_stock": ("期末值", "Level at the period's end"),
    "dcat_direction_up": ("越高越好", "higher is better"), "dcat_direction_down": ("越低越好", "lower is better"),
    "dcat_direction_target": ("接近目标", "near the target"), "dcat_direction_neutral": ("中性", "neutral"),
    "dcat_thresholds_hint": ("阈值按不利方向排列:越低越好时 蓝<黄<橙<红,越高越好时 蓝>黄>橙>红;四个都填或都不填。",
                             "Thresholds run in the bad direction: blue < yellow < orange < red when lower is better, "
                             "blue > yellow > orange > red when higher is better; all four or none."),
    "dcat_comment": ("修改说明", "Why"), "dcat_field_comment": ("修改说明", "Why"),
    "dcat_save": ("保存修改", "Save changes"),
    "dcat_saved": ("已保存 {count} 处修改,已记录并重新评估预警。", "{count} changes saved, recorded, warnings evaluated again."),
    "dcat_nothing": ("没有修改。", "Nothing changed."),
    "dcat_refused": ("未保存:{reason}", "Not saved: {reason}"),
    "dcat_history": ("修改记录", "History of changes"),
    "dcat_no_history": ("尚无修改记录。", "No changes yet."),
    "dcat_when": ("时间", "When"), "dcat_who": ("修改人", "By"), "dcat_what": ("字段", "Field"),
    "dcat_old": ("原值", "Was"), "dcat_new": ("新值", "Now"), "dcat_source": ("来源", "Through"),
    "dcat_source_app": ("页面修改", "edit"), "dcat_source_import": ("导入", "import"), "dcat_source_file": ("目录文件", "catalog file"),
    "dcat_export": ("导出目录文件 (CSV)", "Export the catalog (CSV)"),
    "dcat_import": ("导入目录文件", "Import a catalog file"),
    "dcat_import_drop": ("拖入与导出格式相同的目录 CSV,先校验并列出所有修改", "Drop a catalog CSV in the export's format: it is checked and every change listed first"),
    "dcat_import_errors": ("目录文件未通过校验,未做任何修改:", "The catalog file does not pass; nothing changed:"),
    "dcat_import_refused": ("以下修改不能在页面中进行(影响已存数据,只能修改目录文件):", "These changes cannot be made in the app (the stored data depends on them; change the catalog file):"),
    "dcat_import_unknown": ("以下指标不在库中:", "These indicators are not in the store:"),
    "dcat_import_changes": ("校验通过,将修改 {count} 处:", "The file passes; {count} changes:"),
    "dcat_import_none": ("校验通过,与当前目录相同,无需修改。", "The file passes and matches the catalog: nothing to change."),
    "dcat_import_hidden": ("文件中有 {count} 行是您无权查看的指标,未做比对;请删去这些行后再导入。",
                           "{count} rows of the file are indicators you may not see: not compared; remove them and "
                           "import again."),
    "dcat_import_forbidden": ("以下修改需要具有机密权限的领导或管理员:", "These changes need a leader or admin with restricted clearance:"),
    "dcat_import_apply": ("确认导入", "Apply"),
    "dcat_import_applied": ("已导入 {count} 处修改。", "{count} changes applied."),
})


def grid_rows(frame: pd.DataFrame, lang: str) -> list[dict]:
    """One row per indicator for the grid: its code, name, classification and thresholds."""
    def number(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    return [{"code": r["code"], "name": localized(r, lang), "theme": theme_name(r["theme"], lang),
             "department": department_name(r["department"], lang),
             "frequency": t(f"freq_{r['frequency']}", lang), "unit": r["unit"],
             "direction": t(f"dcat_direction_{r['direction']}", lang),
             **{f: number(r[f]) for f in (*THRESHOLDS, "target")}, "sensitivity": t(f"sens_{r['sensitivity']}", lang)}
            for r in frame.to_dict("records")]


def edit_form(row: dict, lang: str, *, editable: bool, sensitivity_editable: bool = False) -> list:
    """The form of one indicator: the structural fields as text, the editable ones as inputs (the sensitivity
    only for those who may change it)."""
    def label(field: str) -> html.Label:
        return html.Label(t(f"dcat_field_{field}", lang), htmlFor=f"dcat-{field}", className="upload-label")

    def number(field: str) -> html.Div:
        value = row[field]
        shown = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        return html.Div([label(field), dcc.Input(id=f"dcat-{field}", type="number", value=shown, disabled=not editable,
                                                 className="dcat-input")], className="dcat-field")

    def text(field: str, area: bool = False) -> html.Div:
        widget = dcc.Textarea if area else dcc.Input
        return html.Div([label(field), widget(id=f"dcat-{field}", value=row[field], disabled=not editable,
                                              className="dcat-input")], className="dcat-field dcat-wide" if area else "dcat-field")

    facts = [("code", row["code"]), ("frequency", t(f"freq_{row['frequency']}", lang)), ("unit", row["unit"]),
             ("direction", t(f"dcat_direction_{row['direction']}", lang))]
    return [
        html.H2(f"{row['code']} {row['name_en' if lang == 'en' else 'name_zh']}", className="section-title"),
        html.Dl([p for key, value in facts for p in (html.Dt(t(f"dcat_field_{key}", lang)), html.Dd(value))],
                className="meta-list"),
        None if editable else notice(t("dcat_read_only", lang)),
        html.P(t("dcat_thresholds_hint", lang), className="muted"),
        html.Div([number(f) for f in NUMBER_FIELDS], className="dcat-numbers"),
        html.Div([label("sensitivity"),
                  dropdown(lang, id="dcat-sensitivity", value=row["sensitivity"], clearable=False,
                           disabled=not (editable and sensitivity_editable),
                           options=[{"label": t(f"sens_{s}", lang), "value": s} for s in SENSITIVITIES])],
                 className="dcat-field"),
        html.Div([label("headline"),
                  dropdown(lang, id="dcat-headline", value=bool(row["headline"]), clearable=False, searchable=False,
                           disabled=not editable, options=[{"label": t("yes", lang), "value": True},
                                                           {"label": t("no", lang), "value": False}])],
                 className="dcat-field"),
        html.Div([text(f, area=f == "definition") for f in TEXT_FIELDS], className="dcat-texts"),
        html.Div([
            html.Div([label("accumulation"),
                      dropdown(lang, id="dcat-accumulation", value=row["accumulation"], clearable=False,
                               searchable=False, disabled=not editable,
                               options=[{"label": t(f"dcat_accumulation_{a}", lang), "value": a} for a in ACCUMULATIONS])],
                     className="dcat-field"),
            html.Div([label("jan_feb_merged"),
                      dropdown(lang, id="dcat-jan_feb_merged", value=bool(row["jan_feb_merged"]), clearable=False,
                               searchable=False, disabled=not editable,
                               options=[{"label": t("yes", lang), "value": True}, {"label": t("no", lang), "value": False}])],
                     className="dcat-field"),
            text("derived"), text("growth_of"),
        ], className="dcat-texts"),
        html.Div([label("comment"), dcc.Input(id="dcat-comment", value="", maxLength=500, className="dcat-input")],
                 className="dcat-field dcat-wide", hidden=not editable),
        html.Button(t("dcat_save", lang), id="dcat-save", className="button button-primary", hidden=not editable),
        html.Div(id="dcat-message", role="status"),
    ]


def changes_from_form(row: dict, values: dict) -> dict:
    """The form's values that differ from the indicator's, as ``edit_indicator`` takes them."""
    changes = {}
    for field, value in values.items():
        if field in ("headline", "jan_feb_merged"):
            value = bool(value)
        elif field in NUMBER_FIELDS:
            value = None if value in (None, "") else float(value)
        elif isinstance(value, str):
            value = value.strip()
        if as_text(value) != as_text(row[field]):
            changes[field] = value
    return changes


def history_table(frame: pd.DataFrame, lang: str) -> html.Table | html.P:
    """An indicator's changes, newest first."""
    if frame.empty:
        return html.P(t("dcat_no_history", lang), className="muted")
    head = html.Thead(html.Tr([html.Th(t(f"dcat_{k}", lang)) for k in ("when", "who", "what", "old", "new", "source")]
                              + [html.Th(t("dcat_comment", lang))]))
    body = [html.Tr([html.Td(pd.Timestamp(r["at"]).strftime("%Y-%m-%d %H:%M")), html.Td(r["user"]),
                     html.Td(t(f"dcat_field_{r['field']}", lang) if f"dcat_field_{r['field']}" in _FIELD_KEYS else r["field"]),
                     html.Td(r["old_value"] or "—"), html.Td(r["new_value"] or "—"),
                     html.Td(t(f"dcat_source_{r['source']}", lang)), html.Td(r["comment"] or "")])
            for r in frame.to_dict("records")]
    return html.Table([head, html.Tbody(body)], className="data-table dcat-history")


_FIELD_KEYS = {f"dcat_field_{f}" for f in (*EDITABLE, *GRID_FIELDS) if f not in ("topics", "source_standard", "source_id")}


def import_view(result: CatalogImport, lang: str) -> html.Div:
    """What a catalog file would change, or why it cannot be imported."""
    if result.errors:
        return html.Div([notice(t("dcat_import_errors", lang), "error"), html.Ul([html.Li(e) for e in result.errors])])
    if not result.ok:
        parts = []
        if result.hidden:
            parts.append(notice(t("dcat_import_hidden", lang).format(count=result.hidden), "error"))
        if result.forbidden:
            parts += [notice(t("dcat_import_forbidden", lang), "error"), html.Ul([html.Li(f) for f in result.forbidden])]
        if result.refused:
            parts += [notice(t("dcat_import_refused", lang), "error"), html.Ul([html.Li(r) for r in result.refused])]
        if result.unknown:
            parts += [notice(t("dcat_import_unknown", lang), "error"), html.Ul([html.Li(c) for c in result.unknown])]
        return html.Div(parts)
    if not result.changes:
        return html.Div(notice(t("dcat_import_none", lang), "success"))
    rows = [html.Tr([html.Td(code), html.Td(field), html.Td(old or "—"), html.Td(new or "—")])
            for code, field, old, new in result.changes]
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in ("dcat_field_code", "dcat_what", "dcat_old", "dcat_new")]))
    return html.Div([notice(t("dcat_import_changes", lang).format(count=len(result.changes)), "success"),
                     html.Table([head, html.Tbody(rows)], className="data-table")])



FORM_FIELDS = (*NUMBER_FIELDS, "sensitivity", "headline", *TEXT_FIELDS, *TIMING_FIELDS)


# A threshold or target the indicator has none of shows a dash, not an empty cell.
NO_VALUE = {"function": "params.value == null ? '—' : String(params.value)"}


def column_defs(lang: str) -> list[dict]:
    """The grid's columns: the code pinned, every other column sharing the width (names and departments wrap
    rather than being cut). Widths are the 1920 layout's; ``assets/92-desk-grids.js`` scales them with the type."""
    wrapped = {"wrapText": True, "autoHeight": True}
    widths = {"code": 128, "name": 200, "theme": 96, "department": 150, "frequency": 72, "unit": 80,
              "direction": 110, "sensitivity": 90}
    return [{"field": f, "headerName": t(f"dcat_field_{f}", lang), "filter": True, "sortable": True,
             **({"width": widths[f], "pinned": "left"} if f == "code" else
                {"flex": 2 if f in ("name", "department") else 1, "minWidth": widths.get(f, 84)}),
             **(wrapped if f in ("name", "department", "direction") else {}),
             **({"type": "rightAligned", "valueFormatter": NO_VALUE} if f in (*THRESHOLDS, "target") else {})}
            for f in GRID_FIELDS]
