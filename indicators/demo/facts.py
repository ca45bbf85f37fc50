"""What the demo knows about a real city: its profile, read from the facts shipped in ``facts/``.

``facts/cities.csv`` holds one sourced fact a row (GDP and its structure, income, urbanisation, land
area, coastal exposure and typhoon rate, air quality), ``facts/climate.csv`` monthly climate normals per
station and ``facts/stations.csv`` where the stations are; ``facts/SOURCES.md`` names every source and
licence. The census population comes from ``geo/census_2020.csv`` through the city's configuration.

Facts are patchy, so each one is looked up in order: the city's own; its province's (a province-wide
average such as Fujian's nine-city PM2.5); the nearest city that has it, by distance between city
centres — an amount such as GDP scaled by population, a climate moved by the difference in latitude;
and last the catalog's reference city (a Xiamen-like service city of about five million people). The
profile says for every fact where it came from (``notes``), which the README and ``manage.py audit``
show.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from geo.cities import City, china_city_row

FACTS_DIR = Path(__file__).with_name("facts")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Facts that grow with the city: borrowed from another city, they are scaled by population.
EXTENSIVE = frozenset({"gdp", "land_area"})
# The catalog's reference city, for a fact no city has.
REFERENCE = {
    "gdp_growth": 5.5, "primary_share": 0.35, "secondary_share": 39.05, "tertiary_share": 60.60,
    "income_urban": 72880.0, "income_rural": 34206.0, "urbanization": 75.0, "coastal": 0.0,
    "typhoons_per_year": 0.0, "typhoon_exposure": 1.0, "pm25": 25.0, "good_days": 97.5, "o3_p90": 125.0,
}
# Winter months cool faster than summer ones with latitude (℃ per degree north), for a borrowed climate.
LATITUDE_LAPSE = (-0.9, -0.85, -0.7, -0.5, -0.35, -0.25, -0.2, -0.2, -0.3, -0.5, -0.7, -0.85)


@dataclass(frozen=True)
class Climate:
    """Monthly climate normals of a station (January first)."""

    station: str
    tmax: tuple[float, ...]
    tmin: tuple[float, ...]
    precipitation: tuple[float, ...]  # mm a month
    rain_days: tuple[float, ...]  # days with at least 0.1 mm

    def shifted(self, degrees: float) -> "Climate":
        """The same climate with temperatures changed by a latitude difference (degrees north)."""
        def move(values: tuple[float, ...]) -> tuple[float, ...]:
            return tuple(round(v + lapse * degrees, 1) for v, lapse in zip(values, LATITUDE_LAPSE))
        return Climate(self.station, move(self.tmax), move(self.tmin), self.precipitation, self.rain_days)

    @property
    def annual_precipitation(self) -> float:
        """Millimetres a year."""
        return float(sum(self.precipitation))


@dataclass(frozen=True)
class CityProfile:
    """The facts a city's demo data is calibrated to.

    Attributes:
        adcode, name_zh: the city.
        population: 2020 census residents (the sum of the configured districts).
        gdp, gdp_year: GDP in 亿元 and its year; gdp_growth: real growth in % that year.
        shares: primary, secondary and tertiary shares of GDP in %.
        income_urban, income_rural: per-capita disposable income in 元 a year.
        urbanization: % of residents in towns; land_area: km².
        coastal, typhoons_per_year, typhoon_exposure: storms (typhoons only where coastal).
        climate: the city's normals; district_climates: counties with their own station (mountains).
        pm25, pm25_year: annual PM2.5 (µg/m³) and its year; good_days: % of days with AQI ≤ 100;
        o3_p90: the ozone 8-hour 90th percentile (µg/m³).
        metro: whether the city has urban rail (a city's own fact only; assumed when unknown).
        notes: (fact, where it came from), for the README and the audit.
    """

    adcode: str
    name_zh: str
    population: int
    gdp: float
    gdp_year: int
    gdp_growth: float
    shares: tuple[float, float, float]
    income_urban: float
    income_rural: float
    urbanization: float
    land_area: float
    coastal: bool
    typhoons_per_year: float
    typhoon_exposure: float
    climate: Climate
    district_climates: dict[str, Climate]
    pm25: float
    pm25_year: int
    good_days: float
    o3_p90: float
    metro: bool = True
    notes: tuple[tuple[str, str], ...] = field(default=())

    def climate_of(self, adcode: str) -> Climate:
        """The climate of a district: its own station's, else the city's."""
        return self.district_climates.get(adcode, self.climate)


@dataclass(frozen=True)
class _Row:
    adcode: str
    name: str
    fact: str
    value: str
    year: int | None
    kind: str
    source: str


@lru_cache(maxsize=1)
def _rows() -> tuple[_Row, ...]:
    with (FACTS_DIR / "cities.csv").open(encoding="utf-8") as fh:
        return tuple(_Row(r["adcode"], r["name"], r["fact"], r["value"], int(r["year"]) if r["year"] else None,
                          r["kind"], r["source"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def climates() -> dict[str, Climate]:
    """The shipped stations' monthly normals, by station name."""
    table: dict[str, dict[str, tuple[float, ...]]] = {}
    with (FACTS_DIR / "climate.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(row["station"], {})[row["variable"]] = tuple(float(row[m]) for m in MONTHS)
    return {name: Climate(name, v["tmax"], v["tmin"], v["precipitation"], v["rain_days"]) for name, v in table.items()}


@lru_cache(maxsize=1)
def stations() -> dict[str, tuple[float, float]]:
    """Station locations (lat, lon) by name."""
    with (FACTS_DIR / "stations.csv").open(encoding="utf-8") as fh:
        return {r["station"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)}


@lru_cache(maxsize=64)
def _centre(adcode: str) -> tuple[float, float]:
    """A prefecture's centre (lat, lon): the middle of its bounding box in the bundled city list."""
    row = china_city_row(adcode)
    return ((float(row["bbox_miny"]) + float(row["bbox_maxy"])) / 2, (float(row["bbox_minx"]) + float(row["bbox_maxx"])) / 2)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _province(adcode: str) -> str:
    return china_city_row(adcode)["province_adcode"]


@lru_cache(maxsize=1)
def _census_populations() -> dict[str, int]:
    from geo.cities import census_table

    return {adcode: int(row["persons"]) for adcode, row in census_table().items()}


class _Lookup:
    """Finds each fact of one city along the fallback chain and remembers where it came from."""

    def __init__(self, city: City):
        self.city = city
        self.province = _province(city.adcode)
        self.notes: list[tuple[str, str]] = []

    def candidates(self, fact: str) -> list[_Row]:
        return [r for r in _rows() if r.fact == fact]

    def find(self, fact: str, *, province: bool = True, newest: bool = True) -> tuple[str, int | None]:
        """The fact's value and year; the note says where it came from."""
        rows = self.candidates(fact)
        own = [r for r in rows if r.adcode == self.city.adcode]
        if own:
            row = max(own, key=lambda r: r.year or 0) if newest else own[0]
            self.notes.append((fact, f"{row.kind}: {row.source}"))
            return row.value, row.year
        in_province = [r for r in rows if r.adcode == self.province] if province else []
        if in_province:
            row = max(in_province, key=lambda r: r.year or 0)
            self.notes.append((fact, f"{row.name} province profile ({row.kind}): {row.source}"))
            return row.value, row.year
        cities = [r for r in rows if r.adcode.endswith("00") and not r.adcode.endswith("0000")
                  and r.adcode != self.city.adcode]
        if cities:
            here = _centre(self.city.adcode)
            row = min(cities, key=lambda r: (_km(here, _centre(r.adcode)), -(r.year or 0)))
            value = row.value
            scaled = ""
            if fact in EXTENSIVE:
                source_population = _census_populations().get(row.adcode)
                if source_population and self.city.population:
                    value = str(float(row.value) * self.city.population / source_population)
                    scaled = ", scaled by population"
            self.notes.append((fact, f"borrowed from {row.name}, the nearest city with this fact{scaled} ({row.kind})"))
            return value, row.year
        self.notes.append((fact, "the catalog's reference city"))
        return str(REFERENCE[fact]), None

    def number(self, fact: str, **options) -> float:
        return float(self.find(fact, **options)[0])

    def climate(self) -> Climate:
        own = [r for r in _rows() if r.fact == "climate_station" and r.adcode == self.city.adcode]
        if own:
            self.notes.append(("climate", f"station {own[0].value} ({own[0].kind}): see climate.csv"))
            return climates()[own[0].value]
        here = _centre(self.city.adcode)
        name, location = min(stations().items(), key=lambda item: _km(here, item[1]))
        degrees = here[0] - location[0]
        self.notes.append(("climate", f"borrowed from station {name}, the nearest, temperatures moved by "
                                      f"{degrees:+.1f}° of latitude (estimate)"))
        return climates()[name].shifted(degrees)

    def district_climates(self) -> dict[str, Climate]:
        adcodes = {d.adcode for d in self.city.districts}
        return {r.adcode: climates()[r.value] for r in _rows()
                if r.fact == "climate_station" and r.adcode in adcodes}


@lru_cache(maxsize=16)
def city_profile(city: City) -> CityProfile:
    """The facts a city's demo data is calibrated to (see the module docstring for the fallbacks).

    Args:
        city: the configured city.

    Returns:
        Its profile, with a note for every fact saying where it came from.
    """
    look = _Lookup(city)
    gdp, gdp_year = look.find("gdp")
    shares = np.array([look.number(f"{part}_share") for part in ("primary", "secondary", "tertiary")])
    pm25, pm25_year = look.find("pm25")
    coastal = bool(look.number("coastal", province=False))
    profile = CityProfile(
        adcode=city.adcode,
        name_zh=city.name_zh,
        population=city.population,
        gdp=float(gdp),
        gdp_year=gdp_year or 2023,
        gdp_growth=look.number("gdp_growth"),
        shares=tuple(float(s) for s in shares * 100 / shares.sum()),
        income_urban=look.number("income_urban"),
        income_rural=look.number("income_rural"),
        urbanization=look.number("urbanization"),
        land_area=look.number("land_area") if _has_own(city, "land_area") else _boundary_area(city, look),
        coastal=coastal,
        typhoons_per_year=look.number("typhoons_per_year", province=False) if coastal else 0.0,
        typhoon_exposure=look.number("typhoon_exposure", province=False) if coastal else 0.0,
        climate=look.climate(),
        district_climates=look.district_climates(),
        pm25=float(pm25),
        pm25_year=pm25_year or 2023,
        good_days=look.number("good_days"),
        o3_p90=look.number("o3_p90"),
        metro=not _has_own(city, "metro") or bool(float(next(
            r.value for r in _rows() if r.fact == "metro" and r.adcode == city.adcode))),
        notes=(),
    )
    return _with_notes(profile, look.notes)


def _with_notes(profile: CityProfile, notes: list[tuple[str, str]]) -> CityProfile:
    from dataclasses import replace

    return replace(profile, notes=tuple(notes))


def _has_own(city: City, fact: str) -> bool:
    return any(r.fact == fact and r.adcode == city.adcode for r in _rows())


def _boundary_area(city: City, look: _Lookup) -> float:
    from geo.cities import area_km2

    try:
        area = sum(area_km2(f["geometry"]) for f in city.boundary_geojson()["features"])
    except (OSError, KeyError, ValueError):  # no boundary file: as big as its population makes it
        return look.number("land_area")
    look.notes.append(("land_area", "measured on the city's boundary file (estimate)"))
    return round(area, 1)
