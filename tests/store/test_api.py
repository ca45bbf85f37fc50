"""The API (/api/v1) on SQLite and PostgreSQL: tokens, the sweep of every operation of the served OpenAPI document
× role × scope, paging, ETags and CSV, pushes (all or nothing, idempotent) and bad input."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from indicators.accounts.access import ROLE_CLEARANCE, Viewer
from indicators.accounts.tokens import create_token, digest, revoke_token
from indicators.accounts.users import update_user
from indicators.ingest.catalog_edits import sync_catalog
from indicators.store import db
from indicators.store.models import ApiToken, LoadBatch, Observation
from tests.conftest import DEMO_TODAY
from tests.web_clients import Site, audit_rows

SIMING, HULI, XIAMEN, NINGDE = "350203", "350206", "350200", "350900"
# role, scope: the accounts the sweep asks as
ACCOUNTS = [
    ("viewer", {}),
    ("analyst", {"city_key": "xiamen"}),
    ("analyst", {"city_key": "xiamen", "districts": (SIMING,)}),
    ("operator", {"city_key": "ningde"}),
    ("leader", {}),
]
_counter = iter(range(10**6))


def token_for(role: str, writes: bool = False, **scope) -> str:
    """A service account's token of ``role`` with ``scope``."""
    return create_token(f"svc-{role}-{next(_counter)}-{datetime.now():%H%M%S%f}", role=role, writes=writes, **scope)


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api(dash_app, use_demo_store, monkeypatch):
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False, api_rate_limit="10000/minute"))
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.7.0.1"
    return client


def _sample_values() -> dict:
    """Concrete values for the path parameters: a public monthly indicator of Huli district, an alert there."""
    from indicators.warnings.alerts import run_warnings

    with Session(db.engine()) as session:
        from indicators.store.models import Alert

        if session.scalar(select(func.count()).select_from(Alert)) == 0:
            run_warnings(today=DEMO_TODAY)
        alert_id = session.scalar(select(func.min(Alert.id)).where(Alert.area_adcode == HULI))
    return {"code": "ECO-IND-016", "adcode": HULI, "city_key": "xiamen", "alert_id": alert_id}


def _fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _rows_within(rows: list[dict], role: str, scope: dict) -> list[str]:
    """What in ``rows`` the account may not see (empty when all is within its clearance and scope)."""
    viewer = Viewer("x", role, ROLE_CLEARANCE[role], scope.get("city_key"), frozenset(scope.get("districts", ())))
    leaks = []
    for row in rows:
        if "sensitivity" in row and not viewer.sees_sensitivity(row["sensitivity"]):
            leaks.append(f"{row.get('code')} {row['sensitivity']}")
        for column in ("adcode", "area_adcode"):
            if column in row and not viewer.sees_area(row[column]):
                leaks.append(row[column])
        if "key" in row and not viewer.sees_city(row["key"]):
            leaks.append(row["key"])
    return leaks


def test_the_served_openapi_document_validates_and_names_every_route(dash_app):
    from openapi_spec_validator import validate

    document = dash_app.server.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    served = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in dash_app.server.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint not in
              ("api.openapi_document", "api.docs", "api.docs_file")}
    assert served == set(document["paths"])
    docs = dash_app.server.test_client().get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.get_data(as_text=True)
    assert dash_app.server.test_client().get("/api/v1/docs/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("role,scope", ACCOUNTS, ids=[f"{r}-{s.get('districts') or s.get('city_key') or 'all'}"
                                                       for r, s in ACCOUNTS])
def test_every_operation_answers_each_account_within_its_scope(api, role, scope):
    document = api.get("/api/v1/openapi.json").get_json()
    secret = token_for(role, **scope)
    values = _sample_values()
    viewer = Viewer("x", role, ROLE_CLEARANCE[role], scope.get("city_key"), frozenset(scope.get("districts", ())))
    for path, methods in document["paths"].items():
        url = _fill(path, values)
        for method, spec in methods.items():
            assert api.open(url, method=method.upper()).status_code == 401, f"{method} {url} without a token"
            if method != "get":
                answer = api.open(url, method="POST", json={}, headers=bearer(secret))
                assert answer.status_code == 403, f"a read token wrote through {url}"
                assert answer.get_json()["error"]["code"] == "read_only_token"
                continue
            answer = api.get(url, headers=bearer(secret))
            outside = ("{adcode}" in path or "{alert_id}" in path) and not viewer.sees_area(HULI) or (
                "{city_key}" in path and not viewer.sees_city("xiamen"))
            unpermitted = path.startswith("/api/v1/quality") and not viewer.may("data.view")
            if outside or unpermitted:
                assert answer.status_code in (403, 404), (url, answer.status_code)
                error = answer.get_json()["error"]
                assert error["code"] in ("forbidden", "not_found") and error["message"]
            else:
                assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:300])
                body = answer.get_json()
                assert not _rows_within(body.get("data", [body]), role, scope), f"{role} {scope} saw too much at {url}"


def test_tokens_are_stored_hashed_audited_and_stop_when_revoked_or_expired(api):
    secret = create_token("bureau-feed", role="analyst", city_key="xiamen", expires_days=30)
    with Session(db.engine()) as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.name == "bureau-feed"))
        assert secret not in (stored.secret_hash, stored.prefix) and secret.startswith(stored.prefix)
    assert api.get("/api/v1/cities", headers=bearer(secret)).status_code == 200
    with Session(db.engine()) as session:
        assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "bureau-feed")) is not None
    used = audit_rows("api_call", "GET /api/v1/cities")
    assert used and json.loads(used[-1].detail)["token"] == "bureau-feed" and used[-1].user == "service:bureau-feed"
    revoke_token("bureau-feed")
    refused = api.get("/api/v1/cities", headers=bearer(secret))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "revoked_token"
    assert any(json.loads(row.detail).get("reason") == "revoked_token" for row in audit_rows("access_denied"))

    expiring = token_for("viewer")
    with db.transaction() as session:
        session.execute(update(ApiToken).where(ApiToken.secret_hash == digest(expiring))
                        .values(expires_at=datetime.now() - timedelta(seconds=1)))
    assert api.get("/api/v1/cities", headers=bearer(expiring)).get_json()["error"]["code"] == "expired_token"
    assert api.get("/api/v1/cities", headers=bearer("cv_guessed")).get_json()["error"]["code"] == "unknown_token"


def test_a_personal_token_follows_its_owner(api, dash_app):
    owner = Site(dash_app.server).user("analyst", city_key="xiamen")
    secret = create_token(f"{owner}-laptop", owner=owner, districts=(SIMING,))
    assert api.get(f"/api/v1/areas/{SIMING}/latest", headers=bearer(secret)).status_code == 200
    assert api.get(f"/api/v1/areas/{HULI}/latest", headers=bearer(secret)).status_code == 403
    with pytest.raises(Exception, match="exceeds"):
        create_token(f"{owner}-wide", owner=owner, city_key="ningde")
    update_user(owner, active=False)
    assert api.get("/api/v1/cities", headers=bearer(secret)).get_json()["error"]["code"] == "owner_disabled"


def test_sessions_do_not_open_the_api_and_tokens_do_not_open_pages(api, dash_app):
    signed_in = Site(dash_app.server).signed_in("leader")
    assert signed_in.get("/api/v1/catalog").status_code == 401
    page = api.get("/", headers=bearer(token_for("leader")))
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_tables_page_by_cursor_carry_etags_and_come_as_csv(api):
    secret = token_for("leader")
    first = api.get("/api/v1/catalog?limit=50", headers=bearer(secret))
    body = first.get_json()
    assert len(body["data"]) == 50 and body["count"] > 50 and body["next_cursor"]
    assert 'rel="next"' in first.headers["Link"]
    second = api.get(f"/api/v1/catalog?limit=50&cursor={body['next_cursor']}", headers=bearer(secret)).get_json()
    assert not {r["code"] for r in second["data"]} & {r["code"] for r in body["data"]}
    etag = first.headers["ETag"]
    assert api.get("/api/v1/catalog?limit=50", headers={**bearer(secret), "If-None-Match": etag}).status_code == 304
    csv_answer = api.get("/api/v1/catalog?limit=50&format=csv", headers=bearer(secret))
    assert csv_answer.mimetype == "text/csv" and csv_answer.get_data(as_text=True).startswith("code,")
    assert len(csv_answer.get_data(as_text=True).strip().splitlines()) == 51
    bad = api.get("/api/v1/catalog?limit=0&colour=red&cursor=xx", headers=bearer(secret))
    assert bad.status_code == 400
    assert {d["field"] for d in bad.get_json()["error"]["details"]} == {"limit", "colour"}


def test_observations_by_range_coarser_frequency_and_single_period(api):
    secret = token_for("leader")
    url = f"/api/v1/series/ECO-IND-016/{XIAMEN}/observations"  # electricity use: a monthly flow
    monthly = api.get(f"{url}?start=2024-01-01&end=2024-12-31&limit=5000", headers=bearer(secret)).get_json()
    assert [row["period"] for row in monthly["data"]][:2] == ["2024-01-01", "2024-02-01"]
    assert len(monthly["data"]) == 12 and monthly["meta"]["unit"] == "亿千瓦时"
    yearly = api.get(f"{url}?start=2024-01-01&end=2024-12-31&frequency=yearly", headers=bearer(secret)).get_json()
    total = sum(row["value"] for row in monthly["data"])
    assert yearly["data"] == [{"period": "2024-01-01", "value": pytest.approx(total), "periods": 12}]
    finer = api.get(f"{url}?frequency=daily", headers=bearer(secret))
    assert finer.status_code == 400 and finer.get_json()["error"]["details"][0]["parameter"] == "frequency"
    assert api.get(f"{url}?measure=period", headers=bearer(secret)).status_code == 400  # not a year-to-date amount
    ytd = f"/api/v1/series/ECO-IND-001/{XIAMEN}/observations?start=2024-01-01&end=2024-12-31"  # 累计 industry output
    cumulative = api.get(ytd, headers=bearer(secret)).get_json()["data"]
    single = api.get(ytd + "&measure=period", headers=bearer(secret)).get_json()["data"]
    assert cumulative[-1]["value"] > single[-1]["value"] > 0
    assert cumulative[-1]["value"] == pytest.approx(cumulative[-2]["value"] + single[-1]["value"])


def test_rate_limit_per_token(api, monkeypatch):
    server = api.application
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], api_rate_limit="3/minute"))
    mine, other = token_for("viewer"), token_for("viewer")
    statuses = [api.get("/api/v1/cities", headers=bearer(mine)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/cities", headers=bearer(mine))
    assert limited.get_json()["error"]["code"] == "rate_limited" and "Retry-After" in limited.headers
    assert api.get("/api/v1/cities", headers=bearer(other)).status_code == 200


# --- pushes, on an empty store with the real catalog ---

@pytest.fixture
def push_site(dash_app, store_url, monkeypatch):
    from geo.cities import load_cities
    from indicators.catalog.entries import load_catalog
    from indicators.store.writes import sync_city

    db.upgrade(store_url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False, api_max_push_bytes=4096))
    return server.test_client()


ROWS = [{"indicator": "ECO-IND-016", "area": "思明区", "period": "2024-01", "value": 12.5},
        {"indicator": "ECO-IND-016", "area": HULI, "period": "2024-01-01", "value": 9.75}]


def _observations() -> int:
    with Session(db.engine()) as session:
        return session.scalar(select(func.count()).select_from(Observation))


def test_a_push_loads_all_rows_once_and_a_replay_changes_nothing(push_site):
    secret = token_for("operator", writes=True, city_key="xiamen")
    headers = {**bearer(secret), "Idempotency-Key": "feed-2024-01"}
    first = push_site.post("/api/v1/observations", json={"rows": ROWS}, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    report = first.get_json()
    assert report["ok"] and report["inserted"] == 2 and report["load"] and _observations() == 2
    again = push_site.post("/api/v1/observations", json={"rows": ROWS}, headers=headers)
    assert again.get_json() == report and again.headers["Idempotent-Replayed"] == "true"
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(LoadBatch).where(LoadBatch.kind == "api")) == 1
    other = push_site.post("/api/v1/observations", json={"rows": ROWS[:1]}, headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    corrected = push_site.post("/api/v1/observations", headers=bearer(secret), content_type="text/csv",
                               data="indicator,area,period,value\nECO-IND-016,思明区,2024-01,12.25\n")
    assert corrected.get_json()["updated"] == 1 and _observations() == 2
    loads = [row for row in audit_rows("data_load") if row.target.startswith("api-svc-operator")]
    assert [json.loads(row.detail)["batch"] for row in loads] == [report["load"], corrected.get_json()["load"]]
    assert audit_rows("api_call", "POST /api/v1/observations")


@pytest.mark.parametrize("body,content_type,code", [
    (b'{"rows": [', "application/json", "malformed_json"),
    (json.dumps({"rows": [{**ROWS[0], "value": "12"}]}).encode(), "application/json", "invalid_body"),
    (json.dumps({"rows": ROWS, "colour": "red"}).encode(), "application/json", "invalid_body"),
    (json.dumps({"rows": [{**ROWS[0], "note": "x"}]}).encode(), "application/json", "invalid_body"),
    (json.dumps({"rows": []}).encode(), "application/json", "invalid_body"),
    (json.dumps({"rows": ROWS * 60}).encode(), "application/json", "too_large"),
    (b"rows=1", "application/x-www-form-urlencoded", "unsupported_media_type"),
])
def test_bad_pushes_are_refused_with_a_reason_and_write_nothing(push_site, body, content_type, code):
    secret = token_for("operator", writes=True)
    answer = push_site.post("/api/v1/observations", data=body, content_type=content_type, headers=bearer(secret))
    assert 400 <= answer.status_code < 500 and answer.get_json()["error"]["code"] == code
    assert _observations() == 0


def test_rows_outside_the_tokens_scope_or_catalog_are_reported_by_row_and_nothing_is_written(push_site):
    secret = token_for("operator", writes=True, city_key="xiamen", districts=(SIMING,))
    rows = [ROWS[0], ROWS[1], {"indicator": "NO-SUCH-001", "area": SIMING, "period": "2024-01", "value": 1}]
    answer = push_site.post("/api/v1/observations", json={"rows": rows}, headers=bearer(secret))
    assert answer.status_code == 422
    report = answer.get_json()
    assert not report["ok"] and {error["row"] for error in report["errors"]} == {2, 3}
    assert _observations() == 0
    viewer_token = token_for("viewer", writes=True)
    refused = push_site.post("/api/v1/observations", json={"rows": ROWS}, headers=bearer(viewer_token))
    assert refused.status_code == 403 and _observations() == 0


def test_alert_actions_need_a_write_token_a_permitted_role_and_scope(api):
    from indicators.store.models import Alert

    _sample_values()  # the demo store's warnings, when no test made them yet
    with Session(db.engine()) as session:
        alert_id = session.scalar(select(func.min(Alert.id)).where(Alert.state == "new",
                                                                   Alert.area_adcode.like("3509%")))
    assert alert_id is not None, "the demo store should have new alerts in Ningde"
    url = f"/api/v1/alerts/{alert_id}/actions"
    step = {"action": "acknowledge", "comment": "seen by the duty desk"}
    outside = api.post(url, json=step, headers=bearer(token_for("operator", writes=True, city_key="xiamen")))
    assert outside.status_code == 404
    viewer = api.post(url, json=step, headers=bearer(token_for("viewer", writes=True)))
    assert viewer.status_code == 403
    operator = bearer(token_for("operator", writes=True, city_key="ningde"))
    assert api.post(url, json={"action": "explode"}, headers=operator).get_json()["error"]["code"] == "invalid_body"
    with Session(db.engine()) as session:
        assert session.get(Alert, alert_id).state == "new"
    done = api.post(url, json=step, headers=operator)
    assert done.status_code == 200 and done.get_json()["state"] == "acknowledged"
    events = api.get(f"/api/v1/alerts/{alert_id}/history", headers=operator).get_json()["data"]
    assert events[-1]["action"] == "acknowledge" and events[-1]["comment"] == "seen by the duty desk"
    again = api.post(url, json=step, headers=operator)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_allowed_now"


def test_manage_tokens_add_list_revoke(push_site, store_url, monkeypatch, capsys):
    import manage

    monkeypatch.setenv("CITYVITALS_DATABASE_URL", store_url)
    assert manage.main(["tokens", "add", "traffic-feed", "--role", "operator", "--city", "xiamen", "--write",
                        "--days", "30"]) == 0
    secret = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert secret.startswith("cv_")
    assert push_site.get("/api/v1/cities", headers=bearer(secret)).status_code == 200
    assert manage.main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert "traffic-feed" in listing and "read+write" in listing and secret not in listing
    assert manage.main(["tokens", "add", "bad", "--role", "viewer", "--district", SIMING]) == 2
    assert manage.main(["tokens", "revoke", "traffic-feed"]) == 0
    assert push_site.get("/api/v1/cities", headers=bearer(secret)).status_code == 401


def test_a_kept_answer_is_never_given_to_a_token_that_sees_less(api):
    _sample_values()
    url = "/api/v1/alerts?state=all&limit=5000"
    everyone = api.get(url, headers=bearer(token_for("leader"))).get_json()["data"]
    siming = api.get(url, headers=bearer(token_for("leader", city_key="xiamen", districts=(SIMING,)))).get_json()
    assert {row["area_adcode"] for row in everyone} > {row["area_adcode"] for row in siming["data"]}
    assert {row["area_adcode"] for row in siming["data"]} <= {SIMING, XIAMEN}
    again = api.get(url, headers=bearer(token_for("leader"))).get_json()["data"]
    assert again == everyone


HOURS = [{"indicator": "ENV-AIR-101", "area": "思明区", "period": f"2025-06-30T{hour:02d}:00:00+08:00",
          "value": 40 + 3 * hour} for hour in range(24)]


def test_an_hourly_push_is_stored_by_the_hour_rolled_up_and_read_back_by_range(push_site):
    from indicators.store.models import HourlyObservation

    secret = token_for("operator", writes=True, city_key="xiamen")
    headers = {**bearer(secret), "Idempotency-Key": "aqi-2025-06-30"}
    pushed = push_site.post("/api/v1/observations", json={"rows": HOURS[:12]}, headers=headers)
    assert pushed.status_code == 200 and pushed.get_json()["inserted"] == 12, pushed.get_data(as_text=True)
    replay = push_site.post("/api/v1/observations", json={"rows": HOURS[:12]}, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    rest = "indicator,area,period,value\n" + "".join(
        f"{row['indicator']},{SIMING},2025-06-30 {hour + 12:02d}:00,{row['value']}\n"
        for hour, row in enumerate(HOURS[12:]))
    csv_push = push_site.post("/api/v1/observations", data=rest, content_type="text/csv", headers=bearer(secret))
    assert csv_push.get_json()["inserted"] == 12
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 24
        assert session.scalar(select(Observation.value).where(Observation.indicator_code == "ENV-AIR-001")) == 74.5
    reader = bearer(token_for("analyst", city_key="xiamen"))
    window = push_site.get(f"/api/v1/series/ENV-AIR-101/{SIMING}/observations?start=2025-06-30T08:00"
                           f"&end=2025-06-30T09:30:00%2B08:00", headers=reader).get_json()
    assert [(row["period"], row["value"]) for row in window["data"]] == [("2025-06-30T08:00", 64),
                                                                         ("2025-06-30T09:00", 67)]
    newest = push_site.get(f"/api/v1/series/ENV-AIR-101/{SIMING}/observations", headers=reader).get_json()
    assert len(newest["data"]) == 24 and newest["data"][-1]["period"] == "2025-06-30T23:00"


@pytest.mark.parametrize("change,column", [({"period": "2025-06-30"}, "period"),
                                           ({"period": "2025-06-30T14:15:00+08:00"}, "period"),
                                           # a daily indicator's row in the push takes a day, not an hour
                                           ({"indicator": "ENV-AIR-001"}, "period")])
def test_a_bad_hourly_row_is_refused_by_row_and_column_and_nothing_is_written(push_site, change, column):
    from indicators.store.models import HourlyObservation

    rows = [HOURS[0], {**HOURS[1], **change}]
    answer = push_site.post("/api/v1/observations", json={"rows": rows},
                            headers=bearer(token_for("operator", writes=True, city_key="xiamen")))
    assert answer.status_code == 422
    assert [(error["row"], error["column"]) for error in answer.get_json()["errors"]] == [(2, column)]
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 0
    assert _observations() == 0


def test_hourly_and_daily_values_pushed_together_load_as_one_batch_and_undo_together(push_site):
    from indicators.ingest.loading import undo_load
    from indicators.store.models import HourlyObservation

    secret = token_for("operator", writes=True, city_key="xiamen")
    rows = [ROWS[0], *HOURS, ROWS[1]]
    pushed = push_site.post("/api/v1/observations", json={"rows": rows}, headers=bearer(secret))
    report = pushed.get_json()
    assert pushed.status_code == 200 and (report["rows"], report["inserted"]) == (26, 26), report
    assert report["indicators"] == ["ECO-IND-016", "ENV-AIR-101"]
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 24
        assert {batch.kind for batch in session.scalars(select(LoadBatch))} == {"api"}
        assert session.scalar(select(func.count()).select_from(LoadBatch)) == 1
    assert _observations() == 3  # the two monthly values and the day the hours roll up into (mean 74.5)
    with Session(db.engine()) as session:
        assert session.scalar(select(Observation.value).where(Observation.indicator_code == "ENV-AIR-001")) == 74.5
    undone = undo_load(report["load"])
    assert undone.hours == 24 and _observations() == 0


def test_a_day_pushed_beside_the_hours_it_rolls_up_from_is_refused_not_overwritten_unseen(push_site):
    from indicators.store.models import HourlyObservation

    day = {"indicator": "ENV-AIR-001", "area": "思明区", "period": "2025-06-30", "value": 60}
    answer = push_site.post("/api/v1/observations", json={"rows": [*HOURS, day]},
                            headers=bearer(token_for("operator", writes=True, city_key="xiamen")))
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert [(error["row"], error["column"]) for error in errors] == [(25, "period")]
    assert "push the hours only" in errors[0]["reason"]
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 0
    assert _observations() == 0


@pytest.mark.parametrize("bad_row,column", [(0, "value"), (3, "period")])
def test_a_bad_row_of_a_mixed_push_is_named_by_its_place_in_the_push_and_nothing_is_written(push_site, bad_row,
                                                                                             column):
    from indicators.store.models import HourlyObservation

    rows = [ROWS[0], *HOURS[:4], ROWS[1]]
    rows[bad_row] = {**rows[bad_row], column: "bad" if column == "period" else -5}
    csv_rows = "indicator,area,period,value\n" + "".join(
        f"{row['indicator']},{row['area']},{row['period']},{row['value']}\n" for row in rows)
    secret = token_for("operator", writes=True, city_key="xiamen")
    for body in ({"json": {"rows": rows}}, {"data": csv_rows, "content_type": "text/csv"}):
        answer = push_site.post("/api/v1/observations", headers=bearer(secret), **body)
        assert answer.status_code == 422, answer.get_data(as_text=True)
        line = bad_row + 1 if "json" in body else bad_row + 2  # JSON: the place in rows; CSV: the file's line
        assert [(error["row"], error["column"]) for error in answer.get_json()["errors"]] == [(line, column)]
        with Session(db.engine()) as session:
            assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 0
        assert _observations() == 0
    with Session(db.engine()) as session:
        rejected = session.scalars(select(LoadBatch).where(LoadBatch.status == "rejected")).all()
    # Both recorded, each naming the push's line (the JSON row's place + 1, as a CSV file's line under its header).
    assert [[error["row"] for error in json.loads(batch.report)["errors"]] for batch in rejected] == [[bad_row + 2]] * 2


def test_a_csv_push_with_a_bureaus_own_headers_loads_hours_and_months_and_names_its_columns(push_site):
    from indicators.store.models import HourlyObservation

    secret = token_for("operator", writes=True, city_key="xiamen")
    table = ("指标代码,地区,时期,数值,备注\n"
             + "".join(f"ENV-AIR-101,思明区,2025-06-30 {hour:02d}:00,{40 + 3 * hour},\n" for hour in range(24))
             + "ECO-IND-016,思明区,2024年1月,12.5,快报\n")
    pushed = push_site.post("/api/v1/observations", data=table.encode(), content_type="text/csv", headers=bearer(secret))
    assert pushed.status_code == 200 and pushed.get_json()["inserted"] == 25, pushed.get_data(as_text=True)
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 24
    bad = table.replace("2025-06-30 05:00", "2025-06-30 05:30")
    refused = push_site.post("/api/v1/observations", data=bad.encode(), content_type="text/csv", headers=bearer(secret))
    assert refused.status_code == 422
    assert [(error["row"], error["column"]) for error in refused.get_json()["errors"]] == [(7, "时期")]


def test_an_hourly_row_outside_the_tokens_districts_is_refused_and_audited(push_site):
    from indicators.store.models import HourlyObservation

    secret = token_for("operator", writes=True, city_key="xiamen", districts=(SIMING,))
    rows = [HOURS[0], {**HOURS[1], "area": HULI}]
    answer = push_site.post("/api/v1/observations", json={"rows": rows}, headers=bearer(secret))
    assert answer.status_code == 422
    assert [(error["row"], error["column"], error["value"]) for error in answer.get_json()["errors"]] == [(2, "", "")]
    assert "not permitted" in answer.get_json()["errors"][0]["reason"]
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(HourlyObservation)) == 0
    assert any('"rows": 1' in row.detail for row in audit_rows("access_denied"))
