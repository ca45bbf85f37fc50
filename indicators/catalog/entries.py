"""The indicator catalog: one versioned CSV file loaded into validated, typed entries.

The file is ``indicators/catalog/catalog.csv`` (UTF-8). One row per indicator; ``topics`` is a
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

How a value relates to time, as statistics bureaus publish it (统计月报):

* ``accumulation``: ``period`` — the value of one period (当月, 当季); ``ytd`` — year-to-date
  cumulative (1—N月累计, 1—N季度), stored as published, the single-period value derived from it;
  ``stock`` — a level at the period's end (月末余额, 年末人口).
* ``jan_feb_merged``: a monthly indicator published for 1—2月 together, never for January alone
  (the February period holds the two months).
* ``derived``: a formula over other indicators of the same area and period (``indicators.catalog.formula``);
  the store computes it whenever an input changes, it is never loaded.
* ``growth_of``: the level indicator whose growth this published growth rate reports (often at
  comparable prices, so it may differ from the growth the levels imply; the data-quality desk
  flags periods where the two part by more than a tolerance).
* ``rolls_up_to``: the daily indicator an ``hourly`` one adds up to (monitoring stations and traffic
  platforms publish by the hour); the store recomputes the day's value from the hours whenever they
  change — their mean for a rate or concentration, their sum for an amount (``is_rate_unit``).
"""

from __future__ import annotations

import csv
import graphlib
import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from indicators.catalog.formula import Formula, FormulaError, parse_formula

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
FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "quarterly", "yearly")
ACCUMULATIONS: dict[str, tuple[str, str]] = {
    "period": ("当期值", "value of the period"),
    "ytd": ("年内累计值", "year-to-date cumulative"),
    "stock": ("期末值", "level at the period's end"),
}
# Units of rates, indices and ratios: a year-to-date rate cannot be split into single periods.
RATE_UNITS = frozenset({"%", "％", "‰", "‱", "百分点", "个百分点", "指数", "点", "比值", "无量纲", "分", "级"})

Theme = Literal["economy", "market", "public_service", "governance", "environment"]
Topic = Literal["health", "safety", "emergency", "city_operation", "industry", "petition"]
Frequency = Literal["hourly", "daily", "weekly", "monthly", "quarterly", "yearly"]
Direction = Literal["up", "down", "target", "neutral"]
Sensitivity = Literal["public", "internal", "restricted"]
SpatialLevel = Literal["city", "district"]
Accumulation = Literal["period", "ytd", "stock"]
SENSITIVITY_RANK = {"public": 0, "internal": 1, "restricted": 2}


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
    accumulation: Accumulation = "period"
    jan_feb_merged: bool = False
    derived: str = ""
    growth_of: str = ""
    rolls_up_to: str = ""
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

    @field_validator("derived")
    @classmethod
    def _check_formula(cls, value: str) -> str:
        if value.strip():
            try:
                parse_formula(value)
            except FormulaError as exc:
                raise ValueError(str(exc)) from None
        return value.strip()

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
        if self.jan_feb_merged and self.frequency != "monthly":
            raise ValueError("jan_feb_merged: only a monthly indicator publishes 1—2月 together")
        if self.accumulation == "ytd" and self.frequency not in ("monthly", "quarterly"):
            raise ValueError("accumulation: year-to-date values are monthly (1—N月) or quarterly (1—N季度)")
        if self.growth_of and self.unit not in ("%", "％"):
            raise ValueError("growth_of: a growth rate is given in %")
        if self.frequency == "hourly" and (self.accumulation != "period" or self.derived):
            raise ValueError("frequency: an hourly indicator holds the value of each hour, loaded, not derived")
        if self.rolls_up_to and self.frequency != "hourly":
            raise ValueError("rolls_up_to: only an hourly indicator rolls up into a daily one")
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
    def single_periods(self) -> bool:
        """Whether single-period values (当月, 当季) derive from this indicator's year-to-date values:
        a cumulative amount (亿元, 万吨, 件 …), not a cumulative rate or index."""
        return self.accumulation == "ytd" and not is_rate_unit(self.unit)

    @cached_property
    def formula(self) -> Formula | None:
        """The parsed formula of a derived indicator (None for a stored one)."""
        return parse_formula(self.derived) if self.derived else None

    @property
    def weight_code(self) -> str | None:
        """The indicator that weights the district mean, for ``wmean:`` aggregation."""
        return self.aggregation.split(":", 1)[1] if self.aggregation.startswith("wmean:") else None

    @property
    def rollup_sums(self) -> bool:
        """Whether the day's value is the sum of the hours (an amount) rather than their mean (a rate, a level)."""
        return not is_rate_unit(self.unit)

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
    for flag in ("headline", "jan_feb_merged"):
        if flag in values:
            values[flag] = str(values[flag]).lower() in ("1", "true", "yes", "y")
    return values


def is_rate_unit(unit: str) -> bool:
    """Whether a unit is a rate, index or ratio (not an amount that adds up over time or areas)."""
    unit = unit.strip()
    return unit in RATE_UNITS or "=" in unit or ("/" in unit and not unit.startswith("元"))


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


def parse_catalog(text: str, *, known: Catalog | None = None) -> Catalog:
    """Parse and validate catalog CSV text.

    Args:
        text: the whole CSV file.
        known: indicators outside the file that its entries may name (weights, formulas, growth links),
            e.g. the store's catalog when a few edited rows are imported; the file's own entries win.

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
    errors.extend(link_errors(entries, known))
    if errors:
        raise CatalogError("invalid catalog:\n" + "\n".join(errors))
    return Catalog(tuple(entries), hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


def link_errors(entries: list[Indicator] | tuple[Indicator, ...], known: Catalog | None = None) -> list[str]:
    """What is wrong with the indicators ``entries`` name: weights, formulas (and their cycles), growth links.

    Args:
        entries: the entries checked.
        known: other indicators they may name (``entries`` replace those of the same code).

    Returns:
        One message per problem: ``CODE: field 'name': reason``.
    """
    by_code = {**(known.by_code if known else {}), **{e.code: e for e in entries}}
    errors = []
    for entry in entries:
        weight = entry.weight_code
        if weight and (weight not in by_code or by_code[weight].spatial_level != "district"):
            errors.append(
                f"{entry.code}: field 'aggregation': weight indicator {weight} is missing or not district-level"
            )
        errors.extend(f"{entry.code}: field '{name}': {reason}" for name, reason in _link_problems(entry, by_code))
    errors.extend(f"{code}: field 'derived': {reason}" for code, reason in _formula_cycles(list(by_code.values())))
    return errors


def _link_problems(entry: Indicator, by_code: dict[str, Indicator]) -> list[tuple[str, str]]:
    """What is wrong with the indicators an entry's ``derived`` formula and ``growth_of`` name."""
    problems = []
    if entry.growth_of:
        level = by_code.get(entry.growth_of)
        if level is None:
            problems.append(("growth_of", f"unknown indicator {entry.growth_of}"))
        elif level.frequency != entry.frequency:
            problems.append(("growth_of", f"{entry.growth_of} is {level.frequency}, this is {entry.frequency}"))
    if entry.rolls_up_to:
        daily = by_code.get(entry.rolls_up_to)
        if daily is None:
            problems.append(("rolls_up_to", f"unknown indicator {entry.rolls_up_to}"))
        elif (daily.frequency, daily.unit, daily.spatial_level) != ("daily", entry.unit, entry.spatial_level):
            problems.append(("rolls_up_to", f"{entry.rolls_up_to} is not a daily indicator of the same unit and "
                                            f"areas ({daily.frequency}, {daily.unit}, {daily.spatial_level})"))
        elif daily.formula is not None:
            problems.append(("rolls_up_to", f"{entry.rolls_up_to} is derived: its values come from its formula"))
    if entry.formula is None:
        return problems
    for code in entry.formula.inputs:
        source = by_code.get(code)
        if source is None:
            problems.append(("derived", f"unknown indicator {code}"))
        elif source.frequency != entry.frequency:
            problems.append(("derived", f"{code} is {source.frequency}, this is {entry.frequency}"))
        elif entry.spatial_level == "district" and source.spatial_level != "district":
            problems.append(("derived", f"{code} has no district values"))
        elif SENSITIVITY_RANK[source.sensitivity] > SENSITIVITY_RANK[entry.sensitivity]:
            problems.append(("derived", f"{code} is {source.sensitivity}: a value computed from it is no less "
                                        f"(this is {entry.sensitivity})"))
        elif entry.formula.linear and source.accumulation != entry.accumulation:
            problems.append(("derived", f"a total adds values of one kind: {code} is {source.accumulation}, "
                                        f"this is {entry.accumulation}"))
    return problems


def _formula_cycles(entries: tuple[Indicator, ...] | list[Indicator]) -> list[tuple[str, str]]:
    """Derived indicators that depend on themselves, through any chain of formulas."""
    graph = {e.code: set(e.formula.inputs) for e in entries if e.formula is not None}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        return [(cycle[0], "the formulas depend on each other: " + " → ".join(cycle))]
    return []


def derived_order(catalog: Catalog) -> list[Indicator]:
    """The derived indicators, each after every derived indicator its formula reads."""
    graph = {e.code: set(e.formula.inputs) for e in catalog if e.formula is not None}
    return [catalog[code] for code in graphlib.TopologicalSorter(graph).static_order() if code in graph]


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


SOURCES_PATH = Path(__file__).with_name("sources.csv")


@lru_cache(maxsize=1)
def source_names() -> dict[str, str]:
    """English names of the catalog's data sources, keyed by their Chinese names (``sources.csv``)."""
    return _pairs(SOURCES_PATH, "source_zh", "source_en")


def source_en(name_zh: str) -> str:
    """A data source's English name (the name itself when none is recorded, as for a standard's code)."""
    return source_names().get(name_zh, name_zh)


DEFINITIONS_EN_PATH = Path(__file__).with_name("definitions_en.csv")


@lru_cache(maxsize=1)
def english_definitions() -> dict[str, str]:
    """The indicators' definitions in English (``definitions_en.csv``), keyed by code; the catalog's own are Chinese."""
    return _pairs(DEFINITIONS_EN_PATH, "code", "definition_en")


UNITS_PATH = Path(__file__).with_name("units.csv")


@lru_cache(maxsize=1)
def unit_names() -> dict[str, str]:
    """English forms of the catalog's units, keyed by the Chinese ones (``亿元`` → ``100M yuan``)."""
    return _pairs(UNITS_PATH, "unit_zh", "unit_en")


def unit_en(unit_zh: str) -> str:
    """A unit in English (the unit itself when none is recorded; "" for a bare count, 个)."""
    return unit_names().get(unit_zh, unit_zh)
