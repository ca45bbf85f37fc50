"""Each city's responsible departments (责任单位): names, short names and contacts, per city.

The catalog names a department generically (``市统计局``, ``departments.csv``); ``departments_for(city)`` maps
each to the city's own unit: by default the city's name and the department's (``厦门市统计局``), overridden per
city in ``city_departments.yaml`` (the package's seed) and ``<data dir>/city_departments.yaml`` (the
installation's, where ``manage.py city add`` writes a new city's generic list to edit). Both files are
validated like the other configuration files (``indicators.catalog.yamlfile``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from geo.cities import City
from indicators.catalog.entries import department_names
from indicators.catalog.yamlfile import ConfigFileError, line_of, load_validated

SEED_PATH = Path(__file__).with_name("city_departments.yaml")


class DepartmentOverride(BaseModel):
    """What a city says about one of its departments (fields left out keep the default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_zh: str | None = Field(default=None, min_length=2)
    name_en: str | None = Field(default=None, min_length=2)
    short_zh: str | None = Field(default=None, min_length=2)
    contact: str = ""


class CityDepartmentFile(BaseModel):
    """A city departments file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cities: dict[str, dict[str, DepartmentOverride]] = {}


class Department(BaseModel):
    """One of a city's departments."""

    model_config = ConfigDict(frozen=True)

    catalog: str  # the catalog's name (市统计局)
    name_zh: str
    name_en: str
    short_zh: str
    contact: str = ""

    def name(self, lang: str) -> str:
        """The department's full name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh


def parse_city_departments(text: str, source: str = "city_departments.yaml") -> CityDepartmentFile:
    """Validate a city departments file; departments must be the catalog's.

    Raises:
        ConfigFileError: every problem with its line.
    """
    data, lines = load_validated(text, CityDepartmentFile, source)
    known = department_names()
    problems = [(line_of(lines, ("cities", city, name)), f"cities → {city} → {name}: not a department of the catalog")
                for city, overrides in data.cities.items() for name in overrides if name not in known]
    if problems:
        raise ConfigFileError(source, problems)
    return data


@lru_cache(maxsize=8)
def _overrides(path: Path, _modified: int) -> CityDepartmentFile:
    return parse_city_departments(path.read_text(encoding="utf-8"), source=path.name)


def _file(path: Path) -> CityDepartmentFile:
    return _overrides(path, path.stat().st_mtime_ns) if path.exists() else CityDepartmentFile()


def generic_department(city: City, catalog_name: str) -> Department:
    """A department as a city without its own names has it: the city's name and the department's."""
    english = department_names().get(catalog_name, catalog_name).removeprefix("Municipal ")
    return Department(catalog=catalog_name, name_zh=city.name_zh + catalog_name.removeprefix("市"),
                      name_en=f"{city.name_en} {english}", short_zh=catalog_name)


def departments_for(city: City, local: Path | None = None) -> dict[str, Department]:
    """The city's departments keyed by the catalog's name: the generic ones, with the seed file's and the
    installation's (``local``, default ``<data dir>/city_departments.yaml``) overrides, the latter winning."""
    if local is None:
        from settings import get_settings

        local = get_settings().data_path / "city_departments.yaml"
    result = {}
    for name in department_names():
        department = generic_department(city, name)
        for source in (_file(SEED_PATH), _file(local)):
            override = source.cities.get(city.key, {}).get(name)
            if override is not None:
                department = department.model_copy(update=override.model_dump(exclude_none=True))
        result[name] = department
    return result


def write_generic_list(city: City, local: Path) -> None:
    """Append a new city's generic department list to the installation's file, for its data bureau to edit."""
    entries = {d.catalog: {"name_zh": d.name_zh, "name_en": d.name_en, "short_zh": d.short_zh, "contact": ""}
               for d in (generic_department(city, name) for name in department_names())}
    current = yaml.safe_load(local.read_text(encoding="utf-8")) if local.exists() else None
    data = current or {"cities": {}}
    data.setdefault("cities", {})[city.key] = entries
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
