"""``POST /api/v1/observations``: values pushed by other systems, through the same loader as files.

The body is JSON (``{"rows": [{"indicator", "area", "period", "value"}], "city"?, "dry_run"?}``) or a CSV
table (``text/csv``, the columns of a department's file). JSON rows become the CSV a department would send
and go to ``loading.load_bytes``: validated whole against the catalog and the token's write scope, written all
or nothing with revisions of corrected values, a load batch and an audit entry, derived indicators recomputed;
then the warnings are evaluated. A refused push answers 422 with the row-level report (``row`` is the position
in ``rows``, from 1; for CSV the line of the file) and writes nothing.

Rows of hourly indicators (``period`` a whole local hour: ``2025-06-30T14:00:00+08:00``, ``2025-06-30 14:00``) go to
``hourly.load_hourly`` instead, with the same checks, batch, audit and answer; a push that holds both is loaded as one
(``hourly.load_mixed``): one transaction, one load batch, every row's problems named by its own row.

An ``Idempotency-Key`` header makes retries safe: the first answer is kept with the body's checksum; the same
key with the same body gets the same answer again (nothing loaded twice), with another body a 409.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import replace
from datetime import date, datetime

import flask
import orjson
from flask import g, request
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from indicators.ingest.catalog_edits import store_catalog
from indicators.ingest.hourly import hourly_codes, load_hourly, load_mixed
from indicators.ingest.loading import load_bytes
from indicators.ingest.tables import long_columns
from indicators.store import db
from indicators.store.models import IdempotentPush
from indicators.warnings.alerts import run_warnings
from web.api import ApiError, json_answer, operation, settings_of, validation_details

MAX_ROWS = 200_000
IDEMPOTENCY_KEY_LENGTH = 128


class PushedRow(BaseModel):
    """One value."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(min_length=1, max_length=32, description="indicator code (ECO-GDP-001)")
    area: str = Field(min_length=1, max_length=64, description="adcode or name of the city or district")
    period: date | str = Field(description="the period: 2024-05-01, 2024-05, 2024Q2, 2024年5月 …; for an hourly "
                                           "indicator a whole local hour: 2025-06-30T14:00:00+08:00, 2025-06-30 14:00")
    value: StrictFloat | StrictInt | None = Field(description="the value in the catalog's unit (null: not available)")


class Push(BaseModel):
    """Rows to load, all or nothing."""

    model_config = ConfigDict(extra="forbid")

    rows: list[PushedRow] = Field(min_length=1, max_length=MAX_ROWS)
    city: str | None = Field(None, description="the city whose district names the rows use")
    dry_run: bool = Field(False, description="only check, write nothing")


def json_body():
    """The request's JSON body.

    Raises:
        ApiError: 415 when it is not JSON, 400 when it does not parse.
    """
    if not request.mimetype == "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json")
    try:
        return orjson.loads(request.get_data())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None


def _checked_size() -> bytes:
    limit = settings_of().api_max_push_bytes
    if (request.content_length or 0) > limit:
        raise ApiError(413, "too_large", f"the body is larger than {limit} bytes", [{"limit": limit}])
    content = request.stream.read(limit + 1)
    if len(content) > limit:
        raise ApiError(413, "too_large", f"the body is larger than {limit} bytes", [{"limit": limit}])
    request._cached_data = content  # noqa: SLF001 (so get_data() answers from what was read)
    return content


COLUMNS = ["indicator", "area", "period", "value"]


def _as_csv(rows: list[dict], columns: list[str]) -> bytes:
    """Rows as the CSV a department would send (a number written exactly, a missing value blank)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({key: "" if value is None else repr(value) if isinstance(value, float) else value
                      for key, value in row.items()} for row in rows)
    return buffer.getvalue().encode()


def _load_rows(rows: list[dict], columns: list[str], file_name: str, city: str | None, dry_run: bool,
               content: bytes | None = None, roles: dict[str, str] | None = None):
    """Load rows (numbered from 2, as the lines of a CSV file under its header) through the loader their
    indicators need: the file loader, the hourly one, or both as one load. ``content``: the rows' own file;
    ``roles``: the column holding each of indicator, area, period and value (a CSV's own headers: 指标代码 …)."""
    roles = roles or {role: role for role in COLUMNS}
    hourly = hourly_codes(store_catalog())
    is_hourly = [str(row.get(roles["indicator"]) or "").strip() in hourly for row in rows]
    if not any(is_hourly):
        return load_bytes(content or _as_csv(rows, columns), file_name, city_key=city, dry_run=dry_run, kind="api")
    hours = [(number, {role: row.get(roles[role]) for role in COLUMNS} | {"value": _number(row.get(roles["value"]))})
             for number, (row, hour) in enumerate(zip(rows, is_hourly), start=2) if hour]
    if len(hours) == len(rows):
        report = load_hourly([row for _, row in hours], file_name, city_key=city, dry_run=dry_run, first_row=2)
    else:
        others = [(number, row) for number, (row, hour) in enumerate(zip(rows, is_hourly), start=2) if not hour]
        report = load_mixed(hours, _as_csv([row for _, row in others], columns), [number for number, _ in others],
                            file_name, city_key=city, dry_run=dry_run)
    # The hourly rows' errors name the columns by role: name them as the sender did (时期, not period).
    report.errors = [replace(error, column=roles.get(error.column, error.column)) for error in report.errors]
    return report


def _load_json(push: Push, holder: str):
    rows = [{**row.model_dump(), "period": str(row.period)} for row in push.rows]
    return _load_rows(rows, COLUMNS, f"api-{holder}.json", push.city, push.dry_run)


def _load_csv(content: bytes, holder: str, city: str | None, dry_run: bool):
    text = content.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    roles = long_columns(reader.fieldnames or ())
    if not rows or len(roles) < len(COLUMNS):  # a wide table: the file loader reads it
        return load_bytes(content, f"api-{holder}.csv", city_key=city, dry_run=dry_run, kind="api")
    return _load_rows(rows, list(reader.fieldnames), f"api-{holder}.csv", city, dry_run, content, roles)


def _number(text: object) -> float | str | None:
    """A cell as a value: blank is none, a number a float, anything else stays text (refused as no number)."""
    if text is None or isinstance(text, (int, float)):
        return text
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _report(report, *, rows_from_json: bool) -> dict:
    errors = [{"row": (error.row - 1) if rows_from_json and error.row else error.row, "column": error.column,
               "value": error.value, "reason": error.reason} for error in report.errors]
    return {"ok": report.ok, "dry_run": report.dry_run, "load": report.batch_id, "rows": report.rows,
            "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged,
            "indicators": report.indicators, "areas": report.areas, "errors": errors, "notes": report.notes}


def _remembered(token_id: int, key: str, checksum: str) -> flask.Response | None:
    with db.connect() as conn:
        kept = conn.execute(select(IdempotentPush.checksum, IdempotentPush.status, IdempotentPush.answer)
                            .where(IdempotentPush.token_id == token_id, IdempotentPush.key == key)).first()
    if kept is None:
        return None
    if kept.checksum != checksum:
        raise ApiError(409, "idempotency_key_reused", "this Idempotency-Key was used with a different body",
                       [{"header": "Idempotency-Key"}])
    return json_answer(json.loads(kept.answer), kept.status, {"Idempotent-Replayed": "true"})


def _remember(token_id: int, key: str, checksum: str, status: int, answer: dict) -> None:
    try:
        with db.transaction() as session:
            session.add(IdempotentPush(token_id=token_id, key=key, checksum=checksum, status=status,
                                       answer=json.dumps(answer, ensure_ascii=False, default=str),
                                       created_at=datetime.now()))
    except IntegrityError:  # the same key raced in at once: the first answer stands
        pass


@operation("/observations", summary="Push values: all or nothing, through the same checks as files", tag="push",
           method="POST", body=Push, writes=True, csv_body=True)
def push_observations():
    content = _checked_size()
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_LENGTH:
        raise ApiError(400, "invalid_idempotency_key", f"Idempotency-Key is longer than {IDEMPOTENCY_KEY_LENGTH}")
    checksum = hashlib.sha256(request.mimetype.encode() + b"\n" + content).hexdigest()
    holder = g.api_token
    if key:
        replay = _remembered(holder.token_id, key, checksum)
        if replay is not None:
            return replay
    city, dry_run = request.args.get("city") or None, request.args.get("dry_run") in ("1", "true")
    if request.mimetype == "text/csv":
        report, from_json = _load_csv(content, holder.name, city, dry_run), False
    else:
        try:
            push = Push.model_validate(json_body())
        except ValidationError as exc:
            raise ApiError(400, "invalid_body", "the body does not match the Push schema",
                           validation_details(exc)) from None
        city, dry_run = push.city, push.dry_run
        report, from_json = _load_json(push, holder.name), True
    if report.failure:
        raise ApiError(503, "store_unavailable", report.failure)
    answer = _report(report, rows_from_json=from_json)
    if report.ok and not dry_run and (report.inserted or report.updated):
        warnings = run_warnings()
        answer["warnings"] = {"opened": warnings.opened, "escalated": warnings.escalated, "resolved": warnings.resolved}
    status = 200 if report.ok else 422
    g.api_audit_detail = {"load": report.batch_id, "rows": report.rows, "ok": report.ok}
    if key and not dry_run:
        _remember(holder.token_id, key, checksum, status, answer)
    return json_answer(answer, status)
