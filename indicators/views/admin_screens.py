"""The view of ``/admin/screens``: the walls' screen definitions and playlists, edited by administrators.

Every function checks ``screens.manage`` first (a refusal is audited) and reads fresh (nothing cached): the text
in use, its change history (the audit log's ``screens_change`` entries) and kept versions, the check of an edited
text (its problems with their lines), the preview of one of its screens on a city's data (the same
``screen_view`` the wall reads, with the edited definition), and the writes (``indicators.ingest.screen_edits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.cities import switch_cities
from indicators.accounts.audit import required
from indicators.catalog.screens import OVERVIEW, TOPIC, ScreenRegistry
from indicators.catalog.topics import topics_for
from indicators.catalog.yamlfile import ConfigFileError
from indicators.ingest.config_files import FileVersion, uploaded_text, with_restorable
from indicators.ingest.screen_edits import (
    INSTALLED,
    SCREENS_PERMISSION,
    SavedScreens,
    check_screens,
    save_screens,
    screen_changes,
    screen_versions,
    screens_text,
    version_text,
)
from indicators.views.screen import ScreenView, screen_view
from settings import get_settings

ADMIN_SCREENS_PATH = "/admin/screens"


def _allowed(action: str = "screens_admin") -> None:
    required(SCREENS_PERMISSION, target=INSTALLED, action=action)


@dataclass(frozen=True)
class ScreensAdminView:
    """The text in use, its history (newest first: ``version``, ``at``, ``user``, ``detail``, ``in_use``: it made
    the text in use, ``restorable``: another text, still kept) and kept versions."""

    text: str
    history: pd.DataFrame
    versions: list[FileVersion]


@dataclass(frozen=True)
class Checked:
    """An edited text checked: its registry, or its problems as (line, reason)."""

    registry: ScreenRegistry | None
    problems: list[tuple[int, str]]


def screens_admin_view() -> ScreensAdminView:
    """What the page shows first.

    Raises:
        AccessDenied: not an administrator (audited).
    """
    _allowed()
    data_path = get_settings().data_path
    text, versions = screens_text(data_path), screen_versions(data_path)
    return ScreensAdminView(text, with_restorable(screen_changes(), text, versions), versions)


def check_text(text: str, source: str = INSTALLED) -> Checked:
    """Check an edited screens file (nothing is written)."""
    _allowed()
    try:
        return Checked(check_screens(text or "", source), [])
    except ConfigFileError as exc:
        return Checked(None, exc.problems)


def preview_screens(registry: ScreenRegistry, city_key: str) -> list[str]:
    """The screens a preview may show for a city: the definitions' keys (``topic`` as the city's first topic)."""
    keys = [key for key in registry.data.screens if key != TOPIC]
    return keys + ([TOPIC] if topics_for(city_key) else [])


def preview_view(registry: ScreenRegistry, city_key: str, screen: str) -> ScreenView:
    """One screen of an edited registry on a city's data, as the wall would read it (the viewer's own scope):
    ``topic`` draws the city's first topic with the ``topic`` definition.

    Raises:
        AccessDenied: not an administrator (audited), or the city is not the viewer's.
    """
    _allowed()
    if screen == TOPIC:
        return screen_view(city_key, topics_for(city_key)[0].key, definition=registry.data.screens[TOPIC])
    key = screen if screen in registry.data.screens else OVERVIEW
    return screen_view(city_key, key, definition=registry.data.screens[key])


def preview_cities() -> list[str]:
    """The cities a preview can draw: the header's (``switch_cities``)."""
    return list(switch_cities())


def save_text(text: str, comment: str = "") -> SavedScreens:
    """Make an edited text the walls' (validated whole, versioned, audited).

    Raises:
        AccessDenied: not an administrator (audited).
        ConfigFileError: the text is refused, with its lines; nothing changed.
    """
    return save_screens(text or "", get_settings().data_path, via="app", comment=comment)


def restore_text(number: int) -> str:
    """The text of version ``number``, for the editor: saved, it becomes a new version.

    Raises:
        AccessDenied: not an administrator (audited).
        VersionNotKept: no such version, or its file is no longer kept.
    """
    return version_text(number, get_settings().data_path)


def upload_text(contents: str | None, filename: str | None) -> str:
    """The text of an uploaded file (``dcc.Upload``'s data URL).

    Raises:
        AccessDenied: not an administrator (audited).
        ConfigFileError: not a UTF-8 text file of at most ``config_files.MAX_UPLOAD`` bytes.
    """
    _allowed()
    return uploaded_text(contents, filename or INSTALLED)


def import_upload(contents: str | None, filename: str | None) -> tuple[str, SavedScreens]:
    """Import an uploaded screens file: validated whole, then the walls' (versioned, audited).

    Returns:
        The file's canonical text (now in use) and what the save did.

    Raises:
        AccessDenied: not an administrator (audited).
        ConfigFileError: the file is refused, with its lines; nothing changed.
    """
    text = upload_text(contents, filename)
    saved = save_screens(text, get_settings().data_path, via="upload", source=filename or INSTALLED)
    return screens_text(get_settings().data_path), saved


def export_text() -> str:
    """The file in use, to download (the export is audited like any export)."""
    from indicators.accounts.audit import record

    _allowed()
    text = screens_text(get_settings().data_path)
    record("export", target=INSTALLED, detail={"what": "screens", "bytes": len(text.encode("utf-8"))})
    return text
