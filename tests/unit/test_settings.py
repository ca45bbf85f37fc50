import pytest

from settings import DEFAULT_DATABASE_URL, get_settings


def test_defaults_give_the_embedded_setup():
    settings = get_settings(environ={})
    assert settings.database_url == DEFAULT_DATABASE_URL and settings.is_sqlite
    assert settings.port == 8050 and settings.lang == "zh" and settings.city == "xiamen"
    assert settings.demo_city_keys == ("xiamen", "ningde")


def test_environment_then_explicit_precedence():
    env = {"CITYVITALS_PORT": "9000", "CITYVITALS_CITY": "ningde", "CITYVITALS_DATABASE_URL": "postgresql+psycopg://h/db"}
    settings = get_settings(environ=env)
    assert (settings.port, settings.city, settings.is_sqlite) == (9000, "ningde", False)
    assert get_settings(environ=env, port=9100).port == 9100


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="CITYVITALS_PORT"):
        get_settings(environ={"CITYVITALS_PORT": "eighty"})
    with pytest.raises(ValueError, match="CITYVITALS_LANG"):
        get_settings(environ={"CITYVITALS_LANG": "fr"})
    with pytest.raises(ValueError, match="unknown settings"):
        get_settings(environ={}, colour="red")
