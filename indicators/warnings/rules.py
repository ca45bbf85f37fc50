"""Warning rules: small registered classes, each judging one (indicator, area) series.

A rule gets a ``SeriesState`` (everything known about the series, read in bulk by
``indicators.warnings.alerts``) and returns a ``Finding`` or None. Rules never read the store.
Levels are the four-colour scale blue < yellow < orange < red; red and orange are the headline
warnings a leader acts on, yellow a warning to watch, blue a notice (so are all anomalies).

Calibrated so that a normal day raises few, meaningful warnings:

* weather and air figures are judged against their season: a value within the range the same
  time of year reached in earlier years (``SeriesState.season_range``) raises no threshold warning,
  however high the national limit puts it (winter haze inland, summer heat);
* year-to-date figures are judged on their cumulative growth, as the bureau watches them (累计同比),
  never month on month or on the sawtooth of their cumulative values;
* a month-on-month jump is news only when the year-on-year change is as bad (otherwise it is the
  season, or noise); a change of a small count must exceed its Poisson noise;
* a series with a threshold warning does not also raise a change warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

import numpy as np
from scipy.stats import norm

from indicators.catalog.entries import unit_en
from indicators.catalog.levels import LEVEL_RANK, LEVELS, Level, badness, level_of
from indicators.catalog.periods import format_period

RULES: dict[str, type["Rule"]] = {}
PERIOD_UNIT_ZH = {"hourly": "小时", "daily": "日", "weekly": "周", "monthly": "个月", "quarterly": "个季度", "yearly": "年"}
PERIOD_UNIT_EN = {"hourly": "hours", "daily": "days", "weekly": "weeks", "monthly": "months", "quarterly": "quarters", "yearly": "years"}
# Figures judged against their season (``SeriesState.season_range``): the environment theme's weather and air.
SEASONAL_THEMES = frozenset({"environment"})
SEASONAL_FREQUENCIES = frozenset({"daily", "weekly", "monthly"})
DIMENSIONLESS = frozenset({"无量纲"})


def is_seasonal(theme: str, frequency: str) -> bool:
    """Whether an indicator's values in a warning band are judged against the same time of earlier years (weather
    and air: a winter's PM2.5 above the annual standard is the season, not news) before an alert is raised."""
    return theme in SEASONAL_THEMES and frequency in SEASONAL_FREQUENCIES


def register_rule(cls: type["Rule"]) -> type["Rule"]:
    """Register a rule class under its ``name``."""
    RULES[cls.name] = cls
    return cls


@dataclass(frozen=True)
class SeriesState:
    """What the rules know about one series.

    Attributes:
        code, name_zh, name_en, unit, frequency, direction, department, department_en: the indicator.
        thresholds: effective (blue, yellow, orange, red) for this area (override or catalog), or Nones.
        target: the indicator's target.
        area_adcode, area_zh, area_en: the area.
        recent: the newest values, oldest first, as (period, value), at most ``RECENT`` of them.
        yoy_value: the value one year before the newest period.
        overdue: periods past due (0 on time, -1 never loaded).
        forecast: future (period, yhat, lower_95, upper_95, lower_80, upper_80) rows.
        band: the 95% backtest band (lower, upper) for the newest value, when known.
        theme: the indicator's theme; accumulation: ``period``, ``ytd`` or ``stock`` (as the catalog says).
        season_range: the (low, high) the same time of year reached in earlier years (5th and 95th
            percentiles), for weather and air figures in warning; None when not judged by season.
    """

    RECENT: ClassVar[int] = 6

    code: str
    name_zh: str
    name_en: str
    unit: str
    frequency: str
    direction: str
    department: str
    department_en: str
    thresholds: tuple[float | None, float | None, float | None, float | None]
    target: float | None
    area_adcode: str
    area_zh: str
    area_en: str
    recent: tuple[tuple[date, float], ...] = ()
    yoy_value: float | None = None
    overdue: int = 0
    forecast: tuple[tuple, ...] = ()
    band: tuple[float, float] | None = None
    theme: str = ""
    accumulation: str = "period"
    season_range: tuple[float, float] | None = None

    @property
    def unit_zh(self) -> str:
        """The unit as a Chinese sentence writes it after a number (none for a dimensionless index such as the AQI)."""
        return "" if self.unit in DIMENSIONLESS else self.unit

    @property
    def unit_en(self) -> str:
        """The unit in English, for the English sentences (none for a dimensionless index)."""
        return "" if self.unit in DIMENSIONLESS else unit_en(self.unit)

    @property
    def latest(self) -> tuple[date, float] | None:
        """The newest (period, value)."""
        return self.recent[-1] if self.recent else None

    def level(self, value: float) -> str:
        """The threshold level of ``value`` for this series."""
        return level_of(value, self.direction, self.thresholds, self.target)

    @property
    def seasonal(self) -> bool:
        """Whether the series is judged against its season (weather and air)."""
        return is_seasonal(self.theme, self.frequency)

    def within_season(self, value: float) -> bool:
        """Whether ``value`` lies within what the same time of year reached in earlier years, on the bad side."""
        if self.season_range is None:
            return False
        low, high = self.season_range
        if self.direction == "up":
            return value >= low
        if self.direction == "down":
            return value <= high
        return low <= value <= high


@dataclass(frozen=True)
class Finding:
    """A rule firing on a series."""

    rule: str
    level: str
    period: date | None
    sentence_zh: str
    sentence_en: str
    details: dict = field(default_factory=dict)


def format_number(value: float) -> str:
    """A number as a sentence reads it: whole above 100 (with thousands separators), one decimal above 10,
    two above 1, three significant digits below; no exponent, no trailing zeros."""
    size = abs(value)
    if size >= 100:
        text = f"{value:,.0f}" if size >= 1000 or float(value).is_integer() else f"{value:,.1f}"
    elif size >= 10:
        text = f"{value:.1f}"
    elif size >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}" if value else "0"
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def _amount(value: float, unit: str) -> str:
    """A number with its unit, "150 μg/m³", or alone when there is none ("248" for an AQI)."""
    return f"{format_number(value)} {unit}" if unit else format_number(value)


def _on(period: date, frequency: str, lang: str) -> str:
    """When, as a sentence says it: "on 4 Dec 2024", "in Nov 2024", "in 2024Q3" (Chinese: the period)."""
    if lang == "zh":
        return format_period(period, frequency, "zh")
    if frequency == "hourly":
        return f"at {format_period(period, frequency, 'en')}"
    if frequency == "daily":
        return f"on {period.day} {period.strftime('%b %Y')}"
    if frequency == "weekly":
        return f"in week {format_period(period, frequency, 'en')}"
    return f"in {format_period(period, frequency, 'en')}"


# How a sentence names the responsible department at its end (Chinese, English).
_TAIL_MARKS = (",责任单位:", "; responsible: ")


def _tail(state: SeriesState) -> str:
    return f"{_TAIL_MARKS[0]}{state.department}"


def _tail_en(state: SeriesState) -> str:
    return f"{_TAIL_MARKS[1]}{state.department_en}"


def without_department(sentence: str) -> str:
    """An alert's sentence without the responsible department it ends on: the line a wall shows from
    afar, where the finding itself must fit ("厦门 公交准点率 …(红色预警)")."""
    for mark in _TAIL_MARKS:
        sentence = sentence.split(mark, 1)[0]
    return sentence


class Rule:
    """A warning rule; subclasses set ``name`` and implement ``evaluate``."""

    name: ClassVar[str]
    label_zh: ClassVar[str]
    label_en: ClassVar[str]

    def evaluate(self, state: SeriesState) -> Finding | None:
        """Judge one series; None when the rule does not fire."""
        raise NotImplementedError

    @classmethod
    def label(cls, lang: str) -> str:
        """The rule's name for people ("阈值" / "Threshold")."""
        return cls.label_en if lang == "en" else cls.label_zh


@register_rule
class ThresholdRule(Rule):
    """The newest value reaches one of the four thresholds (direction-aware)."""

    name, label_zh, label_en = "threshold", "阈值", "Threshold"

    def evaluate(self, state: SeriesState) -> Finding | None:
        if state.latest is None or state.thresholds[0] is None or state.direction == "neutral":
            return None
        period, value = state.latest
        level = state.level(value)
        if level not in LEVELS or (state.seasonal and state.within_season(value)):
            return None
        threshold = state.thresholds[LEVELS.index(level)]
        run = 0
        for _, earlier in reversed(state.recent):
            if LEVEL_RANK.get(state.level(earlier), 0) < LEVEL_RANK[level]:
                break
            run += 1
        if state.direction == "target":
            bound_zh, bound_en = f"偏离目标 {format_number(state.target)} 超过 {format_number(threshold)}", f"more than {format_number(threshold)} off the target {format_number(state.target)}"
        elif state.direction == "up":
            bound_zh, bound_en = f"低于 {_amount(threshold, state.unit_zh)}", f"at or below {_amount(threshold, state.unit_en)}"
        else:
            bound_zh, bound_en = f"高于 {_amount(threshold, state.unit_zh)}", f"at or above {_amount(threshold, state.unit_en)}"
        if run >= 2:
            when_zh = f"连续{run}{PERIOD_UNIT_ZH[state.frequency]}"
            when_en = f" for {run} {PERIOD_UNIT_EN[state.frequency]} in a row"
        else:
            when_zh = f"{format_period(period, state.frequency, 'zh')}为 {_amount(value, state.unit_zh)},"
            when_en = f" was {_amount(value, state.unit_en)} {_on(period, state.frequency, 'en')},"
        zh = f"{state.area_zh} {state.name_zh} {when_zh}{bound_zh}({Level(level).label('zh')}预警){_tail(state)}"
        en = f"{state.area_en} {state.name_en}{when_en} {bound_en} ({level} warning){_tail_en(state)}"
        return Finding(self.name, level, period, zh, en, {"value": value, "threshold": threshold, "run": run})


@register_rule
class ChangeRule(Rule):
    """A sharp worsening: MoM or YoY beyond a set percentage, or N consecutive worsening periods.

    Judged on monthly and slower series of levels and counts: day-to-day swings are the
    threshold and anomaly rules' business, and a relative change of a percentage or a
    growth rate says nothing (5% → 3% is not "−40%"). A year-to-date series is judged on its
    cumulative year-on-year change only (累计同比), with the tighter ``ytd_pct``; a month-on-month
    jump is news only when the year-on-year change is as bad (otherwise it is the season or noise); a change of a count must be more than
    ``noise_sds`` times its Poisson noise. Weather and air figures are left to their season
    (``SeriesState.seasonal``).
    """

    name, label_zh, label_en = "change", "变化", "Change"
    mom_pct: ClassVar[float] = 30.0
    yoy_pct: ClassVar[float] = 50.0
    ytd_pct: ClassVar[float] = 15.0
    consecutive: ClassVar[int] = 4
    noise_sds: ClassVar[float] = 4.0
    min_count: ClassVar[float] = 10.0
    swing_factor: ClassVar[float] = 2.5
    frequencies: ClassVar[tuple[str, ...]] = ("monthly", "quarterly", "yearly")

    def _worsening_pct(self, state: SeriesState, old: float | None, new: float) -> float | None:
        if old is None or old == 0 or state.direction not in ("up", "down"):
            return None
        pct = (new - old) / abs(old) * 100
        return pct if (pct > 0) == (state.direction == "down") else None

    def _beyond_noise(self, state: SeriesState, old: float, new: float) -> bool:
        """Whether a change is more than count noise (values that are all whole numbers vary like counts):
        a percentage of a handful says nothing (2 → 8 is "+300%"), so a count needs ``min_count`` to start from."""
        if not all(float(v).is_integer() for _, v in state.recent):
            return True
        return old >= self.min_count and abs(new - old) > self.noise_sds * math.sqrt(old)

    @staticmethod
    def _usual_swing(state: SeriesState) -> float:
        """The series' usual period-on-period change in %, the median over its recent history (a lumpy series
        such as a month's loans needs a bigger jump to be news than a steady one)."""
        values = np.array([v for _, v in state.recent[:-1]], dtype=float)
        if len(values) < 3 or (values[:-1] == 0).any():
            return 0.0
        return float(np.median(np.abs(np.diff(values) / values[:-1])) * 100)

    def evaluate(self, state: SeriesState) -> Finding | None:
        if (state.latest is None or state.direction not in ("up", "down") or state.unit == "%"
                or state.frequency not in self.frequencies or any(v < 0 for _, v in state.recent)
                or state.seasonal):  # weather and air are judged against their season, not their last month
            return None
        period, value = state.latest
        yoy = self._worsening_pct(state, state.yoy_value, value)
        if state.accumulation == "ytd":
            if yoy is not None and abs(yoy) >= self.ytd_pct:
                level = "orange" if abs(yoy) >= 2 * self.ytd_pct else "yellow"
                return self._finding(state, period, level, "累计同比", "year-to-date, year-on-year", yoy)
            return None
        prev = state.recent[-2][1] if len(state.recent) >= 2 else None
        mom = self._worsening_pct(state, prev, value)
        seasonal = state.yoy_value is not None and (yoy is None or abs(yoy) < self.mom_pct)
        if (mom is not None and abs(mom) >= max(self.mom_pct, self.swing_factor * self._usual_swing(state))
                and not seasonal and self._beyond_noise(state, prev, value)):
            level = "orange" if abs(mom) >= 2 * self.mom_pct else "yellow"
            return self._finding(state, period, level, "环比", "month-on-month" if state.frequency == "monthly"
                                 else "period-on-period", mom)
        if yoy is not None and abs(yoy) >= self.yoy_pct and self._beyond_noise(state, state.yoy_value, value):
            level = "orange" if abs(yoy) >= 2 * self.yoy_pct else "yellow"
            return self._finding(state, period, level, "同比", "year-on-year", yoy)
        values = [v for _, v in state.recent[-(self.consecutive + 1):]]
        if len(values) == self.consecutive + 1:
            steps = np.diff(values) * (-1 if state.direction == "up" else 1)
            if (steps > 0).all() and self._beyond_noise(state, values[0], values[-1]):
                zh = (f"{state.area_zh} {state.name_zh} 连续{self.consecutive}{PERIOD_UNIT_ZH[state.frequency]}恶化,"
                      f"最新 {_amount(value, state.unit_zh)}(蓝色预警){_tail(state)}")
                en = (f"{state.area_en} {state.name_en} worsened {self.consecutive} {PERIOD_UNIT_EN[state.frequency]} "
                      f"in a row, now {_amount(value, state.unit_en)} (blue warning){_tail_en(state)}")
                return Finding(self.name, "blue", period, zh, en, {"consecutive": self.consecutive})
        return None

    def _finding(self, state, period, level, kind_zh, kind_en, pct) -> Finding:
        zh = (f"{state.area_zh} {state.name_zh} {format_period(period, state.frequency, 'zh')}{kind_zh}"
              f"{'上升' if pct > 0 else '下降'} {abs(pct):.1f}%({Level(level).label('zh')}预警){_tail(state)}")
        en = (f"{state.area_en} {state.name_en} {'rose' if pct > 0 else 'fell'} {abs(pct):.1f}% {kind_en} "
              f"{_on(period, state.frequency, 'en')} ({level} warning){_tail_en(state)}")
        return Finding(self.name, level, period, zh, en, {"pct": pct, "kind": kind_en})


@register_rule
class ForecastRule(Rule):
    """Early warning: the forecast crosses a threshold within the horizon."""

    name, label_zh, label_en = "forecast", "预测", "Forecast"
    min_chance: ClassVar[float] = 0.5

    def evaluate(self, state: SeriesState) -> Finding | None:
        if not state.forecast or state.thresholds[0] is None or state.direction == "neutral" or state.latest is None:
            return None
        current = LEVEL_RANK.get(state.level(state.latest[1]), 0)
        for period, yhat, lower_95, upper_95, *_ in state.forecast:
            level = state.level(yhat)
            if LEVEL_RANK.get(level, 0) > current and level in LEVELS:
                chance = self._chance(state, yhat, lower_95, upper_95, state.thresholds[LEVELS.index(level)])
                if chance < self.min_chance:
                    continue
                when_zh, when_en = format_period(period, state.frequency, "zh"), _on(period, state.frequency, "en")
                zh = (f"{state.area_zh} {state.name_zh} 预计{when_zh}达到 {_amount(yhat, state.unit_zh)},"
                      f"可能触发{Level(level).label('zh')}预警(概率约{chance:.0%}){_tail(state)}")
                en = (f"{state.area_en} {state.name_en} is forecast to reach {_amount(yhat, state.unit_en)} {when_en}, "
                      f"a likely {level} warning (chance about {chance:.0%}){_tail_en(state)}")
                return Finding(self.name, level, period, zh, en,
                               {"expected_period": period.isoformat(), "yhat": yhat, "chance": round(chance, 3)})
        return None

    @staticmethod
    def _chance(state: SeriesState, yhat: float, lower: float, upper: float, threshold: float) -> float:
        """P(value beyond threshold), a normal law fitted to the 95% interval."""
        sd = (upper - lower) / (2 * 1.96)
        if not sd or math.isnan(sd):
            return 1.0
        if state.direction == "target":
            off = abs(yhat - state.target)
            return float(norm.sf((threshold - off) / sd))
        distance = badness(threshold, state.direction, None) - badness(yhat, state.direction, None)
        return float(norm.sf(distance / sd))


@register_rule
class AnomalyRule(Rule):
    """The newest value lies outside the 95% band its model expected, on the bad side: a notice (blue).

    The band is the chosen model's one-step forecast made without the newest value. A
    surprise on the good side is no warning; neutral indicators are judged on both sides. A value
    only a sliver outside (less than ``min_distance`` of the band's width) is within the model's
    own uncertainty and raises nothing.
    """

    name, label_zh, label_en = "anomaly", "异常", "Anomaly"
    min_distance: ClassVar[float] = 0.1

    def evaluate(self, state: SeriesState) -> Finding | None:
        if state.band is None or state.latest is None:
            return None
        period, value = state.latest
        lower, upper = state.band
        bad_side = {"up": value < lower, "down": value > upper}.get(state.direction, not lower <= value <= upper)
        if not bad_side:
            return None
        width = max(upper - lower, 1e-9)
        distance = (lower - value if value < lower else value - upper) / width
        if distance < self.min_distance:
            return None
        level = "blue"
        side_zh, side_en = ("低于", "below") if value < lower else ("高于", "above")
        zh = (f"{state.area_zh} {state.name_zh} {format_period(period, state.frequency, 'zh')}为 "
              f"{_amount(value, state.unit_zh)},{side_zh}模型预期区间 {format_number(lower)}–{format_number(upper)}(异常,{Level(level).label('zh')}提示){_tail(state)}")
        en = (f"{state.area_en} {state.name_en} was {_amount(value, state.unit_en)} "
              f"{_on(period, state.frequency, 'en')}, {side_en} the expected range {format_number(lower)}–{format_number(upper)} "
              f"(anomaly, {level} notice){_tail_en(state)}")
        return Finding(self.name, level, period, zh, en, {"value": value, "lower": lower, "upper": upper})


@register_rule
class StaleRule(Rule):
    """No value N periods after it was due."""

    name, label_zh, label_en = "stale", "迟报", "Late data"
    levels_by_overdue: ClassVar[tuple[tuple[int, str], ...]] = ((3, "orange"), (2, "yellow"), (1, "blue"))

    def evaluate(self, state: SeriesState) -> Finding | None:
        if state.overdue < 1 or state.latest is None:
            return None
        level = next(level for limit, level in self.levels_by_overdue if state.overdue >= limit)
        last = state.latest[0]
        zh = (f"{state.area_zh} {state.name_zh} 已逾期 {state.overdue} 期未报送(最新数据为"
              f"{format_period(last, state.frequency, 'zh')},{Level(level).label('zh')}预警){_tail(state)}")
        en = (f"{state.area_en} {state.name_en} is {state.overdue} period(s) overdue (latest data "
              f"{_on(last, state.frequency, 'en')}; {level} warning){_tail_en(state)}")
        return Finding(self.name, level, None, zh, en, {"overdue": state.overdue, "latest": last.isoformat()})


def evaluate(state: SeriesState) -> list[Finding]:
    """Every registered rule's finding for one series (a threshold warning makes a change warning redundant)."""
    findings = [finding for rule in RULES.values() if (finding := rule().evaluate(state)) is not None]
    if any(f.rule == ThresholdRule.name for f in findings):
        findings = [f for f in findings if f.rule != ChangeRule.name]
    return findings
