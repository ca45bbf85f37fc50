"""Fuzzing what the outside world sends, through real HTTP requests to the app (demo sign-in off):

* the callback endpoint with malformed, huge, deeply nested and wrongly typed bodies for every registered
  callback, signed in and not: never a 500, a traceback or a server path, and the store unharmed;
* GET requests with path tricks: no file of the server leaks, no markup comes back live;
* texts with markup stored through every way in (alert comments and departments, account names, loaded
  files, facility names, catalog edits) and shown again by the pages: only ever as text, never where the
  browser would take them as HTML or a URL.

Everything runs on a private copy of the session's demo store: the fuzzed actions (acknowledging alerts,
adding accounts …) and the injected texts must not reach the other modules' tests.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import re
import sqlite3
import uuid
from dataclasses import replace

import dash
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from tests.support.dash_requests import multi_payload, payload
from indicators.store import db
from indicators.store.models import IndicatorDef, LoadBatch, Observation
from tests.conftest import DEMO_TODAY, ROOT
from tests.fuzz_inputs import any_value, json_scalars
from tests.web_clients import PASSWORD, call
from tests.web_clients import Site as WebSite

pytestmark = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
ALLOWED = {200, 204, 400, 401, 403, 413}
CALLBACK_PATH = "/_dash-update-component"
# What would betray a traceback or a file of the server in an answer.
LEAKS = ("Traceback", 'File "', str(ROOT), "site-packages", "root:x:0:0", "def create_app", "class Settings")
# Props whose text the browser follows as a URL, and the GeoJSON properties Leaflet binds as HTML.
URL_PROPS = frozenset({"href", "src", "action", "formAction", "srcDoc"})
LEAFLET_HTML = frozenset({"tooltip", "popup", "label"})
HOME = payload("home-content", "home-args", {"city": "xiamen", "lang": "zh"})


def marker(tag: str) -> str:
    """A script in markup, named after where it was stored."""
    return f"<img src=x onerror=alert('{tag}')>"


@pytest.fixture(scope="module")
def private_store(demo_store: str, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the session's demo store, for this module alone."""
    copy = tmp_path_factory.mktemp("fuzz") / "store.db"
    with contextlib.closing(sqlite3.connect(make_url(demo_store).database)) as source, \
            contextlib.closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    yield url
    db.dispose(url)
    copy.unlink()


class Site(WebSite):
    """Clients of the app, one signed-in account per role and module (Argon2 makes every sign-in take a while)."""

    def __init__(self, server, accounts: dict):
        super().__init__(server, address_prefix="10.8")
        self.accounts = accounts

    def signed_in(self, role: str):
        if role not in self.accounts:
            client = super().signed_in(role)
            # The first request of the app moves the pages' callbacks into its callback map.
            assert client.get("/").status_code == 200
            self.accounts[role] = client
        return self.accounts[role]


@pytest.fixture(scope="module")
def accounts(private_store: str) -> dict:
    """The signed-in clients of this module, by role."""
    return {}


@pytest.fixture
def site(dash_app, private_store: str, accounts: dict, monkeypatch) -> Site:
    """The app on the private store, demo sign-in off (as in production)."""
    db.use(private_store)
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    return Site(server, accounts)


def assert_clean(answer, context: object) -> None:
    """An allowed status and nothing of the server's insides in the answer."""
    text = answer.get_data().decode("utf-8", "replace")
    assert answer.status_code in ALLOWED, (context, answer.status_code, text[:300])
    leaks = [mark for mark in LEAKS if mark in text]
    assert not leaks, (context, leaks)


def store_shape() -> tuple[list[str], int]:
    """The store's tables and its number of observations."""
    with db.connect() as conn:
        return sorted(inspect(conn).get_table_names()), conn.scalar(select(func.count()).select_from(Observation))


# ---- the callback endpoint ---------------------------------------------------------------------------------

def output_spec(key: str):
    """The ``outputs`` of a request for the callback ``key``, as Dash's renderer sends them; a
    pattern-matching output names one matching component."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    specs = []
    for part in parts:
        component, prop = part.split("@")[0].rsplit(".", 1)
        if component.startswith("{"):
            ident = {name: "any" if value == ["ALL"] else value for name, value in json.loads(component).items()}
            specs.append([{"id": ident, "property": prop}])
        else:
            specs.append({"id": component, "property": prop})
    return specs if key.startswith("..") else specs[0]


@st.composite
def callback_bodies(draw) -> dict:
    """A request for a registered callback with any value, of any type, in every input and state."""
    callbacks = dash.get_app().callback_map
    key = draw(st.sampled_from(sorted(callbacks)))

    def item(dependency: dict):
        if not dependency["id"].startswith("{"):
            return {"id": dependency["id"], "property": dependency["property"], "value": draw(any_value)}
        pattern = json.loads(dependency["id"])
        matches = draw(st.lists(st.tuples(json_scalars, any_value), max_size=2))
        return [{"id": {name: wildcard if value == ["ALL"] else value for name, value in pattern.items()},
                 "property": dependency["property"], "value": drawn} for wildcard, drawn in matches]

    inputs = [item(dependency) for dependency in callbacks[key]["inputs"]]
    changed = [f"{d['id']}.{d['property']}" for d in callbacks[key]["inputs"]]
    return {"output": key, "outputs": output_spec(key), "inputs": inputs,
            "state": [item(dependency) for dependency in callbacks[key]["state"]],
            "changedPropIds": draw(st.lists(st.sampled_from(changed), unique=True)) if changed else []}


def post(client, body: bytes | None, **options):
    return client.post(CALLBACK_PATH, data=body, content_type="application/json", **options)


def _nested(depth: int) -> bytes:
    return json.dumps(HOME).replace('"data"', '"data", "deep": ' + "[" * depth + "]" * depth, 1).encode()


def _without(key: str) -> bytes:
    return json.dumps({name: value for name, value in HOME.items() if name != key}).encode()


def _with(**changes) -> bytes:
    return json.dumps({**HOME, **changes}).encode()


PAGES = multi_payload([("_pages_content", "children"), ("_pages_store", "data")],
                      [("_pages_location", "pathname", "etc/passwd"), ("_pages_location", "search", "")], [])
MALFORMED = [
    ("not JSON", b'{"output": ', 400),
    ("a JSON array", b"[]", 400),
    ("JSON null", b"null", 400),
    ("a JSON string", b'"home-content.children"', 400),
    ("an empty object", b"{}", 400),
    ("output not a string", _with(output=["home-content.children"]), 400),
    ("an unknown output", _with(output="nothing.children"), 400),
    ("no inputs", _without("inputs"), 400),
    ("no outputs", _without("outputs"), 400),
    ("inputs not a list", _with(inputs={"id": "home-args"}), 400),
    ("inputs of strings", _with(inputs=["home-args.data"]), 400),
    ("an input without an id", _with(inputs=[{"property": "data", "value": None}]), 400),
    ("changed props not a list", _with(changedPropIds="home-args.data"), 400),
    ("outputs without ids", _with(outputs={"property": "children"}), 400),
    ("the page args of the wrong type", _with(inputs=[{"id": "home-args", "property": "data", "value": [1]}]), 400),
    ("NaN for the page args", json.dumps({**HOME, "inputs": [{"id": "home-args", "property": "data",
                                                             "value": float("nan")}]}).encode(), 400),
    ("nested 100 deep", _nested(100), 400),
    ("nested 100,000 deep", _nested(100_000), 400),
    # PostgreSQL can neither store nor compare a NUL: looking the code up would fail there.
    ("a NUL in a value", json.dumps(payload("indicator-content", "indicator-args", {
        "code": "ECO-GDP-001\x00", "city": "xiamen", "lang": "zh", "area": None})).encode(), 400),
    ("bytes that are no UTF-8", b"\xff\xfe\x00\x01{}", 400),
    ("over 1 MB", _with(padding="x" * (1 << 20)), 413),
    ("a page path without its slash", json.dumps(PAGES).encode(), 400),
]


@pytest.mark.parametrize(("case", "body", "status"), MALFORMED, ids=[case for case, _, _ in MALFORMED])
def test_malformed_callback_requests_are_refused_with_the_right_status(site, case, body, status):
    for client, expected in ((site.signed_in("analyst"), status), (site.client(), 401)):
        answer = post(client, body)
        assert_clean(answer, case)
        assert answer.status_code == expected, (case, answer.get_data(as_text=True)[:200])


def test_a_body_sent_without_a_length_is_still_held_to_the_limit(site):
    client = site.signed_in("analyst")
    # Chunked: no length up front, and the server (as gunicorn does) reads the body to its end.
    chunked = {"headers": {"Transfer-Encoding": "chunked"}, "environ_overrides": {"wsgi.input_terminated": True}}
    big = post(client, None, input_stream=io.BytesIO(_with(padding="x" * (1 << 20))), **chunked)
    assert big.status_code == 413
    small = post(client, None, input_stream=io.BytesIO(json.dumps(HOME).encode()), **chunked)
    assert small.status_code == 200 and "厦门" in small.get_data(as_text=True)


def layers_request(city: str, lang: str, shown: list[str], buttons: list[str] | None = None) -> dict:
    """The map's request for the points of the ``shown`` layers, naming the page's layer buttons (or ``buttons``)."""
    from pages.map import LAYERS

    key = next(key for key in dash.get_app().callback_map if key.startswith("..map-points.data"))
    named = [[{"id": {"kind": kind, "type": "map-layer"}, "property": prop} for kind in buttons or LAYERS]
             for prop in ("className", "aria-pressed")]
    return {"output": key, "outputs": [{"id": "map-points", "property": "data"}, *named],
            "inputs": [{"id": "map-layers", "property": "data", "value": shown}],
            "state": [{"id": "map-args", "property": "data", "value": {"city": city, "lang": lang}}],
            "changedPropIds": ["map-layers.data"]}


def test_forged_values_the_pages_never_send_are_answered(site):
    """Regressions of what the fuzzing below found: each of these was a 500."""
    client = site.signed_in("leader")
    alert_detail = [("alerts-detail-body", "children"), ("alerts-main", "className"), ("alerts-actions", "hidden"),
                    ("alerts-no-actions", "hidden"), ("alerts-dispatch-field", "hidden"),
                    ("alerts-dispatch-to", "value"), ("alerts-do-acknowledge", "hidden"),
                    ("alerts-do-dispatch", "hidden"), ("alerts-do-resolve", "hidden"), ("alerts-do-close", "hidden"),
                    ("alerts-action-message", "children")]
    for selected in (10**30, [], True, "007"):
        body = multi_payload(alert_detail, [("alerts-selected", "data", selected), ("alerts-version", "data", 0)],
                             [("alerts-args", "data", {"city": "xiamen", "lang": "en"})])
        answer = call(client, body)
        assert answer.status_code == 200, (selected, answer.get_data(as_text=True)[:200])
    # The map's layer buttons: a request naming one button where the page has five is refused.
    answer = call(client, layers_request("xiamen", "zh", ["school"], buttons=["school"]))
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid callback input"


def test_every_callback_answers_any_value_of_any_type_without_a_traceback(site):
    admin, anonymous = site.signed_in("admin"), site.client()  # admin: every page's callbacks do their work
    before = store_shape()

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=callback_bodies())
    def answers_cleanly(body):
        data = json.dumps(body, allow_nan=True).encode()
        assert_clean(post(admin, data), body["output"])
        assert post(anonymous, data).status_code == 401

    answers_cleanly()
    # No injected SQL dropped or emptied anything (and no load here added values a fuzzed undo could take back).
    assert store_shape() == before


# ---- GET requests ------------------------------------------------------------------------------------------

TRICKY_PATHS = [
    "/indicator/../../etc/passwd", "/indicator/..%2f..%2fetc%2fpasswd", "/area/<script>alert(1)</script>",
    "/area/%3Cimg%20src=x%20onerror=alert(1)%3E", "/assets/../app.py", "/assets/..%2fapp.py", "/assets/%2e%2e/app.py",
    "/assets/../../etc/passwd", "/assets/%00", "/assets/00-variables.css%00.py", "/_dash-component-suites/../x.py",
    "/_dash-component-suites/../../settings.py", "/_dash-component-suites/dash/../../../settings.py",
    "/_dash-component-suites/dash/..%2f..%2fsettings.py",
    "/_dash-component-suites/nothing/x.js", "/static/../app.py", "/healthz/../app.py", "//etc/passwd",
    "/indicator/%00", "/themes/%E2%80%AEcimonoce", "/catalog?q=%27%20OR%201=1%20--&city=../../etc",
    "/alerts?alert=99999999999999999999999999&lang=<script>alert(1)</script>", "/" + "a" * 10_000,
]


@pytest.mark.parametrize("path", TRICKY_PATHS)
def test_path_tricks_leak_no_file_and_no_live_markup(site, path):
    for client in (site.signed_in("viewer"), site.client()):
        answer = client.get(path)
        text = answer.get_data().decode("utf-8", "replace")
        assert answer.status_code in (200, 302, 401, 404), (path, answer.status_code)
        assert not [mark for mark in LEAKS if mark in text], path
        # The page shell repeats the address in its meta tags, escaped.
        assert "<script>alert" not in text and "<img src=x" not in text, path
        if answer.status_code == 302:
            assert answer.headers["Location"].startswith("/login?next=%2F"), path


# ---- the login form ----------------------------------------------------------------------------------------

def _field(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def test_the_login_form_gives_back_next_and_the_user_name_as_text(site):
    client = site.client()
    target = "/alerts?x=\"><script>alert(1)</script>"
    page = client.get("/login", query_string={"next": target, "lang": "<script>"}).get_data(as_text=True)
    assert _field(page, "next") == target and "<script>" not in page
    username = '"><img src=x onerror=alert(1)>'
    token = _field(page, "csrf_token")
    refused = client.post("/login", data={"username": username, "password": "wrong-password-1", "csrf_token": token,
                                          "next": target})
    answer = refused.get_data(as_text=True)
    assert refused.status_code == 401 and _field(answer, "username") == username
    assert "<img" not in answer and _field(answer, "next") == target


# ---- stored texts, shown again -----------------------------------------------------------------------------

def _walk(tree, values: dict, locations: set) -> None:
    """Record the props of every component with a plain id in ``tree``, and which of them are locations."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if "namespace" in node and isinstance(props, dict) and isinstance(props.get("id"), str):
                values.update({(props["id"], name): value for name, value in props.items()})
                if node.get("type") == "Location":
                    locations.add(props["id"])
            pending.extend(node.values())


def _server_callbacks(client) -> list[dict]:
    """The app's server callbacks without pattern-matching ids, as the browser learns them."""
    return [dep for dep in client.get("/_dash-dependencies").get_json() if not dep.get("clientside_function")
            and "{" not in dep["output"] + "".join(item["id"] for item in dep["inputs"] + dep["state"])]


def render(client, url: str) -> list[dict]:
    """The answers a browser's first visit to ``url`` gets: round after round, every server callback whose
    inputs are on the page by then and which starts by itself (or hangs on a location, which sets its
    address when it appears), fed with the components' values."""
    path, _, query = url.partition("?")
    values: dict = {}
    locations: set = set()
    _walk(client.get("/_dash-layout").get_json(), values, locations)
    waiting, answers = _server_callbacks(client), []
    while True:
        for location in locations:
            values.update({(location, "pathname"): path, (location, "search"): f"?{query}" if query else ""})
        present = {component for component, _ in values}
        ready = [dep for dep in waiting if all(item["id"] in present for item in dep["inputs"])
                 and (not dep["prevent_initial_call"] or any(item["id"] in locations for item in dep["inputs"]))]
        if not ready:
            return answers
        waiting = [dep for dep in waiting if dep not in ready]
        for response in filter(None, (_fire(client, dep, values, url) for dep in ready)):
            answers.append(response)
            values.update({(component, prop): value for component, props in response.items()
                           for prop, value in props.items()})
            _walk(response, values, locations)


def _fire(client, dep: dict, values: dict, url: str) -> dict | None:
    """Call one callback with the components' values; its answer, or None when it left everything as it was."""
    body = {"output": dep["output"], "outputs": output_spec(dep["output"]), "changedPropIds": [],
            **{part: [{**item, "value": values.get((item["id"], item["property"]))} for item in dep[part]]
               for part in ("inputs", "state")}}
    answer = call(client, body)
    assert answer.status_code in (200, 204), (url, dep["output"], answer.status_code)
    return answer.get_json()["response"] if answer.status_code == 200 else None


def _renders_html(node: dict) -> bool:
    """Whether a component renders its text as markup: Markdown, or raw HTML or code allowed."""
    props = node.get("props") if isinstance(node.get("props"), dict) else {}
    flags = ("dangerously_allow_html", "dangerously_allow_code")
    return node.get("type") == "Markdown" or any(props.get(flag) for flag in flags)


def places(answers: list[dict], text: str) -> tuple[list[str], list[str]]:
    """Where ``text`` comes back in ``answers``: the paths where the browser shows it as text, and those
    where it would take it as HTML or a URL (a Markdown or raw-HTML component, a link or source, a
    Leaflet tooltip or popup, a district label of the maps)."""
    shown, unsafe = [], []
    pending = [(answer, (), False) for answer in answers]
    while pending:
        node, path, as_html = pending.pop()
        if isinstance(node, str) and text in node:
            live = (as_html or path[-1] in URL_PROPS or ("properties" in path and path[-1] in LEAFLET_HTML)
                    or ("hideout" in path and "labels" in path))
            (unsafe if live else shown).append("/".join(map(str, path)))
        elif isinstance(node, dict):
            as_html = as_html or _renders_html(node)
            pending.extend((value, (*path, key), as_html) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, (*path, index), as_html) for index, value in enumerate(node))
    return shown, unsafe


def assert_only_text(answers: list[dict], *texts: str) -> None:
    for text in texts:
        shown, unsafe = places(answers, text)
        assert shown and not unsafe, (text, shown[:3], unsafe)


def _alert_action(client, alert_id: int, action: str, comment: str, department: str | None = None, *,
                  done: bool = True) -> str:
    """Take an action on a Ningde alert through the alert centre's callback, as the browser does; it must be
    taken (``done``) or refused. Returns the answer's text."""
    buttons = [f"alerts-do-{a}" for a in ("acknowledge", "dispatch", "resolve", "close")]
    outputs = [("alerts-version", "data"), ("alerts-action-message", "children"), ("alerts-comment", "value")]
    body = multi_payload(outputs, [(b, "n_clicks", 1 if b.endswith(action) else None) for b in buttons],
                         [("alerts-selected", "data", alert_id), ("alerts-comment", "value", comment),
                          ("alerts-dispatch-to", "value", department), ("alerts-version", "data", 0),
                          ("alerts-args", "data", {"city": "ningde", "lang": "en"})])
    body["changedPropIds"] = [f"alerts-do-{action}.n_clicks"]
    # The message output allows duplicates: Dash names it with a hash suffix.
    body["output"] = next(key for key in dash.get_app().callback_map if key.startswith("..alerts-version.data"))
    answer = call(client, body)
    assert answer.status_code == 200 and ("alerts-version" in answer.get_json()["response"]) == done
    return answer.get_data(as_text=True)


def test_alert_comments_and_departments_come_back_only_as_text(site):
    from indicators.views.queries import alerts
    from indicators.warnings.alerts import run_warnings

    if alerts("ningde").empty:
        run_warnings(today=DEMO_TODAY)  # idempotent: the demo store's warnings, as test_security makes them
    alert_id = int(alerts("ningde", state="new")["id"].iat[-1])
    admin = site.signed_in("admin")
    _alert_action(admin, alert_id, "acknowledge", marker("comment"))
    # A made-up department is refused; the comment of a dispatch is kept as typed.
    refused = _alert_action(admin, alert_id, "dispatch", "never stored", department=marker("department"), done=False)
    assert "No such department" in refused
    _alert_action(admin, alert_id, "dispatch", "'; DROP TABLE alerts; --", department="市信访局")
    page = render(admin, f"/alerts?city=ningde&lang=en&alert={alert_id}")
    assert_only_text(page, marker("comment"), "'; DROP TABLE alerts; --")
    assert marker("department") not in json.dumps(page, ensure_ascii=False) and "never stored" not in json.dumps(page)
    assert_only_text(render(admin, "/admin/audit?lang=en"), marker("comment"))


def test_account_names_come_back_only_as_text(site):
    from indicators.accounts.users import create_user, update_user

    admin = site.signed_in("admin")
    create_user(f"named-{uuid.uuid4().hex[:8]}", PASSWORD, "viewer", display_name=marker("display"))
    renamed = f"renamed-{uuid.uuid4().hex[:8]}"
    create_user(renamed, PASSWORD, "viewer")
    update_user(renamed, display_name=marker("renamed"))
    assert_only_text(render(admin, "/admin/users?lang=en"), marker("display"), marker("renamed"))


def _existing_monthly_value() -> tuple[str, str, str, float]:
    """One stored monthly value: code, area, period as a file writes it, value (of a single-period indicator, whose
    2024-05 is its value; a year-to-date one takes 1—N月 labels, a derived one is computed, not loaded)."""
    with db.connect() as conn:
        row = conn.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                  Observation.value).join(IndicatorDef, IndicatorDef.code == Observation.indicator_code)
                           .where(IndicatorDef.frequency == "monthly", IndicatorDef.accumulation == "period",
                                  IndicatorDef.derived == "").limit(1)).one()
    return row[0], row[1], f"{row[2]:%Y-%m}", row[3]


def test_loaded_file_names_and_cells_come_back_only_as_text(site, tmp_path):
    from indicators.ingest.importer import NOT_A_NUMBER
    from indicators.ingest.loading import load_file

    admin = site.signed_in("admin")
    before = store_shape()
    code, adcode, period, value = _existing_monthly_value()
    rejected = tmp_path / "rejected" / f"{marker('file')}.csv"
    rejected.parent.mkdir()
    rejected.write_text(f"指标代码,地区,时间,数值\n{marker('cell')},' OR 1=1 --,../../etc/passwd,1\n"
                        f"{code},{adcode},{period},=cmd|' /C calc'!A0\n", encoding="utf-8")
    report = load_file(rejected, user="fuzz")
    assert (2, "指标代码", marker("cell")) in [(e.row, e.column, e.value) for e in report.errors]
    assert (3, "=cmd|' /C calc'!A0", NOT_A_NUMBER) in [(e.row, e.value, e.reason) for e in report.errors]
    assert store_shape() == before  # a rejected file writes nothing
    restated = tmp_path / f"{marker('good file')}.csv"
    restated.write_text(f"指标代码,地区,时间,数值\n{code},{adcode},{period},{value!r}\n", encoding="utf-8")
    assert load_file(restated, user="fuzz").unchanged == 1
    with db.connect() as conn:
        rejected_id = conn.scalar(select(func.max(LoadBatch.id)).where(LoadBatch.file_name == rejected.name))
    assert_only_text(render(admin, "/data/loads?lang=en"), marker("file"), marker("good file"))
    assert_only_text(render(admin, f"/data/loads?lang=en&load={rejected_id}"), marker("file"), marker("cell"),
                     "=cmd|' /C calc'!A0")


def test_facility_names_reach_the_map_tooltips_escaped(site, tmp_path):
    from geo.cities import get_city
    from indicators.ingest.facilities import city_box, load_facilities

    ningde = get_city("ningde")
    min_lon, min_lat, max_lon, max_lat = city_box(ningde)
    path = tmp_path / "hospitals.csv"
    path.write_text("kind,name_zh,name_en,lat,lon,area_adcode,capacity\n"
                    f"hospital,\"{marker('facility')}\",\"{marker('facility en')}\",{(min_lat + max_lat) / 2},"
                    f"{(min_lon + max_lon) / 2},{ningde.districts[0].adcode},\"'; DROP TABLE facilities; --\"\n",
                    encoding="utf-8")
    assert not load_facilities(path, "ningde").ok  # the capacity is no number: nothing written
    path.write_text(path.read_text(encoding="utf-8").replace("\"'; DROP TABLE facilities; --\"", "120"),
                    encoding="utf-8")
    assert load_facilities(path, "ningde").ok
    client = site.signed_in("viewer")
    for lang, name in (("zh", marker("facility")), ("en", marker("facility en"))):
        answer = call(client, layers_request("ningde", lang, ["hospital"])).get_json()["response"]
        tooltips = [f["properties"]["tooltip"] for f in answer["map-points"]["data"]["features"]]
        assert any(html.escape(name) in tooltip for tooltip in tooltips), lang
        assert places([answer], name)[1] == []  # raw only in the data fields Leaflet does not render


def test_catalog_edits_come_back_only_as_text(site):
    from indicators.ingest.catalog_edits import edit_indicator
    from indicators.views.queries import indicators

    code = indicators()["code"].iat[0]
    texts = {field: marker(field) for field in ("name_zh", "name_en", "definition", "source")}
    assert len(edit_indicator(code, texts, comment=marker("edit comment"))) == len(texts)
    admin = site.signed_in("admin")
    assert_only_text(render(admin, f"/indicator/{code}?city=xiamen&lang=zh"), texts["name_zh"], texts["definition"],
                     texts["source"])
    assert_only_text(render(admin, f"/indicator/{code}?city=xiamen&lang=en"), texts["name_en"])
    for url in ("/catalog?city=xiamen&lang=zh", "/data/catalog?lang=zh", "/?city=xiamen&lang=zh"):
        assert not places(render(admin, url), texts["name_zh"])[1], url


def _catalog_export(client, kind: str, text: str) -> bytes:
    from pages.catalog import FILTERS

    key = next(key for key in dash.get_app().callback_map if key.startswith("..catalog-download.data"))
    body = multi_payload([("catalog-download", "data"), ("catalog-status", "children")],
                         [("catalog-export-csv", "n_clicks", int(kind == "csv")),
                          ("catalog-export-xlsx", "n_clicks", int(kind == "xlsx"))],
                         [("catalog-q", "value", text), *[(f"catalog-{name}", "value", None) for name in FILTERS],
                          ("catalog-args", "data", {"city": "xiamen", "lang": "zh"})])
    body.update(output=key, changedPropIds=[f"catalog-export-{kind}.n_clicks"])
    answer = call(client, body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return base64.b64decode(answer.get_json()["response"]["catalog-download"]["data"]["content"])


def test_an_edited_name_is_exported_as_inert_text(site):
    from indicators.ingest.catalog_edits import edit_indicator
    from indicators.views.queries import indicators

    code = indicators()["code"].iat[1]
    formula = '=HYPERLINK("http://evil.example","x")'
    edit_indicator(code, {"name_zh": formula + "\x0b"})  # a control character XLSX cannot hold, too
    viewer = site.signed_in("viewer")
    exported = csv.reader(io.StringIO(_catalog_export(viewer, "csv", code).decode("utf-8-sig"), newline=""))
    assert [code, f"'{formula}\x0b"] in [row[:2] for row in exported]
    sheet = openpyxl.load_workbook(io.BytesIO(_catalog_export(viewer, "xlsx", code))).active
    assert f"'{formula}" in [cell.value for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]



def test_only_the_callbacks_that_carry_a_file_take_more_than_a_megabyte(site):
    from tests.support.dash_requests import multi_payload as body_of

    operator, analyst = site.signed_in("operator"), site.signed_in("analyst")
    rows = "".join(f"ECO-GDP-001,思明区,{2000 + i // 4}Q{i % 4 + 1},{i}\n" for i in range(60_000))
    contents = "data:text/csv;base64," + base64.b64encode(("指标代码,地区,时间,数值\n" + rows).encode()).decode()
    assert len(contents) > 2 << 20
    check = body_of([("upload-report", "children"), ("upload-commit", "disabled"), ("upload-checked", "data"),
                     ("upload-file-name", "children"), ("upload-result", "children")],
                    [("upload-file", "contents", contents), ("upload-city", "value", "xiamen"),
                     ("upload-sheet", "value", None)],
                    [("upload-file", "filename", "big.csv"), ("upload-args", "data", {"city": "xiamen", "lang": "en"})])
    answer = post(operator, json.dumps(check).encode())
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "big.csv" in answer.get_data(as_text=True)
    # The same size to any other callback is refused before Dash reads it.
    assert post(analyst, _with(padding=contents)).status_code == 413
