"""The catalog page's builders without a browser: rows, columns, export, URL state, and the page on a demo store."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from indicators.store import db
from tests.conftest import DEMO_TODAY
from tests.helpers import request_context, run_callback, text_of


@pytest.fixture(scope="module")
def catalog(dash_app):
    # Pages register themselves with the app, so they import only once it exists.
    from pages import catalog

    return catalog


@pytest.fixture(scope="module")
def parts(catalog):
    from pages import _catalog_parts

    return _catalog_parts


@pytest.fixture(scope="module")
def view():
    from indicators.views import catalog

    return catalog


def _meta(code, name_zh, name_en, *, theme="economy", topics=(), sensitivity="public", frequency="monthly", unit="亿元",
          accumulation="period"):
    return {"code": code, "name_zh": name_zh, "name_en": name_en, "theme": theme, "topics": topics,
            "accumulation": accumulation, "jan_feb_merged": False,
            "department": "市统计局", "frequency": frequency, "sensitivity": sensitivity, "spatial_level": "city",
            "unit": unit, "definition": "…"}


CATALOG = pd.DataFrame([
    _meta("ECO-GDP-001", "地区生产总值", "Gross regional product (GDP)", frequency="quarterly"),
    _meta("ECO-CON-001", "社会消费品零售总额", "Retail sales", topics=("industry", "city_operation"), accumulation="ytd"),
    _meta("GOV-PET-001", "信访事项总量", "Petition matters", theme="governance", topics=("petition",),
          sensitivity="restricted", unit="件次"),
    _meta("ENV-AIR-001", "PM2.5 年均浓度", "PM2.5 annual mean", theme="environment", frequency="yearly", unit="μg/m³"),
])
SNAPSHOT = pd.DataFrame([
    {"code": "ECO-GDP-001", "period": date(2025, 1, 1), "value": 2_345_678.0, "level": "normal", "overdue": 0},
    {"code": "ECO-CON-001", "period": date(2025, 5, 1), "value": 241.13, "level": "orange", "overdue": 2},
    {"code": "GOV-PET-001", "period": date(2025, 5, 1), "value": 40.0, "level": "red", "overdue": 1},
])


@pytest.fixture
def merged(view):
    return view.merge_values(CATALOG, SNAPSHOT)


@pytest.mark.parametrize("query, state", [
    ({"theme": "economy", "q": "  GDP ", "city": "xiamen", "lang": "zh"}, {"q": "GDP", "theme": "economy"}),
    ({"theme": "sports", "level": "purple", "frequency": "minutely"}, {}),
    ({"level": "red", "department": "市统计局", "topic": "petition", "sensitivity": "restricted",
      "spatial_level": "district", "frequency": "daily"},
     {"topic": "petition", "department": "市统计局", "frequency": "daily", "sensitivity": "restricted",
      "spatial_level": "district", "level": "red"}),
    ({"q": "x" * 500, "theme": None}, {"q": "x" * 100}),
])
def test_url_state_keeps_known_values_only(parts, query, state):
    assert parts.parse_state(query) == state
    assert list(parts.parse_state(query)) == list(state)  # fixed order: equal states give equal URLs


def test_merge_keeps_catalog_order_and_adds_the_values(merged):
    assert merged["code"].tolist() == CATALOG["code"].tolist()
    rows = merged.set_index("code")
    assert rows.loc["ECO-CON-001", "value"] == 241.13 and rows.loc["ECO-CON-001", "level"] == "orange"
    assert rows.loc["ENV-AIR-001", "level"] == "nodata" and pd.isna(rows.loc["ENV-AIR-001", "value"])
    assert rows.loc["ENV-AIR-001", "period"] is None and rows.loc["ENV-AIR-001", "overdue"] == 0
    assert rows.loc["GOV-PET-001", "value"] == 40.0 and rows.loc["GOV-PET-001", "overdue"] == 1


def test_level_filter(view, merged):
    assert view.filter_level(merged, "orange")["code"].tolist() == ["ECO-CON-001"]
    assert view.filter_level(merged, "red")["code"].tolist() == ["GOV-PET-001"]
    assert view.filter_level(merged, "nodata")["code"].tolist() == ["ENV-AIR-001"]
    assert len(view.filter_level(merged, None)) == len(merged)


def test_rows_carry_formatted_texts_and_sort_keys(parts, merged):
    rows = {row["code"]: row for row in parts.grid_rows(merged, lang="zh")}
    gdp, retail, petition, air = (rows[c] for c in ("ECO-GDP-001", "ECO-CON-001", "GOV-PET-001", "ENV-AIR-001"))
    assert gdp["value"] == 2_345_678.0 and gdp["value_text"] == "234.57万" and gdp["period_text"] == "2025年一季度"
    # a year-to-date amount says the months it covers (累计), not its last month
    assert retail["period"] == "2025-05-01" and retail["period_text"] == "2025年1—5月" and retail["overdue"] == 2
    assert retail["topics"] == "工业经济、城市运行" and retail["theme"] == "economy"  # keys; refData names them
    assert petition["value"] == 40.0 and petition["value_text"] == "40" and petition["period_text"] == "2025年5月"
    assert air["value_text"] == "—" and air["period"] is None
    # Worst level sorts highest; no data sorts below normal.
    ranks = [r["level"] for r in (petition, retail, gdp, air)]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == 4
    english = {row["code"]: row for row in parts.grid_rows(merged, lang="en")}
    assert english["ECO-GDP-001"]["value_text"] == "2.35M" and english["ECO-CON-001"]["period_text"] == "Jan–May 2025"
    assert english["ECO-CON-001"]["topics"] == "Industrial economy, City operation"


def test_row_names_are_escaped_for_markdown_links(parts, view):
    frame = view.merge_values(pd.DataFrame([_meta("ECO-X-001", "指标 [试行] *新*", "A_b")]), SNAPSHOT)
    assert parts.grid_rows(frame, lang="zh")[0]["name"] == r"指标 \[试行\] \*新\*"
    assert parts.grid_rows(frame, lang="en")[0]["name"] == r"A\_b"


def test_columns_show_exactly_what_the_rows_carry(parts, merged):
    columns = parts.column_defs(city="ningde", lang="en")
    row = parts.grid_rows(merged, lang="en")[0]
    fields = [c["field"] for c in columns]
    # rowData is only the shown fields plus the texts their formatters show.
    assert set(row) == set(fields) | {"value_text", "period_text"}
    assert all(c["headerName"] and not c["headerName"].startswith("catalog_") for c in columns)
    by_field = {c["field"]: c for c in columns}
    for field in ("code", "name"):
        link = by_field[field]["valueGetter"]["function"]
        assert by_field[field]["cellRenderer"] == "markdown"
        assert '"/indicator/"' in link and "params.data.code" in link and '"?city=ningde&lang=en"' in link
    assert by_field["theme"]["refData"]["governance"] == "Social governance"
    assert by_field["department"]["refData"]["市统计局"] == "Municipal Bureau of Statistics"
    assert by_field["level"]["refData"][str(row["level"])] == "Normal"
    assert "late by " in by_field["overdue"]["valueFormatter"]["function"]
    chinese = {c["field"]: c for c in parts.column_defs(city="xiamen", lang="zh")}
    assert chinese["theme"]["headerName"] == "主题" and chinese["frequency"]["refData"]["quarterly"] == "季度"
    assert "refData" not in chinese["department"]  # the Chinese name is the key itself
    assert '"迟报 "' in chinese["overdue"]["valueFormatter"]["function"]


def test_export_is_the_filtered_list_in_csv_with_bom_and_xlsx(parts, merged):
    from pages._export import table_bytes

    table = parts.export_table(merged, "zh")
    data = table_bytes(table, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens the Chinese correctly
    read = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"代码": str})
    assert read.columns.tolist()[:3] == ["代码", "指标名称", "主题"] and len(read) == len(merged)
    rows = read.set_index("代码")
    assert rows.loc["ECO-CON-001", "最新值"] == 241.13 and rows.loc["ECO-CON-001", "时效"] == "迟报 2 期"
    assert rows.loc["ECO-CON-001", "专题"] == "工业经济、城市运行" and rows.loc["ECO-CON-001", "预警等级"] == "橙色"
    assert rows.loc["GOV-PET-001", "最新值"] == 40 and rows.loc["GOV-PET-001", "预警等级"] == "红色"
    assert rows.loc["GOV-PET-001", "敏感级别"] == "受限"

    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(table, "xlsx", sheet="指标目录")))["指标目录"]
    values = list(sheet.values)
    assert list(values[0]) == table.columns.tolist() and len(values) == len(merged) + 1
    assert values[2][0] == "ECO-CON-001" and values[2][8] == 241.13  # a number, not a text
    english = parts.export_table(merged, "en")
    assert english.columns[1] == "Indicator" and english.iloc[0, 1] == "Gross regional product (GDP)"
    assert english.iloc[1, -1] == "late by 2" and english.iloc[3, -2] == "No data"
    # 时效 is never blank: on time and no data are said, not left empty.
    assert english.iloc[0, -1] == "On time" and rows.loc["ECO-GDP-001", "时效"] == "按时"
    assert rows.loc["ENV-AIR-001", "时效"] == "未报送"


def test_the_freshness_cell_is_never_empty(parts):
    formatter = {c["field"]: c for c in parts.column_defs(city="xiamen", lang="zh")}["overdue"]["valueFormatter"]
    assert '"按时"' in formatter["function"] and '"未报送"' in formatter["function"]
    assert "''" not in formatter["function"]
    assert parts.freshness(0, date(2025, 1, 1), "en") == "On time" and parts.freshness(3, None, "zh") == "迟报 3 期"
    assert parts.freshness(0, None, "en") == "No data"


def test_count_says_how_many_of_all(parts):
    assert parts.count_text(540, 540, "zh") == "共 540 项指标"
    assert parts.count_text(14, 540, "en") == "14 of 540 indicators"


def test_layout_takes_its_filters_from_the_url(catalog, dash_app):
    with request_context(dash_app.server, "/catalog"):
        page = catalog.layout(city="ningde", lang="en", theme="environment", q="PM2.5", level="bogus")
    found = {}

    def walk(component):
        if getattr(component, "id", None):
            found[component.id] = component
        for child in getattr(component, "children", None) or []:
            if hasattr(child, "to_plotly_json"):
                walk(child)

    walk(page)
    assert found["catalog-theme"].value == "environment" and found["catalog-q"].value == "PM2.5"
    assert found["catalog-level"].value is None
    # Filters set by the URL show on a phone, not folded away.
    assert "is-open" in found["catalog-filters"].className and found["catalog-filters-toggle"].n_clicks == 1
    assert found["catalog-args"].data == {"city": "ningde", "lang": "en"}
    assert "Indicator catalog" in text_of(page) and "Ningde" in text_of(page)


def test_callbacks_say_data_unavailable_when_the_store_is_down(catalog, dash_app, uncached):
    db.use("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")  # nothing listens on port 1
    filters = {name: None for name in catalog.FILTERS}
    with request_context(dash_app.server, "/"):
        out = run_callback(catalog.fill_catalog, None, q="", filters=filters, args={"city": "xiamen", "lang": "zh"})
        assert out["rows"] == [] and "数据暂不可用" in text_of(out["status"])
        export = run_callback(catalog.export_catalog, "catalog-export-csv.n_clicks", csv=1, xlsx=None, q="",
                              filters=filters, args={"city": "xiamen", "lang": "en"})
    assert "Data temporarily unavailable" in text_of(export["status"])


@pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
def test_the_page_on_the_demo_store(parts, view, catalog, dash_app, use_demo_store, uncached):
    from indicators.views.queries import indicators, latest_snapshot

    meta = indicators()
    snapshot = latest_snapshot("350200", today=DEMO_TODAY)
    rows = parts.grid_rows(view.merge_values(meta, snapshot), lang="zh")
    assert len(rows) == len(meta) >= 500
    shown = {r["code"]: r["level"] for r in rows}
    expected = snapshot.set_index("code")["level"].map(parts.LEVEL_SORT)
    assert all(shown[code] == expected[code] for code in expected.index)
    assert set(meta["sensitivity"]) == {"public", "internal", "restricted"}  # the system sees every indicator

    filters = {name: None for name in catalog.FILTERS} | {"theme": "economy"}
    args = {"city": "xiamen", "lang": "zh"}
    with request_context(dash_app.server, "/"):
        first = run_callback(catalog.fill_catalog, None, q="GDP", filters=filters, args=args)
        changed = run_callback(catalog.fill_catalog, "catalog-theme.value", q="GDP", filters=filters, args=args)
        export = run_callback(catalog.export_catalog, "catalog-export-xlsx.n_clicks", csv=None, xlsx=1, q="GDP",
                              filters=filters, args=args)
    codes = [r["code"] for r in first["rows"]]
    assert codes and all(c in set(meta.loc[meta["theme"] == "economy", "code"]) for c in codes)
    assert first["count"] == f"{len(codes)} / {len(meta)} 项指标" and first["status"] is None
    assert first["search"] is catalog.dash.no_update  # the first call leaves the URL as it came
    assert changed["search"] == "?city=xiamen&lang=zh&q=GDP&theme=economy"
    assert export["file"]["filename"].endswith(".xlsx") and export["file"]["base64"]
