"""Each city's topics (专题) changed in the app (``/admin/topics``) or by ``manage.py topics import``: validated
whole against the catalog — and the screens in use against them, so a topic a playlist names cannot be dropped
under a wall — then written as the installation's file (``<data dir>/topics.yaml``, which pages, screens and
navigation read at their next request), the previous version kept beside it, each change an audit entry
(``topics_change``) in the same transaction that bumps the data version, so every cached page goes stale. The
changes are numbered versions; one whose file is still kept can be read back to be saved again, as a new version.

The text is kept as written (its comments are the bureau's notes). Only administrators (``topics.manage``)
change topics; a refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators.accounts.audit import required
from indicators.catalog.entries import load_catalog
from indicators.catalog.screens import active_screens_file, parse_screens
from indicators.catalog.topics import INSTALLED_TOPICS, TopicRegistry, active_topics_file, parse_topics
from indicators.catalog.yamlfile import ConfigFileError
from indicators.ingest.config_files import (
    FileVersion,
    kept_versions,
    numbered_changes,
    sha256_of,
    write_version,
)
from indicators.ingest.config_files import version_text as config_version_text

TOPICS_PERMISSION = "topics.manage"
CHANGE = "topics_change"


@dataclass(frozen=True)
class SavedTopics:
    """What became of a save: ``changed`` False when the file in use already said the same (nothing written)."""

    changed: bool
    sha256: str
    cities: int  # cities with their own list
    topics: int  # topics of all lists, the generic one included
    kept: str | None  # the previous version's file name


def check_topics(text: str, data_path: Path, source: str = INSTALLED_TOPICS) -> TopicRegistry:
    """Validate a topics file's text, and the screens in use against it (nothing is written).

    Raises:
        ConfigFileError: every problem with its line (the screens' problems name their own file and line).
    """
    registry = parse_topics(text or "", load_catalog(), source=source)
    screens = active_screens_file(data_path)
    try:
        parse_screens(screens.read_text(encoding="utf-8"), registry, source=screens.name)
    except ConfigFileError as exc:
        raise ConfigFileError(source, [(1, f"{screens.name} line {line} would break: {reason}")
                                       for line, reason in exc.problems]) from exc
    return registry


def topics_text(data_path: Path) -> str:
    """The topics file in use, as written."""
    return active_topics_file(data_path).read_text(encoding="utf-8")


def topic_count(registry: TopicRegistry) -> tuple[int, int]:
    """(cities with their own list, topics in all lists)."""
    return len(registry.data.cities), sum(len(topics) for topics in registry.own_lists().values())


def save_topics(text: str, data_path: Path, *, via: str = "app", source: str = INSTALLED_TOPICS,
                comment: str = "", unchanged_is_kept: bool = False) -> SavedTopics:
    """Make ``text`` the installation's topics file, validated whole, versioned and audited.

    Args:
        text: the file's text.
        data_path: the installation's data folder.
        via: how it came: ``app`` (edited), ``upload`` (a file imported in the app), ``import`` (the command).
        source: the file's name, for the problems' messages and the audit entry.
        comment: why (recorded).
        unchanged_is_kept: write (and version) the file even when it says what the file in use says.

    Raises:
        AccessDenied: the current viewer may not manage topics (audited).
        ConfigFileError: the text is not a valid topics file, or the screens in use would break; nothing changed.
    """
    required(TOPICS_PERMISSION, target=INSTALLED_TOPICS, action="topics_change")
    text = text.replace("\r\n", "\n")
    registry = check_topics(text, data_path, source)
    cities, topics = topic_count(registry)
    if not unchanged_is_kept and text == topics_text(data_path):
        return SavedTopics(False, sha256_of(text), cities, topics, None)
    target = data_path / INSTALLED_TOPICS
    kept = write_version(target, text, CHANGE, {"via": via, "file": source, "cities": cities, "topics": topics},
                         comment)
    return SavedTopics(True, sha256_of(text), cities, topics, kept)


def topic_versions(data_path: Path) -> list[FileVersion]:
    """The kept versions of the installation's topics file, newest first."""
    return kept_versions(data_path / INSTALLED_TOPICS)


def topic_changes(limit: int = 50) -> pd.DataFrame:
    """The latest changes, newest first, numbered (v1 the first change).

    Raises:
        AccessDenied: the current viewer may not read the audit log.
    """
    return numbered_changes(CHANGE, limit)


def topic_version_text(number: int, data_path: Path) -> str:
    """The text version ``number`` made current, read back to be restored (administrators only).

    Raises:
        AccessDenied: the current viewer may not manage topics (audited).
        VersionNotKept: no such version, or no file holds its text any more.
    """
    required(TOPICS_PERMISSION, target=INSTALLED_TOPICS, action="topics_restore")
    return config_version_text(CHANGE, number, data_path / INSTALLED_TOPICS)
