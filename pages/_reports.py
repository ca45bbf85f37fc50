"""Uploads and load reports on the data desk: an upload's bytes, the bad rows of a file, and messages written
"中文 / English"."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from dash import html

from indicators.ingest.importer import RowError
from indicators.ingest.loading import MAX_ERRORS_SHOWN
from pages._i18n import register_strings, t

register_strings({
    "report_row": ("行", "Row"),
    "report_column": ("列", "Column"),
    "report_value": ("内容", "Value"),
    "report_reason": ("原因", "Reason"),
    "report_more": ("…另有 {count} 处问题未列出。", "… and {count} more."),
})


def in_language(message: str, lang: str, *, sentence: bool = False) -> str:
    """The part of a bilingual "中文 / English" message for ``lang`` (the whole message when it has one
    part); with ``sentence`` the English part starts with a capital, as a notice's sentence does."""
    zh, _, en = message.partition(" / ")
    if lang != "en" or not en:
        return zh
    return en[:1].upper() + en[1:] if sentence else en


def error_table(errors: Sequence[RowError], lang: str) -> html.Div:
    """The bad rows of a file: row, column, value and reason, at most ``MAX_ERRORS_SHOWN`` of them."""
    head = html.Thead(html.Tr([html.Th(t(f"report_{k}", lang)) for k in ("row", "column", "value", "reason")]))
    body = html.Tbody([html.Tr([html.Td(str(e.row), className="num"), html.Td(e.column), html.Td(str(e.value)),
                                html.Td(in_language(e.reason, lang))]) for e in errors[:MAX_ERRORS_SHOWN]])
    more = len(errors) - MAX_ERRORS_SHOWN
    return html.Div([html.Table([head, body], className="data-table upload-errors"),
                     html.P(t("report_more", lang).format(count=more), className="muted") if more > 0 else None])


def decode_upload(contents: str | None) -> bytes:
    """The file's bytes from ``dcc.Upload``'s ``data:…;base64,…`` string.

    Raises:
        ValueError: not such a string.
    """
    header, _, data = (contents or "").partition(",")
    if not header.startswith("data:") or ";base64" not in header:
        raise ValueError("not an uploaded file")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
