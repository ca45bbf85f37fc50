"""Loading a department's file into the store: validate everything, then write it all or nothing.

The importer parses and validates (``indicators.ingest.importer``); this module writes a valid
file in one transaction: new values are inserted, corrected values replace the old ones
and keep them as revisions, identical values change nothing. Every load is recorded as a
load batch (who, when, file name, checksum, rows, indicators touched) and in the audit log,
rejected ones too. A load can be undone: its new values are removed and the values it
corrected come back from their revisions.

Loading needs the ``data.load`` permission (operators and admins; commands run as the system).
Files are checked against the store's catalog, so an operator's edit of a physical range applies
to the next load.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.cities import get_city, load_cities
from indicators.accounts.access import require
from indicators.accounts.audit import actor, record_in, record_refusal, required
from indicators.catalog.entries import Catalog
from indicators.ingest.catalog_edits import store_catalog
from indicators.ingest.importer import RowError
from indicators.ingest.write_scope import check_batch, read_permitted, report_for
from indicators.store import db
from indicators.store.derived import recompute
from indicators.store.hourly import undo_hourly, write_hourly
from indicators.store.models import HourlyRevision, LoadBatch, Observation, Revision
from indicators.store.writes import insert_observations, refresh_latest

LOG = logging.getLogger(__name__)
MAX_ERRORS_SHOWN = 200
LOAD_COLUMNS = ["id", "kind", "file_name", "checksum", "user", "status", "rows_total", "rows_inserted", "rows_updated",
                "rows_unchanged", "started_at", "finished_at"]
# Loads that can be undone: values a person brought in (not the demo data, not an undo itself).
UNDOABLE = ("file", "sql", "api")


class LoadError(ValueError):
    """A load operation that cannot be done (e.g. an undo blocked by later loads); the message says why."""


@dataclass
class LoadReport:
    """The outcome of loading (or validating) one file."""

    file_name: str
    checksum: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    batch_id: int | None = None
    dry_run: bool = False
    indicators: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None
    shape: str | None = None
    # The author's clearance and scope (``Viewer.scope``): who may read the report whole.
    scope: dict = field(default_factory=dict)
    # Why the load failed for a reason outside the file (the disk is full, the store went away); None otherwise.
    failure: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file is valid (and, unless a dry run, was written)."""
        return not self.errors

    def to_dict(self) -> dict:
        """The report as plain data (stored with the load batch)."""
        return {**asdict(self), "ok": self.ok, "errors": [asdict(e) for e in self.errors]}

    def text(self) -> str:
        """The report for a terminal: a summary line, then one line per bad row."""
        if self.failure:
            return f"{self.file_name}: {self.failure}"
        notes = "".join(f"\n  note: {note}" for note in self.notes)
        if self.ok:
            verb = "would load" if self.dry_run else "loaded"
            return (f"{self.file_name}: OK, {verb} {self.rows} values: {self.inserted} new, {self.updated} corrected "
                    f"(old values kept as revisions), {self.unchanged} unchanged"
                    + ("" if self.dry_run else f" [load #{self.batch_id}]") + notes)
        lines = [f"{self.file_name}: REJECTED, nothing written — {len(self.errors)} problem(s):",
                 f"{'row':>6}  {'column':<16} {'value':<20} reason"]
        for error in self.errors[:MAX_ERRORS_SHOWN]:
            lines.append(f"{error.row:>6}  {error.column[:16]:<16} {str(error.value)[:20]:<20} {error.reason}")
        if len(self.errors) > MAX_ERRORS_SHOWN:
            lines.append(f"… and {len(self.errors) - MAX_ERRORS_SHOWN} more")
        return "\n".join(lines) + notes


def _existing(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """The stored values of the keys in ``frame``, read per indicator and period range."""
    parts = []
    for code, part in frame.groupby("code"):
        query = select(Observation.indicator_code.label("code"), Observation.area_adcode.label("adcode"),
                       Observation.period, Observation.value.label("old_value"),
                       Observation.batch_id.label("old_batch_id")).where(
            Observation.indicator_code == code,
            Observation.area_adcode.in_(part["adcode"].unique().tolist()),
            Observation.period.between(part["period"].min(), part["period"].max()))
        parts.append(pd.DataFrame(session.execute(query).all(),
                                  columns=["code", "adcode", "period", "old_value", "old_batch_id"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["code", "adcode", "period", "old_value", "old_batch_id"])


def write_observations(session: Session, frame: pd.DataFrame, *, catalog: Catalog, batch_id: int,
                       source: str) -> tuple[int, int, int]:
    """Write validated observations inside the caller's transaction.

    Args:
        session: an open session in a transaction.
        frame: valid rows: ``code``, ``adcode``, ``period`` (date), ``value``; keys unique.
        catalog: the catalog, for the frequencies of the touched indicators.
        batch_id: the load batch writing them.
        source: recorded with each value (the file name).

    Returns:
        (inserted, updated, unchanged) counts.
    """
    now = datetime.now()
    merged = frame.merge(_existing(session, frame), on=["code", "adcode", "period"], how="left")
    new = merged[merged["old_value"].isna()]
    known = merged[merged["old_value"].notna()]
    changed = known[~np.isclose(known["value"].astype(float), known["old_value"].astype(float), rtol=1e-12, atol=1e-12)]
    insert_observations(session.connection(), new, batch_id=batch_id, source=source, loaded_at=now)
    if not changed.empty:
        session.execute(update(Observation), [
            {"indicator_code": r.code, "area_adcode": r.adcode, "period": r.period, "value": float(r.value),
             "batch_id": batch_id, "source": source, "loaded_at": now} for r in changed.itertuples()])
        session.execute(insert(Revision), [
            {"indicator_code": r.code, "area_adcode": r.adcode, "period": r.period, "old_value": float(r.old_value),
             "new_value": float(r.value), "old_batch_id": int(r.old_batch_id), "batch_id": batch_id,
             "revised_at": now} for r in changed.itertuples()])
    touched = list(pd.concat([new, changed])[["code", "adcode"]].drop_duplicates().itertuples(index=False, name=None))
    if touched:
        refresh_latest(session.connection(), catalog, touched)
        recompute(session.connection(), catalog, touched, batch_id=batch_id, loaded_at=now)
        db.bump_data_version(session)
    return len(new), len(changed), len(known) - len(changed)


# A derived value in a file agrees with the computed one within the rounding of published figures.
DERIVED_TOLERANCE = (0.005, 0.06)  # relative, absolute
DERIVED_DIFFERS = "与由{formula}计算的 {computed} 不符 / differs from {computed}, computed as {formula}"
DERIVED_NO_INPUTS = "计算指标,缺少{formula}的输入 / derived as {formula}: an input is missing"


def split_derived(frame: pd.DataFrame, catalog: Catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows to store and the rows of derived indicators, which the store computes instead (a bureau's file
    often gives a total beside its parts: it is checked, not stored)."""
    derived = frame["code"].map(lambda code: catalog[code].formula is not None).astype(bool)
    return frame[~derived], frame[derived]


def derived_disagreements(session: Session, given: pd.DataFrame, catalog: Catalog) -> list[RowError]:
    """Derived values of a file that differ from what the store computed from their inputs in this load."""
    if given.empty:
        return []
    errors = []
    for code, part in given.groupby("code"):
        query = select(Observation.area_adcode, Observation.period, Observation.value).where(
            Observation.indicator_code == code, Observation.area_adcode.in_(part["adcode"].unique().tolist()))
        computed = {(adcode, period): value for adcode, period, value in session.execute(query)}
        formula = catalog[code].derived
        for row in part.itertuples():
            value = computed.get((row.adcode, row.period))
            if value is None:
                errors.append(RowError(int(row.row), code, f"{row.value:g}", DERIVED_NO_INPUTS.format(formula=formula)))
            elif not np.isclose(row.value, value, rtol=DERIVED_TOLERANCE[0], atol=DERIVED_TOLERANCE[1]):
                errors.append(RowError(int(row.row), code, f"{row.value:g}",
                                       DERIVED_DIFFERS.format(formula=formula, computed=f"{value:.6g}")))
    return sorted(errors, key=lambda error: error.row)


def load_file(path: Path, *, user: str | None = None, dry_run: bool = False, city_key: str | None = None,
              catalog: Catalog | None = None, sheet: str | int | None = None, today: date | None = None) -> LoadReport:
    """Validate a department's file and, when it is valid and not a dry run, load it (``load_bytes``)."""
    return load_bytes(path.read_bytes(), path.name, user=user, dry_run=dry_run, city_key=city_key, catalog=catalog,
                      sheet=sheet, today=today)


DISK_FULL = "磁盘已满,未写入任何数据 / disk full, nothing was written"
STORE_DOWN = "数据库不可用,未写入任何数据 / the store is unavailable, nothing was written"
# How the databases say their disk is full (SQLite; PostgreSQL's SQLSTATE 53100 and its messages).
_DISK_FULL_SIGNS = ("database or disk is full", "no space left on device", "could not extend file", "53100",
                    "disk full")


def load_bytes(content: bytes, file_name: str, *, user: str | None = None, dry_run: bool = False,
               city_key: str | None = None, catalog: Catalog | None = None, kind: str = "file",
               sheet: str | int | None = None, today: date | None = None, hours: pd.DataFrame | None = None,
               line_numbers: Sequence[int] | None = None) -> LoadReport:
    """Validate a department's file (or a SQL source's rows) and, when valid and not a dry run, load it
    (``_load_bytes``). A load that fails for a reason outside the file — the disk fills up, the store goes
    away — is rolled back whole and reported in one line (``LoadReport.failure``), recorded and audited
    like a rejected file when the store can still take that record.

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    try:
        return _load_bytes(content, file_name, user=user, dry_run=dry_run, city_key=city_key, catalog=catalog,
                           kind=kind, sheet=sheet, today=today, hours=hours, line_numbers=line_numbers)
    except (DBAPIError, db.StoreUnavailable) as exc:
        reason = DISK_FULL if any(sign in str(exc).lower() for sign in _DISK_FULL_SIGNS) else STORE_DOWN
        report = LoadReport(file_name=file_name, checksum=hashlib.sha256(content).hexdigest(), dry_run=dry_run,
                            failure=reason, errors=[RowError(0, "", "", reason)])
        LOG.error("load of %s failed: %s", file_name, _first_line(exc))
        if not dry_run:
            _record_failed(report, user or actor()[0], kind)
        return report


def _record_failed(report: LoadReport, user: str, kind: str) -> None:
    """Record and audit a load that failed for a reason outside the file, when the store still takes it."""
    try:
        with Session(db.engine()) as session, session.begin():
            batch = LoadBatch(kind=kind, file_name=report.file_name, checksum=report.checksum, user=user,
                              status="failed", started_at=datetime.now(), finished_at=datetime.now(),
                              report=json.dumps(report.to_dict(), ensure_ascii=False, default=str))
            session.add(batch)
            session.flush()
            record_in(session, "data_load_failed", target=report.file_name, user=user,
                      detail={"batch": batch.id, "kind": kind, "checksum": report.checksum,
                              "reason": report.failure})
    except (DBAPIError, db.StoreUnavailable) as exc:
        LOG.error("the failed load of %s could not be recorded either: %s", report.file_name, _first_line(exc))


def _first_line(exc: Exception) -> str:
    """A database error's first line (the driver's message, without the statement and its parameters)."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _load_bytes(content: bytes, file_name: str, *, user: str | None = None, dry_run: bool = False,
                city_key: str | None = None, catalog: Catalog | None = None, kind: str = "file",
                sheet: str | int | None = None, today: date | None = None, hours: pd.DataFrame | None = None,
                line_numbers: Sequence[int] | None = None) -> LoadReport:
    """Validate a department's file (or a SQL source's rows) and, when valid and not a dry run, load it.

    Args:
        content: the CSV or XLSX bytes.
        file_name: the name shown in reports and recorded.
        user: who loads it (recorded); the current user by default.
        dry_run: only validate and count what would change; write nothing.
        city_key: the city whose district names the file uses (all cities when None).
        catalog: the catalog to check against (the store's by default).
        kind: ``file`` or ``sql``, recorded with the load.
        sheet: the XLSX sheet(s) to read (``importer.read_observations``): a name, a position, ``all``;
            the first sheet holding a table by default.
        today: the load's date (periods after the next one are refused); today by default.
        hours: validated hourly values (``hourly.load_mixed``) written in the same transaction and batch:
            a push that holds hourly values and others.
        line_numbers: the row each of the file's lines stands for (line 2, under the header, is
            ``line_numbers[0]``): errors name those rows, not the lines of this part of a push.

    Returns:
        The report; ``report.ok`` is False when the file was rejected (nothing written).

    Rows of indicators above the viewer's clearance or areas outside their write scope are refused as not
    permitted (``write_scope.read_permitted``) before anything stored is read, and the refusal is audited.

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    viewer = required("data.load", target=file_name, action="data_load")
    user = user or actor()[0]
    catalog = catalog or store_catalog()
    report = LoadReport(file_name=file_name, checksum=hashlib.sha256(content).hexdigest(), dry_run=dry_run,
                        scope=viewer.scope())
    cities = [get_city(city_key)] if city_key else list(load_cities().values())
    parsed, refused = read_permitted(content, file_name=file_name, catalog=catalog, cities=cities, viewer=viewer,
                                     sheet=sheet, today=today)
    if refused:
        record_refusal(file_name, {"action": "data_load", "kind": kind, "dry_run": dry_run, "rows": refused})
    report.rows, report.notes = len(parsed.observations), list(parsed.notes)
    report.errors = renumbered(parsed.errors, line_numbers)
    report.format, report.encoding, report.shape = parsed.format, parsed.encoding, parsed.shape
    hours = hours if hours is not None else pd.DataFrame(columns=["code", "adcode", "observed_at", "value"])
    report.errors += renumbered(days_given_with_their_hours(parsed.observations, hours, catalog), line_numbers)
    report.rows += len(hours)
    report.indicators = sorted(set(parsed.observations["code"]) | set(hours["code"]))
    report.areas = sorted(set(parsed.observations["adcode"]) | set(hours["adcode"]))
    with Session(db.engine()) as session:
        if report.errors:
            if not dry_run:
                record_rejected(session, report, user, kind)
            return report
        # No explicit begin: leaving the session without commit rolls everything back,
        # which is how a dry run (and any failure half-way) leaves the store untouched.
        batch = LoadBatch(kind=kind, file_name=file_name, checksum=report.checksum, user=user,
                          status="running", started_at=datetime.now())
        session.add(batch)
        session.flush()
        stored, given = split_derived(parsed.observations, catalog)
        report.inserted, report.updated, report.unchanged = write_observations(
            session, stored, catalog=catalog, batch_id=batch.id, source=file_name[:64])
        report.errors = renumbered(derived_disagreements(session, given, catalog), line_numbers)
        if report.errors:
            session.rollback()
            if not dry_run:
                record_rejected(session, report, user, kind)
            return report
        if not hours.empty:
            counts = write_hourly(session.connection(), hours, catalog=catalog, batch_id=batch.id,
                                  source=file_name[:64], loaded_at=datetime.now())
            report.inserted, report.updated, report.unchanged = (
                old + added for old, added in zip((report.inserted, report.updated, report.unchanged), counts))
            if counts[0] or counts[1]:
                db.bump_data_version(session)
        if dry_run:
            session.rollback()
            return report
        report.batch_id = batch.id
        batch.status, batch.finished_at = "ok", datetime.now()
        batch.rows_total, batch.rows_inserted = report.rows, report.inserted
        batch.rows_updated, batch.rows_unchanged = report.updated, report.unchanged
        batch.report = json.dumps(report.to_dict(), ensure_ascii=False, default=str)
        record_in(session, "data_load", target=file_name, user=user,
                  detail={"batch": batch.id, "kind": kind, "checksum": report.checksum, "rows": report.rows,
                          "inserted": report.inserted, "updated": report.updated, "indicators": report.indicators,
                          **({"hours": len(hours)} if len(hours) else {})})
        session.commit()
    return report


DAY_OF_HOURS = ("该日值由同批报送的小时值汇总得出，请只报送小时值 / this day's value is computed from the hours pushed "
                "with it: push the hours only")


def days_given_with_their_hours(observations: pd.DataFrame, hours: pd.DataFrame, catalog: Catalog) -> list[RowError]:
    """Daily values a load gives beside the hours they roll up from: the rollup would replace them unseen."""
    rolled = {(catalog[code].rolls_up_to, adcode, observed_at.date())
              for code, adcode, observed_at in hours[["code", "adcode", "observed_at"]].itertuples(index=False)}
    return [RowError(int(row.row), "period", str(row.period), DAY_OF_HOURS)
            for row in observations.itertuples() if (row.code, row.adcode, row.period) in rolled]


def renumbered(errors: Sequence[RowError], line_numbers: Sequence[int] | None) -> list[RowError]:
    """Errors naming the rows their lines stand for (``line_numbers``; the whole file, row 0, stays)."""
    if line_numbers is None:
        return list(errors)
    return [replace(error, row=line_numbers[error.row - 2]) if 2 <= error.row < len(line_numbers) + 2 else error
            for error in errors]


def load_history(*, status: str | None = None, kind: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Loads, newest first: who, when, which file, its checksum, its counts and status.

    Returns:
        Columns ``LOAD_COLUMNS`` plus ``indicators`` (how many the load touched).

    Raises:
        AccessDenied: the current viewer may not see the data desk.
    """
    require("data.view")
    query = select(*(LoadBatch.__table__.c[c] for c in LOAD_COLUMNS), LoadBatch.report).order_by(LoadBatch.id.desc())
    if status:
        query = query.where(LoadBatch.status == status)
    if kind:
        query = query.where(LoadBatch.kind == kind)
    with db.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=[*LOAD_COLUMNS, "report"])
    frame["indicators"] = [len(json.loads(text).get("indicators", [])) if text else 0 for text in frame["report"]]
    return frame.drop(columns="report")


def load_details(batch_id: int) -> dict | None:
    """One load with its stored report as the current viewer may read it (``write_scope.report_for``), or None.

    Returns:
        The load's ``LOAD_COLUMNS``, ``report`` (parsed from JSON; {} for loads without one) and ``hidden``,
        how many of the report's rows and entries are not shown to this viewer.
    """
    viewer = require("data.view")
    with db.connect() as conn:
        row = conn.execute(select(*(LoadBatch.__table__.c[c] for c in LOAD_COLUMNS), LoadBatch.report)
                           .where(LoadBatch.id == batch_id)).mappings().first()
    if row is None:
        return None
    details = dict(row)
    visible = {entry.code for entry in store_catalog() if viewer.sees_sensitivity(entry.sensitivity)}
    details["report"], details["hidden"] = report_for(json.loads(row["report"]) if row["report"] else {}, viewer,
                                                      visible)
    return details


def record_rejected(session: Session, report: LoadReport, user: str, kind: str) -> None:
    """Record a load that wrote no data (a rejected file), in its own transaction."""
    with session.begin():
        batch = LoadBatch(kind=kind, file_name=report.file_name, checksum=report.checksum, user=user,
                          status="rejected", rows_total=report.rows, started_at=datetime.now(),
                          finished_at=datetime.now(),
                          report=json.dumps(report.to_dict(), ensure_ascii=False, default=str))
        session.add(batch)
        session.flush()
        record_in(session, "data_load_rejected", target=report.file_name, user=user,
                  detail={"batch": batch.id, "kind": kind, "checksum": report.checksum, "errors": len(report.errors)})


@dataclass
class UndoReport:
    """What undoing a load did."""

    batch_id: int
    undo_batch_id: int
    removed: int
    restored: int
    hours: int = 0  # hourly values removed or restored


def undo_load(batch_id: int, *, comment: str = "") -> UndoReport:
    """Undo a load: remove the values it added and bring back, from their revisions, those it corrected.

    The undo is itself recorded as a load (kind ``undo``) and in the audit log; the corrections it makes
    are kept as revisions, and the undone load is marked ``undone`` with its report kept.

    Args:
        batch_id: the load to undo (a file or SQL load that succeeded).
        comment: why (recorded).

    Returns:
        How many values were removed and restored.

    Raises:
        LoadError: no such load, not undoable, already undone, or values of it changed by a later load
            (undo that one first).
        AccessDenied: the current viewer may not load data, or the load touched data beyond their clearance
            or write scope (audited).
    """
    viewer = required("data.load", target=f"load #{batch_id}", action="data_undo")
    check_batch(batch_id, viewer)
    user = actor()[0]
    with db.transaction() as session:
        batch = session.get(LoadBatch, batch_id)
        if batch is None or batch.kind not in UNDOABLE or batch.status != "ok":
            raise LoadError(f"加载 #{batch_id} 不存在、不可撤销或已撤销 / load #{batch_id} does not exist, cannot be "
                            "undone or was undone already")
        # Values of this load that a later load (still in force) replaced.
        later = sum(session.scalar(select(func.count()).select_from(table)
                                   .join(LoadBatch, LoadBatch.id == table.batch_id)
                                   .where(table.old_batch_id == batch_id, LoadBatch.status != "undone"))
                    for table in (Revision, HourlyRevision))
        if later:
            raise LoadError(f"加载 #{batch_id} 的 {later} 个数值已被之后的加载修改,请先撤销之后的加载 / {later} values "
                            f"of load #{batch_id} were changed by later loads: undo those first")
        undo = LoadBatch(kind="undo", file_name=f"undo #{batch_id}", user=user, status="running",
                         started_at=datetime.now())
        session.add(undo)
        session.flush()
        restored = _restore_corrected(session, batch_id, undo.id)
        removed = _remove_added(session, batch_id)
        touched = {(code, adcode) for code, adcode, _ in restored} | {(code, adcode) for code, adcode, _ in removed}
        catalog = store_catalog()
        # An hourly load's daily rollups are its revisions and rows above; its hours go back here.
        hours = undo_hourly(session.connection(), catalog, batch_id, undo.id, now=datetime.now())
        if touched:
            refresh_latest(session.connection(), catalog, sorted(touched))
            recompute(session.connection(), catalog, sorted(touched), batch_id=undo.id)
        if touched or hours:
            db.bump_data_version(session)
        report = UndoReport(batch_id, undo.id, len(removed), len(restored), hours)
        undo.status, undo.finished_at = "ok", datetime.now()
        undo.rows_total, undo.rows_updated = len(removed) + len(restored), len(restored)
        undo.report = json.dumps({**asdict(report), "comment": comment}, ensure_ascii=False)
        batch.status = "undone"
        record_in(session, "data_undo", target=batch.file_name, user=user,
                  detail={**asdict(report), "comment": comment})
    return report


def _restore_corrected(session: Session, batch_id: int, undo_id: int) -> list[tuple[str, str, object]]:
    """Put back the values the load replaced, each correction kept as a revision of the undo."""
    rows = session.execute(select(Revision.indicator_code, Revision.area_adcode, Revision.period, Revision.old_value,
                                  Revision.new_value, Revision.old_batch_id)
                           .where(Revision.batch_id == batch_id)).all()
    now = datetime.now()
    if rows:
        session.execute(update(Observation), [
            {"indicator_code": code, "area_adcode": adcode, "period": period, "value": old, "batch_id": old_batch,
             "loaded_at": now, "source": f"undo #{batch_id}"}
            for code, adcode, period, old, _new, old_batch in rows])
        session.execute(insert(Revision), [
            {"indicator_code": code, "area_adcode": adcode, "period": period, "old_value": new, "new_value": old,
             "old_batch_id": batch_id, "batch_id": undo_id, "revised_at": now}
            for code, adcode, period, old, new, _old_batch in rows])
    return [(code, adcode, period) for code, adcode, period, *_ in rows]


def _remove_added(session: Session, batch_id: int) -> list[tuple[str, str, object]]:
    """Delete the values the load added (those still carrying its batch after the corrections went back)."""
    keys = [tuple(row) for row in session.execute(
        select(Observation.indicator_code, Observation.area_adcode, Observation.period)
        .where(Observation.batch_id == batch_id))]
    key = tuple_(Observation.indicator_code, Observation.area_adcode, Observation.period)
    for start in range(0, len(keys), 500):
        session.execute(delete(Observation).where(key.in_(keys[start:start + 500])))
    return keys
