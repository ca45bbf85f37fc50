"""Identities between indicators: parts and their totals, daily figures and their monthly sums, shares.

The generic series are made one by one; these tables then tie them together on single-period values
(before year-to-date accumulation), so that every published total equals the sum of its parts where the
statistics define it so, a part never exceeds its total, a monthly count is the sum of its daily counts
and a share is its two counts' ratio. ``indicators.demo.audit`` checks the same tables on the store.

A tie is applied only when every indicator it names is in the catalog, and area by area (a district's
parts make the district's total; the city row then follows by the aggregation rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indicators.catalog.entries import Indicator
from indicators.demo.calendar import Calendar
from indicators.demo.noise import ar1, rng
from indicators.demo.series import Generator, decimals, demo_spec


@dataclass(frozen=True)
class Sum:
    """``total = factor × Σ parts × (1 + extra)``: ``extra`` covers a small part the catalog lacks
    (farmers' cooperatives among market entities)."""

    total: str
    parts: tuple[str, ...]
    factor: float = 1.0
    extra: float = 0.0


@dataclass(frozen=True)
class Share:
    """``part = total × ratio``, the ratio wandering slowly around the typical values' ratio."""

    part: str
    total: str


@dataclass(frozen=True)
class DailyTotal:
    """A monthly figure that is the sum of a daily one (× ``factor`` for a change of unit)."""

    monthly: str
    daily: str
    factor: float = 1.0


@dataclass(frozen=True)
class Ratio:
    """``share = numerator / denominator × factor`` over the same period."""

    share: str
    numerator: str
    denominator: str
    factor: float = 100.0


DAILY_TOTALS = (
    DailyTotal("ECO-ENE-001", "ECO-ENE-002", 1e-4),  # 全社会用电量 (亿kWh) = Σ 日用电量 (万kWh)
    DailyTotal("ECO-IND-016", "ECO-IND-015", 1e-4),  # 工业用电量 = Σ 工业日用电量
    DailyTotal("PUB-TRN-009", "PUB-TRN-001"),  # 城市轨道交通客运量 = Σ 地铁日客运量
    DailyTotal("MKT-CPL-001", "MKT-CPL-002"),  # 12315 投诉举报件数 = Σ 日受理量
    DailyTotal("GOV-PET-003", "GOV-PET-005"),  # 来访批次 = Σ 日来访批次
    DailyTotal("GOV-PET-006", "GOV-PET-007"),  # 网上信访事项量 = Σ 日网上信访件数
)
SHARES = (
    Share("ECO-CON-002", "ECO-CON-001"),  # 限额以上零售额 ≤ 社会消费品零售总额
    Share("ECO-CON-003", "ECO-CON-001"),  # 餐饮收入
    Share("ECO-CON-005", "ECO-CON-001"),  # 网上零售额
    Share("ECO-IND-001", "ECO-IND-004"),  # 规上工业增加值 ≤ 规上工业总产值
    Share("ECO-IND-012", "ECO-IND-004"),  # 出口交货值
    Share("ECO-IND-006", "ECO-IND-004"),  # 利润总额
    Share("ECO-FIS-002", "ECO-FIS-001"),  # 税收收入 ≤ 一般公共预算收入
    Share("ECO-IND-015", "ECO-ENE-002"),  # 工业日用电量 ≤ 全社会日用电量 (so the monthly sums are too)
    Share("MKT-ENT-004", "MKT-ENT-002"),  # 私营企业 ≤ 企业
    Share("MKT-ENT-012", "MKT-ENT-011"),  # 简易注销 ≤ 注销
    Share("MKT-CPL-006", "MKT-CPL-001"),  # 立案, 预付式, 价格投诉 ≤ 投诉举报件数
    Share("MKT-CPL-007", "MKT-CPL-001"),
    Share("MKT-CPL-008", "MKT-CPL-001"),
    Share("PUB-CDC-007", "PUB-CDC-006"),  # 流感 is a 丙类 disease
    Share("MKT-SE-002", "MKT-SE-001"),  # 电梯 are special equipment
    Share("GOV-POL-002", "GOV-POL-001"),  # 有效警情 ≤ 接报警
    Share("GOV-SAF-003", "GOV-SAF-001"),  # 较大事故 ≤ 事故
)
SUMS = (
    Sum("MKT-ENT-001", ("MKT-ENT-002", "MKT-ENT-003"), extra=0.006),  # 经营主体 = 企业 + 个体工商户 (+ 合作社)
    Sum("MKT-ENT-006", ("MKT-ENT-007", "MKT-ENT-008"), factor=1e-4, extra=0.01),  # 新设经营主体 (万户)
    Sum("PUB-CDC-001", ("PUB-CDC-004", "PUB-CDC-005", "PUB-CDC-006")),  # 法定传染病 = 甲 + 乙 + 丙类
    Sum("GOV-PET-001", ("GOV-PET-002", "GOV-PET-003", "GOV-PET-006")),  # 信访总量 = 来信 + 来访 + 网上
)
RATIOS = (
    Ratio("GOV-PET-008", "GOV-PET-006", "GOV-PET-001"),  # 网上信访占比
    Ratio("GOV-POL-003", "GOV-POL-002", "GOV-POL-001"),  # 有效警情占接报警比例 (weekly, from daily counts)
)
SHARE_WANDER = 0.015  # sd of a part's share of its total (a value-added ratio drifts slowly)
PER_DAY = (("MKT-ENT-010", "MKT-ENT-007", 1e-4),)  # 日均新设企业数 (万户/日) = 新设企业数 / days


def _present(generator: Generator, *codes: str) -> bool:
    return all(code in generator.by_code for code in codes)


def _ind(generator: Generator, code: str) -> Indicator:
    return generator.by_code[code]


def _rounded(ind: Indicator, values: np.ndarray) -> np.ndarray:
    spec = demo_spec(ind)
    return np.round(values, decimals(ind, spec))


def _aligned(generator: Generator, target: str, source: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The areas both series have (districts when both have them, else the city), with their rows."""
    left, right = generator.series(_ind(generator, target)), generator.series(_ind(generator, source))
    common = [a for a in left.adcodes if a in right.adcodes]
    districts = [a for a in common if a != generator.city.adcode]
    areas = districts or common
    return areas, np.array([left.row(a) for a in areas]), np.array([right.row(a) for a in areas])


def daily_totals(generator: Generator, cal: Calendar) -> None:
    """Monthly figures become the sums of their daily ones where the daily data reach; earlier months keep
    their own path, scaled to join the daily sums without a step."""
    months, daily = cal.periods["monthly"], cal.periods["daily"]
    for tie in DAILY_TOTALS:
        if not _present(generator, tie.monthly, tie.daily):
            continue
        areas, monthly_rows, daily_rows = _aligned(generator, tie.monthly, tie.daily)
        if not len(areas) or not len(daily.starts) or not len(months.starts):
            continue
        on_grid = np.zeros((len(areas), len(cal.days)))
        on_grid[:, daily.lo] = daily_rows
        covered = (months.lo >= daily.lo[0]) & (months.hi <= daily.lo[-1] + 1)
        sums = cal.total(on_grid, months) * tie.factor
        values = monthly_rows.copy()
        if covered.any():
            first = np.flatnonzero(covered)[:12]
            join = sums[:, first].sum(axis=1) / np.maximum(monthly_rows[:, first].sum(axis=1), 1e-9)
            values = np.where(covered, sums, monthly_rows * join[:, None])
        generator.replace(_ind(generator, tie.monthly), _rounded(_ind(generator, tie.monthly), values), areas)


def shares(generator: Generator, seed: int, *, daily: bool) -> None:
    """Parts become slowly wandering shares of their totals (whole counts: a binomial share of the total).

    Args:
        generator: the city's series.
        seed: the demo seed.
        daily: tie the daily parts (before the monthly sums are made of them) or the others.
    """
    for tie in SHARES:
        if not _present(generator, tie.part, tie.total):
            continue
        part, total = _ind(generator, tie.part), _ind(generator, tie.total)
        if part.frequency != total.frequency or (part.frequency == "daily") != daily:
            continue
        areas, part_rows, total_rows = _aligned(generator, tie.part, tie.total)
        if not len(areas) or not total_rows.size:
            continue
        base = min(part.typical / total.typical, 0.98) if total.typical else 0.0
        draws = rng(seed, "share", tie.part, generator.city.adcode)
        ratio = np.clip(base * np.exp(ar1(draws, len(areas), total_rows.shape[1], 0.9, SHARE_WANDER)), 0, 0.995)
        if demo_spec(part).integer:
            values = draws.binomial(np.maximum(total_rows, 0).astype(np.int64), ratio).astype(float)
        else:
            values = total_rows * ratio
        generator.replace(part, _rounded(part, values), areas)


def sums(generator: Generator) -> None:
    """Totals become the sums of their parts."""
    for tie in SUMS:
        if not _present(generator, tie.total, *tie.parts):
            continue
        total = _ind(generator, tie.total)
        if any(_ind(generator, p).frequency != total.frequency for p in tie.parts):
            continue
        series = generator.series(total)
        areas = [a for a in series.adcodes if a != generator.city.adcode] or series.adcodes
        parts = [generator.series(_ind(generator, p)) for p in tie.parts]
        if any(any(p.row(a) is None for a in areas) for p in parts):
            continue
        values = sum(np.array([p.row(a) for a in areas]) for p in parts) * tie.factor * (1 + tie.extra)
        generator.replace(total, _rounded(total, values), areas)


def ratios(generator: Generator, cal: Calendar) -> None:
    """Shares become their counts' ratio (summed over the share's period when the counts are finer)."""
    for tie in RATIOS:
        if not _present(generator, tie.share, tie.numerator, tie.denominator):
            continue
        share = _ind(generator, tie.share)
        numerator, denominator = _ind(generator, tie.numerator), _ind(generator, tie.denominator)
        top, bottom = generator.series(numerator), generator.series(denominator)
        own = generator.series(share)
        areas = [a for a in own.adcodes if top.row(a) is not None and bottom.row(a) is not None]
        if own.adcodes and own.adcodes[0] == generator.city.adcode and generator.aggregated_code(share):
            areas = [a for a in areas if a != generator.city.adcode]
        if not areas:
            continue
        periods = cal.periods[share.frequency]
        sums = []
        for series, ind in ((top, numerator), (bottom, denominator)):
            rows = np.array([series.row(a) for a in areas])
            if ind.frequency == share.frequency:
                sums.append(rows)
            else:
                grid = np.zeros((len(areas), len(cal.days)))
                grid[:, cal.periods[ind.frequency].lo] = rows
                sums.append(cal.total(grid, periods))
        values = np.divide(sums[0], sums[1], out=np.zeros_like(sums[0]), where=sums[1] > 0) * tie.factor
        generator.replace(share, _rounded(share, np.clip(values, share.min_value, share.max_value)), areas)


def per_day(generator: Generator, cal: Calendar) -> None:
    """Daily averages become their monthly count over the month's days."""
    months = cal.periods["monthly"]
    for code, count, factor in PER_DAY:
        if not _present(generator, code, count):
            continue
        areas, _, rows = _aligned(generator, code, count)
        values = rows / (months.hi - months.lo) * factor
        generator.replace(_ind(generator, code), np.round(values, 4), areas)


# The retail price of lean pork and the CPI's pork prices year on year tell one pig cycle (猪周期).
PORK_PRICE, PORK_CPI = "MKT-PRC-001", "MKT-PRC-008"


def pork_cycle(generator: Generator, cal: Calendar) -> None:
    """The daily pork price follows the CPI's pork index: each month's mean price is the mean a year before
    times the index's change year on year (the first year of daily prices is the base), the days keeping
    their own wander around their month's mean."""
    if not _present(generator, PORK_PRICE, PORK_CPI):
        return
    price_ind, city = _ind(generator, PORK_PRICE), generator.city.adcode
    daily, change = generator.series(price_ind).row(city), generator.series(_ind(generator, PORK_CPI)).row(city)
    if daily is None or change is None or not len(daily):
        return
    months = cal.periods["monthly"]
    month_of_day = np.searchsorted(months.lo, cal.periods["daily"].lo, side="right") - 1
    means = np.array([daily[month_of_day == m].mean() if (month_of_day == m).any() else np.nan
                      for m in range(len(months.lo))])
    level = means.copy()
    for m in range(12, len(level)):
        if not np.isnan(level[m - 12]) and not np.isnan(means[m]):
            level[m] = level[m - 12] * (1 + change[m] / 100)
    values = daily * (level / means)[month_of_day]
    generator.replace(price_ind, _rounded(price_ind, values)[None, :], [city])


def apply(generator: Generator, cal: Calendar, seed: int) -> None:
    """Apply every tie, in the order the identities build on each other."""
    shares(generator, seed, daily=True)
    daily_totals(generator, cal)
    shares(generator, seed, daily=False)
    sums(generator)
    ratios(generator, cal)
    per_day(generator, cal)
    pork_cycle(generator, cal)
