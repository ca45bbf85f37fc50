"""The view of ``/admin/topics``: each city's topics (专题), edited by administrators.

Every function checks ``topics.manage`` first (a refusal is audited) and reads fresh (nothing cached): the text in
use, its change history (the audit log's ``topics_change`` entries) and kept versions, the check of an edited text
(its problems with their lines), the preview of a city's topics as the edited text would make them (each topic's
indicators and how many have data the viewer may see), and the writes (``indicators.ingest.topic_edits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.cities import get_city, switch_cities
from indicators.accounts.audit import record, required
from indicators.catalog.entries import load_catalog
from indicators.catalog.topics import INSTALLED_TOPICS, TopicRegistry
from indicators.catalog.yamlfile import ConfigFileError
from indicators.ingest.config_files import FileVersion, uploaded_text, with_restorable
from indicators.ingest.topic_edits import (
    TOPICS_PERMISSION,
    SavedTopics,
    check_topics,
    save_topics,
    topic_changes,
    topic_count,
    topic_version_text,
    topic_versions,
    topics_text,
)
from indicators.views.queries import latest_snapshot
from settings import get_settings

ADMIN_TOPICS_PATH = "/admin/topics"


def _allowed(action: str = "topics_admin") -> None:
    required(TOPICS_PERMISSION, target=INSTALLED_TOPICS, action=action)


@dataclass(frozen=True)
class TopicsAdminView:
    """The text in use, its history (newest first: ``version``, ``at``, ``user``, ``detail``, ``in_use``,
    ``restorable``) and kept versions."""

    text: str
    history: pd.DataFrame
    versions: list[FileVersion]


@dataclass(frozen=True)
class Checked:
    """An edited text checked: its registry and counts (cities with their own list, topics in all), or its
    problems as (line, reason)."""

    registry: TopicRegistry | None
    problems: list[tuple[int, str]]
    counts: tuple[int, int] | None = None


@dataclass(frozen=True)
class TopicPreview:
    """One topic of a city as an edited text makes it: its indicators, how many have data, its headline ones."""

    key: str
    name_zh: str
    name_en: str
    indicators: int
    with_data: int
    headline: tuple[str, ...]


def topics_admin_view() -> TopicsAdminView:
    """What the page shows first.

    Raises:
        AccessDenied: not an administrator (audited).
    """
    _allowed()
    data_path = get_settings().data_path
    text, versions = topics_text(data_path), topic_versions(data_path)
    return TopicsAdminView(text, with_restorable(topic_changes(), text, versions), versions)


def check_text(text: str) -> Checked:
    """Check an edited topics file (nothing is written)."""
    _allowed()
    try:
        registry = check_topics(text or "", get_settings().data_path)
        return Checked(registry, [], topic_count(registry))
    except ConfigFileError as exc:
        return Checked(None, exc.problems)


def preview_topics(registry: TopicRegistry, city_key: str) -> list[TopicPreview]:
    """The city's topics under an edited registry, in order, counted on the city's data the viewer may see.

    Raises:
        AccessDenied: not an administrator (audited), or the city is outside the viewer's scope.
    """
    _allowed()
    catalog = load_catalog()
    with_data = set(latest_snapshot(get_city(city_key).adcode)["code"])
    previews = []
    for topic in registry.for_city(city_key):
        codes = topic.codes(catalog)
        previews.append(TopicPreview(topic.key, topic.name_zh, topic.name_en, len(codes),
                                     sum(code in with_data for code in codes), topic.headline))
    return previews


def preview_cities() -> list[str]:
    """The cities a preview can show: the header's (``switch_cities``)."""
    return list(switch_cities())


def save_text(text: str, comment: str = "") -> SavedTopics:
    """Make an edited text the installation's topics (validated whole, versioned, audited).

    Raises:
        AccessDenied: not an administrator (audited).
        ConfigFileError: the text is refused, with its lines; nothing changed.
    """
    return save_topics(text or "", get_settings().data_path, via="app", comment=comment)


def import_upload(contents: str | None, filename: str | None) -> tuple[str, SavedTopics]:
    """Import an uploaded topics file: validated whole, then the installation's (versioned, audited).

    Returns:
        The file's text (now in use) and what the save did.

    Raises:
        AccessDenied: not an administrator (audited).
        ConfigFileError: the file is refused, with its lines; nothing changed.
    """
    _allowed()
    name = filename or INSTALLED_TOPICS
    text = uploaded_text(contents, name)
    saved = save_topics(text, get_settings().data_path, via="upload", source=name)
    return topics_text(get_settings().data_path), saved


def export_text() -> str:
    """The file in use, to download (the export is audited like any export)."""
    _allowed()
    text = topics_text(get_settings().data_path)
    record("export", target=INSTALLED_TOPICS, detail={"what": "topics", "bytes": len(text.encode("utf-8"))})
    return text


def restore_text(number: int) -> str:
    """The text of version ``number``, to load into the editor (saving it makes it a new version).

    Raises:
        AccessDenied: not an administrator (audited).
        VersionNotKept: no such version, or its file is no longer kept.
    """
    return topic_version_text(number, get_settings().data_path)
