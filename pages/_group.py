"""A group of indicators as tiles — a theme (``/themes/<theme>``) or a topic (``/topics/<topic>``).

Both pages show every indicator of the group for one area, worst first, with a header holding
the group's health score and counts by level, and filters (the other grouping, department, area,
level) that live in the URL so that a filtered view can be sent to a colleague.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from geo.cities import get_city
from indicators.catalog.city_departments import departments_for
from indicators.catalog.entries import THEMES
from indicators.catalog.topics import TopicDef, topic_of, topics_for
from indicators.catalog.levels import LEVEL_RANK, Level
from indicators.views.cache import cacheable_answer
from indicators.views.queries import areas, latest_snapshot
from pages._i18n import (
    department_name,
    localized,
    register_strings,
    t,
    theme_name,
)
from pages._shell import href, resolve
from pages._widgets import (
    LEVEL_ORDER,
    PAGE_FAILURES,
    dropdown,
    failure_notice,
    fold_class,
    indicator_tile,
    level_counts,
    notice,
)

register_strings({
    "group_filter_topic": ("专题", "Topic"),
    "group_filter_theme": ("主题", "Theme"),
    "group_filter_department": ("责任单位", "Department"),
    "group_filter_area": ("区域", "Area"),
    "group_filter_level": ("预警级别", "Level"),
    "group_filters": ("筛选", "Filters"),
    "group_all": ("全部", "All"),
    "group_shown": ("显示 {shown} / {total} 项指标", "{shown} of {total} indicators shown"),
    "group_empty": ("没有符合筛选条件的指标。", "No indicator matches these filters."),
    "group_other_themes": ("其他主题", "Other themes"),
    "group_other_topics": ("其他专题", "Other topics"),
    "group_no_topic": ("{city}没有这个专题，请选择：", "{city} has no such topic; choose one:"),
})
FILTERS = ("topic", "theme", "department", "area", "level")


def _held_by(rows: pd.DataFrame, topic: TopicDef | None) -> pd.DataFrame:
    if topic is None:
        return rows.iloc[0:0]
    held = [topic.holds(code, theme, department, tags)
            for code, theme, department, tags in zip(rows["code"], rows["theme"], rows["department"], rows["topics"])]
    return rows[pd.Series(held, index=rows.index, dtype=bool)]


def select_rows(snapshot: pd.DataFrame, kind: str, key: str, filters: Mapping[str, str | None],
                city: str) -> pd.DataFrame:
    """The snapshot rows of the group that pass the filters, worst level first, then late ones.

    Args:
        snapshot: ``queries.latest_snapshot`` of the area.
        kind: "theme" or "topic".
        key: the theme, or one of the city's topics (``indicators/catalog/topics.yaml``).
        filters: ``topic`` / ``theme`` / ``department`` / ``level`` values (None or "" = all).
        city: the city whose topics the keys name.

    Returns:
        The rows, ordered for display.
    """
    rows = snapshot[snapshot["theme"] == key] if kind == "theme" else _held_by(snapshot, topic_of(city, key))
    if filters.get("topic"):
        rows = _held_by(rows, topic_of(city, filters["topic"]))
    for column in ("theme", "department", "level"):
        if filters.get(column):
            rows = rows[rows[column] == filters[column]]
    order = rows.assign(_rank=rows["level"].map(LEVEL_RANK), _late=rows["overdue"] > 0)
    return order.sort_values(["_rank", "_late", "code"], ascending=[False, False, True]).drop(columns=["_rank", "_late"])


def group_score(rows: pd.DataFrame) -> float:
    """The group's health score: the mean 0–100 score of its indicators that have one."""
    scores = rows["score"].dropna()
    return float(scores.mean()) if not scores.empty else math.nan


def _options(pairs: list[tuple[str, str]], lang: str) -> list[dict]:
    return [{"label": t("group_all", lang), "value": ""}] + [{"label": label, "value": value} for value, label in pairs]


def filter_bar(kind: str, snapshot_all: pd.DataFrame, city_areas: pd.DataFrame, values: Mapping, lang: str,
               city: str) -> html.Div:
    """The dropdowns, each preset from the URL (the topic filter offers the city's topics)."""
    other = "topic" if kind == "theme" else "theme"
    other_pairs = ([(topic.key, topic.name(lang)) for topic in topics_for(city)] if other == "topic"
                   else [(k, theme_name(k, lang)) for k in THEMES])
    departments = sorted(snapshot_all["department"].unique())
    units = departments_for(get_city(city))  # the city's own 责任单位 for the catalog's departments
    department_pairs = [(d, units[d].name(lang) if d in units else department_name(d, lang)) for d in departments]
    area_pairs = [(row["adcode"], localized(row, lang))
                  for row in city_areas.to_dict("records")]
    level_pairs = [(level, Level(level).label(lang)) for level in LEVEL_ORDER]
    specs = [(other, other_pairs), ("department", department_pairs), ("area", area_pairs), ("level", level_pairs)]
    controls = []
    for name, pairs in specs:
        options = _options(pairs, lang) if name != "area" else [{"label": label, "value": value} for value, label in pairs]
        controls.append(html.Label([
            html.Span(t(f"group_filter_{name}", lang), className="filter-label"),
            dropdown(lang, id={"type": "group-filter", "name": name}, options=options, value=values.get(name) or "",
                     clearable=False, searchable=name == "department", className="filter-input"),
        ], className="filter"))
    # On a phone the four dropdowns fold into one 筛选 button (open when the URL sets a filter).
    chosen = (any(values.get(name) for name in ("topic", "theme", "department", "level"))
              or values.get("area") not in (None, "", get_city(city).adcode))
    # The button is drawn inside the page's dcc.Loading, so it opens the filters in the browser alone
    # (assets/22-filters-fold.js, data-fold="dom"): a Dash callback there would keep the Loading busy.
    toggle = html.Button(t("group_filters", lang), id="group-filters-toggle", type="button", className="filters-toggle",
                         **{"aria-expanded": "true" if chosen else "false", "aria-controls": "group-filters",
                            "data-fold": "dom"})
    return html.Div([toggle,
                     html.Div(controls, id="group-filters", className=f"filter-bar {fold_class(chosen)}")])


def group_header(kind: str, key: str, rows: pd.DataFrame, lang: str, city: str) -> html.Header:
    """Name, health score and counts by level of the group (the filtered rows)."""
    name = theme_name(key, lang) if kind == "theme" else topic_of(city, key).name(lang)
    score = group_score(rows)
    counts = rows["level"].value_counts().to_dict()
    return html.Header([
        html.H1(name, className="page-title"),
        html.Div([html.Span("—" if math.isnan(score) else f"{score:.0f}", className="score-value"),
                  html.Span(t("health_score", lang), className="score-label")], className="score"),
        level_counts(counts, lang),
    ], className=f"group-head theme-{key}" if kind == "theme" else "group-head")


def sibling_links(kind: str, key: str, city: str, lang: str, filters: Mapping) -> html.Nav:
    """Links to the other themes (or the city's other topics), keeping the area."""
    names = ({k: theme_name(k, lang) for k in THEMES} if kind == "theme"
             else {topic.key: topic.name(lang) for topic in topics_for(city)})
    base = "/themes" if kind == "theme" else "/topics"
    keep = {"area": filters["area"]} if filters.get("area") else {}
    links = [dcc.Link(name, href=href(f"{base}/{k}", city, lang, **keep),
                      className="chip" + (" is-active" if k == key else ""))
             for k, name in names.items()]
    return html.Nav(links, className="chips",
                    **{"aria-label": t("group_other_themes" if kind == "theme" else "group_other_topics", lang)})


def build_group(kind: str, key: str, city_key: str, lang: str, filters: Mapping[str, str | None]) -> list:
    """The page's content.

    Args:
        kind: "theme" or "topic".
        key: the theme or topic key (an unknown one gives a "not found" notice).
        city_key: the city.
        lang: "zh" or "en".
        filters: values of FILTERS from the URL.

    Returns:
        The components.
    """
    if kind == "theme" and key not in THEMES:
        return [notice(t("not_found", lang), "error")]
    city = get_city(city_key)
    if kind == "topic" and topic_of(city_key, key) is None:  # e.g. 厦门's topic after switching to 六安
        return [notice(t("group_no_topic", lang).format(city=city.name(lang)), "error"),
                sibling_links(kind, key, city_key, lang, filters)]
    city_areas = areas(city_key)
    area = filters.get("area") if filters.get("area") in set(city_areas["adcode"]) else city.adcode
    snapshot = latest_snapshot(area)
    everything = select_rows(snapshot, kind, key, {}, city_key)
    rows = select_rows(snapshot, kind, key, filters, city_key)
    tiles = [indicator_tile(row, lang=lang, link=href(f"/indicator/{row['code']}", city_key, lang,
                                                      **({"area": area} if area != city.adcode else {})))
             for row in rows.to_dict("records")]
    return [
        sibling_links(kind, key, city_key, lang, filters),
        group_header(kind, key, rows, lang, city_key),
        filter_bar(kind, everything, city_areas, {**filters, "area": area}, lang, city_key),
        html.P(t("group_shown", lang).format(shown=len(rows), total=len(everything)), className="muted"),
        html.Div(tiles, className="tile-grid") if tiles else notice(t("group_empty", lang)),
    ]


def filters_from(query: Mapping[str, str | None]) -> dict[str, str | None]:
    """The filter values of a URL query (unknown keys ignored)."""
    return {name: query.get(name) or None for name in FILTERS}


def url_for(kind: str, key: str, city: str, lang: str, values: Mapping[str, str | None]) -> str:
    """The page's URL for a set of filter values (empty ones left out)."""
    base = "/themes" if kind == "theme" else "/topics"
    return href(f"{base}/{key}", city, lang, **{name: value for name, value in values.items() if value})


def layout(kind: str, key: str, city: str | None, lang: str | None, query: Mapping[str, str | None]) -> html.Div:
    """The page skeleton; ``fill_group`` renders it from the URL."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="group-args", data={"kind": kind, "key": key, "city": city, "lang": lang,
                                         "filters": filters_from(query)}),
        dcc.Location(id="group-go", refresh="callback-nav"),
        dcc.Loading(html.Div(id="group-content", className="group-page"), type="dot"),
    ])


@callback(Output("group-content", "children"), Input("group-args", "data"))
@cacheable_answer()
def fill_group(args: dict) -> list:
    """Render the theme or topic page for the URL."""
    try:
        return build_group(args["kind"], args["key"], args["city"], args["lang"], args["filters"])
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]


@callback(Output("group-go", "href"), Input({"type": "group-filter", "name": ALL}, "value"),
          State({"type": "group-filter", "name": ALL}, "id"), State("group-args", "data"), prevent_initial_call=True)
def apply_filters(values: list, ids: list[dict], args: dict) -> str:
    """Put the chosen filters in the URL; the page re-renders from it (and the link can be shared)."""
    chosen = {**args["filters"], **{item["name"]: value or None for item, value in zip(ids, values)}}
    if chosen["area"] == get_city(args["city"]).adcode:
        chosen["area"] = None  # the city itself is the default area
    if chosen == args["filters"]:
        raise PreventUpdate
    return url_for(args["kind"], args["key"], args["city"], args["lang"], chosen)

