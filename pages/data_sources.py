"""SQL sources (SQL 数据源): read-only queries against departments' databases that return indicator, area,
period and value, run on a schedule by ``manage.py scheduler`` and loaded through the same validation and
audit as files. Operators register them, test them (a dry run that writes nothing), run them now, pause
and resume them.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from geo.cities import load_cities
from indicators.accounts.access import AccessDenied, current_viewer
from indicators.ingest.sql_sources import (
    MIN_MINUTES,
    SqlSourceError,
    add_source,
    run_source,
    set_active,
    sources,
)
from indicators.store.db import StoreUnavailable
from pages._i18n import register_strings, t
from pages._reports import error_table, in_language
from pages._shell import href, resolve
from pages._tabs import data_tabs
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice, notice, refused_page

dash.register_page(__name__, path="/data/sources", title="SQL 数据源 · City Vitals", name="data_sources")

EXAMPLE = ("SELECT indicator_code AS indicator, district AS area, month AS period, amount AS value\n"
           "FROM monthly_report WHERE month >= DATE '2024-01-01'")
register_strings({
    "src_title": ("SQL 数据源", "SQL sources"),
    "src_intro": ("只读查询,须返回 indicator、area、period、value 四列;按设定间隔由调度进程运行,"
                  "每次结果与上传文件一样逐行校验后整体导入或整体拒绝。请使用只读数据库账号。",
                  "Read-only queries returning the columns indicator, area, period and value; the scheduler runs "
                  "them at their interval and each run is checked row by row like an uploaded file, then loaded "
                  "whole or refused whole. Use a database account that can only read."),
    "src_none": ("尚未登记数据源。", "No sources yet."),
    "src_name": ("名称", "Name"), "src_url": ("数据库地址 (SQLAlchemy URL)", "Database (SQLAlchemy URL)"),
    "src_city": ("城市", "City"), "src_every": ("间隔(分钟)", "Every (minutes)"), "src_query": ("查询", "Query"),
    "src_last": ("上次运行", "Last run"), "src_status": ("结果", "Result"), "src_active": ("启用", "Active"),
    "src_status_ok": ("成功", "loaded"), "src_status_failed": ("失败", "failed"), "src_status_": ("未运行", "not run"),
    "src_add": ("登记数据源", "Register a source"),
    "src_added": ("已登记数据源 {name}。", "Source {name} registered."),
    "src_test": ("试运行(不写入)", "Test (writes nothing)"),
    "src_run": ("立即运行", "Run now"),
    "src_pause": ("暂停", "Pause"), "src_resume": ("恢复", "Resume"),
    "src_ran": ("{name}:{message}", "{name}: {message}"),
    "src_see_load": ("查看加载记录 →", "See the load →"),
})
ACTIONS = ("test", "run", "pause", "resume")


def sources_table(frame: pd.DataFrame, lang: str) -> html.Table | html.P:
    """The registered sources with their last run and a button per action."""
    if frame.empty:
        return html.P(t("src_none", lang), className="muted")
    heads = ("src_name", "src_url", "src_city", "src_every", "src_active", "src_last", "src_status")
    body = []
    for row in frame.to_dict("records"):
        last = "—" if row["last_run_at"] is None or pd.isna(row["last_run_at"]) else \
            pd.Timestamp(row["last_run_at"]).strftime("%Y-%m-%d %H:%M")
        actions = [a for a in ACTIONS if a != ("pause" if not row["active"] else "resume")]
        body.append(html.Tr([
            html.Td(html.Strong(row["name"])), html.Td(row["url"], className="src-url"),
            html.Td(load_cities()[row["city_key"]].name(lang) if row["city_key"] in load_cities() else "—"),
            html.Td(str(row["every_minutes"]), className="num"),
            html.Td(t("yes" if row["active"] else "no", lang)), html.Td(last),
            html.Td([html.Span(t(f"src_status_{row['last_status']}", lang), className=f"status-{row['last_status']}"),
                     html.Br(), html.Small(row["last_message"] or "")]),
            html.Td([html.Button(t(f"src_{a}", lang), id={"type": "src-action", "action": a, "name": row["name"]},
                                 className="button src-action") for a in actions], className="src-actions"),
        ]))
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in heads] + [html.Th("")]))
    return html.Table([head, html.Tbody(body)], className="data-table src-table")


def run_view(run, city: str, lang: str) -> html.Div:
    """What a run (or a test) of a source did: its summary, its bad rows (to its author only), a link to its load."""
    parts = [notice(t("src_ran", lang).format(name=run.name, message=in_language(run.message, lang)),
                    "success" if run.ok else "error")]
    if run.detailed and run.load is not None and run.load.errors:
        parts.append(error_table(run.load.errors, lang))
    if run.load is not None and run.load.batch_id:
        parts.append(dcc.Link(t("src_see_load", lang), href=href("/data/loads", city, lang, load=str(run.load.batch_id))))
    return html.Div(parts)


def layout(city: str | None = None, lang: str | None = None, **_) -> html.Div:
    """The sources with their actions and the form to register one; operators and admins only."""
    city, lang = resolve(city, lang)
    head = [html.H1(t("src_title", lang), className="page-title"), data_tabs("/data/sources", city, lang)]
    viewer = current_viewer()
    if not viewer.may("data.load"):
        return html.Div([*head, refused_page("/data/sources", lang)], className="data-page")
    cities = [{"label": c.name(lang), "value": key} for key, c in load_cities().items() if viewer.sees_city(key)]

    def field(key: str, widget) -> html.Div:
        return html.Div([html.Label(t(key, lang), htmlFor=widget.id, className="upload-label"), widget], className="dcat-field")

    return html.Div([
        *head,
        dcc.Store(id="src-args", data={"city": city, "lang": lang}),
        dcc.Store(id="src-version", data=0),
        html.P(t("src_intro", lang), className="muted"),
        html.Section(dcc.Loading(html.Div(id="src-list"), type="dot"), className="card src-list"),
        html.Div(id="src-message", role="status"),
        html.Section([
            html.H2(t("src_add", lang), className="section-title"),
            html.Div([
                field("src_name", dcc.Input(id="src-name", maxLength=64, className="dcat-input")),
                field("src_city", dropdown(lang, id="src-city", options=cities, value=city, clearable=False)),
                field("src_every", dcc.Input(id="src-every", type="number", min=MIN_MINUTES, value=60, className="dcat-input")),
            ], className="dcat-numbers"),
            field("src_url", dcc.Input(id="src-url", maxLength=500, className="dcat-input",
                                       placeholder="postgresql+psycopg://reader:…@host:5432/db")),
            field("src_query", dcc.Textarea(id="src-query", value=EXAMPLE, className="dcat-input src-query")),
            html.Button(t("src_add", lang), id="src-add", className="button button-primary"),
            html.Div(id="src-add-message", role="status"),
        ], className="card"),
    ], className="data-page src-page")


@callback(Output("src-list", "children"), Input("src-version", "data"), State("src-args", "data"))
def fill_list(_version, args):
    """The registered sources."""
    try:
        return sources_table(sources(), args["lang"])
    except PAGE_FAILURES as exc:
        return failure_notice(exc, args["lang"])


@callback(Output("src-add-message", "children"), Output("src-version", "data"), Input("src-add", "n_clicks"),
          State("src-name", "value"), State("src-url", "value"), State("src-city", "value"), State("src-every", "value"),
          State("src-query", "value"), State("src-version", "data"), State("src-args", "data"), prevent_initial_call=True)
def register(clicks, name, url, city, every, query, version, args):
    """Register a source after its checks; a refusal says why."""
    lang = args["lang"]
    if not clicks:
        raise PreventUpdate
    try:
        add_source((name or "").strip(), (url or "").strip(), query or "", city_key=city, every_minutes=int(every or 0))
    except (SqlSourceError, AccessDenied) as exc:
        return notice(in_language(str(exc), lang), "error"), no_update
    except StoreUnavailable as exc:
        return failure_notice(exc, lang), no_update
    return notice(t("src_added", lang).format(name=name.strip()), "success"), (version or 0) + 1


@callback(Output("src-message", "children"), Output("src-version", "data", allow_duplicate=True),
          Input({"type": "src-action", "action": ALL, "name": ALL}, "n_clicks"), State("src-version", "data"),
          State("src-args", "data"), prevent_initial_call=True)
def act(clicks, version, args):
    """Test, run, pause or resume the source whose button was pressed."""
    lang = args["lang"]
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate
    action, name = ctx.triggered_id["action"], ctx.triggered_id["name"]
    try:
        if action in ("pause", "resume"):
            set_active(name, action == "resume")
            return None, (version or 0) + 1
        run = run_source(name, dry_run=action == "test")
    except (SqlSourceError, AccessDenied) as exc:
        return notice(in_language(str(exc), lang), "error"), no_update
    except StoreUnavailable as exc:
        return failure_notice(exc, lang), no_update
    if run.ok and action == "run":
        from indicators.warnings.alerts import (
            run_warnings,  # new data: the warnings follow, as after a file
        )

        run_warnings()
    return run_view(run, args["city"], lang), (version or 0) + 1
