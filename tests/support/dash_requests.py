"""The callback requests the browser sends, page by page, as JSON bodies for ``/_dash-update-component``.

Shared by the page benchmark, the load test and the security tests, which replay them (the last as a
viewer who must not receive restricted figures).
"""

from __future__ import annotations

import random


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

    outputs = [("catalog-rows", "data"), ("catalog-count", "children"), ("catalog-url", "search"),
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
                  + [("alerts-more", "n_clicks", None), ("alerts-version", "data", 0),
                     ("alerts-page-size", "data", 100)])
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
    """The map's first drawing, its recolouring (by level and by quintile) and the district panel."""
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
    bodies += [multi_payload([("map-content", "children")],
                             [("map-request", "data", {"code": code, "mode": None, "period": None,
                                                       "area": adcodes[0] if adcodes else None,
                                                       "theme": None})], [args]) for code in (None, codes[0])]
    return bodies


def cases(rng: random.Random, cities: tuple[str, ...] = ("xiamen", "ningde")) -> dict[str, list[dict]]:
    """Callback requests per page: the shell's header on four pages, every theme and topic, 20
    indicators, every area, catalog searches, the alert list and eight alerts' details, the map's
    recolouring and district panel, and every big screen of the rotation, per city (of ``cities``,
    which must have data)."""
    from indicators.catalog.entries import THEMES, TOPICS
    from indicators.views.map_queries import district_indicators
    from indicators.views.queries import alerts, areas, indicators

    codes = indicators()["code"].tolist()
    requests: dict[str, list[dict]] = {"shell": [], "home": [], "theme": [], "topic": [], "indicator": [],
                                       "area": [], "catalog": [], "alerts": [], "map": [], "screen": []}
    for city in cities:
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
