"""The evaluation (考核) view's pure parts: each alert judged against its deadlines, and the departments ranked with
ties broken by the next criterion."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd

from indicators.views.evaluation import RANKING_COLUMNS, Evaluation, judged, rank_departments

NOW = datetime(2025, 3, 10, 12, 0)


def _alert(opened, ack=None, resolved=None, ack_due=None, resolve_due=None) -> dict:
    return {"opened_at": opened, "acknowledged_at": ack, "resolved_at": resolved, "ack_due": ack_due,
            "resolve_due": resolve_due}


def test_each_alert_is_judged_against_its_deadlines():
    opened = NOW - timedelta(hours=30)
    frame = pd.DataFrame([
        # acknowledged in 30 min of a 1 h deadline, resolved in 20 h of 24 h: on time twice
        _alert(opened, opened + timedelta(minutes=30), opened + timedelta(hours=20),
               opened + timedelta(hours=1), opened + timedelta(hours=24)),
        # acknowledged late, never resolved and past its resolve deadline
        _alert(opened, opened + timedelta(hours=3), None, opened + timedelta(hours=1), opened + timedelta(hours=24)),
        # nothing done, no deadline yet passed (due tomorrow)
        _alert(NOW, None, None, NOW + timedelta(hours=1), NOW + timedelta(days=1)),
    ])
    rows = judged(frame, NOW).to_dict("records")
    assert [(r["ack_on_time"], r["resolve_on_time"], r["went_overdue"]) for r in rows] == [
        (True, True, False), (False, False, True), (False, False, False)]
    assert rows[0]["ack_minutes"] == 30 and rows[0]["resolve_hours"] == 20
    assert rows[1]["ack_minutes"] == 180 and math.isnan(rows[1]["resolve_hours"])
    assert math.isnan(rows[2]["ack_minutes"])


def _counts(*rows) -> pd.DataFrame:
    columns = ["department", "received", "acknowledged_on_time", "resolved_on_time", "overdue", "reopened",
               "median_ack_minutes", "median_resolve_hours", "on_time_rate"]
    return pd.DataFrame(rows, columns=columns)


def test_equal_shares_on_time_are_ranked_by_overdue_then_reopened_then_speed():
    ranking = rank_departments(_counts(
        ("市交通局", 4, 4, 4, 0, 0, 20.0, 5.0, 100.0),
        ("市水务局", 4, 4, 4, 0, 0, 20.0, 3.0, 100.0),  # resolves faster than 交通
        ("市信访局", 4, 2, 2, 2, 0, 30.0, 9.0, 50.0),
        ("市城管局", 4, 2, 2, 1, 1, 30.0, 9.0, 50.0),  # fewer overdue than 信访: ahead despite one reopened
        ("市环境局", 4, 2, 2, 1, 2, 30.0, 9.0, 50.0),  # as 城管 but reopened twice
    ))
    assert ranking["department"].tolist() == ["市水务局", "市交通局", "市城管局", "市环境局", "市信访局"]
    assert ranking["rank"].tolist() == [1, 2, 3, 4, 5]
    assert list(ranking.columns[:2]) == ["rank", "department"]


def test_only_departments_equal_on_every_criterion_share_a_rank_and_unknown_medians_rank_last():
    ranking = rank_departments(_counts(
        ("乙局", 2, 1, 1, 1, 0, 10.0, 2.0, 50.0),
        ("甲局", 2, 1, 1, 1, 0, 10.0, 2.0, 50.0),
        ("丙局", 2, 1, 0, 1, 0, 10.0, float("nan"), 50.0),  # nothing resolved yet: slower than any time
        ("丁局", 3, 3, 3, 0, 0, 5.0, 1.0, 100.0),
    ))
    assert ranking["department"].tolist() == ["丁局", "乙局", "甲局", "丙局"]
    assert ranking["rank"].tolist() == [1, 2, 2, 4]


def test_the_evaluation_is_a_frozen_dataclass_of_its_columns():
    result = Evaluation(NOW.date(), NOW.date(), pd.DataFrame(columns=RANKING_COLUMNS), pd.DataFrame())
    try:
        result.start = None  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("an Evaluation can be changed")
    assert RANKING_COLUMNS[:2] == ["rank", "department"]


def test_the_trend_by_month_and_by_week_and_which_one_a_period_reads_by():
    from datetime import date

    from indicators.views.evaluation import trend_by

    table = pd.DataFrame({"department": ["甲局", "甲局", "甲局", "乙局"],
                          "month": ["2025-03", "2025-03", "2025-04", "2025-03"],
                          "week": ["2025-03-24", "2025-03-31", "2025-03-31", "2025-03-24"],
                          "on_time": [2, 0, 1, 1]})
    monthly = trend_by(table, "month").set_index(["department", "month"])
    assert monthly.loc[("甲局", "2025-03"), "received"] == 2 and monthly.loc[("甲局", "2025-03"), "on_time_rate"] == 50.0
    assert monthly.loc[("乙局", "2025-03"), "on_time_rate"] == 50.0 and len(monthly) == 3
    weekly = trend_by(table, "week").set_index(["department", "week"])
    assert weekly.loc[("甲局", "2025-03-31"), "received"] == 2 and weekly.loc[("甲局", "2025-03-31"), "on_time_rate"] == 25.0
    empty = pd.DataFrame(columns=RANKING_COLUMNS)
    assert Evaluation(date(2025, 6, 1), date(2025, 6, 30), empty, empty).by_week
    assert not Evaluation(date(2025, 1, 1), date(2025, 12, 31), empty, empty).by_week
