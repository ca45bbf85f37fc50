"""An installation's configuration files (its topics, its screens) written as whole versions: the file in use is
``<data dir>/<name>.yaml``; a change moves it aside as ``<name>.<time>.yaml`` (kept and listed) and writes the new
text in its place. The changes are numbered by their audit entries (v1 the first); a change's text is read back,
to be restored, from whichever file still holds its checksum. Validation and permission are the caller's."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from indicators.accounts.audit import entries, record_in
from indicators.catalog.yamlfile import ConfigFileError
from indicators.store import db
from indicators.store.models import AuditEntry


@dataclass(frozen=True)
class FileVersion:
    """A kept version of an installation's configuration file."""

    name: str
    at: datetime
    sha256: str


def sha256_of(text: str) -> str:
    """The checksum the history shows for a file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_kept_name(target: Path) -> Path | None:
    """Where the file in use goes when it is replaced (None when there is none yet)."""
    return target.with_name(f"{target.stem}.{datetime.now():%Y%m%d-%H%M%S-%f}{target.suffix}") if target.exists() else None


def replace_file(target: Path, text: str, kept: Path | None) -> None:
    """Move the file in use to ``kept`` and write ``text`` in its place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if kept is not None:
        target.replace(kept)
    target.write_text(text, encoding="utf-8")


def write_version(target: Path, text: str, action: str, detail: dict, comment: str = "") -> str | None:
    """Make ``text`` the file in use, the previous one kept beside it, audited as ``action`` (``detail`` plus the
    checksum, the kept file and ``comment``) in the transaction that bumps the data version, so every cached
    answer goes stale. Returns the kept file's name (None for the first version)."""
    kept = next_kept_name(target)
    with db.transaction() as session:
        record_in(session, action, target=target.name,
                  detail={**detail, "sha256": sha256_of(text), "previous": kept.name if kept else None,
                          **({"comment": comment[:500]} if comment else {})})
        db.bump_data_version(session)
        replace_file(target, text, kept)
    return kept.name if kept else None


def kept_versions(target: Path) -> list[FileVersion]:
    """The kept versions of ``target``, newest first."""
    kept = sorted(target.parent.glob(f"{target.stem}.2*{target.suffix}"), reverse=True)
    return [FileVersion(path.name, datetime.fromtimestamp(path.stat().st_mtime),
                        sha256_of(path.read_text(encoding="utf-8"))) for path in kept]


MAX_UPLOAD = 256 * 1024  # bytes: a configuration file is a few KB


def uploaded_text(contents: str | None, name: str) -> str:
    """The text of an uploaded configuration file (``dcc.Upload``'s data URL).

    Raises:
        ConfigFileError: not a UTF-8 text file of at most ``MAX_UPLOAD`` bytes.
    """
    try:
        data = base64.b64decode((contents or "").partition(",")[2], validate=True)
        if len(data) > MAX_UPLOAD:
            raise ConfigFileError(name, [(1, f"larger than {MAX_UPLOAD // 1024} KB")])
        return data.decode("utf-8-sig")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ConfigFileError(name, [(1, "not a UTF-8 text file")]) from exc


class VersionNotKept(LookupError):
    """No such version, or its file is no longer kept."""


def numbered_changes(action: str, limit: int = 50) -> pd.DataFrame:
    """The latest changes (audit entries of ``action``), newest first, each with its ``version`` (v1 the first).

    Raises:
        AccessDenied: the current viewer may not read the audit log.
    """
    changes = entries(action=action, limit=limit)[["at", "user", "detail"]].reset_index(drop=True)
    with db.connect() as conn:
        total = conn.execute(select(func.count()).where(AuditEntry.action == action)).scalar_one()
    changes.insert(0, "version", range(total, total - len(changes), -1))
    return changes


def change_sha(detail: str) -> str:
    """The checksum an audit entry of a change recorded for the text it made current ("" when it has none)."""
    try:
        value = json.loads(detail or "{}")
    except ValueError:
        return ""
    return str(value.get("sha256", "")) if isinstance(value, dict) else ""


def with_restorable(changes: pd.DataFrame, text_in_use: str, kept: list[FileVersion]) -> pd.DataFrame:
    """``numbered_changes`` with ``in_use`` (the change made the text in use) and ``restorable`` (another change
    whose text a kept file still holds)."""
    made = changes["detail"].map(change_sha)
    changes["in_use"] = made == sha256_of(text_in_use)
    changes["restorable"] = made.isin({version.sha256 for version in kept}) & ~changes["in_use"]
    return changes


def version_text(action: str, number: int, target: Path) -> str:
    """The text change ``number`` (of ``action``) made current, read back from ``target`` or a kept version of it.

    Raises:
        VersionNotKept: no such change, or no file holds its text any more.
    """
    with db.connect() as conn:
        detail = conn.execute(select(AuditEntry.detail).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id).offset(max(number - 1, 0)).limit(1)).scalar()
    if number < 1 or detail is None:
        raise VersionNotKept(f"there is no version v{number} of {target.name}")
    for path in [target, *(target.with_name(version.name) for version in kept_versions(target))]:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if sha256_of(text) == change_sha(detail):
            return text
    raise VersionNotKept(f"the file of version v{number} of {target.name} is no longer kept")
