"""Clearance, scope and permissions of a viewer, without a store."""

import flask
import pytest

from indicators.accounts.access import (
    PERMISSIONS,
    ROLES,
    SYSTEM,
    AccessDenied,
    NotSignedIn,
    Viewer,
    clearance_of,
    current_viewer,
    require,
)

XIAMEN, SIMING, HULI, NINGDE, JIAOCHENG = "350200", "350203", "350206", "350900", "350902"


def test_clearance_orders_the_sensitivities():
    viewer = Viewer("v", "viewer", "public")
    analyst = Viewer("a", "analyst", "internal")
    assert viewer.sees_sensitivity("public") and not viewer.sees_sensitivity("internal")
    assert analyst.sees_sensitivity("internal") and not analyst.sees_sensitivity("restricted")
    assert SYSTEM.sees_sensitivity("restricted")
    assert not SYSTEM.sees_sensitivity("secret")  # an unknown level is above every clearance
    assert clearance_of("viewer") == "public" and clearance_of("leader") == "restricted"
    assert clearance_of("analyst", "restricted") == "restricted"


def test_scope_by_city_and_district():
    everywhere = Viewer("a", "analyst", "internal")
    xiamen = Viewer("x", "analyst", "internal", city_key="xiamen")
    siming = Viewer("s", "analyst", "internal", city_key="xiamen", districts=frozenset({SIMING}))
    assert everywhere.sees_area(JIAOCHENG) and everywhere.sees_city("ningde")
    assert xiamen.sees_area(HULI) and not xiamen.sees_area(NINGDE) and not xiamen.sees_city("ningde")
    assert siming.sees_area(SIMING) and siming.sees_area(XIAMEN)  # the city's own totals stay visible
    assert not siming.sees_area(HULI) and not siming.sees_area(JIAOCHENG)
    assert not everywhere.sees_area("999999") and not everywhere.sees_city(None)
    # Cached results are kept apart by what a viewer may see, not by who they are.
    assert xiamen.cache_key != siming.cache_key != everywhere.cache_key
    assert Viewer("b", "leader", "internal").cache_key == everywhere.cache_key


def test_permissions_by_role():
    assert set(PERMISSIONS["users.manage"]) == {"admin"}
    assert all(Viewer("x", role, "public").may("data.export") for role in ROLES)
    assert not Viewer("v", "viewer", "public").may("alert.acknowledge")
    assert Viewer("o", "operator", "internal").may("data.load") and not Viewer("a", "analyst", "internal").may("data.load")
    assert Viewer("l", "leader", "restricted").may("alert.close") and not Viewer("a", "analyst", "internal").may("alert.close")


def test_the_viewer_comes_from_the_request_and_is_required_there():
    assert current_viewer() is SYSTEM  # outside a request: commands and batches
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        with pytest.raises(NotSignedIn):
            current_viewer()
        flask.g.viewer = Viewer("v", "viewer", "public")
        assert current_viewer().username == "v"
        with pytest.raises(AccessDenied, match="viewer may not users.manage"):
            require("users.manage")
        assert require("data.export").username == "v"
