"""The catalog as the store holds it: seeded from the registry file (``indicators/catalog/catalog.csv``, under
version control), edited by operators in the app. Every changed field is a revision (who, when, old,
new, why) and an audit entry.

Between the file and the app: the file's values are kept with each indicator as the file last gave
them. At start-up a field the file has changed since is taken from the file; a field it has not
changed keeps the store's value, which may be an operator's edit. So an edit stands until someone
changes that field in the file itself.

Only descriptive and warning fields can be edited in the app; the fields the stored data depends on
(code, unit, frequency, direction, spatial level, aggregation) change only through the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.access import SENSITIVITIES, AccessDenied, Viewer, require
from indicators.accounts.audit import actor, record_in, record_refusal, refuse, required
from indicators.catalog.entries import (
    Catalog,
    CatalogError,
    Indicator,
    field_reasons,
    link_errors,
    parse_catalog,
)
from indicators.ingest.write_scope import hide_codes
from indicators.store import db
from indicators.store.derived import SOURCE as DERIVED_SOURCE
from indicators.store.derived import recompute
from indicators.store.models import (
    CatalogRevision,
    IndicatorDef,
    Latest,
    LoadBatch,
    Observation,
)
from indicators.store.writes import refresh_latest

EDITABLE = ("name_zh", "name_en", "theme", "topics", "department", "source", "source_standard", "source_id",
            "accumulation", "jan_feb_merged", "derived", "growth_of",
            "blue", "yellow", "orange", "red", "target", "min_value", "max_value", "sensitivity", "headline",
            "definition")
# Fields that change what the stored values mean: the series' latest rows (single periods) follow them.
TIMING_FIELDS = ("accumulation", "jan_feb_merged")
WARNING_FIELDS = ("blue", "yellow", "orange", "red", "target")
# The catalog file's columns, in its order (``demo`` is the demo generator's and stays in the file).
FILE_COLUMNS = [name for name in Indicator.model_fields if name != "demo"]
# The bilingual refusals of the catalog's write paths.
NOT_YOURS = "无权修改该指标 / not permitted to change this indicator"
SENSITIVITY_CHANGE = ("调整指标密级须由具有机密权限的领导或管理员进行 / changing an indicator's sensitivity needs a "
                      "leader's or admin's role with restricted clearance")
REVISION_COLUMNS = ["id", "indicator_code", "field", "old_value", "new_value", "source", "user", "comment", "at"]


def as_text(value) -> str | None:
    """A field's value as revisions and comparisons keep it: None, ``true``/``false``, ``a;b`` for topics."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ";".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fields(row: IndicatorDef) -> dict:
    return {name: getattr(row, name) for name in FILE_COLUMNS}


def entry_fields(entry: Indicator) -> dict:
    fields = entry.model_dump(exclude={"demo"})
    fields["topics"] = ";".join(entry.topics)
    return fields


def store_catalog() -> Catalog:
    """The catalog as the store holds it now (with operators' edits), validated like the file."""
    with db.transaction() as session:
        return store_catalog_in(session)


def store_catalog_in(session: Session) -> Catalog:
    """``store_catalog`` read in the caller's session (it sees the session's own changes)."""
    rows = session.scalars(select(IndicatorDef).order_by(IndicatorDef.code)).all()
    entries = tuple(Indicator(**_fields(row)) for row in rows)
    version = hashlib.sha256(json.dumps([entry_fields(e) for e in entries], default=str).encode()).hexdigest()[:12]
    return Catalog(entries, version)


def sync_catalog(session: Session, catalog: Catalog) -> int:
    """Bring the store's catalog in line with the file, keeping operators' edits of fields the file has not
    changed since (see the module's docstring). Fields the file changes are recorded as revisions.

    Args:
        session: an open session; the caller commits.
        catalog: the validated catalog file.

    Returns:
        How many indicators were inserted or changed.
    """
    stored = {row.code: row for row in session.scalars(select(IndicatorDef))}
    changed, now = 0, datetime.now()
    reshaped: dict[str, list] = {}
    for entry in catalog:
        values = entry_fields(entry)
        snapshot = json.dumps({k: as_text(v) for k, v in values.items()}, ensure_ascii=False)
        row = stored.get(entry.code)
        if row is None:
            session.add(IndicatorDef(**values, catalog_version=catalog.version, file_values=snapshot))
            changed += 1
            continue
        if row.catalog_version == catalog.version and row.file_values is not None:
            continue
        before = json.loads(row.file_values) if row.file_values else None
        edits = 0
        for name, value in values.items():
            now_text, stored_text = as_text(value), as_text(getattr(row, name))
            file_changed = before is None or before.get(name) != now_text
            if now_text != stored_text and file_changed:
                setattr(row, name, value)
                session.add(CatalogRevision(indicator_code=entry.code, field=name, old_value=stored_text,
                                            new_value=now_text, source="file", user="catalog.csv", at=now))
                reshaped.setdefault(entry.code, []).append((name, stored_text, now_text))
                edits += 1
        row.catalog_version, row.file_values = catalog.version, snapshot
        changed += bool(edits)
    if reshaped:
        session.flush()
        for code, made in reshaped.items():
            _after_edit(session, code, made)
    return changed


class CatalogDenied(AccessDenied):
    """A catalog edit refused to this viewer; the message says why, in Chinese and English."""


def may_change_sensitivity(viewer: Viewer) -> bool:
    """Whether the viewer may change who sees an indicator: a restricted-level act, on every path."""
    return viewer.may("catalog.sensitivity") and viewer.clearance == SENSITIVITIES[-1]


def _check_edit(viewer: Viewer, code: str, sensitivity: str, changes: dict, source: str) -> None:
    """Refuse (audited) an edit of an indicator above the viewer's clearance, or a change of its sensitivity
    by someone below the restricted level; checked before any stored field is compared."""
    if not viewer.sees_sensitivity(sensitivity):
        raise refuse(code, {"action": "catalog_change", "source": source, "reason": "clearance"}, NOT_YOURS,
                     CatalogDenied)
    if "sensitivity" in changes and as_text(changes["sensitivity"]) != sensitivity and not may_change_sensitivity(viewer):
        raise refuse(code, {"action": "catalog_change", "source": source, "field": "sensitivity"},
                     SENSITIVITY_CHANGE, CatalogDenied)


def _validated(current: dict, changes: dict, catalog: Catalog) -> Indicator:
    """The entry with ``changes``, validated alone and against the indicators it names in ``catalog``."""
    try:
        entry = Indicator(**{**current, **changes})
    except ValidationError as exc:
        raise CatalogError("; ".join(f"{name}: {reason}" for name, reason in field_reasons(exc))) from exc
    problems = link_errors([entry], catalog)
    if problems:
        raise CatalogError("; ".join(problem.split(": ", 1)[1] for problem in problems))
    return entry


def _check_becomes_derived(session: Session, code: str) -> None:
    """Refuse to turn an indicator with loaded values into a derived one: its formula would replace them."""
    loaded = session.execute(select(Observation.period).where(
        Observation.indicator_code == code, Observation.source != DERIVED_SOURCE).limit(1)).first()
    if loaded is not None:
        raise CatalogError(f"derived: {code} has loaded values, which a formula would replace; "
                           "它已有导入的数值,不能改为计算指标")


def _after_edit(session: Session, code: str, made: list[tuple[str, str | None, str | None]]) -> None:
    """Bring the stored data in line with an edit of how the indicator's values are read or computed."""
    names = {name for name, _, _ in made}
    if not names & {"derived", *TIMING_FIELDS}:
        return
    catalog = store_catalog_in(session)
    conn = session.connection()
    series = [(code, adcode) for (adcode,) in conn.execute(select(Latest.area_adcode).where(Latest.indicator_code == code))]
    if names & set(TIMING_FIELDS):
        refresh_latest(conn, catalog, series)
    if "derived" in names and catalog[code].formula is not None:
        batch = LoadBatch(kind="derived", file_name=f"formula {code}", user=actor()[0], status="ok",
                          started_at=datetime.now(), finished_at=datetime.now())
        session.add(batch)
        session.flush()
        recompute(conn, catalog, [(source, adcode) for source in catalog[code].formula.inputs
                                  for (adcode,) in conn.execute(select(Latest.area_adcode)
                                                                .where(Latest.indicator_code == source))],
                  batch_id=batch.id)


def edit_indicator(code: str, changes: dict, *, comment: str = "", source: str = "app",
                   warn: bool = True) -> list[tuple[str, str | None, str | None]]:
    """Change editable fields of one indicator, validated like the catalog file, each change a revision
    and the whole edit an audit entry; the warnings are evaluated again when thresholds changed.

    Args:
        code: the indicator.
        changes: field → new value (``EDITABLE`` fields only; None clears an optional field).
        comment: why (recorded).
        source: ``app`` (an operator's edit) or ``import`` (a catalog file imported in the app).
        warn: evaluate the warnings again when a threshold or target changed (an import does it once).

    Returns:
        The changes made: (field, old, new) as text; empty when nothing differed.

    Raises:
        CatalogError: a field that may not be edited, an unknown indicator, or values that fail validation
            (e.g. thresholds out of order for the indicator's direction).
        AccessDenied: the current viewer may not edit the catalog, the indicator is above their clearance,
            or they change its sensitivity below the restricted level (each audited).
    """
    viewer = required("catalog.edit", target=code, action="catalog_change")
    not_editable = sorted(set(changes) - set(EDITABLE))
    if not_editable:
        raise CatalogError(f"not editable in the app: {', '.join(not_editable)}")
    user = actor()[0]
    with db.transaction() as session:
        row = session.get(IndicatorDef, code)
        if row is None:
            raise CatalogError(f"unknown indicator {code!r}")
        _check_edit(viewer, code, row.sensitivity, changes, source)
        current = _fields(row)
        entry = _validated(current, changes, store_catalog_in(session))
        if entry.derived and not current["derived"]:
            _check_becomes_derived(session, code)
        made = []
        for name in changes:
            old, new = as_text(current[name]), as_text(getattr(entry, name))
            if old == new:
                continue
            setattr(row, name, ";".join(entry.topics) if name == "topics" else getattr(entry, name))
            session.add(CatalogRevision(indicator_code=code, field=name, old_value=old, new_value=new, source=source,
                                        user=user, comment=comment, at=datetime.now()))
            made.append((name, old, new))
        if made:
            session.flush()
            _after_edit(session, code, made)
            record_in(session, "catalog_change", target=code, user=user,
                      detail={"source": source, "changes": made, "comment": comment})
            db.bump_data_version(session)
    if warn and any(name in WARNING_FIELDS for name, _, _ in made):
        _rewarn()
    return made


def _rewarn() -> None:
    from indicators.warnings.alerts import (
        run_warnings,  # the warnings read the catalog: imported late, not in a cycle
    )

    run_warnings()


def revisions(code: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Changes of the catalog, newest first (of one indicator when ``code`` is given).

    Returns:
        Columns ``REVISION_COLUMNS``; only of indicators within the viewer's clearance.
    """
    viewer = require("data.view")
    hidden = select(IndicatorDef.code).where(IndicatorDef.sensitivity.notin_(
        [s for s in SENSITIVITIES if viewer.sees_sensitivity(s)]))
    query = (select(*(CatalogRevision.__table__.c[c] for c in REVISION_COLUMNS))
             .where(CatalogRevision.indicator_code.notin_(hidden)).order_by(CatalogRevision.id.desc()))
    if code:
        query = query.where(CatalogRevision.indicator_code == code)
    with db.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=REVISION_COLUMNS)


def catalog_csv(codes: list[str]) -> str:
    """The store's definitions of ``codes`` in the catalog file's format, so an export can be edited and
    imported again; only those the viewer sees, and a field that names an indicator the viewer may not see
    (a weighted mean's weight) shows it as ``write_scope.HIDDEN_CODE``."""
    viewer = require("data.view")
    by_code = {entry.code: entry for entry in store_catalog()}
    visible = {code for code, entry in by_code.items() if viewer.sees_sensitivity(entry.sensitivity)}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FILE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for code in (code for code in codes if code in visible):
        values = {name: None if value is None else hide_codes(value, visible)
                  for name, value in ((name, as_text(value)) for name, value in entry_fields(by_code[code]).items())}
        values["headline"] = "true" if values["headline"] == "true" else ""
        writer.writerow({name: "" if value is None else value for name, value in values.items()})
    return out.getvalue()


@dataclass
class CatalogImport:
    """What importing a catalog file found or did.

    ``hidden`` counts the file's rows of indicators above the importer's clearance: they are neither compared
    nor named. ``forbidden`` lists changes the importer's role may not make (a sensitivity, below the
    restricted level).
    """

    errors: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    hidden: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        """Whether the file can be (or was) applied: valid, with no change the app or the importer may not make."""
        return not (self.errors or self.refused or self.unknown or self.forbidden or self.hidden)


def import_catalog(text: str, *, apply: bool = False, comment: str = "") -> CatalogImport:
    """Check a catalog file with the start-up validation and list what it would change; apply it when asked
    and valid (every change as an operator's edit with source ``import``). Nothing is applied from a file
    with any error, any change of a field the app may not edit, an indicator the store does not have, a row of
    an indicator above the importer's clearance, or a change of sensitivity below the restricted level.

    Raises:
        AccessDenied: the current viewer may not edit the catalog (audited).
    """
    viewer = required("catalog.edit", target="catalog import", action="catalog_import")
    result = CatalogImport()
    stored = store_catalog()
    # A file's rows may name (as weights, inputs, levels) only indicators the importer may see.
    visible = Catalog(tuple(e for e in stored if viewer.sees_sensitivity(e.sensitivity)), stored.version)
    try:
        incoming = parse_catalog(text.lstrip("\ufeff"), known=visible)
    except CatalogError as exc:
        result.errors = str(exc).splitlines()[1:] or [str(exc)]
        return result
    stored = stored.by_code
    planned: dict[str, dict] = {}
    for entry in incoming:
        if entry.code not in stored:
            result.unknown.append(entry.code)
            continue
        if not viewer.sees_sensitivity(stored[entry.code].sensitivity):
            result.hidden += 1  # not compared: its stored fields are not the importer's to see
            continue
        current = entry_fields(stored[entry.code])
        for name, value in entry_fields(entry).items():
            old, new = as_text(current[name]), as_text(value)
            if old == new:
                continue
            if name not in EDITABLE:
                result.refused.append(f"{entry.code}: {name}")
                continue
            if name == "sensitivity" and not may_change_sensitivity(viewer):
                result.forbidden.append(f"{entry.code}: {name}")
                continue
            planned.setdefault(entry.code, {})[name] = value
            result.changes.append((entry.code, name, old, new))
    if result.hidden or result.forbidden:
        record_refusal("catalog import", {"action": "catalog_import", "apply": apply, "hidden_rows": result.hidden,
                                          "forbidden": result.forbidden})
    if apply and result.ok:
        for code, changes in planned.items():
            edit_indicator(code, changes, comment=comment, source="import", warn=False)
        if any(name in WARNING_FIELDS for _, name, _, _ in result.changes):
            _rewarn()
        result.applied = True
    return result
