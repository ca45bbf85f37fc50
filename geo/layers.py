"""Map layers for dash-leaflet: district boundaries coloured through the style function's
``hideout`` (assets/60-map.js), an optional tile layer, and the boundaries' attribution.

The geometry is sent once; a change of indicator or period only changes ``hideout``.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash_leaflet as dl
from dash import html

from geo.cities import City

ATTRIBUTION = ("Boundaries © OpenStreetMap contributors (ODbL 1.0), via mapchina (GPL-3)")
# The functions of assets/60-map.js, by the name dash-leaflet resolves on ``window``.
AREA_STYLE = {"variable": "cityvitals.map.areaStyle"}
AREA_TOOLTIP = {"variable": "cityvitals.map.areaTooltip"}


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


def area_hideout(colours: Mapping[str, str], labels: Mapping[str, str], selected: str | None = None) -> dict:
    """What the style and tooltip functions read: a fill colour and a label per adcode."""
    return {"colours": dict(colours), "labels": dict(labels), "selected": selected}


def district_map(city: City, hideout: dict, *, map_id: str, tile_url: str = "", height: str = "320px") -> html.Figure:
    """The city's districts as a choropleth; a tile layer only when a tile URL is configured.

    Args:
        city: whose districts to draw.
        hideout: from :func:`area_hideout`.
        map_id: the id of the map (its GeoJSON layer is ``<map_id>-areas``).
        tile_url: a tile URL template, or "" for boundaries alone (intranets without tiles).
        height: the map's CSS height.

    Returns:
        The map, with the boundaries' attribution under it.
    """
    layers = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    layers.append(dl.GeoJSON(id=f"{map_id}-areas", data=city.boundary_geojson(), hideout=hideout,
                             style=AREA_STYLE, onEachFeature=AREA_TOOLTIP, attribution=ATTRIBUTION))
    # trackViewport off: the view is set by the bounds, and dash-leaflet's viewport tracking
    # reads a ``center`` that a bounds-only map does not have (a TypeError in the browser).
    leaflet = dl.Map(layers, id=map_id, bounds=city_bounds(city), zoomSnap=0.25, scrollWheelZoom=False,
                     trackViewport=False, style={"height": height, "width": "100%"}, className="district-map")
    return html.Figure([leaflet, html.Figcaption(ATTRIBUTION, className="map-attribution")], className="map-figure")
