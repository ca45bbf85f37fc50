"""Server time of the pages' callbacks at demo size, called the way the browser calls them.

Each page's content callback is POSTed to ``/_dash-update-component`` through Flask's test client
(the full Dash request path: JSON decoding, the callback, the layers below it, JSON encoding and
compression),
for both demo cities and a spread of themes, topics, indicators and areas. "Cold" clears the
query cache before every call; "warm" repeats the call with the cache filled. The issue's bars:
p95 ≤ 100 ms warm and ≤ 500 ms cold.

Run: ``.venv/bin/python benchmarks/pages_bench.py [--database-url URL] [--repeat N]``; without a
URL it builds a demo store of both cities in a temporary SQLite file (about 30 s) and runs the
warnings on it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def payload(output_id: str, input_id: str, value: object, prop: str = "children") -> dict:
    """The body Dash's renderer sends for a callback with one input (a dcc.Store's data)."""
    return {"output": f"{output_id}.{prop}", "outputs": {"id": output_id, "property": prop},
            "inputs": [{"id": input_id, "property": "data", "value": value}],
            "changedPropIds": [f"{input_id}.data"], "state": []}


def multi_payload(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
                  state: list[tuple[str, str, object]]) -> dict:
    """The body for a callback with several outputs, inputs and states (flattened in order)."""
    if len(outputs) == 1:
        key, described = f"{outputs[0][0]}.{outputs[0][1]}", {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        key = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        described = [{"id": i, "property": p} for i, p in outputs]
    return {"output": key, "outputs": described,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state]}


def catalog_payload(city: str, lang: str, text: str, filters: dict[str, str]) -> dict:
    """The catalog's filter callback, as the grid page sends it when a filter changes."""
    from pages.catalog import FILTERS

    outputs = [("catalog-grid", "rowData"), ("catalog-count", "children"), ("catalog-url", "search"),
               ("catalog-status", "children")]
    inputs = [("catalog-q", "value", text)] + [(f"catalog-{name}", "value", filters.get(name)) for name in FILTERS]
    return multi_payload(outputs, inputs, [("catalog-args", "data", {"city": city, "lang": lang})])


def alert_payloads(city: str, alert_ids: list[int]) -> list[dict]:
    """The alert centre's list (open alerts, then only red ones) and detail callbacks."""
    from pages.alerts import ACTIONS, FILTERS, WORST_FIRST

    args = ("alerts-args", "data", {"city": city, "lang": "zh"})
    outputs = ([("alerts-list", "children"), ("alerts-summary", "children"), ("alerts-more", "hidden"),
                ("alerts-limit", "data")] + [(f"alerts-count-{lvl}", "children") for lvl in WORST_FIRST]
               + [(f"alerts-chip-{lvl}", "className") for lvl in WORST_FIRST])
    bodies = []
    for level in (None, "red"):
        values = {"state": "open", "level": level}
        inputs = ([(f"alerts-filter-{name}", "value", values.get(name)) for name in FILTERS]
                  + [("alerts-more", "n_clicks", None), ("alerts-version", "data", 0)])
        bodies.append(multi_payload(outputs, inputs, [("alerts-selected", "data", None),
                                                      ("alerts-limit", "data", 100), args]))
    detail = ([("alerts-detail-body", "children"), ("alerts-main", "className"), ("alerts-actions", "hidden"),
               ("alerts-no-actions", "hidden"), ("alerts-dispatch-field", "hidden"), ("alerts-dispatch-to", "value")]
              + [(f"alerts-do-{action}", "hidden") for action in ACTIONS] + [("alerts-action-message", "children")])
    for alert_id in alert_ids:
        bodies.append(multi_payload(detail, [("alerts-selected", "data", alert_id), ("alerts-version", "data", 0)],
                                    [args]))
    return bodies


def screen_payloads(city: str) -> list[dict]:
    """The big screen's refresh callback for every screen of the city's rotation."""
    from pages.screen import MAP_OUTPUTS, OUTPUTS, rotation, screen_args

    outputs = ([(f"screen-{name.replace('_', '-')}", "children") for name in OUTPUTS]
               + [(output.component_id, output.component_property) for _, output in MAP_OUTPUTS]
               + [("screen-asof", "children"), ("screen-stale", "hidden"), ("screen-notice", "children")])
    args = screen_args(city, "zh", {"rotate": "30"})
    return [multi_payload(outputs, [("screen-refresh", "n_intervals", 1), ("screen-position", "data", {"index": i})],
                          [("screen-args", "data", args)]) for i in range(len(rotation(city)))]


def map_payloads(city: str, codes: list[str], adcodes: list[str]) -> list[dict]:
    """The map's recolouring (by level and by quintile) and the district panel."""
    recolour = [("map-areas", "hideout"), ("map-legend", "children"), ("map-note", "children"),
                ("map-period-text", "children"), ("map-slider", "max"), ("map-slider", "marks"),
                ("map-slider", "value"), ("map-url", "data"), ("map-status", "children")]
    args = ("map-args", "data", {"city": city, "lang": "zh"})
    bodies = [multi_payload(recolour, [("map-code", "value", code), ("map-mode", "data", mode),
                                       ("map-slider", "value", None), ("map-area", "data", None)],
                            [args, ("map-theme", "value", None)])
              for code in codes for mode in ("level", "quantile")]
    bodies += [multi_payload([("map-panel", "children")], [("map-area", "data", adcode), ("map-code", "value", codes[0]),
                                                          ("map-slider", "value", None)], [args])
               for adcode in adcodes]
    return bodies


def cases(rng: random.Random) -> dict[str, list[dict]]:
    """Callback requests per page: the shell's header on four pages, every theme and topic, 20
    indicators, every area, catalog searches, the alert list and eight alerts' details, the map's
    recolouring and district panel, and every big screen of the rotation, per city."""
    from indicators.catalog import THEMES, TOPICS
    from indicators.map_queries import district_indicators
    from indicators.queries import alerts, areas, indicators

    codes = indicators()["code"].tolist()
    requests: dict[str, list[dict]] = {"shell": [], "home": [], "theme": [], "topic": [], "indicator": [],
                                       "area": [], "catalog": [], "alerts": [], "map": [], "screen": []}
    for city in ("xiamen", "ningde"):
        adcodes = areas(city)["adcode"].tolist()
        for path in ("/", "/themes/economy", "/catalog", "/alerts"):
            requests["shell"].append(multi_payload(
                [("shell-header", "children"), ("shell-footer", "children"), ("shell", "className"),
                 ("shell-tabs", "children")],
                [("shell-url", "pathname", path), ("shell-url", "search", f"?city={city}&lang=zh")], []))
        for lang in ("zh", "en"):
            requests["home"].append(payload("home-content", "home-args", {"city": city, "lang": lang}))
        for key in THEMES:
            requests["theme"].append(payload("group-content", "group-args", {
                "kind": "theme", "key": key, "city": city, "lang": "zh", "filters": {}}))
        for key in TOPICS:
            requests["topic"].append(payload("group-content", "group-args", {
                "kind": "topic", "key": key, "city": city, "lang": "zh", "filters": {"area": rng.choice(adcodes)}}))
        for code in rng.sample(codes, 20):
            requests["indicator"].append(payload("indicator-content", "indicator-args", {
                "code": code, "city": city, "lang": "zh", "area": rng.choice([None, *adcodes])}))
        for text, filters in (("", {}), ("GDP", {}), ("", {"theme": "environment", "level": "normal"})):
            requests["catalog"].append(catalog_payload(city, "zh", text, filters))
        requests["alerts"].extend(alert_payloads(city, alerts(city)["id"].head(8).tolist()))
        requests["map"].extend(map_payloads(city, rng.sample(district_indicators(city), 4), adcodes[1:4]))
        requests["screen"].extend(screen_payloads(city))
        for adcode in adcodes:
            requests["area"].append(payload("area-content", "area-args", {"adcode": adcode, "lang": "zh"}))
    return requests


def timed(client, body: dict) -> float:
    """Milliseconds of one callback request; fails on anything but 200."""
    started = time.perf_counter()
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                           headers={"Accept-Encoding": "gzip, deflate, br"})  # as Chromium asks, so compression counts
    elapsed = 1000 * (time.perf_counter() - started)
    if response.status_code != 200:
        raise SystemExit(f"{body['output']} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Print p50/p95 per page, cold and warm; exit 1 when a bar is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a store to read (default: a new demo store in a temporary file)")
    parser.add_argument("--repeat", type=int, default=5, help="warm calls per request")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url
        if url is None:
            from indicators import db
            from indicators.alerts import run_warnings
            from indicators.bootstrap import init_store

            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            print("building a demo store of both cities …", flush=True)
            init_store(url, city_keys=("xiamen", "ningde"), seed=20190101, progress=False)
            db.use(url)
            run_warnings()
        os.environ["CITYVITALS_DATABASE_URL"] = url
        import app as app_module
        from indicators.cache import cache

        server = app_module.server
        client = server.test_client()
        failed = False
        with server.app_context():
            requests = cases(random.Random(7))
        print(f"{'page':<11}{'calls':>6}{'cold p50':>10}{'cold p95':>10}{'warm p50':>10}{'warm p95':>10}  (ms)")
        for page, bodies in requests.items():
            cold, warm = [], []
            for body in bodies:
                with server.app_context():
                    cache.clear()
                cold.append(timed(client, body))
                warm.extend(timed(client, body) for _ in range(args.repeat))
            row = (percentile(cold, 0.5), percentile(cold, 0.95), percentile(warm, 0.5), percentile(warm, 0.95))
            missed = row[1] > 500 or row[3] > 100
            failed |= missed
            print(f"{page:<11}{len(bodies):>6}" + "".join(f"{v:>10.1f}" for v in row) + ("  MISSED" if missed else ""))
        print(f"\nbars: p95 ≤ 100 ms warm, ≤ 500 ms cold; query cache {server.config['CITYVITALS_SETTINGS'].cache_url}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
