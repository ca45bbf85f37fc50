"""The indicator catalog: one versioned CSV file loaded into validated, typed entries.

The file is ``indicators/catalog.csv`` (UTF-8). One row per indicator; ``topics`` is a
``;``-separated list. Thresholds are the four warning levels in the indicator's *bad*
direction:

* ``direction=down`` (lower is better): ``blue < yellow < orange < red``; a value above a
  threshold reaches that level (so the published limit itself, e.g. PM2.5 75 µg/m³, is
  still normal).
* ``direction=up`` (higher is better): ``blue > yellow > orange > red``; a value below a
  threshold reaches that level.
* ``direction=target``: thresholds are distances from ``target``
  (``|value - target|``), ``blue < yellow < orange < red``.
* ``direction=neutral``: no thresholds.

``aggregation`` says how district values roll up to the city: ``sum``, ``mean``,
``wmean:<CODE>`` (mean weighted by another district-level indicator) or ``none``
(city-level indicators, and district indicators that cannot be added up).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CATALOG_PATH = Path(__file__).with_name("catalog.csv")

THEMES: dict[str, tuple[str, str]] = {
    "economy": ("经济发展", "Economy"),
    "market": ("市场监管", "Market regulation"),
    "public_service": ("公共服务", "Public services"),
    "governance": ("社会治理", "Social governance"),
    "environment": ("生态环保", "Ecology & environment"),
}
TOPICS: dict[str, tuple[str, str]] = {
    "health": ("疫情防控/公共卫生", "Epidemic & public health"),
    "safety": ("公共安全", "Public safety"),
    "emergency": ("应急管理", "Emergency management"),
    "city_operation": ("城市运行", "City operation"),
    "industry": ("工业经济", "Industrial economy"),
    "petition": ("信访态势", "Petitions"),
}
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")
LEVELS = ("blue", "yellow", "orange", "red")

Theme = Literal["economy", "market", "public_service", "governance", "environment"]
Topic = Literal["health", "safety", "emergency", "city_operation", "industry", "petition"]
Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
Direction = Literal["up", "down", "target", "neutral"]
Sensitivity = Literal["public", "internal", "restricted"]
SpatialLevel = Literal["city", "district"]


class CatalogError(ValueError):
    """A catalog that cannot be used; the message names every bad entry and field."""


class Indicator(BaseModel):
    """One indicator definition, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{3}-[A-Z0-9]{2,6}-\d{3}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    theme: Theme
    topics: tuple[Topic, ...] = ()
    unit: str = Field(min_length=1)
    frequency: Frequency
    direction: Direction
    department: str = Field(min_length=2)
    source: str = Field(min_length=1)
    source_standard: str = ""
    source_id: str = ""
    spatial_level: SpatialLevel
    aggregation: str = "none"
    blue: float | None = None
    yellow: float | None = None
    orange: float | None = None
    red: float | None = None
    target: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    typical: float
    sensitivity: Sensitivity = "public"
    headline: bool = False
    definition: str = Field(min_length=1)
    demo: str = ""

    @field_validator("topics", mode="before")
    @classmethod
    def _split_topics(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value

    @field_validator("aggregation")
    @classmethod
    def _check_aggregation(cls, value: str) -> str:
        if value in ("sum", "mean", "none") or value.startswith("wmean:"):
            return value
        raise ValueError("must be sum, mean, wmean:<CODE> or none")

    @model_validator(mode="after")
    def _check_consistency(self) -> "Indicator":
        levels = self.thresholds
        if self.direction == "neutral" and any(v is not None for v in levels):
            raise ValueError("thresholds: a neutral indicator has no warning thresholds")
        if any(v is not None for v in levels):
            if any(v is None for v in levels):
                raise ValueError("thresholds: give all four of blue, yellow, orange, red or none")
            ordered = levels if self.direction != "up" else tuple(reversed(levels))
            if not all(a < b for a, b in zip(ordered, ordered[1:])):
                want = "blue > yellow > orange > red" if self.direction == "up" else "blue < yellow < orange < red"
                raise ValueError(f"thresholds: not ordered for direction {self.direction} (need {want})")
        if self.direction == "target" and self.target is None:
            raise ValueError("target: a target-direction indicator needs a target")
        if self.min_value is not None and self.max_value is not None and self.min_value >= self.max_value:
            raise ValueError("min_value: must be below max_value")
        if not self.in_range(self.typical):
            raise ValueError("typical: outside min_value..max_value")
        if self.spatial_level == "city" and self.aggregation != "none":
            raise ValueError("aggregation: a city-level indicator has aggregation none")
        return self

    @property
    def thresholds(self) -> tuple[float | None, float | None, float | None, float | None]:
        """The four warning thresholds, blue to red."""
        return (self.blue, self.yellow, self.orange, self.red)

    @property
    def has_thresholds(self) -> bool:
        """Whether the indicator can raise threshold warnings."""
        return self.blue is not None

    @property
    def weight_code(self) -> str | None:
        """The indicator that weights the district mean, for ``wmean:`` aggregation."""
        return self.aggregation.split(":", 1)[1] if self.aggregation.startswith("wmean:") else None

    def in_range(self, value: float) -> bool:
        """Whether ``value`` is inside the indicator's physical range."""
        if self.min_value is not None and value < self.min_value:
            return False
        return self.max_value is None or value <= self.max_value

    def name(self, lang: str) -> str:
        """The indicator's name in ``lang`` ("zh" or "en")."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Catalog:
    """All indicators, in file order, with their content hash as version."""

    indicators: tuple[Indicator, ...]
    version: str

    def __len__(self) -> int:
        return len(self.indicators)

    def __iter__(self):
        return iter(self.indicators)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __getitem__(self, code: str) -> Indicator:
        return self.by_code[code]

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        """Indicators keyed by code."""
        return {ind.code: ind for ind in self.indicators}

    @property
    def by_name_zh(self) -> dict[str, Indicator]:
        """Indicators keyed by exact Chinese name (first wins)."""
        names: dict[str, Indicator] = {}
        for ind in self.indicators:
            names.setdefault(ind.name_zh, ind)
        return names


def _parse_row(row: dict[str, str]) -> dict[str, object]:
    """Turn a CSV row into constructor arguments: blanks become missing."""
    values: dict[str, object] = {k: v.strip() for k, v in row.items() if k is not None and v is not None}
    values = {k: v for k, v in values.items() if v != ""}
    if "headline" in values:
        values["headline"] = str(values["headline"]).lower() in ("1", "true", "yes", "y")
    return values


def field_reasons(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, reason) of every problem of an entry; checks of the whole entry name their field themselves."""
    reasons = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        reason = err["msg"].removeprefix("Value error, ")
        if not err["loc"] and ":" in reason:
            field, reason = (part.strip() for part in reason.split(":", 1))
        reasons.append((field, reason))
    return reasons


def _format_error(code: str, line: int, exc: ValidationError) -> list[str]:
    return [f"line {line}, {code}: field '{field}': {reason}" for field, reason in field_reasons(exc)]


def parse_catalog(text: str) -> Catalog:
    """Parse and validate catalog CSV text.

    Args:
        text: the whole CSV file.

    Returns:
        The validated catalog.

    Raises:
        CatalogError: listing every bad entry with its line, code and field.
    """
    reader = csv.DictReader(text.splitlines())
    # Optional columns may be left out of a file; required ones missing would fail every row.
    missing = [name for name, info in Indicator.model_fields.items()
               if info.is_required() and name not in (reader.fieldnames or [])]
    if missing:
        raise CatalogError(f"invalid catalog: header: missing column(s) {', '.join(missing)}")
    errors: list[str] = []
    entries: list[Indicator] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip() or "?"
        try:
            entry = Indicator(**_parse_row(row))
        except ValidationError as exc:
            errors.extend(_format_error(code, line, exc))
            continue
        if code in seen:
            errors.append(f"line {line}, {code}: field 'code': duplicate of line {seen[code]}")
            continue
        seen[code] = line
        entries.append(entry)
    by_code = {e.code: e for e in entries}
    for entry in entries:
        weight = entry.weight_code
        if weight and (weight not in by_code or by_code[weight].spatial_level != "district"):
            errors.append(
                f"{entry.code}: field 'aggregation': weight indicator {weight} is missing or not district-level"
            )
    if errors:
        raise CatalogError("invalid catalog:\n" + "\n".join(errors))
    return Catalog(tuple(entries), hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


@lru_cache(maxsize=1)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Load the catalog file once per process.

    Args:
        path: the catalog CSV file.

    Returns:
        The validated catalog.
    """
    return parse_catalog(path.read_text(encoding="utf-8-sig"))


DEPARTMENTS_PATH = Path(__file__).with_name("departments.csv")


def _pairs(path: Path, key: str, value: str) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return {row[key]: row[value] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def department_names() -> dict[str, str]:
    """English names of the responsible departments, keyed by their Chinese names."""
    return _pairs(DEPARTMENTS_PATH, "name_zh", "name_en")


def department_en(name_zh: str) -> str:
    """A department's English name (its Chinese name when none is recorded)."""
    return department_names().get(name_zh, name_zh)


UNITS_PATH = Path(__file__).with_name("units.csv")


@lru_cache(maxsize=1)
def unit_names() -> dict[str, str]:
    """English forms of the catalog's units, keyed by the Chinese ones (``亿元`` → ``100M yuan``)."""
    return _pairs(UNITS_PATH, "unit_zh", "unit_en")


def unit_en(unit_zh: str) -> str:
    """A unit in English (the unit itself when none is recorded; "" for a bare count, 个)."""
    return unit_names().get(unit_zh, unit_zh)
