"""The header's city switch offers every configured city: those with demo data and those added by adcode."""

from geo.cities import add_city, load_cities
from tests.helpers import request_context, text_of


def test_a_city_added_by_adcode_is_in_the_header_s_city_switch(dash_app, tmp_path, monkeypatch):
    from pages._shell import build_header

    monkeypatch.setenv("CITYVITALS_DATA_DIR", str(tmp_path))
    load_cities.cache_clear()
    try:
        with request_context(dash_app.server, "/"):
            before = text_of(build_header("/", "xiamen", "zh", "—"))
            add_city("quanzhou", "350500", name_en="Quanzhou")
            load_cities.cache_clear()
            after = text_of(build_header("/", "xiamen", "zh", "—"))
            english = text_of(build_header("/", "xiamen", "en", "—"))
    finally:
        load_cities.cache_clear()
    assert "city=quanzhou" not in before
    assert "/?city=quanzhou&lang=zh" in after and "泉州" in after  # the added city, by its short name
    assert "Quanzhou" in english
    assert "city=ningde" in after and "city=luan" not in after  # 六安 is seeded only, without demo data
