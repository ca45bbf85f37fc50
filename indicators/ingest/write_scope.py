"""The write side of the one rule: what an actor may bring into the store, decided before any stored value is
read or compared, and what a reader may see of the reports such writes leave.

* A file (or a SQL source's rows) is read against the indicators within the actor's clearance and the areas
  within their write scope (``Viewer.writes_area``). A row that names an indicator or area beyond them is
  neither kept nor compared with the store: it is reported as *not permitted* (without echoing what it
  named), the file is rejected whole like any file with a bad row, and the refusal is audited.
* A stored report (``LoadReport.to_dict``) keeps the author's clearance and scope. A reader who sees at least
  as much reads it whole; anyone else reads the indicators and areas they may see and only counts of the
  rest ("3 rows hidden"), since a bad row's cells hold values of whatever it named.
* Texts of the catalog that name other indicators (a weighted mean's weight, a formula) name only those the
  reader may see; others become ``HIDDEN_CODE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from geo.cities import City
from indicators.accounts.access import Viewer, viewer_of_scope
from indicators.catalog.entries import Catalog
from indicators.ingest.importer import (
    UNKNOWN_AREA,
    UNKNOWN_INDICATOR,
    ParsedFile,
    RowError,
    area_lookup,
    read_observations,
)

NOT_PERMITTED = "无权操作(超出您的密级或范围) / not permitted (above your clearance or outside your scope)"
HIDDEN_CODE = "(受限指标 / restricted indicator)"
_CODE = re.compile(r"\b[A-Z]{3}-[A-Z0-9]{2,6}-\d{3}\b")


def visible_catalog(catalog: Catalog, viewer: Viewer) -> Catalog:
    """The indicators of ``catalog`` within the viewer's clearance."""
    if viewer.clearance == "restricted":
        return catalog
    return Catalog(tuple(entry for entry in catalog if viewer.sees_sensitivity(entry.sensitivity)), catalog.version)


def writable_areas(cities: Iterable[City], viewer: Viewer) -> dict[str, str]:
    """The names and adcodes a file of the viewer may use (``importer.area_lookup``), only for areas they may write."""
    return {name: adcode for name, adcode in area_lookup(list(cities)).items() if viewer.writes_area(adcode)}


def read_permitted(content: bytes, *, file_name: str, catalog: Catalog, cities: Sequence[City],
                   viewer: Viewer, **options) -> tuple[ParsedFile, int]:
    """Read a file as ``importer.read_observations`` does (``options``: its ``sheet`` and ``today``), keeping
    only what ``viewer`` may write.

    Returns:
        The parsed file, whose errors include one *not permitted* error per refused cell (its value left
        out), and how many rows were refused. Other problems of a refused row are left out too: they would
        only echo what the row named.
    """
    everything = area_lookup(list(cities))
    if viewer.sees_everything:
        return read_observations(content, file_name=file_name, catalog=catalog, areas=everything, **options), 0
    allowed = read_observations(content, file_name=file_name, catalog=visible_catalog(catalog, viewer),
                                areas=writable_areas(cities, viewer), **options)
    unknown = [e for e in allowed.errors if e.reason in (UNKNOWN_INDICATOR, UNKNOWN_AREA)]
    if not unknown and allowed.header_row is not None:
        return allowed, 0
    # What is unknown to the actor but known to the store was refused, not mistyped.
    known = read_observations(content, file_name=file_name, catalog=catalog, areas=everything, **options)
    if allowed.header_row is None and known.header_row is not None:
        # A table with areas as columns whose header names only areas the actor may not write.
        refusal = RowError(known.header_row, "", "", NOT_PERMITTED)
        return replace(known, observations=known.observations.iloc[0:0], errors=(refusal,)), 1
    # Rows are told apart by their sheet too: a workbook's sheets number their rows alike.
    really_unknown = {(e.sheet, e.row, e.column, e.value, e.reason) for e in known.errors}
    refused = {(e.sheet, e.row, e.column, e.value) for e in unknown
               if (e.sheet, e.row, e.column, e.value, e.reason) not in really_unknown}
    if not refused:
        return allowed, 0
    header = allowed.header_row
    refused_rows = {(sheet, row) for sheet, row, _, _ in refused if row != header}
    errors, marked = [], set()
    for error in allowed.errors:
        key = (error.sheet, error.row, error.column, error.value)
        if key in refused:
            if (error.sheet, error.row, error.column) not in marked:
                marked.add((error.sheet, error.row, error.column))
                errors.append(RowError(error.row, error.column, "", NOT_PERMITTED, error.sheet))
        elif (error.sheet, error.row) not in refused_rows:
            # In a table with areas as columns a refused area is a column: its cells are not read at all.
            errors.append(error)
    header_refusals = len({(s, c) for s, r, c, _ in refused if r == header})
    return replace(allowed, errors=tuple(errors)), len(refused_rows) + header_refusals


def check_batch(batch_id: int, viewer: Viewer) -> None:
    """Refuse (audited) to undo a load that touched any indicator or area the viewer may not write; only
    the keys the load touched are read for it, never a value.

    Raises:
        AccessDenied: some of it is beyond the viewer's clearance or write scope.
    """
    from sqlalchemy import select, union

    from indicators.accounts.audit import refuse
    from indicators.store import db
    from indicators.store.models import IndicatorDef, Observation, Revision

    if viewer.sees_everything:
        return
    touched = union(select(Observation.indicator_code, Observation.area_adcode).where(Observation.batch_id == batch_id),
                    select(Revision.indicator_code, Revision.area_adcode).where(Revision.batch_id == batch_id)).subquery()
    with db.connect() as conn:
        rows = conn.execute(select(touched.c[0], touched.c[1], IndicatorDef.sensitivity)
                            .join(IndicatorDef, IndicatorDef.code == touched.c[0], isouter=True)).all()
    refused = [(code, adcode) for code, adcode, sensitivity in rows
               if not (viewer.sees_sensitivity(sensitivity or "restricted") and viewer.writes_area(adcode))]
    if refused:
        raise refuse(f"load #{batch_id}", {"action": "data_undo", "series": len(refused)},
                     f"加载 #{batch_id} 涉及您无权操作的数据 / load #{batch_id} touched data beyond your clearance or "
                     "scope: not permitted")


def hide_codes(text: str, visible: set[str] | frozenset[str]) -> str:
    """``text`` with every indicator code not in ``visible`` replaced by ``HIDDEN_CODE``."""
    return _CODE.sub(lambda m: m.group(0) if m.group(0) in visible else HIDDEN_CODE, text)


def report_for(report: Mapping, viewer: Viewer, visible_codes: set[str]) -> tuple[dict, int]:
    """A stored load report as ``viewer`` may read it, and how many of its rows and entries were hidden.

    A report without the author's scope (older loads, the system's) is taken as written by someone who sees
    everything.
    """
    author = viewer_of_scope(report.get("scope") or {})
    shown = dict(report)
    codes = list(report.get("indicators", []))
    areas = list(report.get("areas", []))
    shown["indicators"] = [code for code in codes if code in visible_codes]
    shown["areas"] = [adcode for adcode in areas if viewer.sees_area(adcode)]
    hidden = len(codes) - len(shown["indicators"]) + len(areas) - len(shown["areas"])
    errors = list(report.get("errors", []))
    if errors and not viewer.covers(author):
        shown["errors"] = []
        hidden += len({error.get("row") for error in errors})
    return shown, hidden
