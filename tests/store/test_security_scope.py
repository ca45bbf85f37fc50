"""Scope on the demo store, through crafted callback requests on SQLite and PostgreSQL: the map's points of a
district account, and alert actions beyond an analyst's scope (refused, audited, the alert unchanged)."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import Alert, AuditEntry, Facility
from tests.callbacks import body, key_of

SIMING, HULI = "350203", "350206"


def _post(client, request: dict):
    return client.post("/_dash-update-component", data=json.dumps(request), content_type="application/json")


def _points(client) -> list[dict]:
    from pages.map import LAYERS, draw_layers

    request = body(key_of(draw_layers), {"map-layers.data": list(LAYERS),
                                         "map-args.data": {"city": "xiamen", "lang": "zh"}})
    request["outputs"] = [{"id": "map-points", "property": "data"}] + [
        [{"id": {"kind": kind, "type": "map-layer"}, "property": prop} for kind in LAYERS]
        for prop in ("className", "aria-pressed")]
    answer = _post(client, request)
    assert answer.status_code == 200
    return answer.get_json()["response"]["map-points"]["data"]["features"]


def test_map_points_honour_district_scope(site):
    analyst = site.signed_in("analyst", city_key="xiamen", districts=(SIMING,))
    leader = site.signed_in("leader")
    mine, everyone = _points(analyst), _points(leader)
    with Session(db.engine()) as session:
        in_siming = session.scalar(select(func.count()).select_from(Facility)
                                   .where(Facility.city_key == "xiamen", Facility.area_adcode == SIMING))
    assert 0 < len(mine) == in_siming < len(everyone)
    assert {point["properties"]["area_adcode"] for point in mine} == {SIMING}


def test_alert_actions_beyond_scope_are_refused_and_audited(site):
    from geo.cities import get_city
    from indicators.warnings.alerts import run_warnings
    from pages.alerts import take_action
    from tests.conftest import DEMO_TODAY

    others = [d.adcode for d in get_city("xiamen").districts if d.adcode != SIMING]
    query = select(Alert).where(Alert.area_adcode.in_(others), Alert.state == "new")
    with Session(db.engine()) as session:
        if session.scalars(query).first() is None:
            run_warnings(today=DEMO_TODAY)  # idempotent: the demo store's warnings, as test_demo_store makes them
    with Session(db.engine()) as session:
        alert = session.scalars(query).first()
        assert alert is not None, "the demo store should have open alerts outside Siming"
        alert_id, before = alert.id, (alert.state, alert.updated_at)
    analyst = site.signed_in("analyst", city_key="xiamen", districts=(SIMING,))
    buttons = {f"alerts-do-{a}.n_clicks": None for a in ("acknowledge", "dispatch", "resolve", "close")}
    answer = _post(analyst, body(key_of(take_action), {
        **buttons, "alerts-do-acknowledge.n_clicks": 1, "alerts-selected.data": alert_id,
        "alerts-comment.value": "", "alerts-version.data": 0, "alerts-args.data": {"city": "xiamen", "lang": "zh"}},
        "alerts-do-acknowledge.n_clicks"))
    text = answer.get_data(as_text=True)
    assert answer.status_code in (200, 403) and "acknowledged" not in text
    with Session(db.engine()) as session:
        alert = session.get(Alert, alert_id)
        assert (alert.state, alert.updated_at) == before
        refused = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "access_denied",
                                                                  AuditEntry.user == analyst.username)).all()
    assert [json.loads(detail)["action"] for detail in refused] == ["alert_action"]
