"""Loading hourly values (values pushed by monitoring stations and traffic platforms): validated whole, written
all or nothing, like a department's file.

Each row names an hourly indicator, an area (adcode or name), a whole local hour (``2025-06-30T14:00:00+08:00``,
``2025-06-30 14:00``) and a value. A row that names an indicator above the actor's clearance or an area outside
their write scope is refused as not permitted and audited; any bad row rejects the load with its row, column
and reason. A valid load is one load batch: the hours are written (corrections kept as revisions), the days
they touch rolled up into their daily indicator, and the load recorded in the audit log.

A push may hold hourly values and others together (``load_mixed``): the others go through the file loader as the
CSV lines a department would send, and the hours, validated here, are written in its transaction and batch.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from geo.cities import get_city, load_cities
from indicators.accounts.audit import actor, record_in, record_refusal, required
from indicators.catalog.entries import Catalog
from indicators.catalog.periods import HourError, parse_hour
from indicators.ingest.catalog_edits import store_catalog, store_catalog_in
from indicators.ingest.importer import (
    CITY_LEVEL,
    DUPLICATE,
    NOT_A_NUMBER,
    OUT_OF_RANGE,
    UNKNOWN_AREA,
    UNKNOWN_INDICATOR,
    RowError,
    area_lookup,
)
from indicators.ingest.loading import LoadReport, load_bytes, record_rejected
from indicators.ingest.tables import area_key
from indicators.ingest.write_scope import NOT_PERMITTED
from indicators.store import db
from indicators.store.hourly import delete_older_hours, write_hourly
from indicators.store.models import LoadBatch

NOT_HOURLY = "不是小时指标 / not an hourly indicator"
FUTURE_HOUR = "时刻晚于当前时间 / the hour is later than the present one"


def hourly_codes(catalog: Catalog) -> frozenset[str]:
    """The codes of the catalog's hourly indicators (the rows a push sends to this loader)."""
    return frozenset(code for code, indicator in catalog.by_code.items() if indicator.frequency == "hourly")


def load_hourly(rows: Sequence[dict], file_name: str, *, user: str | None = None, dry_run: bool = False,
                city_key: str | None = None, catalog: Catalog | None = None, kind: str = "api",
                now: datetime | None = None, first_row: int = 1) -> LoadReport:
    """Validate hourly rows and, when all are valid and not a dry run, write them in one transaction.

    Args:
        rows: ``{"indicator", "area", "period", "value"}`` each; ``row`` in errors counts from ``first_row``
            (1: the position in a JSON list; 2: the line of a CSV file under its header).
        file_name: the name recorded with the load.
        user: who loads them; the current user by default.
        dry_run: only validate and count what would change.
        city_key: the city whose district names the rows use (all cities when None).
        catalog: the catalog to check against (the store's by default).
        kind: recorded with the load (``api``).
        now: the present (hours after it are refused); now by default.

    Returns:
        The report; ``report.ok`` is False when a row was rejected (nothing written).

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    viewer = required("data.load", target=file_name, action="data_load")
    user = user or actor()[0]
    catalog = catalog or store_catalog()
    content = json.dumps(list(rows), ensure_ascii=False, default=str).encode()
    report = LoadReport(file_name=file_name, checksum=hashlib.sha256(content).hexdigest(), dry_run=dry_run,
                        scope=viewer.scope(), format="json", shape="long")
    cities = [get_city(city_key)] if city_key else list(load_cities().values())
    frame, report.errors, refused = _validated(rows, catalog, area_lookup(cities), viewer,
                                               latest=(now or datetime.now()) + timedelta(hours=1),
                                               numbers=range(first_row, first_row + len(rows)))
    if refused:
        record_refusal(file_name, {"action": "data_load", "kind": kind, "dry_run": dry_run, "rows": refused})
    report.rows = len(frame)
    report.indicators, report.areas = sorted(set(frame["code"])), sorted(set(frame["adcode"]))
    with Session(db.engine()) as session:
        if report.errors:
            if not dry_run:
                record_rejected(session, report, user, kind)
            return report
        batch = LoadBatch(kind=kind, file_name=file_name, checksum=report.checksum, user=user, status="running",
                          started_at=datetime.now())
        session.add(batch)
        session.flush()
        report.inserted, report.updated, report.unchanged = write_hourly(
            session.connection(), frame, catalog=catalog, batch_id=batch.id, source=file_name[:64],
            loaded_at=datetime.now())
        if dry_run:
            session.rollback()
            return report
        if report.inserted or report.updated:
            db.bump_data_version(session)
        report.batch_id = batch.id
        batch.status, batch.finished_at = "ok", datetime.now()
        batch.rows_total, batch.rows_inserted = report.rows, report.inserted
        batch.rows_updated, batch.rows_unchanged = report.updated, report.unchanged
        batch.report = json.dumps(report.to_dict(), ensure_ascii=False, default=str)
        record_in(session, "data_load", target=file_name, user=user,
                  detail={"batch": batch.id, "kind": kind, "checksum": report.checksum, "rows": report.rows,
                          "inserted": report.inserted, "updated": report.updated, "indicators": report.indicators,
                          "hourly": True})
        session.commit()
    return report


def load_mixed(hourly: Sequence[tuple[int, dict]], others: bytes, other_rows: Sequence[int], file_name: str, *,
               user: str | None = None, dry_run: bool = False, city_key: str | None = None, kind: str = "api",
               now: datetime | None = None) -> LoadReport:
    """Load a push of hourly values and others as one: validated whole, written all or nothing in one transaction
    and one load batch (undone together).

    Args:
        hourly: the hourly rows (as ``load_hourly`` takes them), each with the row number errors name.
        others: the other rows as the CSV a department would send (``indicator,area,period,value``).
        other_rows: the row number each line of ``others`` stands for, in order.
        file_name, user, dry_run, city_key, kind, now: as ``load_hourly``.

    Returns:
        The report of both parts; ``report.ok`` is False when a row of either was rejected (nothing written).

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    viewer = required("data.load", target=file_name, action="data_load")
    user = user or actor()[0]
    catalog = store_catalog()
    cities = [get_city(city_key)] if city_key else list(load_cities().values())
    hours, errors, refused = _validated([row for _, row in hourly], catalog, area_lookup(cities), viewer,
                                        latest=(now or datetime.now()) + timedelta(hours=1),
                                        numbers=[number for number, _ in hourly])
    if refused:
        record_refusal(file_name, {"action": "data_load", "kind": kind, "dry_run": dry_run, "rows": refused})
    if not errors:
        return load_bytes(others, file_name, user=user, dry_run=dry_run, city_key=city_key, catalog=catalog,
                          kind=kind, hours=hours, line_numbers=other_rows)
    # A bad hourly row rejects the push: the other rows are only checked, so that every problem is reported.
    report = load_bytes(others, file_name, user=user, dry_run=True, city_key=city_key, catalog=catalog, kind=kind,
                        line_numbers=other_rows)
    if report.failure:
        return report
    report.errors = sorted([*report.errors, *errors], key=lambda error: error.row)
    report.rows += len(hours)
    report.indicators = sorted(set(report.indicators) | set(hours["code"]))
    report.areas = sorted(set(report.areas) | set(hours["adcode"]))
    report.inserted = report.updated = report.unchanged = 0
    report.dry_run = dry_run
    if not dry_run:
        with Session(db.engine()) as session:
            record_rejected(session, report, user, kind)
    return report


def _validated(rows: Sequence[dict], catalog: Catalog, areas: dict[str, str], viewer, latest: datetime,
               numbers: Sequence[int]) -> tuple[pd.DataFrame, list[RowError], int]:
    """The valid rows as a frame (``code``, ``adcode``, ``observed_at``, ``value``), the errors (naming each row by
    its number in ``numbers``), and how many rows were refused as not permitted. A row without a value (null) is
    left out, as in files."""
    kept, errors, refused, seen = [], [], 0, {}
    for number, row in zip(numbers, rows):
        code, area_text = str(row.get("indicator", "")).strip(), str(row.get("area", "")).strip()
        value = row.get("value")
        problems = []
        indicator = catalog.by_code.get(code)
        adcode = areas.get(area_key(area_text))
        if ((indicator is not None and not viewer.sees_sensitivity(indicator.sensitivity))
                or (adcode is not None and not viewer.writes_area(adcode))):
            errors.append(RowError(number, "", "", NOT_PERMITTED))
            refused += 1
            continue
        if indicator is None:
            problems.append(("indicator", code, UNKNOWN_INDICATOR))
        elif indicator.frequency != "hourly":
            problems.append(("indicator", code, NOT_HOURLY))
        if adcode is None:
            problems.append(("area", area_text, UNKNOWN_AREA))
        elif indicator is not None and indicator.spatial_level == "city" and not _is_city(adcode):
            problems.append(("area", area_text, CITY_LEVEL))
        hour = _hour(row.get("period"), problems)
        if hour is not None and hour > latest:
            problems.append(("period", str(row.get("period")), FUTURE_HOUR))
        if value is not None and (not isinstance(value, (int, float)) or not math.isfinite(value)):
            problems.append(("value", str(value), NOT_A_NUMBER))
        elif value is not None and indicator is not None and not indicator.in_range(float(value)):
            low = "-∞" if indicator.min_value is None else f"{indicator.min_value:g}"
            high = "+∞" if indicator.max_value is None else f"{indicator.max_value:g}"
            problems.append(("value", f"{value:g}", OUT_OF_RANGE.format(low=low, high=high)))
        if not problems and value is not None:
            key = (code, adcode, hour)
            if key in seen:
                problems.append(("period", str(row.get("period")), DUPLICATE.format(row=seen[key], column="period")))
            seen.setdefault(key, number)
        errors.extend(RowError(number, column, text, reason) for column, text, reason in problems)
        if not problems and value is not None:
            kept.append((code, adcode, hour, float(value)))
    frame = pd.DataFrame(kept, columns=["code", "adcode", "observed_at", "value"])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"])
    return frame, errors, refused


def _hour(text: object, problems: list) -> datetime | None:
    try:
        return parse_hour(str(text or ""))
    except HourError as exc:
        problems.append(("period", str(text or ""), str(exc)))
        return None


def _is_city(adcode: str) -> bool:
    return any(city.adcode == adcode for city in load_cities().values())


def prune_hours(retention_days: int, *, now: datetime | None = None) -> int:
    """Delete hourly values older than ``retention_days`` (the daily values stay), audited.

    Returns:
        How many hourly values were deleted.

    Raises:
        AccessDenied: the current viewer may not load data (audited).
    """
    required("data.load", target="hourly_observations", action="hourly_pruned")
    with db.transaction() as session:
        deleted = delete_older_hours(session.connection(), store_catalog_in(session), retention_days=retention_days,
                                     now=now or datetime.now())
        if deleted:
            db.bump_data_version(session)
            record_in(session, "hourly_pruned", target="hourly_observations",
                      detail={"deleted": deleted, "retention_days": retention_days})
    return deleted
