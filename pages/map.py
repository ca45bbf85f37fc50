"""The analyst's map (图看): a city's districts coloured by any indicator with district data.

``/map?city=xiamen&lang=zh&code=ENV-AIR-010&mode=level|quantile&period=2025-05-01&area=350203&theme=education``

The layout is a skeleton (no store read); ``fill_map`` draws one ``indicators.views.map.map_view`` into it with
the pure builders of ``pages/_map_parts.py``, sending the boundaries once; a new indicator, period, colouring or selected
district changes only the GeoJSON layer's ``hideout`` (colours and tooltips per adcode, read by
``cityvitals.map.areaStyle`` of assets/60-map.js and ``cityvitals.mapPage.areaTooltip`` of
assets/66-map-page.js). A time slider with play/pause walks the colours through history. Clicking
a district opens a panel with its headline values, open alerts and a link to its page.

Point layers (schools, hospitals, markets, monitoring and fire stations) are a second GeoJSON layer,
clustered by dash-leaflet (``cluster=True``); toggling a layer changes only that layer's ``data``. A
thematic preset (``?theme=health_check|market|education``, 城市体检/市场监管/教育一张图) picks an
indicator and the point layers that go with it.

Every callback calls the one view and one builder; the client-side ones live in assets/66-map-page.js.
"""


from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from geo.cities import get_city
from indicators.views.cache import cacheable_answer
from indicators.views.map import map_view
from pages._i18n import t
from pages._map_parts import (
    LAYERS,
    MODES,
    THEMES,
    alert_legend,
    clean_layers,
    colouring,
    controls,
    layer_legend,
    leaflet_map,
    panel,
    points_data,
    slider_marks,
    theme_preset,
)
from pages._map_layers import alert_points
from pages._shell import current_settings, href, resolve
from pages._widgets import PAGE_FAILURES, failure_notice, notice

dash.register_page(__name__, cacheable_layout=True, path="/map", title="地图 · City Vitals", name="map", order=5, nav="nav_map")


def _period(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def layout(city: str | None = None, lang: str | None = None, code: str | None = None, mode: str | None = None,
           period: str | None = None, area: str | None = None, theme: str | None = None, **_) -> html.Div:
    """The page skeleton for the URL's city and language; ``fill_map`` draws the URL's indicator, colouring,
    period, district and thematic map into it (no store read here)."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="map-args", data={"city": city, "lang": lang}),
        dcc.Store(id="map-request", data={"code": code, "mode": mode, "period": period, "area": area, "theme": theme}),
        dcc.Store(id="map-url"),
        dcc.Store(id="map-play-labels", data={"play": t("map_play", lang), "pause": t("map_pause", lang)}),
        html.Div(id="map-url-sink", hidden=True),
        html.H1([t("map_title", lang), " ", html.Small(get_city(city).name(lang), className="map-city")],
                className="page-title"),
        dcc.Loading(html.Div(id="map-content"), type="dot"),
    ], className="map-page")


@callback(Output("map-content", "children"), Input("map-request", "data"), State("map-args", "data"))
@cacheable_answer()
def fill_map(request: dict, args: dict) -> list:
    """The controls, the map and the district panel for the URL's indicator, colouring, period, district
    and thematic map; unknown values fall back to the defaults."""
    city, lang = args["city"], args["lang"]
    theme = request.get("theme") if request.get("theme") in THEMES else None
    mode = request.get("mode") if request.get("mode") in MODES else "level"
    try:
        view = map_view(city, request.get("code") or (THEMES[theme]["code"] if theme else None),
                        _period(request.get("period")), request.get("area"))
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)]
    if view.code is None:
        return [notice(t("map_no_data", lang), "info")]
    layers = theme_preset(theme, view.codes)[1]
    drawn = colouring(view, mode, lang)
    state = {"mode": mode, "theme": theme, "layers": layers}
    return [
        dcc.Store(id="map-area", data=view.area.adcode if view.area else None),
        controls(state, view, lang),
        html.Div(id="map-status"),
        html.Div([
            html.Section([
                leaflet_map(get_city(city), drawn["hideout"], current_settings().tile_url, lang,
                            points_data(view.facilities, layers, lang),
                            alert_points(get_city(city), view.open_alerts, lang)),
                html.Div([html.Div(drawn["legend"], id="map-legend"), alert_legend(lang),
                          html.Div(layer_legend(layers, lang), id="map-layer-legend")], className="map-legends"),
                html.P(drawn["note"], id="map-note", className="muted map-note"),
            ], className="card map-main"),
            html.Aside(panel(view, lang), id="map-panel", className="card map-panel", **{"aria-live": "polite"}),
        ], className="map-grid"),
    ]


# ---------------------------------------------------------------------------------------------
# Callbacks: only the hideout, legend, slider and panel change; never the GeoJSON data.
# ---------------------------------------------------------------------------------------------

@callback(output={"hideout": Output("map-areas", "hideout"), "legend": Output("map-legend", "children"),
                  "note": Output("map-note", "children"), "period_text": Output("map-period-text", "children"),
                  "max": Output("map-slider", "max"), "marks": Output("map-slider", "marks"),
                  "value": Output("map-slider", "value"), "url": Output("map-url", "data"),
                  "status": Output("map-status", "children")},
          inputs={"code": Input("map-code", "value"), "mode": Input("map-mode", "data"),
                  "index": Input("map-slider", "value"), "area": Input("map-area", "data")},
          state={"args": State("map-args", "data"), "theme": State("map-theme", "value")}, prevent_initial_call=True)
@cacheable_answer()
def recolour(code: str | None, mode: str | None, index: int | None, area: str | None, args: dict,
             theme: str | None = None) -> dict:
    """Recolour the districts for the picked indicator, colouring, period and selected district.

    A new indicator starts at its newest period; the slider's range and marks follow it.
    """
    city, lang = args["city"], args["lang"]
    mode = mode if mode in MODES else "level"
    new_indicator = ctx.triggered_id == "map-code"
    no = dash.no_update
    try:
        view = map_view(city, code, None if new_indicator else index, area)
    except PAGE_FAILURES as exc:
        return {"hideout": no, "legend": no, "note": no, "period_text": no, "max": no, "marks": no, "value": no,
                "url": no, "status": failure_notice(exc, lang)}
    extra = {**({"area": area} if area else {}), **({"theme": theme} if theme in THEMES else {})}
    url = href("", city, lang, code=view.code, mode=mode, period=view.period.isoformat(), **extra) \
        if view.period else no
    return {**colouring(view, mode, lang),
            "max": max(len(view.periods) - 1, 0) if new_indicator else no,
            "marks": slider_marks(view.periods, view.meta["frequency"]) if new_indicator else no,
            "value": view.index if new_indicator else no, "url": url, "status": None}


@callback(Output("map-panel", "children"), Input("map-area", "data"), Input("map-code", "value"),
          Input("map-slider", "value"), State("map-args", "data"), prevent_initial_call=True)
@cacheable_answer()
def fill_panel(area: str | None, code: str | None, index: int | None, args: dict):
    """The clicked district's panel; the hint when none is selected."""
    try:
        return panel(map_view(args["city"], code, index, area), args["lang"])
    except PAGE_FAILURES as exc:
        return failure_notice(exc, args["lang"])


@callback(Output("map-area", "data", allow_duplicate=True), Input({"type": "map-rank", "adcode": ALL}, "n_clicks"),
          prevent_initial_call=True)
def pick_ranked(clicks: list[int]):
    """A row of the districts' ranking opens that district's panel (new rows arrive unclicked)."""
    if not any(clicks or []):
        return dash.no_update
    return ctx.triggered_id["adcode"]


# The client-side callbacks live in assets/66-map-page.js.
def _client(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="cityvitals_map", function_name=name)


clientside_callback(_client("selectArea"), Output("map-area", "data"), Input("map-areas", "clickData"),
                    prevent_initial_call=True)
clientside_callback(_client("closePanel"), Output("map-area", "data", allow_duplicate=True),
                    Input("map-panel-close", "n_clicks"), prevent_initial_call=True)
clientside_callback(
    _client("pickMode"),
    Output("map-mode", "data"), Output("map-mode-level", "className"), Output("map-mode-level", "aria-pressed"),
    Output("map-mode-quantile", "className"), Output("map-mode-quantile", "aria-pressed"),
    Input("map-mode-level", "n_clicks"), Input("map-mode-quantile", "n_clicks"), prevent_initial_call=True)
clientside_callback(
    _client("playPause"),
    Output("map-interval", "disabled"), Output("map-play", "children"), Output("map-slider", "value", allow_duplicate=True),
    Input("map-play", "n_clicks"), State("map-interval", "disabled"), State("map-slider", "value"),
    State("map-slider", "max"), State("map-play-labels", "data"), prevent_initial_call=True)
clientside_callback(
    _client("step"),
    Output("map-slider", "value", allow_duplicate=True), Output("map-interval", "disabled", allow_duplicate=True),
    Output("map-play", "children", allow_duplicate=True),
    Input("map-interval", "n_intervals"), State("map-slider", "value"), State("map-slider", "max"),
    State("map-play-labels", "data"), prevent_initial_call=True)
# The header's city and language switches keep the page's state (assets/66-map-page.js).
clientside_callback(_client("keepInUrl"), Output("map-url-sink", "title"), Input("map-url", "data"),
                    prevent_initial_call=True)


# A thematic map picks its indicator (when the city has district data for it) and its point layers.
@callback(Output("map-code", "value"), Output("map-layers", "data", allow_duplicate=True),
          Input("map-theme", "value"), State("map-args", "data"), prevent_initial_call=True)
def pick_theme(theme: str | None, args: dict):
    """The indicator and layers of the picked thematic map; no layers when it is cleared."""
    try:
        code, layers = theme_preset(theme, map_view(args["city"]).codes)
    except PAGE_FAILURES:
        return dash.no_update, dash.no_update
    return code or dash.no_update, layers


@callback(Output("map-layers", "data"), Input({"type": "map-layer", "kind": ALL}, "n_clicks"),
          State("map-layers", "data"), prevent_initial_call=True)
def toggle_layer(clicks: list[int | None], layers: list[str] | None):
    """A layer's button shows or hides its points."""
    kind = ctx.triggered_id["kind"] if isinstance(ctx.triggered_id, Mapping) else None
    if kind not in LAYERS or not any(clicks or []):
        return dash.no_update
    shown = set(clean_layers(layers))
    shown ^= {kind}
    return clean_layers(shown)


@callback(Output("map-points", "data"), Output({"type": "map-layer", "kind": ALL}, "className"),
          Output({"type": "map-layer", "kind": ALL}, "aria-pressed"),
          Input("map-layers", "data"), State("map-args", "data"), prevent_initial_call=True)
def draw_layers(layers: list[str] | None, args: dict):
    """The shown layers' points (only the point layer's data changes) and the buttons' pressed state."""
    shown = clean_layers(layers)
    classes = ["map-layer" + (" is-active" if layer in shown else "") for layer in LAYERS]
    pressed = ["true" if layer in shown else "false" for layer in LAYERS]
    try:
        points = points_data(map_view(args["city"]).facilities, shown, args["lang"])
    except PAGE_FAILURES:
        points = dash.no_update
    return points, classes, pressed


@callback(Output("map-layer-legend", "children"), Input("map-layers", "data"), State("map-args", "data"),
          prevent_initial_call=True)
def draw_layer_legend(layers: list[str] | None, args: dict):
    """The shown layers' legend (point colours, cluster bubbles)."""
    return layer_legend(layers, args["lang"])

