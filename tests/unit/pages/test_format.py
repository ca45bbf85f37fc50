import pytest

from pages._format import format_change, format_value


@pytest.mark.parametrize("value, zh, en", [
    (123456, "12.35万", "123.46k"),
    (320000000, "3.2亿", "320M"),
    (1234.5, "1,234", "1,234"),
    (85.25, "85.25", "85.25"),
    (-45000, "-4.5万", "-45,000"),
    (None, "—", "—"),
])
def test_format_value(value, zh, en):
    assert format_value(value, "zh") == zh
    assert format_value(value, "en") == en


def test_format_change():
    assert format_change(3.21) == "+3.2%"
    assert format_change(-0.34, "pp", "zh") == "-0.3个百分点" and format_change(0.3, "pp", "en") == "+0.3 pp"
    assert format_change(-0.04) == "0.0%"  # rounds to nothing: no sign (was "-0.0%")
    assert format_change(-0.04, "pp", "zh") == "0.0个百分点"
    assert format_change(float("nan")) == "—"


def test_change_arrow_follows_the_change_as_shown():
    from pages._format import change_arrow

    assert change_arrow(0.3) == "▲" and change_arrow(-0.3) == "▼"
    assert change_arrow(-0.04) == "" and change_arrow(None) == "" and change_arrow(float("nan")) == ""


@pytest.mark.parametrize("value, unit, zh, en", [
    (12090.4, "件", "1.21万", "12,090"),
    (60.8234, "秒", "61", "61"),
    (97.456, "%", "97.5", "97.5"),
    (33.0, "μg/m³", "33", "33"),
    (0.0123, "亿元", "0.0123", "0.0123"),
    (123.456, "亿元", "123.5", "123.5"),
    (7.0, "℃", "7", "7"),
    (-0.0001, "%", "0", "0"),
])
def test_format_value_by_unit(value, unit, zh, en):
    assert format_value(value, "zh", unit=unit) == zh
    assert format_value(value, "en", unit=unit) == en
    assert "e" not in format_value(1.209e4, "en", unit="件")


def test_units_and_days_read_naturally():
    from datetime import date

    from pages._format import format_period, unit_label

    assert format_period(date(2026, 12, 4), "daily", "en") == "4 Dec 2026"
    assert format_period(date(2026, 12, 14), "daily", "en") == "14 Dec 2026"
    assert format_period(date(2026, 12, 4), "daily", "zh") == "12月4日"
    assert unit_label("无量纲", "zh") == "" and unit_label("无量纲", "en") == ""  # the AQI is a bare number
    assert unit_label("μg/m³", "en") == "μg/m³"
