"""Map layers for dash-leaflet: district boundaries coloured through the style function's
``hideout`` (assets/60-map.js), an optional tile layer, and the boundaries' attribution.

The geometry is sent once; a change of indicator or period only changes ``hideout``.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash_leaflet as dl
from dash import html

from geo.cities import City
from indicators.catalog.levels import Level

ATTRIBUTION = ("Boundaries © OpenStreetMap contributors (ODbL 1.0), via mapchina (GPL-3)")
# The functions of assets/60-map.js, by the name dash-leaflet resolves on ``window``.
AREA_STYLE = {"variable": "cityvitals.map.areaStyle"}
AREA_TOOLTIP = {"variable": "cityvitals.map.areaTooltip"}
ALERT_POINT = {"variable": "cityvitals.map.alertPoint"}
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
    """A point inside each district for its marker: the vertex mean of its largest ring, as (lat, lon)."""
    centres = {}
    for feature in city.boundary_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        ring = max((polygon[0] for polygon in polygons), key=len)
        centres[feature["properties"]["adcode"]] = (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    return centres


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
                 alerts: dict | None = None) -> html.Figure:
    """The city's districts as a choropleth; a tile layer only when a tile URL is configured.

    Args:
        city: whose districts to draw.
        hideout: from :func:`area_hideout`.
        map_id: the id of the map (its GeoJSON layer is ``<map_id>-areas``).
        tile_url: a tile URL template, or "" for boundaries alone (intranets without tiles).
        height: the map's CSS height.
        alerts: alert markers (``alert_points``) drawn over the districts as layer ``<map_id>-alerts``;
            None for no alert layer.

    Returns:
        The map, with the boundaries' attribution under it.
    """
    layers = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    layers.append(dl.GeoJSON(id=f"{map_id}-areas", data=city.boundary_geojson(), hideout=hideout,
                             style=AREA_STYLE, onEachFeature=AREA_TOOLTIP, attribution=ATTRIBUTION))
    if alerts is not None:
        layers.append(alert_layer(f"{map_id}-alerts", alerts))
    # trackViewport off: the view is set by the bounds, and dash-leaflet's viewport tracking
    # reads a ``center`` that a bounds-only map does not have (a TypeError in the browser).
    leaflet = dl.Map(layers, id=map_id, bounds=city_bounds(city), zoomSnap=0.25, scrollWheelZoom=False,
                     trackViewport=False, style={"height": height, "width": "100%"}, className="district-map")
    return html.Figure([leaflet, html.Figcaption(ATTRIBUTION, className="map-attribution")], className="map-figure")
