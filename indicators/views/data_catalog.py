"""The view of the catalog desk (``/data/catalog``): the indicators the viewer may see, one indicator's
definition with its history of changes and what the viewer may change of it, the catalog file to export, and
the writes (an edit, a checked or applied import) through ``indicators.ingest.catalog_edits``.

The reads need ``data.view`` (checked here, before anything is read); the indicator list only holds what the
viewer's clearance shows (``queries.indicators``). Edits and imports are refused and audited by
``catalog_edits`` itself. Nothing here is cached beyond ``queries.indicators``: revisions are read fresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.accounts import audit
from indicators.accounts.access import require
from indicators.ingest.catalog_edits import (
    CatalogImport,
    catalog_csv,
    edit_indicator,
    import_catalog,
    may_change_sensitivity,
    revisions,
)
from indicators.views.queries import indicators


@dataclass(frozen=True)
class CatalogDeskView:
    """The indicators the viewer may see (``queries.indicators`` rows) and whether they may edit them."""

    indicators: pd.DataFrame
    editable: bool


@dataclass(frozen=True)
class IndicatorFormView:
    """One indicator's definition (None when it is unknown or not the viewer's to see), its changes (newest
    first), and whether the viewer may edit it and change its sensitivity."""

    row: dict | None
    history: pd.DataFrame
    editable: bool
    sensitivity_editable: bool


def catalog_desk_view() -> CatalogDeskView:
    """The catalog desk's list.

    Raises:
        AccessDenied: the viewer may not use the data desk.
    """
    viewer = require("data.view")
    return CatalogDeskView(indicators=indicators(), editable=viewer.may("catalog.edit"))


def indicator_row(code: str) -> dict | None:
    """An indicator's definition as a dict; None when it is unknown or above the viewer's clearance."""
    frame = indicators()
    match = frame[frame["code"] == code]
    return None if match.empty else match.iloc[0].to_dict()


def indicator_form_view(code: str) -> IndicatorFormView:
    """One indicator for the form.

    Raises:
        AccessDenied: the viewer may not use the data desk.
    """
    viewer = require("data.view")
    row = indicator_row(code)
    history = revisions(code) if row is not None else pd.DataFrame()
    return IndicatorFormView(row=row, history=history, editable=viewer.may("catalog.edit"),
                             sensitivity_editable=may_change_sensitivity(viewer))


def save_indicator(code: str, changes: dict, comment: str) -> list:
    """Apply an edit (validated, versioned, audited by ``catalog_edits.edit_indicator``).

    Returns:
        The changes made: (field, old, new).

    Raises:
        CatalogError: a value does not pass the catalog's rules.
        CatalogDenied, AccessDenied: the viewer may not make it (the refusal is audited).
    """
    return edit_indicator(code, changes, comment=comment)


def catalog_export() -> tuple[str, int]:
    """The catalog the viewer may see in the catalog file's format, and how many indicators it holds; the
    export is recorded in the audit log.

    Raises:
        AccessDenied: the viewer may not export.
    """
    require("data.export")
    codes = indicators()["code"].tolist()
    text = catalog_csv(codes)
    audit.record("export", target="catalog.csv", detail={"indicators": len(codes)})
    return text, len(codes)


def catalog_import(text: str, *, apply: bool) -> CatalogImport:
    """Check (``apply=False``) or apply a catalog file (``catalog_edits.import_catalog``, which refuses and
    audits what the viewer may not change)."""
    return import_catalog(text, apply=apply, comment="catalog import" if apply else "")

