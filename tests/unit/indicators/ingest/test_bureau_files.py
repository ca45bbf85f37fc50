"""Tests for reading the files statistics bureaus send (统计月报): cumulative period labels, year-to-date and
single-period values side by side, growth columns, units, headers merged over several rows, several sheets,
the same tables as GBK CSV, and the errors of bad variants (row, column, reason)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from geo.cities import City, District
from indicators.catalog.entries import parse_catalog
from indicators.ingest.importer import (
    FUTURE,
    JAN_MERGED,
    NO_CITY,
    NO_VALUES,
    NO_YEAR,
    NOT_CUMULATIVE,
    YTD_SINGLE,
    RowError,
    area_lookup,
    parse_period,
    read_observations,
)
from indicators.ingest.labels import PeriodError, Span, parse_span, place, unit_factor

HEADER = ("code,name_zh,name_en,theme,topics,unit,frequency,direction,department,source,spatial_level,aggregation,"
          "accumulation,jan_feb_merged,derived,growth_of,min_value,max_value,typical,definition")
ROWS = """\
ECO-IND-001,规模以上工业增加值,Industrial value added,economy,industry,亿元,monthly,up,统计局,统计月报,district,sum,ytd,true,,,0,100000,100,规模以上工业增加值
ECO-IND-002,规模以上工业增加值增速,Industrial growth,economy,industry,%,monthly,up,统计局,统计月报,district,none,ytd,true,,ECO-IND-001,-100,1000,5,可比价增速
ECO-CON-001,社会消费品零售总额,Retail sales,economy,,亿元,monthly,up,统计局,统计月报,district,sum,ytd,true,,,0,100000,100,社零
ECO-INV-001,固定资产投资（不含农户）增速,Investment growth,economy,,%,monthly,up,统计局,统计月报,district,none,ytd,true,,,-100,1000,5,投资增速
ECO-ELE-001,全社会用电量,Electricity use,economy,,亿千瓦时,monthly,up,统计局,统计月报,district,sum,ytd,false,,,0,100000,30,用电量
ECO-TRD-001,进出口总额,Trade,economy,,亿元,monthly,up,统计局,统计月报,district,sum,ytd,true,ECO-TRD-002 + ECO-TRD-003,,0,100000,100,进出口
ECO-TRD-002,出口总额,Exports,economy,,亿元,monthly,up,统计局,统计月报,district,sum,ytd,true,,,0,100000,60,出口
ECO-TRD-003,进口总额,Imports,economy,,亿元,monthly,up,统计局,统计月报,district,sum,ytd,true,,,0,100000,40,进口
ECO-GDP-001,地区生产总值,GDP,economy,,亿元,quarterly,up,统计局,季度核算,district,sum,ytd,false,,,0,1000000,1000,GDP
ECO-GDP-002,地区生产总值增长率（可比价）,GDP growth,economy,,%,quarterly,up,统计局,季度核算,city,none,ytd,false,,ECO-GDP-001,-50,50,5,GDP增速
ECO-FIN-001,金融机构本外币贷款余额,Loans,economy,,亿元,monthly,up,人民银行,金融统计,city,none,stock,false,,,0,1000000,10000,月末余额
ECO-CPI-001,居民消费价格指数,CPI,economy,,上年同月=100,monthly,neutral,统计局,价格统计,city,none,period,false,,,50,200,102,CPI
GOV-HOT-001,12345热线受理量,Hotline calls,governance,,件,monthly,down,热线中心,热线系统,district,sum,period,false,,,0,10000000,1000,受理量
GOV-PAS-001,客运量,Passengers,governance,,万人次,quarterly,up,交通局,交通统计,district,sum,period,false,,,0,100000,100,客运量
"""
CATALOG = parse_catalog(f"{HEADER}\n{ROWS}")


def _district(adcode: str, name_zh: str) -> District:
    return District(adcode=adcode, name_zh=name_zh, name_en=name_zh, population=100000)


def _city(adcode: str, name_zh: str, districts: tuple[District, ...]) -> City:
    return City(key=adcode, adcode=adcode, name_zh=name_zh, name_en=name_zh, short_zh=name_zh.removesuffix("市"),
                boundaries=f"{adcode}.geojson", center=(0.0, 0.0), zoom=9, demo=False, districts=districts)


XIAMEN = _city("350200", "厦门市", (_district("350203", "思明区"), _district("350206", "湖里区")))
NINGDE = _city("350900", "宁德市", (_district("350902", "蕉城区"),))
AREAS = area_lookup(XIAMEN)
TODAY = date(2024, 11, 20)


def _read(source, *, areas=AREAS, today=TODAY, **options):
    return read_observations(source, catalog=CATALOG, areas=areas, today=today, **options)


def _values(parsed) -> list[tuple]:
    """The kept values as (code, adcode, period, value, row, sheet, measure)."""
    return list(parsed.observations.itertuples(index=False, name=None))


def _xlsx(sheets: dict[str, tuple[list[list[object]], list[str]]]) -> bytes:
    """A workbook of named sheets, each with its rows and merged ranges."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (rows, merges) in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[object]], encoding: str = "gbk") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# ---------------------------------------------------------------- period labels


@pytest.mark.parametrize(("text", "year", "first", "last", "ranged"), [
    ("2024年1-2月", 2024, 1, 2, True), ("2024年1—2月", 2024, 1, 2, True), ("2024年1–2月", 2024, 1, 2, True),
    ("2024年1～2月", 2024, 1, 2, True), ("2024年1至2月", 2024, 1, 2, True), ("2024年1月—2月", 2024, 1, 2, True),
    ("1-3月", None, 1, 3, True), ("1——10月份", None, 1, 10, True), ("2024年1-11月", 2024, 1, 11, True),
    ("2024年上半年", 2024, 1, 6, True), ("下半年", None, 7, 12, True), ("前三季度", None, 1, 9, True),
    ("2024年一至三季度", 2024, 1, 9, True), ("1—12月", None, 1, 12, True), ("全年", None, 1, 12, True),
    ("一季度", None, 1, 3, False), ("第一季度", None, 1, 3, False), ("2024年二季度", 2024, 4, 6, False),
    ("3月", None, 3, 3, False), ("十二月", None, 12, 12, False), ("2024年3月", 2024, 3, 3, False),
    ("2024-03", 2024, 3, 3, False), ("202403", 2024, 3, 3, False), ("2024Q1", 2024, 1, 3, False),
])
def test_period_labels_of_statistics_bureaus(text, year, first, last, ranged):
    span = parse_span(text)
    assert (span.year, span.first, span.last, span.ranged) == (year, first, last, ranged)


@pytest.mark.parametrize(("text", "reason"), [
    ("2023-02-30", "2023-02-30：2月只有28天 / 2023-02-30: February has 28 days"),
    ("2024-02-30", "2024-02-30：2月只有29天 / 2024-02-30: February has 29 days"),
    ("2024年4月31日", "2024-04-31：4月只有30天 / 2024-04-31: April has 30 days"),
    ("2024年13月", "没有13月 / there is no month 13"),
    ("2024年10-3月", "2024年10-3月：起始晚于终止 / 2024年10-3月: the range ends before it starts"),
])
def test_an_impossible_period_names_why(text, reason):
    with pytest.raises(PeriodError) as raised:
        parse_span(text)
    assert raised.value.reason == reason


def test_parse_period_still_reads_single_periods_only():
    assert parse_period("2024年3月") == (date(2024, 3, 1), "monthly")
    for text in ("2024年1-3月", "2024年上半年", "1-3月", "3月"):
        with pytest.raises(ValueError):
            parse_period(text)


# (label, indicator) → (stored period, written as cumulative, spans one period) or the error's English half.
PLACES = [
    ("2024年1-2月", "ECO-IND-001", (date(2024, 2, 1), True, True)),    # 1—2月 of a Jan+Feb indicator
    ("2024年2月", "ECO-IND-001", (date(2024, 2, 1), False, True)),
    ("2024年1-10月", "ECO-IND-001", (date(2024, 10, 1), True, False)),
    ("2024年上半年", "ECO-IND-001", (date(2024, 6, 1), True, False)),
    ("2024年前三季度", "ECO-GDP-001", (date(2024, 7, 1), True, False)),
    ("2024年上半年", "ECO-GDP-001", (date(2024, 4, 1), True, False)),
    ("2024年1-6月", "ECO-GDP-001", (date(2024, 4, 1), True, False)),
    ("2024年1-3月", "GOV-PAS-001", (date(2024, 1, 1), True, True)),      # one quarter, written as months
    ("2024年4-6月", "GOV-PAS-001", (date(2024, 4, 1), True, True)),
    ("2024年二季度", "GOV-PAS-001", (date(2024, 4, 1), False, True)),
    ("2024年1-2月", "GOV-HOT-001", (date(2024, 2, 1), True, False)),     # two months of a monthly one
    ("2024年1-12月", "GOV-HOT-001", (date(2024, 12, 1), True, False)),
    ("2024年3月", "ECO-GDP-001", "frequency quarterly"),
    ("2024年1-2月", "GOV-PAS-001", "frequency quarterly"),
    ("2024年二季度", "GOV-HOT-001", "frequency monthly"),
    ("2024年一季度", "GOV-HOT-001", "frequency monthly"),                # a quarter, not 1—3月
    ("2024年", "GOV-HOT-001", "frequency monthly"),
    ("2024年3-5月", "GOV-HOT-001", "frequency monthly"),
]


@pytest.mark.parametrize(("text", "code", "expected"), PLACES)
def test_where_a_labelled_value_goes_for_each_kind_of_indicator(text, code, expected):
    if isinstance(expected, str):
        with pytest.raises(PeriodError, match=expected):
            place(parse_span(text), None, CATALOG[code])
    else:
        placed = place(parse_span(text), None, CATALOG[code])
        assert (placed.period, placed.cumulative, placed.whole) == expected


def test_a_measure_column_moves_the_titles_period():
    ten = Span(2024, 1, 10, "monthly", ranged=True)
    assert place(ten, "single", CATALOG["ECO-IND-001"]).period == date(2024, 10, 1)
    assert not place(ten, "single", CATALOG["ECO-IND-001"]).cumulative
    october = Span(2024, 10, 10, "monthly")
    assert place(october, "cumulative", CATALOG["ECO-IND-001"]).cumulative
    assert place(Span(2024, 8, 8, "monthly"), "cumulative", CATALOG["ECO-GDP-001"]).period == date(2024, 7, 1)


@pytest.mark.parametrize(("given", "wanted", "factor"), [
    ("万元", "亿元", 1e-4), ("元", "亿元", 1e-8), ("亿元", "万元", 1e4), ("吨", "万吨", 1e-4), ("人", "万人", 1e-4),
    ("人次", "万人次", 1e-4), ("千瓦时", "亿千瓦时", 1e-8), ("万千瓦时", "亿千瓦时", 1e-4), ("kWh", "万千瓦时", 1e-4),
    ("个", "万个", 1e-4), ("户", "万户", 1e-4), ("平方米", "万m²", 1e-4), ("亿元", "亿元", 1.0),
    ("美元", "元", None), ("亿元", "%", None), ("件", "万人", None),
])
def test_units_convert_by_their_known_scale_only(given, wanted, factor):
    assert unit_factor(given, wanted) == (pytest.approx(factor, rel=1e-12) if factor else None)


# ---------------------------------------------------------------- a 统计月报 sheet of indicators

# Rows of indicators, two header rows merged (指标名称 and 计量单位 merged down, 10月 and 1—10月 across),
# no area column: the city's values. The year comes from the title.
MONTHLY_REPORT = [
    ["2024年1—10月厦门市主要经济指标"],
    ["指标名称", "计量单位", "10月", None, "1—10月", None],
    [None, None, "绝对值", "增长%", "绝对值", "比上年同期增长%"],
    ["规模以上工业增加值", "亿元", 70.5, 5.1, 650.3, 6.0],
    ["社会消费品零售总额", "万元", 2050000, 4.0, 21000000, 5.2],
    ["其中：#出口总额", "亿元", "—", None, 800.2, 3.1],
    ["固定资产投资（不含农户）", None, None, None, None, 3.3],
    ["进出口总额", "亿元", None, None, 1300.5, None],
    ["注：增速按可比价计算。"],
]
MONTHLY_MERGES = ["A1:F1", "A2:A3", "B2:B3", "C2:D2", "E2:F2"]
OCTOBER = date(2024, 10, 1)
MONTHLY_EXPECTED = [
    ("ECO-IND-001", "350200", OCTOBER, 650.3, 4, "", "value"),
    ("ECO-IND-002", "350200", OCTOBER, 6.0, 4, "", "growth"),
    ("ECO-CON-001", "350200", OCTOBER, 2100.0, 5, "", "value"),
    ("ECO-TRD-002", "350200", OCTOBER, 800.2, 6, "", "value"),
    ("ECO-INV-001", "350200", OCTOBER, 3.3, 7, "", "growth"),     # named: 固定资产投资（不含农户） + 增速
    ("ECO-TRD-001", "350200", OCTOBER, 1300.5, 8, "", "value"),   # derived: emitted to be checked, not stored
]


def test_a_sheet_of_indicators_with_a_merged_two_row_header_loads_as_the_citys_values():
    parsed = _read(_xlsx({"2024年1-10月": (MONTHLY_REPORT, MONTHLY_MERGES)}))
    assert (parsed.errors, parsed.shape, parsed.header_row, parsed.sheets) == ((), "wide_period", 2, ("2024年1-10月",))
    assert [(c, a, p, pytest.approx(v), r, s, m) for c, a, p, v, r, s, m in _values(parsed)] == MONTHLY_EXPECTED
    assert parsed.notes == (
        "单位「万元」已换算为「亿元」（2 个数值） / 2 values converted from 万元 to 亿元",
        ("「10月增长%」列为增速，目录中没有对应指标，未导入 / column 10月增长% holds growth rates; the catalog has no "
        "indicator for them: not loaded"),
        ("「1—10月比上年同期增长%」列为增速，目录中没有对应指标，未导入 / column 1—10月比上年同期增长% holds growth rates; "
        "the catalog has no indicator for them: not loaded"),
        ("「10月绝对值」列为累计指标的当期值，未另存（文件中没有上期累计值，无法核对） / column 10月绝对值: single-period "
        "values of year-to-date indicators, not stored (the file has no cumulative value of the period before to "
        "check them)"),
        ("「10月增长%」列为累计指标的当期比率，无法由累计值核对，1 个未导入 / column 10月增长%: 1 single-period rates of "
        "year-to-date indicators, which the cumulative values cannot check: not loaded"),
    )


def test_the_same_sheet_as_gbk_csv_reads_the_same_values():
    rows = [row + [None] * (6 - len(row)) for row in MONTHLY_REPORT]
    rows[1] = ["指标名称", "计量单位", "10月", "", "1—10月", ""]  # no merges: a blank takes the label to its left
    parsed = _read(_csv(rows), file_name="月报.csv")
    assert (parsed.errors, parsed.encoding, parsed.shape, parsed.sheets) == ((), "gb18030", "wide_period", ())
    assert [(c, a, p, pytest.approx(v), r, s, m) for c, a, p, v, r, s, m in _values(parsed)] == MONTHLY_EXPECTED


def test_without_a_city_the_title_names_it_or_the_table_is_refused():
    both = area_lookup([XIAMEN, NINGDE])
    assert _values(_read(_xlsx({"月报": (MONTHLY_REPORT, MONTHLY_MERGES)}), areas=both))[0][:4] == (
        "ECO-IND-001", "350200", OCTOBER, 650.3)
    untitled = [["2024年1—10月主要经济指标"], *MONTHLY_REPORT[1:]]
    parsed = _read(_xlsx({"月报": (untitled, MONTHLY_MERGES)}), areas=both)
    assert parsed.errors == (RowError(2, "", "", NO_CITY),) and parsed.observations.empty


# ---------------------------------------------------------------- a 统计月报 sheet of districts

DISTRICTS = [
    ["2024年1—10月各区主要经济指标"],
    ["地区", "规模以上工业增加值", None, "社会消费品零售总额（亿元）", None, "全社会用电量"],
    [None, "1—10月", "增长%", "1—10月", "增长%", "1—10月(万千瓦时)"],
    ["全市", 650.3, 6.0, 2100, 5.2, 250000],
    ["思明区", 50.1, 3.1, 700, 4.1, 60000],
    ["湖里区", 150.25, 5.5, 600, 5.0, "—"],
    ["数据来源：厦门市统计局"],
]
DISTRICT_MERGES = ["A1:F1", "A2:A3", "B2:C2", "D2:E2"]
DISTRICT_EXPECTED = [
    ("ECO-IND-001", "350200", OCTOBER, 650.3, 4, "各区", "value"),
    ("ECO-IND-002", "350200", OCTOBER, 6.0, 4, "各区", "growth"),
    ("ECO-CON-001", "350200", OCTOBER, 2100.0, 4, "各区", "value"),
    ("ECO-ELE-001", "350200", OCTOBER, 25.0, 4, "各区", "value"),
    ("ECO-IND-001", "350203", OCTOBER, 50.1, 5, "各区", "value"),
    ("ECO-IND-002", "350203", OCTOBER, 3.1, 5, "各区", "growth"),
    ("ECO-CON-001", "350203", OCTOBER, 700.0, 5, "各区", "value"),
    ("ECO-ELE-001", "350203", OCTOBER, 6.0, 5, "各区", "value"),
    ("ECO-IND-001", "350206", OCTOBER, 150.25, 6, "各区", "value"),
    ("ECO-IND-002", "350206", OCTOBER, 5.5, 6, "各区", "growth"),
    ("ECO-CON-001", "350206", OCTOBER, 600.0, 6, "各区", "value"),
]


def _workbook_of_three_sheets() -> bytes:
    cover = [["厦门统计月报"], ["2024年第10期"]]
    return _xlsx({"封面": (cover, []), "各区": (DISTRICTS, DISTRICT_MERGES), "月报": (MONTHLY_REPORT, MONTHLY_MERGES)})


def test_a_sheet_of_districts_with_indicators_merged_over_their_measures():
    parsed = _read(_workbook_of_three_sheets(), sheet="各区")
    assert (parsed.errors, parsed.shape, parsed.header_row, parsed.sheets) == ((), "wide_indicator", 2, ("各区",))
    assert [(c, a, p, pytest.approx(v), r, s, m) for c, a, p, v, r, s, m in _values(parsed)] == DISTRICT_EXPECTED
    assert "单位「万千瓦时」已换算为「亿千瓦时」（2 个数值） / 2 values converted from 万千瓦时 to 亿千瓦时" in parsed.notes


def test_the_districts_sheet_as_gbk_csv():
    rows = [list(row) for row in DISTRICTS]
    rows[1] = ["地区", "规模以上工业增加值", "", "社会消费品零售总额（亿元）", "", "全社会用电量"]
    parsed = _read(_csv(rows))
    assert parsed.errors == () and parsed.shape == "wide_indicator"
    assert [(c, a, p, pytest.approx(v), r) for c, a, p, v, r, _, _ in _values(parsed)] == [
        row[:5] for row in DISTRICT_EXPECTED]


def test_sheets_by_default_by_name_by_number_and_all():
    data = _workbook_of_three_sheets()
    assert _read(data).sheets == ("各区",)  # the first sheet that holds a table (the cover does not)
    assert _read(data, sheet="月报").sheets == _read(data, sheet="3").sheets == _read(data, sheet=2).sheets == ("月报",)
    everything = _read(data, sheet="all")
    assert everything.errors == () and everything.sheets == ("各区", "月报")
    assert everything.notes[0] == "工作表「封面」没有表格，已跳过 / sheet 封面 holds no table: skipped"
    # 全市's 1—10月 values repeat on both sheets: one value each, from the sheet read first
    city = everything.observations[everything.observations["adcode"] == "350200"]
    assert city[city["code"] == "ECO-IND-001"][["value", "sheet"]].values.tolist() == [[650.3, "各区"]]
    assert len(everything.observations) == len(DISTRICT_EXPECTED) + len(MONTHLY_EXPECTED) - 3
    missing = _read(data, sheet="无此表")
    assert missing.errors[0].row == 0 and "没有工作表「无此表」；工作表有：封面、各区、月报" in missing.errors[0].reason


def test_errors_name_the_sheet_when_the_workbook_has_several():
    bad = [list(row) for row in MONTHLY_REPORT]
    bad[4] = ["社会消费品零售总额", "万美元", 2050000, 4.0, 21000000, 5.2]
    data = _xlsx({"封面": ([["厦门统计月报"]], []), "月报": (bad, MONTHLY_MERGES)})
    parsed = _read(data, sheet="all")
    assert parsed.errors == (RowError(5, "月报!计量单位", "万美元", "单位「万美元」不能换算为指标单位「亿元」 / unit 万美元 "
                                      "cannot be converted to the indicator's unit 亿元", "月报"),)
    assert not parsed.ok  # rejected whole: the caller writes nothing


# ---------------------------------------------------------------- year-to-date and single-period values


def _industry_sheet(cells: list[object]) -> bytes:
    """A sheet of one year-to-date indicator under 2024年 merged over its columns."""
    header = ["1-2月", "1-3月", "3月", "1-4月", "4月"]
    rows = [["厦门市规模以上工业增加值"], ["指标", "2024年"], [None, *header], ["规模以上工业增加值", *cells]]
    return _xlsx({"工业": (rows, ["B2:F2", "A2:A3"])})


def test_single_months_are_checked_against_the_cumulative_values_not_stored():
    parsed = _read(_industry_sheet([120.0, 190.5, 70.5, 262.0, 71.5]))
    assert parsed.errors == ()
    assert [v[:4] for v in _values(parsed)] == [("ECO-IND-001", "350200", date(2024, 2, 1), 120.0),
                                                ("ECO-IND-001", "350200", date(2024, 3, 1), 190.5),
                                                ("ECO-IND-001", "350200", date(2024, 4, 1), 262.0)]
    assert "「2024年3月」列为累计指标的当期值，未另存；1 个已与累计值之差核对" in parsed.notes[0]


def test_a_single_month_that_disagrees_with_the_cumulative_values_is_an_error():
    parsed = _read(_industry_sheet([120.0, 190.5, 70.5, 262.0, 80.0]))
    assert parsed.errors == (RowError(4, "2024年4月", "80", "当期值与累计值之差 71.5 不符（第 4 行「2024年1-4月」减上期累计）"
                                      " / the single-period value differs from the difference 71.5 of the cumulative "
                                      "values (row 4, column 2024年1-4月, less the period before)"),)


def test_a_single_month_without_its_cumulative_value_is_an_error():
    parsed = _read(_industry_sheet([120.0, None, 70.5, 262.0, 71.5]))
    assert parsed.errors == (RowError(4, "2024年3月", "2024年3月", YTD_SINGLE),)


def test_january_of_an_indicator_that_merges_january_and_february_is_an_error():
    rows = [["指标", "地区", "时间", "数值"], ["规模以上工业增加值", "思明区", "2024年1月", 50],
            ["全社会用电量", "思明区", "2024年1月", 2.5]]
    parsed = _read(_csv(rows, "utf-8"))
    assert parsed.errors == (RowError(2, "时间", "2024年1月", JAN_MERGED),)


def test_1_2_and_2_of_a_merged_indicator_are_one_value():
    rows = [["指标", "地区", "2024年1—2月", "2024年2月"], ["规模以上工业增加值", "思明区", 120, 120],
            ["社会消费品零售总额", "思明区", 300, 302]]
    parsed = _read(_csv(rows, "utf-8"))
    assert [v[:4] for v in _values(parsed)] == [("ECO-IND-001", "350203", date(2024, 2, 1), 120.0),
                                                ("ECO-CON-001", "350203", date(2024, 2, 1), 300.0)]
    assert parsed.errors == (RowError(3, "2024年2月", "302", "与同期的值 300（第 3 行「2024年1—2月」）不符 / differs from "
                                      "the value 300 of the same period in row 3, column 2024年1—2月"),)


def test_quarterly_year_to_date_labels_and_a_comparable_price_growth():
    rows = [["2024年厦门市地区生产总值"], ["指标", "一季度", "上半年", "前三季度", "前三季度比上年同期增长(%)"],
            ["地区生产总值", 1800, "3,700", 5650.5, 5.3]]
    parsed = _read(_csv(rows))
    assert parsed.errors == ()
    assert [v[:5] + v[6:] for v in _values(parsed)] == [
        ("ECO-GDP-001", "350200", date(2024, 1, 1), 1800.0, 3, "value"),
        ("ECO-GDP-001", "350200", date(2024, 4, 1), 3700.0, 3, "value"),
        ("ECO-GDP-001", "350200", date(2024, 7, 1), 5650.5, 3, "value"),
        ("ECO-GDP-002", "350200", date(2024, 7, 1), 5.3, 3, "growth")]


def test_period_indicators_take_single_periods_and_skip_cumulative_columns_beside_them():
    rows = [["2024年", "厦门市"], ["指标", "地区", "1月", "2月", "1-2月", "1-3月", "二季度"],
            ["12345热线受理量", "思明区", 100, 110, 210, None, None], ["客运量", "湖里区", None, None, None, 90, 95]]
    parsed = _read(_csv(rows))
    assert parsed.errors == ()
    assert [v[:4] for v in _values(parsed)] == [("GOV-HOT-001", "350203", date(2024, 1, 1), 100.0),
                                                ("GOV-HOT-001", "350203", date(2024, 2, 1), 110.0),
                                                ("GOV-PAS-001", "350206", date(2024, 1, 1), 90.0),
                                                ("GOV-PAS-001", "350206", date(2024, 4, 1), 95.0)]
    assert parsed.notes == (("「1-2月」列为累计值，当期指标已按当期值导入，1 个累计值未导入 / column 1-2月: 1 cumulative "
                            "values of period indicators not loaded (their single-period values are)"),)
    alone = [row[:3] + row[4:5] for row in rows[1:3]]
    assert _read(_csv([rows[0], *alone])).errors == (RowError(3, "1-2月", "1-2月", NOT_CUMULATIVE),)


def test_a_stock_indicator_keeps_its_month_end_level():
    rows = [["指标", "时间", "全市"], ["金融机构本外币贷款余额", "2024年10月", "12,345.6"],
            ["金融机构本外币贷款余额", "2024年1-10月", "12,345.6"]]
    parsed = _read(_csv(rows))
    assert [v[:4] for v in _values(parsed)] == [("ECO-FIN-001", "350200", OCTOBER, 12345.6)]
    assert parsed.errors == () and "1 个累计值未导入" in parsed.notes[0]


# ---------------------------------------------------------------- years, units and headers


def test_the_year_from_a_year_column_a_header_row_above_or_the_title():
    by_column = [["年份", "指标", "地区", "1-3月", "1-4月"], ["2024", "规模以上工业增加值", "思明区", 190, 262],
                 ["2023", "规模以上工业增加值", "思明区", 180, 250]]
    parsed = _read(_csv(by_column))
    assert parsed.errors == ()
    assert [v[2:4] for v in _values(parsed)] == [(date(2024, 3, 1), 190.0), (date(2024, 4, 1), 262.0),
                                                 (date(2023, 3, 1), 180.0), (date(2023, 4, 1), 250.0)]
    above = [["指标", "地区", "2024年", ""], ["", "", "1-3月", "1-4月"], ["规模以上工业增加值", "思明区", 190, 262]]
    assert [v[2] for v in _values(_read(_csv(above)))] == [date(2024, 3, 1), date(2024, 4, 1)]
    nowhere = [["指标", "地区", "1-3月"], ["规模以上工业增加值", "思明区", 190]]
    assert _read(_csv(nowhere)).errors == (RowError(1, "1-3月", "1-3月", NO_YEAR),)


def test_units_from_a_name_a_header_and_the_title():
    rows = [["2024年10月", "单位：万元"], ["指标", "地区", "1-10月"], ["规模以上工业增加值", "思明区", 501000],
            ["社会消费品零售总额（亿元）", "思明区", 700], ["12345热线受理量", "思明区", 9000]]
    parsed = _read(_csv(rows))
    assert [v[:4] for v in _values(parsed)] == [("ECO-IND-001", "350203", OCTOBER, pytest.approx(50.1)),
                                                ("ECO-CON-001", "350203", OCTOBER, 700.0)]
    # 12345热线受理量 is counted in 件: 万元 of the title cannot be converted
    assert parsed.errors == (RowError(5, "", "万元", "单位「万元」不能换算为指标单位「件」 / unit 万元 cannot be "
                                      "converted to the indicator's unit 件"),)


def test_a_header_merged_down_counts_once_and_three_header_rows_join():
    rows = [["地区", "规模以上工业增加值", None, None, None], [None, "10月", None, "1—10月", None],
            [None, "绝对值", "增长%", "绝对值", "增长%"], ["思明区", 5.5, 1.0, 50.1, 3.1]]
    data = _xlsx({"2024年": (rows, ["A1:A3", "B1:E1", "B2:C2", "D2:E2"])})
    parsed = _read(data)
    assert (parsed.errors, parsed.header_row) == ((), 1)
    assert [v[:4] + v[6:] for v in _values(parsed)] == [("ECO-IND-001", "350203", OCTOBER, 50.1, "value"),
                                                        ("ECO-IND-002", "350203", OCTOBER, 3.1, "growth")]


# ---------------------------------------------------------------- the load's date, empty and broken files


def test_a_period_after_the_next_one_is_refused_with_its_own_reason():
    rows = [["指标", "地区", "2024年11月", "2024年12月", "2025年1月"], ["12345热线受理量", "思明区", 1, 2, 3]]
    parsed = _read(_csv(rows))
    assert [v[2] for v in _values(parsed)] == [date(2024, 11, 1), date(2024, 12, 1)]
    assert parsed.errors == (RowError(2, "2025年1月", "2025年1月", FUTURE.format(today="2024-11-20")),)


def test_a_header_without_values_is_refused_never_an_empty_load():
    rows = [["2024年1—10月厦门市主要经济指标"], ["指标名称", "计量单位", "1—10月"], ["规模以上工业增加值", "亿元", "—"]]
    assert _read(_xlsx({"月报": (rows, [])})).errors == (RowError(0, "", "", NO_VALUES),)


def test_an_encoding_problem_names_the_line_and_the_encodings_tried():
    data = "指标,地区,时间,数值\n".encode("gbk") + "规模以上工业增加值,思明区,2024年3月,1\n".encode("gbk") + b"\xff\xff,x\n"
    (error,) = _read(data).errors
    assert error.row == 0
    assert error.reason == ("无法读取文件：既不是 UTF-8 也不是 GB18030/GBK 文本（已尝试 UTF-8、GB18030/GBK：UTF-8 在第 1 行出错，"
                            "GB18030/GBK 在第 3 行出错） / unreadable file: neither UTF-8 nor GB18030/GBK text: tried "
                            "UTF-8 (fails on line 1) and GB18030/GBK (fails on line 3)")


def test_an_impossible_date_in_a_file_names_the_day():
    rows = [["指标", "地区", "时间", "数值"], ["12345热线受理量", "思明区", "2023-02-30", 5]]
    (error,) = _read(_csv(rows, "utf-8")).errors
    assert (error.row, error.column, error.value) == (2, "时间", "2023-02-30")
    assert error.reason == "2023-02-30：2月只有28天 / 2023-02-30: February has 28 days"


def test_a_bad_bureau_workbook_is_rejected_whole_with_row_column_and_reason():
    bad = [list(row) for row in MONTHLY_REPORT]
    bad[3] = ["规模以上工业增加值", "亿元", 70.5, 5.1, "六百五十", 6.0]
    bad[5] = ["其中：#出口总额", "亿元", "—", None, -800.2, 3.1]
    bad[7] = ["进出口总额（亿美元）", None, None, None, 1300.5, None]
    parsed = _read(_xlsx({"月报": (bad, MONTHLY_MERGES)}))
    assert not parsed.ok
    assert [(e.row, e.column, e.value, e.reason.split(" / ")[1]) for e in parsed.errors] == [
        (4, "1—10月绝对值", "六百五十", "not a number"),
        (6, "1—10月绝对值", "-800.2", "out of physical range 0 to 100000"),
        (8, "指标名称", "进出口总额（亿美元）", "unit 亿美元 cannot be converted to the indicator's unit 亿元"),
    ]
