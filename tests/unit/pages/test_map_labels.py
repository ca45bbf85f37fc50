"""Maps explain themselves (issue 17): district names on every map, a legend for every layer, alert markers
in their district's worst level, clusters in the product's colours, small maps that are never one flat colour."""

from __future__ import annotations

import math

import dash_leaflet as dl
import pandas as pd
import pytest

from geo.cities import get_city
from geo.polygons import contains, district_polygons
from pages._map_layers import (
    ALERT_POINT,
    alert_points,
    area_hideout,
    district_centres,
    district_map,
    label_points,
    labelled_boundaries,
    short_name,
)
from pages._tokens import LEVEL_COLOURS, TOKENS
from tests.helpers import text_of


@pytest.mark.parametrize(("name", "lang", "short"), [
    ("思明区", "zh", "思明"), ("霞浦县", "zh", "霞浦"), ("福安市", "zh", "福安"), ("东区", "zh", "东区"),
    ("Tong'an District", "en", "Tong'an"), ("Xiapu County", "en", "Xiapu"), ("Fu'an City", "en", "Fu'an"),
])
def test_labels_are_short_names(name, lang, short):
    assert short_name(name, lang) == short


@pytest.mark.parametrize("city_key", ["xiamen", "ningde"])
def test_every_district_is_named_inside_itself_largest_first(city_key):
    city = get_city(city_key)
    points = label_points(city, "zh")["features"]
    assert {f["properties"]["adcode"] for f in points} == {d.adcode for d in city.districts}
    assert sorted(f["properties"]["rank"] for f in points) == list(range(1, len(city.districts) + 1))
    shapes = district_polygons(city)
    for feature in points:
        lon, lat = feature["geometry"]["coordinates"]
        assert contains(shapes[feature["properties"]["adcode"]], lon, lat)[0], feature["properties"]["name"]
    # 同安 is Xiamen's largest district, 湖里 its smallest: where labels collide, 同安's stays.
    if city_key == "xiamen":
        ranks = {f["properties"]["label"]: f["properties"]["rank"] for f in points}
        assert ranks["同安"] == 1 and ranks["湖里"] == 6
        english = {f["properties"]["label"] for f in label_points(city, "en")["features"]}
        assert english == {"Siming", "Haicang", "Huli", "Jimei", "Tong'an", "Xiang'an"}


def test_alert_markers_sit_on_the_label_point_inside_crescent_districts():
    # The vertex mean of a crescent can fall outside it; the pole of inaccessibility never does.
    city = get_city("ningde")
    shapes = district_polygons(city)
    for adcode, (lat, lon) in district_centres(city).items():
        assert contains(shapes[adcode], lon, lat)[0], adcode


def test_a_labelled_map_carries_the_names_with_the_geometry():
    city = get_city("xiamen")
    before = [dict(f["properties"]) for f in city.boundary_geojson()["features"]]
    data = labelled_boundaries(city, "en")
    assert [dict(f["properties"]) for f in city.boundary_geojson()["features"]] == before  # the cached file is untouched
    props = {f["properties"]["adcode"]: f["properties"] for f in data["features"]}
    assert props["350203"]["label"] == "Siming" and 24.4 < props["350203"]["label_lat"] < 24.5
    assert [f["geometry"] for f in data["features"]] == [f["geometry"] for f in city.boundary_geojson()["features"]]
    mapped = district_map(city, area_hideout({}, {}), map_id="m", labels="zh").children[0]
    areas = mapped.children[0]
    assert {f["properties"]["label"] for f in areas.data["features"]} == {"思明", "海沧", "湖里", "集美", "同安", "翔安"}
    plain = district_map(city, area_hideout({}, {}), map_id="m").children[0].children[0]
    assert "label" not in plain.data["features"][0]["properties"]


def test_alert_markers_are_coloured_by_the_worst_open_level_not_all_red():
    city = get_city("xiamen")
    open_alerts = pd.DataFrame({"area_adcode": ["350203", "350205", "350205", "350206", "350211"],
                                "level": ["yellow", "blue", "blue", "orange", "red"]})
    levels = {f["properties"]["adcode"]: f["properties"]["level"] for f in alert_points(city, open_alerts, "zh")["features"]}
    assert levels == {"350203": "yellow", "350205": "blue", "350206": "orange", "350211": "red"}
    layer = district_map(city, area_hideout({}, {}), map_id="m", alerts=alert_points(city, open_alerts, "zh"))
    assert layer.children[0].children[1].pointToLayer == ALERT_POINT


def test_the_map_script_colours_markers_by_level_and_draws_labels_and_clusters():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[3] / "assets" / "60-map.js").read_text(encoding="utf-8")
    assert "fillColor: levelColour(props.level)" in script
    # The legend's sizes are the script's: radius 7 + min(count, 30) / 3.
    assert "radius: (7 + Math.min(props.count, 30) / 3) * mapScale()" in script
    for name in ("addLabel:", "clusterPoint:", "declutter"):
        assert name in script
    css = (Path(__file__).resolve().parents[3] / "assets" / "61-map.css").read_text(encoding="utf-8")
    assert ".theme-dark .district-label span" in css and ".district-label.is-hidden" in css


# --- the map page's legends and clusters ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def parts(dash_app):
    from pages import _map_parts as parts

    return parts


def test_alert_legend_explains_colour_and_size(parts):
    legend = parts.alert_legend("zh")
    text = text_of(legend)
    assert "预警标记" in text and "最高等级" in text and "条数" in text and "30 条及以上" in text
    dots = [c for c in _all(legend) if getattr(c, "className", None) == "map-dot"]
    colours = [dot.style["backgroundColor"] for dot in dots]
    assert colours[:4] == [LEVEL_COLOURS[level] for level in ("red", "orange", "yellow", "blue")]
    small, large = dots[4].style["width"], dots[5].style["width"]
    assert small == "calc(14.6667px * var(--map-scale, 1))" and large == "calc(34px * var(--map-scale, 1))"
    assert "Size: how many open alerts" in text_of(parts.alert_legend("en"))


def test_layer_legend_and_clusters_in_the_layers_design_colours(parts):
    assert parts.layer_legend([], "zh") is None
    legend = parts.layer_legend(["market", "school"], "en")
    assert "Schools" in text_of(legend) and "Markets" in text_of(legend) and "Numbered bubble" in text_of(legend)
    assert parts.LAYER_COLOURS == {kind: TOKENS[f"--layer-{kind}"] for kind in parts.LAYERS}
    figure = parts.leaflet_map(get_city("xiamen"), {}, "", "zh")
    points = next(layer for layer in figure.children[0].children if layer.id == "map-points")
    assert points.cluster is True and points.clusterToLayer == {"variable": "cityvitals.map.clusterPoint"}
    assert points.hideout["colours"] == parts.LAYER_COLOURS and points.hideout["cluster"] == TOKENS["--accent"]
    # Leaflet's default cluster colours are nowhere in the product's palette.
    assert not {"#6ecc39", "#f0c20c", "#f18017"} & {c.lower() for c in parts.LAYER_COLOURS.values()}
    areas = next(layer for layer in figure.children[0].children if layer.id == "map-areas")
    assert {f["properties"]["label"] for f in areas.data["features"]} >= {"思明", "同安"}


def test_a_small_map_is_never_one_flat_colour(parts):
    same_level = pd.DataFrame({"adcode": ["a", "b", "c", "d", "e"], "value": [1.0, 2.0, 3.0, 4.0, math.nan],
                               "warning": ["normal", "normal", "normal", "normal", "nodata"]})
    mode, colours, breaks = parts.small_map_colouring(same_level)
    assert mode == "quantile" and breaks
    assert len({colours[a] for a in "abcd"}) == 4 and colours["e"] == LEVEL_COLOURS["nodata"]
    assert colours["a"] == parts.QUANTILE_COLOURS[0] and colours["d"] == parts.QUANTILE_COLOURS[-1]
    levels = same_level.assign(warning=["red", "normal", "normal", "blue", "nodata"])
    mode, colours, breaks = parts.small_map_colouring(levels)
    assert mode == "level" and breaks == [] and colours["a"] == LEVEL_COLOURS["red"] and colours["d"] == LEVEL_COLOURS["blue"]


def _all(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            yield from _all(child)


def test_a_map_with_alert_markers_and_names_says_what_the_markers_mean():
    city = get_city("xiamen")
    keyed = district_map(city, area_hideout({}, {}), map_id="m", alerts={"type": "FeatureCollection", "features": []},
                         labels="en")
    assert "open alerts" in text_of(keyed) and "worst level" in text_of(keyed)
    assert "最高等级" not in text_of(district_map(city, area_hideout({}, {}), map_id="m", alerts=None, labels="zh"))
    assert "最高等级" in text_of(district_map(city, area_hideout({}, {}), map_id="m",
                                           alerts={"type": "FeatureCollection", "features": []}, labels="zh"))
