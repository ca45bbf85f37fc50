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


def test_production_needs_a_real_secret_and_no_demo_sign_in():
    with pytest.raises(ValueError, match="requires CITYVITALS_SECRET_KEY"):
        get_settings(environ={"CITYVITALS_ENV": "production"})
    for weak in ("short-secret", "change-me", "x" * 31):
        with pytest.raises(ValueError, match="default or too short"):
            get_settings(environ={"CITYVITALS_ENV": "production", "CITYVITALS_SECRET_KEY": weak})
    strong = {"CITYVITALS_ENV": "production", "CITYVITALS_SECRET_KEY": "k" * 20 + "Zq8-w3Rt5yU7iO9pA1sD"}
    with pytest.raises(ValueError, match="CITYVITALS_DEMO_LOGIN=1 is not allowed"):
        get_settings(environ={**strong, "CITYVITALS_DEMO_LOGIN": "1"})
    production = get_settings(environ=strong)
    assert production.is_production and not production.demo_login_enabled and production.log_as_json


def test_demo_sign_in_is_the_default_outside_production_only():
    development = get_settings(environ={})
    assert development.demo_login_enabled and not development.log_as_json
    assert not get_settings(environ={"CITYVITALS_DEMO_LOGIN": "0"}).demo_login_enabled
    with pytest.raises(ValueError, match="CITYVITALS_ENV"):
        get_settings(environ={"CITYVITALS_ENV": "staging"})


def test_the_generated_secret_is_kept(tmp_path, monkeypatch):
    import settings as settings_module

    monkeypatch.setattr(settings_module, "SECRET_FILE", tmp_path / "secret_key")
    first = settings_module.secret_key(get_settings(environ={}))
    assert len(first) >= 48 and first == settings_module.secret_key(get_settings(environ={}))
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert settings_module.secret_key(get_settings(environ={"CITYVITALS_SECRET_KEY": "given"})) == "given"


def test_the_forecast_batch_leaves_the_web_a_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert get_settings({}).forecast_processes == 7
    assert get_settings({"CITYVITALS_FORECAST_WORKERS": "3"}).forecast_processes == 3
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert get_settings({}).forecast_processes == 1
