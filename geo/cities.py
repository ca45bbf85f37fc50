"""Cities as configuration: adcode, names, boundary file, districts and options.

Three cities are seeded in ``cities.yaml`` (the package's file, like the catalog); any other prefecture-level
city is added by adcode from the bundled all-China county file (``add_city``) into the installation's data
folder (``<data dir>/cities.yaml`` and ``<data dir>/boundaries/``, never the package), its districts' resident
populations taken from the shipped 2020 census table (``census_2020.csv``, each figure with its
source) or, for a county the table lacks, estimated as its province's 2020 census density times
its area (``provinces_2020.csv``; the estimate is labelled as such).
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

GEO_DIR = Path(__file__).parent
BOUNDARY_DIR = GEO_DIR / "boundaries"
CITIES_FILE = GEO_DIR / "cities.yaml"
CENSUS_FILE = GEO_DIR / "census_2020.csv"
PROVINCES_FILE = GEO_DIR / "provinces_2020.csv"
KM_PER_DEGREE = 111.195  # on a sphere of the Earth's mean radius
ATTRIBUTION = (
    "Boundaries © OpenStreetMap contributors (ODbL 1.0), via the mapchina R package by "
    "Mingchu Xu (GPL-3), github.com/xmc811/mapchina"
)


@dataclass(frozen=True)
class District:
    """A district or county of a city."""

    adcode: str
    name_zh: str
    name_en: str
    population: int
    population_kind: str = "census"  # census, census_rounded, census_remainder, yearend or estimate

    def name(self, lang: str) -> str:
        """The district's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class City:
    """A prefecture-level city and its districts."""

    key: str
    adcode: str
    name_zh: str
    name_en: str
    short_zh: str
    boundaries: str
    center: tuple[float, float]
    zoom: int
    demo: bool
    districts: tuple[District, ...] = field(default_factory=tuple)
    province_zh: str = ""

    def name(self, lang: str) -> str:
        """The city's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh

    @property
    def population(self) -> int:
        """The sum of the districts' populations."""
        return sum(d.population for d in self.districts)

    def boundary_geojson(self) -> dict:
        """The districts' boundaries as a GeoJSON FeatureCollection."""
        return _read_boundaries(self.boundaries)


@lru_cache(maxsize=16)
def _read_boundaries(file_name: str) -> dict:
    # Relative names are in the bundled boundaries folder; absolute paths are used as they are.
    return json.loads((BOUNDARY_DIR / file_name).read_text(encoding="utf-8"))


def _city_from_config(key: str, conf: dict) -> City:
    features = _read_boundaries(conf["boundaries"])["features"]
    names = {f["properties"]["adcode"]: f["properties"] for f in features}
    districts = tuple(
        District(
            adcode=adcode,
            name_zh=names[adcode]["name_zh"],
            name_en=names[adcode].get("name_en") or names[adcode]["name_zh"],
            population=int(opts.get("population", 0)),
            population_kind=str(opts.get("population_kind", "census")),
        )
        for adcode, opts in conf["districts"].items()
    )
    return City(
        key=key,
        adcode=conf["adcode"],
        name_zh=conf["name_zh"],
        name_en=conf["name_en"],
        short_zh=conf.get("short_zh", conf["name_zh"]),
        boundaries=conf["boundaries"],
        center=tuple(conf["center"]),
        zoom=int(conf.get("zoom", 10)),
        demo=bool(conf.get("demo", False)),
        districts=districts,
        province_zh=str(conf.get("province_zh", "")),
    )


def local_cities_file() -> Path:
    """The installation's own cities file: ``cities.yaml`` in the settings' data folder (it may not exist)."""
    from settings import get_settings

    return get_settings().data_path / "cities.yaml"


def _read_config(path: Path) -> dict:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


@lru_cache(maxsize=4)
def load_cities(path: Path = CITIES_FILE, local: Path | None = None) -> dict[str, City]:
    """All configured cities, keyed by their short key (``xiamen``): the seed file's, then the installation's.

    Args:
        path: the seed cities file.
        local: the installation's cities file (default ``local_cities_file()``); its cities follow the seed's.

    Returns:
        Cities in file order.
    """
    config = _read_config(path) | _read_config(local or local_cities_file())
    return {key: _city_from_config(key, conf) for key, conf in config.items()}


def switch_cities() -> dict[str, City]:
    """The cities the header's city switch offers: those with demo data and every city the installation added
    (``city add``); a city only seeded (六安 before ``init --city luan``) is left out."""
    added = set(_read_config(local_cities_file()))
    return {key: city for key, city in load_cities().items() if city.demo or key in added}


def get_city(key_or_adcode: str) -> City:
    """A configured city by key (``xiamen``) or adcode (``350200``).

    Raises:
        KeyError: naming the unknown city and the known ones.
    """
    cities = load_cities()
    for city in cities.values():
        if key_or_adcode in (city.key, city.adcode):
            return city
    raise KeyError(f"unknown city {key_or_adcode!r}; configured: {', '.join(cities)}")


def china_city_row(adcode: str) -> dict[str, str]:
    """The row of the bundled all-China city list for a prefecture adcode.

    Raises:
        KeyError: when no such prefecture-level city is in the list.
    """
    with (BOUNDARY_DIR / "china_cities.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["city_adcode"] == adcode:
                return row
    raise KeyError(f"no prefecture-level city with adcode {adcode} in china_cities.csv")


def add_city(key: str, adcode: str, name_en: str | None = None, path: Path | None = None,
             boundary_dir: Path | None = None) -> City:
    """Configure a new city from the bundled all-China county boundaries, in the installation's data folder.

    Writes ``<boundary_dir>/<adcode>.geojson`` (the city's counties) and appends the city to the
    installation's cities file, each district with its resident population (``district_population``).

    Args:
        key: short key for the city, e.g. ``quanzhou``.
        adcode: its 6-digit prefecture adcode, e.g. ``350500``.
        name_en: English name; defaults to the key, capitalised.
        path: the cities file to extend (default: ``local_cities_file()``, in the data folder).
        boundary_dir: where to write the city's boundary file (default: ``boundaries/`` beside ``path``).

    Returns:
        The new city.

    Raises:
        KeyError: when the adcode is not a prefecture-level city of the bundled list.
        ValueError: when the key or the adcode is configured already.
    """
    path = path or local_cities_file()
    boundary_dir = boundary_dir or path.parent / "boundaries"
    configured = load_cities(CITIES_FILE, path)
    if key in configured or any(c.adcode == adcode for c in configured.values()):
        raise ValueError(f"city {key} / {adcode} is configured already")
    row = china_city_row(adcode)
    with gzip.open(BOUNDARY_DIR / "china_counties.geojson.gz", "rt", encoding="utf-8") as fh:
        everything = json.load(fh)
    features = [f for f in everything["features"] if f["properties"]["city_adcode"] == adcode]
    for feature in features:
        props = feature["properties"]
        feature["properties"] = {"adcode": props["adcode"], "name_zh": props["name_zh"], "name_en": props["name_zh"]}
    collection = {k: v for k, v in everything.items() if k != "features"} | {"features": features}
    boundary_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    boundary_file = boundary_dir / f"{adcode}.geojson"
    boundary_file.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    bbox = [float(row[k]) for k in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")]
    conf = {
        "adcode": adcode,
        "name_zh": row["city_name_zh"],
        "name_en": name_en or key.capitalize(),
        "short_zh": row["city_name_zh"].removesuffix("市"),
        "province_zh": row["province_name_zh"],
        "boundaries": boundary_file.name if boundary_dir == BOUNDARY_DIR else str(boundary_file),
        "center": [round((bbox[1] + bbox[3]) / 2, 3), round((bbox[0] + bbox[2]) / 2, 3)],
        "zoom": 9,
        "demo": False,
        "districts": {},
    }
    for feature in features:
        persons, kind = district_population(feature["properties"]["adcode"], feature["geometry"], row["province_adcode"])
        conf["districts"][feature["properties"]["adcode"]] = {"population": persons, "population_kind": kind}
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + yaml.safe_dump({key: conf}, allow_unicode=True, sort_keys=False))
    load_cities.cache_clear()
    return load_cities(CITIES_FILE, path)[key]


@lru_cache(maxsize=1)
def census_table() -> dict[str, dict[str, str]]:
    """The shipped district populations (``census_2020.csv``) by adcode: persons, year, kind and source."""
    with CENSUS_FILE.open(encoding="utf-8") as fh:
        return {row["adcode"]: row for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def province_populations() -> dict[str, int]:
    """Each province's 2020 census population by adcode (``provinces_2020.csv``)."""
    with PROVINCES_FILE.open(encoding="utf-8") as fh:
        return {row["adcode"]: int(row["persons"]) for row in csv.DictReader(fh)}


def area_km2(geometry: dict) -> float:
    """The area of a GeoJSON Polygon or MultiPolygon in lon/lat degrees, in km².

    Each ring is projected to a local equirectangular plane at its own mean latitude (good to a
    fraction of a percent for a county) and measured with the shoelace formula; holes subtract.
    """
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    total = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            points = np.asarray(ring, dtype=float)[:, :2]
            x = points[:, 0] * np.cos(np.radians(points[:, 1].mean())) * KM_PER_DEGREE
            y = points[:, 1] * KM_PER_DEGREE
            area = abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2
            total += area if index == 0 else -area
    return total


@lru_cache(maxsize=64)
def _province_area_km2(province_adcode: str) -> float:
    with gzip.open(BOUNDARY_DIR / "china_counties.geojson.gz", "rt", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return sum(area_km2(f["geometry"]) for f in features if f["properties"]["province_adcode"] == province_adcode)


def district_population(adcode: str, geometry: dict, province_adcode: str) -> tuple[int, str]:
    """A district's resident population and how it is known.

    Args:
        adcode: the district.
        geometry: its boundary (GeoJSON geometry), for the estimate.
        province_adcode: its province, for the estimate.

    Returns:
        (persons, kind): from the shipped census table when it has the district (its ``kind``: census,
        census_rounded, census_remainder or yearend), else ``estimate``: the province's 2020 census
        population per km² times the district's area.
    """
    row = census_table().get(adcode)
    if row is not None:
        return int(row["persons"]), row["kind"]
    density = province_populations()[province_adcode] / _province_area_km2(province_adcode)
    return int(round(density * area_km2(geometry), -2)), "estimate"
