"""Pure builders of the analyst's map (``pages/map.py``): data in (a ``MapView`` or its parts), dict or
component out — the districts' colours and tooltips (the GeoJSON layer's ``hideout``), the legends, the
slider's marks, the indicator picker, the district panel, the point layers and the controls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape as html_escape

import dash_leaflet as dl
import numpy as np
import pandas as pd
from dash import dcc, html

from geo.cities import City
from indicators.catalog.levels import WORST_FIRST, Level
from indicators.catalog.search import initials
from indicators.views.map import MapView, quantile_breaks, quantile_class
from pages._format import format_period, format_value, unit_label
from pages._i18n import localized, register_strings, t
from pages._map_layers import AREA_STYLE, ATTRIBUTION, alert_layer, city_bounds, labelled_boundaries
from pages._shell import href
from pages._tokens import LEVEL_COLOURS, TOKENS
from pages._widgets import LEVEL_ORDER, dropdown, level_badge

register_strings({
    "map_title": ("区县地图", "District map"),
    "map_indicator": ("指标", "Indicator"),
    "map_indicator_hint": ("搜索:代码、名称或拼音首字母", "Search: code, name or pinyin initials"),
    "map_no_options": ("没有匹配的指标", "No matching indicator"),
    "map_mode": ("着色", "Colour by"),
    "map_mode_level": ("预警等级", "Warning level"),
    "map_mode_quantile": ("五分位", "Quintiles"),
    "map_period": ("时期", "Period"),
    "map_play": ("▶ 播放", "▶ Play"),
    "map_pause": ("⏸ 暂停", "⏸ Pause"),
    "map_play_label": ("播放或暂停历史动画", "Play or pause the history"),
    "map_legend": ("图例", "Legend"),
    "map_level": ("等级", "Level"),
    "map_quantile_note": ("分位点取自该指标全部时期的区县数据,各时期颜色可比。",
                          "Breaks from every period of the districts' data, so colours compare across periods."),
    "map_no_thresholds": ("该指标在区县没有预警阈值(累计类指标的阈值按全市总量设定),区县均为正常;可改用五分位着色。",
                          "This indicator has no warning thresholds for districts (those of summed indicators apply "
                          "to the city total), so every district is normal; colour by quintiles instead."),
    "map_no_data": ("该城市暂无区县数据。", "No district data for this city yet."),
    "map_panel_hint": ("点击地图上的区县或排行中的一行,查看其核心指标和预警。",
                       "Click a district on the map or in the ranking to see its headline values and alerts."),
    "map_rank_title": ("区县排行", "Districts ranked"),
    "map_rank_best_first": ("由好到差", "best first"),
    "map_rank_high_first": ("由高到低", "highest first"),
    "map_panel_current": ("当前指标", "This indicator"),
    "map_panel_headlines": ("核心指标(最新)", "Headline indicators (latest)"),
    "map_panel_alerts": ("未结预警", "Open alerts"),
    "map_panel_no_alerts": ("该区县当前无未结预警。", "No open alerts in this district."),
    "map_panel_more": ("另有 {n} 条", "{n} more"),
    "map_open_area": ("查看区县详情 →", "Open the district's page →"),
    "map_close": ("关闭", "Close"),
    "map_region": ("区县地图,可点击区县", "District map; districts can be clicked"),
    "map_theme": ("专题图", "Thematic map"),
    "map_theme_hint": ("选择一张图", "Pick a thematic map"),
    "map_theme_health_check": ("城市体检一张图", "City health check"),
    "map_theme_market": ("市场监管一张图", "Market regulation"),
    "map_theme_education": ("教育一张图", "Education"),
    "map_layers": ("图层", "Layers"),
    "map_layer_school": ("学校", "Schools"),
    "map_layer_hospital": ("医院", "Hospitals"),
    "map_layer_market": ("市场", "Markets"),
    "map_layer_monitoring_station": ("监测站", "Monitoring stations"),
    "map_layer_fire_station": ("消防站", "Fire stations"),
    "map_capacity_school": ("在校生 {n} 人", "{n} pupils"),
    "map_capacity_hospital": ("床位 {n} 张", "{n} beds"),
    "map_capacity_market": ("摊位 {n} 个", "{n} stalls"),
    "map_capacity_fire_station": ("消防车 {n} 辆", "{n} engines"),
    "map_alert_legend": ("预警标记", "Alert markers"),
    "map_alert_colour": ("圆点颜色:该区县未结预警的最高等级", "Colour: the district's worst open alert"),
    "map_alert_size": ("圆点大小:未结预警条数", "Size: how many open alerts"),
    "map_alert_few": ("1 条", "1 alert"),
    "map_alert_many": ("{n} 条及以上", "{n} or more"),
    "map_layer_legend": ("设施图层", "Facility layers"),
    "map_cluster": ("数字气泡:该处聚合的设施数,颜色为其中最多的图层", "Numbered bubble: facilities grouped there, "
                    "in the colour of the layer most of them belong to"),
})

MODES = ("level", "quantile")
# ColorBrewer "Blues", 5 classes: light = low, dark = high (values, not judgement).
QUANTILE_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MAX_MARKS = 5
HEADLINES_SHOWN = 8
ALERTS_SHOWN = 5
# One period every 400 ms: 2.5 frames a second, the issue asks for at least 2
# (benchmarks/map_playback.py measures what the browser keeps up).
PLAY_INTERVAL_MS = 400
AREA_TOOLTIP = {"variable": "cityvitals.mapPage.areaTooltip"}
FACILITY_POINT = {"variable": "cityvitals.mapPage.facilityPoint"}
CLUSTER_POINT = {"variable": "cityvitals.map.clusterPoint"}
# The alert markers' radius in px (assets/60-map.js alertPoint): 7 + min(count, 30) / 3.
ALERT_RADIUS_MIN, ALERT_COUNT_CAP = 7, 30
LAYERS = ("school", "hospital", "market", "monitoring_station", "fire_station")
# Point colours per layer (design tokens --layer-<kind>), apart from the level colours of the districts under them.
LAYER_COLOURS = {layer: TOKENS[f"--layer-{layer}"] for layer in ("school", "hospital", "market", "monitoring_station",
                                                                   "fire_station")}
CAPACITY_LAYERS = ("school", "hospital", "market", "fire_station")  # monitoring stations have no capacity
# The thematic maps (一张图): the indicator they colour the districts by and the point layers they show.
THEMES = {
    "health_check": {"code": "PUB-HLT-002", "layers": ("hospital", "fire_station", "monitoring_station")},
    "market": {"code": "MKT-FOOD-002", "layers": ("market",)},
    "education": {"code": "PUB-EDU-009", "layers": ("school",)},
}


def quantile_colours(classes: int) -> list[str]:
    """``classes`` colours spread over the palette, light to dark."""
    if classes <= 1:
        return [QUANTILE_COLOURS[2]]
    picks = np.linspace(0, len(QUANTILE_COLOURS) - 1, classes).round().astype(int)
    return [QUANTILE_COLOURS[i] for i in picks]


def area_colour(value: float | None, warning: str, mode: str, breaks: Sequence[float]) -> str:
    """The fill of one district: its level's colour, or its quantile class's colour."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or warning == "nodata":
        return LEVEL_COLOURS["nodata"]
    if mode == "quantile":
        return quantile_colours(len(breaks) + 1)[quantile_class(value, breaks)]
    return LEVEL_COLOURS.get(warning, LEVEL_COLOURS["nodata"])


def map_hideout(rows: pd.DataFrame, districts: Sequence[tuple[str, str]], *, unit: str, frequency: str, mode: str,
                breaks: Sequence[float], lang: str, selected: str | None = None) -> dict:
    """What the style and tooltip functions read for one period: a colour and tooltip lines per district.

    Args:
        rows: ``map_queries.district_history`` rows of one period (adcode, period, value, warning).
        districts: every district of the city as (adcode, name), so those without a value are
            labelled too.
        unit: the indicator's catalog unit.
        frequency: its frequency (to write the period).
        mode: ``level`` or ``quantile``.
        breaks: the quantile breaks (used in ``quantile`` mode).
        lang: "zh" or "en".
        selected: the adcode outlined as selected, or None.

    Returns:
        ``{"colours": {adcode: colour}, "labels": {adcode: [lines]}, "selected": adcode}``;
        the lines are the district, value with unit, level and as-of period.
    """
    by_area = {row["adcode"]: row for row in rows.to_dict("records")}
    colours, labels = {}, {}
    for adcode, name in districts:
        row = by_area.get(adcode)
        if row is None or pd.isna(row["value"]):
            colours[adcode] = LEVEL_COLOURS["nodata"]
            labels[adcode] = [name, t("no_data", lang)]
            continue
        colours[adcode] = area_colour(float(row["value"]), row["warning"], mode, breaks)
        labels[adcode] = [
            name,
            f"{format_value(float(row['value']), lang)} {unit_label(unit, lang)}".strip(),
            f"{t('map_level', lang)}: {Level(row['warning']).label(lang)}",
            f"{t('as_of', lang)} {format_period(row['period'], frequency, lang)}",
        ]
    return {"colours": colours, "labels": labels, "selected": selected}


def small_map_colouring(values: pd.DataFrame) -> tuple[str, dict[str, str], list[float]]:
    """How a small map of one indicator's districts is coloured so that it shows something: by warning level
    when the districts differ in level, else by quintiles of their values (one flat colour says nothing).

    Args:
        values: the districts' rows (``adcode``, ``value``, ``warning``), e.g. of ``queries.area_values``.

    Returns:
        ``(mode, {adcode: colour}, breaks)``: mode ``level`` or ``quantile``, the breaks for the legend.
    """
    known = values[values["value"].notna() & (values["warning"] != "nodata")]
    if known["warning"].nunique() > 1:
        return "level", {a: area_colour(v, w, "level", []) for a, v, w in
                         zip(values["adcode"], values["value"], values["warning"])}, []
    breaks = quantile_breaks(known["value"])
    return "quantile", {a: area_colour(v, w, "quantile", breaks) for a, v, w in
                        zip(values["adcode"], values["value"], values["warning"])}, breaks


def _swatch(colour: str) -> html.Span:
    return html.Span(className="map-swatch", style={"backgroundColor": colour}, **{"aria-hidden": "true"})


def legend(mode: str, breaks: Sequence[float], lang: str, *, unit: str = "") -> html.Div:
    """The legend of the colouring: the levels, or the quantile classes with their ranges."""
    if mode == "quantile":
        colours = quantile_colours(len(breaks) + 1)
        edges = [format_value(b, lang) for b in breaks]
        texts = ([f"≤ {edges[0]}"] + [f"{low} – {high}" for low, high in zip(edges, edges[1:])] + [f"> {edges[-1]}"]
                 if edges else [t("map_mode_quantile", lang)])
        items = list(zip(colours, texts))
    else:
        items = [(LEVEL_COLOURS[level], Level(level).label(lang)) for level in reversed(LEVEL_ORDER)]
    items.append((LEVEL_COLOURS["nodata"], Level.NODATA.label(lang)))
    title = t("map_legend", lang) + (f" ({unit_label(unit, lang)})" if mode == "quantile" and unit else "")
    return html.Div([
        html.H2(title, className="map-legend-title"),
        html.Ul([html.Li([_swatch(colour), html.Span(text)], className="map-legend-item") for colour, text in items],
                className="map-legend-items"),
    ], className=f"map-legend map-legend-{mode}")


def _dot(colour: str, radius: float) -> html.Span:
    size = f"calc({2 * radius:g}px * var(--map-scale, 1))"  # bigger on a video wall, as the markers
    return html.Span(className="map-dot", style={"backgroundColor": colour, "width": size, "height": size},
                     **{"aria-hidden": "true"})


def alert_radius(count: int) -> float:
    """An alert marker's radius in px for a district's count of open alerts, as assets/60-map.js draws it."""
    return ALERT_RADIUS_MIN + min(count, ALERT_COUNT_CAP) / 3


def alert_legend(lang: str) -> html.Div:
    """What the alert markers mean: colour = the district's worst open alert level, size = how many."""
    colours = [html.Li([_dot(LEVEL_COLOURS[level], alert_radius(1)), html.Span(Level(level).label(lang))],
                       className="map-key-item") for level in WORST_FIRST]
    sizes = [html.Li([_dot(LEVEL_COLOURS["nodata"], alert_radius(1)), html.Span(t("map_alert_few", lang))],
                     className="map-key-item"),
             html.Li([_dot(LEVEL_COLOURS["nodata"], alert_radius(ALERT_COUNT_CAP)),
                      html.Span(t("map_alert_many", lang).format(n=ALERT_COUNT_CAP))], className="map-key-item")]
    return html.Div([
        html.H2(t("map_alert_legend", lang), className="map-legend-title"),
        html.P(t("map_alert_colour", lang), className="map-legend-note"),
        html.Ul(colours, className="map-legend-items"),
        html.P(t("map_alert_size", lang), className="map-legend-note"),
        html.Ul(sizes, className="map-legend-items map-legend-sizes"),
    ], className="map-legend map-legend-alerts")


def layer_legend(layers: Iterable[str], lang: str) -> html.Div | None:
    """The shown facility layers' point colours and what a numbered cluster bubble means; None without layers."""
    shown = clean_layers(layers)
    if not shown:
        return None
    return html.Div([
        html.H2(t("map_layer_legend", lang), className="map-legend-title"),
        html.Ul([html.Li([_dot(LAYER_COLOURS[layer], 6), html.Span(t(f"map_layer_{layer}", lang))],
                         className="map-key-item") for layer in shown], className="map-legend-items"),
        html.P([html.Span("12", className="map-cluster map-cluster-sample", **{"aria-hidden": "true"}),
                t("map_cluster", lang)], className="map-legend-note"),
    ], className="map-legend map-legend-layers")


def _mark_label(period: date, frequency: str) -> str:
    if frequency == "yearly":
        return f"{period.year}"
    if frequency == "quarterly":
        return f"{period.year}Q{(period.month - 1) // 3 + 1}"
    return f"{period.year}-{period.month:02d}"


def slider_marks(periods: Sequence[date], frequency: str, max_marks: int = MAX_MARKS) -> dict[int, str]:
    """At most ``max_marks`` short labels over the slider's positions, the first and the newest included."""
    if not periods:
        return {}
    positions = sorted({int(i) for i in np.linspace(0, len(periods) - 1, min(len(periods), max_marks)).round()})
    return {i: _mark_label(periods[i], frequency) for i in positions}


def indicator_options(catalog: pd.DataFrame, codes: Iterable[str], lang: str) -> list[dict]:
    """One picker option per indicator with district data, found by code, either name or pinyin initials."""
    wanted = set(codes)
    rows = catalog[catalog["code"].isin(wanted)]
    return [{"label": f"{zh if lang == 'zh' else en} · {code}", "value": code,
             "search": f"{code} {zh} {en} {initials(zh)}"}
            for code, zh, en in zip(rows["code"], rows["name_zh"], rows["name_en"])]

def district_panel(*, adcode: str, name: str, city_key: str, lang: str, current: Mapping | None,
                   headlines: pd.DataFrame, open_alerts: pd.DataFrame) -> html.Div:
    """The side panel of a clicked district.

    Args:
        adcode, name: the district.
        city_key: its city (for the link).
        lang: "zh" or "en".
        current: the map's indicator in the district at the shown period (``name``, ``value``,
            ``unit``, ``warning``, ``period`` already written), or None.
        headlines: rows of ``queries.latest_snapshot`` of the district's headline indicators, worst first.
        open_alerts: ``queries.alerts`` of the district (open ones), worst first.

    Returns:
        The panel's content: name, the current value, headline values, alerts and a link to the
        district's page.
    """
    parts: list = [html.Div([html.H2(name, className="map-panel-title"),
                             html.Button("×", id="map-panel-close", className="map-panel-close",
                                         title=t("map_close", lang), **{"aria-label": t("map_close", lang)})],
                            className="map-panel-head")]
    if current is not None:
        parts.append(html.Section([
            html.H3(t("map_panel_current", lang), className="map-panel-subtitle"),
            html.P([html.Span(current["name"], className="map-panel-name"), html.Br(),
                    html.Strong(f"{current['value']} {current['unit']}".strip(), className="map-panel-value"), " ",
                    level_badge(current["warning"], lang), " ",
                    html.Span(f"{t('as_of', lang)} {current['period']}", className="muted")]),
        ], className="map-panel-section"))
    rows = []
    for row in headlines.head(HEADLINES_SHOWN).to_dict("records"):
        label = localized(row, lang)
        rows.append(html.Tr([
            html.Td(dcc.Link(label, href=href(f"/indicator/{row['code']}", city_key, lang, area=adcode))),
            html.Td(f"{format_value(row['value'], lang)} {unit_label(row['unit'], lang)}".strip(), className="num"),
            html.Td(level_badge(row["level"], lang)),
        ]))
    if rows:
        parts.append(html.Section([html.H3(t("map_panel_headlines", lang), className="map-panel-subtitle"),
                                   html.Table(html.Tbody(rows), className="data-table map-panel-table")],
                                  className="map-panel-section"))
    if open_alerts.empty:
        alert_part = html.P(t("map_panel_no_alerts", lang), className="muted")
    else:
        lines = [html.Li([level_badge(row["level"], lang), " ",
                          html.Span(localized(row, lang, "sentence"))], className="alert-line")
                 for row in open_alerts.head(ALERTS_SHOWN).to_dict("records")]
        more = len(open_alerts) - ALERTS_SHOWN
        alert_part = html.Div([html.Ul(lines, className="alert-lines"),
                               html.P(t("map_panel_more", lang).format(n=more), className="muted") if more > 0 else None])
    parts.append(html.Section([html.H3(f"{t('map_panel_alerts', lang)} ({len(open_alerts)})",
                                       className="map-panel-subtitle"), alert_part], className="map-panel-section"))
    parts.append(dcc.Link(t("map_open_area", lang), href=href(f"/area/{adcode}", city_key, lang),
                          className="button map-panel-link"))
    return html.Div(parts, className="map-panel-body", **{"data-adcode": adcode})


def panel_hint(lang: str) -> html.P:
    """The panel before a district is clicked."""
    return html.P(t("map_panel_hint", lang), className="muted map-panel-hint")


def theme_preset(theme: str | None, codes: Iterable[str]) -> tuple[str | None, list[str]]:
    """A thematic map's indicator (None when unknown or without district data in the city) and point layers."""
    preset = THEMES.get(theme or "")
    if preset is None:
        return None, []
    return (preset["code"] if preset["code"] in set(codes) else None), list(preset["layers"])


def clean_layers(layers: Iterable[str] | None) -> list[str]:
    """The known layers among ``layers``, in the checklist's order."""
    wanted = set(layers or [])
    return [layer for layer in LAYERS if layer in wanted]


def points_data(collection: Mapping, layers: Iterable[str], lang: str) -> dict:
    """The point layer's GeoJSON: the facilities of the shown layers, each with a tooltip in ``lang``.

    The tooltip is HTML for Leaflet, so the names are escaped.
    """
    shown = set(clean_layers(layers))
    features = []
    for feature in collection.get("features", []):
        props = feature["properties"]
        if props["kind"] not in shown:
            continue
        name = localized(props, lang)
        lines = [f"<strong>{html_escape(name)}</strong>", html_escape(t(f"map_layer_{props['kind']}", lang))]
        if props.get("capacity") is not None and props["kind"] in CAPACITY_LAYERS:
            lines.append(html_escape(t(f"map_capacity_{props['kind']}", lang).format(
                n=format_value(float(props["capacity"]), lang))))
        features.append({**feature, "properties": {**props, "tooltip": "<br>".join(lines)}})
    return {"type": "FeatureCollection", "features": features}


def layer_buttons(layers: Iterable[str], lang: str) -> html.Div:
    """The layers' checklist as toggle buttons (pressed = shown), each with its point colour."""
    shown = set(clean_layers(layers))
    return html.Div([
        html.Button([_swatch(LAYER_COLOURS[layer]), t(f"map_layer_{layer}", lang)],
                    id={"type": "map-layer", "kind": layer}, n_clicks=0,
                    className="map-layer" + (" is-active" if layer in shown else ""),
                    **{"aria-pressed": "true" if layer in shown else "false"})
        for layer in LAYERS], className="map-layers", role="group", **{"aria-labelledby": "map-layers-title"})


def leaflet_map(city: City, hideout: dict, tile_url: str, lang: str, points: dict | None = None,
                alerts: dict | None = None) -> html.Figure:
    """The map: the city's districts (sent once, with their names: ``labelled_boundaries``), the districts'
    open alerts as markers, the clustered point layers over them (clusters in the layers' colours), tiles only
    when configured, the attribution under it."""
    layers = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    layers.append(dl.GeoJSON(id="map-areas", data=labelled_boundaries(city, lang), hideout=hideout, style=AREA_STYLE,
                             onEachFeature=AREA_TOOLTIP, attribution=ATTRIBUTION))
    layers.append(alert_layer("map-alerts", alerts))
    layers.append(dl.GeoJSON(id="map-points", data=points or {"type": "FeatureCollection", "features": []},
                             cluster=True, zoomToBoundsOnClick=True, superClusterOptions={"radius": 60, "maxZoom": 15},
                             pointToLayer=FACILITY_POINT, clusterToLayer=CLUSTER_POINT,
                             hideout={"colours": LAYER_COLOURS, "cluster": TOKENS["--accent"]}))
    # trackViewport off: the view comes from the bounds (see pages._map_layers.district_map).
    leaflet = dl.Map(layers, id="map-leaflet", bounds=city_bounds(city), zoomSnap=0.25, scrollWheelZoom=False,
                     trackViewport=False, className="district-map map-page-map",
                     style={"width": "100%"})
    return html.Figure([leaflet, html.Figcaption(ATTRIBUTION, className="map-attribution")],
                       className="map-figure", role="group", **{"aria-label": t("map_region", lang)})


def controls(state: dict, view: MapView, lang: str) -> html.Div:
    """The thematic map, the indicator picker, the colouring choice, the time slider, play/pause and the layers."""
    periods, frequency = view.periods, view.meta["frequency"]
    options = indicator_options(view.options, view.codes, lang)
    return html.Div([
        html.Div([
            html.Label(t("map_theme", lang), htmlFor="map-theme", className="map-label"),
            dropdown(lang, id="map-theme",
                     options=[{"label": t(f"map_theme_{key}", lang), "value": key} for key in THEMES],
                     value=state.get("theme"), clearable=True, searchable=False, className="map-dropdown",
                     placeholder=t("map_theme_hint", lang)),
        ], className="map-field map-field-theme"),
        html.Div([
            html.Label(t("map_indicator", lang), htmlFor="map-code", className="map-label"),
            dropdown(lang, id="map-code", options=options, value=view.code, clearable=False, searchable=True,
                     placeholder=t("map_indicator_hint", lang), className="map-dropdown", optionHeight=40,
                     maxHeight=420, labels={"search": t("map_indicator_hint", lang),
                                            "no_options_found": t("map_no_options", lang)}),
        ], className="map-field map-field-code"),
        html.Div([
            html.Span(t("map_mode", lang), className="map-label", id="map-mode-title"),
            # Two toggle buttons, not radio items: Dash 4's radio list nests its inputs in options,
            # which screen readers do not announce (axe: nested-interactive).
            html.Div([html.Button(t(f"map_mode_{m}", lang), id=f"map-mode-{m}", n_clicks=0,
                                  className="map-mode" + (" is-active" if m == state["mode"] else ""),
                                  **{"aria-pressed": "true" if m == state["mode"] else "false"}) for m in MODES],
                     className="map-modes", role="group", **{"aria-labelledby": "map-mode-title"}),
            dcc.Store(id="map-mode", data=state["mode"]),
        ], className="map-field map-field-mode"),
        html.Div([
            html.Div([html.Span(t("map_period", lang), className="map-label", id="map-period-title"),
                      html.Output(period_text(view, lang), id="map-period-text", className="map-period-text",
                                  **{"aria-live": "polite"})], className="map-period-head"),
            html.Div([
                html.Button(t("map_play", lang), id="map-play", className="button map-play", n_clicks=0,
                            title=t("map_play_label", lang)),
                html.Div(dcc.Slider(id="map-slider", min=0, max=max(len(periods) - 1, 0), step=1, value=view.index,
                                    marks=slider_marks(periods, frequency), allow_direct_input=False,
                                    included=True, updatemode="mouseup"),
                         className="map-slider", role="group", **{"aria-labelledby": "map-period-title"}),
            ], className="map-time"),
            dcc.Interval(id="map-interval", interval=PLAY_INTERVAL_MS, disabled=True),
        ], className="map-field map-field-period"),
        html.Div([
            html.Span(t("map_layers", lang), className="map-label", id="map-layers-title"),
            layer_buttons(state.get("layers", []), lang),
            dcc.Store(id="map-layers", data=state.get("layers", [])),
        ], className="map-field map-field-layers"),
    ], className="map-controls")


# ---------------------------------------------------------------------------------------------
# A MapView drawn: what the page's callbacks return.
# ---------------------------------------------------------------------------------------------

def period_text(view: MapView, lang: str) -> str:
    """The shown period in words ("2025年5月" / "May 2025"), "—" without data."""
    return format_period(view.period, view.meta["frequency"], lang) if view.period else "—"


def colouring(view: MapView, mode: str, lang: str) -> dict:
    """What changes with the indicator, period, colouring or district: ``hideout``, ``legend``, ``note``
    and ``period_text``."""
    meta = view.meta
    breaks = view.breaks if mode == "quantile" else []
    districts = [(d.adcode, d.name(lang)) for d in view.districts]
    hideout = map_hideout(view.rows, districts, unit=meta["unit"], frequency=meta["frequency"], mode=mode,
                          breaks=breaks, lang=lang, selected=view.area.adcode if view.area else None)
    if mode == "quantile":
        note = t("map_quantile_note", lang)
    else:
        note = None if view.levelled else t("map_no_thresholds", lang)
    return {"hideout": hideout, "legend": legend(mode, breaks, lang, unit=meta["unit"]), "note": note,
            "period_text": period_text(view, lang)}


def district_ranking(view: MapView, lang: str) -> html.Div | html.P:
    """Before a district is picked: every district with a value at the shown period, ranked — best first where the
    indicator has a good direction, else highest first — each row a button that opens the district's panel."""
    if view.meta is None or view.period is None or view.rows.empty:
        return panel_hint(lang)
    rows = view.rows.dropna(subset=["value"])
    judged = view.meta["direction"] in ("up", "down")
    rows = rows.sort_values("value", ascending=view.meta["direction"] == "down")
    largest = rows["value"].abs().max() or 1.0
    names = {district.adcode: district.name(lang) for district in view.districts}
    unit = unit_label(view.meta["unit"], lang)
    items = [html.Li(html.Button([
        html.Span(str(rank), className="map-rank-no"),
        html.Span(names.get(row["adcode"], row["adcode"]), className="map-rank-name"),
        html.Span(html.Span(className="map-rank-fill", style={"width": f"{abs(row['value']) / largest * 100:.0f}%"}),
                  className="map-rank-bar"),
        html.Span(f"{format_value(float(row['value']), lang)} {unit}".strip(), className="map-rank-value"),
        level_badge(row["warning"], lang) if view.levelled else None,
    ], id={"type": "map-rank", "adcode": row["adcode"]}, n_clicks=0, className="map-rank-row"))
        for rank, row in enumerate(rows.to_dict("records"), start=1)]
    order = t("map_rank_best_first" if judged else "map_rank_high_first", lang)
    return html.Div([
        html.H2(t("map_rank_title", lang), className="map-panel-title"),
        html.P(f"{localized(view.meta, lang)} · {period_text(view, lang)} · {order}", className="muted map-rank-what"),
        html.Ol(items, className="map-rank-list"),
        panel_hint(lang),
    ], className="map-ranking")


def panel(view: MapView, lang: str) -> html.Div | html.P:
    """The side panel of the view's district, or the districts' ranking when none is selected."""
    figures = view.figures
    if figures is None:
        return district_ranking(view, lang)
    current = None
    if view.meta is not None and view.period is not None:
        current = {"name": localized(view.meta, lang), "unit": unit_label(view.meta["unit"], lang),
                   "period": period_text(view, lang),
                   "value": format_value(figures.value, lang) if figures.value is not None else "—",
                   "warning": figures.warning}
    return district_panel(adcode=figures.district.adcode, name=figures.district.name(lang), city_key=view.city,
                          lang=lang, current=current, headlines=figures.headlines, open_alerts=figures.open_alerts)
