"""Cities are configuration: the three configured ones, and any other added by adcode."""

import shutil

import pytest

from geo.cities import ATTRIBUTION, CITIES_FILE, add_city, get_city, load_cities, switch_cities


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


def test_add_a_city_by_adcode_writes_into_the_data_folder_not_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_DATA_DIR", str(tmp_path))
    seed_before = CITIES_FILE.read_bytes()
    load_cities.cache_clear()
    try:
        city = add_city("quanzhou", "350500", name_en="Quanzhou")
        assert city.name_zh == "泉州市" and len(city.districts) >= 10
        assert all(d.adcode.startswith("3505") for d in city.districts)
        assert all(d.population > 0 for d in city.districts) and city.population > 8_000_000  # 2020 census: 8.78 M
        assert (tmp_path / "boundaries" / "350500.geojson").exists() and (tmp_path / "cities.yaml").exists()
        assert CITIES_FILE.read_bytes() == seed_before
        assert list(load_cities())[:3] == ["xiamen", "ningde", "luan"] and "quanzhou" in load_cities()
        assert get_city("350500").key == "quanzhou" and len(city.boundary_geojson()["features"]) == len(city.districts)
        assert "quanzhou" in switch_cities() and "luan" not in switch_cities()  # added, or with demo data
        with pytest.raises(ValueError, match="configured already"):
            add_city("quanzhou", "350500")
        with pytest.raises(ValueError, match="configured already"):
            add_city("amoy", "350200")  # 厦门 is in the seed file
        with pytest.raises(KeyError, match="no prefecture-level city"):
            add_city("nowhere", "999900")
    finally:
        load_cities.cache_clear()
