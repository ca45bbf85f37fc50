"""The catalog page's view: the indicators matching a search and metadata filters, each with the city's newest
value, period, warning level and overdue periods; and the same rows for an export, which the viewer's role
must allow (checked and audited here).

Every row comes from ``queries`` and so holds only indicators and areas the viewer may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.cities import get_city
from indicators.accounts import audit
from indicators.accounts.access import require
from indicators.views.cache import cached
from indicators.views.queries import indicators, latest_snapshot, search_catalog

# The catalog fields the grid and the export use.
CATALOG_COLUMNS = ["code", "name_zh", "name_en", "theme", "topics", "department", "frequency", "sensitivity",
                   "spatial_level", "unit", "accumulation", "jan_feb_merged"]
# The metadata filters of ``search_catalog``; ``level`` is applied to the merged rows.
METADATA_FILTERS = ("theme", "topic", "department", "frequency", "sensitivity", "spatial_level")


@dataclass(frozen=True)
class CatalogView:
    """The matching indicators and the size of the whole catalog the viewer sees.

    Attributes:
        rows: ``merge_values`` rows in code order.
        total: how many indicators the viewer sees with no filter.
    """

    rows: pd.DataFrame
    total: int


def merge_values(catalog: pd.DataFrame, snapshot: pd.DataFrame) -> pd.DataFrame:
    """Catalog rows with the area's newest value, period, level and overdue periods.

    Args:
        catalog: rows of ``queries.indicators`` / ``search_catalog``.
        snapshot: ``queries.latest_snapshot`` of the area.

    Returns:
        The catalog rows in their order, plus ``period``, ``value``, ``level`` (``nodata`` without data)
        and ``overdue``. Both come from the data layer, so they hold only indicators the viewer may see.
    """
    frame = catalog[CATALOG_COLUMNS].merge(snapshot[["code", "period", "value", "level", "overdue"]], on="code",
                                           how="left")
    frame["level"] = frame["level"].fillna("nodata")
    frame["value"] = frame["value"].astype(float)
    frame["period"] = frame["period"].astype(object).where(frame["period"].notna(), None)
    frame["overdue"] = frame["overdue"].fillna(0).astype(int)
    return frame


def filter_level(frame: pd.DataFrame, level: str | None) -> pd.DataFrame:
    """Rows at one warning level (all rows when none is given)."""
    return frame if not level else frame[frame["level"] == level].reset_index(drop=True)


def catalog_view(city_key: str, state: Mapping[str, str]) -> CatalogView:
    """The catalog rows matching a search state, with the city's (city-level) newest values.

    Args:
        city_key: the city whose city-level area gives the values.
        state: ``q`` (free text) and any of ``METADATA_FILTERS`` and ``level``, already validated.
    """
    return _catalog_view(city_key, tuple(sorted(state.items())))


@cached
def _catalog_view(city_key: str, state: tuple[tuple[str, str], ...]) -> CatalogView:
    chosen = dict(state)
    catalog = search_catalog(chosen.get("q", ""), **{name: chosen.get(name) for name in METADATA_FILTERS})
    snapshot = latest_snapshot(get_city(city_key).adcode)
    return CatalogView(rows=filter_level(merge_values(catalog, snapshot), chosen.get("level")),
                       total=len(indicators()))


def catalog_export(city_key: str, state: Mapping[str, str], kind: str) -> pd.DataFrame:
    """The rows of ``catalog_view`` for an export file, recorded in the audit trail.

    Raises:
        AccessDenied: the viewer's role may not export data.
    """
    require("data.export")
    frame = catalog_view(city_key, state).rows
    audit.record("export", target=f"catalog:{city_key}", detail={"format": kind, "rows": len(frame),
                                                                 "filters": dict(state)})
    return frame
