"""Chinese public holidays in Prophet's ``holidays`` table format, from the ``holidays`` package
(computed offline, including the lunar dates of future years).

Spring Festival gets its own effect with a wide window: activity drops a week before (migration
home, factories closing) and recovers over about two weeks, up to the Lantern Festival (day 15).
Every other official day off (National Day week, Labour Day, Qingming, Dragon Boat, Mid-Autumn,
New Year and the substituted days) shares one "public holiday" effect, because with two years of
daily data there is too little history to estimate each festival separately.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

SPRING_FESTIVAL: Final = "spring_festival"
PUBLIC_HOLIDAY: Final = "public_holiday"
# Days before / after the first day of the Spring Festival that get their own effect.
SPRING_WINDOW: Final = (-7, 14)


def china_holidays(first_year: int, last_year: int, *, week: str | None = None) -> pd.DataFrame:
    """Holiday table for Prophet covering the given years.

    Args:
        first_year: First calendar year to include.
        last_year: Last calendar year to include (cover the forecast horizon too).
        week: For weekly series, the Period frequency of the weeks (e.g. ``W-SUN`` for weeks
            starting on Monday); each holiday is then moved to the first day of its week, so
            that it matches a timestamp of the series.

    Returns:
        A DataFrame with columns ``holiday``, ``ds``, ``lower_window``, ``upper_window``.
    """
    # Imported here: only Prophet needs the calendar, and the package takes 0.1 s to import.
    import holidays

    calendar = holidays.China(years=range(first_year, last_year + 1), language="en_US")
    days = pd.Series(calendar).sort_index()
    days.index = pd.to_datetime(days.index)
    is_spring = days.str.contains("Spring Festival", regex=False)
    spring_starts = days[is_spring].index.to_series().groupby(lambda d: d.year).min()
    near_spring = pd.Series(False, index=days.index)
    for start in spring_starts:
        lower, upper = (start + pd.Timedelta(days=offset) for offset in SPRING_WINDOW)
        near_spring |= (days.index >= lower) & (days.index <= upper)
    spring = pd.DataFrame(
        {
            "holiday": SPRING_FESTIVAL,
            "ds": spring_starts.to_numpy(),
            "lower_window": SPRING_WINDOW[0],
            "upper_window": SPRING_WINDOW[1],
        }
    )
    public = pd.DataFrame(
        {
            "holiday": PUBLIC_HOLIDAY,
            "ds": days.index[~near_spring.to_numpy()],
            "lower_window": 0,
            "upper_window": 0,
        }
    )
    table = pd.concat([spring, public], ignore_index=True)
    if week is not None:
        table["ds"] = pd.DatetimeIndex(table["ds"]).to_period(week).to_timestamp()
        table = table.drop_duplicates(["holiday", "ds"])
    return table.reset_index(drop=True)
