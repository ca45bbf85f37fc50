"""The province page's and the province wall's pure builders (``/province``, ``/province/screen``): a
``ProvinceView`` in, the ranking, the figures' panels and the map out."""

from __future__ import annotations

import math

import dash_leaflet as dl
import pandas as pd
from dash import html

from geo.cities import ATTRIBUTION
from geo.provinces import province_geojson, province_name
from indicators.views.province import FIGURES, ProvinceView
from pages._format import format_value
from pages._i18n import localized, register_strings, t
from pages._map_layers import AREA_STYLE, AREA_TOOLTIP, area_hideout, short_name
from pages._shell import href
from pages._tokens import TOKENS

register_strings({
    "province_title": ("{province} · 城市比较", "{province} · cities compared"),
    "province_rank": ("综合排名", "Rank"),
    "province_city": ("城市", "City"),
    "province_figure_gdp_growth": ("GDP累计同比 %", "GDP growth, YTD %"),
    "province_figure_industry_growth": ("规上工业增加值累计同比 %", "Industrial value added growth, YTD %"),
    "province_figure_retail_per_capita": ("人均社会消费品零售额（年内累计，元）", "Retail sales per resident, YTD (yuan)"),
    "province_figure_good_air_days": ("空气优良天数比例 %", "Good-air days %"),
    "province_figure_score": ("健康指数", "Health score"),
    "province_figure_warnings": ("红色、橙色预警", "Red and orange warnings"),
    "province_note": ("每项指标的名次在括号中（1 为最好），综合排名按各项名次的平均。点击城市进入该市。",
                      "Each figure's rank is in brackets (1 = best); the overall rank is by the mean of the ranks. "
                      "Click a city to open it."),
    "province_hidden": ("另有 {count} 个城市不在您的查看范围内。", "{count} more cities are outside what you may see."),
    "province_none": ("您的账号无权查看本省的城市。", "Your account may not see any city of this province."),
    "province_wall": ("大屏", "Wall view"),
    "province_wall_title": ("{province} · 城市运行比较", "{province} · cities at a glance"),
    "province_wall_overall": ("综合排名(平均名次)", "Overall rank (mean rank)"),
    "province_wall_note": ("各项按全省城市排名(1 为最好);点击城市进入该市大屏。",
                           "Each figure ranks the province's cities (1 = best); click a city for its wall."),
})


def _cell(value: float, rank: float, figure: str, lang: str) -> html.Td:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return html.Td("—", className="num")
    digits = 0 if figure in ("retail_per_capita", "warnings", "score") else 1
    text = format_value(round(value, digits), lang)
    return html.Td([text, html.Span(f" ({rank:.0f})", className="muted")], className="num",
                   **{"data-rank": f"{rank:.0f}"})


def ranking_table(table: pd.DataFrame, lang: str) -> html.Table:
    """The cities best first: overall rank, the city (a link to it), each figure with its rank."""
    head = html.Tr([html.Th(t("province_rank", lang)), html.Th(t("province_city", lang)),
                    *[html.Th(t(f"province_figure_{figure}", lang), className="num") for figure in FIGURES]])
    rows = [html.Tr([html.Td(f"{row['rank']:.0f}" if not math.isnan(row["rank"]) else "—", className="num"),
                     html.Td(html.A(localized(row, lang), href=href("/", row["key"], lang))),
                     *[_cell(row[figure], row[f"{figure}_rank"], figure, lang) for figure in FIGURES]],
                    **{"data-city": row["key"]})
            for row in table.to_dict("records")]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="data-table province-table")


def province_map(view: ProvinceView, lang: str, *, map_id: str = "province-map", height: str = "420px") -> html.Figure:
    """The province's cities, outlined from their districts, each labelled with its name and rank."""
    ranks = dict(zip(view.table["adcode"], view.table["rank"]))
    labels = {city.adcode: f"{city.name(lang)} · {t('province_rank', lang)} {ranks.get(city.adcode, math.nan):.0f}"
              for city in view.cities}
    hideout = area_hideout({city.adcode: TOKENS["--accent"] for city in view.cities}, labels)
    bounds = _bounds(view)
    outlines = province_geojson(view.cities)
    names = {city.adcode: short_name(city.name(lang), lang) for city in view.cities}
    named = {**outlines, "features": [{**feature, "properties": {**feature["properties"],
                                                                 "label": names[feature["properties"]["adcode"]]}}
                                      for feature in outlines["features"]]}
    leaflet = dl.Map([dl.GeoJSON(id=f"{map_id}-areas", data=named, hideout=hideout,
                                 style=AREA_STYLE, onEachFeature=AREA_TOOLTIP, attribution=ATTRIBUTION)],
                     id=map_id, bounds=bounds, zoomSnap=0.25, scrollWheelZoom=False, trackViewport=False,
                     style={"height": height, "width": "100%"}, className="district-map")
    return html.Figure([leaflet, html.Figcaption(ATTRIBUTION, className="map-attribution")], className="map-figure")


def _bounds(view: ProvinceView) -> list[list[float]]:
    points = [point for feature in province_geojson(view.cities)["features"]
              for point in _points(feature["geometry"]["coordinates"])]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _points(coordinates) -> list:
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [coordinates]
    return [point for part in coordinates for point in _points(part)]


def province_content(view: ProvinceView, lang: str) -> list:
    """The page's content: title, note, map and ranking (or why there is nothing to show)."""
    title = html.H1(t("province_title", lang).format(province=province_name(view.province_zh, lang)),
                    className="page-title")
    if not view.cities:
        return [title, html.P(t("province_none", lang), className="notice notice-error")]
    hidden = [html.P(t("province_hidden", lang).format(count=view.hidden), className="muted")] if view.hidden else []
    wall = html.A(t("province_wall", lang), href=href("/province/screen", view.cities[0].key, lang,
                                                      province=view.province_zh), className="chip province-wall-link")
    return [html.Div([title, wall], className="province-head"), html.P(t("province_note", lang), className="muted"),
            province_map(view, lang), html.Div(ranking_table(view.table, lang), className="table-scroll"), *hidden]


def _bar_line(rank: float, name: str, link: str, share: float, value_text: str) -> html.Li:
    return html.Li([html.Span("—" if math.isnan(rank) else f"{rank:.0f}", className="screen-rank-no"),
                    html.A(name, href=link, className="screen-rank-name", title=name),
                    html.Span(html.Span(className="screen-rank-fill", style={"width": f"{share:.0f}%"}),
                              className="screen-rank-bar"),
                    html.Span(value_text, className="screen-rank-value")],
                   className="screen-rank province-rank", **{"data-rank": "" if math.isnan(rank) else f"{rank:.0f}"})


def _wall_panel(title: str, lines: list, key: str) -> html.Section:
    return html.Section([html.Header(html.H3(title, className="screen-theme-name", title=title),
                                     className="screen-theme-head"),
                         html.Ol(lines, className="screen-rank-list")],
                        className="screen-theme screen-ranking-panel province-panel", **{"data-figure": key})


def figure_panel(table: pd.DataFrame, figure: str, lang: str) -> html.Section:
    """One figure across the cities, best first: rank, city (a link to its wall), a bar to the largest value, value."""
    ordered = table.sort_values([f"{figure}_rank", "key"], na_position="last")
    top = max((abs(v) for v in ordered[figure] if not math.isnan(v)), default=0) or 1
    digits = 0 if figure in ("retail_per_capita", "warnings", "score") else 1
    lines = [_bar_line(row[f"{figure}_rank"], localized(row, lang), href("/screen", row["key"], lang),
                       0 if math.isnan(row[figure]) else abs(row[figure]) / top * 100,
                       "—" if math.isnan(row[figure]) else format_value(round(row[figure], digits), lang))
             for row in ordered.to_dict("records")]
    return _wall_panel(t(f"province_figure_{figure}", lang), lines, figure)


def overall_panel(table: pd.DataFrame, lang: str) -> html.Section:
    """The overall ranking: rank, city, a bar that is longest for the best mean rank, the mean rank."""
    count = len(table)
    lines = []
    for row in table.to_dict("records"):
        mean_rank = sum(row[f"{figure}_rank"] for figure in FIGURES) / len(FIGURES)
        share = 100 if count == 1 else (count - mean_rank) / (count - 1) * 100
        lines.append(_bar_line(row["rank"], localized(row, lang), href("/screen", row["key"], lang), max(share, 4),
                               format_value(round(mean_rank, 1), lang)))
    return _wall_panel(t("province_wall_overall", lang), lines, "overall")


# The wall's side columns: three panels each (the overall ranking leads; the warnings are the counts above the map).
WALL_LEFT = ("overall", "score", "good_air_days")
WALL_RIGHT = ("gdp_growth", "industry_growth", "retail_per_capita")


def wall_parts(view: ProvinceView, lang: str) -> dict:
    """The province wall's parts: title, the left and right columns' panels, the open alerts by level, the map."""
    def panel(key: str) -> html.Section:
        return overall_panel(view.table, lang) if key == "overall" else figure_panel(view.table, key, lang)

    return {"title": t("province_wall_title", lang).format(province=province_name(view.province_zh, lang)),
            "left": [panel(key) for key in WALL_LEFT], "right": [panel(key) for key in WALL_RIGHT],
            "counts": view.alert_totals,
            "map": province_map(view, lang, map_id="province-screen-map", height="640px")}
