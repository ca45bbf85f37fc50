"""The data-quality page's pieces (``pages/data_quality.py``): its strings, and pure builders from the view's
frames to the figures, the ranking table, the grid's rows and columns, the week's due list, the history and
growth panels, and the exported tables. Values in, strings, tables or components out: no store, no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
from dash import dcc, html

from indicators.catalog.entries import FREQUENCIES
from indicators.views.data_quality import QualityView
from indicators.views.quality import STATUSES, week_of
from pages._format import format_period, format_value
from pages._grid import indicator_link, indicator_page_link, js, markdown_text, phone_list
from pages._i18n import department_name, frequency_name, localized, register_strings, t
from pages._shell import href

PATH = "/data/quality"
# The export buttons: their id → (what, file kind).
EXPORTS = {f"quality-export-{what}-{kind}": (what, kind) for what in ("ranking", "list") for kind in ("csv", "xlsx")}
# Rows of one indicator's history issues shown at most (the export of its page has them all).
ISSUES_SHOWN = 100
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What a phone hides of the list (the rest scrolls sideways inside the grid).
MOBILE_COLUMNS = {**{field: {"hide": True} for field in ("code", "department", "frequency", "areas", "gaps",
                                                           "next_due")},
                  "name": {"width": 150, "pinned": None, "wrapText": True, "autoHeight": True}}

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
    "quality_score_rule": (("得分 = 100 ×(准时指标数 + ½ × 缺报指标数)÷ 指标数;迟报和从未报送的指标不得分。"
                            "得分相同时依次比较完整率(高者在前)、历史缺期和异常值(少者在前)、准时指标数(多者在前),全部相同才并列。"),
                           ("Score = 100 × (on time + ½ × incomplete) ÷ indicators; late and never-loaded indicators "
                            "score nothing. Equal scores are ranked by completeness (higher first), then gaps and "
                            "outliers (fewer first), then indicators on time (more first); only departments equal on all of "
                            "them share a rank.")),
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
    "quality_issues_tap": ("缺期与异常", "Gaps and outliers"),
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
    f"quality_status_{status}" for status in STATUSES), "quality_completeness", "quality_head_gaps",
    "quality_head_outliers")  # gaps and outliers break equal scores: shown, so a rank can be checked


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
                 html.Td(percent(row["completeness"]), className="num"),
                 *(html.Td(str(row[key]), className="num") for key in ("gaps", "outliers"))]
        rows.append(html.Tr(cells, className="is-selected" if row["department"] == selected else None,
                            **{"data-department": row["department"]}))
    return html.Table([head, html.Tbody(rows)], className="data-table quality-ranking")


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
        "name_text": localized(assessed, lang).tolist(),
        "department": assessed["department"].tolist(),
        "department_text": [department_name(name, lang) for name in assessed["department"].tolist()],
        "frequency": frequency,
        "status": assessed["status"].tolist(),
        "last_period": [None if p is None else p.isoformat() for p in last],
        "last_period_text": ["—" if p is None else format_period(p, f, lang) for p, f in zip(last, frequency)],
        "days_late": assessed["days_late"].tolist(),
        "completeness": [None if pd.isna(c) else c for c in completeness.tolist()],
        "completeness_text": ["—" if pd.isna(c) else f"{round(c)}%" for c in completeness.tolist()],
        "areas": [f"{current}/{expected}" for current, expected in zip(assessed["areas_current"].tolist(),
                                                                       assessed["areas"].tolist())],
        "gaps": assessed["gaps"].tolist(),
        "outliers": assessed["outliers"].tolist(),
        "next_due": [None if d is None else d.isoformat() for d in due],
        "next_due_text": [format_day(d, lang) for d in due],
    }
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def phone_rows(city: str, lang: str) -> dict:
    """How a phone lists the rows (``pages._grid.phone_list``): the name links to the indicator, a tap on
    "gaps and outliers" opens its history as a click on the PC's row does."""
    texts = {"name": "name_text", "department": "department_text", "last_period": "last_period_text",
             "completeness": "completeness_text", "next_due": "next_due_text"}
    return phone_list(row_id="code", lang=lang, texts=texts, link=indicator_page_link(city, lang), pick="cellClicked",
                      pick_label=t("quality_issues_tap", lang), reveal="#quality-issues")


def _labels(name: str, keys, lang: str) -> dict[str, str]:
    if name == "status":
        return {key: status_name(key, lang) for key in keys}
    return {key: frequency_name(key, lang) for key in keys}


def _column(field: str, lang: str, width: int, **options) -> dict:
    return {"field": field, "headerName": t(f"quality_head_{field}", lang), "minWidth": width, "flex": 1, **options}


def column_defs(*, city: str, lang: str) -> list[dict]:
    """The list's column definitions: code and name link to ``/indicator/<code>``, labels of keys come once as
    ``refData``, statuses and flags are cell classes, and departments, periods and dates show the texts sent
    with the rows. Widths are the 1920 layout's (``assets/92-desk-grids.js`` scales them with the type on a
    video wall); names, departments and periods wrap rather than being cut, and every count shows its 0.

    Args:
        city: the city key, kept by the links.
        lang: "zh" or "en".
    """
    # The type's right-aligned cell class is replaced by an explicit cellClass, so it is named again.
    number = {"type": "rightAligned", "cellClass": ["quality-number", "ag-right-aligned-cell"]}
    wrapped = {"wrapText": True, "autoHeight": True}
    outlier = {"function": f"params.value > 0 ? {js(t('quality_outlier_mark', lang))} + "
                           f"(params.value > 1 ? ' ×' + params.value : '') : '0'"}
    return [
        {"field": "code", "headerName": t("quality_head_code", lang), "width": 128, "pinned": "left",
         "valueGetter": indicator_link("code", city, lang), "cellRenderer": "markdown", "cellClass": "quality-code"},
        {"field": "name", "headerName": t("quality_head_name", lang), "width": 220, "pinned": "left",
         "valueGetter": indicator_link("name", city, lang), "cellRenderer": "markdown", "cellClass": "quality-name",
         **wrapped},
        {"field": "department", "headerName": t("department", lang), "minWidth": 150, "flex": 1.6,
         "valueFormatter": {"function": "params.data.department_text"}, "tooltipField": "department_text",
         **wrapped},
        _column("frequency", lang, 112, refData=_labels("frequency", FREQUENCIES, lang)),
        {"field": "status", "headerName": t("quality_status", lang), "minWidth": 108, "flex": 1,
         "refData": _labels("status", STATUSES, lang), "cellClass": "quality-status",
         "cellClassRules": {f"status-{s}": f"params.value === {js(s)}" for s in STATUSES}},
        _column("last_period", lang, 120, valueFormatter={"function": "params.data.last_period_text"}, **wrapped),
        _column("days_late", lang, 80, **number, cellClassRules={"quality-late": "params.value > 0"}),
        {"field": "completeness", "headerName": t("quality_completeness", lang), "minWidth": 132, "flex": 1,
         "valueFormatter": {"function": "params.value == null ? '—' : Math.round(params.value) + '%'"}, **number},
        _column("areas", lang, 90, **number),
        _column("gaps", lang, 72, **number),
        _column("outliers", lang, 108, valueFormatter=outlier, cellClassRules={"quality-outlier": "params.value > 0"}),
        _column("next_due", lang, 120, valueFormatter={"function": "params.data.next_due_text"}, **wrapped),
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




# ---- the callbacks' answers --------------------------------------------------------------------------------------

def quality_answer(view: QualityView, lang: str) -> dict:
    """Everything the page fills from the view.

    Returns:
        ``note``, ``summary`` and ``due`` (of the filtered department), ``ranking`` (every department),
        ``rows`` and ``count`` (the list, filtered by department and status), ``growth`` and ``departments``
        (the department filter's choices).
    """
    monday, sunday = week_of(view.today)
    note = t("quality_note", lang).format(today=format_day(view.today, lang),
                                          monday=format_day(monday, lang, year=False),
                                          sunday=format_day(sunday, lang, year=False))
    names = view.names_en if lang == "en" else view.names_zh
    return {"note": note, "summary": summary(view.department, lang),
            "ranking": ranking_table(view.ranking, city=view.city, lang=lang, selected=view.filters.get("department")),
            "rows": grid_rows(view.listed, lang),
            "count": t("quality_shown", lang).format(shown=len(view.listed), total=len(view.assessed)),
            "due": due_list(view.department, today=view.today, city=view.city, lang=lang),
            "growth": growth_panel(view.growth, names, view.frequencies, tolerance=view.tolerance, city=view.city,
                                   lang=lang),
            "departments": department_options(view.departments, lang)}


def department_options(departments: list[str], lang: str) -> list[dict]:
    """The department filter's choices."""
    return [{"label": department_name(name, lang), "value": name} for name in departments]


def status_options(lang: str) -> list[dict]:
    """The status filter's choices, best first."""
    return [{"label": status_name(status, lang), "value": status} for status in STATUSES]


def export_table(rows: pd.DataFrame, what: str, lang: str) -> pd.DataFrame:
    """A download's table: the ranking's or the list's."""
    return ranking_export(rows, lang) if what == "ranking" else list_export(rows, lang)


def export_name(city: str, what: str, kind: str, today: date) -> str:
    """A download's file name."""
    return f"city-vitals-quality-{what}-{city}-{today:%Y%m%d}.{kind}"
