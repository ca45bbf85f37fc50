"""Loading a department's file into the store: validate everything, then write it all or nothing.

The importer parses and validates (``indicators.importer``); this module writes a valid
file in one transaction: new values are inserted, corrected values replace the old ones
and keep them as revisions, identical values change nothing. Every load is recorded as a
load batch (who, when, file name, checksum, rows), rejected ones too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from geo.cities import get_city, load_cities
from indicators import db
from indicators.catalog import Catalog, load_catalog
from indicators.importer import RowError, area_lookup, read_observations
from indicators.models import LoadBatch, Observation, Revision
from indicators.store import insert_observations, refresh_latest

MAX_ERRORS_SHOWN = 200


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

    @property
    def ok(self) -> bool:
        """Whether the file is valid (and, unless a dry run, was written)."""
        return not self.errors

    def to_dict(self) -> dict:
        """The report as plain data (stored with the load batch)."""
        return {**asdict(self), "ok": self.ok, "errors": [asdict(e) for e in self.errors]}

    def text(self) -> str:
        """The report for a terminal: a summary line, then one line per bad row."""
        if self.ok:
            verb = "would load" if self.dry_run else "loaded"
            return (f"{self.file_name}: OK, {verb} {self.rows} values: {self.inserted} new, {self.updated} corrected "
                    f"(old values kept as revisions), {self.unchanged} unchanged"
                    + ("" if self.dry_run else f" [load #{self.batch_id}]"))
        lines = [f"{self.file_name}: REJECTED, nothing written — {len(self.errors)} problem(s):",
                 f"{'row':>6}  {'column':<16} {'value':<20} reason"]
        for error in self.errors[:MAX_ERRORS_SHOWN]:
            lines.append(f"{error.row:>6}  {error.column[:16]:<16} {str(error.value)[:20]:<20} {error.reason}")
        if len(self.errors) > MAX_ERRORS_SHOWN:
            lines.append(f"… and {len(self.errors) - MAX_ERRORS_SHOWN} more")
        return "\n".join(lines)


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
    touched = pd.concat([new, changed])[["code", "adcode"]].drop_duplicates()
    if not touched.empty:
        refresh_latest(session.connection(), catalog, touched.itertuples(index=False, name=None))
        db.bump_data_version(session)
    return len(new), len(changed), len(known) - len(changed)


def load_file(path: Path, *, user: str, dry_run: bool = False, city_key: str | None = None,
              catalog: Catalog | None = None) -> LoadReport:
    """Validate a department's file and, when it is valid and not a dry run, load it.

    Args:
        path: the CSV or XLSX file.
        user: who loads it (recorded).
        dry_run: only validate and count what would change; write nothing.
        city_key: the city whose district names the file uses (all cities when None).
        catalog: the catalog (the catalog file by default).

    Returns:
        The report; ``report.ok`` is False when the file was rejected (nothing written).
    """
    catalog = catalog or load_catalog()
    content = path.read_bytes()
    report = LoadReport(file_name=path.name, checksum=hashlib.sha256(content).hexdigest(), dry_run=dry_run)
    cities = [get_city(city_key)] if city_key else list(load_cities().values())
    parsed = read_observations(content, file_name=path.name, catalog=catalog, areas=area_lookup(cities))
    report.rows, report.errors = len(parsed.observations), list(parsed.errors)
    with Session(db.engine()) as session:
        if report.errors:
            if not dry_run:
                _record(session, report, user, status="rejected")
            return report
        # No explicit begin: leaving the session without commit rolls everything back,
        # which is how a dry run (and any failure half-way) leaves the store untouched.
        batch = LoadBatch(kind="file", file_name=path.name, checksum=report.checksum, user=user,
                          status="running", started_at=datetime.now())
        session.add(batch)
        session.flush()
        report.inserted, report.updated, report.unchanged = write_observations(
            session, parsed.observations, catalog=catalog, batch_id=batch.id, source=path.name)
        if dry_run:
            session.rollback()
            return report
        report.batch_id = batch.id
        batch.status, batch.finished_at = "ok", datetime.now()
        batch.rows_total, batch.rows_inserted = report.rows, report.inserted
        batch.rows_updated, batch.rows_unchanged = report.updated, report.unchanged
        batch.report = json.dumps(report.to_dict(), ensure_ascii=False, default=str)
        session.commit()
    return report


def _record(session: Session, report: LoadReport, user: str, status: str) -> None:
    """Record a load that wrote no data (a rejected file), in its own transaction."""
    with session.begin():
        session.add(LoadBatch(kind="file", file_name=report.file_name, checksum=report.checksum, user=user,
                              status=status, rows_total=report.rows, started_at=datetime.now(),
                              finished_at=datetime.now(),
                              report=json.dumps(report.to_dict(), ensure_ascii=False, default=str)))
