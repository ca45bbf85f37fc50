"""The sweep: every server callback of the app (taken from its callback map, so a new one is swept without
editing this test), called as a hostile client would, for each role × scope, must answer with no code, name or
value above the caller's clearance or outside their scope — downloads decoded, spreadsheets unpacked.

The store is the mini catalog with values whose digits betray a leak, a rejected load that typed restricted
values, a catalog revision of the restricted indicator, a SQL source, and the warnings evaluated. Each
callback gets hostile values for its inputs and states (the restricted indicator, another district, another
city, the ids of loads and alerts the caller may not see, files naming them, every page path for the router).
"""

from __future__ import annotations

import base64
import io
import json
import re
import sqlite3
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import Alert, LoadBatch
from tests.callbacks import body, callback_entries, name_of
from tests.store._mini import create_mini_store
from tests.web_clients import Site

SIMING, HULI = "350203", "350206"
SEED = ("指标代码,地区,时间,数值\n"
        "GOV-PET-001,思明区,2025年4月,4321.5\nGOV-PET-001,湖里区,2025年4月,2718.5\n"
        "GOV-HOT-001,思明区,2025年4月,91.25\nGOV-HOT-001,湖里区,2025年4月,88.75\n"
        "ENV-AIR-001,湖里区,2025-04-30,37.5\n")
REJECTED = "指标代码,地区,时间,数值\nGOV-PET-001,思明区,2025年5月,9876x\nGOV-HOT-001,湖里区,2025年5月,5432y\n"
# What the sweep's callers upload: naming what they may not write, with values of their own.
UPLOAD = "指标代码,地区,时间,数值\nGOV-PET-001,思明区,2025年7月,1x\nGOV-HOT-001,湖里区,2025年7月,2\n"
PET = ("GOV-PET-001", "信访总量", "Petitions received", "4321.5", "2718.5", "9876x", "5123.25")
HOT = ("GOV-HOT-001", "12345热线满意率", "12345 hotline satisfaction", "91.25", "88.75", "5432y")
HULI_MARKS = ("88.75", "2718.5", "5432y", "37.5")
NINGDE = ("蕉城区", "福安市", "350902")
# role, scope, what must never reach them
CALLERS = [
    ("viewer", {}, PET + HOT),
    ("analyst", {"city_key": "xiamen", "districts": (SIMING,)}, PET + HULI_MARKS + NINGDE),
    ("operator", {"city_key": "xiamen", "districts": (SIMING,)}, PET + HULI_MARKS + NINGDE),
    ("operator", {"city_key": "xiamen"}, PET + NINGDE),
]
PATHS = ["/", "/themes/governance", "/topics/petition", "/indicator/GOV-PET-001", f"/area/{HULI}", "/catalog",
         "/alerts", "/map", "/screen", "/data/quality", "/data/upload", "/data/loads", "/data/catalog",
         "/data/sources", "/admin/users", "/admin/audit"]


@pytest.fixture
def swept_store(dash_app, store_url, uncached, monkeypatch, tmp_path):
    from indicators.ingest.catalog_edits import edit_indicator
    from indicators.ingest.loading import load_bytes
    from indicators.ingest.sql_sources import add_source
    from indicators.warnings.alerts import run_warnings

    create_mini_store(store_url)
    assert load_bytes(SEED.encode(), "seed.csv").ok
    assert not load_bytes(REJECTED.encode(), "rejected.csv").ok
    edit_indicator("GOV-PET-001", {"red": 5123.25}, comment="sweep")
    run_warnings()
    monkeypatch.setenv("CITYVITALS_SQL_SOURCE_SCHEMES", "sqlite")
    department = tmp_path / "department.db"
    with sqlite3.connect(department) as conn:
        conn.execute("CREATE TABLE report (code TEXT, district TEXT, month TEXT, amount REAL)")
        conn.execute("INSERT INTO report VALUES ('GOV-PET-001', '湖里区', '2025-06', 2718.5)")
    add_source("petitions", f"sqlite:///{department}",
               "SELECT code AS indicator, district AS area, month AS period, amount AS value FROM report",
               city_key="xiamen")
    server = dash_app.server
    monkeypatch.setitem(server.config, "CITYVITALS_SETTINGS",
                        replace(server.config["CITYVITALS_SETTINGS"], demo_login=False))
    with Session(db.engine()) as session:
        loads = session.scalars(select(LoadBatch.id)).all()
        alerts = session.scalars(select(Alert.id)).all()
    return Site(server, address_prefix="10.13"), loads, alerts


def _upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def hostile_values(spec_id: str, prop: str, variant: dict) -> object:
    """A value for one input or state, as a hostile client would choose it."""
    name = f"{spec_id}.{prop}"
    if prop == "n_clicks" or prop == "n_intervals":
        return 1
    if prop == "contents":
        return _upload(variant["file"])
    if prop == "filename":
        return "sweep.csv"
    if prop == "pathname":
        return variant["path"]
    if prop == "search":
        return (f"?city={variant['city']}&code={variant['code']}&area={variant['area']}&load={variant['load']}"
                f"&alert={variant['alert']}")
    if spec_id.endswith("-args") or spec_id == "screen-args":
        return {"city": variant["city"], "lang": "zh", "code": variant["code"], "area": variant["area"],
                "adcode": variant["area"], "kind": "topic",
                "key": "petition", "filters": {}, "screen": "petition", "screens": ["petition"], "indicator": None,
                "rotate": None, "refresh": 60, "kiosk": False, "start": 0, "theme": None}
    if name in ("loads-selected.data",):
        return variant["load"]
    if name in ("alerts-selected.data",):
        return variant["alert"]
    if name in ("dcat-selected.data",) or prop == "value" and spec_id.endswith(("-code", "-indicator")):
        return variant["code"]
    if prop == "value" and spec_id.endswith(("-city",)):
        return variant["city"]
    if prop == "value" and spec_id.endswith(("-area", "-district")):
        return variant["area"]
    if prop == "selectedRows":
        return [{"code": variant["code"], "username": "admin"}]
    if name == "map-layers.data":
        return ["school", "hospital", "market", "monitoring_station", "fire_station"]
    return None


def requests_for(key: str, entry: dict, variants: list[dict]) -> list[dict]:
    requests = []
    for variant in variants:
        values = {f"{spec['id']}.{spec['property']}": hostile_values(spec["id"], spec["property"], variant)
                  for spec in entry["inputs"] + entry["state"] if not spec["id"].startswith("{")}
        request = body(key, values)
        # Pattern-matching inputs: one component of the kind, clicked (a SQL source's action, a load's row …).
        for position, spec in enumerate(entry["inputs"]):
            if spec["id"].startswith("{"):
                pattern = json.loads(spec["id"])
                concrete = {k: (variant.get(k) or "petitions" if v == ["ALL"] else v) for k, v in pattern.items()}
                if "id" in concrete:
                    concrete["id"] = variant["load"]
                request["inputs"][position] = [{"id": concrete, "property": spec["property"], "value": 1}]
                request["changedPropIds"] = [json.dumps(concrete, separators=(",", ":")) + "." + spec["property"]]
        requests.append(request)
    return requests


def readable(answer: bytes) -> str:
    """The answer as text, with every download decoded (a spreadsheet's XML unpacked)."""
    text = answer.decode("utf-8", "replace")
    parts = [text]
    for content in re.findall(r'"content":\s*"([^"]+)"', text):
        try:
            raw = base64.b64decode(content, validate=True)
        except ValueError:
            raw = content.encode()
        if raw.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                parts += [book.read(name).decode("utf-8", "replace") for name in book.namelist()]
        else:
            parts.append(raw.decode("utf-8-sig", "replace"))
    return json.loads(json.dumps("\n".join(parts)))


@pytest.mark.slow  # every callback for every role: the full suite's, not the fast tier's
def test_no_callback_answers_beyond_the_callers_clearance_or_scope(swept_store):
    site, loads, alerts = swept_store
    entries = callback_entries()
    assert len(entries) > 50 and any("data_sources" in name_of(e) for e in entries.values())
    # Hostile values (the restricted indicator, another district and city, loads and alerts beyond the caller),
    # and innocent ones (so that an answer cannot hide a leak behind an echo of the request).
    variants = [{"city": city, "code": code, "area": area, "load": load, "alert": alert, "file": UPLOAD,
                 "path": "/data/loads"}
                for city, code, area, load, alert in (
                    ("xiamen", "GOV-PET-001", HULI, loads[1], alerts[0] if alerts else 1),
                    ("ningde", "GOV-HOT-001", HULI, loads[-1], alerts[-1] if alerts else 1),
                    ("xiamen", "ECO-POP-001", SIMING, loads[0], alerts[0] if alerts else 1))]
    leaks, answered = [], 0
    for role, scope, hidden in CALLERS:
        client = site.signed_in(role, **scope)
        for key, entry in entries.items():
            router = "_pages_content" in key
            for request in requests_for(key, entry, [dict(v, path=p) for v in variants[:2] for p in PATHS] if router
                                        else variants):
                answer = client.post("/_dash-update-component", data=json.dumps(request),
                                     content_type="application/json")
                assert answer.status_code < 500, (role, name_of(entry), answer.get_data(as_text=True)[:300])
                answered += answer.status_code == 200
                text = readable(answer.get_data())
                # An answer may echo what the caller sent (a code in a link's query), never more.
                sent = json.dumps(request, ensure_ascii=False) + readable(json.dumps(request).encode())
                found = [mark for mark in hidden if mark in text and mark not in sent]
                if found:
                    leaks.append((role, scope.get("districts") or scope.get("city_key"), name_of(entry),
                                  request["inputs"][0] if not router else request["inputs"][0]["value"], found))
    assert not leaks, "\n".join(sorted({f"{role} {scope} {callback}: {found}" for role, scope, callback, _, found in leaks}))
    assert answered > 200  # the requests were answered, not refused wholesale
