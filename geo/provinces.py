"""A province's configured cities and their outlines: the shipped county boundaries dissolved into cities.

Each city's outline is the union of its districts' polygons (shapely's ``unary_union``), so the province map
needs no boundary file of its own and follows any city added by adcode.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from shapely.geometry import mapping, shape
from shapely.ops import polylabel, unary_union

from geo.cities import ATTRIBUTION, City, load_cities


# The provincial-level divisions' names in English (pinyin as the State Council's usage, 省/市/自治区 left out).
PROVINCE_EN = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi", "内蒙古自治区": "Inner Mongolia",
    "辽宁省": "Liaoning", "吉林省": "Jilin", "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu",
    "浙江省": "Zhejiang", "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong",
    "广西壮族自治区": "Guangxi", "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan", "贵州省": "Guizhou",
    "云南省": "Yunnan", "西藏自治区": "Tibet", "陕西省": "Shaanxi", "甘肃省": "Gansu", "青海省": "Qinghai",
    "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang", "台湾省": "Taiwan",
    "香港特别行政区": "Hong Kong", "澳门特别行政区": "Macao",
}


def province_name(province_zh: str, lang: str) -> str:
    """A province's name in ``lang`` (the Chinese one where no English one is known)."""
    return PROVINCE_EN.get(province_zh, province_zh) if lang == "en" else province_zh


def province_cities(province_zh: str) -> list[City]:
    """The configured cities of a province (``福建省``), in configuration order."""
    return [city for city in load_cities().values() if city.province_zh == province_zh]


def provinces() -> list[str]:
    """The provinces that have configured cities, in configuration order."""
    return list(dict.fromkeys(city.province_zh for city in load_cities().values() if city.province_zh))


def city_outline(city: City) -> dict:
    """The city's outline as a GeoJSON geometry: its districts dissolved into one (Multi)Polygon."""
    shapes = [shape(feature["geometry"]).buffer(0) for feature in city.boundary_geojson()["features"]]
    return mapping(unary_union(shapes))


def label_point(outline: dict) -> tuple[float, float]:
    """Where a city's name goes: the point of its largest part farthest from the edge (``polylabel``), as
    (lat, lon); a centroid can fall in the sea of a city of islands and bays."""
    geometry = shape(outline)
    largest = max(getattr(geometry, "geoms", [geometry]), key=lambda part: part.area)
    point = polylabel(largest, tolerance=0.01)
    return point.y, point.x


@lru_cache(maxsize=8)
def _collection(keys: tuple[str, ...]) -> dict:
    cities = load_cities()
    outlines = {key: city_outline(cities[key]) for key in keys}
    by_size = sorted(keys, key=lambda key: -shape(outlines[key]).area)
    features = []
    for key in keys:
        lat, lon = label_point(outlines[key])
        features.append({"type": "Feature", "geometry": outlines[key],
                         "properties": {"adcode": cities[key].adcode, "key": key, "name_zh": cities[key].name_zh,
                                        "name_en": cities[key].name_en, "label_lat": lat, "label_lon": lon,
                                        "rank": by_size.index(key) + 1}})
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


def province_geojson(cities: Iterable[City]) -> dict:
    """The cities' outlines as a GeoJSON FeatureCollection, each feature with the city's adcode, key, names and
    where its name is drawn (``label_lat``, ``label_lon``; ``rank`` 1 = the largest city, whose name wins a clash)."""
    return _collection(tuple(city.key for city in cities))
