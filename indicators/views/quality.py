"""Data quality for the operator's desk (``/data/quality``): is every indicator of a city on time and
complete against its frequency, where its history has holes or odd values, what falls due this week,
and how the responsible departments compare (考核).

An indicator is judged on its *expected series* in a city: the city's own series for a city-level
indicator, every district's for a district-level one (the districts the viewer may see). A period is
due ``PUBLICATION_LAG_DAYS`` after it ends (``indicators.catalog.periods``); the *expected period* is the newest
one due by ``today``. An indicator is

* ``never_loaded`` when none of its expected series has any data;
* ``late`` when none has reached the expected period: the newest period delivered is ``overdue``
  periods behind (``periods_overdue``), and the first missing one fell due ``days_late`` days ago;
* ``missing`` (incomplete) when some series have reached it and others have not, or have no data;
* ``on_time`` when every expected series has reached it.

Outliers follow ``is_outlier`` (more than 5 MADs from the median of the values before); the departments'
score is ``rank_departments``'s. Everything but ``history_issues`` is computed from the ``latest`` table
(per series: newest and first period, count, the last values), one indexed read per city, never a scan
of the observations.

Like ``queries``, every function returns only what the current viewer may see, and the public ones
require the ``data.view`` permission. That check stays outside the cached functions: the cache keeps
results apart by clearance and scope, not by role.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sqlalchemy import select

from indicators.accounts.access import require
from indicators.catalog.accumulation import single_period_values
from indicators.catalog.entries import FREQUENCIES, is_rate_unit
from indicators.catalog.periods import (
    due_date,
    expected_latest,
    parse_stored,
    periods_between,
    periods_overdue,
    shift,
    year_ago,
)
from indicators.store.models import Area, IndicatorDef, Latest, Observation
from indicators.store.writes import RECENT_VALUES
from indicators.views.cache import cached
from indicators.views.queries import (
    areas,
    indicators,
    read_frame,
    require_city,
    require_indicator,
)

# Best to worst: the order of counts, filters and of the indicator list within a department.
STATUSES = ("on_time", "missing", "late", "never_loaded")
# The outlier rule (see ``robust_centre``): how many MADs from the median, the MAD's floor as a share of
# the median, and the earlier values needed before a value is judged at all.
OUTLIER_MADS = 5.0
MAD_FLOOR = 0.02
MIN_HISTORY = 6
# Earlier values a value is compared with: as many as ``latest.recent`` keeps before the newest one.
WINDOW = RECENT_VALUES - 1
CATALOG_COLUMNS = ["code", "name_zh", "name_en", "department", "frequency", "spatial_level", "jan_feb_merged",
                   "accumulation", "unit", "derived"]


# ---- pure rules ----------------------------------------------------------------------------------------------

def week_of(today: date) -> tuple[date, date]:
    """The Monday and the Sunday of the week that contains ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _januaries(first_period: date, newest: date) -> int:
    """How many Januaries lie between two periods, both included."""
    return sum(1 for year in range(first_period.year, newest.year + 1) if first_period <= date(year, 1, 1) <= newest)


def missing_periods(first_period: date, newest: date, count: int, frequency: str, jan_feb_merged: bool = False) -> int:
    """How many published periods a series lacks between its first and its newest period (its gaps; an
    indicator published for January and February together has no January to miss)."""
    unpublished = _januaries(first_period, newest) if jan_feb_merged and frequency == "monthly" else 0
    return periods_between(first_period, newest, frequency) + 1 - count - unpublished


def gap_periods(periods: Sequence[date], frequency: str, jan_feb_merged: bool = False) -> list[date]:
    """The published periods missing between the first and the last of ``periods``, oldest first."""
    if not len(periods):
        return []
    first, last = min(periods), max(periods)
    every = (shift(first, frequency, step) for step in range(periods_between(first, last, frequency) + 1))
    present = set(periods)
    return [period for period in every if period not in present
            and not (jan_feb_merged and frequency == "monthly" and period.month == 1)]


def comparable_values(periods: Sequence[date], values: Sequence[float], row: Mapping) -> np.ndarray:
    """The values odd ones are judged among: single-period values of a year-to-date amount (its cumulative
    values climb all year and drop every January), the values themselves otherwise."""
    if row["accumulation"] == "ytd" and not is_rate_unit(row["unit"]):
        return single_period_values(periods, values, frequency=row["frequency"],
                                    jan_feb_merged=bool(row["jan_feb_merged"]))
    return np.asarray(values, dtype=float)


def robust_centre(prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and spread of each row of earlier values, the centre a value is judged against.

    The spread is the median absolute deviation (MAD), taken as at least ``MAD_FLOOR`` (2 %) of the
    median's size, so a flat or coarsely rounded series does not flag its smallest step.

    Args:
        prior: one row of earlier values per value judged, NaN where there is none.

    Returns:
        ``(median, spread)`` per row; NaN for rows with fewer than ``MIN_HISTORY`` earlier values.
    """
    median = np.full(len(prior), np.nan)
    spread = np.full(len(prior), np.nan)
    enough = np.count_nonzero(~np.isnan(prior), axis=1) >= MIN_HISTORY
    if enough.any():
        rows = prior[enough]
        median[enough] = np.nanmedian(rows, axis=1)
        mad = np.nanmedian(np.abs(rows - median[enough, None]), axis=1)
        spread[enough] = np.maximum(mad, MAD_FLOOR * np.abs(median[enough]))
    return median, spread


def is_outlier(values: np.ndarray, median: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """The robust rule: a value is an outlier when ``|value − median| > 5 × spread`` (``robust_centre``)
    of the values before it; values without enough history, or with a zero spread, are never flagged."""
    with np.errstate(invalid="ignore"):
        return (spread > 0) & (np.abs(values - median) > OUTLIER_MADS * spread)


def newest_outliers(recent: Sequence[Sequence[float]]) -> np.ndarray:
    """Whether each series' newest value is an outlier against the values before it.

    Args:
        recent: per series, its last values, oldest first (``latest.recent``).

    Returns:
        One flag per series.
    """
    lengths = np.fromiter(map(len, recent), dtype=int, count=len(recent))
    rows = np.arange(len(recent))
    # One row per series, its values from the left, NaN after them.
    grid = np.full((len(recent), max(lengths.max(initial=0), 1)), np.nan)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid[np.repeat(rows, lengths), np.arange(lengths.sum()) - starts] = np.fromiter(
        itertools.chain.from_iterable(recent), dtype=float, count=lengths.sum())
    has = lengths > 0
    newest = np.full(len(recent), np.nan)
    newest[has] = grid[rows[has], lengths[has] - 1]
    grid[rows[has], lengths[has] - 1] = np.nan  # what is left are the values before the newest
    return is_outlier(newest, *robust_centre(grid))


def history_outliers(values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Which values of a whole series are outliers, each judged against the ``WINDOW`` values before it
    (the rule the newest value is judged by, applied at every period).

    Args:
        values: the series, oldest first.

    Returns:
        ``(flags, medians)``: one flag per value, and the median it was compared with.
    """
    values = np.asarray(values, dtype=float)
    padded = np.concatenate([np.full(WINDOW, np.nan), values])
    median, spread = robust_centre(sliding_window_view(padded[:-1], WINDOW))
    return is_outlier(values, median, spread), median


def expected_series(catalog: pd.DataFrame, city_adcode: str, districts: Sequence[str]) -> pd.DataFrame:
    """The (code, adcode) pairs an indicator should have in a city: the city for city-level indicators,
    every district for district-level ones."""
    city_codes = catalog.loc[catalog["spatial_level"] == "city", "code"].to_numpy()
    district_codes = catalog.loc[catalog["spatial_level"] == "district", "code"].to_numpy()
    return pd.DataFrame({
        "code": np.concatenate([city_codes, np.repeat(district_codes, len(districts))]),
        "adcode": np.concatenate([np.full(len(city_codes), city_adcode, dtype=object),
                                  np.tile(np.asarray(districts, dtype=object), len(district_codes))]),
    })


def _as_date(moment) -> date | None:
    return None if pd.isna(moment) else pd.Timestamp(moment).date()


def assess(catalog: pd.DataFrame, latest: pd.DataFrame, *, city_adcode: str, districts: Sequence[str],
           today: date) -> pd.DataFrame:
    """Status, completeness, gaps, outliers and next due date of every indicator of a city.

    Args:
        catalog: the indicators (``CATALOG_COLUMNS``).
        latest: the city's series: ``code``, ``adcode``, ``period`` (newest), ``first_period``, ``count``
            and ``recent`` (the last values, oldest first); other series are ignored.
        city_adcode: the city's own area.
        districts: the districts expected to report district-level indicators.
        today: the day judged on.

    Returns:
        One row per indicator of ``catalog``, in its order, with its ``CATALOG_COLUMNS`` and ``status``
        (see the module), ``last_period`` (the newest period of any expected series, None if none),
        ``overdue`` (periods past due; 0 when on time, −1 when never loaded), ``days_late`` (days since
        the first missing period fell due; 0 unless late), ``areas`` (expected series), ``areas_current``
        (those that reached the expected period), ``completeness`` (their share, 0–1), ``gaps`` (periods
        missing inside the histories, summed over the series), ``outliers`` (series whose newest value
        is an outlier, see ``is_outlier``), ``next_period`` (the one after ``last_period``), ``next_due``
        (when it is due) and ``due_this_week`` (``next_due`` falls in ``today``'s Monday–Sunday week).
    """
    meta = catalog.set_index("code")
    series = _judge_series(expected_series(catalog, city_adcode, districts).merge(
        latest[["code", "adcode", "period", "first_period", "count", "recent"]], on=["code", "adcode"], how="left"),
        meta, today)
    by_code = series.groupby("code", sort=False)
    per_code = by_code[["areas_loaded", "areas_current", "gaps", "outliers"]].sum().join(
        by_code["newest"].max()).assign(areas=by_code.size())
    frame = catalog[CATALOG_COLUMNS].join(per_code, on="code")
    # District-level indicators expect nothing of a city without districts.
    counted = ["areas", "areas_loaded", "areas_current", "gaps", "outliers"]
    frame[counted] = frame[counted].fillna(0).astype(int)
    # Indicators of one frequency mostly share their newest period: each pair is timed once.
    timed = functools.cache(lambda last, frequency, merged: _timing(last, frequency, today, merged))
    timing = [timed(_as_date(last), frequency, bool(merged)) for last, frequency, merged in
              zip(frame["newest"].tolist(), frame["frequency"].tolist(), frame["jan_feb_merged"].tolist())]
    frame = frame.join(pd.DataFrame(timing, index=frame.index, columns=TIMING_COLUMNS))
    frame["status"] = np.select([frame["areas_loaded"] == 0, frame["overdue"] > 0,
                                 frame["areas_current"] < frame["areas"]],
                                ["never_loaded", "late", "missing"], "on_time")
    frame["completeness"] = frame["areas_current"] / frame["areas"].where(frame["areas"] > 0)
    return frame.drop(columns=["newest", "areas_loaded"]).reset_index(drop=True)


def _judge_series(series: pd.DataFrame, meta: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per expected series: whether it has data (``areas_loaded``), reached the expected period
    (``areas_current``), its ``gaps``, whether its newest value is an outlier (``outliers``), and its
    newest period as a timestamp (``newest``). ``meta`` is the catalog indexed by code."""
    frequency = series["code"].map(meta["frequency"])
    merged = series["code"].map(meta["jan_feb_merged"]).fillna(False).astype(bool)
    newest = pd.to_datetime(series["period"])
    loaded = newest.notna()
    expectations = {(f, m): expected_latest(f, today, m) for f in FREQUENCIES for m in (False, True)}
    expected = pd.to_datetime([expectations[f, m] for f, m in zip(frequency, merged)])
    series = series.assign(newest=newest, areas_loaded=loaded,
                           areas_current=loaded & (newest.to_numpy() >= expected.to_numpy()), gaps=0, outliers=False)
    if loaded.any():
        have = series[loaded]
        series.loc[loaded, "gaps"] = [
            missing_periods(first, last, int(count), freq, m) for first, last, count, freq, m in
            zip(have["first_period"].tolist(), have["period"].tolist(), have["count"].tolist(),
                frequency[loaded].tolist(), merged[loaded].tolist())]
        series.loc[loaded, "outliers"] = newest_outliers(have["recent"].tolist())
    return series


TIMING_COLUMNS = ["last_period", "overdue", "days_late", "next_period", "next_due", "due_this_week"]


def _timing(last: date | None, frequency: str, today: date, jan_feb_merged: bool = False) -> tuple:
    """An indicator's ``TIMING_COLUMNS`` from its newest period."""
    overdue = periods_overdue(last, frequency, today, jan_feb_merged)
    if last is None:
        return None, overdue, 0, None, None, False
    following = shift(last, frequency, 1)
    if jan_feb_merged and frequency == "monthly" and following.month == 1:
        following = shift(following, frequency, 1)
    next_due = due_date(following, frequency)
    monday, sunday = week_of(today)
    # The first missing period is the one after the newest: lateness counts from its due date.
    days_late = (today - next_due).days if overdue > 0 else 0
    return last, overdue, days_late, following, next_due, monday <= next_due <= sunday


# The ranking's criteria, most important first, and which way is better.
RANK_ORDER = {"score": "descending", "completeness": "descending", "gaps": "ascending", "outliers": "ascending",
              "on_time": "descending"}


def rank_departments(assessed: pd.DataFrame) -> pd.DataFrame:
    """The departments' 考核 ranking from their indicators' assessment.

    Score (0–100) = 100 × (on time + ½ × incomplete) ÷ indicators: an indicator every expected area
    delivered on time earns a full point, one some areas delivered half a point, a late or never-loaded
    one nothing. Equal scores are told apart by the next criterion (``RANK_ORDER``): the more complete department
    first, then the one with fewer gaps in its histories, then fewer outliers, then the one delivering more
    indicators on time; only departments equal on all of them share a rank.

    Args:
        assessed: rows of ``assess``.

    Returns:
        One row per department, best first: ``department``, ``rank`` (1 = best), ``score``, ``indicators``,
        one count per status (``STATUSES``), ``completeness`` (share of all the department's expected
        series that reached their expected period, 0–1), ``gaps`` and ``outliers`` (summed).
    """
    # A derived indicator is computed, not delivered: its department answers for its inputs only.
    assessed = assessed[assessed["derived"].fillna("") == ""]
    flags = pd.DataFrame({status: assessed["status"] == status for status in STATUSES})
    frame = pd.concat([assessed[["department", "areas", "areas_current", "gaps", "outliers"]], flags], axis=1
                      ).groupby("department").sum().reset_index()
    frame["indicators"] = frame[list(STATUSES)].sum(axis=1)
    frame["score"] = 100 * (frame["on_time"] + 0.5 * frame["missing"]) / frame["indicators"]
    frame["completeness"] = frame["areas_current"] / frame["areas"]
    keys, ascending = list(RANK_ORDER), [order == "ascending" for order in RANK_ORDER.values()]
    frame = frame.sort_values([*keys, "department"], ascending=[*ascending, True]).reset_index(drop=True)
    # A department's rank is one more than the number of departments ahead of it on the criteria.
    differs = frame[keys].ne(frame[keys].shift()).any(axis=1)
    frame["rank"] = pd.Series(frame.index + 1).where(differs).ffill().astype(int)
    return frame[["department", "rank", "score", "indicators", *STATUSES, "completeness", "gaps",
                  "outliers"]].reset_index(drop=True)


# ---- reads ---------------------------------------------------------------------------------------------------

def _expected_areas(city_key: str) -> tuple[str, list[str]]:
    """The city's own area and the districts the viewer may see."""
    places = areas(city_key)
    return (places.loc[places["level"] == "city", "adcode"].iat[0],
            places.loc[places["level"] == "district", "adcode"].tolist())


@cached
def _assessment(city_key: str, today: date) -> pd.DataFrame:
    city_adcode, districts = _expected_areas(city_key)
    # Only the series an indicator is judged on: the city's for city-level ones, districts' for the others.
    latest = read_frame(select(Latest.indicator_code, Latest.area_adcode, Latest.period, Latest.first_period,
                          Latest.count, Latest.recent)
                   .join(Area, Area.adcode == Latest.area_adcode)
                   .join(IndicatorDef, IndicatorDef.code == Latest.indicator_code)
                   .where(Area.city_key == city_key, Area.level == IndicatorDef.spatial_level),
                   ["code", "adcode", "period", "first_period", "count", "recent"])
    # One parse for all the series instead of one per series.
    pairs = json.loads("[" + ",".join(text or "[]" for text in latest["recent"].tolist()) + "]")
    catalog = indicators()[CATALOG_COLUMNS]
    meta = catalog.set_index("code").to_dict("index")
    latest["recent"] = [comparable_values([parse_stored(p) for p, _ in series], [v for _, v in series], meta[code])
                        if code in meta else [v for _, v in series] for code, series in zip(latest["code"], pairs)]
    return assess(catalog, latest, city_adcode=city_adcode, districts=districts, today=today)


def indicator_quality(city_key: str, today: date | None = None) -> pd.DataFrame:
    """Every indicator of a city the viewer may see, judged on ``today`` (see ``assess``).

    Args:
        city_key: the city.
        today: the day judged on (today by default).

    Returns:
        One row per indicator, in code order, with the columns of ``assess``.

    Raises:
        AccessDenied: the viewer may not use the data desk, or the city is outside their scope.
    """
    require("data.view")
    require_city(city_key)
    return _assessment(city_key, today or date.today())


def department_ranking(city_key: str, today: date | None = None) -> pd.DataFrame:
    """The responsible departments of a city's indicators ranked by their data's timeliness (see
    ``rank_departments`` for the score), best first.

    Raises:
        AccessDenied: the viewer may not use the data desk, or the city is outside their scope.
    """
    return rank_departments(indicator_quality(city_key, today))


ISSUE_COLUMNS = ["adcode", "name_zh", "name_en", "period", "kind", "value", "median"]


@cached
def _history_issues(code: str, city_key: str) -> pd.DataFrame:
    require_indicator(code)
    meta = indicators().set_index("code").loc[code]
    city_adcode, districts = _expected_areas(city_key)
    adcodes = [city_adcode] if meta["spatial_level"] == "city" else districts
    history = read_frame(select(Observation.area_adcode, Observation.period, Observation.value)
                    .where(Observation.indicator_code == code, Observation.area_adcode.in_(adcodes))
                    .order_by(Observation.area_adcode, Observation.period), ["adcode", "period", "value"])
    issues = []
    for adcode, part in history.groupby("adcode", sort=False):
        issues += [(adcode, period, "gap", np.nan, np.nan) for period in gap_periods(
            part["period"].tolist(), meta["frequency"], bool(meta["jan_feb_merged"]))]
        flags, medians = history_outliers(comparable_values(part["period"].tolist(), part["value"], meta))
        issues += [(adcode, period, "outlier", value, median)
                   for period, value, median in zip(part["period"][flags], part["value"][flags], medians[flags])]
    frame = pd.DataFrame(issues, columns=["adcode", "period", "kind", "value", "median"])
    names = areas(city_key)[["adcode", "name_zh", "name_en"]]
    frame = frame.merge(names, on="adcode", how="left")[ISSUE_COLUMNS]
    return frame.sort_values(["period", "adcode"], ascending=[False, True]).reset_index(drop=True)


def history_issues(code: str, city_key: str) -> pd.DataFrame:
    """One indicator's gaps and outliers over its whole history in a city, from its full series.

    Gaps are the periods missing between each expected series' first and newest period; outliers are the
    values the robust rule of ``is_outlier`` flags against the values before them.

    Args:
        code: the indicator.
        city_key: the city.

    Returns:
        ``ISSUE_COLUMNS``: the area (adcode, names), ``period``, ``kind`` (``gap`` or ``outlier``), ``value``
        and the ``median`` it was judged against (NaN for gaps), newest first.

    Raises:
        AccessDenied: the viewer may not use the data desk, or the indicator or city is not theirs to see.
    """
    require("data.view")
    require_city(city_key)
    return _history_issues(code, city_key)


GROWTH_COLUMNS = ["code", "level_code", "adcode", "name_zh", "name_en", "period", "published", "implied",
                  "difference"]


def growth_gaps(published: pd.DataFrame, levels: pd.DataFrame, *, frequency: str, tolerance: float) -> pd.DataFrame:
    """Periods where a published growth rate and the growth its level implies part by more than ``tolerance``.

    A bureau publishes growth at comparable prices, so a small gap to the nominal growth of the levels is
    normal (the price change); a large one means a wrong level, a wrong rate, or a base-year revision.

    Args:
        published: the growth rate's values: ``adcode``, ``period``, ``value`` (%).
        levels: the level indicator's values, ``adcode``, ``period``, ``value``; for a year-to-date level the
            cumulative values, so the growth implied is the cumulative growth (累计同比).
        frequency: the two indicators' frequency.
        tolerance: the largest gap in percentage points that is not flagged.

    Returns:
        ``adcode``, ``period``, ``published``, ``implied``, ``difference`` (published − implied) of the
        periods flagged, newest first.
    """
    level = levels.set_index(["adcode", "period"])["value"].astype(float)
    before = [(adcode, year_ago(period, frequency)) for adcode, period in zip(published["adcode"], published["period"])]
    now = level.reindex(list(zip(published["adcode"], published["period"]))).to_numpy()
    then = level.reindex(before).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(then > 0, (now / then - 1) * 100, np.nan)
    frame = published[["adcode", "period"]].assign(published=published["value"].astype(float).to_numpy(),
                                                    implied=implied)
    frame["difference"] = frame["published"] - frame["implied"]
    flagged = frame[frame["difference"].abs() > tolerance]
    return flagged.sort_values(["period", "adcode"], ascending=[False, True]).reset_index(drop=True)


@cached
def _growth_mismatches(city_key: str, tolerance: float) -> pd.DataFrame:
    catalog = indicators().set_index("code")
    pairs = [(code, row["growth_of"], row["frequency"]) for code, row in catalog.iterrows()
             if row["growth_of"] and row["growth_of"] in catalog.index]
    names = areas(city_key)[["adcode", "name_zh", "name_en"]]
    found = []
    for code, level_code, frequency in pairs:
        history = read_frame(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                    Observation.value)
                             .where(Observation.indicator_code.in_([code, level_code]),
                                    Observation.area_adcode.in_(names["adcode"].tolist())),
                             ["code", "adcode", "period", "value"])
        gaps = growth_gaps(history[history["code"] == code], history[history["code"] == level_code],
                           frequency=frequency, tolerance=tolerance)
        found.append(gaps.assign(code=code, level_code=level_code))
    frame = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=GROWTH_COLUMNS)
    return frame.merge(names, on="adcode", how="left")[GROWTH_COLUMNS]


def growth_mismatches(city_key: str, tolerance: float) -> pd.DataFrame:
    """Every period of a city where a published growth rate (an indicator's ``growth_of``) and the growth
    of its level part by more than ``tolerance`` percentage points (see ``growth_gaps``).

    Args:
        city_key: the city.
        tolerance: the largest gap, in percentage points, that is not flagged (``settings.growth_tolerance``).

    Returns:
        ``GROWTH_COLUMNS``: the growth indicator and its level, the area, the period, the published and the
        implied growth and their difference; only indicators and areas the viewer may see, newest first.

    Raises:
        AccessDenied: the viewer may not use the data desk, or the city is outside their scope.
    """
    require("data.view")
    require_city(city_key)
    return _growth_mismatches(city_key, float(tolerance))
