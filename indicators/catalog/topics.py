"""Topics (专题) as data, per city: ``indicators/catalog/topics.yaml``, under version control like the catalog.

Each city names its own topics; a city without its own list (one added by adcode) gets the ``generic`` list.
A topic holds indicators by code (``indicators``) and by rule (``rules``: themes, departments and the catalog's
topic tags), minus ``exclude``; its ``headline`` indicators lead its page and screen; ``order`` sorts the list
(file order when absent). The file is validated on load; every problem is reported with its line
(``indicators.catalog.yamlfile``), and codes must exist in the catalog.

An installation changes its topics in the app (``/admin/topics``) or with ``manage.py topics import``, which write
``<data dir>/topics.yaml``; that file, when present, is the one in use, and it is read again when it changes, so a
new topic reaches pages, screens and navigation without a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from indicators.catalog.entries import Catalog, Theme, Topic, load_catalog
from indicators.catalog.yamlfile import ConfigFileError, Location, line_of, load_validated

TOPICS_PATH = Path(__file__).with_name("topics.yaml")
INSTALLED_TOPICS = "topics.yaml"  # the installation's own, in its data folder
KEY = r"^[a-z][a-z0-9_]{1,31}$"


class Rules(BaseModel):
    """Indicators a topic holds by what they are: any of these themes, departments or catalog topic tags."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    themes: tuple[Theme, ...] = ()
    departments: tuple[str, ...] = ()
    tags: tuple[Topic, ...] = ()


class TopicDef(BaseModel):
    """One topic of a city."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=KEY)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    order: int | None = None
    indicators: tuple[str, ...] = ()
    rules: Rules = Rules()
    exclude: tuple[str, ...] = ()
    headline: tuple[str, ...] = Field(default=(), max_length=8)

    @model_validator(mode="after")
    def _holds_something(self) -> "TopicDef":
        if not (self.indicators or self.rules.themes or self.rules.departments or self.rules.tags):
            raise ValueError("a topic needs indicators or rules (themes, departments, tags)")
        return self

    def name(self, lang: str) -> str:
        """The topic's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh

    def holds(self, code: str, theme: str, department: str, tags: Iterable[str]) -> bool:
        """Whether an indicator with these attributes belongs to the topic."""
        if code in self.exclude:
            return False
        return (code in self.indicators or theme in self.rules.themes or department in self.rules.departments
                or any(tag in self.rules.tags for tag in tags))

    def codes(self, catalog: Catalog) -> list[str]:
        """The catalog codes the topic holds, headline ones first, then in catalog order."""
        held = [ind.code for ind in catalog if self.holds(ind.code, ind.theme, ind.department, ind.topics)]
        return [code for code in self.headline if code in held] + [code for code in held if code not in self.headline]


class TopicFile(BaseModel):
    """The whole registry: the generic list and each city's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    generic: tuple[TopicDef, ...]
    cities: dict[str, tuple[TopicDef, ...]] = {}


class TopicRegistry:
    """The validated registry; ``for_city`` answers which topics a city has, in order."""

    def __init__(self, data: TopicFile):
        self.data = data

    def for_city(self, city_key: str) -> tuple[TopicDef, ...]:
        """The city's topics in order (the generic list for a city without its own)."""
        topics = self.data.cities.get(city_key) or self.data.generic
        return tuple(sorted(topics, key=lambda topic: topic.order if topic.order is not None else topics.index(topic)))

    def topic(self, city_key: str, key: str) -> TopicDef | None:
        """One of the city's topics by key, or None."""
        return next((topic for topic in self.for_city(city_key) if topic.key == key), None)

    def own_lists(self) -> Mapping[str, tuple[TopicDef, ...]]:
        """The lists by owner: ``generic`` and each city key."""
        return {"generic": self.data.generic, **self.data.cities}


def _cross_problems(data: TopicFile, lines: dict[Location, int], catalog: Catalog) -> list[tuple[int, str]]:
    problems = [] if data.generic else [(line_of(lines, ("generic",)), "generic: at least one topic is needed")]
    lists: list[tuple[Location, tuple[TopicDef, ...]]] = [(("generic",), data.generic)]
    lists += [(("cities", city), topics) for city, topics in data.cities.items()]
    departments = {ind.department for ind in catalog}
    for base, topics in lists:
        seen: set[str] = set()
        for index, topic in enumerate(topics):
            where = (*base, index)
            if topic.key in seen:
                problems.append((line_of(lines, (*where, "key")), f"{' → '.join(map(str, base))}: topic '{topic.key}' twice"))
            seen.add(topic.key)
            for field in ("indicators", "exclude", "headline"):
                for position, code in enumerate(getattr(topic, field)):
                    if code not in catalog:
                        problems.append((line_of(lines, (*where, field, position)),
                                         f"{topic.key} → {field}: {code} is not in the catalog"))
            for position, name in enumerate(topic.rules.departments):
                if name not in departments:
                    problems.append((line_of(lines, (*where, "rules", "departments", position)),
                                     f"{topic.key} → rules → departments: no indicator has department {name}"))
            held = set(topic.codes(catalog))
            for position, code in enumerate(topic.headline):
                if code in catalog and code not in held:
                    problems.append((line_of(lines, (*where, "headline", position)),
                                     f"{topic.key} → headline: {code} is not one of the topic's indicators"))
    return problems


def parse_topics(text: str, catalog: Catalog, source: str = "topics.yaml") -> TopicRegistry:
    """Validate a topic registry's text against the catalog.

    Raises:
        ConfigFileError: every problem with its line.
    """
    data, lines = load_validated(text, TopicFile, source)
    problems = _cross_problems(data, lines, catalog)
    if problems:
        raise ConfigFileError(source, problems)
    return TopicRegistry(data)


def active_topics_file(data_path: Path | None = None) -> Path:
    """The topics file in use: the installation's (``<data dir>/topics.yaml``), else the shipped one."""
    if data_path is None:
        from settings import get_settings

        data_path = get_settings().data_path
    installed = data_path / INSTALLED_TOPICS
    return installed if installed.exists() else TOPICS_PATH


@lru_cache(maxsize=4)
def _load(path: Path, _modified: int) -> TopicRegistry:
    return parse_topics(path.read_text(encoding="utf-8"), load_catalog(), source=path.name)


def load_topics(path: Path | None = None) -> TopicRegistry:
    """A topic registry (default: the one in use, ``active_topics_file``), validated against the shipped catalog;
    read again when its file changes."""
    path = path or active_topics_file()
    return _load(path, path.stat().st_mtime_ns)


def topics_for(city_key: str) -> tuple[TopicDef, ...]:
    """The topics of a city, in order."""
    return load_topics().for_city(city_key)


def topic_of(city_key: str, key: str) -> TopicDef | None:
    """One topic of a city by key, or None."""
    return load_topics().topic(city_key, key)
