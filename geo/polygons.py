"""District polygons of a city as arrays, and which points lie inside them."""

from __future__ import annotations

import numpy as np

from geo.cities import City

Ring = np.ndarray  # (k, 2) array of lon, lat


def district_polygons(city: City) -> dict[str, list[list[Ring]]]:
    """Every district's polygons (outer ring, then holes) as arrays of (lon, lat), by adcode."""
    shapes: dict[str, list[list[Ring]]] = {}
    for feature in city.boundary_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        shapes[feature["properties"]["adcode"]] = [[np.asarray(ring, dtype=float)[:, :2] for ring in polygon]
                                                   for polygon in polygons]
    return shapes


def contains(polygons: list[list[Ring]], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which of the points (lon, lat arrays) lie inside the polygons (even-odd rule over every ring)."""
    lon, lat = np.atleast_1d(np.asarray(lon, dtype=float)), np.atleast_1d(np.asarray(lat, dtype=float))
    inside = np.zeros(lon.shape, dtype=bool)
    for polygon in polygons:
        crossings = np.zeros(lon.shape, dtype=int)
        for ring in polygon:
            x1, y1 = ring[:, 0], ring[:, 1]
            x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
            # A horizontal ray to the east of each point crosses the edge (x1,y1)-(x2,y2).
            straddles = (y1[None, :] > lat[:, None]) != (y2[None, :] > lat[:, None])
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1[None, :] + (lat[:, None] - y1[None, :]) * (x2 - x1)[None, :] / (y2 - y1)[None, :]
            crossings += (straddles & (lon[:, None] < x_at)).sum(axis=1)
        inside |= crossings % 2 == 1
    return inside
