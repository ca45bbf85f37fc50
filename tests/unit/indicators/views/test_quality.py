"""Data quality's rules on hand-made frames (status, gaps, outliers, due dates, the departments' score and rank),
and the page's builders without a browser."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from indicators.views.quality import (
    MIN_HISTORY,
    assess,
    gap_periods,
    history_outliers,
    missing_periods,
    newest_outliers,
    rank_departments,
    week_of,
)
from tests.helpers import text_of

TODAY = date(2025, 6, 30)  # a Monday: monthly May is due (20 June), June is not yet
CITY, NORTH, SOUTH = "C00", "D01", "D02"
FLAT = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 100.8, 99.1, 100.4, 99.7, 100.1]


def _meta(code: str, frequency: str, spatial_level: str, department: str, *, jan_feb_merged: bool = False,
          accumulation: str = "period", unit: str = "件", derived: str = "") -> dict:
    return {"code": code, "name_zh": f"指标{code}", "name_en": f"Indicator {code}", "department": department,
            "frequency": frequency, "spatial_level": spatial_level, "jan_feb_merged": jan_feb_merged,
            "accumulation": accumulation, "unit": unit, "derived": derived}


def _series(code: str, adcode: str, period: date, first: date, count: int, recent: list[float] | None = None) -> dict:
    return {"code": code, "adcode": adcode, "period": period, "first_period": first, "count": count,
            "recent": FLAT + [100.0] if recent is None else recent}


CATALOG = pd.DataFrame([
    _meta("ONTIME", "monthly", "city", "统计局"),
    _meta("LATE", "monthly", "city", "统计局"),
    _meta("BEHIND", "monthly", "district", "商务局"),
    _meta("HALF", "quarterly", "district", "商务局"),
    _meta("NEVER", "yearly", "city", "财政局"),
    _meta("DAILY", "daily", "city", "财政局"),
    _meta("ALLLATE", "monthly", "district", "农业局"),
])
LATEST = pd.DataFrame([
    _series("ONTIME", CITY, date(2025, 5, 1), date(2024, 6, 1), 12, FLAT + [1000.0]),
    _series("LATE", CITY, date(2025, 4, 1), date(2024, 1, 1), 14),  # 16 months from Jan 2024 to Apr 2025: 2 gaps
    _series("BEHIND", NORTH, date(2025, 5, 1), date(2024, 6, 1), 12),
    _series("BEHIND", SOUTH, date(2025, 4, 1), date(2024, 6, 1), 10),  # 1 gap
    _series("BEHIND", CITY, date(2025, 5, 1), date(2024, 6, 1), 12),  # the city row of a district indicator: ignored
    _series("HALF", NORTH, date(2025, 1, 1), date(2024, 1, 1), 5),
    _series("DAILY", CITY, date(2025, 6, 29), date(2025, 1, 1), 180),
    _series("ALLLATE", NORTH, date(2025, 4, 1), date(2024, 6, 1), 11),
    _series("ALLLATE", SOUTH, date(2025, 3, 1), date(2024, 6, 1), 10),
    _series("OTHER", CITY, date(2025, 5, 1), date(2024, 6, 1), 12),  # not in the viewer's catalog
])


def _assessed(today: date = TODAY) -> pd.DataFrame:
    return assess(CATALOG, LATEST, city_adcode=CITY, districts=[NORTH, SOUTH], today=today).set_index("code")


# ---- status, completeness, lateness ----------------------------------------------------------------------------

def test_every_indicator_gets_one_status_by_the_rules():
    frame = _assessed()
    assert frame["status"].to_dict() == {"ONTIME": "on_time", "LATE": "late", "BEHIND": "missing", "HALF": "missing",
                                         "NEVER": "never_loaded", "DAILY": "on_time", "ALLLATE": "late"}
    assert list(frame.index) == list(CATALOG["code"])  # one row per catalog indicator, in its order


def test_completeness_counts_the_expected_areas_that_reached_the_expected_period():
    frame = _assessed()
    assert frame.loc["ONTIME", ["areas", "areas_current", "completeness"]].tolist() == [1, 1, 1.0]
    assert frame.loc["BEHIND", ["areas", "areas_current", "completeness"]].tolist() == [2, 1, 0.5]
    # A district without any data is expected all the same.
    assert frame.loc["HALF", ["areas", "areas_current", "completeness"]].tolist() == [2, 1, 0.5]
    assert frame.loc["NEVER", "completeness"] == 0 and frame.loc["LATE", "completeness"] == 0


def test_late_says_by_how_many_periods_and_days():
    frame = _assessed()
    late = frame.loc["LATE"]
    # April is the newest; May was due on 20 June.
    assert (late["last_period"], late["overdue"], late["days_late"]) == (date(2025, 4, 1), 1, 10)
    # A district indicator is late when no district reached the expected period; the newest one counts.
    assert frame.loc["ALLLATE", ["last_period", "overdue", "days_late"]].tolist() == [date(2025, 4, 1), 1, 10]
    assert frame.loc["BEHIND", ["overdue", "days_late"]].tolist() == [0, 0]
    assert frame.loc["NEVER", ["last_period", "overdue", "next_due"]].tolist() == [None, -1, None]
    # Two months later every monthly series here is late, by more.
    later = _assessed(date(2025, 8, 25))
    assert later.loc["ONTIME", ["status", "overdue", "days_late"]].tolist() == ["late", 2, 36]  # June fell due 20 July
    assert later.loc["BEHIND", "status"] == "late"


# ---- gaps ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "newest", "count", "frequency", "gaps"), [
    (date(2024, 1, 1), date(2025, 4, 1), 16, "monthly", 0),
    (date(2024, 1, 1), date(2025, 4, 1), 14, "monthly", 2),
    (date(2024, 1, 1), date(2024, 10, 1), 3, "quarterly", 1),
    (date(2025, 6, 2), date(2025, 6, 30), 4, "weekly", 1),
    (date(2025, 6, 1), date(2025, 6, 30), 30, "daily", 0),
    (date(2019, 1, 1), date(2024, 1, 1), 5, "yearly", 1),
])
def test_missing_periods_between_first_and_newest(first, newest, count, frequency, gaps):
    assert missing_periods(first, newest, count, frequency) == gaps


def test_gaps_are_summed_over_the_expected_series():
    frame = _assessed()
    assert frame["gaps"].to_dict() == {"ONTIME": 0, "LATE": 2, "BEHIND": 1, "HALF": 0, "NEVER": 0, "DAILY": 0,
                                       "ALLLATE": 0}


def test_gap_periods_are_the_missing_ones_oldest_first():
    months = [date(2024, m, 1) for m in (1, 2, 5, 6, 9)]
    assert gap_periods(months, "monthly") == [date(2024, 3, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 8, 1)]
    assert gap_periods([date(2025, 1, 1), date(2025, 1, 2)], "daily") == []
    assert gap_periods([], "daily") == []


# ---- outliers --------------------------------------------------------------------------------------------------

def test_the_newest_value_is_an_outlier_far_from_the_median_of_those_before():
    spike, dip, normal, trend = FLAT + [1000.0], FLAT + [80.0], FLAT + [102.0], [float(v) for v in range(100, 112)]
    short = FLAT[:MIN_HISTORY - 1] + [1000.0]
    assert newest_outliers([spike, dip, normal, trend, short, []]).tolist() == [True, True, False, False, False, False]
    assert _assessed()["outliers"].to_dict()["ONTIME"] == 1 and _assessed()["outliers"].sum() == 1


def test_the_spread_has_a_floor_so_flat_or_rounded_series_do_not_flag_their_smallest_step():
    flat = [50.0] * 11
    assert newest_outliers([flat + [54.0], flat + [56.0]]).tolist() == [False, True]  # 2 % of 50 = 1, 5 × 1 = 5
    # A series of zeros has no spread at all: nothing is flagged rather than everything.
    assert newest_outliers([[0.0] * 11 + [1.0]]).tolist() == [False]


def test_history_outliers_judge_each_value_against_the_values_before_it():
    values = FLAT * 3
    values[20], values[5] = 500.0, -300.0
    flags, medians = history_outliers(values)
    assert np.flatnonzero(flags).tolist() == [20]  # the 6th value has only 5 before it
    assert 99 < medians[20] < 101 and np.isnan(medians[3])
    # The newest value gets the flag newest_outliers gives it.
    assert history_outliers(FLAT + [1000.0])[0][-1] and newest_outliers([FLAT + [1000.0]])[0]


# ---- due dates -------------------------------------------------------------------------------------------------

def test_the_week_runs_monday_to_sunday():
    assert week_of(date(2025, 7, 2)) == (date(2025, 6, 30), date(2025, 7, 6))
    assert week_of(date(2025, 7, 6)) == (date(2025, 6, 30), date(2025, 7, 6))
    assert week_of(date(2025, 6, 30)) == (date(2025, 6, 30), date(2025, 7, 6))


def test_next_due_is_the_due_date_of_the_period_after_the_newest():
    frame = _assessed()
    assert frame.loc["ONTIME", ["next_period", "next_due", "due_this_week"]].tolist() == [
        date(2025, 6, 1), date(2025, 7, 20), False]
    assert frame.loc["DAILY", ["next_period", "next_due", "due_this_week"]].tolist() == [
        date(2025, 6, 30), date(2025, 7, 1), True]
    assert frame.loc["HALF", "next_due"] == date(2025, 7, 30)  # Q2 ends 30 June, due 30 days later
    # In the week of 14–20 July the monthly June values fall due (still on time on the Friday).
    week = _assessed(date(2025, 7, 18))
    assert week.loc["ONTIME", ["status", "due_this_week"]].tolist() == ["on_time", True]
    assert not week.loc["DAILY", "due_this_week"]  # due 1 July: overdue, not due this week


# ---- departments ------------------------------------------------------------------------------------------------

def _indicator(department: str, status: str, areas: int = 1, current: int | None = None) -> dict:
    if current is None:
        current = areas if status == "on_time" else 0
    return {"department": department, "status": status, "areas": areas, "areas_current": current, "gaps": 1,
            "outliers": 0, "derived": ""}


def test_the_score_is_on_time_share_with_half_a_point_for_incomplete():
    assessed = pd.DataFrame([
        _indicator("甲", "on_time"), _indicator("甲", "on_time"),
        _indicator("乙", "on_time", 4), _indicator("乙", "missing", 4, 3),
        _indicator("丙", "on_time"), _indicator("丙", "late"),
        _indicator("丁", "never_loaded"),
        _indicator("戊", "on_time", 1),
    ])
    ranking = rank_departments(assessed).set_index("department")
    assert ranking["score"].to_dict() == {"甲": 100.0, "戊": 100.0, "乙": 75.0, "丙": 50.0, "丁": 0.0}
    assert ranking.loc["乙", ["indicators", "on_time", "missing", "late", "never_loaded"]].tolist() == [2, 1, 1, 0, 0]
    assert ranking.loc["乙", "completeness"] == 7 / 8 and ranking.loc["甲", "gaps"] == 2


def test_departments_rank_best_first_and_equal_scores_share_a_rank():
    assessed = pd.DataFrame([
        _indicator("甲", "on_time"), _indicator("乙", "on_time"), _indicator("丙", "on_time"), _indicator("丙", "late"),
        _indicator("丁", "never_loaded"),
    ])
    ranking = rank_departments(assessed)
    assert ranking["department"].tolist() == ["乙", "甲", "丙", "丁"]  # ties by name after completeness
    assert ranking["rank"].tolist() == [1, 1, 3, 4]
    # A department with late data ranks below one without.
    ranks = ranking.set_index("department")["rank"]
    assert ranks["丙"] > ranks["甲"]


def test_equal_scores_are_ranked_by_completeness_then_gaps_then_outliers():
    def indicator(department: str, *, current: int = 2, gaps: int = 0, outliers: int = 0) -> dict:
        return {"department": department, "status": "late", "areas": 2, "areas_current": current, "gaps": gaps,
                "outliers": outliers, "derived": ""}

    assessed = pd.DataFrame([
        indicator("甲", current=1), indicator("乙", gaps=3), indicator("丙", gaps=1), indicator("丁", gaps=1, outliers=1),
        indicator("戊", gaps=1),
    ])
    ranking = rank_departments(assessed)
    assert set(ranking["score"]) == {0.0}  # every department late: all tied on the score
    assert ranking["department"].tolist() == ["丙", "戊", "丁", "乙", "甲"]
    assert ranking["rank"].tolist() == [1, 1, 3, 4, 5]  # only 丙 and 戊 are equal on every criterion


# ---- the page's builders ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quality_page(dash_app):
    # Pages register themselves with the app, so they import only once it exists.
    from pages import data_quality

    return data_quality


@pytest.fixture(scope="module")
def quality_parts(dash_app):
    from pages import _data_quality_parts

    return _data_quality_parts


def test_filters_keep_only_known_values():
    from indicators.views import data_quality as quality_view

    assert quality_view.parse_filters({"department": "统计局", "status": "late", "other": "x"}, {"统计局"}) == {
        "department": "统计局", "status": "late"}
    assert quality_view.parse_filters({"department": "不存在", "status": "bad"}, {"统计局"}) == {}


def test_list_is_grouped_by_department_in_ranking_order_worst_first():
    from indicators.views import data_quality as quality_view

    assessed = _assessed().reset_index()
    ranking = rank_departments(assessed)
    ordered = quality_view.ordered(assessed, ranking)
    departments = ordered["department"].tolist()
    assert departments == sorted(departments, key=ranking["department"].tolist().index)
    within = ordered[ordered["department"] == "统计局"]["code"].tolist()
    assert within == ["LATE", "ONTIME"]
    late = quality_view.filtered(ordered, {"status": "late"})
    assert set(late["code"]) == {"LATE", "ALLLATE"}


def test_grid_rows_carry_sortable_values_and_their_texts(quality_parts):
    rows = {row["code"]: row for row in quality_parts.grid_rows(_assessed().reset_index(), "zh")}
    assert rows["LATE"]["last_period"] == "2025-04-01" and rows["LATE"]["last_period_text"] == "2025年4月"
    assert rows["LATE"]["days_late"] == 10 and rows["LATE"]["next_due_text"] == "2025年6月20日"
    assert rows["BEHIND"]["areas"] == "1/2" and rows["BEHIND"]["completeness"] == 50.0
    assert rows["NEVER"]["last_period"] is None and rows["NEVER"]["next_due_text"] == "—"
    english = {row["code"]: row for row in quality_parts.grid_rows(_assessed().reset_index(), "en")}
    assert english["LATE"]["last_period_text"] == "Apr 2025" and english["LATE"]["next_due_text"] == "20 Jun 2025"
    assert rows["ONTIME"]["department_text"] == "统计局" and rows["ONTIME"]["days_late"] == 0


def test_every_column_shows_its_value_and_long_texts_wrap(quality_parts):
    columns = {c["field"]: c for c in quality_parts.column_defs(city="xiamen", lang="zh")}
    # Counts show their 0 (迟报天数, 历史缺期): no formatter that blanks them.
    assert "valueFormatter" not in columns["days_late"] and "valueFormatter" not in columns["gaps"]
    assert "'0'" in columns["outliers"]["valueFormatter"]["function"]
    for field in ("days_late", "completeness", "areas", "gaps"):  # numbers right-aligned under their heads
        assert "ag-right-aligned-cell" in columns[field]["cellClass"], field
    for field in ("name", "department", "last_period", "next_due"):
        assert columns[field]["wrapText"] and columns[field]["autoHeight"], field
    assert columns["department"]["valueFormatter"] == {"function": "params.data.department_text"}


def test_ranking_table_links_each_department_to_its_filtered_list(quality_parts):
    ranking = rank_departments(_assessed().reset_index())
    table = quality_parts.ranking_table(ranking, city="xiamen", lang="zh", selected="商务局")
    text = text_of(table)
    assert "/data/quality?city=xiamen&lang=zh&department=%E5%95%86%E5%8A%A1%E5%B1%80" in text
    rows = table.children[1].children
    assert [row.className for row in rows].count("is-selected") == 1
    # The tie-breakers after the score are columns too: completeness, gaps, outliers.
    heads = [cell.children for cell in table.children[0].children.children]
    assert heads[-3:] == ["完整率", "历史缺期", "异常值"]
    first = ranking.iloc[0]
    assert [cell.children for cell in rows[0].children[-2:]] == [str(first["gaps"]), str(first["outliers"])]
    assert rows[0].to_plotly_json()["props"]["data-department"] == ranking["department"].iat[0]


def test_due_list_shows_the_week_and_counts_daily_indicators(quality_parts):
    assessed = _assessed(date(2025, 7, 18)).reset_index()
    text = text_of(quality_parts.due_list(assessed, today=date(2025, 7, 18), city="xiamen", lang="zh"))
    assert "指标ONTIME" in text and "7月20日" in text and "/indicator/ONTIME?city=xiamen" in text
    assert "已逾期" not in text
    today = text_of(quality_parts.due_list(_assessed().reset_index(), today=date(2025, 7, 1), city="xiamen", lang="en"))
    assert "Plus 1 daily indicators" in today and "Nothing else falls due" in today


def test_issues_panel_lists_gaps_and_outliers(quality_parts):
    issues = pd.DataFrame({"adcode": [NORTH, NORTH], "name_zh": ["北区", "北区"], "name_en": ["North", "North"],
                           "period": [date(2025, 3, 1), date(2024, 11, 1)], "kind": ["outlier", "gap"],
                           "value": [1000.0, np.nan], "median": [100.0, np.nan]})
    text = text_of(quality_parts.issues_panel("LATE", "指标LATE", "monthly", issues, city="xiamen", lang="zh"))
    assert "共 2 处" in text and "2025年3月" in text and "异常值" in text and "缺期" in text and "1,000" in text
    empty = text_of(quality_parts.issues_panel("LATE", "Indicator LATE", "monthly", issues.head(0), city="xiamen",
                                              lang="en"))
    assert "No gaps and no outliers" in empty and "/indicator/LATE?city=xiamen&lang=en" in empty


def test_exports_have_readable_headers_and_numbers(quality_parts):
    from pages._export import table_bytes

    assessed = _assessed().reset_index()
    ranking = quality_parts.ranking_export(rank_departments(assessed), "zh")
    assert list(ranking.columns[:4]) == ["名次", "责任单位", "得分", "指标"]
    listed = quality_parts.list_export(assessed, "en")
    assert listed.shape == (len(CATALOG), 13) and listed["Status"].tolist()[:2] == ["On time", "Late"]
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(listed, "xlsx"))).active
    rows = list(sheet.values)
    assert rows[0][0] == "Code" and rows[2][0] == "LATE" and rows[2][6] == 10  # days late stay a number


def test_a_store_that_is_down_gets_the_honest_notice(quality_page, dash_app):
    from indicators.accounts.access import Viewer
    from indicators.store import db
    from tests.helpers import request_context, run_callback

    with db.using("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1"), \
            request_context(dash_app.server, "/data/quality", Viewer("operator-q", "operator", "internal")):
        # nothing listens on port 1
        answer = run_callback(quality_page.fill_quality, None, filters={"department": None, "status": None},
                              args={"city": "xiamen", "lang": "en"})
    assert "Data temporarily unavailable" in text_of(answer["notice"]) and answer["rows"] == []
