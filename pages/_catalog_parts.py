"""The catalog page's pure builders: strings, the URL state, the grid's rows and columns, the export table and
the toolbar. Rows of ``indicators.views.catalog`` in, grid data, frames or components out."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from indicators.accounts.access import SENSITIVITIES, current_viewer
from indicators.catalog.entries import FREQUENCIES, THEMES, TOPICS, department_names
from indicators.catalog.levels import Level
from pages._format import format_period, format_value, missing, unit_label
from pages._grid import indicator_link, js, markdown_text
from pages._i18n import department_name, frequency_name, localized, register_strings, t, theme_name, topic_name
from pages._shell import href
from pages._widgets import dropdown, fold_class, fold_toggle

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
    "catalog_more": ("显示更多", "Show more"),
    "catalog_filters": ("筛选", "Filters"),
    "catalog_late": ("迟报 {n} 期", "late by {n}"),
    "catalog_on_time": ("按时", "On time"),
    "catalog_no_data": ("未报送", "No data"),
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
# Up to this width the catalog is a list (no grid, so a phone never downloads AG Grid); a page of it at a time.
PHONE_MAX_WIDTH = 767
PHONE_PAGE = 50

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


def _period_text(record: Mapping, lang: str) -> str:
    """The newest period as the value covers it: a year-to-date amount's 2026年1—11月 or 前三季度, not 2026年11月."""
    period, merged = record["period"], record.get("jan_feb_merged")
    if missing(period):
        return ""
    return format_period(period, record["frequency"], lang, cumulative=record.get("accumulation") == "ytd",
                         jan_feb_merged=not missing(merged) and bool(merged))


def _row(record: Mapping, *, lang: str) -> dict:
    period = record["period"]
    return {
        "code": record["code"],
        "name": markdown_text(localized(record, lang)),
        "theme": record["theme"],
        # An indicator in no topic says so: a blank cell reads as missing data.
        "topics": ("、" if lang == "zh" else ", ").join(topic_name(k, lang) for k in record["topics"]) or "—",
        "department": record["department"],
        "frequency": record["frequency"],
        "sensitivity": record["sensitivity"],
        "spatial_level": record["spatial_level"],
        "value": None if missing(record["value"]) else float(record["value"]),
        "value_text": format_value(record["value"], lang),
        "unit": unit_label(record["unit"], lang),
        "period": None if missing(period) else period.isoformat(),
        "period_text": _period_text(record, lang),
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
    """The freshness cell: late by n periods, on time, or no data yet (never an empty cell)."""
    before, after = (js(part) for part in t("catalog_late", lang).split("{n}"))
    on_time, no_data = js(t("catalog_on_time", lang)), js(t("catalog_no_data", lang))
    return {"function": f"params.value > 0 ? {before} + params.value + {after} : "
                        f"(params.data && params.data.period_text ? {on_time} : {no_data})"}


def freshness(overdue: int, period, lang: str) -> str:
    """An indicator's 时效 as the grid and the export show it: late by n periods, on time, or no data."""
    if overdue > 0:
        return t("catalog_late", lang).format(n=overdue)
    return t("catalog_no_data" if missing(period) else "catalog_on_time", lang)


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
         "valueGetter": indicator_link("name", city, lang), "cellRenderer": "markdown", "cellClass": "catalog-name",
         "wrapText": True, "autoHeight": True},  # a long name wraps rather than being cut
        _column("theme", lang, 1, 116, refData=_ref_data("theme", lang)),
        _column("topics", lang, 1.4, 140),
        _column("department", lang, 1.4, 140, wrapText=True, autoHeight=True,
                **({"refData": _ref_data("department", lang)} if lang == "en" else {})),
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
        header("period", lang): [_period_text(record, lang) for record in frame.to_dict("records")],
        header("level", lang): labels("level"),
        header("overdue", lang): [freshness(n, p, lang) for n, p in zip(frame["overdue"], frame["period"])],
    })


def count_text(shown: int, total: int, lang: str) -> str:
    """How many indicators the grid lists, out of the catalog's total."""
    key = "catalog_count_all" if shown == total else "catalog_count_some"
    return t(key, lang).format(shown=shown, total=total)


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
    # On a phone the filters and the clear button fold into one button under the search box.
    chosen = any(name in state for name in FILTERS)
    filters = html.Div([*(_filter(name, state.get(name), lang) for name in FILTERS), clear],
                       id="catalog-filters", className=f"catalog-filters {fold_class(chosen)}")
    return html.Div([search, fold_toggle("catalog-filters", t("catalog_filters", lang), opened=chosen), filters],
                    className="catalog-toolbar", role="search")


def table_spec(city: str, lang: str) -> dict:
    """What the browser needs to draw the rows (``assets/41-catalog.js``): on a PC the grid's properties, on a
    phone the list's links, level names and texts. The grid is made in the browser, only where it shows."""
    levels = {str(rank): label("level", key, lang) for key, rank in LEVEL_SORT.items()}
    return {
        "phoneMaxWidth": PHONE_MAX_WIDTH, "phonePage": PHONE_PAGE,
        "link": {"path": "/indicator/", "query": href("", city, lang)},
        "levels": levels, "levelKeys": {str(rank): key for key, rank in LEVEL_SORT.items()},
        "late": t("catalog_late", lang), "more": t("catalog_more", lang), "empty": t("catalog_no_rows", lang),
        "grid": {"id": "catalog-grid", "columnDefs": column_defs(city=city, lang=lang),
                 "getRowId": "params.data.code", "className": "catalog-grid",
                 "style": {"height": "var(--catalog-grid-height)", "width": "100%"},
                 "defaultColDef": {"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                                   "wrapHeaderText": True, "autoHeaderHeight": True},
                 "dashGridOptions": {"animateRows": False, "enableCellTextSelection": True,
                                     "localeText": {"noRowsToShow": t("catalog_no_rows", lang)}}},
    }
