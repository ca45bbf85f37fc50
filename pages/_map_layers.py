"""Map layers for dash-leaflet: district boundaries coloured through the style function's
``hideout`` (assets/60-map.js), an optional tile layer, and the boundaries' attribution.

The geometry is sent once; a change of indicator or period only changes ``hideout``.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash_leaflet as dl
from dash import html
from shapely.geometry import shape
from shapely.ops import polylabel

from geo.cities import City
from indicators.catalog.levels import Level
from pages._i18n import register_strings, t

register_strings({
    "map_alert_key": ("圆点:区县未结预警,颜色为最高等级,越大条数越多",
                      "Circles: a district's open alerts, coloured by the worst level, bigger with more"),
})

ATTRIBUTION = ("Boundaries © OpenStreetMap contributors (ODbL 1.0), via mapchina (GPL-3)")
# The functions of assets/60-map.js, by the name dash-leaflet resolves on ``window``.
AREA_STYLE = {"variable": "cityvitals.map.areaStyle"}
AREA_TOOLTIP = {"variable": "cityvitals.map.areaTooltip"}
ALERT_POINT = {"variable": "cityvitals.map.alertPoint"}
# Name endings left off the map's labels ("思明区" → "思明", "Xiapu County" → "Xiapu"): the map shows districts.
ZH_ENDINGS = ("自治县", "新区", "区", "县", "市")
EN_ENDINGS = (" District", " County", " City", " New Area")
EMPTY = {"type": "FeatureCollection", "features": []}


def city_bounds(city: City) -> list[list[float]]:
    """The south-west and north-east corners of the city's districts, as Leaflet wants them."""
    lons, lats = [], []
    for feature in city.boundary_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            for ring in polygon:
                lons.extend(point[0] for point in ring)
                lats.extend(point[1] for point in ring)
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def district_centres(city: City) -> dict[str, tuple[float, float]]:
    """A point well inside each district for its label and marker, as (lat, lon): the pole of inaccessibility
    of its largest polygon (the inner point farthest from its edges), so a label sits inside even a crescent."""
    centres = {}
    for feature in city.boundary_geojson()["features"]:
        geometry = shape(feature["geometry"])
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda polygon: polygon.area)
        point = polylabel(largest, tolerance=0.001)
        centres[feature["properties"]["adcode"]] = (point.y, point.x)
    return centres


def short_name(name: str, lang: str) -> str:
    """A district's name for a map label, without the ending every district shares ("思明区" → "思明",
    "Tong'an District" → "Tong'an"); a name that would become a single character stays whole."""
    for ending in (EN_ENDINGS if lang == "en" else ZH_ENDINGS):
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            return name[: -len(ending)]
    return name


def label_points(city: City, lang: str) -> dict:
    """The districts' name labels: one point per district at :func:`district_centres` with its short name,
    its full name and a ``rank`` (1 = largest district): where labels would overlap, the map's JavaScript
    keeps the larger district's (``cityvitals.map.declutter``).

    Returns:
        A GeoJSON FeatureCollection of points with ``adcode``, ``label``, ``name`` and ``rank``.
    """
    centres = district_centres(city)
    areas = {feature["properties"]["adcode"]: shape(feature["geometry"]).area
             for feature in city.boundary_geojson()["features"]}
    ranks = {adcode: rank for rank, adcode in enumerate(sorted(areas, key=lambda a: -areas[a]), start=1)}
    features = []
    for district in city.districts:
        if district.adcode not in centres:
            continue
        lat, lon = centres[district.adcode]
        name = district.name(lang)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"adcode": district.adcode, "label": short_name(name, lang), "name": name,
                                        "rank": ranks[district.adcode]}})
    return {"type": "FeatureCollection", "features": features}


def labelled_boundaries(city: City, lang: str) -> dict:
    """The city's boundaries with each district's label (:func:`label_points`) in its properties: ``label``,
    ``label_lat``, ``label_lon`` and ``rank``. The districts' own layer draws the labels (assets/60-map.js,
    ``cityvitals.map.addLabel``), so the names come with the geometry, sent once, and need no layer of their own.
    """
    labels = {f["properties"]["adcode"]: f for f in label_points(city, lang)["features"]}
    features = []
    for feature in city.boundary_geojson()["features"]:
        label = labels.get(feature["properties"]["adcode"])
        props = dict(feature["properties"])
        if label is not None:
            lon, lat = label["geometry"]["coordinates"]
            props.update(label=label["properties"]["label"], label_lat=lat, label_lon=lon,
                         rank=label["properties"]["rank"])
        features.append({**feature, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def alert_points(city: City, open_alerts, lang: str) -> dict:
    """One marker per district with open alerts: coloured by its worst level, sized by how many.

    Args:
        city: whose districts.
        open_alerts: ``queries.alerts`` rows (area_adcode, level); areas that are not districts are skipped.
        lang: for the tooltip ("3 条预警,最高橙色" / "3 alerts, worst orange").

    Returns:
        A GeoJSON FeatureCollection of points with ``level``, ``count`` and ``label``.
    """
    centres = district_centres(city)
    features = []
    for adcode, group in open_alerts.groupby("area_adcode"):
        if adcode not in centres:
            continue
        worst = Level.worst(group["level"])
        count = len(group)
        zh, en = worst.label("zh"), worst.value
        label = f"{count} 条预警,最高{zh}" if lang == "zh" else f"{count} alert{'s' if count > 1 else ''}, worst {en}"
        lat, lon = centres[adcode]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"adcode": adcode, "level": worst, "count": count, "label": label}})
    return {"type": "FeatureCollection", "features": features}


def alert_layer(layer_id: str, points: dict | None = None) -> dl.GeoJSON:
    """The layer of alert markers (``alert_points``), drawn by assets/60-map.js's alertPoint."""
    return dl.GeoJSON(id=layer_id, data=points or EMPTY, pointToLayer=ALERT_POINT)


def area_hideout(colours: Mapping[str, str], labels: Mapping[str, str], selected: str | None = None) -> dict:
    """What the style and tooltip functions read: a fill colour and a label per adcode."""
    return {"colours": dict(colours), "labels": dict(labels), "selected": selected}


def district_map(city: City, hideout: dict, *, map_id: str, tile_url: str = "", height: str = "320px",
                 alerts: dict | None = None, labels: str | None = None) -> html.Figure:
    """The city's districts as a choropleth; a tile layer only when a tile URL is configured.

    Args:
        city: whose districts to draw.
        hideout: from :func:`area_hideout`.
        map_id: the id of the map (its GeoJSON layer is ``<map_id>-areas``).
        tile_url: a tile URL template, or "" for boundaries alone (intranets without tiles).
        height: the map's CSS height.
        alerts: alert markers (``alert_points``) drawn over the districts as layer ``<map_id>-alerts``;
            None for no alert layer.
        labels: a language ("zh" or "en") to name the districts on the map in (:func:`labelled_boundaries`),
            or None for no labels.

    Returns:
        The map, with the boundaries' attribution under it.
    """
    layers = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    data = city.boundary_geojson() if labels is None else labelled_boundaries(city, labels)
    layers.append(dl.GeoJSON(id=f"{map_id}-areas", data=data, hideout=hideout,
                             style=AREA_STYLE, onEachFeature=AREA_TOOLTIP, attribution=ATTRIBUTION))
    if alerts is not None:
        layers.append(alert_layer(f"{map_id}-alerts", alerts))
    # trackViewport off: the view is set by the bounds, and dash-leaflet's viewport tracking
    # reads a ``center`` that a bounds-only map does not have (a TypeError in the browser).
    leaflet = dl.Map(layers, id=map_id, bounds=city_bounds(city), zoomSnap=0.25, scrollWheelZoom=False,
                     trackViewport=False, style={"height": height, "width": "100%"}, className="district-map")
    # What the alert markers mean, over the map's corner (a map with names has a language to say it in).
    parts = [leaflet]
    if alerts is not None and labels is not None:
        parts.append(html.P([html.Span(className="map-alert-key-dot", **{"aria-hidden": "true"}),
                             t("map_alert_key", labels)], className="map-alert-key"))
    return html.Figure([*parts, html.Figcaption(ATTRIBUTION, className="map-attribution")], className="map-figure")
