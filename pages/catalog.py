"""Catalog: every indicator in one sortable grid, with search, metadata filters, the city's values and export.

The filter state lives in the URL query (``/catalog?city=xiamen&lang=zh&theme=economy&q=GDP``), so a
filtered list can be sent to a colleague. Rows are filtered on the server; the grid only sorts and shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from geo.cities import get_city
from indicators.accounts import audit
from indicators.accounts.access import SENSITIVITIES, current_viewer, require
from indicators.catalog.entries import (
    FREQUENCIES,
    THEMES,
    TOPICS,
    department_names,
)
from indicators.catalog.levels import Level
from indicators.views.cache import cacheable_answer
from indicators.views.queries import indicators, latest_snapshot, search_catalog
from pages._export import table_bytes
from pages._format import format_period, format_value, missing, unit_label
from pages._grid import indicator_link, js, markdown_text
from pages._i18n import (
    department_name,
    frequency_name,
    localized,
    register_strings,
    t,
    theme_name,
    topic_name,
)
from pages._shell import href, resolve
from pages._widgets import PAGE_FAILURES, dropdown, failure_notice

dash.register_page(__name__, cacheable_layout=True, path="/catalog", title="指标目录 · City Vitals", name="catalog", order=3,
                   nav="nav_catalog")

register_strings({
    "catalog_title": ("指标目录", "Indicator catalog"),
    "catalog_note": ("数值为{area}(全市)各指标的最新一期。",
                     "Values are each indicator's newest period for {area} (city level)."),
    "catalog_search": ("搜索", "Search"),
    "catalog_search_hint": ("代码、中文或英文名称", "Code, Chinese or English name"),
    "catalog_all": ("全部", "All"),
    "catalog_clear": ("清除筛选", "Clear filters"),
    "catalog_export_csv": ("导出 CSV", "Export CSV"),
    "catalog_export_xlsx": ("导出 Excel", "Export Excel"),
    "catalog_count_all": ("共 {total} 项指标", "{total} indicators"),
    "catalog_count_some": ("{shown} / {total} 项指标", "{shown} of {total} indicators"),
    "catalog_no_rows": ("没有符合条件的指标", "No matching indicators"),
    "catalog_late": ("迟报 {n} 期", "late by {n}"),
    "catalog_head_code": ("代码", "Code"),
    "catalog_head_name": ("指标名称", "Indicator"),
    "catalog_head_theme": ("主题", "Theme"),
    "catalog_head_topics": ("专题", "Topics"),
    "catalog_head_frequency": ("频率", "Frequency"),
    "catalog_head_sensitivity": ("敏感级别", "Sensitivity"),
    "catalog_head_spatial_level": ("空间层级", "Spatial level"),
    "catalog_head_value": ("最新值", "Latest value"),
    "catalog_head_unit": ("单位", "Unit"),
    "catalog_head_period": ("数据期", "As of"),
    "catalog_head_level": ("预警等级", "Warning level"),
    "catalog_head_overdue": ("时效", "Freshness"),
    "catalog_sensitivity_public": ("公开", "Public"),
    "catalog_sensitivity_internal": ("内部", "Internal"),
    "catalog_sensitivity_restricted": ("受限", "Restricted"),
    "catalog_spatial_level_city": ("全市", "City"),
    "catalog_spatial_level_district": ("区县", "District"),
})

SEARCH_MAX = 100
# Filters in toolbar order; every one but ``level`` is a metadata filter of ``search_catalog``.
FILTERS = ("theme", "topic", "department", "frequency", "sensitivity", "spatial_level", "level")
LEVELS = tuple(sorted(Level, key=lambda level: level.rank, reverse=True))
# The level column sorts by rank, worst first; none is 0, which the grid would not label.
LEVEL_SORT = {level: level.rank + 1 if level.rank >= 0 else level.rank for level in Level}
# Header keys that differ from ``catalog_head_<field>``, for columns and the filters' labels.
HEADERS = {"topic": "catalog_head_topics", "department": "department"}
# What a phone changes in the columns: low-value ones hidden, the pinned name narrower and wrapped, the
# numbers tighter (the rest scrolls sideways inside the grid).
MOBILE_COLUMNS = {**{field: {"hide": True} for field in ("code", "theme", "topics", "department", "frequency",
                                                           "sensitivity", "spatial_level")},
                  "name": {"width": 150, "wrapText": True, "autoHeight": True},
                  "value": {"minWidth": 92}, "unit": {"minWidth": 72}}
MOBILE_MAX_WIDTH = 767
# The catalog fields the grid and the export use.
CATALOG_COLUMNS = ["code", "name_zh", "name_en", "theme", "topics", "department", "frequency", "sensitivity",
                   "spatial_level", "unit"]


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The catalog page with its filters set from the URL; the rows are filled by ``fill_catalog``."""
    city, lang = resolve(city, lang)
    state = parse_state(query)
    return html.Div([
        dcc.Location(id="catalog-url", refresh=False),
        dcc.Store(id="catalog-args", data={"city": city, "lang": lang}),
        dcc.Download(id="catalog-download"),
        html.H1(t("catalog_title", lang), className="page-title"),
        html.P(t("catalog_note", lang).format(area=get_city(city).name(lang)), className="catalog-note"),
        toolbar(state, lang),
        html.Div([
            html.Span(id="catalog-count", className="catalog-count", role="status"),
            html.Button(t("catalog_export_csv", lang), id="catalog-export-csv", className="catalog-button"),
            html.Button(t("catalog_export_xlsx", lang), id="catalog-export-xlsx", className="catalog-button"),
        ], className="catalog-bar"),
        html.Div(id="catalog-status"),
        dag.AgGrid(id="catalog-grid", columnDefs=column_defs(city=city, lang=lang), rowData=[],
                   getRowId="params.data.code", className="catalog-grid",
                   style={"height": "var(--catalog-grid-height)", "width": "100%"},
                   defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                                  "wrapHeaderText": True, "autoHeaderHeight": True},
                   dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                    "localeText": {"noRowsToShow": t("catalog_no_rows", lang)}}),
    ], className="catalog")


def choices(name: str) -> tuple[str, ...]:
    """The values a filter accepts, in display order."""
    return {
        "theme": tuple(THEMES), "topic": tuple(TOPICS), "department": tuple(department_names()),
        "frequency": FREQUENCIES,
        "sensitivity": tuple(s for s in SENSITIVITIES if current_viewer().sees_sensitivity(s)),
        "spatial_level": ("city", "district"), "level": LEVELS,
    }[name]


def label(name: str, key: str, lang: str) -> str:
    """The display name of one value of a filter or column (``label("theme", "economy", "en")``)."""
    if name == "theme":
        return theme_name(key, lang)
    if name == "topic":
        return topic_name(key, lang)
    if name == "department":
        return department_name(key, lang)
    if name == "frequency":
        return frequency_name(key, lang)
    if name == "level":
        return Level(key).label(lang)
    return t(f"catalog_{name}_{key}", lang)


def header(field: str, lang: str) -> str:
    """The header of a column, also the label of the filter of the same name."""
    return t(HEADERS.get(field, f"catalog_head_{field}"), lang)


def parse_state(query: Mapping[str, str | None]) -> dict[str, str]:
    """The search text and filters of a URL query or of the controls; unknown values are dropped.

    Args:
        query: ``q`` and any of ``FILTERS``; other keys are ignored.

    Returns:
        Only the keys that are set, in a fixed order (so equal states give equal URLs).
    """
    state = {}
    text = (query.get("q") or "").strip()[:SEARCH_MAX]
    if text:
        state["q"] = text
    for name in FILTERS:
        if query.get(name) in choices(name):
            state[name] = query[name]
    return state


def merge_values(catalog: pd.DataFrame, snapshot: pd.DataFrame) -> pd.DataFrame:
    """Catalog rows with the area's newest value, period, level and overdue periods.

    Args:
        catalog: rows of ``queries.indicators`` / ``search_catalog``.
        snapshot: ``queries.latest_snapshot`` of the area.

    Returns:
        The catalog rows in their order, plus ``period``, ``value``, ``level`` (``nodata`` without data)
        and ``overdue``. Both come from the data layer, so they hold only indicators the viewer may see.
    """
    frame = catalog[CATALOG_COLUMNS].merge(snapshot[["code", "period", "value", "level", "overdue"]], on="code",
                                           how="left")
    frame["level"] = frame["level"].fillna("nodata")
    frame["value"] = frame["value"].astype(float)
    frame["period"] = frame["period"].astype(object).where(frame["period"].notna(), None)
    frame["overdue"] = frame["overdue"].fillna(0).astype(int)
    return frame


def filter_level(frame: pd.DataFrame, level: str | None) -> pd.DataFrame:
    """Rows at one warning level (all rows when none is given)."""
    return frame if not level else frame[frame["level"] == level].reset_index(drop=True)


def _row(record: Mapping, *, lang: str) -> dict:
    period = record["period"]
    return {
        "code": record["code"],
        "name": markdown_text(localized(record, lang)),
        "theme": record["theme"],
        "topics": ("、" if lang == "zh" else ", ").join(topic_name(k, lang) for k in record["topics"]),
        "department": record["department"],
        "frequency": record["frequency"],
        "sensitivity": record["sensitivity"],
        "spatial_level": record["spatial_level"],
        "value": None if missing(record["value"]) else float(record["value"]),
        "value_text": format_value(record["value"], lang),
        "unit": unit_label(record["unit"], lang),
        "period": None if missing(period) else period.isoformat(),
        "period_text": "" if missing(period) else format_period(period, record["frequency"], lang),
        "level": LEVEL_SORT[record["level"]],
        "overdue": int(record["overdue"]),
    }


def grid_rows(frame: pd.DataFrame, *, lang: str) -> list[dict]:
    """The grid's rowData: only what the columns show, texts already formatted.

    Args:
        frame: rows of ``merge_values``.
        lang: "zh" or "en".

    Returns:
        One plain dict per row. Metadata columns carry keys whose labels the column definitions send
        once (``refData``); ``value``, ``period``, ``level`` (a rank) and ``overdue``
        sort, ``value_text`` and ``period_text`` are what their cells show.
    """
    return [_row(record, lang=lang) for record in frame.to_dict("records")]


def _ref_data(name: str, lang: str) -> dict[str, str]:
    return {key: label(name, key, lang) for key in choices(name)}


def _late(lang: str) -> dict:
    before, after = (js(part) for part in t("catalog_late", lang).split("{n}"))
    return {"function": f"params.value > 0 ? {before} + params.value + {after} : ''"}


def _column(field: str, lang: str, flex: float, min_width: int, **options) -> dict:
    return {"field": field, "headerName": header(field, lang), "flex": flex, "minWidth": min_width, **options}


def column_defs(*, city: str, lang: str) -> list[dict]:
    """The grid's column definitions.

    Args:
        city: the city key, kept by the links to the indicator pages.
        lang: "zh" or "en".

    Returns:
        AG Grid column definitions: code and name link to ``/indicator/<code>``, labels of metadata keys
        come once as ``refData``, values and periods show the texts sent with the rows, levels and the
        late mark are cell classes.
    """
    levels = {str(rank): label("level", key, lang) for key, rank in LEVEL_SORT.items()}
    level_classes = {f"level-{key}": f"params.value === {rank}" for key, rank in LEVEL_SORT.items()}
    worst_first = {"sortingOrder": ["desc", "asc", None]}
    return [
        {"field": "code", "headerName": header("code", lang), "width": 132, "pinned": "left",
         "valueGetter": indicator_link("code", city, lang), "cellRenderer": "markdown", "cellClass": "catalog-code"},
        {"field": "name", "headerName": header("name", lang), "width": 280, "pinned": "left",
         "valueGetter": indicator_link("name", city, lang), "cellRenderer": "markdown", "cellClass": "catalog-name"},
        _column("theme", lang, 1, 116, refData=_ref_data("theme", lang)),
        _column("topics", lang, 1.4, 140),
        _column("department", lang, 1.4, 140, **({"refData": _ref_data("department", lang)} if lang == "en" else {})),
        _column("frequency", lang, 0.8, 112, refData=_ref_data("frequency", lang)),
        _column("sensitivity", lang, 0.9, 100, refData=_ref_data("sensitivity", lang)),
        _column("spatial_level", lang, 0.9, 100, refData=_ref_data("spatial_level", lang)),
        # The type's right-aligned cell class is replaced by an explicit cellClass, so it is named again.
        _column("value", lang, 1, 116, type="rightAligned", valueFormatter={"function": "params.data.value_text"},
                cellClass=["catalog-value", "ag-right-aligned-cell"]),
        _column("unit", lang, 0.9, 92, cellClass="catalog-unit"),
        _column("period", lang, 1, 112, valueFormatter={"function": "params.data.period_text"}),
        _column("level", lang, 1, 108, refData=levels, cellClass="catalog-level", cellClassRules=level_classes,
                **worst_first),
        _column("overdue", lang, 1.1, 128, valueFormatter=_late(lang),
                cellClassRules={"catalog-late": "params.value > 0"}, **worst_first),
    ]


def export_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows as the exported file shows them: headers and labels in ``lang``, values as numbers.

    Args:
        frame: rows of ``merge_values``.
        lang: "zh" or "en".

    Returns:
        One column per grid column.
    """
    def labels(field: str) -> list[str]:
        return [label(field, key, lang) for key in frame[field]]

    joiner = "、" if lang == "zh" else ", "
    return pd.DataFrame({
        header("code", lang): frame["code"],
        header("name", lang): localized(frame, lang),
        header("theme", lang): labels("theme"),
        header("topics", lang): [joiner.join(topic_name(k, lang) for k in keys) for keys in frame["topics"]],
        header("department", lang): labels("department"),
        header("frequency", lang): labels("frequency"),
        header("sensitivity", lang): labels("sensitivity"),
        header("spatial_level", lang): labels("spatial_level"),
        header("value", lang): frame["value"].astype(float),
        header("unit", lang): [unit_label(unit, lang) for unit in frame["unit"]],
        header("period", lang): ["" if missing(p) else format_period(p, f, lang)
                                 for p, f in zip(frame["period"], frame["frequency"])],
        header("level", lang): labels("level"),
        header("overdue", lang): [t("catalog_late", lang).format(n=n) if n > 0 else "" for n in frame["overdue"]],
    })


def catalog_frame(city_key: str, state: Mapping[str, str]) -> pd.DataFrame:
    """The catalog rows matching a search state, with the city's newest values (cached queries).

    Args:
        city_key: the city whose city-level area gives the values.
        state: a ``parse_state`` result.

    Returns:
        Rows of ``merge_values``, in code order.
    """
    catalog = search_catalog(state.get("q", ""), **{name: state.get(name) for name in FILTERS if name != "level"})
    snapshot = latest_snapshot(get_city(city_key).adcode)
    return filter_level(merge_values(catalog, snapshot), state.get("level"))


def count_text(shown: int, total: int, lang: str) -> str:
    """How many indicators the grid lists, out of the catalog's total."""
    key = "catalog_count_all" if shown == total else "catalog_count_some"
    return t(key, lang).format(shown=shown, total=total)


def build_catalog(city_key: str, lang: str, state: Mapping[str, str]) -> dict:
    """The grid's rows and the count line for a search state (cached queries, no I/O of its own).

    Args:
        city_key: the city whose city-level area gives the values.
        lang: "zh" or "en".
        state: a ``parse_state`` result.

    Returns:
        ``rows`` (the grid's rowData) and ``count`` (the text above the grid).
    """
    frame = catalog_frame(city_key, state)
    return {"rows": grid_rows(frame, lang=lang), "count": count_text(len(frame), len(indicators()), lang)}


def _filter(name: str, value: str | None, lang: str) -> html.Div:
    return html.Div([
        html.Label(header(name, lang), htmlFor=f"catalog-{name}", className="catalog-label"),
        dropdown(lang, id=f"catalog-{name}", value=value, placeholder=t("catalog_all", lang),
                 options=[{"label": label(name, key, lang), "value": key} for key in choices(name)],
                 searchable=name == "department", className="catalog-dropdown")
    ], className=f"catalog-field catalog-field-{name}")


def toolbar(state: Mapping[str, str], lang: str) -> html.Div:
    """The search box, one dropdown per filter and the clear button, set from ``state``."""
    search = html.Div([
        html.Label(t("catalog_search", lang), htmlFor="catalog-q", className="catalog-label"),
        dcc.Input(id="catalog-q", type="search", value=state.get("q", ""), debounce=0.3, maxLength=SEARCH_MAX,
                  placeholder=t("catalog_search_hint", lang), className="catalog-search", autoComplete="off"),
    ], className="catalog-field catalog-field-q")
    clear = html.Button(t("catalog_clear", lang), id="catalog-clear", className="catalog-button catalog-clear")
    return html.Div([search, *(_filter(name, state.get(name), lang) for name in FILTERS), clear],
                    className="catalog-toolbar", role="search")


@callback(output={"rows": Output("catalog-grid", "rowData"), "count": Output("catalog-count", "children"),
                  "search": Output("catalog-url", "search"), "status": Output("catalog-status", "children")},
          inputs={"q": Input("catalog-q", "value"),
                  "filters": {name: Input(f"catalog-{name}", "value") for name in FILTERS}},
          state={"args": State("catalog-args", "data")})
@cacheable_answer()
def fill_catalog(q: str | None, filters: dict, args: dict) -> dict:
    """List the indicators matching the controls and keep the URL in step with them."""
    city, lang = args["city"], args["lang"]
    state = parse_state({"q": q, **filters})
    # The first call shows the URL as it came: rewriting it would add a history entry that Back returns to.
    search = dash.no_update if ctx.triggered_id is None else href("", city, lang, **state)
    try:
        return {**build_catalog(city, lang, state), "search": search, "status": None}
    except PAGE_FAILURES as exc:
        return {"rows": [], "count": "", "search": search, "status": failure_notice(exc, lang)}


@callback(output={"q": Output("catalog-q", "value"), "filters": {name: Output(f"catalog-{name}", "value")
                                                                  for name in FILTERS}},
          inputs={"clicks": Input("catalog-clear", "n_clicks")}, prevent_initial_call=True)
def clear_filters(clicks: int) -> dict:
    """Empty the search box and every filter."""
    return {"q": "", "filters": {name: None for name in FILTERS}}


@callback(output={"file": Output("catalog-download", "data"),
                  "status": Output("catalog-status", "children", allow_duplicate=True)},
          inputs={"csv": Input("catalog-export-csv", "n_clicks"), "xlsx": Input("catalog-export-xlsx", "n_clicks")},
          state={"q": State("catalog-q", "value"),
                 "filters": {name: State(f"catalog-{name}", "value") for name in FILTERS},
                 "args": State("catalog-args", "data")},
          prevent_initial_call=True)
def export_catalog(csv: int | None, xlsx: int | None, q: str | None, filters: dict, args: dict) -> dict:
    """Send the filtered list as a CSV or Excel file."""
    city, lang = args["city"], args["lang"]
    kind = "xlsx" if ctx.triggered_id == "catalog-export-xlsx" else "csv"
    state = parse_state({"q": q, **filters})
    try:
        require("data.export")
        table = export_table(catalog_frame(city, state), lang)
        audit.record("export", target=f"catalog:{city}", detail={"format": kind, "rows": len(table), "filters": state})
    except PAGE_FAILURES as exc:
        return {"file": dash.no_update, "status": failure_notice(exc, lang)}
    data = table_bytes(table, kind, sheet=t("catalog_title", lang))
    return {"file": dcc.send_bytes(data, f"city-vitals-catalog-{city}-{date.today():%Y%m%d}.{kind}"), "status": None}


# Phones hide the low-value columns; only the browser knows the screen width, so this runs there.
clientside_callback(
    f"""function (args, defs) {{
        if (!defs || window.innerWidth > {MOBILE_MAX_WIDTH}) {{ return window.dash_clientside.no_update; }}
        var changes = {json.dumps(MOBILE_COLUMNS)};
        return defs.map(function (d) {{ return Object.assign({{}}, d, changes[d.field] || {{}}); }});
    }}""",
    Output("catalog-grid", "columnDefs"), Input("catalog-args", "data"), State("catalog-grid", "columnDefs"),
)
