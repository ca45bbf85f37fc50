"""Map layers: bounds, the style function's hideout, tiles only when configured."""

import dash_leaflet as dl

from geo.cities import get_city
from pages._map_layers import (
    AREA_STYLE,
    ATTRIBUTION,
    area_hideout,
    city_bounds,
    district_map,
)


def test_bounds_hold_every_district_of_xiamen():
    (south, west), (north, east) = city_bounds(get_city("xiamen"))
    assert 24.2 < south < 24.5 and 118.4 > west > 117.8 and 24.8 < north < 25.0 and 118.2 < east < 118.6


def test_map_without_tiles_by_default_and_with_them_when_configured():
    hideout = area_hideout({"350203": "#d92d20"}, {"350203": "思明区: 1"}, "350203")
    figure = district_map(get_city("xiamen"), hideout, map_id="m")
    leaflet, caption = figure.children
    assert caption.children == ATTRIBUTION
    assert [type(layer) for layer in leaflet.children] == [dl.GeoJSON]
    geojson = leaflet.children[0]
    assert geojson.style == AREA_STYLE and geojson.hideout["colours"] == {"350203": "#d92d20"}
    assert len(geojson.data["features"]) == 6
    tiled = district_map(get_city("xiamen"), hideout, map_id="m", tile_url="/tiles/{z}/{x}/{y}.png").children[0]
    assert isinstance(tiled.children[0], dl.TileLayer) and tiled.children[0].url == "/tiles/{z}/{x}/{y}.png"


def test_alert_markers_take_the_worst_level_and_the_count_per_district():
    import pandas as pd

    from pages._map_layers import alert_points, district_centres

    city = get_city("xiamen")
    open_alerts = pd.DataFrame({"area_adcode": ["350203", "350203", "350206", "350200"],
                                "level": ["blue", "orange", "yellow", "red"]})
    points = {f["properties"]["adcode"]: f for f in alert_points(city, open_alerts, "zh")["features"]}
    assert set(points) == {"350203", "350206"}  # the city's own alert has no district marker
    assert points["350203"]["properties"] == {"adcode": "350203", "level": "orange", "count": 2,
                                              "label": "2 条预警,最高橙色"}
    lat, lon = district_centres(city)["350203"]
    assert points["350203"]["geometry"]["coordinates"] == [lon, lat]
    assert 24.4 < lat < 24.5 and 118.05 < lon < 118.2  # Siming, on Xiamen island
    english = alert_points(city, open_alerts, "en")["features"][1]["properties"]["label"]
    assert english == "1 alert, worst yellow"
    mapped = district_map(city, area_hideout({}, {}), map_id="m", alerts=alert_points(city, open_alerts, "en"))
    assert [layer.id for layer in mapped.children[0].children] == ["m-areas", "m-alerts"]
