"""Tables to download: CSV that Excel opens in Chinese (UTF-8 with BOM) and XLSX."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
# A text cell starting with one of these is a formula to Excel and LibreOffice, in CSV and XLSX alike
# (=HYPERLINK(…), @SUM(…), -2+3+cmd|' /C calc'!A0); names and comments come from users.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with a quote in front (OWASP's advice for CSV
    injection); anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _storable(value: object) -> object:
    # XLSX (XML) cannot hold control characters; openpyxl refuses the whole file for one.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _texts(frame: pd.DataFrame, change: Callable[[object], object]) -> pd.DataFrame:
    """``frame`` with ``change`` applied to every cell of its non-numeric columns."""
    changed = frame.copy()
    for position, (_, column) in enumerate(frame.items()):
        if not pd.api.types.is_numeric_dtype(column):
            changed.isetitem(position, column.map(change))
    return changed


def table_bytes(frame: pd.DataFrame, kind: str, *, sheet: str = "data") -> bytes:
    """``frame`` as a CSV or XLSX file, every text cell inert.

    Args:
        frame: the table, with the column headers readers should see.
        kind: "csv" or "xlsx".
        sheet: the worksheet's name (XLSX).

    Returns:
        The file's bytes.
    """
    if kind == "csv":
        return _texts(frame, inert).to_csv(index=False).encode("utf-8-sig")
    if kind == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            _texts(frame, lambda value: inert(_storable(value))).to_excel(writer, index=False, sheet_name=sheet[:31])
        return buffer.getvalue()
    raise ValueError(f"unknown export format {kind!r}; use one of {FORMATS}")
