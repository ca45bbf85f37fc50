"""``POST /api/v1/observations``: values pushed by other systems, through the same loader as files.

The body is JSON (``{"rows": [{"indicator", "area", "period", "value"}], "city"?, "dry_run"?}``) or a CSV
table (``text/csv``, the columns of a department's file). JSON rows become the CSV a department would send
and go to ``loading.load_bytes``: validated whole against the catalog and the token's write scope, written all
or nothing with revisions of corrected values, a load batch and an audit entry, derived indicators recomputed;
then the warnings are evaluated. A refused push answers 422 with the row-level report (``row`` is the position
in ``rows``, from 1; for CSV the line of the file) and writes nothing.

Rows of hourly indicators (``period`` a whole local hour: ``2025-06-30T14:00:00+08:00``, ``2025-06-30 14:00``) go to
``hourly.load_hourly`` instead, with the same checks, batch, audit and answer; a push holds hourly values or others,
not both.

An ``Idempotency-Key`` header makes retries safe: the first answer is kept with the body's checksum; the same
key with the same body gets the same answer again (nothing loaded twice), with another body a 409.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime

import flask
import orjson
from flask import g, request
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from indicators.ingest.catalog_edits import store_catalog
from indicators.ingest.hourly import is_hourly_push, load_hourly
from indicators.ingest.loading import load_bytes
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


def _as_csv(push: Push) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["indicator", "area", "period", "value"])
    for row in push.rows:
        writer.writerow([row.indicator, row.area, row.period.isoformat() if isinstance(row.period, date)
                         else row.period, "" if row.value is None else repr(row.value)])
    return buffer.getvalue().encode()


def _load_json(push: Push, holder: str):
    if is_hourly_push([row.indicator for row in push.rows], store_catalog()):
        rows = [{**row.model_dump(), "period": str(row.period)} for row in push.rows]
        # Numbered as the daily path's CSV lines (from 2), so that the answer's ``row`` is the position in ``rows``.
        return load_hourly(rows, f"api-{holder}.json", city_key=push.city, dry_run=push.dry_run, first_row=2)
    return load_bytes(_as_csv(push), f"api-{holder}.csv", city_key=push.city, dry_run=push.dry_run, kind="api")


def _load_csv(content: bytes, holder: str, city: str | None, dry_run: bool):
    text = content.decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and {"indicator", "area", "period", "value"} <= set(rows[0]) and is_hourly_push(
            [row["indicator"] or "" for row in rows], store_catalog()):
        return load_hourly([{**row, "value": _number(row["value"])} for row in rows], f"api-{holder}.csv",
                           city_key=city, dry_run=dry_run, first_row=2)
    return load_bytes(content, f"api-{holder}.csv", city_key=city, dry_run=dry_run, kind="api")


def _number(text: str | None) -> float | str | None:
    """A CSV cell as a value: blank is none, a number a float, anything else stays text (refused as no number)."""
    if not (text or "").strip():
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
