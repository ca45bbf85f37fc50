"""Pieces of the AG Grid lists (catalog, data quality): Markdown-safe link text, JavaScript literals for
the grid's functions, and the cell that links a row to its indicator page."""

from __future__ import annotations

import json
import re

from pages._shell import href


def markdown_text(text: str) -> str:
    """``text`` as Markdown link text: what Markdown would interpret is escaped (names become links)."""
    return re.sub(r"([\\`*_\[\]<>#~|])", r"\\\1", text)


def js(text: str) -> str:
    """``text`` as a JavaScript string literal, for the grid's function strings."""
    return json.dumps(text, ensure_ascii=False)


def indicator_link(field: str, city: str, lang: str) -> dict:
    """A Markdown cell's valueGetter: the row's ``field`` as a link to its indicator page (only the code
    varies per row)."""
    prefix, query = js("/indicator/"), js(href("", city, lang))
    return {"function": f"'[' + params.data.{field} + '](' + {prefix} + params.data.code + {query} + ')'"}
