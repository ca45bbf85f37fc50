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
    assert format_change(-0.04) == "-0.0%"
    assert format_change(float("nan")) == "—"
