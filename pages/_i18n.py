"""Interface strings in Chinese (the default) and English."""

from __future__ import annotations

from indicators.catalog.entries import THEMES, TOPICS, department_en, english_definitions, load_catalog, source_en

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("城市生命体征", "City Vitals"),
    "app_subtitle": ("一屏通览", "The whole city on one screen"),
    "demo_badge": ("演示数据", "Demo data"),
    "demo_note": ("本页数据为系统生成的演示数据,不代表真实统计。",
                  "The figures on this page are generated demo data, not real statistics."),
    "last_update": ("数据更新", "Data updated"),
    "themes": ("五大主题", "Five themes"),
    "headlines": ("核心指标", "Headline indicators"),
    "indicators_count": ("项指标", "indicators"),
    "theme_open_alerts": ("当前预警", "Open alerts"),
    "health_score": ("健康指数", "Health score"),
    "yoy": ("同比", "YoY"),
    "mom": ("环比", "MoM"),
    # 环比 in English by the period it compares with: a daily series' is day on day, not month on month.
    "mom_hourly": ("环比", "vs prev. hour"),
    "mom_daily": ("环比", "DoD"),
    "mom_weekly": ("环比", "WoW"),
    "mom_monthly": ("环比", "MoM"),
    "mom_quarterly": ("环比", "QoQ"),
    "mom_yearly": ("环比", "vs prev. year"),
    "ytd_yoy": ("累计同比", "YTD YoY"),
    "single_month": ("当月", "Month"),
    "single_quarter": ("当季", "Quarter"),
    "single_month_bars": ("当月值(近五年)", "Single months, last five years"),
    "single_quarter_bars": ("当季值(近五年)", "Single quarters, last five years"),
    "as_of": ("截至", "as of"),
    "late": ("数据迟报", "Late data"),
    "no_data": ("暂无数据", "No data"),
    "store_down": ("数据暂不可用,系统将自动重试。", "Data temporarily unavailable; retrying automatically."),
    "language": ("语言", "Language"),
    "city": ("城市", "City"),
    "total_indicators": ("指标总数", "Indicators"),
    "warnings_now": ("当前预警", "Warnings now"),
    "department": ("责任单位", "Department"),
    "chart_actual": ("实际值", "Actual"),
    "chart_forecast": ("预测", "Forecast"),
    "chart_interval": ("预测区间", "Forecast interval"),
    "chart_revised": ("已修订", "Revised"),
    "chart_first_value": ("首次报送值", "First reported"),
    "range_24h": ("近24小时", "24h"),
    "range_48h": ("近48小时", "48h"),
    "range_1m": ("近1月", "1M"),
    "range_3m": ("近3月", "3M"),
    "range_1y": ("近1年", "1Y"),
    "range_3y": ("近3年", "3Y"),
    "range_all": ("全部", "All"),
    "nav_label": ("主导航", "Main navigation"),
    "nav_home": ("总览", "Overview"),
    "nav_themes": ("主题", "Themes"),
    "nav_topics": ("专题", "Topics"),
    "nav_catalog": ("指标目录", "Catalog"),
    "nav_alerts": ("预警中心", "Alerts"),
    "nav_areas": ("区县", "Districts"),
    "nav_map": ("地图", "Map"),
    "tab_overview": ("总览", "Overview"),
    "tab_alerts": ("预警", "Alerts"),
    "tab_indicators": ("指标", "Indicators"),
    "tab_map": ("地图", "Map"),
    "districts": ("区县概况", "Districts"),
    "search_placeholder": ("搜索指标:代码、名称或拼音首字母", "Find an indicator: code, name or pinyin initials"),
    "search_label": ("搜索指标", "Find an indicator"),
    "dropdown_select_all": ("全选", "Select all"),
    "dropdown_deselect_all": ("全部取消", "Deselect all"),
    "dropdown_selected_count": ("已选 {num_selected} 项", "{num_selected} selected"),
    "dropdown_search": ("搜索", "Search"),
    "dropdown_clear_search": ("清除搜索", "Clear search"),
    "dropdown_clear_selection": ("清除选择", "Clear selection"),
    "dropdown_no_options_found": ("无匹配选项", "No matching options"),
    "not_found": ("未找到该页面或指标。", "No such page or indicator."),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "frequency_hourly": ("小时", "Hourly"),
    "frequency_daily": ("日度", "Daily"),
    "frequency_weekly": ("周度", "Weekly"),
    "frequency_monthly": ("月度", "Monthly"),
    "frequency_quarterly": ("季度", "Quarterly"),
    "frequency_yearly": ("年度", "Yearly"),
    "not_permitted": ("该内容不存在,或您无权查看。", "Not found, or not yours to see."),
    "sign_in_as_other": ("以有权限的账号登录", "Sign in with an account that may"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "sign_out": ("退出", "Sign out"),
    "sign_in": ("登录", "Sign in"),
    "role_viewer": ("浏览", "Viewer"),
    "role_analyst": ("分析员", "Analyst"),
    "role_operator": ("数据员", "Data operator"),
    "role_leader": ("领导", "Leader"),
    "role_admin": ("管理员", "Administrator"),
}


def register_strings(strings: dict[str, tuple[str, str]]) -> None:
    """Add a page's own strings (``{key: (zh, en)}``); a key may be registered only once."""
    clashes = set(strings) & set(STRINGS)
    if clashes:
        raise ValueError(f"interface strings registered twice: {sorted(clashes)}")
    STRINGS.update(strings)


def t(key: str, lang: str) -> str:
    """The interface string ``key`` in ``lang`` ("zh" or "en")."""
    zh, en = STRINGS[key]
    return en if lang == "en" else zh


def localized(row, lang: str, field: str = "name"):
    """``row``'s ``<field>_en`` or ``<field>_zh`` for ``lang``: a value of a row or record, or a column of a frame."""
    return row[f"{field}_en" if lang == "en" else f"{field}_zh"]


def department_name(department: str, lang: str) -> str:
    """A responsible department's display name (the catalog keeps it in Chinese)."""
    return department_en(department) if lang == "en" else department


def definition_text(code: str, definition: str, lang: str) -> str:
    """An indicator's definition in ``lang``: in English the recorded translation while ``definition`` is still the
    catalog file's Chinese text it translates; after an operator's edit, the edited Chinese text (the translation
    would tell the old definition)."""
    if lang != "en":
        return definition
    shipped = load_catalog().by_code.get(code)
    return english_definitions().get(code, definition) if shipped and shipped.definition == definition else definition


def source_name(source: str, lang: str) -> str:
    """A data source's display name (the catalog keeps it in Chinese)."""
    return source_en(source) if lang == "en" else source


def frequency_name(frequency: str, lang: str) -> str:
    """A reporting frequency's display name ("月度", "Monthly")."""
    return t(f"frequency_{frequency}", lang)


def theme_name(theme: str, lang: str) -> str:
    """A theme's display name."""
    zh, en = THEMES[theme]
    return en if lang == "en" else zh


def topic_name(topic: str, lang: str) -> str:
    """A topic's display name."""
    zh, en = TOPICS[topic]
    return en if lang == "en" else zh
