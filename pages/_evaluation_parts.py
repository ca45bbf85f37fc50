"""Pure builders of /evaluation: the period choices, the ranking table, the trend figure and the export table."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
from dash import html

from pages import _admin_notify_parts  # noqa: F401 (registers the notify_col_* column names shared with it)
from pages._i18n import department_name, register_strings, t
from pages._tokens import TOKENS

register_strings({
    "evaluation_title": ("预警处置考核", "Alert handling evaluation"),
    "evaluation_period": ("考核期", "Period"),
    "evaluation_last_30": ("近30天", "Last 30 days"),
    "evaluation_year": ("{y}年全年", "Year {y}"),
    "evaluation_export": ("导出 Excel", "Export Excel"),
    "evaluation_empty": ("该时段没有派给部门的预警。", "No alerts were routed to departments in this period."),
    "evaluation_trend": ("按月按时处置率", "Share handled on time, by month"),
    "evaluation_trend_weekly": ("按周按时处置率(周一起)", "Share handled on time, by week (from Monday)"),
    "evaluation_note": ("按时处置率 =(按时签收 + 按时办结)÷(2 × 收到预警数)。",
                        "On time = (acknowledged on time + resolved on time) ÷ (2 × alerts received)."),
    "evaluation_ranking": ("部门处置排名", "Department ranking (考核)"),
    "evaluation_rank_rule": (("按时处置率相同时依次比较超时数、重新触发数(少者在前)、办结和签收用时中位数(短者在前)、"
                              "收到预警数(多者在前),全部相同才并列。"),
                             ("Equal shares on time are ranked by overdue, then reopened alerts (fewer first), then the "
                              "median times to resolve and to acknowledge (shorter first), then alerts received (more "
                              "first); only departments equal on all of them share a rank.")),
    "notify_col_rank": ("排名", "Rank"),
    "notify_col_received": ("收到预警", "Received"),
    "notify_col_acknowledged_on_time": ("按时签收", "Acknowledged on time"),
    "notify_col_resolved_on_time": ("按时办结", "Resolved on time"),
    "notify_col_overdue": ("超时", "Overdue"),
    "notify_col_reopened": ("重新触发", "Reopened"),
    "notify_col_median_ack_minutes": ("签收用时中位数(分钟)", "Median minutes to acknowledge"),
    "notify_col_median_resolve_hours": ("办结用时中位数(小时)", "Median hours to resolve"),
    "notify_col_on_time_rate": ("按时处置率 %", "On time %"),
})

COLUMNS = ("rank", "department", "received", "acknowledged_on_time", "resolved_on_time", "overdue", "reopened",
           "median_ack_minutes", "median_resolve_hours", "on_time_rate")


def period_options(today: date, lang: str) -> list[dict]:
    """The last 30 days, each of the last twelve months, this year and last year."""
    options = [{"label": t("evaluation_last_30", lang), "value": "30d"}]
    month = today.replace(day=1)
    for _ in range(12):
        options.append({"label": f"{month:%Y-%m}", "value": f"{month:%Y-%m}"})
        month = (month - timedelta(days=1)).replace(day=1)
    for year in (today.year, today.year - 1):
        options.append({"label": t("evaluation_year", lang).format(y=year), "value": str(year)})
    return options


def period_of(value: str | None, today: date) -> tuple[date, date]:
    """A period choice as (first day, last day); anything unknown is the last 30 days."""
    text = str(value or "")
    if len(text) == 4 and text.isdigit():
        return date(int(text), 1, 1), date(int(text), 12, 31)
    if len(text) == 7 and text[:4].isdigit() and text[4] == "-" and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        first = date(int(text[:4]), int(text[5:]), 1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return today - timedelta(days=29), today


def _cell(value) -> str:
    return "—" if value is None or pd.isna(value) else (f"{value:g}" if isinstance(value, float) else str(value))


def shown_columns(ranking: pd.DataFrame) -> list[str]:
    """The ranking's columns that hold data: every count, and the medians some department has."""
    return [c for c in COLUMNS if not (c.startswith("median_") and ranking[c].isna().all())]


def ranking_table(ranking: pd.DataFrame, lang: str) -> html.Table:
    """The departments best first, drawn as the data-quality ranking is (``data-table quality-ranking``): numbers
    right-aligned, the share on time with its bar, department names whole (they wrap, never cut). A median no
    department has yet (nothing acknowledged or resolved in the period) is not shown rather than an empty column."""
    shown = shown_columns(ranking)
    head = html.Thead(html.Tr([html.Th(t(f"notify_col_{c}", lang), scope="col",
                                       className=None if c == "department" else "num") for c in shown]))
    rows = []
    for r in ranking.to_dict("records"):
        cells = []
        for c in shown:
            if c == "department":
                cells.append(html.Td(department_name(r[c], lang), className="evaluation-department"))
            elif c == "on_time_rate":
                # The bar is the cell's background, drawn by CSS from --score (as the data-quality score).
                cells.append(html.Td(_cell(r[c]), className="num quality-score",
                                     style={"--score": f"{0 if pd.isna(r[c]) else r[c]:.0f}%"}))
            else:
                cells.append(html.Td(_cell(r[c]), className="num"))
        rows.append(html.Tr(cells, **{"data-department": r["department"]}))
    return html.Table([head, html.Tbody(rows)], className="data-table quality-ranking evaluation-ranking")


def export_table(ranking: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranking with headers in ``lang``, as the XLSX has it."""
    frame = ranking[list(COLUMNS)].copy()
    frame["department"] = [department_name(d, lang) for d in frame["department"]]
    return frame.rename(columns={c: t(f"notify_col_{c}", lang) for c in COLUMNS})


# The departments' lines in the design palette (assets/00-variables.css), not Plotly's defaults.
SERIES = tuple(TOKENS[name] for name in ("--accent", "--theme-market", "--theme-public_service", "--theme-governance",
                                         "--theme-environment", "--late", "--level-red", "--flat"))


def trend_figure(trend: pd.DataFrame, lang: str, order: list[str] | None = None, *, by: str = "month") -> go.Figure:
    """One line per department, in ranking order (``order``) and the design palette: its share handled on time,
    month by month (``by="week"``: week by week, each week named by its Monday), with the alerts it received in
    the hover."""
    figure = go.Figure()
    departments = [d for d in (order or []) if d in set(trend["department"])]
    departments += sorted(set(trend["department"]) - set(departments))
    received = t("notify_col_received", lang)
    for i, department in enumerate(departments):
        part = trend[trend["department"] == department].sort_values(by)
        name = department_name(department, lang)
        figure.add_scatter(x=part[by], y=part["on_time_rate"], mode="lines+markers", name=name,
                           line={"color": SERIES[i % len(SERIES)], "width": 2}, marker={"size": 7},
                           customdata=part["received"],
                           hovertemplate=f"{name}<br>%{{x}}: %{{y:.1f}}%<br>{received}: %{{customdata}}<extra></extra>")
    figure.update_layout(margin={"l": 48, "r": 16, "t": 16, "b": 40}, height=360,
                         font={"family": "Noto Sans CJK SC, Microsoft YaHei, Arial, sans-serif", "size": 13,
                               "color": TOKENS["--text-muted"]},
                         yaxis={"range": [0, 105], "ticksuffix": "%", "gridcolor": TOKENS["--border"]},
                         xaxis={"type": "category", "gridcolor": TOKENS["--border"]},
                         legend={"orientation": "h", "y": -0.2, "x": 0},
                         paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")
    return figure
