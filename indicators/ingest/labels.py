"""The words of a statistics bureau's table: period labels, measures and units (for ``indicators.ingest.importer``).

A header or period cell says which months a value covers (``2024年3月``, ``2024年1—2月``, ``1-3月``,
``上半年``, ``前三季度``, ``全年``, ``2024Q1`` …), what the value is (``累计``, ``当月``, ``增长%`` …) and
sometimes its unit (``（亿元）``). This module reads those words into plain values; which stored period a
label means for a given indicator (a year-to-date or a single-period value …) is ``place``'s answer.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from indicators.catalog.entries import Frequency, Indicator
from indicators.catalog.periods import period_start

Hint = Literal["cumulative", "single"] | None
Measure = Literal["value", "growth"]

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}
_CHINESE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
            "十一": 11, "十二": 12}
# Dashes and words that join the two ends of a range, all read as "-".
_RANGE_MARKS = re.compile(r"[‐‑‒–—―−~～〜]|至|到")
_M = r"\d{1,2}|十[一二]?|[一二两三四五六七八九]"
_Q = r"[1-4一二三四]"
_Y = r"(?:(?P<y>\d{4})年)?"


class PeriodError(ValueError):
    """A period label that names no real period; ``reason`` says why, in Chinese and English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Span:
    """The months a period label covers, as written.

    Attributes:
        year: the year, or None when the label leaves it to the sheet (``1-3月``).
        first: the first month covered (1–12).
        last: the last month covered.
        grain: the label's own unit: ``monthly`` (3月, 1—3月), ``quarterly`` (一季度, 上半年, 前三季度),
            ``yearly`` (2024年, 全年), ``daily`` or ``weekly``.
        ranged: written as a range from one period to another (1—3月, 上半年, 前三季度, 全年).
        day: the day of a daily label, the Monday of a weekly one.
    """

    year: int | None
    first: int
    last: int
    grain: Frequency
    ranged: bool = False
    day: date | None = None

    def in_year(self, year: int) -> Span:
        return replace(self, year=year)


@dataclass(frozen=True)
class Placed:
    """Where a labelled value goes for one indicator.

    Attributes:
        period: the stored period (its first day).
        cumulative: the label is a from-the-year's-start value (1—N月, 上半年, 前三季度, a 累计 column).
        whole: the label spans exactly one period of the indicator (1—3月 of a quarterly one, 1—2月 of one
            that publishes January and February together).
    """

    period: date
    cumulative: bool
    whole: bool


# ---------------------------------------------------------------- periods

# Matched against ``_key`` of the label; every pattern must match whole. Forms with ``y`` optional leave the
# year to the sheet.
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})", "day"),
    (r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日", "day"),
    (r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", "day"),
    (r"(?P<y>\d{4})-?W(?P<w>\d{1,2})", "week"),
    (r"(?P<y>\d{4})年第(?P<w>\d{1,2})周", "week"),
    (r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})", "month"),
    (r"(?P<y>\d{4})M?(?P<m>\d{2})", "month"),
    (rf"{_Y}(?P<m1>{_M})月?-(?P<m2>{_M})月份?", "months"),
    (rf"{_Y}(?P<m>{_M})月份?", "month"),
    (r"(?P<y>\d{4})(?:-|年)?Q(?P<q>[1-4])", "quarter"),
    (rf"{_Y}第?(?P<q1>{_Q})季?度?-第?(?P<q2>{_Q})季度?", "quarters"),
    (rf"{_Y}前(?P<qn>{_Q})(?:个)?季度?", "first_quarters"),
    (r"(?P<y>\d{4})年第?(?P<q>[1-4一二三四])季度?", "quarter"),
    (rf"{_Y}第?(?P<q>{_Q})季度?", "quarter_named"),
    (rf"{_Y}(?P<h>[上下])半年", "half"),
    (rf"{_Y}全年", "full_year"),
    (r"(?P<y>\d{4})(?:年度?)?", "year"),
))


def _key(text: str, *, upper: bool = True) -> str:
    """A label normalised for matching: full-width folded, no spaces, every dash a '-' (and upper case)."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"-+", "-", _RANGE_MARKS.sub("-", key.upper() if upper else key))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CHINESE[text]


@lru_cache(maxsize=4096)
def parse_span(text: str) -> Span:
    """The months a period label covers.

    Args:
        text: the label as written (``2024年1—2月``, ``1-3月``, ``前三季度``, ``2024-03-15`` …).

    Returns:
        The span; its ``year`` is None when the label has none.

    Raises:
        PeriodError: the label names an impossible period (``2023-02-30``, ``13月``); its reason says why.
        ValueError: the text is no period label at all.
    """
    key = _key(_TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", text).strip()))
    for pattern, kind in _FORMS:
        match = pattern.fullmatch(key)
        if match:
            return _span(kind, match.groupdict(), text.strip())
    raise ValueError(f"period unparseable: {text!r}")


_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def _span(kind: str, parts: dict[str, str | None], text: str) -> Span:
    year = int(parts["y"]) if parts.get("y") else None
    if year is not None and not 1900 <= year <= 2100:
        raise ValueError(f"period unparseable: {text!r}")
    if kind == "day":
        month, day = int(parts["m"]), int(parts["d"])
        _check_month(month)
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            iso = f"{year}-{month:02d}-{day:02d}"
            raise PeriodError(f"{iso}：{month}月只有{days}天 / {iso}: {MONTH_NAMES[month - 1]} has {days} days")
        return Span(year, month, month, "daily", day=date(year, month, day))
    if kind == "week":
        week = int(parts["w"])
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            weeks = date(year, 12, 28).isocalendar()[1]
            raise PeriodError(f"{year}年只有{weeks}周 / {year} has {weeks} ISO weeks") from None
        return Span(year, monday.month, monday.month, "weekly", day=monday)
    if kind == "month":
        month = _number(parts["m"])
        _check_month(month)
        return Span(year, month, month, "monthly")
    if kind == "months":
        first, last = _number(parts["m1"]), _number(parts["m2"])
        for month in (first, last):
            _check_month(month)
        _check_order(first, last, text)
        return Span(year, first, last, "monthly", ranged=True)
    if kind in ("quarter", "quarter_named"):
        quarter = int(parts["q"]) if parts["q"].isdigit() else _CHINESE[parts["q"]]
        if kind == "quarter_named" and "季" not in text and year is None:
            raise ValueError(f"period unparseable: {text!r}")  # a bare 3 is no quarter
        return Span(year, 3 * quarter - 2, 3 * quarter, "quarterly")
    if kind == "quarters":
        first, last = _number(parts["q1"]), _number(parts["q2"])
        _check_order(first, last, text)
        return Span(year, 3 * first - 2, 3 * last, "quarterly", ranged=True)
    if kind == "first_quarters":
        return Span(year, 1, 3 * _number(parts["qn"]), "quarterly", ranged=True)
    if kind == "half":
        return Span(year, 1, 6, "quarterly", ranged=True) if parts["h"] == "上" else \
            Span(year, 7, 12, "quarterly", ranged=True)
    if kind == "full_year":
        return Span(year, 1, 12, "yearly", ranged=True)
    return Span(year, 1, 12, "yearly")


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise PeriodError(f"没有{month}月 / there is no month {month}")


def _check_order(first: int, last: int, text: str) -> None:
    if first > last:
        raise PeriodError(f"{text}：起始晚于终止 / {text}: the range ends before it starts")


def span_of(raw: object) -> Span:
    """``parse_span`` of a cell: a date cell is its day."""
    if isinstance(raw, date):
        day = raw.date() if isinstance(raw, datetime) else raw
        return Span(day.year, day.month, day.month, "daily", day=day)
    return parse_span(str(raw))


def single_period(span: Span) -> tuple[date, Frequency]:
    """The one period a span with a year names, as ``importer.parse_period`` answers.

    Raises:
        ValueError: the span has no year, or covers several periods (1—3月, 上半年).
    """
    if span.year is None or span.ranged:
        raise ValueError("not a single period with its year")
    if span.day is not None:
        return span.day, span.grain
    return date(span.year, span.first, 1), span.grain


def place(span: Span, hint: Hint, indicator: Indicator) -> Placed:
    """The stored period a labelled value goes to for ``indicator`` (``span`` has its year).

    ``hint`` is what the column says besides the period: ``cumulative`` (累计: from the year's start to the
    label's period) or ``single`` (当月, 本月: the indicator's period that ends the label's span).

    Raises:
        PeriodError: the label covers no period of the indicator's frequency (the reason says so), or is a
            range that neither starts the year nor spans one period.
    """
    frequency = indicator.frequency
    if span.day is not None or frequency in ("daily", "weekly"):
        start = span.day if span.day is not None else date(span.year, span.first, 1)
        fits = span.grain == frequency or (span.grain == "daily" and period_start(start, frequency) == start)
        if hint != "cumulative" and not span.ranged and fits and span.day is not None:
            return Placed(start, False, True)
        raise PeriodError(wrong_frequency(frequency))
    length = MONTHS_PER_PERIOD[frequency]
    first, last = span.first, span.last
    if hint == "single":
        first = (last - 1) // length * length + 1
        last = first + length - 1
    elif hint == "cumulative":
        first, last = 1, -(-last // length) * length
    cumulative = hint == "cumulative" or (span.ranged and hint != "single")
    if span.grain == "yearly" and not cumulative and length < 12:
        raise PeriodError(wrong_frequency(frequency))  # 2024年 is a year, not December
    if (first - 1) % length == 0 and last - first + 1 == length:
        return Placed(date(span.year, first, 1), cumulative, True)
    if indicator.jan_feb_merged and (first, last) == (1, 2):
        return Placed(date(span.year, 2, 1), True, True)
    if cumulative and first == 1 and last % length == 0:
        return Placed(date(span.year, last - length + 1, 1), True, False)
    raise PeriodError(wrong_frequency(frequency))


FREQUENCY_ZH = {"hourly": "小时", "daily": "日度", "weekly": "周度", "monthly": "月度", "quarterly": "季度", "yearly": "年度"}


WRONG_FREQUENCY = "时间与指标频度（{zh}）不符 / period does not match the indicator's frequency {frequency}"


def wrong_frequency(frequency: str) -> str:
    return WRONG_FREQUENCY.format(zh=FREQUENCY_ZH[frequency], frequency=frequency)


# ---------------------------------------------------------------- column labels

_GROWTH = re.compile(r"(?:比上年同期|比上年同月|比上年|比去年同期|比去年|较上年同期|较上年|同比)?"
                     r"(?:增长|增速|增减|增幅|±|\+-|\+/-)(?:率|幅度|速度)?%?|同比%?")
_CUMULATIVE = re.compile(r"(?:1-本月|1至本月|本年|年初至今|自年初)?累计(?:值|数|完成|实绩)?")
_SINGLE = re.compile(r"(?:本月|当月|本季|当季|本期|当期)(?:值|数|完成|实绩)?")
_PLAIN = re.compile(r"绝对值|绝对数|总量|总额|数值|金额|完成额|完成数|实绩|数量")
_UNIT_BRACKETS = re.compile(r"\(([^()]*)\)")
# A wide-by-period table's total column is derived from its periods, not a period itself.
TOTAL_WORDS = frozenset({"合计", "总计", "小计"})


@dataclass(frozen=True)
class Label:
    """What a column header (or a period cell) says besides the indicator and area.

    Attributes:
        span: the period, its year possibly missing; None when the label names no period (增长%, 累计).
        measure: ``growth`` for a growth-rate column, else ``value``.
        hint: ``cumulative`` (累计), ``single`` (当月, 本月) or None.
        unit: a unit in brackets (``（亿元）``), or "".
        total: a total column (合计).
        problem: why the period it names cannot be (``没有13月 / there is no month 13``), or "".
    """

    span: Span | None = None
    measure: Measure = "value"
    hint: Hint = None
    unit: str = ""
    total: bool = False
    problem: str = ""


_COMPARABLE = re.compile(r"\((?:按)?(?:可比价格?|不变价格?)(?:计算)?\)")


@lru_cache(maxsize=16384)
def parse_label(text: str) -> Label | None:
    """A column header's period, measure, hint and unit (``1—10月累计``, ``比上年同期增长%``, ``3月（亿元）``).

    Returns:
        The label, or None when the text is none (an unknown word).
    """
    key = _key(text, upper=False)
    if not key:
        return None
    unit = next((inner for inner in _UNIT_BRACKETS.findall(key) if is_unit_like(inner)), "")
    key = _UNIT_BRACKETS.sub(lambda m: "" if is_unit_like(m.group(1)) else m.group(0), key)
    if key in TOTAL_WORDS:
        return Label(unit=unit, total=True)
    measure: Measure = "value"
    hint: Hint = None
    growth = _GROWTH.search(key)
    if growth:
        measure, key = "growth", _COMPARABLE.sub("", key[:growth.start()] + key[growth.end():])
    for pattern, said in ((_CUMULATIVE, "cumulative"), (_SINGLE, "single")):
        found = pattern.search(key)
        if found and hint is None:
            hint, key = said, key[:found.start()] + key[found.end():]
    key, plain = _PLAIN.subn("", key, count=1)
    key = key.strip("():")
    if not key:
        said = plain or unit or measure == "growth" or hint is not None
        return Label(measure=measure, hint=hint, unit=unit) if said else None
    try:
        span = parse_span(key)
    except PeriodError as exc:
        return Label(measure=measure, hint=hint, unit=unit, problem=exc.reason)
    except ValueError:
        return None
    return Label(span, measure, hint, unit)


# ---------------------------------------------------------------- units

_PREFIXES = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8}
# Other names of a unit, as (base, factor): files write kWh, 度, 平方米, 公斤 …
_UNIT_ALIASES: dict[str, tuple[str, float]] = {
    "kwh": ("瓦时", 1e3), "度": ("瓦时", 1e3), "mwh": ("瓦时", 1e6), "gwh": ("瓦时", 1e9),
    "m2": ("平方米", 1.0), "平方米": ("平方米", 1.0), "平米": ("平方米", 1.0), "km2": ("平方米", 1e6),
    "平方公里": ("平方米", 1e6), "平方千米": ("平方米", 1e6), "公顷": ("平方米", 1e4), "亩": ("平方米", 10000 / 15),
    "m3": ("立方米", 1.0), "立方米": ("立方米", 1.0), "方": ("立方米", 1.0),
    "kg": ("克", 1e3), "公斤": ("克", 1e3), "千克": ("克", 1e3), "吨": ("克", 1e6), "t": ("克", 1e6),
    "km": ("米", 1e3), "公里": ("米", 1e3), "千米": ("米", 1e3),
    "元人民币": ("元", 1.0), "人民币元": ("元", 1.0),
}
_UNIT_WORDS = re.compile(r"^(?:[十百千万亿]*)(?:元|美元|吨|人|人次|户|个|件|家|辆|台|套|次|起|例|张|条|项|所|座|床|篇|"
                         r"千瓦时|瓦时|千瓦|平方米|立方米|公顷|亩|标箱|单|剂次|批次|万|%|‰|kwh|m2|m3|km|kg|t|度|米|"
                         r"公里|平方公里|公斤|千克|克|小时|天|日|分钟|秒|岁|间|栋|份|通|场|台件|户次|件次|"
                         r"个百分点|百分点|点)$")


def unit_key(unit: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).lower()


_RATIO_PART = re.compile(r"[\w²³·°μµ]{1,8}")


def is_unit_like(text: str) -> bool:
    """Whether text is a unit (``亿元``, ``%``, ``万人次``, ``人/10万人``) rather than part of a name (``可比价``)."""
    key = unit_key(text)
    if "/" in key:
        return all(_RATIO_PART.fullmatch(part) for part in key.split("/"))
    return bool(key) and (bool(_UNIT_WORDS.match(key)) or key in _UNIT_ALIASES)


@lru_cache(maxsize=1024)
def _scaled(unit: str) -> tuple[str, float]:
    """A unit as (base, factor): 亿元 → (元, 1e8), 万千瓦时 → (瓦时, 1e7), kWh → (瓦时, 1e3)."""
    key, factor = unit_key(unit), 1.0
    while key not in _UNIT_ALIASES and len(key) > 1 and key[0] in _PREFIXES:
        factor, key = factor * _PREFIXES[key[0]], key[1:]
    base, more = _UNIT_ALIASES.get(key, (key, 1.0))
    return base, factor * more


def unit_factor(given: str, wanted: str) -> float | None:
    """The factor that turns a value in ``given`` into ``wanted`` (万元 → 亿元: 0.0001); None when the two
    cannot be converted (元 and 美元, 亿元 and %)."""
    if unit_key(given) == unit_key(wanted):
        return 1.0
    (base, factor), (wanted_base, wanted_factor) = _scaled(given), _scaled(wanted)
    return factor / wanted_factor if base == wanted_base else None


# ---------------------------------------------------------------- titles

_TITLE_PERIOD = re.compile(
    rf"\d{{4}}年(?:第?{_Q}季?度?-第?{_Q}季度|前{_Q}季度?|第?{_Q}季度|[上下]半年|全年|(?:{_M})月?-(?:{_M})月份?|(?:{_M})月份?)"
    rf"|(?:\d{{4}}年)?(?:(?:{_M})月?-(?:{_M})月份?|前{_Q}季度|[上下]半年)")
_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|(?!\d))")
_TITLE_UNIT = re.compile(r"单位[:：]\s*([^\s，,;；]+)")


def title_span(text: str) -> Span | None:
    """The period a title names (``2024年1—10月厦门市主要经济指标`` → 1—10月 2024), if it names one."""
    key = _key(text)
    for match in _TITLE_PERIOD.finditer(key):
        try:
            return parse_span(match.group(0))
        except ValueError:
            continue
    return None


def title_year(text: str) -> int | None:
    """The year a title names (2024年…), if exactly one."""
    years = {int(y) for y in _TITLE_YEAR.findall(_key(text))}
    return years.pop() if len(years) == 1 else None


def title_unit(text: str) -> str:
    """The unit a title row gives for the whole table (``单位：亿元``); "" when none or several (亿元、%)."""
    match = _TITLE_UNIT.search(unicodedata.normalize("NFKC", text))
    if not match or re.search(r"[、,，及和]", match.group(1)):
        return ""
    return match.group(1)
