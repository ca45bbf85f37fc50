"""Year-to-date arithmetic, and how year-to-date periods are written and judged late."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from indicators.catalog.accumulation import accumulate, opens_year, single_period_values
from indicators.catalog.periods import format_period, periods_overdue
from indicators.ingest.templates import period_label


def _months(year: int, months: list[int]) -> list[date]:
    return [date(year, month, 1) for month in months]


def test_single_months_are_differences_of_cumulative_values_within_a_year():
    periods = _months(2024, [1, 2, 3]) + _months(2025, [1, 2])
    cumulative = [10.0, 25.0, 45.0, 12.0, 30.0]
    single = single_period_values(periods, cumulative, frequency="monthly")
    assert single.tolist() == [10.0, 15.0, 20.0, 12.0, 18.0]


def test_a_merged_january_and_february_is_its_own_value_and_a_gap_makes_the_next_month_missing():
    periods = _months(2024, [2, 3, 5, 6])
    single = single_period_values(periods, [30.0, 45.0, 80.0, 100.0], frequency="monthly", jan_feb_merged=True)
    assert single[0] == 30.0 and single[1] == 15.0
    assert math.isnan(single[2])  # April's cumulative value is missing: May cannot be split off
    assert single[3] == 20.0


def test_quarters_accumulate_from_the_first_quarter():
    periods = [date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    single = single_period_values(periods, [100.0, 210.0, 330.0, 460.0], frequency="quarterly")
    assert single.tolist() == [100.0, 110.0, 120.0, 130.0]
    assert opens_year(date(2024, 1, 1), "quarterly", False) and not opens_year(date(2024, 4, 1), "quarterly", False)


def test_accumulating_single_months_gives_back_the_published_values():
    index = pd.date_range("2023-02-01", "2025-12-01", freq="MS")
    index = index[index.month != 1]  # published 1—2月 together
    rng = np.random.default_rng(3)
    single = pd.Series(rng.uniform(5, 15, len(index)), index=index)
    cumulative = accumulate(single, frequency="monthly", jan_feb_merged=True)
    assert cumulative[cumulative.index.month == 12].tolist() == pytest.approx(
        [single[single.index.year == year].sum() for year in (2023, 2024, 2025)])
    back = single_period_values(list(index.date), cumulative.to_numpy(), frequency="monthly", jan_feb_merged=True)
    assert back == pytest.approx(single.to_numpy())


@pytest.mark.parametrize("period, frequency, lang, cumulative, merged, text", [
    (date(2024, 10, 1), "monthly", "zh", True, False, "2024年1—10月"),
    (date(2024, 10, 1), "monthly", "en", True, False, "Jan–Oct 2024"),
    (date(2024, 1, 1), "monthly", "zh", True, False, "2024年1月"),
    (date(2024, 2, 1), "monthly", "zh", False, True, "2024年1—2月"),
    (date(2024, 3, 1), "monthly", "zh", False, True, "2024年3月"),
    (date(2024, 1, 1), "quarterly", "zh", True, False, "2024年一季度"),
    (date(2024, 4, 1), "quarterly", "zh", True, False, "2024年上半年"),
    (date(2024, 7, 1), "quarterly", "zh", True, False, "2024年前三季度"),
    (date(2024, 10, 1), "quarterly", "en", True, False, "Full year 2024"),
])
def test_year_to_date_periods_read_as_bureaus_write_them(period, frequency, lang, cumulative, merged, text):
    assert format_period(period, frequency, lang, cumulative=cumulative, jan_feb_merged=merged) == text


def test_templates_write_cumulative_periods_the_loader_reads():
    assert period_label(date(2025, 5, 1), "monthly", cumulative=True) == "2025年1—5月"
    assert period_label(date(2025, 2, 1), "monthly", jan_feb_merged=True) == "2025年1—2月"
    assert period_label(date(2025, 7, 1), "quarterly", cumulative=True) == "2025年1—3季度"
    assert period_label(date(2025, 5, 1), "monthly") == "2025年5月"


def test_a_merged_indicator_is_not_late_for_a_january_that_is_never_published():
    december = date(2024, 12, 1)
    assert periods_overdue(december, "monthly", date(2025, 3, 1), jan_feb_merged=True) == 0
    assert periods_overdue(december, "monthly", date(2025, 3, 1)) == 1
    assert periods_overdue(december, "monthly", date(2025, 3, 25), jan_feb_merged=True) == 1  # 1—2月 is due
    assert periods_overdue(date(2023, 12, 1), "monthly", date(2025, 3, 25), jan_feb_merged=True) == 12
