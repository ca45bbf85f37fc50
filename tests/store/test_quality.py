"""Data quality on the demo store (SQLite and PostgreSQL) and on small hand-made stores, and the page's
callbacks through signed-in clients (demo sign-in off): an operator gets the desk, a viewer the notice."""

from __future__ import annotations

import base64
import io
import json
from datetime import date

import dash
import pandas as pd
import pytest

from tests.support.dash_requests import multi_payload
from geo.cities import get_city
from indicators.accounts.access import AccessDenied, Viewer
from indicators.views.quality import (
    STATUSES,
    department_ranking,
    history_issues,
    indicator_quality,
)
from indicators.views.queries import indicators, latest_snapshot
from tests.conftest import DEMO_TODAY
from tests.helpers import request_context, text_of
from tests.store._mini import XIAMEN, create_mini_store, series_frame, write_series
from tests.web_clients import audit_rows, call

SIMING = "350203"
ANALYST = Viewer("analyst-q", "analyst", "internal")
RESTRICTED = "restricted"


# ---- the demo store ---------------------------------------------------------------------------------------------

def test_counts_add_up_to_the_indicators_the_viewer_sees(use_demo_store, uncached, dash_app):
    everything = indicator_quality("xiamen", DEMO_TODAY)
    assert len(everything) == len(indicators()) == everything["status"].value_counts().sum()
    assert set(everything["status"]) <= set(STATUSES)
    counts = everything["status"].value_counts()
    assert counts["on_time"] > 0.8 * len(everything) and counts["late"] > 0  # the demo has late departments
    ranking = department_ranking("xiamen", DEMO_TODAY)
    delivered = everything[everything["derived"] == ""]  # derived indicators are computed, not delivered
    assert 0 < len(everything) - len(delivered) < 20
    assert ranking["indicators"].sum() == len(delivered) == ranking[list(STATUSES)].to_numpy().sum()
    with request_context(dash_app.server, viewer=ANALYST):
        seen = indicator_quality("xiamen", DEMO_TODAY)
        visible = indicators()
        ranked = department_ranking("xiamen", DEMO_TODAY)
    assert len(seen) == len(visible) < len(everything) and set(seen["code"]) == set(visible["code"])
    assert not (visible["sensitivity"] == RESTRICTED).any()
    assert ranked["indicators"].sum() == len(seen[seen["derived"] == ""])


def test_a_district_operator_is_judged_on_their_district_only(use_demo_store, uncached, dash_app):
    operator = Viewer("operator-q", "operator", "internal", "xiamen", frozenset({SIMING}))
    with request_context(dash_app.server, viewer=operator):
        frame = indicator_quality("xiamen", DEMO_TODAY)
        with pytest.raises(AccessDenied):
            indicator_quality("ningde", DEMO_TODAY)
    assert set(frame.loc[frame["spatial_level"] == "district", "areas"]) == {1}
    assert set(frame.loc[frame["spatial_level"] == "city", "areas"]) == {1}


def test_a_viewer_may_not_use_the_desk(use_demo_store, uncached, dash_app):
    with request_context(dash_app.server, viewer=Viewer("viewer-q", "viewer", "public")):
        for read in (lambda: indicator_quality("xiamen", DEMO_TODAY), lambda: department_ranking("xiamen"),
                     lambda: history_issues("ECO-GDP-001", "xiamen")):
            with pytest.raises(AccessDenied):
                read()


def test_late_city_level_indicators_are_those_the_snapshot_calls_overdue(use_demo_store, uncached):
    frame = indicator_quality("ningde", DEMO_TODAY)
    snapshot = latest_snapshot(get_city("ningde").adcode, DEMO_TODAY).set_index("code")["overdue"]
    city_level = frame[frame["spatial_level"] == "city"].set_index("code")
    assert (city_level["status"] == "late").sum() > 0
    assert ((city_level["status"] == "late") == (snapshot.reindex(city_level.index) > 0)).all()
    assert (city_level.loc[city_level["status"] == "late", "days_late"] > 0).all()


def test_a_department_with_late_data_ranks_below_one_without(use_demo_store, uncached):
    ranking = department_ranking("xiamen", DEMO_TODAY).set_index("department")
    late = ranking[ranking["late"] > 0]
    clean = ranking[(ranking["late"] == 0) & (ranking["never_loaded"] == 0) & (ranking["missing"] == 0)]
    assert not late.empty and not clean.empty
    assert late["rank"].min() > clean["rank"].max()
    assert (clean["score"] == 100).all() and (late["score"] < 100).all()


def test_the_history_gaps_of_the_demo_are_the_ones_latest_counts(use_demo_store, uncached):
    frame = indicator_quality("xiamen", DEMO_TODAY).set_index("code")
    code = frame[frame["gaps"] > 0].index[0]
    issues = history_issues(code, "xiamen")
    assert (issues["kind"] == "gap").sum() == frame.loc[code, "gaps"]
    assert issues["period"].is_monotonic_decreasing


# ---- a small store with hand-made problems ----------------------------------------------------------------------

@pytest.fixture
def mini(store_url, uncached):
    """The mini catalog in Xiamen on 30 June 2025, each indicator with a known problem (or none)."""
    create_mini_store(store_url)
    districts = [d.adcode for d in XIAMEN.districts]
    industry = series_frame("ECO-IND-001", XIAMEN.adcode, [6.0 + 0.1 * (i % 3) for i in range(23)] + [60.0], "MS",
                            "2025-05-01")
    gaps = [date(2024, 3, 1), date(2024, 9, 1)]
    industry = industry[~industry["period"].isin(gaps)]
    entities = [series_frame("MKT-ENT-001", adcode, [900.0 + i for i in range(12)], "MS",
                             "2025-03-01" if adcode == districts[-1] else "2025-05-01") for adcode in districts]
    air = [series_frame("ENV-AIR-001", adcode, [24.0 + i % 5 for i in range(60)], "D", "2025-06-20")
           for adcode in districts]
    hotline = [series_frame("GOV-HOT-001", adcode, [92.0] * 12, "MS", "2025-05-01") for adcode in districts]
    write_series([industry, *entities, *air, *hotline])
    return {"gaps": gaps, "behind": districts[-1]}


def test_hand_made_gaps_outliers_lateness_and_missing_districts_are_found(mini):
    frame = indicator_quality("xiamen", date(2025, 6, 30)).set_index("code")
    assert frame["status"].to_dict() == {"ECO-POP-001": "never_loaded", "ECO-IND-001": "on_time",
                                         "MKT-ENT-001": "missing", "ENV-AIR-001": "late", "GOV-HOT-001": "on_time",
                                         "GOV-PET-001": "never_loaded"}
    industry = frame.loc["ECO-IND-001"]
    assert (industry["gaps"], industry["outliers"], industry["completeness"]) == (2, 1, 1.0)
    entities = frame.loc["MKT-ENT-001"]
    assert (entities["areas"], entities["areas_current"]) == (len(XIAMEN.districts), len(XIAMEN.districts) - 1)
    # Daily data up to 20 June: the 21st was due on the 22nd, and seven more days are due by the 30th.
    air = frame.loc["ENV-AIR-001"]
    assert (air["last_period"], air["overdue"], air["days_late"]) == (date(2025, 6, 20), 8, 8)
    assert frame.loc["GOV-HOT-001", ["gaps", "outliers"]].tolist() == [0, 0]


def test_history_issues_name_the_gap_periods_and_the_outlier(mini):
    issues = history_issues("ECO-IND-001", "xiamen")
    assert sorted(issues.loc[issues["kind"] == "gap", "period"]) == mini["gaps"]
    outliers = issues[issues["kind"] == "outlier"]
    assert outliers["period"].tolist() == [date(2025, 5, 1)] and outliers["value"].iat[0] == 60.0
    assert 6.0 <= outliers["median"].iat[0] <= 6.2 and set(issues["name_zh"]) == {"厦门市"}
    behind = history_issues("MKT-ENT-001", "xiamen")
    assert behind.empty  # behind is not a gap: nothing is missing inside its history


def test_late_departments_rank_below_punctual_ones(mini):
    ranking = department_ranking("xiamen", date(2025, 6, 30)).set_index("department")
    assert ranking.loc["市生态环境局", "rank"] > ranking.loc["市政务服务中心", "rank"] == 1
    assert ranking.loc["市市场监管局", "score"] == 50  # incomplete earns half a point
    assert ranking.loc["市统计局", ["score", "never_loaded"]].tolist() == [0, 1]


# ---- the page through signed-in clients --------------------------------------------------------------------------

FILL_OUTPUTS = [("quality-note", "children"), ("quality-summary", "children"), ("quality-ranking", "children"),
                ("quality-grid", "rowData"), ("quality-count", "children"), ("quality-due", "children"),
                ("quality-growth", "children"), ("quality-department", "options"),
                ("quality-url", "search"), ("quality-notice", "children")]


def fill_request(city: str = "xiamen", lang: str = "zh", department: str | None = None, status: str | None = None):
    return multi_payload(FILL_OUTPUTS,
                         [("quality-department", "value", department), ("quality-status", "value", status)],
                         [("quality-args", "data", {"city": city, "lang": lang})])


def export_request(button: str, city: str = "xiamen"):
    from pages.data_quality import EXPORTS

    body = multi_payload([("quality-download", "data"), ("quality-notice", "children")],
                         [(key, "n_clicks", 1 if key == button else None) for key in EXPORTS],
                         [("quality-department", "value", None), ("quality-status", "value", None),
                          ("quality-args", "data", {"city": city, "lang": "zh"})])
    body["changedPropIds"] = [f"{button}.n_clicks"]
    # The notice output allows duplicates: Dash names it with a hash suffix.
    body["output"] = next(key for key in dash.get_app().callback_map if key.startswith("..quality-download.data"))
    return body


def issues_request(code: str, city: str = "xiamen"):
    return multi_payload([("quality-issues", "children")], [("quality-grid", "cellClicked", {"rowId": code})],
                         [("quality-args", "data", {"city": city, "lang": "zh"})])


@pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
def test_an_operator_gets_the_desk_and_a_viewer_the_notice(site):
    operator, viewer = site.signed_in("operator"), site.signed_in("viewer")
    answer = call(operator, fill_request())
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    rows = response["quality-grid"]["rowData"]
    restricted = set(indicators().query("sensitivity == 'restricted'")["code"])
    assert len(rows) == len(indicators()) - len(restricted) and not restricted & {row["code"] for row in rows}
    assert "市统计局" in text_of(response["quality-ranking"]) and response["quality-notice"]["children"] is None
    # The page judges on the real today, long after the demo store's last day: everything is late.
    filtered = call(operator, fill_request(department="市统计局", status="late")).get_json()["response"]
    assert {(r["department"], r["status"]) for r in filtered["quality-grid"]["rowData"]} == {("市统计局", "late")}
    assert "department=%E5%B8%82%E7%BB%9F%E8%AE%A1%E5%B1%80&status=late" in filtered["quality-url"]["search"]

    refused = call(viewer, fill_request())
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "无权查看" in text
    assert refused.get_json()["response"]["quality-grid"]["rowData"] == [] and "ECO-GDP-001" not in text
    assert "无权查看" in call(viewer, issues_request("ECO-GDP-001")).get_data(as_text=True)
    issues = call(operator, issues_request("ECO-GDP-001")).get_data(as_text=True)
    assert "ECO-GDP-001" in issues and "indicator-link" in issues and "ECO-GDP-001?city=xiamen" in issues


@pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
def test_the_layout_refuses_a_viewer(use_demo_store, dash_app):
    from pages.data_quality import layout

    with request_context(dash_app.server, "/data/quality", viewer=Viewer("viewer-q", "viewer", "public")):
        refused = text_of(layout(city="xiamen", lang="zh"))
    with request_context(dash_app.server, "/data/quality", viewer=Viewer("operator-q", "operator", "internal")):
        shown = text_of(layout(city="xiamen", lang="zh", department="市统计局", status="late"))
    assert "无权查看" in refused and "quality-grid" not in refused and "data-tabs" not in refused
    assert "quality-grid" in shown and "data-tabs" in shown
    assert '"value": "市统计局"' in shown and '"value": "late"' in shown


@pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
def test_exports_are_audited_and_refused_without_the_desk(site):
    operator, viewer = site.signed_in("operator"), site.signed_in("viewer")
    call(operator, fill_request())  # the first request sets up the app's callback map
    answer = call(operator, export_request("quality-export-ranking-csv"))
    assert answer.status_code == 200
    data = base64.b64decode(answer.get_json()["response"]["quality-download"]["data"]["content"])
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("名次,责任单位,得分,指标,准时") and len(lines) > 20
    entries = audit_rows("export", "data-quality-ranking:xiamen")
    assert [e.user for e in entries][-1] == operator.username and json.loads(entries[-1].detail)["format"] == "csv"
    listed = call(operator, export_request("quality-export-list-xlsx")).get_json()["response"]
    workbook = pd.read_excel(io.BytesIO(base64.b64decode(listed["quality-download"]["data"]["content"])))
    assert workbook.columns[0] == "代码" and len(workbook) > 400

    refused = call(viewer, export_request("quality-export-list-csv"))
    assert "无权查看" in refused.get_data(as_text=True) and "quality-download" not in refused.get_json()["response"]
    assert viewer.username not in [e.user for e in audit_rows("export")]
