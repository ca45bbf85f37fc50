"""Pieces of the AG Grid lists (catalog, data quality, the desk's grids): Markdown-safe link text, JavaScript
literals for the grid's functions, the cell that links a row to its indicator page, and how a phone lists a grid's
rows instead."""

from __future__ import annotations

import json
import re

from pages._i18n import register_strings, t
from pages._shell import href

register_strings({"grid_phone_more": ("显示更多", "Show more")})


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


def phone_list(*, row_id: str, lang: str, texts: dict[str, str] | None = None, link: dict | None = None,
               pick: str | None = None, pick_label: str = "", reveal: str | None = None, page: int = 20) -> dict:
    """How a phone shows a desk grid: as a list drawn by ``assets/92-desk-grids.js``, so a phone never downloads
    AG Grid. Goes in the grid's ``dashGridOptions["context"]["phone"]``.

    Args:
        row_id: the row field that identifies a row (the grid's getRowId).
        lang: "zh" or "en" (the "show more" button's label: the list shows ``page`` rows at a time).
        texts: for a column whose cells show another field's text (a formatter's), that field, by column.
        link: the title's link: ``{"field", "prefix", "suffix"}`` around the row's field value.
        pick: what tapping a row sends back as the PC grid would: "selectedRows" or "cellClicked".
        pick_label: the tap button's label when the title is a link.
        reveal: the selector of what a tap opens (below the list on a phone), scrolled to once it shows.
    """
    return {"id": row_id, "more": t("grid_phone_more", lang), "texts": texts or {}, "link": link, "pick": pick, "pickLabel": pick_label,
            "reveal": reveal, "page": page}


def indicator_page_link(city: str, lang: str) -> dict:
    """A phone list title's link to the row's indicator page (see ``phone_list``)."""
    return {"field": "code", "prefix": "/indicator/", "suffix": href("", city, lang)}
