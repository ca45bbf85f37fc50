"""Cities are configuration: the three configured ones, and any other added by adcode."""

import shutil

import pytest

from geo.cities import ATTRIBUTION, CITIES_FILE, add_city, get_city, load_cities


def test_configured_cities_and_their_districts():
    cities = load_cities()
    assert list(cities) == ["xiamen", "ningde", "luan"]
    assert [len(c.districts) for c in cities.values()] == [6, 9, 7]
    assert get_city("350200").key == "xiamen" and get_city("ningde").adcode == "350900"
    siming = get_city("xiamen").districts[0]
    assert (siming.adcode, siming.name_zh, siming.name_en) == ("350203", "思明区", "Siming District")
    assert get_city("luan").demo is False and get_city("xiamen").demo is True
    assert "OpenStreetMap" in ATTRIBUTION
    with pytest.raises(KeyError, match="unknown city"):
        get_city("atlantis")


def test_boundaries_match_the_districts():
    for city in load_cities().values():
        features = city.boundary_geojson()["features"]
        assert sorted(f["properties"]["adcode"] for f in features) == sorted(d.adcode for d in city.districts)


def test_add_a_city_by_adcode(tmp_path):
    config = tmp_path / "cities.yaml"
    shutil.copy(CITIES_FILE, config)
    try:
        city = add_city("quanzhou", "350500", name_en="Quanzhou", path=config, boundary_dir=tmp_path)
        assert city.name_zh == "泉州市" and len(city.districts) >= 10
        assert all(d.adcode.startswith("3505") for d in city.districts)
        assert (tmp_path / "350500.geojson").exists()
        assert "quanzhou" in load_cities(config)
        with pytest.raises(ValueError, match="configured already"):
            add_city("quanzhou", "350500", path=config, boundary_dir=tmp_path)
        with pytest.raises(KeyError, match="no prefecture-level city"):
            add_city("nowhere", "999900", path=config, boundary_dir=tmp_path)
    finally:
        load_cities.cache_clear()
