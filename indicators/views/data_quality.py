"""The view of the data-quality desk (``/data/quality``): everything the page shows for a city, its filters
and a day, as one dataclass, read through the cached rules of ``indicators.views.quality``.

The access rule is checked here, before anything is read: the viewer needs ``data.view`` and the city in
their scope (``quality.indicator_quality``), and ``data.export`` for a download. The reads below are cached
as data; the views only select and order them, so they are not cached themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.accounts import audit
from indicators.accounts.access import require
from indicators.views.quality import (
    STATUSES,
    growth_mismatches,
    history_issues,
    indicator_quality,
    rank_departments,
)
from indicators.views.queries import indicators

FILTERS = ("department", "status")
WORST_FIRST = tuple(reversed(STATUSES))


@dataclass(frozen=True)
class QualityView:
    """A city's data quality on ``today`` for the filters.

    Attributes:
        city: the city key.
        today: the day judged on.
        filters: the filters kept (unknown values dropped), in ``FILTERS`` order.
        departments: every department of the viewer's indicators, sorted (the department filter's choices).
        assessed: every indicator (``quality.assess`` rows).
        ranking: the departments ranked, best first (``quality.rank_departments``).
        department: the indicators of the filtered department (all without one): the figures and the week.
        listed: the indicators of the filtered department and status, grouped by department in ranking order.
        growth: the growth rates that disagree with their levels (``quality.growth_mismatches``).
        tolerance: the gap between a growth rate and its level's growth allowed, in percentage points.
        names_zh, names_en, frequencies: indicator code → its names and frequency (for the growth panel).
    """

    city: str
    today: date
    filters: dict[str, str]
    departments: list[str]
    assessed: pd.DataFrame
    ranking: pd.DataFrame
    department: pd.DataFrame
    listed: pd.DataFrame
    growth: pd.DataFrame
    tolerance: float
    names_zh: dict[str, str]
    names_en: dict[str, str]
    frequencies: dict[str, str]


@dataclass(frozen=True)
class IssuesView:
    """One indicator's gaps and outliers over its history in a city."""

    code: str
    name_zh: str
    name_en: str
    frequency: str
    issues: pd.DataFrame


def parse_filters(query: Mapping[str, str | None], departments: set[str]) -> dict[str, str]:
    """The filters of a URL query or of the controls; unknown values are dropped.

    Args:
        query: ``department`` and ``status``; other keys are ignored.
        departments: the departments the viewer's indicators belong to.

    Returns:
        Only the filters that are set, in ``FILTERS`` order (so equal filters give equal URLs).
    """
    allowed = {"department": departments, "status": set(STATUSES)}
    return {name: query[name] for name in FILTERS if query.get(name) in allowed[name]}


def ordered(assessed: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """The indicators grouped by department in ranking order, worst status first within each."""
    position = {name: i for i, name in enumerate(ranking["department"])}
    severity = {status: i for i, status in enumerate(WORST_FIRST)}
    keys = pd.DataFrame({"department": assessed["department"].map(position),
                         "status": assessed["status"].map(severity), "late": -assessed["days_late"],
                         "code": assessed["code"]})
    return assessed.loc[keys.sort_values(["department", "status", "late", "code"]).index].reset_index(drop=True)


def filtered(assessed: pd.DataFrame, filters: Mapping[str, str]) -> pd.DataFrame:
    """The indicators of the filtered department and status."""
    mask = pd.Series(True, index=assessed.index)
    for name in FILTERS:
        if filters.get(name):
            mask &= assessed[name] == filters[name]
    return assessed[mask].reset_index(drop=True)


def _listed(city: str, filters: Mapping[str, str], today: date) -> tuple:
    assessed = indicator_quality(city, today)  # the access check: data.view and the city's scope
    ranking = rank_departments(assessed)
    departments = sorted(set(indicators()["department"]))
    kept = parse_filters(filters, set(departments))
    return assessed, ranking, departments, kept, filtered(ordered(assessed, ranking), kept)


def quality_view(city: str, filters: Mapping[str, str], *, tolerance: float, today: date | None = None) -> QualityView:
    """Everything the data-quality page shows.

    Args:
        city: the city key.
        filters: ``department`` and ``status`` (unknown values are dropped).
        tolerance: the growth-rate gap allowed, in percentage points.
        today: the day judged on (today by default).

    Raises:
        AccessDenied: the viewer may not use the data desk, or the city is outside their scope.
    """
    today = today or date.today()
    assessed, ranking, departments, kept, listed = _listed(city, filters, today)
    catalog = indicators().set_index("code")
    return QualityView(city=city, today=today, filters=kept, departments=departments, assessed=assessed,
                       ranking=ranking, department=filtered(assessed, {"department": kept.get("department")}),
                       listed=listed, growth=growth_mismatches(city, tolerance), tolerance=tolerance,
                       names_zh=catalog["name_zh"].to_dict(), names_en=catalog["name_en"].to_dict(),
                       frequencies=catalog["frequency"].to_dict())


def issues_view(code: str, city: str) -> IssuesView:
    """The history issues of one indicator of the city.

    Raises:
        AccessDenied: the viewer may not use the data desk, or the indicator or city is not theirs to see.
    """
    issues = history_issues(code, city)
    meta = indicators().set_index("code").loc[code]
    return IssuesView(code=code, name_zh=meta["name_zh"], name_en=meta["name_en"], frequency=meta["frequency"],
                      issues=issues)


def quality_export(city: str, what: str, kind: str, filters: Mapping[str, str],
                   today: date | None = None) -> pd.DataFrame:
    """The rows of a download — the department ranking (``what="ranking"``) or the filtered list — recorded in
    the audit log with their format and count.

    Raises:
        AccessDenied: the viewer may not export, or may not use the data desk.
    """
    require("data.export")
    today = today or date.today()
    if what == "ranking":
        rows = rank_departments(indicator_quality(city, today))
    else:
        rows = _listed(city, filters, today)[-1]
    audit.record("export", target=f"data-quality-{what}:{city}",
                 detail={"format": kind, "rows": len(rows), "filters": dict(filters)})
    return rows
