"""Data quality (数据质量), the operator's desk: is every indicator of the city on time and complete,
which departments deliver best (考核), what falls due this week, and where histories have gaps or outliers.

The filters (department, status) live in the URL (``/data/quality?city=xiamen&department=市统计局&status=late``),
so a view can be sent to a colleague. The rules are ``indicators.views.quality``'s; this page only shows them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, current_viewer, require
from indicators.catalog.entries import FREQUENCIES, department_en
from indicators.views.quality import (
    STATUSES,
    department_ranking,
    growth_mismatches,
    history_issues,
    indicator_quality,
    rank_departments,
    week_of,
)
from indicators.views.queries import indicators
from pages._export import table_bytes
from pages._format import format_period, format_value
from pages._grid import indicator_link, js, markdown_text
from pages._i18n import department_name, frequency_name, localized, register_strings, t
from pages._shell import current_settings, href, resolve
from pages._tabs import data_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice

dash.register_page(__name__, path="/data/quality", title="数据质量 · City Vitals", name="data_quality", order=6,
                   nav="nav_data", permission="data.view")

PATH = "/data/quality"
FILTERS = ("department", "status")
# The export buttons: their id → (what, file kind).
EXPORTS = {f"quality-export-{what}-{kind}": (what, kind) for what in ("ranking", "list") for kind in ("csv", "xlsx")}
WORST_FIRST = tuple(reversed(STATUSES))
# Rows of one indicator's history issues shown at most (the export of its page has them all).
ISSUES_SHOWN = 100
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What a phone hides of the list (the rest scrolls sideways inside the grid).
MOBILE_COLUMNS = {**{field: {"hide": True} for field in ("code", "department", "frequency", "areas", "gaps",
                                                           "next_due")},
                  "name": {"width": 150, "pinned": None, "wrapText": True, "autoHeight": True}}
MOBILE_MAX_WIDTH = 600

register_strings({
    "quality_title": ("数据质量", "Data quality"),
    "quality_note": ("按 {today} 判断;本周为 {monday} 至 {sunday}。",
                     "Judged on {today}; this week runs {monday} to {sunday}."),
    "quality_rules": (("准时:所有应报地区都已报送最新应报期;缺报:部分地区尚未报送;迟报:最新应报期无一地区报送;"
                       "从未报送:没有任何数据。"),
                      ("On time: every expected area has delivered the newest period due; incomplete: some areas "
                       "have not; late: none has; never loaded: no data at all.")),
    "quality_status": ("报送状态", "Status"),
    "quality_status_on_time": ("准时", "On time"),
    "quality_status_missing": ("缺报", "Incomplete"),
    "quality_status_late": ("迟报", "Late"),
    "quality_status_never_loaded": ("从未报送", "Never loaded"),
    "quality_all": ("全部", "All"),
    "quality_filters": ("筛选", "Filters"),
    "quality_summary": ("报送概况", "Delivery at a glance"),
    "quality_indicators": ("指标", "Indicators"),
    "quality_completeness": ("完整率", "Completeness"),
    "quality_due_week": ("本周应报", "Due this week"),
    "quality_ranking": ("部门考核排名", "Department ranking (考核)"),
    "quality_score_rule": (("得分 = 100 ×(准时指标数 + ½ × 缺报指标数)÷ 指标数;迟报和从未报送的指标不得分,"
                            "得分相同则名次并列。"),
                           ("Score = 100 × (on time + ½ × incomplete) ÷ indicators; late and never-loaded indicators "
                            "score nothing; equal scores share a rank.")),
    "quality_rank": ("名次", "Rank"),
    "quality_score": ("得分", "Score"),
    "quality_list": ("各部门指标报送情况", "Indicators by department"),
    "quality_shown": ("{shown} / {total} 项指标", "{shown} of {total} indicators"),
    "quality_no_rows": ("没有符合条件的指标", "No matching indicators"),
    "quality_outlier_rule": (("历史缺期:首期至最新期之间缺少的期数。异常值:最新值偏离前 11 期中位数超过 5 倍"
                              "中位数绝对偏差(MAD,至少取中位数的 2%)。"),
                             ("Gaps: periods missing between a series' first and newest period. Outlier: the newest "
                              "value is more than 5 median absolute deviations (MAD, at least 2 % of the median) from "
                              "the median of the 11 before it.")),
    "quality_head_code": ("代码", "Code"),
    "quality_head_name": ("指标名称", "Indicator"),
    "quality_head_frequency": ("频率", "Frequency"),
    "quality_head_last_period": ("最新数据期", "Latest period"),
    "quality_head_days_late": ("迟报天数", "Days late"),
    "quality_head_areas": ("已报/应报地区", "Areas delivered"),
    "quality_head_gaps": ("历史缺期", "Gaps"),
    "quality_head_outliers": ("异常值", "Outliers"),
    "quality_head_next_due": ("下次应报", "Next due"),
    "quality_head_due_this_week": ("本周应报", "Due this week"),
    "quality_outlier_mark": ("异常", "Outlier"),
    "quality_due_date": ("应报日期", "Due"),
    "quality_due_period": ("应报数据期", "Period due"),
    "quality_overdue": ("已逾期", "Overdue"),
    "quality_none_due": ("本周没有其他应报的指标。", "Nothing else falls due this week."),
    "quality_daily_due": ("另有 {n} 项日度指标每日报送。", "Plus {n} daily indicators, due every day."),
    "quality_export_ranking_csv": ("导出排名 CSV", "Ranking as CSV"),
    "quality_export_ranking_xlsx": ("导出排名 Excel", "Ranking as Excel"),
    "quality_export_list_csv": ("导出清单 CSV", "List as CSV"),
    "quality_export_list_xlsx": ("导出清单 Excel", "List as Excel"),
    "quality_issues": ("历史缺期与异常值", "Gaps and outliers in the history"),
    "quality_issues_pick": ("点击清单中的一行,查看该指标历史上的缺期与异常值。",
                            "Click a row of the list to see that indicator's gaps and outliers over its history."),
    "quality_issues_none": ("历史数据没有缺期,也未发现异常值。", "No gaps and no outliers in its history."),
    "quality_issues_count": ("共 {n} 处", "{n} found"),
    "quality_issues_more": ("仅显示最新的 {shown} 处。", "Only the newest {shown} are shown."),
    "quality_kind": ("类型", "Kind"),
    "quality_kind_gap": ("缺期", "Gap"),
    "quality_kind_outlier": ("异常值", "Outlier"),
    "quality_area": ("地区", "Area"),
    "quality_period": ("数据期", "Period"),
    "quality_value": ("数值", "Value"),
    "quality_median": ("前 11 期中位数", "Median of the 11 before"),
    "quality_open_indicator": ("查看指标详情 →", "Open the indicator →"),
    "quality_growth": ("增速与总量核对", "Growth rates against their levels"),
    "quality_growth_rule": (("公布的增速(可比价)与按总量计算的增速(现价)相差超过 {tolerance} 个百分点的数据期;"
                             "物价变动会带来小的差距,大的差距说明总量、增速或基期有误。"),
                            ("Periods where a published growth rate (comparable prices) and the growth its level "
                             "implies (current prices) differ by more than {tolerance} percentage points: prices "
                             "explain a small gap, a large one points to a wrong level, rate or base year.")),
    "quality_growth_none": ("公布的增速与总量一致。", "Published growth rates agree with their levels."),
    "quality_growth_indicator": ("增速指标", "Growth indicator"),
    "quality_growth_published": ("公布增速", "Published"),
    "quality_growth_implied": ("总量推算", "From levels"),
    "quality_growth_difference": ("相差(百分点)", "Gap (pp)"),
})


# ---- pure helpers: values in, strings, tables or components out ----------------------------------------------

def status_name(status: str, lang: str) -> str:
    """A status's display name."""
    return t(f"quality_status_{status}", lang)


def format_day(day: date | None, lang: str, *, year: bool = True) -> str:
    """A day for readers: "2025年7月1日" / "1 Jul 2025" ("7月1日" / "1 Jul" without the year); "—" for none."""
    if day is None or pd.isna(day):
        return "—"
    if lang == "zh":
        return f"{f'{day.year}年' if year else ''}{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]}{f' {day.year}' if year else ''}"


def percent(share: float) -> str:
    """A share (0–1) as a whole percentage; "—" when unknown."""
    return "—" if pd.isna(share) else f"{100 * share:.0f}%"


def parse_filters(query: Mapping[str, str | None], departments: set[str]) -> dict[str, str]:
    """The filters of a URL query or of the controls; unknown values are dropped.

    Args:
        query: ``department`` and ``status``; other keys are ignored.
        departments: the departments the viewer's indicators belong to.

    Returns:
        Only the filters that are set, in ``FILTERS`` order (so equal filters give equal URLs).
    """
    allowed = {"department": departments, "status": set(STATUSES)}
    return {name: query[name] for name in FILTERS if query.get(name) in allowed[name]}


def summary(assessed: pd.DataFrame, lang: str) -> html.Div:
    """Counts of the indicators by status, their completeness and what is due this week.

    Args:
        assessed: rows of ``quality.indicator_quality``.
        lang: "zh" or "en".
    """
    counts = assessed["status"].value_counts()
    areas = assessed["areas"].sum()
    figures = [("quality_indicators", str(len(assessed)), "total")]
    figures += [(f"quality_status_{status}", str(int(counts.get(status, 0))), status) for status in STATUSES]
    figures += [("quality_completeness", percent(assessed["areas_current"].sum() / areas if areas else float("nan")),
                 "completeness"),
                ("quality_due_week", str(int(assessed["due_this_week"].sum())), "due")]
    return html.Div([html.Div([html.Span(value, className="quality-figure-value"),
                               html.Span(t(key, lang), className="quality-figure-label")],
                              className=f"quality-figure quality-figure-{kind}", **{"data-kind": kind})
                     for key, value, kind in figures],
                    className="quality-figures", role="group", **{"aria-label": t("quality_summary", lang)})


RANKING_HEADS = ("quality_rank", "department", "quality_score", "quality_indicators", *(
    f"quality_status_{status}" for status in STATUSES), "quality_completeness")


def ranking_table(ranking: pd.DataFrame, *, city: str, lang: str, selected: str | None = None) -> html.Table:
    """The departments' ranking, best first; a department's name filters the page on it.

    Args:
        ranking: ``quality.department_ranking``.
        city: the city key, kept by the links.
        lang: "zh" or "en".
        selected: the department the page is filtered on, marked.
    """
    head = html.Thead(html.Tr([html.Th(t(key, lang), scope="col", className="num" if i != 1 else None)
                               for i, key in enumerate(RANKING_HEADS)]))
    rows = []
    for row in ranking.to_dict("records"):
        link = dcc.Link(department_name(row["department"], lang),
                        href=href(PATH, city, lang, department=row["department"]))
        cells = [html.Td(str(row["rank"]), className="num"), html.Td(link),
                 # The score's bar is the cell's background, drawn by CSS from --score.
                 html.Td(f"{row['score']:.0f}", className="num quality-score",
                         style={"--score": f"{row['score']:.0f}%"}),
                 *(html.Td(str(row[key]), className="num") for key in ("indicators", *STATUSES)),
                 html.Td(percent(row["completeness"]), className="num")]
        rows.append(html.Tr(cells, className="is-selected" if row["department"] == selected else None,
                            **{"data-department": row["department"]}))
    return html.Table([head, html.Tbody(rows)], className="data-table quality-ranking")


def ordered(assessed: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """The indicators grouped by department in ranking order, worst status first within each."""
    position = {name: i for i, name in enumerate(ranking["department"])}
    severity = {status: i for i, status in enumerate(WORST_FIRST)}
    keys = pd.DataFrame({"department": assessed["department"].map(position),
                         "status": assessed["status"].map(severity), "late": -assessed["days_late"],
                         "code": assessed["code"]})
    return assessed.loc[keys.sort_values(["department", "status", "late", "code"]).index].reset_index(drop=True)


def filtered(assessed: pd.DataFrame, filters: Mapping[str, str]) -> pd.DataFrame:
    """The indicators of the filtered department and status."""
    mask = pd.Series(True, index=assessed.index)
    for name in FILTERS:
        if filters.get(name):
            mask &= assessed[name] == filters[name]
    return assessed[mask].reset_index(drop=True)


def grid_rows(assessed: pd.DataFrame, lang: str) -> list[dict]:
    """The list's rowData: sortable values, and the texts their cells show.

    Args:
        assessed: rows of ``quality.indicator_quality`` in display order.
        lang: "zh" or "en".
    """
    last, due = assessed["last_period"].tolist(), assessed["next_due"].tolist()
    frequency = assessed["frequency"].tolist()
    completeness = (100 * assessed["completeness"]).round(1)
    columns = {
        "code": assessed["code"].tolist(),
        "name": [markdown_text(name) for name in localized(assessed, lang).tolist()],
        "department": assessed["department"].tolist(),
        "frequency": frequency,
        "status": assessed["status"].tolist(),
        "last_period": [None if p is None else p.isoformat() for p in last],
        "last_period_text": ["—" if p is None else format_period(p, f, lang) for p, f in zip(last, frequency)],
        "days_late": assessed["days_late"].tolist(),
        "completeness": [None if pd.isna(c) else c for c in completeness.tolist()],
        "areas": [f"{current}/{expected}" for current, expected in zip(assessed["areas_current"].tolist(),
                                                                       assessed["areas"].tolist())],
        "gaps": assessed["gaps"].tolist(),
        "outliers": assessed["outliers"].tolist(),
        "next_due": [None if d is None else d.isoformat() for d in due],
        "next_due_text": [format_day(d, lang) for d in due],
    }
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _labels(name: str, keys, lang: str) -> dict[str, str]:
    if name == "status":
        return {key: status_name(key, lang) for key in keys}
    if name == "department":
        return {key: department_en(key) for key in keys}
    return {key: frequency_name(key, lang) for key in keys}


def _column(field: str, lang: str, width: int, **options) -> dict:
    return {"field": field, "headerName": t(f"quality_head_{field}", lang), "minWidth": width, "flex": 1, **options}


def column_defs(*, city: str, lang: str, departments: list[str]) -> list[dict]:
    """The list's column definitions: code and name link to ``/indicator/<code>``, labels of keys come once as
    ``refData``, statuses and flags are cell classes, and periods and dates show the texts sent with the rows.

    Args:
        city: the city key, kept by the links.
        lang: "zh" or "en".
        departments: the departments whose English names the column needs (English only).
    """
    number = {"type": "rightAligned", "cellClass": "quality-number"}
    blank_zero = {"function": "params.value > 0 ? String(params.value) : ''"}
    outlier = {"function": f"params.value > 0 ? {js(t('quality_outlier_mark', lang))} + "
                           f"(params.value > 1 ? ' ×' + params.value : '') : ''"}
    return [
        {"field": "code", "headerName": t("quality_head_code", lang), "width": 120, "pinned": "left",
         "valueGetter": indicator_link("code", city, lang), "cellRenderer": "markdown", "cellClass": "quality-code"},
        {"field": "name", "headerName": t("quality_head_name", lang), "width": 220, "pinned": "left",
         "valueGetter": indicator_link("name", city, lang), "cellRenderer": "markdown", "cellClass": "quality-name"},
        {"field": "department", "headerName": t("department", lang), "minWidth": 130, "flex": 1.4,
         **({"refData": _labels("department", departments, lang)} if lang == "en" else {})},
        _column("frequency", lang, 112, refData=_labels("frequency", FREQUENCIES, lang)),
        {"field": "status", "headerName": t("quality_status", lang), "minWidth": 100, "flex": 1,
         "refData": _labels("status", STATUSES, lang), "cellClass": "quality-status",
         "cellClassRules": {f"status-{s}": f"params.value === {js(s)}" for s in STATUSES}},
        _column("last_period", lang, 110, valueFormatter={"function": "params.data.last_period_text"}),
        _column("days_late", lang, 90, valueFormatter=blank_zero, **number,
                cellClassRules={"quality-late": "params.value > 0"}),
        {"field": "completeness", "headerName": t("quality_completeness", lang), "minWidth": 116, "flex": 1,
         "valueFormatter": {"function": "params.value == null ? '—' : Math.round(params.value) + '%'"}, **number},
        _column("areas", lang, 100, **number),
        _column("gaps", lang, 80, valueFormatter=blank_zero, **number),
        _column("outliers", lang, 90, valueFormatter=outlier, cellClassRules={"quality-outlier": "params.value > 0"}),
        _column("next_due", lang, 110, valueFormatter={"function": "params.data.next_due_text"}),
    ]


def due_list(assessed: pd.DataFrame, *, today: date, city: str, lang: str) -> html.Div:
    """What falls due this week, soonest first; daily indicators, due every day, only as a count.

    Args:
        assessed: rows of ``quality.indicator_quality`` (already filtered).
        today: the day the page judges on; due dates before it are marked overdue.
        city: the city key, kept by the links.
        lang: "zh" or "en".
    """
    due = assessed[assessed["due_this_week"]]
    daily = int((due["frequency"] == "daily").sum())
    due = due[due["frequency"] != "daily"].sort_values(["next_due", "code"])
    parts = []
    if due.empty:
        parts.append(html.P(t("quality_none_due", lang), className="quality-hint"))
    else:
        heads = ("quality_due_date", "quality_head_name", "department", "quality_due_period")
        rows = []
        for row in due.to_dict("records"):
            name = localized(row, lang)
            period = format_period(row["next_period"], row["frequency"], lang)
            late = row["next_due"] < today
            when = [format_day(row["next_due"], lang, year=False),
                    html.Span(t("quality_overdue", lang), className="quality-overdue") if late else None]
            link = dcc.Link(name, href=href(f"/indicator/{row['code']}", city, lang))
            rows.append(html.Tr([html.Td(when), html.Td(link), html.Td(department_name(row["department"], lang)),
                                 html.Td(period)]))
        parts.append(html.Table([html.Thead(html.Tr([html.Th(t(key, lang), scope="col") for key in heads])),
                                 html.Tbody(rows)], className="data-table quality-due"))
    if daily:
        parts.append(html.P(t("quality_daily_due", lang).format(n=daily), className="quality-hint"))
    return html.Div(parts)


def issues_panel(code: str, name: str, frequency: str, issues: pd.DataFrame, *, city: str, lang: str) -> list:
    """One indicator's gaps and outliers over its history, newest first.

    Args:
        code: the indicator.
        name: its name in ``lang``.
        frequency: its frequency, to write the periods.
        issues: ``quality.history_issues`` of the indicator in the city.
        city: the city key, kept by the link.
        lang: "zh" or "en".
    """
    title = html.H3([html.Span(code, className="quality-code"), " ", name], className="quality-issues-title")
    link = dcc.Link(t("quality_open_indicator", lang), href=href(f"/indicator/{code}", city, lang),
                    className="quality-indicator-link")
    if issues.empty:
        return [title, html.P(t("quality_issues_none", lang), className="quality-hint"), link]
    count = t("quality_issues_count", lang).format(n=len(issues))
    if len(issues) > ISSUES_SHOWN:
        count += " · " + t("quality_issues_more", lang).format(shown=ISSUES_SHOWN)
    heads = ("quality_period", "quality_area", "quality_kind", "quality_value", "quality_median")
    rows = []
    for row in issues.head(ISSUES_SHOWN).to_dict("records"):
        cells = [format_period(row["period"], frequency, lang), localized(row, lang),
                 html.Span(t(f"quality_kind_{row['kind']}", lang), className=f"quality-kind kind-{row['kind']}"),
                 format_value(row["value"], lang), format_value(row["median"], lang)]
        rows.append(html.Tr([html.Td(cell, className="num" if i >= 3 else None) for i, cell in enumerate(cells)]))
    table = html.Table([html.Thead(html.Tr([html.Th(t(key, lang), scope="col", className="num" if i >= 3 else None)
                                            for i, key in enumerate(heads)])), html.Tbody(rows)],
                       className="data-table quality-issues")
    return [title, html.P(count, className="quality-hint"), table, link]


def growth_panel(mismatches: pd.DataFrame, names: Mapping[str, str], frequencies: Mapping[str, str], *,
                 tolerance: float, city: str, lang: str) -> list:
    """The periods whose published growth rate and level-implied growth disagree, newest first.

    Args:
        mismatches: ``quality.growth_mismatches`` of the city.
        names: indicator code → name in ``lang``.
        frequencies: indicator code → frequency, to write the periods.
        tolerance: the gap allowed, in percentage points (said in the rule line).
        city: the city key, kept by the links.
        lang: "zh" or "en".
    """
    rule = html.P(t("quality_growth_rule", lang).format(tolerance=f"{tolerance:g}"), className="quality-hint")
    if mismatches.empty:
        return [rule, html.P(t("quality_growth_none", lang), className="quality-hint")]
    heads = ("quality_growth_indicator", "quality_area", "quality_period", "quality_growth_published",
             "quality_growth_implied", "quality_growth_difference")
    rows = []
    for row in mismatches.head(ISSUES_SHOWN).to_dict("records"):
        link = dcc.Link(names.get(row["code"], row["code"]), href=href(f"/indicator/{row['code']}", city, lang))
        cells = [link, localized(row, lang),
                 format_period(row["period"], frequencies[row["code"]], lang, cumulative=True),
                 format_value(row["published"], lang), format_value(row["implied"], lang),
                 f"{row['difference']:+.1f}"]
        rows.append(html.Tr([html.Td(cell, className="num" if i >= 3 else None) for i, cell in enumerate(cells)]))
    count = t("quality_issues_count", lang).format(n=len(mismatches))
    if len(mismatches) > ISSUES_SHOWN:
        count += " · " + t("quality_issues_more", lang).format(shown=ISSUES_SHOWN)
    table = html.Table([html.Thead(html.Tr([html.Th(t(key, lang), scope="col", className="num" if i >= 3 else None)
                                            for i, key in enumerate(heads)])), html.Tbody(rows)],
                       className="data-table quality-issues")
    return [rule, html.P(count, className="quality-hint"), table]


def ranking_export(ranking: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranking as the exported file shows it: headers in ``lang``, numbers as numbers."""
    return pd.DataFrame({
        t("quality_rank", lang): ranking["rank"],
        t("department", lang): [department_name(name, lang) for name in ranking["department"]],
        t("quality_score", lang): ranking["score"].round(1),
        t("quality_indicators", lang): ranking["indicators"],
        **{status_name(status, lang): ranking[status] for status in STATUSES},
        f"{t('quality_completeness', lang)} (%)": (100 * ranking["completeness"]).round(1),
        t("quality_head_gaps", lang): ranking["gaps"],
        t("quality_head_outliers", lang): ranking["outliers"],
    })


def list_export(assessed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The indicator list as the exported file shows it: one column per grid column, and whether it is due
    this week."""
    def head(field: str) -> str:
        return t(f"quality_head_{field}", lang)

    return pd.DataFrame({
        head("code"): assessed["code"],
        head("name"): localized(assessed, lang),
        t("department", lang): [department_name(name, lang) for name in assessed["department"]],
        head("frequency"): [frequency_name(f, lang) for f in assessed["frequency"]],
        t("quality_status", lang): [status_name(s, lang) for s in assessed["status"]],
        head("last_period"): ["" if p is None else format_period(p, f, lang)
                              for p, f in zip(assessed["last_period"], assessed["frequency"])],
        head("days_late"): assessed["days_late"],
        f"{t('quality_completeness', lang)} (%)": (100 * assessed["completeness"]).round(1),
        head("areas"): [f"{c}/{n}" for c, n in zip(assessed["areas_current"], assessed["areas"])],
        head("gaps"): assessed["gaps"],
        head("outliers"): assessed["outliers"],
        head("next_due"): [d.isoformat() if d is not None else "" for d in assessed["next_due"]],
        head("due_this_week"): [t("yes" if due else "no", lang) for due in assessed["due_this_week"]],
    })


# ---- what the callbacks call -----------------------------------------------------------------------------------

def listed_indicators(city: str, filters: Mapping[str, str], today: date) -> tuple:
    """The city's assessment on ``today``, its department ranking, the filters it knows (unknown values
    dropped) and the list they select, in the ranking's order."""
    assessed = indicator_quality(city, today)
    ranking = rank_departments(assessed)
    filters = parse_filters(filters, set(ranking["department"]))
    return assessed, ranking, filters, filtered(ordered(assessed, ranking), filters)


def build_quality(city: str, lang: str, filters: Mapping[str, str], today: date | None = None) -> dict:
    """Everything the page shows for a city and its filters (cached reads, no I/O of its own).

    Args:
        city: the city key.
        lang: "zh" or "en".
        filters: ``department`` and ``status`` (unknown values are dropped).
        today: the day judged on (today by default).

    Returns:
        ``note``, ``summary`` and ``due`` (of the filtered department), ``ranking`` (every department),
        ``rows`` and ``count`` (the list, filtered by department and status).

    Raises:
        AccessDenied: the viewer may not use the data desk, or the city is outside their scope.
    """
    today = today or date.today()
    assessed, ranking, filters, listed = listed_indicators(city, filters, today)
    department = filtered(assessed, {"department": filters.get("department")})
    monday, sunday = week_of(today)
    note = t("quality_note", lang).format(today=format_day(today, lang), monday=format_day(monday, lang, year=False),
                                          sunday=format_day(sunday, lang, year=False))
    tolerance = current_settings().growth_tolerance
    catalog = indicators().set_index("code")
    growth = growth_panel(growth_mismatches(city, tolerance), catalog[f"name_{lang}"].to_dict(),
                          catalog["frequency"].to_dict(), tolerance=tolerance, city=city, lang=lang)
    return {"note": note, "summary": summary(department, lang),
            "ranking": ranking_table(ranking, city=city, lang=lang, selected=filters.get("department")),
            "rows": grid_rows(listed, lang),
            "count": t("quality_shown", lang).format(shown=len(listed), total=len(assessed)),
            "due": due_list(department, today=today, city=city, lang=lang), "growth": growth}


def export_file(city: str, lang: str, what: str, kind: str, filters: Mapping[str, str]) -> dict:
    """The ranking or the filtered list as a download, recorded in the audit log.

    Args:
        city: the city key.
        lang: "zh" or "en".
        what: ``ranking`` or ``list``.
        kind: ``csv`` or ``xlsx``.
        filters: the list's ``department`` and ``status`` (unknown values are dropped).

    Returns:
        The ``dcc.Download`` data.

    Raises:
        AccessDenied: the viewer may not export or may not use the data desk.
    """
    require("data.export")
    if what == "ranking":
        table = ranking_export(department_ranking(city), lang)
    else:
        table = list_export(listed_indicators(city, filters, date.today())[-1], lang)
    audit.record("export", target=f"data-quality-{what}:{city}",
                 detail={"format": kind, "rows": len(table), "filters": dict(filters)})
    data = table_bytes(table, kind, sheet=t("quality_title", lang))
    return dcc.send_bytes(data, f"city-vitals-quality-{what}-{city}-{date.today():%Y%m%d}.{kind}")


# ---- layout and callbacks ------------------------------------------------------------------------------------

def _departments() -> list[str]:
    return sorted(set(indicators()["department"]))


def _filter(name: str, label: str, options: list[dict], value: str | None, lang: str) -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=f"quality-{name}", className="quality-label"),
        dropdown(lang, id=f"quality-{name}", options=options, value=value, placeholder=t("quality_all", lang),
                 searchable=name == "department", className="quality-dropdown")
    ], className="quality-field")


def _export_button(button_id: str, lang: str) -> html.Button:
    what, kind = EXPORTS[button_id]
    return html.Button(t(f"quality_export_{what}_{kind}", lang), id=button_id, type="button",
                       className="quality-button")


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The data-quality page with the URL's filters; a viewer without ``data.view`` gets the not-permitted
    notice only. The figures are filled by ``fill_quality``."""
    city, lang = resolve(city, lang)
    title = html.H1(t("quality_title", lang), className="page-title")
    if not current_viewer().may("data.view"):
        return html.Div([title, failure_notice(AccessDenied("data.view"), lang)], className="quality-page")
    try:
        departments = _departments()
    except PAGE_FAILURES:
        departments = []  # the callback shows the notice
    filters = parse_filters(query, set(departments))
    department_options = [{"label": department_name(name, lang), "value": name} for name in departments]
    status_options = [{"label": status_name(status, lang), "value": status} for status in STATUSES]
    return html.Div([
        dcc.Location(id="quality-url", refresh=False),
        dcc.Store(id="quality-args", data={"city": city, "lang": lang}),
        dcc.Download(id="quality-download"),
        title,
        data_tabs(PATH, city, lang),
        html.P(id="quality-note", className="quality-hint"),
        html.P(t("quality_rules", lang), className="quality-hint"),
        html.Div([
            _filter("department", t("department", lang), department_options, filters.get("department"), lang),
            _filter("status", t("quality_status", lang), status_options, filters.get("status"), lang),
            html.Div([_export_button(button_id, lang) for button_id in EXPORTS], className="quality-exports"),
        ], className="quality-toolbar", role="search", **{"aria-label": t("quality_filters", lang)}),
        html.Div(id="quality-notice"),
        html.Div(id="quality-summary"),
        html.Div([
            html.Section([html.H2(t("quality_ranking", lang), className="quality-section-title"),
                          html.P(t("quality_score_rule", lang), className="quality-hint"),
                          html.Div(id="quality-ranking", className="quality-scroll", tabIndex="0", role="region",
                                   **{"aria-label": t("quality_ranking", lang)})],
                         className="card quality-card quality-ranking-card"),
            html.Section([html.H2(t("quality_due_week", lang), className="quality-section-title"),
                          html.Div(id="quality-due", className="quality-scroll")],
                         className="card quality-card quality-due-card"),
        ], className="quality-columns"),
        html.Section([
            html.Div([html.H2(t("quality_list", lang), className="quality-section-title"),
                      html.Span(id="quality-count", className="quality-count", role="status")],
                     className="quality-list-head"),
            html.P(t("quality_outlier_rule", lang), className="quality-hint"),
            html.Div([
                dag.AgGrid(id="quality-grid", columnDefs=column_defs(city=city, lang=lang, departments=departments),
                           rowData=[], getRowId="params.data.code", className="quality-grid",
                           style={"height": "var(--quality-grid-height)", "width": "100%"},
                           defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                                          "wrapHeaderText": True, "autoHeaderHeight": True},
                           dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                            "localeText": {"noRowsToShow": t("quality_no_rows", lang)}}),
                html.Aside([html.H3(t("quality_issues", lang), className="quality-section-title"),
                            html.Div(html.P(t("quality_issues_pick", lang), className="quality-hint"),
                                     id="quality-issues")],
                           className="quality-issues-pane", **{"aria-live": "polite"}),
            ], className="quality-list-body"),
        ], className="card quality-card quality-list"),
        html.Section([html.H2(t("quality_growth", lang), className="quality-section-title"),
                      html.Div(id="quality-growth", className="quality-scroll")],
                     className="card quality-card quality-growth-card"),
    ], className="quality-page")


@callback(output={"note": Output("quality-note", "children"), "summary": Output("quality-summary", "children"),
                  "ranking": Output("quality-ranking", "children"), "rows": Output("quality-grid", "rowData"),
                  "count": Output("quality-count", "children"), "due": Output("quality-due", "children"),
                  "growth": Output("quality-growth", "children"),
                  "search": Output("quality-url", "search"), "notice": Output("quality-notice", "children")},
          inputs={"filters": {name: Input(f"quality-{name}", "value") for name in FILTERS}},
          state={"args": State("quality-args", "data")})
def fill_quality(filters: dict, args: dict) -> dict:
    """Show the city's data quality for the filters and keep the URL in step with them."""
    city, lang = args["city"], args["lang"]
    state = {name: value for name, value in filters.items() if value}
    # The first call shows the URL as it came: rewriting it would add a history entry that Back returns to.
    search = dash.no_update if ctx.triggered_id is None else href("", city, lang, **state)
    try:
        return {**build_quality(city, lang, state), "search": search, "notice": None}
    except PAGE_FAILURES as exc:
        return {"note": "", "summary": None, "ranking": None, "rows": [], "count": "", "due": None, "growth": None,
                "search": search, "notice": failure_notice(exc, lang)}


@callback(Output("quality-issues", "children"), Input("quality-grid", "cellClicked"), State("quality-args", "data"),
          prevent_initial_call=True)
def show_issues(cell: dict | None, args: dict) -> list:
    """Show the gaps and outliers in the history of the indicator whose row was clicked."""
    lang = args["lang"]
    code = (cell or {}).get("rowId")
    if not code:
        return dash.no_update
    try:
        issues = history_issues(code, args["city"])
        meta = indicators().set_index("code").loc[code]
        return issues_panel(code, localized(meta, lang), meta["frequency"], issues,
                            city=args["city"], lang=lang)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)]




@callback(output={"file": Output("quality-download", "data"),
                  "notice": Output("quality-notice", "children", allow_duplicate=True)},
          inputs={"clicks": {key: Input(key, "n_clicks") for key in EXPORTS}},
          state={"filters": {name: State(f"quality-{name}", "value") for name in FILTERS},
                 "args": State("quality-args", "data")},
          prevent_initial_call=True)
def export_quality(clicks: dict, filters: dict, args: dict) -> dict:
    """Send the ranking or the filtered list as a CSV or Excel file."""
    if ctx.triggered_id not in EXPORTS:
        return {"file": dash.no_update, "notice": dash.no_update}
    what, kind = EXPORTS[ctx.triggered_id]
    state = {name: value for name, value in filters.items() if value}
    try:
        return {"file": export_file(args["city"], args["lang"], what, kind, state), "notice": None}
    except PAGE_FAILURES as exc:
        return {"file": dash.no_update, "notice": failure_notice(exc, args["lang"])}


# Phones hide the low-value columns; only the browser knows the screen width, so this runs there.
clientside_callback(
    f"""function (args, defs) {{
        if (!defs || window.innerWidth > {MOBILE_MAX_WIDTH}) {{ return window.dash_clientside.no_update; }}
        var changes = {json.dumps(MOBILE_COLUMNS)};
        return defs.map(function (d) {{ return Object.assign({{}}, d, changes[d.field] || {{}}); }});
    }}""",
    Output("quality-grid", "columnDefs"), Input("quality-args", "data"), State("quality-grid", "columnDefs"),
)
