"""Interface strings in Chinese (the default) and English."""

from __future__ import annotations

from indicators.catalog import THEMES, TOPICS

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
    "health_score": ("健康指数", "Health score"),
    "yoy": ("同比", "YoY"),
    "mom": ("环比", "MoM"),
    "as_of": ("截至", "as of"),
    "late": ("数据迟报", "Late data"),
    "no_data": ("暂无数据", "No data"),
    "store_down": ("数据暂不可用,系统将自动重试。", "Data temporarily unavailable; retrying automatically."),
    "language": ("语言", "Language"),
    "city": ("城市", "City"),
    "level_normal": ("正常", "Normal"),
    "level_blue": ("蓝色", "Blue"),
    "level_yellow": ("黄色", "Yellow"),
    "level_orange": ("橙色", "Orange"),
    "level_red": ("红色", "Red"),
    "level_nodata": ("无数据", "No data"),
    "total_indicators": ("指标总数", "Indicators"),
    "warnings_now": ("当前预警", "Warnings now"),
    "department": ("责任单位", "Department"),
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


def theme_name(theme: str, lang: str) -> str:
    """A theme's display name."""
    zh, en = THEMES[theme]
    return en if lang == "en" else zh


def topic_name(topic: str, lang: str) -> str:
    """A topic's display name."""
    zh, en = TOPICS[topic]
    return en if lang == "en" else zh
