"""The departments' evaluation (考核) over a period: for the alerts routed to each department and opened in the
period — how many it received, acknowledged on time, resolved on time, how many went overdue, how many were
reopened (the same series and rule alerting again after an earlier alert was resolved), and the median times to
acknowledge and to resolve — ranked by the share handled on time, with a monthly trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import select

from indicators.accounts.access import require
from indicators.store.models import Alert
from indicators.views.handling import with_handling
from indicators.views.queries import alerts, read_frame

RANKING_COLUMNS = ["rank", "department", "received", "acknowledged_on_time", "resolved_on_time", "overdue",
                   "reopened", "median_ack_minutes", "median_resolve_hours", "on_time_rate"]


# The ranking's criteria, most important first, and which way is better: equal shares handled on time are told
# apart by fewer overdue, then fewer reopened, then faster resolution and acknowledgement, then more alerts handled,
# then more acknowledged on time: departments equal on all of them show the same figures.
RANK_ORDER = {"on_time_rate": "descending", "overdue": "ascending", "reopened": "ascending",
              "median_resolve_hours": "ascending", "median_ack_minutes": "ascending", "received": "descending",
              "acknowledged_on_time": "descending"}


# Periods shorter than this are drawn week by week, longer ones month by month.
WEEKLY_UP_TO_DAYS = 62
TREND_COLUMNS = ["department", "month", "received", "on_time_rate"]
WEEKLY_COLUMNS = ["department", "week", "received", "on_time_rate"]


@dataclass(frozen=True)
class Evaluation:
    """One city's evaluation over ``start``–``end`` (both days included)."""

    start: date
    end: date
    ranking: pd.DataFrame  # RANKING_COLUMNS, best first
    trend: pd.DataFrame  # department, month, received, on_time_rate
    weekly: pd.DataFrame | None = None  # department, week (its Monday, ISO), received, on_time_rate

    @property
    def by_week(self) -> bool:
        """Whether the trend reads better week by week: a period of up to two months has one or two months."""
        return (self.end - self.start).days < WEEKLY_UP_TO_DAYS


def _moment(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def judged(frame: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Each alert (rows of ``with_handling``) judged: acknowledged on time, resolved on time, went overdue, the
    minutes to acknowledge and hours to resolve (NaN while not done)."""
    now_ts = pd.Timestamp(now)
    rows = []
    for r in frame.to_dict("records"):
        opened, ack, resolved = _moment(r["opened_at"]), _moment(r["acknowledged_at"]), _moment(r["resolved_at"])
        ack_due, resolve_due = _moment(r["ack_due"]), _moment(r["resolve_due"])
        ack_on_time = ack is not None and (ack_due is None or ack <= ack_due)
        resolve_on_time = resolved is not None and (resolve_due is None or resolved <= resolve_due)
        late_ack = ack_due is not None and ((ack or now_ts) > ack_due)
        late_resolve = resolve_due is not None and ((resolved or now_ts) > resolve_due)
        rows.append({"ack_on_time": ack_on_time, "resolve_on_time": resolve_on_time,
                     "went_overdue": late_ack or late_resolve,
                     "ack_minutes": (ack - opened).total_seconds() / 60 if ack is not None else float("nan"),
                     "resolve_hours": (resolved - opened).total_seconds() / 3600 if resolved is not None
                     else float("nan")})
    return pd.concat([frame.reset_index(drop=True), pd.DataFrame(rows, index=range(len(frame)))], axis=1)


def rank_departments(counts: pd.DataFrame) -> pd.DataFrame:
    """The departments best first by ``RANK_ORDER`` (a median not known yet — nothing acknowledged or resolved —
    counts as the slowest); only departments equal on every criterion share a rank (1 = best).

    Args:
        counts: one row per department with ``department`` and the columns of ``RANK_ORDER``.

    Returns:
        ``counts`` in ranking order with ``rank`` first.
    """
    keys = list(RANK_ORDER)
    ascending = [RANK_ORDER[key] == "ascending" for key in keys]
    frame = counts.sort_values([*keys, "department"], ascending=[*ascending, True], na_position="last",
                               kind="mergesort").reset_index(drop=True)
    # A department's rank is one more than the number of departments ahead of it on the criteria.
    compared = frame[keys].astype(float).fillna(float("inf"))
    differs = compared.ne(compared.shift()).any(axis=1)
    frame.insert(0, "rank", pd.Series(frame.index + 1).where(differs).ffill().astype(int))
    return frame


def evaluation(city_key: str, start: date, end: date, now: datetime | None = None) -> Evaluation:
    """The evaluation of the departments of ``city_key`` over ``start``–``end`` (alerts the viewer may see).

    Raises:
        AccessDenied: the viewer may not view data (a viewer), or the city is outside their scope.
        ValueError: ``start`` after ``end``.
    """
    require("data.view")
    if start > end:
        raise ValueError("the period's start is after its end")
    now = now or datetime.now()
    frame = alerts(city_key, state=None)
    opened = pd.to_datetime(frame["opened_at"])
    frame = frame[(opened >= pd.Timestamp(datetime.combine(start, time.min)))
                  & (opened <= pd.Timestamp(datetime.combine(end, time.max)))]
    if frame.empty:
        return Evaluation(start, end, pd.DataFrame(columns=RANKING_COLUMNS), pd.DataFrame(columns=TREND_COLUMNS),
                          pd.DataFrame(columns=WEEKLY_COLUMNS))
    earlier = read_frame(select(Alert.id, Alert.indicator_code, Alert.area_adcode, Alert.rule)
                         .where(Alert.state.in_(("resolved", "closed"))))
    first_resolved = earlier.groupby(["indicator_code", "area_adcode", "rule"])["id"].min()
    table = judged(with_handling(frame, now), now)
    keys = list(zip(table["indicator_code"], table["area_adcode"], table["rule"]))
    table["reopened"] = [k in first_resolved.index and first_resolved[k] < i for k, i in zip(keys, table["id"])]
    table["on_time"] = table["ack_on_time"].astype(int) + table["resolve_on_time"].astype(int)
    grouped = table.groupby("department")
    ranking = pd.DataFrame({
        "received": grouped.size(),
        "acknowledged_on_time": grouped["ack_on_time"].sum().astype(int),
        "resolved_on_time": grouped["resolve_on_time"].sum().astype(int),
        "overdue": grouped["went_overdue"].sum().astype(int),
        "reopened": grouped["reopened"].sum().astype(int),
        "median_ack_minutes": grouped["ack_minutes"].median().round(0),
        "median_resolve_hours": grouped["resolve_hours"].median().round(1),
        "on_time_rate": (grouped["on_time"].sum() / (2 * grouped.size()) * 100).round(1),
    }).reset_index()
    ranking = rank_departments(ranking)
    opened_at = pd.to_datetime(table["opened_at"])
    table["month"] = opened_at.dt.strftime("%Y-%m")
    table["week"] = (opened_at.dt.normalize() - pd.to_timedelta(opened_at.dt.weekday, unit="D")).dt.strftime("%Y-%m-%d")
    return Evaluation(start, end, ranking[RANKING_COLUMNS].reset_index(drop=True), trend_by(table, "month"),
                      trend_by(table, "week"))


def trend_by(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per department and ``column`` (month or week): alerts received and the share handled on time (%)."""
    grouped = table.groupby(["department", column])
    return pd.DataFrame({"received": grouped.size(),
                         "on_time_rate": (grouped["on_time"].sum() / (2 * grouped.size()) * 100).round(1)}).reset_index()
