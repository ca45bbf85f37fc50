"""The big screen as data: screen definitions and playlists in ``indicators/catalog/screens.yaml``.

A definition names the screen's title, which indicators its panels show (the headline ones, or the topic's on
a topic screen) and the panels of the stage's left, centre and right columns: a side panel is a theme's tiles,
the newest alerts, an indicator's chart or a ranking of the districts. A playlist is the list a city's
wall rotates through, each entry with its seconds. ``parse_screens`` refuses a broken file as a whole with
every problem's line (``indicators.catalog.yamlfile``), so a wall never shows a half-drawn screen;
``export_screens`` writes the file's canonical form, which ``parse_screens`` reads back to the same definitions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from indicators.catalog.entries import Theme, load_catalog
from indicators.catalog.topics import TopicRegistry, load_topics
from indicators.catalog.yamlfile import ConfigFileError, Location, line_of, load_validated

SCREENS_PATH = Path(__file__).with_name("screens.yaml")
SIDE_ROWS = 3  # panels a side column holds on the 1920×1080 stage
OVERVIEW, TOPIC = "overview", "topic"


class _Panel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ThemePanel(_Panel):
    """A theme's health score and its first indicators of the screen."""

    panel: Literal["theme"]
    theme: Theme
    tiles: int = Field(default=3, ge=1, le=6)


class AlertListPanel(_Panel):
    """The newest open alerts."""

    panel: Literal["alert_list"]
    items: int = Field(default=4, ge=1, le=8)


class ChartPanel(_Panel):
    """An indicator's newest values as a line, with its latest value (default: the screen's first indicator)."""

    panel: Literal["chart"]
    indicator: str | None = None


class RankingPanel(_Panel):
    """The city's districts ranked on an indicator, best first (default: the indicator on the map)."""

    panel: Literal["ranking"]
    indicator: str | None = None
    items: int = Field(default=6, ge=3, le=12)


class AlertCountsPanel(_Panel):
    """Open alerts by level."""

    panel: Literal["alert_counts"]


class MapPanel(_Panel):
    """The districts coloured by an indicator's warning level."""

    panel: Literal["map"]


def _kind(value: object) -> str | None:
    kind = value.get("panel") if isinstance(value, dict) else getattr(value, "panel", None)
    return f"{kind} panel" if isinstance(kind, str) else None


# Tagged "<kind> panel", so that an error's location never names a field of the panel twice.
SidePanel = Annotated[Annotated[ThemePanel, Tag("theme panel")] | Annotated[AlertListPanel, Tag("alert_list panel")]
                      | Annotated[ChartPanel, Tag("chart panel")] | Annotated[RankingPanel, Tag("ranking panel")],
                      Discriminator(_kind, custom_error_type="panel",
                                    custom_error_message="a side panel is theme or alert_list, or a chart or ranking")]
CentrePanel = Annotated[Annotated[AlertCountsPanel, Tag("alert_counts panel")] | Annotated[MapPanel, Tag("map panel")],
                        Discriminator(_kind, custom_error_type="panel",
                                      custom_error_message="a centre panel is alert_counts or map")]


class ScreenDef(BaseModel):
    """One screen's definition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    indicators: Literal["headline", "topic"] = "headline"
    left: tuple[SidePanel, ...] = Field(default=(), max_length=SIDE_ROWS)
    centre: tuple[CentrePanel, ...] = ()
    right: tuple[SidePanel, ...] = Field(default=(), max_length=SIDE_ROWS)

    @model_validator(mode="after")
    def _centre_is_counts_and_map(self) -> "ScreenDef":
        kinds = [panel.panel for panel in self.centre]
        if kinds != ["alert_counts", "map"]:
            raise ValueError("centre: the stage's centre holds alert_counts above the map, in that order")
        return self

    def title(self, lang: str) -> str:
        """The screen's title in ``lang``."""
        return self.title_en if lang == "en" else self.title_zh


class PlaylistEntry(BaseModel):
    """One step of a rotation: a screen, one topic, or each of the city's topics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    screen: str | None = None
    topic: str | None = None
    topics: Literal["all"] | None = None
    seconds: int = Field(ge=5, le=3600)

    @model_validator(mode="after")
    def _one_target(self) -> "PlaylistEntry":
        if sum(value is not None for value in (self.screen, self.topic, self.topics)) != 1:
            raise ValueError("an entry names exactly one of screen, topic or topics")
        return self


class ScreenFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    screens: dict[str, ScreenDef]
    playlists: dict[str, tuple[PlaylistEntry, ...]]


class ScreenRegistry:
    """The validated screens and playlists."""

    def __init__(self, data: ScreenFile, topics: TopicRegistry):
        self.data = data
        self.topics = topics

    def definition(self, screen: str, city_key: str) -> ScreenDef:
        """The definition that draws ``screen`` (a screen key, a theme focus or one of the city's topics)."""
        if self.topics.topic(city_key, screen) is not None:
            return self.data.screens[TOPIC]
        return self.data.screens.get(screen, self.data.screens[OVERVIEW])

    def playlist(self, city_key: str) -> list[tuple[str, int]]:
        """The city's rotation as (screen, seconds): ``overview`` or a screen key, or one of its topics."""
        steps: list[tuple[str, int]] = []
        for entry in self.data.playlists.get(city_key) or self.data.playlists["generic"]:
            if entry.topics:
                steps += [(topic.key, entry.seconds) for topic in self.topics.for_city(city_key)]
            elif self.topics.topic(city_key, entry.topic or "") is not None or entry.screen:
                steps.append((entry.topic or entry.screen, entry.seconds))
        return steps


def _cross_problems(data: ScreenFile, lines: dict[Location, int], topics: TopicRegistry) -> list[tuple[int, str]]:
    problems = [(line_of(lines, ("screens",)), f"screens: '{key}' is needed")
                for key in (OVERVIEW, TOPIC) if key not in data.screens]
    if TOPIC in data.screens and data.screens[TOPIC].indicators != "topic":
        problems.append((line_of(lines, ("screens", TOPIC, "indicators")), "screens → topic: indicators must be topic"))
    catalog = load_catalog()
    for key, screen in data.screens.items():
        for column in ("left", "right"):
            for index, panel in enumerate(getattr(screen, column)):
                code = getattr(panel, "indicator", None)
                if code is not None and code not in catalog:
                    problems.append((line_of(lines, ("screens", key, column, index, "indicator")),
                                     f"screens → {key} → {column} → {index} → indicator: {code} is not in the catalog"))
    if "generic" not in data.playlists:
        problems.append((line_of(lines, ("playlists",)), "playlists: 'generic' is needed"))
    for city, entries in data.playlists.items():
        for index, entry in enumerate(entries):
            where = ("playlists", city, index)
            if entry.screen and (entry.screen not in data.screens or entry.screen == TOPIC):
                problems.append((line_of(lines, (*where, "screen")),
                                 f"playlists → {city} → {index}: no screen '{entry.screen}'"))
            if entry.topic and city != "generic" and topics.topic(city, entry.topic) is None:
                problems.append((line_of(lines, (*where, "topic")),
                                 f"playlists → {city} → {index}: {city} has no topic '{entry.topic}'"))
    return problems


def parse_screens(text: str, topics: TopicRegistry, source: str = "screens.yaml") -> ScreenRegistry:
    """Validate a screens file; the whole file is refused when any part is wrong.

    Raises:
        ConfigFileError: every problem with its line.
    """
    data, lines = load_validated(text, ScreenFile, source)
    problems = _cross_problems(data, lines, topics)
    if problems:
        raise ConfigFileError(source, problems)
    return ScreenRegistry(data, topics)


def export_screens(registry: ScreenRegistry) -> str:
    """The registry as a screens file (canonical YAML: defaults written out, keys in a fixed order)."""
    data = registry.data.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def active_screens_file(data_path: Path) -> Path:
    """The screens file in use: the installation's (``manage.py screen import`` into the data folder), else the
    shipped one."""
    imported = data_path / "screens.yaml"
    return imported if imported.exists() else SCREENS_PATH


@lru_cache(maxsize=4)
def _load(path: Path, _modified: int, topics: TopicRegistry) -> ScreenRegistry:
    return parse_screens(path.read_text(encoding="utf-8"), topics, source=path.name)


def load_screens(path: Path = SCREENS_PATH) -> ScreenRegistry:
    """The screens and playlists of a file (the shipped one by default), validated against the topics in use;
    read again when the file or the topics change (an import reaches the walls at their next refresh, without a
    restart)."""
    return _load(path, path.stat().st_mtime_ns, load_topics())


def screens_in_use(data_path: Path) -> ScreenRegistry:
    """The screens and playlists the walls show (``active_screens_file``)."""
    return load_screens(active_screens_file(data_path))
