"""Each city's departments: generic names from the city's, the seed file's own names, a new city's list to edit."""

import pytest

from geo.cities import get_city
from indicators.catalog.city_departments import departments_for, parse_city_departments, write_generic_list
from indicators.catalog.yamlfile import ConfigFileError


def test_each_city_has_its_own_units_for_the_catalogs_departments(tmp_path):
    local = tmp_path / "city_departments.yaml"
    luan = departments_for(get_city("luan"), local)
    assert luan["市统计局"].name_zh == "六安市统计局" and luan["市统计局"].short_zh == "市统计局"
    assert luan["市数据管理局"].name_zh == "六安市数据资源管理局"  # its own name, from the seed file
    xiamen = departments_for(get_city("xiamen"), local)
    assert xiamen["市政务服务中心"].name("en") == "Xiamen Administrative Service Centre Commission"
    assert xiamen["市统计局"].name("en") == "Xiamen Bureau of Statistics"
    assert set(luan) == set(xiamen)  # every catalog department, in every city


def test_a_new_city_gets_the_generic_list_to_edit_and_its_edits_win(tmp_path):
    local = tmp_path / "city_departments.yaml"
    city = get_city("ningde")
    write_generic_list(city, local)
    edited = local.read_text(encoding="utf-8").replace("宁德市统计局", "宁德市统计局（普查中心）", 1).replace(
        "contact: ''", "contact: 0593-0000000", 1)
    local.write_text(edited, encoding="utf-8")
    units = departments_for(city, local)
    assert units["市统计局"].name_zh == "宁德市统计局（普查中心）"
    assert sum(bool(u.contact) for u in units.values()) == 1


def test_an_unknown_department_is_refused_with_its_line():
    with pytest.raises(ConfigFileError, match="line 3: cities → xiamen → 市魔法局: not a department of the catalog"):
        parse_city_departments("cities:\n  xiamen:\n    市魔法局: {short_zh: 魔法局}\n")
