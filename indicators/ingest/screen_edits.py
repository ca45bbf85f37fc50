"""The big screen's definitions and playlists changed in the app (``/admin/screens``) or by ``manage.py screen
import``: validated whole against the topics and the catalog (a broken file is refused with its lines and changes
nothing), written as the installation's file (``<data dir>/screens.yaml``, which the walls read at their next
refresh), the previous version kept beside it (``screens.<time>.yaml``), each change an audit entry
(``screens_change``) in the same transaction that bumps the data version, so every wall's cached answer goes stale.
The changes are the versions: v1 is the first, and a version whose file is still kept can be read back
(``version_text``) to be saved again, as a new version.

Only administrators (``screens.manage``) change screens; a refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators.accounts.audit import required
from indicators.catalog.screens import ScreenRegistry, active_screens_file, export_screens, load_screens, parse_screens
from indicators.catalog.topics import load_topics
from indicators.ingest.config_files import (
    FileVersion,
    kept_versions,
    numbered_changes,
    sha256_of,
    write_version,
)
from indicators.ingest.config_files import version_text as config_version_text

SCREENS_PERMISSION = "screens.manage"
INSTALLED = "screens.yaml"
CHANGE = "screens_change"


@dataclass(frozen=True)
class SavedScreens:
    """What became of a save: ``changed`` False when the file in use already said the same (nothing written)."""

    changed: bool
    sha256: str
    screens: int
    playlists: int
    kept: str | None  # the previous version's file name


def check_screens(text: str, source: str = INSTALLED) -> ScreenRegistry:
    """Validate a screens file's text (nothing is written).

    Raises:
        ConfigFileError: every problem with its line.
    """
    return parse_screens(text, load_topics(), source=source)


def screens_text(data_path: Path) -> str:
    """The screens file in use as its canonical text (what an export downloads)."""
    return export_screens(load_screens(active_screens_file(data_path)))


def save_screens(text: str, data_path: Path, *, via: str = "app", source: str = INSTALLED,
                 comment: str = "", unchanged_is_kept: bool = False) -> SavedScreens:
    """Make ``text`` the installation's screens file, validated whole, versioned and audited.

    Args:
        text: the file's text (any valid form; it is written in its canonical form).
        data_path: the installation's data folder.
        via: how it came: ``app`` (edited), ``upload`` (a file imported in the app), ``import`` (the command).
        source: the file's name, for the problems' messages and the audit entry.
        comment: why (recorded).
        unchanged_is_kept: write (and version) the file even when it says what the file in use says (the
            command's import); otherwise such a save changes nothing and says so.

    Raises:
        AccessDenied: the current viewer is not an administrator (audited).
        ConfigFileError: the text is not a valid screens file; nothing changed.
    """
    required(SCREENS_PERMISSION, target=INSTALLED, action="screens_change")
    registry = check_screens(text, source)
    canonical = export_screens(registry)
    screens, playlists = len(registry.data.screens), len(registry.data.playlists)
    target = data_path / INSTALLED
    if unchanged_is_kept is False and canonical == screens_text(data_path):
        return SavedScreens(False, sha256_of(canonical), screens, playlists, None)
    kept = write_version(target, canonical, CHANGE, {"via": via, "file": source, "screens": screens,
                                                     "playlists": playlists}, comment)
    return SavedScreens(True, sha256_of(canonical), screens, playlists, kept)


def screen_versions(data_path: Path) -> list[FileVersion]:
    """The kept versions of the installation's screens file, newest first."""
    return kept_versions(data_path / INSTALLED)


def screen_changes(limit: int = 50) -> pd.DataFrame:
    """The latest changes, newest first, numbered (v1 the first change).

    Raises:
        AccessDenied: the current viewer may not read the audit log.
    """
    return numbered_changes(CHANGE, limit)


def version_text(number: int, data_path: Path) -> str:
    """The text version ``number`` made current, read back from the file in use or a kept version (administrators
    only: it is read to be restored).

    Raises:
        AccessDenied: the current viewer is not an administrator (audited).
        VersionNotKept: no such version, or no file holds its text any more.
    """
    required(SCREENS_PERMISSION, target=INSTALLED, action="screens_restore")
    return config_version_text(CHANGE, number, data_path / INSTALLED)
