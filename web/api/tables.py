"""Tables over the API: one page at a time (an opaque cursor), as JSON or CSV, with an ETag.

The cursor encodes the offset of the next row in the table's fixed order (every table comes from a view
with a deterministic sort). The ETag is a hash of the answer, so ``If-None-Match`` gets a 304 without a body
while nothing changed.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlencode

import flask
import numpy as np
import orjson
import pandas as pd
from flask import request
from pydantic import BaseModel, ConfigDict, Field

from web.api import ApiError

MAX_LIMIT = 5000


class TableQuery(BaseModel):
    """Paging and format of every table."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(500, ge=1, le=MAX_LIMIT, description="rows per page")
    format: Literal["json", "csv"] = Field("json", description="json or csv")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode()
        if not text.startswith("o:") or not text[2:].isdigit():
            raise ValueError(cursor)
        return int(text[2:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "the cursor is not one this API gave",
                       [{"parameter": "cursor", "reason": "not a cursor of this API"}]) from None


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def plain(value):
    """A cell as JSON can carry it: NaN and NaT as null, dates in ISO form, tuples as lists."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (tuple, list, np.ndarray)):
        return [plain(item) for item in value]
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts of plain values (for single records; tables go through ``rows_json``)."""
    columns = list(frame.columns)
    return [{column: plain(value) for column, value in zip(columns, row)} for row in frame.itertuples(index=False)]


def rows_json(frame: pd.DataFrame) -> bytes:
    """The rows as a JSON array, written by pandas' C encoder (a district's snapshot, 300 rows of 40 columns,
    in a few ms): NaN as null, periods as ``2024-05-01``, moments as ``2024-05-01T10:00:00``."""
    ready = frame.copy()
    for column in ready.columns:
        values = ready[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            ready[column] = values.dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object).where(values.notna(), None)
        elif values.dtype == object and values.map(lambda v: isinstance(v, (date, datetime))).any():
            ready[column] = values.map(lambda v: v.isoformat() if isinstance(v, (date, datetime)) else None)
    return ready.to_json(orient="records", force_ascii=False, double_precision=15).encode()


def table_answer(frame: pd.DataFrame, query: TableQuery, meta: dict | None = None) -> flask.Response:
    """One page of ``frame`` as JSON (``data``, ``count``, ``next_cursor``, ``meta``) or CSV and, when more rows
    follow, a ``Link: <…>; rel="next"`` header (every read gets its ETag from ``web.api.operation``)."""
    start = _offset(query.cursor)
    page = frame.iloc[start:start + query.limit]
    following = start + query.limit if start + query.limit < len(frame) else None
    headers = {}
    if following is not None:
        args = {**request.args.to_dict(), "cursor": _cursor(following)}
        headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    if query.format == "csv":
        buffer = io.StringIO()
        listed = page.copy()
        for column in listed.columns:
            if listed[column].map(lambda v: isinstance(v, (tuple, list))).any():
                listed[column] = listed[column].map(lambda v: ";".join(map(str, v)) if isinstance(v, (tuple, list))
                                                    else v)
        listed.to_csv(buffer, index=False)
        response = flask.Response(buffer.getvalue(), mimetype="text/csv", headers=headers)
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        envelope = {"count": len(frame), "next_cursor": _cursor(following) if following is not None else None}
        if meta:
            envelope["meta"] = {key: plain(value) for key, value in meta.items()}
        body = b'{"data":' + rows_json(page) + b"," + orjson.dumps(envelope, option=orjson.OPT_SERIALIZE_NUMPY)[1:]
        response = flask.Response(body, mimetype="application/json", headers=headers)
    return response
