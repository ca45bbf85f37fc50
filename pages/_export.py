"""Tables to download: CSV that Excel opens in Chinese (UTF-8 with BOM) and XLSX."""

from __future__ import annotations

import io

import pandas as pd

FORMATS = ("csv", "xlsx")


def table_bytes(frame: pd.DataFrame, kind: str, *, sheet: str = "data") -> bytes:
    """``frame`` as a CSV or XLSX file.

    Args:
        frame: the table, with the column headers readers should see.
        kind: "csv" or "xlsx".
        sheet: the worksheet's name (XLSX).

    Returns:
        The file's bytes.
    """
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if kind == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=sheet[:31])
        return buffer.getvalue()
    raise ValueError(f"unknown export format {kind!r}; use one of {FORMATS}")
